"""The REST API (OpenAPI at /api/docs). Endpoints are thin: they look objects up through
the permissions module and call the same functions as the pages."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.security import HttpBearer, django_auth

from gridgov.accounts import signin
from gridgov.events.workflow import TransitionError


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <key>` with a key from POST /api/tokens."""

    def authenticate(self, request, token):
        user = signin.user_for_token(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="gridgov API",
    version="1",
    description="基层治理综合信息平台接口。认证：Authorization: Bearer <令牌>（POST /api/tokens 获取），或浏览器会话。",
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
)


def _field_errors(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()}
    return {"__all__": exc.messages}


@api.exception_handler(ValidationError)
def on_invalid(request, exc: ValidationError):
    return api.create_response(request, {"detail": "输入有误", "errors": _field_errors(exc)}, status=422)


@api.exception_handler(SchemaValidationError)
def on_schema_invalid(request, exc: SchemaValidationError):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        location = [str(p) for p in error.get("loc", []) if p not in ("body", "query", "path", "payload")]
        errors.setdefault(".".join(location) or "__all__", []).append(error.get("msg", "无效"))
    return api.create_response(request, {"detail": "输入有误", "errors": errors}, status=422)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, {"detail": "不存在或不在您的管辖范围内"}, status=404)


@api.exception_handler(PermissionDenied)
def on_denied(request, exc):
    return api.create_response(request, {"detail": str(exc) or "没有权限"}, status=403)


@api.exception_handler(TransitionError)
def on_conflict(request, exc: TransitionError):
    # Someone else moved the event first, or it is past this step: the client refreshes.
    return api.create_response(request, {"detail": str(exc)}, status=409)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return api.create_response(request, {"detail": "请先登录或提供有效令牌"}, status=401)


from gridgov.api import accounts, events, territory  # noqa: E402  (routers register on `api`)

api.add_router("", accounts.router)
api.add_router("", territory.router)
api.add_router("", events.router)

from gridgov.api import command  # noqa: E402

api.add_router("", command.router)

from gridgov.api import field  # noqa: E402

api.add_router("", field.router)

from gridgov.api import mediation  # noqa: E402

api.add_router("", mediation.router)

from gridgov.api import analysis  # noqa: E402

api.add_router("", analysis.router)

from django.contrib.auth import authenticate
from ninja import Router, Schema, Status

from gridgov.accounts import permissions, signin
from gridgov.api.errors import ErrorOut
from gridgov.api.fields import Text

router = Router(tags=["账号"])


class TokenIn(Schema):
    username: Text
    password: Text
    name: Text = "mobile"


class TokenOut(Schema):
    token: str


class RoleOut(Schema):
    role: str
    role_label: str
    scope: str
    department: str | None = None


class MeOut(Schema):
    username: str
    full_name: str
    roles: list[RoleOut]


@router.post("/tokens", auth=None, response={201: TokenOut, 401: ErrorOut, 429: ErrorOut})
def create_token(request, body: TokenIn):
    """Exchange a username and password for an API token (throttled like the login page)."""
    address = signin.client_address(request)
    if signin.is_locked(username=body.username, address=address):
        return Status(429, {"detail": "登录失败次数过多，请稍后再试"})
    user = authenticate(request, username=body.username, password=body.password)
    if user is None:
        signin.record_failure(username=body.username, address=address)
        return Status(401, {"detail": "用户名或密码错误"})
    signin.clear_failures(username=body.username)
    return Status(201, {"token": signin.issue_token(user, name=body.name[:100])})


@router.get("/me", response=MeOut)
def me(request):
    user = request.user
    return {
        "username": user.username,
        "full_name": user.full_name,
        "roles": [
            {
                "role": a.role,
                "role_label": str(a.get_role_display()),
                "scope": a.scope,
                "department": a.department.name if a.department else None,
            }
            for a in permissions.assignments(user)
        ],
    }

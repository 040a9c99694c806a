"""Accounts and the roles they hold: every change an administrator makes to people.

People are never deleted: events, logs and cases keep pointing at who acted, so an account
that leaves is deactivated. Every function takes the acting administrator as `by`, checks
it through the permissions module, and raises ValidationError keyed by field.
"""

import re

from django.contrib.auth import password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from gridgov.accounts import permissions
from gridgov.accounts.models import Department, Role, RoleAssignment, User
from gridgov.accounts.permissions import EDIT
from gridgov.lib import codes
from gridgov.regions.models import Grid, Region

MOBILE = re.compile(r"1[3-9]\d{9}")
# Area code (3–4 digits starting with 0), a 7–8 digit number, an optional extension.
LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}(-\d{1,6})?")

REGION_PREFIX_LENGTHS = {2, 4, 6, 9, 12}

# Roles tied to one level of the territory; the others may hold any region.
ROLE_LEVELS = {
    Role.GRID_WORKER: {15},
    Role.VILLAGE_STATION: {12},
    Role.TOWN_OPERATOR: {9},
    Role.DISTRICT_OPERATOR: {2, 4, 6},
}
LEVEL_WORDS = {2: "省", 4: "市", 6: "区县", 9: "乡镇街道", 12: "村社区", 15: "网格"}


def normalise_phone(phone: str) -> str:
    return re.sub(r"[\s()（）]", "", phone or "")


PHONE_MESSAGE = (
    "电话号码格式不正确：应为 11 位手机号（如 13812345678）或带区号的固定电话（如 0572-2345678）"
)


def check_phone(phone: str) -> None:
    """Empty, a mainland mobile number, or a landline such as 0572-2345678."""
    if phone and not (MOBILE.fullmatch(phone) or LANDLINE.fullmatch(phone)):
        raise ValidationError({"phone": PHONE_MESSAGE})


def _check_details(*, full_name: str, phone: str) -> dict[str, str]:
    errors = {}
    if not full_name.strip():
        errors["full_name"] = "姓名不能为空"
    elif len(full_name.strip()) > 50:
        errors["full_name"] = "姓名不能超过 50 个字"
    try:
        check_phone(phone)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    return errors


# Django's own Chinese catalogue lacks some of these (the length rule shows in English), so
# the validators' messages are rewritten here by their error code.
PASSWORD_MESSAGES = {
    "password_too_short": "密码太短，至少需要 {min_length} 个字符",
    "password_too_common": "密码过于常见，容易被猜到",
    "password_entirely_numeric": "密码不能全为数字",
    "password_too_similar": "密码与{verbose_name}过于相似",
}


def _check_password(password: str, user: User) -> list[str]:
    if not password:
        return ["密码不能为空"]
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        messages = []
        for error in exc.error_list:
            template = PASSWORD_MESSAGES.get(error.code or "")
            params = {k: str(v) for k, v in (error.params or {}).items()}
            messages.append(template.format(**params) if template else error.messages[0])
        return messages
    return []


def _require_administrator(by: User) -> None:
    permissions.require_scopes(by, EDIT)


@transaction.atomic
def create_user(
    *,
    by: User,
    username: str,
    full_name: str,
    phone: str,
    password: str,
    role: str = "",
    scope: str = "",
    department: Department | None = None,
) -> User:
    """Open an account; with `role`, grant its first role in the same transaction, so the
    person never sits unbound where every administrator could claim them."""
    _require_administrator(by)
    username = (username or "").strip()
    full_name = (full_name or "").strip()
    phone = normalise_phone(phone)
    errors = _check_details(full_name=full_name, phone=phone)
    if not username:
        errors["username"] = "用户名不能为空"
    elif len(username) > 150:
        errors["username"] = "用户名不能超过 150 个字符"
    else:
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError:
            errors["username"] = "用户名只能包含字母、数字和 @ . + - _"
        else:
            if User.objects.filter(username__iexact=username).exists():
                errors["username"] = f"用户名 {username} 已被使用（不区分大小写）"
    password_errors = _check_password(password, User(username=username, full_name=full_name))
    if password_errors:
        errors["password"] = password_errors
    if errors:
        raise ValidationError(errors)
    try:
        # Two administrators may submit the same new name at once; the unique index decides.
        with transaction.atomic():
            user = User.objects.create_user(
                username=username, password=password, full_name=full_name, phone=phone
            )
    except IntegrityError as exc:
        raise ValidationError({"username": f"用户名 {username} 已被使用"}) from exc
    if role:
        grant_role(by=by, user=user, role=role, scope=scope, department=department)
    return user


@transaction.atomic
def update_user(
    *, by: User, user: User, full_name: str, phone: str, is_active: bool | None = None
) -> User:
    permissions.require(by, EDIT, user)
    full_name = (full_name or "").strip()
    phone = normalise_phone(phone)
    errors = _check_details(full_name=full_name, phone=phone)
    if is_active is False and user.pk == by.pk:
        errors["is_active"] = "不能停用自己的账号"
    if errors:
        raise ValidationError(errors)
    user.full_name, user.phone = full_name, phone
    fields = ["full_name", "phone"]
    if is_active is not None:
        user.is_active = is_active
        fields.append("is_active")
    user.save(update_fields=fields)
    return user


def deactivate(*, by: User, user: User) -> User:
    """Stop an account from signing in (pages and API tokens); its history stays."""
    return _set_active(by=by, user=user, active=False)


def activate(*, by: User, user: User) -> User:
    return _set_active(by=by, user=user, active=True)


@transaction.atomic
def _set_active(*, by: User, user: User, active: bool) -> User:
    permissions.require(by, EDIT, user)
    if not active and user.pk == by.pk:
        raise ValidationError({"is_active": "不能停用自己的账号"})
    user.is_active = active
    user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def reset_password(*, by: User, user: User, password: str) -> None:
    permissions.require(by, EDIT, user)
    errors = _check_password(password, user)
    if errors:
        raise ValidationError({"password": errors})
    user.set_password(password)
    user.save(update_fields=["password"])


def check_scope(scope: str) -> str:
    """Raise ValidationError on `scope` unless it is the prefix of an existing region or the
    code of an existing grid; return the place's name."""
    if not scope or not scope.isascii() or not scope.isdigit():
        raise ValidationError({"scope": "管辖范围应为区划代码前缀或 15 位网格编码（数字）"})
    if len(scope) == 15:
        grid = Grid.objects.filter(code=scope).only("name").first()
        if grid is None:
            raise ValidationError({"scope": f"网格 {scope} 不存在"})
        return grid.name
    if len(scope) not in REGION_PREFIX_LENGTHS:
        raise ValidationError(
            {"scope": "管辖范围应为 2、4、6、9、12 位区划代码前缀或 15 位网格编码"}
        )
    region = Region.objects.filter(code=codes.pad(scope)).first()
    if region is None or region.prefix != scope:
        raise ValidationError({"scope": f"没有以 {scope} 为代码的行政区划"})
    return region.name


def _covered(by: User, scope: str) -> bool:
    return any(permissions.covers(s, scope) for s in permissions.scopes(by, EDIT))


@transaction.atomic
def grant_role(
    *, by: User, user: User, role: str, scope: str, department: Department | None = None
) -> RoleAssignment:
    permissions.require(by, EDIT, user)
    scope = (scope or "").strip()
    errors: dict[str, str] = {}
    if user.pk == by.pk and not by.is_superuser:
        # Granting oneself anything would be a way round the scope an account was given.
        errors["user"] = "不能给自己授予角色，请由上级管理员授权"
    if role not in Role.values:
        errors["role"] = "请选择有效的角色"
    try:
        check_scope(scope)
    except ValidationError as exc:
        errors["scope"] = exc.message_dict["scope"][0]
    else:
        allowed = ROLE_LEVELS.get(role)
        if allowed and len(scope) not in allowed:
            wanted = "、".join(LEVEL_WORDS[n] for n in sorted(allowed))
            errors["scope"] = f"{Role(role).label}的管辖范围必须是{wanted}"
        elif role in Role.values and not allowed and len(scope) == 15:
            errors["scope"] = f"{Role(role).label}的管辖范围应为行政区划，只有网格员按网格授权"
        elif not _covered(by, scope):
            errors["scope"] = f"范围 {scope} 超出您的管辖范围，不能授权"
    if role == Role.DEPARTMENT_HANDLER and department is None:
        errors["department"] = "部门处置人员必须选择所属部门"
    if department is not None:
        if not department.is_active:
            errors["department"] = f"{department.name} 已停用"
        elif not permissions.can(by, EDIT, department):
            errors["department"] = f"{department.name} 不在您的管辖范围内"
        elif "scope" not in errors and not scope.startswith(department.region.prefix):
            errors["department"] = (
                f"管辖范围不在 {department.name} 的服务区域（{department.region.name}）内"
            )
    if not errors and RoleAssignment.objects.filter(user=user, role=role, scope=scope).exists():
        errors["scope"] = f"{user.display_name} 已在该范围担任{Role(role).label}"
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            assignment = RoleAssignment.objects.create(
                user=user, role=role, scope=scope, department=department
            )
    except IntegrityError as exc:
        raise ValidationError(
            {"scope": f"{user.display_name} 已在该范围担任{Role(role).label}"}
        ) from exc
    if department is not None:
        # Membership is what lets a person see and sign for the department's events.
        department.members.add(user)
    _forget_roles(user)
    return assignment


@transaction.atomic
def revoke_role(*, by: User, assignment: RoleAssignment) -> None:
    user = assignment.user
    permissions.require(by, EDIT, user)
    if not _covered(by, assignment.scope):
        raise ValidationError({"scope": f"范围 {assignment.scope} 超出您的管辖范围，不能撤销"})
    if user.pk == by.pk and assignment.role == Role.ADMINISTRATOR and not by.is_superuser:
        raise ValidationError({"role": "不能撤销自己的管理员角色"})
    department = assignment.department
    assignment.delete()
    if (
        department is not None
        and not RoleAssignment.objects.filter(user=user, department=department).exists()
    ):
        department.members.remove(user)
        if department.head_id == user.pk:
            Department.objects.filter(pk=department.pk).update(head=None)
    _forget_roles(user)


def _forget_roles(user: User) -> None:
    """Drop the per-object cache the permissions module keeps, so later checks see the change."""
    user.__dict__.pop("_role_assignments", None)
    user.__dict__.pop("_department_ids", None)

"""Departments: district bureaus, the units they sink into towns, and command rooms.

Two levels: a district-level department serves a district; a town-level one serves a town
and, when it is a sunk unit (派驻机构), hangs under the district department it belongs to.
Every function takes the acting administrator as `by` and raises ValidationError keyed by
field.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from gridgov.accounts import permissions
from gridgov.accounts.models import (
    Department,
    DepartmentKind,
    DepartmentLevel,
    RoleAssignment,
    User,
)
from gridgov.accounts.people import check_phone, normalise_phone
from gridgov.accounts.permissions import EDIT
from gridgov.regions.models import Level, Region

REGION_LEVEL = {DepartmentLevel.DISTRICT: Level.DISTRICT, DepartmentLevel.TOWN: Level.TOWN}


@transaction.atomic
def save_department(
    *,
    by: User,
    department: Department | None = None,
    name: str,
    kind: str,
    level: str,
    region: Region | None,
    parent: Department | None = None,
    phone: str = "",
    is_active: bool = True,
) -> Department:
    """Create a department, or change `department` to these values."""
    if department is not None:
        permissions.require(by, EDIT, department)
    else:
        permissions.require_scopes(by, EDIT)
    name = (name or "").strip()
    phone = normalise_phone(phone)
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "名称不能为空"
    elif len(name) > 100:
        errors["name"] = "名称不能超过 100 个字"
    if kind not in DepartmentKind.values:
        errors["kind"] = "请选择有效的部门类别"
    if level not in DepartmentLevel.values:
        errors["level"] = "请选择部门层级（区级或镇街级）"
    if region is None:
        errors["region"] = "请选择服务区域"
    elif not permissions.can(by, EDIT, region):
        errors["region"] = f"{region.name} 不在您的管辖范围内"
    elif level in DepartmentLevel.values and region.level != REGION_LEVEL[level]:
        errors["region"] = (
            f"{DepartmentLevel(level).label}部门的服务区域应为{Level(REGION_LEVEL[level]).label}，"
            f"{region.name} 是{region.get_level_display()}"
        )
    try:
        check_phone(phone)
    except ValidationError as exc:
        errors["phone"] = exc.message_dict["phone"][0]
    if parent is not None and "region" not in errors and "level" not in errors:
        if level != DepartmentLevel.TOWN:
            errors["parent"] = "只有镇街级部门（派驻机构）可以设置上级部门"
        elif parent.level != DepartmentLevel.DISTRICT:
            errors["parent"] = (
                f"上级部门应为区级部门，{parent.name} 是{parent.get_level_display()}部门"
            )
        elif not region.prefix.startswith(parent.region.prefix):
            errors["parent"] = f"{region.name} 不在 {parent.name} 的服务区域内"
        elif department is not None and parent.pk == department.pk:
            errors["parent"] = "上级部门不能是自己"
    if department is not None and not errors:
        errors.update(_check_change(department, level=level, region=region))
    if not errors and (
        Department.objects.filter(region=region, name=name)
        .exclude(pk=department.pk if department else None)
        .exists()
    ):
        errors["name"] = f"{region.name} 已有名为 {name} 的部门"
    if errors:
        raise ValidationError(errors)
    values = {
        "name": name,
        "kind": kind,
        "level": level,
        "region": region,
        "parent": parent,
        "phone": phone,
        "is_active": is_active,
    }
    try:
        # The check above is friendlier; the unique index settles two saves at once.
        with transaction.atomic():
            if department is None:
                return Department.objects.create(**values)
            for field, value in values.items():
                setattr(department, field, value)
            department.save(update_fields=list(values))
            return department
    except IntegrityError as exc:
        raise ValidationError({"name": f"{region.name} 已有名为 {name} 的部门"}) from exc


def _check_change(department: Department, *, level: str, region: Region) -> dict[str, str]:
    """What an existing department cannot become without breaking what hangs on it."""
    errors = {}
    if level != DepartmentLevel.DISTRICT and department.units.exists():
        errors["level"] = "该部门下设有派驻机构，只能是区级部门"
    outside = RoleAssignment.objects.filter(department=department).exclude(
        scope__startswith=region.prefix
    )
    if outside.exists():
        errors["region"] = (
            f"有 {outside.count()} 项人员授权的范围不在 {region.name} 内，请先调整授权"
        )
    return errors


def _require_manageable(by: User, user: User) -> None:
    if not permissions.can(by, EDIT, user):
        raise ValidationError({"user": "该用户不存在或不在您的管辖范围内"})


@transaction.atomic
def set_head(*, by: User, department: Department, user: User | None) -> Department:
    """Make `user` the head (负责人), adding them as a member; None clears the head."""
    permissions.require(by, EDIT, department)
    if user is not None:
        _require_manageable(by, user)
        if not user.is_active:
            raise ValidationError({"user": f"{user.display_name} 的账号已停用"})
        department.members.add(user)
    department.head = user
    department.save(update_fields=["head"])
    return department


@transaction.atomic
def add_member(*, by: User, department: Department, user: User) -> None:
    permissions.require(by, EDIT, department)
    _require_manageable(by, user)
    if department.members.filter(pk=user.pk).exists():
        raise ValidationError({"user": f"{user.display_name} 已是 {department.name} 的成员"})
    department.members.add(user)


@transaction.atomic
def remove_member(*, by: User, department: Department, user: User) -> None:
    permissions.require(by, EDIT, department)
    _require_manageable(by, user)
    if RoleAssignment.objects.filter(user=user, department=department).exists():
        # Membership without the role is harmless; the role without membership would
        # leave a handler who cannot see the events dispatched to them.
        raise ValidationError(
            {"user": f"{user.display_name} 仍以本部门身份持有角色授权，请先在用户页撤销该授权"}
        )
    department.members.remove(user)
    if department.head_id == user.pk:
        department.head = None
        department.save(update_fields=["head"])

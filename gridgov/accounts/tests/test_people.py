"""Accounts and role grants, as an administrator makes them (gridgov.accounts.people).

adam administers the district, tara town A only; otto is an operator, not an administrator.
"""

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from gridgov.accounts import people, permissions
from gridgov.accounts.models import Role, RoleAssignment, User

STRONG = "Yuehe-2024-xunjian"


def errors_of(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def new_user(world, *, by=None, username="wang", **extra) -> User:
    values = {"full_name": "王伟", "phone": "13812345678", "password": STRONG, **extra}
    return people.create_user(by=by or world.adam, username=username, **values)


# --- create_user --------------------------------------------------------------------------


def test_it_creates_an_account_that_can_sign_in(world):
    user = new_user(world, phone="138 1234 5678")
    assert (user.username, user.full_name, user.phone) == ("wang", "王伟", "13812345678")
    assert authenticate(username="wang", password=STRONG) == user


def test_it_grants_the_first_role_with_the_account(world):
    user = new_user(world, by=world.tara, role=Role.GRID_WORKER, scope=world.grid_a2.code)
    assert list(user.roles.values_list("role", "scope")) == [(Role.GRID_WORKER, world.grid_a2.code)]


def test_a_refused_first_role_leaves_no_account_behind(world):
    with pytest.raises(ValidationError) as excinfo:
        new_user(world, by=world.tara, role=Role.GRID_WORKER, scope=world.grid_b1.code)
    assert "scope" in errors_of(excinfo)
    assert not User.objects.filter(username="wang").exists()


def test_it_refuses_a_username_taken_in_another_case(world):
    with pytest.raises(ValidationError) as excinfo:
        new_user(world, username="GINA")
    assert "已被使用" in errors_of(excinfo)["username"][0]
    assert User.objects.filter(username__iexact="gina").count() == 1


@pytest.mark.parametrize(
    "phone", ["12345678901", "1381234567", "138123456789", "phone", "5722345678"]
)
def test_it_refuses_a_phone_that_is_neither_mobile_nor_landline(world, phone):
    with pytest.raises(ValidationError) as excinfo:
        new_user(world, phone=phone)
    assert "电话号码格式不正确" in errors_of(excinfo)["phone"][0]
    assert not User.objects.filter(username="wang").exists()


@pytest.mark.parametrize(
    "phone", ["0572-2345678", "057222345678", "010-12345678", "0572-2345678-801", ""]
)
def test_it_accepts_landlines_and_no_phone(world, phone):
    assert new_user(world, phone=phone).phone == phone


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("abc123", "至少需要 8 个字符"),
        ("12345678901", "不能全为数字"),
        ("password123", "过于常见"),
        ("", "不能为空"),
    ],
)
def test_it_refuses_a_weak_password_in_chinese(world, password, fragment):
    with pytest.raises(ValidationError) as excinfo:
        new_user(world, password=password)
    assert any(fragment in m for m in errors_of(excinfo)["password"])
    assert not User.objects.filter(username="wang").exists()


def test_it_refuses_a_password_like_the_username(world):
    with pytest.raises(ValidationError) as excinfo:
        new_user(world, username="zhangsanfeng", password="zhangsanfeng1")
    assert "相似" in errors_of(excinfo)["password"][0]


def test_it_refuses_an_empty_name_and_a_bad_username(world):
    with pytest.raises(ValidationError) as excinfo:
        new_user(world, username="wang wei", full_name="  ")
    assert set(errors_of(excinfo)) == {"username", "full_name"}


def test_only_an_administrator_creates_accounts(world):
    with pytest.raises(PermissionDenied):
        new_user(world, by=world.otto)
    assert not User.objects.filter(username="wang").exists()


# --- update_user, deactivate, reset_password -------------------------------------------------


def test_it_updates_the_details_of_a_person_in_scope(world):
    people.update_user(by=world.tara, user=world.gina, full_name="高娜娜", phone="0572-2345678")
    world.gina.refresh_from_db()
    assert (world.gina.full_name, world.gina.phone) == ("高娜娜", "0572-2345678")


def test_a_town_administrator_cannot_touch_a_person_of_another_town(world):
    with pytest.raises(Http404):
        people.update_user(by=world.tara, user=world.xena, full_name="改名", phone="")
    with pytest.raises(Http404):
        people.reset_password(by=world.tara, user=world.xena, password=STRONG)
    world.xena.refresh_from_db()
    assert world.xena.full_name == "徐娜"
    assert not world.xena.check_password(STRONG)


def test_a_town_administrator_cannot_touch_the_district_administrator(world):
    with pytest.raises(Http404):
        people.deactivate(by=world.tara, user=world.adam)
    world.adam.refresh_from_db()
    assert world.adam.is_active


def test_no_administrator_may_manage_a_superuser(world):
    root = User.objects.create_superuser(username="root", password=STRONG)
    with pytest.raises(Http404):
        people.reset_password(by=world.adam, user=root, password="Another-pass-2024")
    root.refresh_from_db()
    assert root.check_password(STRONG)


def test_deactivating_stops_sign_in_but_keeps_the_person(world):
    people.deactivate(by=world.adam, user=world.gina)
    assert User.objects.filter(pk=world.gina.pk, is_active=False).exists()
    assert authenticate(username="gina", password="pw-gina") is None
    assert RoleAssignment.objects.filter(user=world.gina).exists()
    people.activate(by=world.adam, user=world.gina)
    assert authenticate(username="gina", password="pw-gina") == world.gina


def test_an_administrator_cannot_deactivate_herself(world):
    with pytest.raises(ValidationError) as excinfo:
        people.deactivate(by=world.tara, user=world.tara)
    assert "is_active" in errors_of(excinfo)
    world.tara.refresh_from_db()
    assert world.tara.is_active


def test_it_resets_a_password_only_to_a_strong_one(world):
    with pytest.raises(ValidationError) as excinfo:
        people.reset_password(by=world.tara, user=world.gina, password="12345678")
    assert errors_of(excinfo)["password"]
    world.gina.refresh_from_db()
    assert world.gina.check_password("pw-gina")
    people.reset_password(by=world.tara, user=world.gina, password=STRONG)
    world.gina.refresh_from_db()
    assert world.gina.check_password(STRONG)


def test_an_operator_cannot_reset_a_password(world):
    with pytest.raises(Http404):
        people.reset_password(by=world.otto, user=world.gina, password=STRONG)
    with pytest.raises(PermissionDenied):
        people.reset_password(by=world.otto, user=world.otto, password=STRONG)


# --- grant_role ------------------------------------------------------------------------------


def test_a_town_administrator_grants_roles_inside_her_town(world):
    user = new_user(world, by=world.tara)
    people.grant_role(
        by=world.tara, user=user, role=Role.VILLAGE_STATION, scope=world.village_a.prefix
    )
    people.grant_role(by=world.tara, user=user, role=Role.GRID_WORKER, scope=world.grid_a2.code)
    assert set(user.roles.values_list("role", "scope")) == {
        (Role.VILLAGE_STATION, world.village_a.prefix),
        (Role.GRID_WORKER, world.grid_a2.code),
    }
    assert permissions.can(user, permissions.VIEW, world.grid_a2)


@pytest.mark.parametrize("scope_of", ["town_b", "district", "grid_b1", "village_b"])
def test_a_town_administrator_cannot_grant_outside_her_town(world, scope_of):
    user = new_user(world, by=world.tara)
    place = getattr(world, scope_of)
    scope = place.code if scope_of == "grid_b1" else place.prefix
    role = Role.GRID_WORKER if scope_of == "grid_b1" else Role.LEADER
    with pytest.raises(ValidationError) as excinfo:
        people.grant_role(by=world.tara, user=user, role=role, scope=scope)
    assert "超出您的管辖范围" in errors_of(excinfo)["scope"][0]
    assert not user.roles.exists()


def test_the_district_administrator_grants_in_both_towns(world):
    user = new_user(world)
    people.grant_role(by=world.adam, user=user, role=Role.TOWN_OPERATOR, scope=world.town_b.prefix)
    people.grant_role(by=world.adam, user=user, role=Role.LEADER, scope=world.district.prefix)
    assert user.roles.count() == 2


def test_an_administrator_cannot_grant_herself_more(world):
    with pytest.raises(ValidationError) as excinfo:
        people.grant_role(
            by=world.tara, user=world.tara, role=Role.GRID_WORKER, scope=world.grid_a1.code
        )
    assert "user" in errors_of(excinfo)
    assert list(world.tara.roles.values_list("role", flat=True)) == [Role.ADMINISTRATOR]


def test_a_grid_worker_role_needs_a_grid_scope(world):
    with pytest.raises(ValidationError) as excinfo:
        people.grant_role(
            by=world.adam, user=world.gina, role=Role.GRID_WORKER, scope=world.town_a.prefix
        )
    assert "网格员的管辖范围必须是网格" in errors_of(excinfo)["scope"][0]
    assert world.gina.roles.count() == 1


def test_other_roles_are_not_granted_on_a_grid(world):
    with pytest.raises(ValidationError) as excinfo:
        people.grant_role(
            by=world.adam, user=world.gina, role=Role.LEADER, scope=world.grid_a1.code
        )
    assert "scope" in errors_of(excinfo)


@pytest.mark.parametrize(
    ("role", "scope", "fragment"),
    [
        (Role.LEADER, "3305020", "应为 2、4、6、9、12 位"),
        (Role.LEADER, "330502009", "没有以 330502009 为代码"),
        (Role.LEADER, "330500", "没有以 330500 为代码"),
        (Role.GRID_WORKER, "330502001001099", "不存在"),
        (Role.LEADER, "33050200x", "数字"),
        (Role.LEADER, "", "数字"),
        (Role.TOWN_OPERATOR, "330502001001", "必须是乡镇街道"),
    ],
)
def test_a_scope_must_be_an_existing_place_of_the_right_level(world, role, scope, fragment):
    user = new_user(world)
    with pytest.raises(ValidationError) as excinfo:
        people.grant_role(by=world.adam, user=user, role=role, scope=scope)
    assert fragment in errors_of(excinfo)["scope"][0]
    assert not user.roles.exists()


def test_a_department_handler_needs_a_department_covering_the_scope(world):
    user = new_user(world)
    with pytest.raises(ValidationError) as excinfo:
        people.grant_role(
            by=world.adam, user=user, role=Role.DEPARTMENT_HANDLER, scope=world.town_a.prefix
        )
    assert "department" in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        people.grant_role(
            by=world.adam,
            user=user,
            role=Role.DEPARTMENT_HANDLER,
            scope=world.town_b.prefix,
            department=world.enforcement_a,
        )
    assert "服务区域" in errors_of(excinfo)["department"][0]
    assert not user.roles.exists()
    people.grant_role(
        by=world.adam,
        user=user,
        role=Role.DEPARTMENT_HANDLER,
        scope=world.village_a.prefix,
        department=world.enforcement_a,
    )
    assert world.enforcement_a.members.filter(pk=user.pk).exists()


def test_a_town_administrator_cannot_attach_people_to_a_district_bureau(world):
    user = new_user(world, by=world.tara)
    with pytest.raises(ValidationError) as excinfo:
        people.grant_role(
            by=world.tara,
            user=user,
            role=Role.DEPARTMENT_HANDLER,
            scope=world.town_a.prefix,
            department=world.enforcement,
        )
    assert "不在您的管辖范围内" in errors_of(excinfo)["department"][0]
    assert not world.enforcement.members.filter(pk=user.pk).exists()


def test_it_refuses_the_same_role_twice(world):
    with pytest.raises(ValidationError) as excinfo:
        people.grant_role(
            by=world.adam, user=world.gina, role=Role.GRID_WORKER, scope=world.grid_a1.code
        )
    assert "已在该范围" in errors_of(excinfo)["scope"][0]


def test_a_grant_that_would_leave_tara_unable_to_manage_the_person_is_refused(world):
    # Once gina held a town-B grid she would be outside tara's reach: only adam may do that.
    with pytest.raises(ValidationError):
        people.grant_role(
            by=world.tara, user=world.gina, role=Role.GRID_WORKER, scope=world.grid_b1.code
        )
    people.grant_role(
        by=world.adam, user=world.gina, role=Role.GRID_WORKER, scope=world.grid_b1.code
    )
    assert not permissions.can(world.tara, permissions.EDIT, world.gina)


def test_an_operator_cannot_grant_anything(world):
    with pytest.raises(PermissionDenied):
        people.grant_role(
            by=world.otto, user=world.otto, role=Role.ADMINISTRATOR, scope=world.town_a.prefix
        )
    with pytest.raises(Http404):
        people.grant_role(
            by=world.otto, user=world.gina, role=Role.GRID_WORKER, scope=world.grid_a2.code
        )
    assert not world.otto.roles.filter(role=Role.ADMINISTRATOR).exists()
    assert world.gina.roles.count() == 1


# --- revoke_role -----------------------------------------------------------------------------


def test_revoking_a_handler_role_takes_the_person_out_of_the_department(world):
    assignment = world.dora.roles.get()
    world.enforcement_a.head = world.dora
    world.enforcement_a.save(update_fields=["head"])
    people.revoke_role(by=world.tara, assignment=assignment)
    assert not world.dora.roles.exists()
    assert not world.enforcement_a.members.filter(pk=world.dora.pk).exists()
    world.enforcement_a.refresh_from_db()
    assert world.enforcement_a.head is None


def test_a_town_administrator_cannot_revoke_outside_her_town(world):
    with pytest.raises(Http404):
        people.revoke_role(by=world.tara, assignment=world.xena.roles.get())
    assert world.xena.roles.exists()


def test_an_administrator_cannot_revoke_her_own_administrator_role(world):
    with pytest.raises(ValidationError):
        people.revoke_role(by=world.tara, assignment=world.tara.roles.get())
    assert world.tara.roles.filter(role=Role.ADMINISTRATOR).exists()

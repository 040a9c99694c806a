"""Departments, their heads and members (gridgov.accounts.departments)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from gridgov.accounts import departments, people
from gridgov.accounts.models import Department, DepartmentKind, DepartmentLevel, Role


def save(world, *, by=None, **changes) -> Department:
    values = {
        "name": "月河街道市场监管所",
        "kind": DepartmentKind.MARKET_REGULATION,
        "level": DepartmentLevel.TOWN,
        "region": world.town_a,
        "parent": None,
        "phone": "0572-2345678",
        **changes,
    }
    return departments.save_department(by=by or world.adam, **values)


def test_it_creates_a_town_unit_under_a_district_bureau(world):
    unit = save(
        world,
        by=world.tara,
        name="综合行政执法局月河二中队",
        kind=DepartmentKind.LAW_ENFORCEMENT,
        parent=world.enforcement,
    )
    unit.refresh_from_db()
    assert (unit.region, unit.parent, unit.level) == (
        world.town_a,
        world.enforcement,
        DepartmentLevel.TOWN,
    )


def test_it_edits_a_department_in_place(world):
    save(
        world,
        by=world.tara,
        department=world.command_a,
        name="月河街道综合指挥室",
        kind=DepartmentKind.COMMAND_ROOM,
        phone="13900001111",
        is_active=False,
    )
    world.command_a.refresh_from_db()
    assert (world.command_a.name, world.command_a.phone, world.command_a.is_active) == (
        "月河街道综合指挥室",
        "13900001111",
        False,
    )


def test_a_town_unit_must_be_in_a_town(world):
    with pytest.raises(ValidationError) as excinfo:
        save(world, region=world.village_a)
    assert "应为乡镇街道" in excinfo.value.message_dict["region"][0]
    with pytest.raises(ValidationError) as excinfo:
        save(world, level=DepartmentLevel.DISTRICT, region=world.town_a)
    assert "应为区县" in excinfo.value.message_dict["region"][0]
    assert not Department.objects.filter(name="月河街道市场监管所").exists()


def test_a_town_units_parent_must_be_a_district_department_covering_it(world):
    with pytest.raises(ValidationError) as excinfo:
        save(world, parent=world.command_a)
    assert "应为区级部门" in excinfo.value.message_dict["parent"][0]
    bureau_b = save(
        world, name="朝阳执法分局", level=DepartmentLevel.DISTRICT, region=world.district
    )
    unit_b = save(world, name="朝阳中队", region=world.town_b, parent=bureau_b)
    with pytest.raises(ValidationError) as excinfo:
        save(world, name="错挂中队", region=world.town_a, parent=unit_b)
    assert "parent" in excinfo.value.message_dict


def test_a_district_department_has_no_parent(world):
    with pytest.raises(ValidationError) as excinfo:
        save(
            world,
            name="区市场监管局",
            level=DepartmentLevel.DISTRICT,
            region=world.district,
            parent=world.enforcement,
        )
    assert "parent" in excinfo.value.message_dict


def test_it_refuses_a_duplicate_name_in_the_same_region(world):
    with pytest.raises(ValidationError) as excinfo:
        save(world, name=world.command_a.name)
    assert "已有名为" in excinfo.value.message_dict["name"][0]
    assert Department.objects.filter(name=world.command_a.name).count() == 1


def test_it_refuses_a_bad_phone_and_bad_choices(world):
    with pytest.raises(ValidationError) as excinfo:
        save(world, phone="12345", kind="bakery", level="province", name=" ")
    assert set(excinfo.value.message_dict) >= {"phone", "kind", "level", "name"}


def test_a_town_administrator_keeps_departments_inside_her_town(world):
    with pytest.raises(ValidationError) as excinfo:
        save(world, by=world.tara, region=world.town_b)
    assert "不在您的管辖范围内" in excinfo.value.message_dict["region"][0]
    with pytest.raises(Http404):
        save(
            world,
            by=world.tara,
            department=world.enforcement,
            name="改名",
            kind=DepartmentKind.LAW_ENFORCEMENT,
            level=DepartmentLevel.DISTRICT,
            region=world.district,
        )
    world.enforcement.refresh_from_db()
    assert world.enforcement.name == "区综合行政执法局"


def test_a_department_cannot_move_away_from_its_peoples_scopes(world):
    with pytest.raises(ValidationError) as excinfo:
        save(
            world,
            department=world.enforcement_a,
            name=world.enforcement_a.name,
            kind=DepartmentKind.LAW_ENFORCEMENT,
            region=world.town_b,
            parent=world.enforcement,
        )
    assert "授权的范围" in excinfo.value.message_dict["region"][0]
    world.enforcement_a.refresh_from_db()
    assert world.enforcement_a.region == world.town_a


def test_a_bureau_with_units_stays_at_district_level(world):
    with pytest.raises(ValidationError) as excinfo:
        save(
            world,
            department=world.enforcement,
            name=world.enforcement.name,
            kind=DepartmentKind.LAW_ENFORCEMENT,
            level=DepartmentLevel.TOWN,
            region=world.town_a,
        )
    assert "level" in excinfo.value.message_dict


def test_an_operator_cannot_create_or_edit_departments(world):
    with pytest.raises(PermissionDenied):
        save(world, by=world.otto)
    with pytest.raises(PermissionDenied):
        save(
            world,
            by=world.dora,
            department=world.enforcement_a,
            name="改名",
            kind=DepartmentKind.LAW_ENFORCEMENT,
            parent=world.enforcement,
        )
    assert not Department.objects.filter(name__in=["月河街道市场监管所", "改名"]).exists()


def test_setting_a_head_makes_them_a_member(world):
    departments.set_head(by=world.tara, department=world.command_a, user=world.vera)
    world.command_a.refresh_from_db()
    assert world.command_a.head == world.vera
    assert world.command_a.members.filter(pk=world.vera.pk).exists()
    departments.set_head(by=world.tara, department=world.command_a, user=None)
    world.command_a.refresh_from_db()
    assert world.command_a.head is None


def test_a_head_must_be_someone_the_administrator_manages(world):
    with pytest.raises(ValidationError) as excinfo:
        departments.set_head(by=world.tara, department=world.command_a, user=world.xena)
    assert "user" in excinfo.value.message_dict
    world.command_a.refresh_from_db()
    assert world.command_a.head is None


def test_it_adds_and_removes_members(world):
    departments.add_member(by=world.tara, department=world.command_a, user=world.vera)
    assert world.command_a.members.filter(pk=world.vera.pk).exists()
    with pytest.raises(ValidationError):
        departments.add_member(by=world.tara, department=world.command_a, user=world.vera)
    departments.remove_member(by=world.tara, department=world.command_a, user=world.vera)
    assert not world.command_a.members.filter(pk=world.vera.pk).exists()


def test_a_town_administrator_cannot_add_someone_from_elsewhere(world):
    with pytest.raises(ValidationError):
        departments.add_member(by=world.tara, department=world.command_a, user=world.xena)
    with pytest.raises(ValidationError):
        departments.add_member(by=world.tara, department=world.command_a, user=world.lena)
    assert set(world.command_a.members.all()) == {world.otto}


def test_a_member_holding_a_role_through_the_department_is_not_removed(world):
    with pytest.raises(ValidationError) as excinfo:
        departments.remove_member(by=world.tara, department=world.enforcement_a, user=world.dora)
    assert "撤销" in excinfo.value.message_dict["user"][0]
    assert world.enforcement_a.members.filter(pk=world.dora.pk).exists()
    people.revoke_role(by=world.tara, assignment=world.dora.roles.get(role=Role.DEPARTMENT_HANDLER))
    assert not world.enforcement_a.members.filter(pk=world.dora.pk).exists()


def test_removing_the_head_clears_the_head(world):
    departments.set_head(by=world.adam, department=world.command_a, user=world.vera)
    departments.remove_member(by=world.adam, department=world.command_a, user=world.vera)
    world.command_a.refresh_from_db()
    assert world.command_a.head is None

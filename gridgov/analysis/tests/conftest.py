from types import SimpleNamespace

import pytest

from gridgov.accounts.models import Department, DepartmentKind, DepartmentLevel, Role, RoleAssignment, User


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Photos the workflow stores go to a throw-away folder, not the install's media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def town_b_staff(world):
    """Town B's own grid worker (bing, grid B1) and handler (hank, of the unit sunk into town B)."""
    enforcement_b = Department.objects.create(
        name="综合行政执法局朝阳中队", kind=DepartmentKind.LAW_ENFORCEMENT, level=DepartmentLevel.TOWN,
        region=world.town_b, parent=world.enforcement,
    )
    bing = User.objects.create_user(username="bing", password="pw-bing", full_name="白冰")
    RoleAssignment.objects.create(user=bing, role=Role.GRID_WORKER, scope=world.grid_b1.code)
    hank = User.objects.create_user(username="hank", password="pw-hank", full_name="韩凯")
    RoleAssignment.objects.create(user=hank, role=Role.DEPARTMENT_HANDLER, scope=world.town_b.prefix,
                                  department=enforcement_b)
    enforcement_b.members.add(hank)
    return SimpleNamespace(bing=bing, hank=hank, enforcement_b=enforcement_b)

"""Shared test fixtures: a small territory and the people who work in it.

Two towns of one district. Town A has a village with two grids; town B one village with
one grid. The personas:

- gina: grid worker of grid A1 only
- otto: operator of town A's command room
- dora: handler in the law-enforcement unit sunk into town A
- vera: village station of village A
- lena: leader of the district
- adam: administrator of the district
- tara: administrator of town A only
- xena: operator of town B — an outsider to everything in town A
"""

import pytest

from gridgov.accounts.models import Department, DepartmentKind, DepartmentLevel, Role, RoleAssignment, User
from gridgov.events import catalogue
from gridgov.regions import locator, territory
from gridgov.regions.models import Level


def square(lon: float, lat: float, size: float = 0.01) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]],
    }


def rectangle(lon1: float, lat1: float, lon2: float, lat2: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[lon1, lat1], [lon2, lat1], [lon2, lat2], [lon1, lat2], [lon1, lat1]]],
    }


@pytest.fixture(autouse=True)
def _fresh_locator(settings):
    settings.LOCATOR_VERSION_CHECK_SECONDS = 0
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    locator.forget()
    yield
    locator.forget()


@pytest.fixture(autouse=True)
def _fresh_catalogue():
    # Each test's changes to the classes are rolled back, and the stamp with them.
    catalogue.forget()
    yield
    catalogue.forget()


class World:
    """The test territory and personas, as attributes."""


@pytest.fixture
def world(db) -> World:
    w = World()
    w.province = territory.save_region(code="330000000000", name="浙江省", level=Level.PROVINCE, parent=None)
    w.city = territory.save_region(code="330500000000", name="湖州市", level=Level.CITY, parent=w.province)
    w.district = territory.save_region(
        code="330502000000", name="吴兴区", level=Level.DISTRICT, parent=w.city,
        outline=rectangle(120.0, 30.0, 120.04, 30.02),
    )
    w.town_a = territory.save_region(
        code="330502001000", name="月河街道", level=Level.TOWN, parent=w.district,
        outline=rectangle(120.0, 30.0, 120.02, 30.02),
    )
    w.town_b = territory.save_region(
        code="330502002000", name="朝阳街道", level=Level.TOWN, parent=w.district,
        outline=rectangle(120.02, 30.0, 120.04, 30.02),
    )
    w.village_a = territory.save_region(
        code="330502001001", name="衣裳街社区", level=Level.VILLAGE, parent=w.town_a,
        urban_rural_code="111", outline=rectangle(120.0, 30.0, 120.02, 30.02),
    )
    w.village_b = territory.save_region(
        code="330502002001", name="南街社区", level=Level.VILLAGE, parent=w.town_b,
        urban_rural_code="111", outline=rectangle(120.02, 30.0, 120.04, 30.02),
    )
    w.grid_a1 = territory.save_grid(territory.GridFields(
        code="330502001001001", name="衣裳街第一网格", village=w.village_a,
        geometry=rectangle(120.0, 30.0, 120.01, 30.02), area_type="urban", households=280, population=760,
    ))
    w.grid_a2 = territory.save_grid(territory.GridFields(
        code="330502001001002", name="衣裳街第二网格", village=w.village_a,
        geometry=rectangle(120.01, 30.0, 120.02, 30.02), area_type="urban", households=320, population=900,
    ))
    w.grid_b1 = territory.save_grid(territory.GridFields(
        code="330502002001001", name="南街第一网格", village=w.village_b,
        geometry=rectangle(120.02, 30.0, 120.04, 30.02), area_type="urban", households=210, population=540,
    ))
    w.command_a = Department.objects.create(
        name="月河街道综合信息指挥室", kind=DepartmentKind.COMMAND_ROOM, level=DepartmentLevel.TOWN, region=w.town_a
    )
    w.enforcement = Department.objects.create(
        name="区综合行政执法局", kind=DepartmentKind.LAW_ENFORCEMENT, level=DepartmentLevel.DISTRICT, region=w.district
    )
    w.enforcement_a = Department.objects.create(
        name="综合行政执法局月河中队", kind=DepartmentKind.LAW_ENFORCEMENT, level=DepartmentLevel.TOWN,
        region=w.town_a, parent=w.enforcement,
    )

    def person(username: str, full_name: str, role: str, scope: str, department=None) -> User:
        user = User.objects.create_user(username=username, password="pw-" + username, full_name=full_name)
        RoleAssignment.objects.create(user=user, role=role, scope=scope, department=department)
        if department is not None:
            department.members.add(user)
        return user

    w.gina = person("gina", "高娜", Role.GRID_WORKER, w.grid_a1.code)
    w.otto = person("otto", "欧涛", Role.TOWN_OPERATOR, w.town_a.prefix, w.command_a)
    w.dora = person("dora", "邓锐", Role.DEPARTMENT_HANDLER, w.town_a.prefix, w.enforcement_a)
    w.vera = person("vera", "魏然", Role.VILLAGE_STATION, w.village_a.prefix)
    w.lena = person("lena", "李娜", Role.LEADER, w.district.prefix)
    w.adam = person("adam", "安达", Role.ADMINISTRATOR, w.district.prefix)
    w.tara = person("tara", "唐蕊", Role.ADMINISTRATOR, w.town_a.prefix)
    w.xena = person("xena", "徐娜", Role.TOWN_OPERATOR, w.town_b.prefix)
    return w


# --- events ---------------------------------------------------------------------------------


def photo(name: str = "现场.png", rgb: tuple[int, int, int] = (120, 150, 180)):
    """A real PNG upload, as a browser or the phone app would send it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from gridgov.lib.images import placeholder_png

    return SimpleUploadedFile(name, placeholder_png(rgb=rgb), content_type="image/png")


@pytest.fixture
def immediate_tasks(settings):
    """Run enqueued tasks (notices) at once instead of leaving them for the worker."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def street_vending(world):
    """The minor class 0503 占道经营 of the default taxonomy (installed by a migration)."""
    from gridgov.events.models import Category

    return Category.objects.get(code="0503")


def report_in_a1(world, category, **overrides):
    """gina reports a street vendor in grid A1 at a fixed working-day moment."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from gridgov.events import workflow

    values = dict(
        by=world.gina, title="衣裳街口占道经营", description="三个流动摊贩占用人行道卖水果，行人需绕行机动车道。",
        category=category, lon=120.005, lat=30.01, address="衣裳街 12 号门前",
        at=datetime(2026, 3, 4, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
    )
    values.update(overrides)
    event, _ = workflow.report(**values)
    return event

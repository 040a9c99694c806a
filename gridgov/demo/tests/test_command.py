"""`gridgov demo` against a database: built once for the module, then looked at."""

import io

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from shapely.geometry import shape

from gridgov.accounts.models import Department, Role, RoleAssignment, User
from gridgov.demo import build
from gridgov.demo.people import DEMO_PASSWORD, LOGINS
from gridgov.demo.territory import DISTRICT
from gridgov.lib import codes, geo
from gridgov.regions import locator
from gridgov.regions.models import Cluster, Grid, Level, Region

ARGON2_FIRST = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


def run_demo(*args: str) -> str:
    out = io.StringIO()
    # A few events are enough here; test_events.py looks at them.
    call_command("demo", *args, "--events", "20", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def first_run(django_db_setup, django_db_blocker) -> str:
    with django_db_blocker.unblock():
        try:
            yield run_demo()
        finally:
            build.remove()


@pytest.fixture(scope="module")
def plan() -> build.Plan:
    return build.plan(DISTRICT)


def counts() -> dict[str, int]:
    return {
        "regions": Region.objects.count(),
        "grids": Grid.objects.count(),
        "clusters": Cluster.objects.count(),
        "users": User.objects.count(),
        "roles": RoleAssignment.objects.count(),
        "departments": Department.objects.count(),
    }


def database_digest() -> list[tuple]:
    return list(
        Region.objects.order_by("code").values_list("code", "name", "urban_rural_code")
    ) + list(
        Grid.objects.order_by("code").values_list("code", "name", "households", "cluster__code")
    )


def test_it_builds_the_district_of_the_plan_and_prints_the_logins(first_run, plan, db):
    assert "已生成 14 个乡镇街道" in first_run and "540 个网格" in first_run
    assert f"密码均为 {DEMO_PASSWORD}" in first_run
    for username in LOGINS:
        assert f"\n  {username} " in first_run
    assert "系统管理员" in first_run and "吴兴区" in first_run
    land = plan.territory
    assert Region.objects.filter(level=Level.TOWN).count() == 14
    assert Region.objects.filter(level=Level.VILLAGE).count() == len(land.regions_at(Level.VILLAGE))
    assert list(Grid.objects.order_by("code").values_list("code", "name")) == [
        (g.code, g.name) for g in land.grids
    ]
    assert Cluster.objects.count() == len(land.clusters)
    assert Grid.objects.filter(cluster__isnull=True).count() == 0
    assert User.objects.count() == len(plan.people.people)
    assert RoleAssignment.objects.filter(role=Role.GRID_WORKER).count() == sum(
        p.role == Role.GRID_WORKER for p in plan.people.posts
    )


def test_saved_grids_keep_valid_polygons_that_tile_each_village(first_run, db):
    villages = {r.code: shape(r.outline) for r in Region.objects.filter(level=Level.VILLAGE)}
    parts: dict[str, list] = {}
    for code, village, geometry in Grid.objects.values_list("code", "village__code", "geometry"):
        parts.setdefault(village, []).append((code, geo.parse_polygon(geometry)))
    assert parts.keys() == villages.keys()
    for village, grids in parts.items():
        assert geo.coverage_report(grids, boundary=villages[village]) == {
            "overlaps": [],
            "gaps": [],
        }
    district = shape(Region.objects.get(code="330502000000").outline)
    every_grid = [g for grids in parts.values() for g in grids]
    assert geo.coverage_report(every_grid, boundary=district) == {"overlaps": [], "gaps": []}


def test_the_locator_finds_every_grid_from_a_point_inside_it(first_run, db):
    rows = list(Grid.objects.values_list("code", "label_lon", "label_lat"))
    index = locator.current_index()
    assert len(index.grids) == len(rows) == 540
    found = [index.locate(lon, lat) for _, lon, lat in rows]
    assert [f.code if f else None for f in found] == [code for code, _, _ in rows]
    many = index.locate_many([r[1] for r in rows], [r[2] for r in rows])
    assert [f.code for f in many] == [code for code, _, _ in rows]
    assert index.locate(120.0, 30.7) is None


def test_a_second_run_changes_nothing_and_prints_the_logins_again(first_run, db):
    before, digest = counts(), database_digest()
    output = run_demo()
    assert "演示数据已存在" in output and "--reset" in output
    assert f"密码均为 {DEMO_PASSWORD}" in output and "\n  worker " in output
    assert counts() == before and database_digest() == digest


def test_asking_for_the_city_over_the_district_needs_reset(first_run, db):
    before = counts()
    with pytest.raises(CommandError, match="--reset"):
        run_demo("--scale", "city")
    assert counts() == before


def test_reset_rebuilds_the_same_district(first_run, db):
    digest = database_digest()
    Grid.objects.filter(pk=Grid.objects.order_by("code")[0].pk).update(name="改过的网格")
    output = run_demo("--reset")
    assert "正在删除原有演示数据" in output and "已生成" in output
    assert database_digest() == digest


def test_every_demo_login_signs_in_with_the_printed_password(first_run, client, settings, db):
    settings.PASSWORD_HASHERS = ARGON2_FIRST
    for username in LOGINS:
        assert client.login(username=username, password=DEMO_PASSWORD), username
        client.logout()
    assert not client.login(username="worker", password="wrong-password")
    first_grid = Grid.objects.order_by("code").values_list("code", flat=True)[0]
    worker = User.objects.get(username=f"w{first_grid}a")
    assert check_password(DEMO_PASSWORD, worker.password)


def test_the_demo_logins_hold_their_roles_in_the_first_town(first_run, db):
    held = {
        a.user.username: a
        for a in RoleAssignment.objects.filter(user__username__in=LOGINS).select_related(
            "user", "department"
        )
    }
    assert {u: a.role for u, a in held.items()} == {
        "admin": Role.ADMINISTRATOR,
        "district": Role.DISTRICT_OPERATOR,
        "town": Role.TOWN_OPERATOR,
        "village": Role.VILLAGE_STATION,
        "worker": Role.GRID_WORKER,
        "dept": Role.DEPARTMENT_HANDLER,
        "mediator": Role.MEDIATOR,
        "leader": Role.LEADER,
    }
    town = held["town"].scope
    assert held["admin"].scope == held["leader"].scope == held["district"].scope == "330502"
    assert town == "330502001" == held["dept"].scope == held["mediator"].scope
    assert held["village"].scope.startswith(town) and len(held["village"].scope) == 12
    assert held["worker"].scope.startswith(held["village"].scope)
    assert Grid.objects.filter(code=held["worker"].scope).exists()
    unit = held["dept"].department
    assert unit.parent.kind == unit.kind == "law_enforcement" and unit.region.code == codes.pad(
        town
    )
    assert unit.members.filter(username="dept").exists()
    room = held["town"].department
    assert room.kind == "command_room" and room.region.code == codes.pad(town)
    assert room.head is not None and room.members.filter(username="town").exists()


def test_it_refuses_to_take_over_an_account_named_like_a_demo_login(first_run, db):
    build.remove()
    User.objects.create_user(username="admin", password="own-password-1")
    before = counts()
    with pytest.raises(CommandError, match="admin"):
        run_demo()
    assert counts() == before
    # --reset leaves the hand-made account alone too.
    with pytest.raises(CommandError, match="admin"):
        run_demo("--reset")
    assert User.objects.filter(username="admin", roles__isnull=True).exists()

"""The administrator's grid pages: list, create, edit, delete, grid workers.

adam administers the district, tara town A; otto, gina and dora administer nothing.
"""

import json

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.http import Http404

from gridgov.accounts.models import Role, RoleAssignment
from gridgov.conftest import rectangle
from gridgov.regions import grids, locator, territory
from gridgov.regions.models import Cluster, Grid

NON_ADMINS = ["otto", "gina", "dora"]
# A free square in the east of village A, next to grids A1 and A2 (which end at 120.02).
NEW_SQUARE = rectangle(120.02, 30.02, 120.03, 30.03)


def grid_form(**changes) -> dict:
    values = {
        "name": "衣裳街第三网格",
        "kind": "comprehensive",
        "dedicated_kind": "",
        "area_type": "urban",
        "households": "120",
        "population": "300",
        "cluster": "",
        "geometry": json.dumps(NEW_SQUARE),
    }
    return {**values, **changes}


def snapshot() -> list[tuple]:
    grids = [
        (g.code, g.name, g.kind, g.households, g.population, g.cluster_id, json.dumps(g.geometry))
        for g in Grid.objects.order_by("code")
    ]
    return grids + sorted(RoleAssignment.objects.values_list("user_id", "role", "scope"))


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- Who may reach the pages -----------------------------------------------------------------


def page_urls(world) -> list[str]:
    a1, b1 = world.grid_a1.code, world.grid_b1.code
    return [
        "/manage/grids/",
        "/manage/grids/new/",
        f"/manage/grids/new/?village={world.village_a.code}",
        f"/manage/grids/{a1}/",
        f"/manage/grids/{a1}/delete/",
        f"/manage/grids/{b1}/",
    ]


@pytest.mark.parametrize("persona", NON_ADMINS)
def test_it_requires_an_administrator_scope_for_every_grid_page(client, world, persona):
    client.force_login(getattr(world, persona))
    for url in page_urls(world):
        assert client.get(url).status_code in (403, 404), url


@pytest.mark.parametrize("persona", NON_ADMINS)
def test_a_non_administrator_cannot_change_grids(client, world, persona):
    client.force_login(getattr(world, persona))
    a1 = world.grid_a1.code
    before = snapshot()
    posts = [
        (f"/manage/grids/new/?village={world.village_a.code}", grid_form(code="330502001001003")),
        (f"/manage/grids/{a1}/", grid_form(name="改名")),
        (f"/manage/grids/{a1}/workers/", {"username": "vera"}),
        (f"/manage/grids/{a1}/workers/{world.gina.roles.get().pk}/remove/", {}),
        (f"/manage/grids/{world.grid_a2.code}/delete/", {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code in (403, 404), url
    assert snapshot() == before


def test_a_grid_worker_sees_her_grid_but_may_not_edit_it(client, world):
    client.force_login(world.gina)
    assert client.get(f"/manage/grids/{world.grid_a1.code}/").status_code == 403
    assert client.get(f"/manage/grids/{world.grid_a2.code}/").status_code == 404


def test_a_town_administrator_cannot_reach_a_grid_of_another_town(client, world):
    client.force_login(world.tara)
    b1 = world.grid_b1.code
    assert client.get(f"/manage/grids/{b1}/").status_code == 404
    assert client.post(f"/manage/grids/{b1}/", grid_form(name="改名")).status_code == 404
    assert client.post(f"/manage/grids/{b1}/delete/").status_code == 404
    assert client.get(f"/manage/grids/new/?village={world.village_b.code}").status_code == 404
    assert Grid.objects.get(code=b1).name == "南街第一网格"


def test_the_district_administrator_reaches_grids_of_both_towns(client, world):
    client.force_login(world.adam)
    for url in page_urls(world):
        assert client.get(url).status_code == 200, url


# --- The list --------------------------------------------------------------------------------


def test_the_list_holds_only_grids_in_scope(client, world):
    client.force_login(world.tara)
    response = client.get("/manage/grids/")
    assert [g.code for g in response.context["page"]] == [world.grid_a1.code, world.grid_a2.code]
    assert "南街第一网格" not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"region": "330502002"}, ["330502002001001"]),
        ({"region": "330502001001"}, ["330502001001001", "330502001001002"]),
        ({"oversized": "on"}, ["330502001001002"]),
        ({"kind": "dedicated"}, []),
    ],
)
def test_the_list_filters_by_place_kind_and_size(client, world, query, expected):
    client.force_login(world.adam)
    response = client.get("/manage/grids/", query)
    assert [g.code for g in response.context["page"]] == expected


def test_the_list_shows_the_workers_of_each_grid(client, world):
    client.force_login(world.adam)
    page = client.get("/manage/grids/", {"region": "330502001001"}).content.decode()
    assert "高娜" in page and "未配备" in page


# --- Creating --------------------------------------------------------------------------------


def test_the_new_grid_form_suggests_the_next_free_code(client, world):
    client.force_login(world.tara)
    response = client.get(f"/manage/grids/new/?village={world.village_a.code}")
    assert response.context["form"].initial["code"] == "330502001001003"
    assert 'value="330502001001003"' in response.content.decode()


def test_next_code_fills_a_gap_once_the_sequence_is_exhausted(world):
    territory.save_grid(
        territory.GridFields(
            code="330502001001999",
            name="末号网格",
            village=world.village_a,
            geometry=rectangle(120.02, 30.02, 120.03, 30.03),
        )
    )
    assert grids.next_code(world.village_a) == "330502001001003"
    assert grids.next_code(world.village_b) == "330502002001002"


def test_the_village_picker_offers_only_villages_in_scope(client, world):
    client.force_login(world.tara)
    response = client.get("/manage/grids/new/")
    assert [v for v, _ in response.context["pick"].fields["village"].choices] == [
        world.village_a.code
    ]


def test_it_creates_a_grid_that_the_locator_finds(client, world):
    client.force_login(world.tara)
    response = client.post(
        f"/manage/grids/new/?village={world.village_a.code}", grid_form(code="330502001001003")
    )
    assert response.status_code == 302 and response["Location"] == "/manage/grids/330502001001003/"
    grid = Grid.objects.get(code="330502001001003")
    assert (grid.name, grid.village, grid.households, grid.area_type) == (
        "衣裳街第三网格",
        world.village_a,
        120,
        "urban",
    )
    assert grid.area_m2 > 1_000_000
    assert locator.locate(120.025, 30.025).code == grid.code
    assert "已创建网格 衣裳街第三网格（330502001001003）" in messages_of(response)


def test_it_accepts_a_feature_as_well_as_a_geometry(client, world):
    client.force_login(world.adam)
    feature = {"type": "Feature", "properties": {}, "geometry": NEW_SQUARE}
    client.post(
        f"/manage/grids/new/?village={world.village_a.code}",
        grid_form(code="330502001001003", geometry=json.dumps(feature)),
    )
    assert Grid.objects.get(code="330502001001003").geometry["type"] == "Polygon"


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"code": "330502001001001"}, "code", "已被 衣裳街第一网格 使用"),
        ({"code": "330502002001005"}, "code", "不以上级代码"),
        ({"code": "33050200100100"}, "code", "应为 15 位"),
        ({"name": ""}, "name", "这个字段是必填项"),
        ({"households": "-3"}, "households", "大于或等于0"),
        ({"households": "99999999999"}, "households", "小于或等于"),
        ({"kind": "dedicated"}, "dedicated_kind", "专属网格须选择类别"),
        ({"geometry": "{not json"}, "geometry", "不是有效的 JSON"),
        (
            {"geometry": json.dumps({"type": "Point", "coordinates": [120, 30]})},
            "geometry",
            "Polygon 或 MultiPolygon",
        ),
        (
            {"geometry": json.dumps(rectangle(120.0, 30.0, 200.0, 30.1))},
            "geometry",
            "超出经纬度范围",
        ),
    ],
)
def test_a_refused_new_grid_comes_back_with_a_field_error(client, world, changes, field, fragment):
    client.force_login(world.tara)
    before = snapshot()
    data = grid_form(**{"code": "330502001001003", **changes})
    response = client.post(f"/manage/grids/new/?village={world.village_a.code}", data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(fragment in e for e in errors[field]), errors
    assert snapshot() == before


def test_create_grid_refuses_a_village_outside_the_scope(world):
    fields = territory.GridFields(
        code="330502002001002", name="越界网格", village=world.village_b, geometry=NEW_SQUARE
    )
    with pytest.raises(Http404):
        grids.create_grid(by=world.tara, fields=fields)
    assert not Grid.objects.filter(code="330502002001002").exists()


# --- Editing ---------------------------------------------------------------------------------


def test_it_edits_the_attributes_and_the_polygon(client, world):
    cluster = territory.save_cluster(
        code=f"{world.town_a.prefix}P01", name="月河一片", town=world.town_a
    )
    client.force_login(world.tara)
    smaller = rectangle(120.0, 30.0, 120.01, 30.01)
    response = client.post(
        f"/manage/grids/{world.grid_a1.code}/",
        grid_form(
            name="衣裳街一格",
            kind="dedicated",
            dedicated_kind="market",
            area_type="urban",
            households="140",
            population="400",
            cluster=str(cluster.pk),
            geometry=json.dumps(smaller),
        ),
    )
    assert response.status_code == 302
    grid = Grid.objects.get(pk=world.grid_a1.pk)
    assert (grid.name, grid.kind, grid.dedicated_kind, grid.households, grid.cluster) == (
        "衣裳街一格",
        "dedicated",
        "market",
        140,
        cluster,
    )
    assert grid.max_lat == pytest.approx(30.01)
    assert locator.locate(120.005, 30.015) is None


@pytest.mark.parametrize(
    "geometry",
    [
        "[[[120, 30], [120.01, 30]]]",
        json.dumps(
            {
                "type": "Polygon",
                "coordinates": [
                    [[120.0, 30.0], [120.01, 30.01], [120.01, 30.0], [120.0, 30.01], [120.0, 30.0]]
                ],
            }
        ),
        json.dumps(
            {"type": "Polygon", "coordinates": [[[120.0, 30.0], [120.01, 30.0], [120.01, 30.01]]]}
        ),
        json.dumps({"type": "FeatureCollection", "features": []}),
        "",
        "[" * 100000,
    ],
    ids=[
        "not-an-object",
        "self-intersecting",
        "open-ring",
        "empty-collection",
        "empty",
        "deeply-nested",
    ],
)
def test_an_invalid_polygon_on_edit_gives_a_field_error_and_changes_nothing(
    client, world, geometry
):
    client.force_login(world.adam)
    before = Grid.objects.get(pk=world.grid_a1.pk).geometry
    response = client.post(
        f"/manage/grids/{world.grid_a1.code}/", grid_form(name="衣裳街第一网格", geometry=geometry)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["geometry"]
    assert Grid.objects.get(pk=world.grid_a1.pk).geometry == before


def test_a_cluster_of_another_town_is_refused(client, world):
    other = territory.save_cluster(
        code=f"{world.town_b.prefix}P01", name="朝阳一片", town=world.town_b
    )
    client.force_login(world.adam)
    response = client.post(f"/manage/grids/{world.grid_a1.code}/", grid_form(cluster=str(other.pk)))
    assert response.status_code == 200
    assert response.context["form"].errors["cluster"]
    assert Grid.objects.get(pk=world.grid_a1.pk).cluster is None


def test_update_grid_keeps_the_code_and_village(world):
    fields = territory.GridFields(
        code=world.grid_a1.code, name="搬家", village=world.village_b, geometry=NEW_SQUARE
    )
    with pytest.raises(ValidationError):
        grids.update_grid(by=world.adam, grid=world.grid_a1, fields=fields)
    assert Grid.objects.get(pk=world.grid_a1.pk).village == world.village_a


def test_the_edit_page_draws_the_polygon_with_local_leaflet(client, world):
    client.force_login(world.tara)
    page = client.get(f"/manage/grids/{world.grid_a1.code}/").content.decode()
    assert (
        "/static/vendor/leaflet/leaflet.js" in page and "/static/vendor/leaflet/leaflet.css" in page
    )
    assert 'data-polygon-input="id_geometry"' in page
    assert f'data-context="/territory/{world.village_a.code}/map.geojson"' in page
    assert "http://" not in page and "https://" not in page
    assert "120.01" in page  # the current polygon is in the textarea


# --- Grid workers ----------------------------------------------------------------------------


def test_it_assigns_and_unassigns_a_grid_worker(client, world):
    client.force_login(world.tara)
    response = client.post(f"/manage/grids/{world.grid_a2.code}/workers/", {"username": "GINA"})
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(
        user=world.gina, role=Role.GRID_WORKER, scope=world.grid_a2.code
    )
    page = client.get(f"/manage/grids/{world.grid_a2.code}/").content.decode()
    assert "高娜" in page
    client.post(f"/manage/grids/{world.grid_a2.code}/workers/{assignment.pk}/remove/")
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()


@pytest.mark.parametrize(
    ("username", "fragment"), [("xena", "没有找到"), ("nobody", "没有找到"), ("gina", "已在该范围")]
)
def test_a_refused_worker_assignment_shows_a_field_error(client, world, username, fragment):
    client.force_login(world.tara)
    before = snapshot()
    response = client.post(f"/manage/grids/{world.grid_a1.code}/workers/", {"username": username})
    assert response.status_code == 200
    assert any(fragment in e for e in response.context["worker_form"].errors["username"])
    assert snapshot() == before


def test_a_worker_of_another_grid_cannot_be_removed_through_this_one(client, world):
    client.force_login(world.adam)
    response = client.post(
        f"/manage/grids/{world.grid_a2.code}/workers/{world.gina.roles.get().pk}/remove/"
    )
    assert response.status_code == 404
    assert world.gina.roles.exists()


# --- Deleting --------------------------------------------------------------------------------


def test_it_confirms_then_deletes_a_grid_without_workers(client, world):
    client.force_login(world.tara)
    confirm = client.get(f"/manage/grids/{world.grid_a2.code}/delete/")
    assert "确认删除" in confirm.content.decode()
    assert Grid.objects.filter(pk=world.grid_a2.pk).exists()
    response = client.post(f"/manage/grids/{world.grid_a2.code}/delete/")
    assert response.status_code == 302
    assert response["Location"] == f"/manage/grids/?region={world.village_a.prefix}"
    assert not Grid.objects.filter(pk=world.grid_a2.pk).exists()
    assert locator.locate(120.015, 30.01) is None


def test_a_grid_with_workers_is_not_deleted(client, world):
    client.force_login(world.tara)
    response = client.post(f"/manage/grids/{world.grid_a1.code}/delete/")
    assert response.status_code == 200
    assert "仍有 1 名网格员" in response.content.decode()
    assert Grid.objects.filter(pk=world.grid_a1.pk).exists()


def test_clusters_of_the_town_are_offered(client, world):
    cluster = Cluster.objects.create(
        code=f"{world.town_a.prefix}P02", name="月河二片", town=world.town_a
    )
    Cluster.objects.create(code=f"{world.town_b.prefix}P02", name="朝阳二片", town=world.town_b)
    client.force_login(world.tara)
    form = client.get(f"/manage/grids/{world.grid_a1.code}/").context["form"]
    assert [v for v, _ in form.fields["cluster"].choices] == ["", str(cluster.pk)]


def test_the_django_admin_saves_grids_through_the_territory_services(client, world):
    from gridgov.accounts.models import User

    client.force_login(User.objects.create_superuser(username="root", password="Root-pass-2024"))
    url = f"/django-admin/regions/grid/{world.grid_a1.pk}/change/"
    data = {
        "name": "衣裳街第一网格",
        "village": world.village_a.pk,
        "cluster": "",
        "kind": "comprehensive",
        "dedicated_kind": "",
        "area_type": "urban",
        "households": "10",
        "population": "20",
    }
    refused = client.post(
        url, {**data, "geometry": json.dumps({"type": "Point", "coordinates": [120, 30]})}
    )
    assert refused.status_code == 200 and "Polygon 或 MultiPolygon" in refused.content.decode()
    assert Grid.objects.get(pk=world.grid_a1.pk).households == 280
    smaller = rectangle(120.0, 30.0, 120.01, 30.01)
    assert client.post(url, {**data, "geometry": json.dumps(smaller)}).status_code == 302
    grid = Grid.objects.get(pk=world.grid_a1.pk)
    assert (grid.households, grid.max_lat) == (10, pytest.approx(30.01))
    assert locator.locate(120.005, 30.015) is None


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_administrator_on_a_phone_previews_a_pasted_polygon_and_saves_it(live_server, world):
    from gridgov.web.tests.browser import browser_page, screenshot, sign_in

    with browser_page(width=390, height=844, mobile=True) as page:
        sign_in(page, live_server.url, "tara", "pw-tara")
        page.goto(f"{live_server.url}/manage/grids/{world.grid_a1.code}/")
        page.wait_for_selector("[data-polygon-input][data-ready='1']")
        # The village's two grids as context, and the grid's own polygon drawn over them.
        assert page.locator("[data-polygon-input] .leaflet-overlay-pane path").count() == 3
        page.fill("#id_households", "150")
        page.fill("#id_geometry", json.dumps(rectangle(120.0, 30.0, 120.01, 30.01)))
        page.wait_for_timeout(500)
        screenshot(page, "manage-grid-phone")
        page.click("form.stacked button.primary >> text=保存")
        page.wait_for_selector(".messages li:has-text('已保存网格')")
    grid = Grid.objects.get(pk=world.grid_a1.pk)
    assert (grid.households, grid.max_lat) == (150, pytest.approx(30.01))

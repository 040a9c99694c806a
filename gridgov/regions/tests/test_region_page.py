"""The per-child counts of a region: the table on /territory/<code>/ and
GET /api/regions/{code}/children, both from selectors.children_with_counts."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridgov.accounts import people
from gridgov.accounts.models import Role
from gridgov.conftest import rectangle
from gridgov.regions import territory
from gridgov.regions.models import Level


def add_worker(world, username: str, full_name: str, grid, phone: str = "13800000001"):
    return people.create_user(
        by=world.adam, username=username, full_name=full_name, phone=phone,
        password="网格巡查2026!", role=Role.GRID_WORKER, scope=grid.code,
    )


@pytest.fixture
def counted(world):
    """Town A gets a second village with one rural grid; A2 gets a worker, and B1 one whose
    account is stopped, so every column has a number of its own."""
    village = territory.save_region(
        code="330502001002", name="潞村", level=Level.VILLAGE, parent=world.town_a
    )
    territory.save_grid(
        territory.GridFields(
            code="330502001002001", name="潞村第一网格", village=village,
            geometry=rectangle(120.0, 30.02, 120.01, 30.03), households=90, population=250,
        )
    )
    add_worker(world, "bai", "白露", world.grid_a2)
    cao = add_worker(world, "cao", "曹雪", world.grid_b1, phone="13800000002")
    people.deactivate(by=world.adam, user=cao)
    world.village_c = village
    return world


def table_rows(page: str) -> list[tuple[str, list[int]]]:
    """(name, numbers) of each row of the page's counts table, as shown."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S):
        name = re.search(r"<a [^>]*>([^<]+)</a>", row).group(1)
        numbers = [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', row)]
        rows.append((name, numbers))
    return rows


def test_the_district_page_counts_villages_grids_households_people_and_workers_per_town(
    client, counted
):
    client.force_login(counted.lena)
    response = client.get(f"/territory/{counted.district.code}/")
    assert response.status_code == 200
    # villages, grids, households, population, workers
    assert table_rows(response.content.decode()) == [
        ("月河街道", [2, 3, 690, 1910, 2]),
        ("朝阳街道", [1, 1, 210, 540, 0]),
    ]


def test_the_town_page_counts_per_village(client, counted):
    client.force_login(counted.otto)
    page = client.get(f"/territory/{counted.town_a.code}/").content.decode()
    # grids, households, population, workers
    assert table_rows(page) == [
        ("衣裳街社区", [2, 600, 1660, 2]),
        ("潞村", [1, 90, 250, 0]),
    ]


def test_the_village_page_counts_per_grid(client, counted):
    client.force_login(counted.otto)
    page = client.get(f"/territory/{counted.village_a.code}/").content.decode()
    # households, population, workers
    assert table_rows(page) == [
        ("衣裳街第一网格", [280, 760, 1]),
        ("衣裳街第二网格", [320, 900, 1]),
    ]


def test_the_region_page_requires_the_region_in_scope(client, counted):
    client.force_login(counted.xena)
    assert client.get(f"/territory/{counted.town_a.code}/").status_code == 404


def test_the_region_page_costs_the_same_queries_however_many_children(client, counted):
    client.force_login(counted.lena)
    url = f"/territory/{counted.district.code}/"
    client.get(url)  # the session and the locator, once
    with CaptureQueriesContext(connection) as two_towns:
        client.get(url)
    town = territory.save_region(
        code="330502003000", name="龙溪街道", level=Level.TOWN, parent=counted.district
    )
    territory.save_region(code="330502003001", name="龙溪社区", level=Level.VILLAGE, parent=town)
    with CaptureQueriesContext(connection) as three_towns:
        page = client.get(url).content.decode()
    assert ("龙溪街道", [1, 0, 0, 0, 0]) in table_rows(page)
    assert len(three_towns) == len(two_towns)


def test_the_api_lists_the_children_of_a_region_with_their_totals(client, counted):
    client.force_login(counted.lena)
    response = client.get(f"/api/regions/{counted.district.code}/children")
    assert response.status_code == 200
    assert [
        (c["code"], c["name"], c["level"], c["parent_code"], c["villages"], c["grids"],
         c["households"], c["population"], c["workers"])
        for c in response.json()
    ] == [
        ("330502001000", "月河街道", 4, "330502000000", 2, 3, 690, 1910, 2),
        ("330502002000", "朝阳街道", 4, "330502000000", 1, 1, 210, 540, 0),
    ]


def test_the_api_counts_the_villages_of_a_town(client, counted):
    client.force_login(counted.otto)
    children = client.get(f"/api/regions/{counted.town_a.code}/children").json()
    assert [(c["code"], c["grids"], c["households"], c["population"], c["workers"])
            for c in children] == [
        ("330502001001", 2, 600, 1660, 2),
        ("330502001002", 1, 90, 250, 0),
    ]


def test_the_api_gives_a_village_no_region_children(client, counted):
    client.force_login(counted.otto)
    response = client.get(f"/api/regions/{counted.village_a.code}/children")
    assert (response.status_code, response.json()) == (200, [])


def test_the_api_children_require_the_region_in_scope(client, counted):
    client.force_login(counted.xena)
    assert client.get(f"/api/regions/{counted.town_a.code}/children").status_code == 404

"""The grid page, /grids/<code>/: the grid's numbers, its workers and its neighbours."""

import re

from gridgov.accounts import people
from gridgov.accounts.models import Role


def section(page: str, title: str) -> str:
    """The table under the <h2> with this title."""
    after = page.split(f"<h2>{title}</h2>", 1)[1]
    return after.split("</table>", 1)[0]


def cells(table: str) -> list[list[str]]:
    body = table.split("<tbody>", 1)[1]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    ]


def test_the_grid_page_shows_its_households_workers_and_neighbours(client, world):
    people.update_user(by=world.adam, user=world.gina, full_name="高娜", phone="13900000001")
    people.create_user(
        by=world.adam, username="bai", full_name="白露", phone="13800000001",
        password="网格巡查2026!", role=Role.GRID_WORKER, scope=world.grid_a2.code,
    )
    client.force_login(world.lena)

    page = client.get(f"/grids/{world.grid_a2.code}/").content.decode()

    assert "<tr><th>户数</th><td>320（上限 300）</td></tr>" in page
    assert "<tr><th>人口</th><td>900</td></tr>" in page
    assert "超规模：320 户，上限 300 户" in page
    assert cells(section(page, "网格员")) == [["白露", "13800000001"]]
    # A2 touches A1 in its own village and B1 across the town border.
    assert sorted(cells(section(page, "相邻网格"))) == [
        ["南街第一网格", "南街社区", "210"],
        ["衣裳街第一网格", "衣裳街社区", "280"],
    ]
    assert f'href="/grids/{world.grid_b1.code}/"' in page


def test_a_neighbour_outside_the_viewer_scope_is_left_out(client, world):
    client.force_login(world.otto)
    page = client.get(f"/grids/{world.grid_a2.code}/").content.decode()
    assert cells(section(page, "相邻网格")) == [["衣裳街第一网格", "衣裳街社区", "280"]]
    assert "南街第一网格" not in page


def test_a_grid_without_workers_says_so_and_a_stopped_worker_is_not_listed(client, world):
    client.force_login(world.otto)
    page = client.get(f"/grids/{world.grid_a1.code}/").content.decode()
    assert cells(section(page, "网格员")) == [["高娜", "—"]]

    people.deactivate(by=world.adam, user=world.gina)
    page = client.get(f"/grids/{world.grid_a1.code}/").content.decode()
    assert cells(section(page, "网格员")) == [["尚未配备网格员"]]


def test_the_grid_page_requires_the_grid_in_scope(client, world):
    client.force_login(world.xena)
    assert client.get(f"/grids/{world.grid_a1.code}/").status_code == 404

import pytest


@pytest.mark.parametrize(
    ("persona", "shown", "hidden"),
    [
        ("gina", ["网格员", "衣裳街第一网格"], ["衣裳街第二网格", "用户管理"]),
        ("otto", ["镇街指挥室", "月河街道", "辖区网格"], ["用户管理", "朝阳街道"]),
        ("adam", ["系统管理员", "吴兴区", "用户管理"], []),
    ],
)
def test_each_role_home_shows_its_own_scope(client, world, persona, shown, hidden):
    client.force_login(getattr(world, persona))
    page = client.get("/").content.decode()
    for text in shown:
        assert text in page, text
    for text in hidden:
        assert text not in page, text


def test_the_home_counts_what_lies_inside_the_scope(client, world):
    client.force_login(world.otto)
    response = client.get("/")
    (prefix, place, counts), = response.context["totals"]
    assert prefix == world.town_a.prefix
    assert (counts.villages, counts.grids, counts.households, counts.workers) == (1, 2, 600, 1)
    assert counts.oversized == 1


def test_the_pages_are_in_chinese(client, world):
    client.force_login(world.otto)
    page = client.get(f"/territory/{world.village_a.code}/").content.decode()
    assert 'lang="zh-Hans"' in page
    assert "户数" in page and "网格员" in page


def test_no_page_loads_anything_from_another_host(client, world):
    client.force_login(world.otto)
    for url in ["/", f"/territory/{world.town_a.code}/", f"/grids/{world.grid_a1.code}/"]:
        response = client.get(url)
        page = response.content.decode()
        assert "http://" not in page and "https://" not in page, url
        assert "default-src 'self'" in response["Content-Security-Policy"]


def test_the_home_page_counts_the_work_waiting_for_each_person(client, world, street_vending):
    from gridgov.conftest import report_in_a1

    report_in_a1(world, street_vending)
    client.force_login(world.otto)
    page = client.get("/").content.decode()
    assert "我的待办" in page and "待受理" in page and "/events/queues/to_accept/" in page
    client.force_login(world.xena)
    assert "待受理" not in client.get("/").content.decode()

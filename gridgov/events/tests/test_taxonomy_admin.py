"""The administrator's pages for classes, deadline rules and routing rules."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from gridgov.conftest import report_in_a1
from gridgov.events import taxonomy, workflow
from gridgov.events.models import Category, DeadlineRule, RoutingRule, Status

SHANGHAI = ZoneInfo("Asia/Shanghai")

PAGES = [
    "/manage/categories/",
    "/manage/categories/new/",
    "/manage/categories/0503/",
    "/manage/deadlines/?category=0503",
    "/manage/deadlines/0503/1/accept/",
    "/manage/routing/",
    "/manage/routing/new/",
]


def signed_in(client, user):
    client.force_login(user)
    return client


# --- who may -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_it_requires_an_administrator(client, world, url):
    assert signed_in(client, world.otto).get(url).status_code == 403


def test_it_sends_the_signed_out_to_the_login_page(client, world):
    response = client.get("/manage/categories/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_town_administrator_sees_the_classes_but_may_not_change_them(
    client, world, street_vending
):
    client = signed_in(client, world.tara)
    page = client.get("/manage/categories/")
    assert page.status_code == 200 and "占道经营" in page.content.decode()
    assert "新增大类" not in page.content.decode()
    assert client.get("/manage/categories/new/").status_code == 403
    refused = client.post(
        "/manage/deadlines/0503/1/accept/", {"limit": 1, "unit": "hours", "warning_hours": 0}
    )
    assert refused.status_code == 403
    assert not DeadlineRule.objects.exists()


def test_the_menu_shows_the_taxonomy_pages_to_administrators_only(client, world):
    admin_page = signed_in(client, world.adam).get("/manage/categories/").content.decode()
    for label in ("事件分类", "处置时限", "分拨规则"):
        assert label in admin_page
    client.force_login(world.otto)
    home = client.get("/").content.decode()
    assert "处置时限" not in home and "督办单" in home


# --- classes -------------------------------------------------------------------------------


def test_adam_adds_a_major_class_and_a_minor_one_under_it(client, world):
    client = signed_in(client, world.adam)
    response = client.post(
        "/manage/categories/new/",
        {"code": "13", "name": "城市管理", "keywords": "城管，市政, 城管"},
    )
    assert response.status_code == 302
    major = Category.objects.get(code="13")
    assert major.parent is None and major.keywords == "城管 市政" and major.sort_order == 1300

    response = client.post(
        "/manage/categories/new/?parent=13", {"code": "1301", "name": "共享单车乱停放"}
    )
    assert response.status_code == 302
    minor = Category.objects.get(code="1301")
    assert minor.parent == major and minor.is_active and minor.sort_order == 1301
    listing = client.get("/manage/categories/").content.decode()
    assert "共享单车乱停放" in listing


@pytest.mark.parametrize(
    ("parent", "code", "message"),
    [
        ("", "5", "大类编码应为 2 位数字"),
        ("", "00", "大类编码应为 2 位数字"),
        ("", "131", "大类编码应为 2 位数字"),
        ("", "05", "已被「市容环境」使用"),
        ("05", "0601", "以所属大类编码 05 开头"),
        ("05", "05", "以所属大类编码 05 开头"),
        ("05", "0500", "以所属大类编码 05 开头"),
        ("05", "05a1", "以所属大类编码 05 开头"),
        ("05", "0503", "已被「占道经营」使用"),
    ],
)
def test_bad_codes_give_field_errors(client, world, parent, code, message):
    url = "/manage/categories/new/" + (f"?parent={parent}" if parent else "")
    before = Category.objects.count()
    response = signed_in(client, world.adam).post(url, {"code": code, "name": "新分类"})
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors["code"])
    assert Category.objects.count() == before


def test_a_minor_class_cannot_hang_under_a_minor_one(world):
    with pytest.raises(ValidationError) as caught:
        taxonomy.save_category(
            by=world.adam, code="050301", name="三级分类", parent=Category.objects.get(code="0503")
        )
    assert "parent" in caught.value.message_dict


def test_a_name_is_unique_among_siblings(client, world):
    response = signed_in(client, world.adam).post(
        "/manage/categories/new/?parent=05", {"code": "0520", "name": "占道经营"}
    )
    assert "已有同名分类" in response.context["form"].errors["name"][0]


def test_editing_keeps_the_code(client, world, street_vending):
    response = signed_in(client, world.adam).post(
        "/manage/categories/0503/",
        {"code": "0599", "name": "占道经营（含夜市）", "keywords": "夜市 摆摊"},
    )
    assert response.status_code == 302
    street_vending.refresh_from_db()
    assert (street_vending.code, street_vending.name) == ("0503", "占道经营（含夜市）")
    assert not Category.objects.filter(code="0599").exists()


def test_disabling_a_major_class_disables_its_minors_and_stops_reports(
    client, world, street_vending
):
    client = signed_in(client, world.adam)
    client.post("/manage/categories/05/active/", {"active": "0"})
    assert not Category.objects.filter(code__startswith="05", is_active=True).exists()
    with pytest.raises(ValidationError) as caught:
        report_in_a1(world, Category.objects.get(code="0503"))
    assert "category" in caught.value.message_dict

    # A minor class comes back only once its major class has.
    client.post("/manage/categories/0503/active/", {"active": "1"})
    assert not Category.objects.get(code="0503").is_active
    client.post("/manage/categories/05/active/", {"active": "1"})
    client.post("/manage/categories/0503/active/", {"active": "1"})
    assert Category.objects.get(code="0503").is_active


# --- deadline rules --------------------------------------------------------------------------


def test_adam_edits_a_deadline_rule_and_the_next_event_uses_it(client, world, street_vending):
    before = report_in_a1(world, street_vending)
    # Default: 4 working hours from 09:00 on a Wednesday, across the lunch break.
    assert before.due_at == datetime(2026, 3, 4, 14, 30, tzinfo=SHANGHAI)

    response = signed_in(client, world.adam).post(
        "/manage/deadlines/0503/1/accept/", {"limit": "2", "unit": "hours", "warning_hours": "1"}
    )
    assert (
        response.status_code == 302 and response["Location"] == "/manage/deadlines/?category=0503"
    )

    after = report_in_a1(world, street_vending, title="又一处占道经营")
    assert after.due_at == datetime(2026, 3, 4, 11, 0, tzinfo=SHANGHAI)
    assert after.warn_at == datetime(2026, 3, 4, 10, 0, tzinfo=SHANGHAI)
    before.refresh_from_db()
    assert before.due_at == datetime(
        2026, 3, 4, 14, 30, tzinfo=SHANGHAI
    )  # events under way keep theirs


def test_the_deadline_page_shows_own_inherited_and_default_values(client, world, street_vending):
    major = Category.objects.get(code="05")
    taxonomy.save_deadline_rule(
        by=world.adam, category=major, level=1, step="handle", limit=3, unit="days"
    )
    taxonomy.save_deadline_rule(
        by=world.adam, category=street_vending, level=1, step="sign", limit=30, unit="hours"
    )

    response = signed_in(client, world.adam).get("/manage/deadlines/?category=0503")
    cells = {(c.level, c.step): c for _, row in response.context["rows"] for c in row}
    assert (cells[1, "sign"].origin, cells[1, "sign"].limit.limit) == ("own", 30)
    assert (
        cells[1, "handle"].origin,
        cells[1, "handle"].limit.limit,
        cells[1, "handle"].limit.unit,
    ) == (
        "major",
        3,
        "days",
    )
    assert (cells[1, "accept"].origin, cells[1, "accept"].limit.limit) == ("default", 4)
    assert (cells[2, "handle"].origin, cells[2, "handle"].limit.limit) == ("default", 3)
    html = response.content.decode()
    assert "本类" in html and "沿用大类" in html and "默认" in html


def test_the_major_class_rule_reaches_the_next_event_of_a_minor_class(
    client, world, street_vending
):
    signed_in(client, world.adam).post(
        "/manage/deadlines/05/1/accept/", {"limit": "1", "unit": "hours"}
    )
    event = report_in_a1(world, street_vending)
    assert event.due_at == datetime(2026, 3, 4, 10, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"limit": "0", "unit": "hours"}, "limit"),
        ({"limit": "abc", "unit": "hours"}, "limit"),
        ({"limit": "3", "unit": "weeks"}, "unit"),
        ({"limit": "400", "unit": "days"}, "limit"),
        ({"limit": "4", "unit": "hours", "warning_hours": "4"}, "warning_hours"),
        ({"limit": "4", "unit": "hours", "warning_hours": "3"}, "warning_hours"),
        ({"limit": "1", "unit": "days", "warning_hours": "4"}, "warning_hours"),
    ],
)
def test_bad_deadline_values_give_field_errors(client, world, data, field):
    response = signed_in(client, world.adam).post("/manage/deadlines/0503/1/accept/", data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not DeadlineRule.objects.exists()


def test_a_warning_window_of_half_the_step_is_accepted(client, world, street_vending):
    response = signed_in(client, world.adam).post(
        "/manage/deadlines/0503/2/accept/", {"limit": "4", "unit": "hours", "warning_hours": "2"}
    )
    assert response.status_code == 302
    assert DeadlineRule.objects.get(category=street_vending, level=2, step="accept").warning_hours == 2


def test_the_deadline_page_shows_the_default_window_a_short_step_really_gets(
    client, world, street_vending
):
    response = signed_in(client, world.adam).get("/manage/deadlines/?category=0503")
    cells = {(c.level, c.step): c for _, row in response.context["rows"] for c in row}
    assert cells[2, "accept"].warning_text == "提前 1 工作小时预警（默认）"
    assert cells[3, "sign"].warning_text == "提前 0.5 工作小时预警（默认）"


def test_an_unknown_level_or_step_is_not_found(client, world):
    client = signed_in(client, world.adam)
    assert client.get("/manage/deadlines/0503/9/accept/").status_code == 404
    assert client.get("/manage/deadlines/0503/1/lunch/").status_code == 404
    assert client.get("/manage/deadlines/9999/1/accept/").status_code == 404


def test_deleting_the_own_rule_falls_back_to_the_default(client, world, street_vending):
    client = signed_in(client, world.adam)
    client.post("/manage/deadlines/0503/1/accept/", {"limit": "2", "unit": "hours"})
    client.post("/manage/deadlines/0503/1/accept/delete/")
    assert not DeadlineRule.objects.exists()
    assert report_in_a1(world, street_vending).due_at == datetime(
        2026, 3, 4, 14, 30, tzinfo=SHANGHAI
    )


# --- routing rules ---------------------------------------------------------------------------


def rule_form(world, **overrides) -> dict:
    values = {
        "category": "0503",
        "region_prefix": world.town_a.prefix,
        "lead": str(world.enforcement_a.pk),
        "is_active": "on",
    }
    values.update(overrides)
    return values


def test_adam_adds_a_routing_rule_and_accepted_events_go_by_it(client, world, street_vending):
    response = signed_in(client, world.adam).post("/manage/routing/new/", rule_form(world))
    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert (rule.category, rule.region_prefix, rule.lead) == (
        street_vending,
        "330502001",
        world.enforcement_a,
    )

    event = report_in_a1(world, street_vending)
    workflow.accept(event, by=world.otto, at=event.reported_at)
    event.refresh_from_db()
    assert (event.status, event.lead) == (Status.DISPATCHED, world.enforcement_a)


def test_a_town_administrator_routes_inside_her_town_only(world, street_vending):
    rule = taxonomy.save_routing_rule(
        by=world.tara,
        category=street_vending,
        region_prefix=world.town_a.prefix,
        lead=world.enforcement,
    )
    assert rule.lead == world.enforcement  # the district bureau serves her town too
    with pytest.raises(ValidationError) as caught:
        taxonomy.save_routing_rule(
            by=world.tara,
            category=street_vending,
            region_prefix=world.district.prefix,
            lead=world.enforcement,
        )
    assert "不在您的管辖范围内" in caught.value.message_dict["region_prefix"][0]


def test_a_routing_rule_needs_a_department_serving_its_region(client, world):
    response = signed_in(client, world.adam).post(
        "/manage/routing/new/", rule_form(world, region_prefix=world.town_b.prefix)
    )
    assert response.status_code == 200
    assert "服务区域不含朝阳街道" in response.context["form"].errors["lead"][0]
    assert not RoutingRule.objects.exists()


def test_a_second_rule_for_the_same_class_and_region_is_refused(client, world):
    client = signed_in(client, world.adam)
    client.post("/manage/routing/new/", rule_form(world))
    response = client.post("/manage/routing/new/", rule_form(world, lead=str(world.enforcement.pk)))
    assert "已有分拨规则" in response.context["form"].errors["region_prefix"][0]
    assert RoutingRule.objects.count() == 1


def test_a_town_administrator_cannot_open_a_district_rule(client, world, street_vending):
    rule = taxonomy.save_routing_rule(
        by=world.adam,
        category=street_vending,
        region_prefix=world.district.prefix,
        lead=world.enforcement,
    )
    client = signed_in(client, world.tara)
    assert client.get(f"/manage/routing/{rule.pk}/").status_code == 404
    assert client.post(f"/manage/routing/{rule.pk}/delete/").status_code == 404
    # She still sees it in her list, as the rule above her town.
    page = client.get("/manage/routing/").content.decode()
    assert "区综合行政执法局" in page and "上级规则" in page
    assert RoutingRule.objects.filter(pk=rule.pk).exists()


def test_adam_edits_and_deletes_a_rule(client, world, street_vending):
    rule = taxonomy.save_routing_rule(
        by=world.adam,
        category=street_vending,
        region_prefix=world.town_a.prefix,
        lead=world.enforcement_a,
    )
    client = signed_in(client, world.adam)
    client.post(
        f"/manage/routing/{rule.pk}/",
        rule_form(world, assisting=[str(world.command_a.pk)], is_active=""),
    )
    rule.refresh_from_db()
    assert not rule.is_active and list(rule.assisting.all()) == [world.command_a]
    client.post(f"/manage/routing/{rule.pk}/delete/")
    assert not RoutingRule.objects.exists()


def test_the_preview_names_the_rule_that_wins_for_a_place(client, world, street_vending):
    major = Category.objects.get(code="05")
    district_rule = taxonomy.save_routing_rule(
        by=world.adam,
        category=street_vending,
        region_prefix=world.district.prefix,
        lead=world.enforcement,
    )
    town_rule = taxonomy.save_routing_rule(
        by=world.adam,
        category=major,
        region_prefix=world.town_a.prefix,
        lead=world.enforcement_a,
    )
    client = signed_in(client, world.adam)

    in_town_a = client.get("/manage/routing/", {"category": "0503", "place": world.grid_a1.code})
    preview = in_town_a.context["preview"]
    # A narrower region beats a narrower class.
    assert preview.winner == town_rule and preview.candidates == [town_rule, district_rule]
    assert "综合行政执法局月河中队" in in_town_a.content.decode()

    in_town_b = client.get(
        "/manage/routing/", {"category": "0503", "place": world.grid_b1.code}
    ).context["preview"]
    assert in_town_b.winner == district_rule

    nowhere = client.get(
        "/manage/routing/", {"category": "0101", "place": world.grid_a1.code}
    ).context["preview"]
    assert nowhere.winner is None


def test_the_preview_names_a_bad_place(client, world):
    response = signed_in(client, world.adam).get(
        "/manage/routing/", {"category": "0503", "place": "330502009009009"}
    )
    assert response.context["preview"] is None
    assert (
        "没有编码为 330502009009009 的网格" in response.context["preview_form"].errors["place"][0]
    )

"""The administrator's pages for people and departments, and who may reach them.

adam administers the district, tara town A only. otto (operator), gina (grid worker) and
dora (department handler) administer nothing.
"""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from gridgov.accounts import people
from gridgov.accounts.models import (
    Department,
    DepartmentKind,
    DepartmentLevel,
    Role,
    RoleAssignment,
    User,
)

STRONG = "Yuehe-2024-xunjian"
NON_ADMINS = ["otto", "gina", "dora"]


def page_urls(world) -> list[str]:
    return [
        "/manage/users/",
        "/manage/users/new/",
        f"/manage/users/{world.gina.pk}/",
        f"/manage/users/{world.xena.pk}/",
        "/manage/departments/",
        "/manage/departments/new/",
        f"/manage/departments/{world.enforcement_a.pk}/",
        f"/manage/departments/{world.enforcement_a.pk}/edit/",
        f"/manage/departments/{world.enforcement.pk}/",
    ]


def post_urls(world) -> list[tuple[str, dict]]:
    gina, dept = world.gina.pk, world.enforcement_a.pk
    return [
        (
            "/manage/users/new/",
            {"username": "intruder", "full_name": "闯入", "password": STRONG, "password2": STRONG},
        ),
        (f"/manage/users/{gina}/", {"full_name": "改名", "phone": ""}),
        (f"/manage/users/{gina}/password/", {"password": STRONG, "password2": STRONG}),
        (f"/manage/users/{gina}/active/", {"active": "0"}),
        (f"/manage/users/{gina}/roles/", {"role": Role.GRID_WORKER, "grid": world.grid_a2.code}),
        (f"/manage/users/{gina}/roles/{world.gina.roles.get().pk}/revoke/", {}),
        (
            "/manage/departments/new/",
            {"name": "闯入部门", "kind": "other", "level": "town", "region": world.town_a.prefix},
        ),
        (
            f"/manage/departments/{dept}/edit/",
            {"name": "改名", "kind": "other", "level": "town", "region": world.town_a.prefix},
        ),
        (f"/manage/departments/{dept}/head/", {"user": str(world.dora.pk)}),
        (f"/manage/departments/{dept}/members/", {"user": str(world.gina.pk)}),
        (f"/manage/departments/{dept}/members/{world.dora.pk}/remove/", {}),
    ]


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def snapshot() -> tuple:
    return (
        sorted(User.objects.values_list("username", "full_name", "is_active", "password")),
        sorted(RoleAssignment.objects.values_list("user_id", "role", "scope")),
        sorted(Department.objects.values_list("name", "head_id")),
        sorted(Department.members.through.objects.values_list("department_id", "user_id")),
    )


# --- Who may reach the pages -----------------------------------------------------------------


@pytest.mark.parametrize("persona", NON_ADMINS)
def test_it_requires_an_administrator_scope_for_every_page(client, world, persona):
    client.force_login(getattr(world, persona))
    for url in page_urls(world):
        assert client.get(url).status_code in (403, 404), url


@pytest.mark.parametrize("persona", NON_ADMINS)
def test_a_non_administrator_can_post_nothing(client, world, persona):
    client.force_login(getattr(world, persona))
    before = snapshot()
    for url, data in post_urls(world):
        assert client.post(url, data).status_code in (403, 404), url
    assert snapshot() == before


def test_a_person_without_rights_gets_403_on_their_own_page_and_404_on_others(client, world):
    client.force_login(world.otto)
    assert client.get(f"/manage/users/{world.otto.pk}/").status_code == 403
    assert client.get(f"/manage/users/{world.gina.pk}/").status_code == 404
    assert client.get(f"/manage/departments/{world.command_a.pk}/").status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(client, world):
    for url in page_urls(world):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def test_the_district_administrator_reaches_everything(client, world):
    client.force_login(world.adam)
    for url in page_urls(world):
        assert client.get(url).status_code == 200, url


def test_a_town_administrator_reaches_only_her_town(client, world):
    client.force_login(world.tara)
    assert client.get(f"/manage/users/{world.gina.pk}/").status_code == 200
    assert client.get(f"/manage/departments/{world.enforcement_a.pk}/").status_code == 200
    for outside in [world.xena, world.adam, world.lena]:
        assert client.get(f"/manage/users/{outside.pk}/").status_code == 404
    assert client.get(f"/manage/departments/{world.enforcement.pk}/").status_code == 404
    before = snapshot()
    response = client.post(f"/manage/users/{world.xena.pk}/", {"full_name": "改名", "phone": ""})
    assert response.status_code == 404
    assert client.post(f"/manage/users/{world.xena.pk}/active/", {"active": "0"}).status_code == 404
    assert snapshot() == before


# --- The user list ---------------------------------------------------------------------------


def test_the_user_list_shows_only_people_the_administrator_manages(client, world):
    client.force_login(world.tara)
    response = client.get("/manage/users/")
    listed = {u.username for u in response.context["page"]}
    assert listed == {"gina", "otto", "dora", "vera", "tara"}
    page = response.content.decode()
    assert "徐娜" not in page and "安达" not in page
    client.force_login(world.adam)
    listed = {u.username for u in client.get("/manage/users/").context["page"]}
    assert {"xena", "lena", "gina"} <= listed


def test_the_user_list_names_scopes_by_place(client, world):
    client.force_login(world.adam)
    page = client.get("/manage/users/").content.decode()
    assert "网格员 · 衣裳街社区 › 衣裳街第一网格" in page
    assert "镇街指挥室 · 朝阳街道" in page
    assert "部门处置人员 · 月河街道 · 综合行政执法局月河中队" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "高娜"}, {"gina"}),
        ({"q": "XENA"}, {"xena"}),
        ({"q": "139000"}, {"vera"}),
        ({"role": Role.TOWN_OPERATOR}, {"otto", "xena"}),
        ({"region": "330502002"}, {"xena"}),
        ({"role": Role.TOWN_OPERATOR, "region": "330502001"}, {"otto"}),
        ({"region": "330502001001"}, {"gina", "vera"}),
    ],
)
def test_the_user_list_searches_and_filters(client, world, query, expected):
    User.objects.filter(pk=world.vera.pk).update(phone="13900001234")
    client.force_login(world.adam)
    listed = {u.username for u in client.get("/manage/users/", query).context["page"]}
    assert listed == expected


def test_the_user_list_ignores_a_region_outside_the_scope(client, world):
    client.force_login(world.tara)
    listed = {
        u.username for u in client.get("/manage/users/", {"region": "330502002"}).context["page"]
    }
    assert "xena" not in listed


def test_the_user_list_pages_and_keeps_its_query_count(
    client, world, django_assert_max_num_queries
):
    for n in range(45):
        people.create_user(
            by=world.adam,
            username=f"worker{n:02}",
            full_name=f"网格员{n}",
            phone="",
            password=STRONG,
            role=Role.GRID_WORKER,
            scope=world.grid_a2.code,
        )
    client.force_login(world.adam)
    with django_assert_max_num_queries(12):
        first = client.get("/manage/users/")
    assert len(first.context["page"]) == 30
    second = client.get("/manage/users/", {"page": 2})
    assert len(second.context["page"]) == first.context["page"].paginator.count - 30
    assert "上一页" in second.content.decode()


# --- Creating and editing people -------------------------------------------------------------


def new_user_form(world, **changes) -> dict:
    return {
        "username": "wangwei",
        "full_name": "王伟",
        "phone": "13812345678",
        "password": STRONG,
        "password2": STRONG,
        "role": Role.GRID_WORKER,
        "scope": "",
        "grid": world.grid_a2.code,
        "department": "",
        **changes,
    }


def test_it_creates_a_user_with_a_first_role_and_redirects(client, world):
    client.force_login(world.tara)
    response = client.post("/manage/users/new/", new_user_form(world))
    user = User.objects.get(username="wangwei")
    assert response.status_code == 302 and response["Location"] == reverse(
        "manage_user", args=[user.pk]
    )
    assert list(user.roles.values_list("role", "scope")) == [(Role.GRID_WORKER, world.grid_a2.code)]
    assert user.check_password(STRONG)
    assert "已创建用户 王伟（wangwei）" in messages_of(response)


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"username": "Gina"}, "username", "已被使用"),
        ({"phone": "12345"}, "phone", "电话号码格式不正确"),
        ({"password": "12345678", "password2": "12345678"}, "password", "不能全为数字"),
        ({"password2": "something-else"}, "password2", "两次输入的密码不一致"),
        ({"grid": "", "scope": "330502001"}, "scope", "网格员的管辖范围必须是网格"),
        ({"grid": "330502002001001"}, "grid", "超出您的管辖范围"),
        ({"grid": "", "scope": "330502", "role": Role.LEADER}, "scope", "超出您的管辖范围"),
        ({"role": "emperor"}, "role", "选择一个有效的选项"),
    ],
)
def test_a_refused_new_user_comes_back_with_a_field_error(client, world, changes, field, fragment):
    client.force_login(world.tara)
    before = snapshot()
    response = client.post("/manage/users/new/", new_user_form(world, **changes))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(fragment in e for e in errors[field]), errors
    assert fragment in response.content.decode()
    assert snapshot() == before


def test_it_edits_details_and_refuses_a_bad_phone(client, world):
    client.force_login(world.tara)
    url = f"/manage/users/{world.gina.pk}/"
    response = client.post(url, {"full_name": "高娜娜", "phone": "0572-2345678"})
    assert response.status_code == 302
    world.gina.refresh_from_db()
    assert (world.gina.full_name, world.gina.phone) == ("高娜娜", "0572-2345678")
    response = client.post(url, {"full_name": "高娜", "phone": "999"})
    assert response.status_code == 200
    assert "电话号码格式不正确" in response.context["details"].errors["phone"][0]
    world.gina.refresh_from_db()
    assert world.gina.phone == "0572-2345678"


def test_it_resets_a_password_and_refuses_a_weak_one(client, world):
    client.force_login(world.tara)
    url = f"/manage/users/{world.gina.pk}/password/"
    response = client.post(url, {"password": "abc", "password2": "abc"})
    assert response.status_code == 200
    assert "至少需要 8 个字符" in response.content.decode()
    world.gina.refresh_from_db()
    assert world.gina.check_password("pw-gina")
    response = client.post(url, {"password": STRONG, "password2": STRONG})
    assert response.status_code == 302
    world.gina.refresh_from_db()
    assert world.gina.check_password(STRONG)


def test_it_deactivates_and_reactivates_a_person(client, world):
    client.force_login(world.tara)
    url = f"/manage/users/{world.gina.pk}/active/"
    client.post(url, {"active": "0"})
    assert not User.objects.get(pk=world.gina.pk).is_active
    client.post(url, {"active": "1"})
    assert User.objects.get(pk=world.gina.pk).is_active


def test_an_administrator_cannot_deactivate_herself_through_the_page(client, world):
    client.force_login(world.tara)
    response = client.post(f"/manage/users/{world.tara.pk}/active/", {"active": "0"})
    assert "不能停用自己的账号" in messages_of(response)
    assert User.objects.get(pk=world.tara.pk).is_active


def test_it_grants_a_role_with_a_department(client, world):
    client.force_login(world.tara)
    response = client.post(
        f"/manage/users/{world.vera.pk}/roles/",
        {
            "role": Role.DEPARTMENT_HANDLER,
            "scope": world.village_a.prefix,
            "grid": "",
            "department": str(world.enforcement_a.pk),
        },
    )
    assert response.status_code == 302
    assert world.vera.roles.filter(
        role=Role.DEPARTMENT_HANDLER, department=world.enforcement_a
    ).exists()
    assert world.enforcement_a.members.filter(pk=world.vera.pk).exists()


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        ({"role": Role.GRID_WORKER, "scope": "330502001", "grid": ""}, "scope", "必须是网格"),
        ({"role": Role.LEADER, "scope": "330502002", "grid": ""}, "scope", "超出您的管辖范围"),
        ({"role": Role.LEADER, "scope": "330502", "grid": ""}, "scope", "超出您的管辖范围"),
        (
            {"role": Role.GRID_WORKER, "scope": "", "grid": "330502002001001"},
            "grid",
            "超出您的管辖范围",
        ),
        (
            {"role": Role.DEPARTMENT_HANDLER, "scope": "330502001", "grid": ""},
            "department",
            "必须选择所属部门",
        ),
    ],
)
def test_a_refused_grant_shows_a_field_error_and_grants_nothing(
    client, world, data, field, fragment
):
    client.force_login(world.tara)
    before = snapshot()
    response = client.post(f"/manage/users/{world.vera.pk}/roles/", {"department": "", **data})
    assert response.status_code == 200
    assert any(fragment in e for e in response.context["grant"].errors[field])
    assert snapshot() == before


def test_the_scope_select_offers_only_places_inside_the_scope(client, world):
    client.force_login(world.tara)
    response = client.get(f"/manage/users/{world.vera.pk}/")
    offered = [value for value, _ in response.context["grant"].fields["scope"].widget.choices]
    assert offered == ["", "330502001", "330502001001"]
    departments = [v for v, _ in response.context["grant"].fields["department"].widget.choices]
    assert (
        str(world.enforcement.pk) not in departments and str(world.enforcement_a.pk) in departments
    )


def test_it_revokes_a_role(client, world):
    client.force_login(world.tara)
    assignment = world.gina.roles.get()
    response = client.post(f"/manage/users/{world.gina.pk}/roles/{assignment.pk}/revoke/")
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_an_assignment_of_another_person_cannot_be_revoked_through_this_page(client, world):
    client.force_login(world.tara)
    response = client.post(
        f"/manage/users/{world.gina.pk}/roles/{world.otto.roles.get().pk}/revoke/"
    )
    assert response.status_code == 404
    assert world.otto.roles.exists()


# --- Departments -----------------------------------------------------------------------------


def test_the_department_list_stays_inside_the_scope_and_counts_members(client, world):
    client.force_login(world.tara)
    response = client.get("/manage/departments/")
    rows = {d.name: d.member_count for d in response.context["page"]}
    assert rows == {"月河街道综合信息指挥室": 1, "综合行政执法局月河中队": 1}
    client.force_login(world.adam)
    response = client.get("/manage/departments/", {"level": DepartmentLevel.DISTRICT})
    assert [d.name for d in response.context["page"]] == ["区综合行政执法局"]
    response = client.get("/manage/departments/", {"kind": DepartmentKind.COMMAND_ROOM})
    assert [d.name for d in response.context["page"]] == ["月河街道综合信息指挥室"]


def test_it_creates_a_department_and_shows_field_errors(client, world):
    client.force_login(world.tara)
    data = {
        "name": "月河街道市场监管所",
        "kind": DepartmentKind.MARKET_REGULATION,
        "level": DepartmentLevel.TOWN,
        "region": world.town_a.prefix,
        "parent": "",
        "phone": "12",
        "is_active": "on",
    }
    response = client.post("/manage/departments/new/", data)
    assert response.status_code == 200
    assert "电话号码格式不正确" in response.context["form"].errors["phone"][0]
    assert not Department.objects.filter(name="月河街道市场监管所").exists()
    response = client.post(
        "/manage/departments/new/", {**data, "region": world.town_b.prefix, "phone": ""}
    )
    assert "不在您的管辖范围内" in response.context["form"].errors["region"][0]
    response = client.post("/manage/departments/new/", {**data, "phone": ""})
    department = Department.objects.get(name="月河街道市场监管所")
    assert response["Location"] == reverse("manage_department", args=[department.pk])
    assert department.region == world.town_a


def test_a_town_administrator_may_hang_a_unit_under_the_district_bureau(client, world):
    client.force_login(world.tara)
    response = client.get("/manage/departments/new/")
    parents = [v for v, _ in response.context["form"].fields["parent"].widget.choices]
    assert str(world.enforcement.pk) in parents
    client.post(
        "/manage/departments/new/",
        {
            "name": "执法二中队",
            "kind": DepartmentKind.LAW_ENFORCEMENT,
            "level": DepartmentLevel.TOWN,
            "region": world.town_a.prefix,
            "parent": str(world.enforcement.pk),
            "is_active": "on",
        },
    )
    assert Department.objects.get(name="执法二中队").parent == world.enforcement


def test_it_edits_a_department(client, world):
    client.force_login(world.tara)
    response = client.post(
        f"/manage/departments/{world.command_a.pk}/edit/",
        {
            "name": "月河街道综合指挥室",
            "kind": DepartmentKind.COMMAND_ROOM,
            "level": DepartmentLevel.TOWN,
            "region": world.town_a.prefix,
            "parent": "",
            "phone": "0572-1234567",
        },
    )
    assert response.status_code == 302
    world.command_a.refresh_from_db()
    assert (world.command_a.name, world.command_a.is_active) == ("月河街道综合指挥室", False)


def test_it_sets_the_head_from_the_members_only(client, world):
    client.force_login(world.tara)
    url = f"/manage/departments/{world.command_a.pk}/head/"
    response = client.post(url, {"user": str(world.vera.pk)})
    assert response.status_code == 200
    assert "请从本部门成员中选择负责人" in response.content.decode()
    client.post(url, {"user": str(world.otto.pk)})
    world.command_a.refresh_from_db()
    assert world.command_a.head == world.otto


def test_it_finds_adds_and_removes_members(client, world):
    client.force_login(world.tara)
    page = client.get(f"/manage/departments/{world.command_a.pk}/", {"q": "魏"})
    assert [c.username for c in page.context["candidates"]] == ["vera"]
    nobody = client.get(f"/manage/departments/{world.command_a.pk}/", {"q": "徐娜"})
    assert nobody.context["candidates"] == []
    client.post(f"/manage/departments/{world.command_a.pk}/members/", {"user": str(world.vera.pk)})
    assert world.command_a.members.filter(pk=world.vera.pk).exists()
    client.post(f"/manage/departments/{world.command_a.pk}/members/{world.vera.pk}/remove/")
    assert not world.command_a.members.filter(pk=world.vera.pk).exists()


def test_a_forged_member_from_another_town_is_refused(client, world):
    client.force_login(world.tara)
    response = client.post(
        f"/manage/departments/{world.command_a.pk}/members/", {"user": str(world.xena.pk)}
    )
    assert response.status_code == 404
    response = client.post(
        f"/manage/departments/{world.command_a.pk}/members/", {"user": "not-a-number"}
    )
    assert response.status_code == 404
    assert set(world.command_a.members.all()) == {world.otto}


def test_the_pages_are_in_chinese_and_load_nothing_from_elsewhere(client, world):
    client.force_login(world.adam)
    for url in page_urls(world):
        response = client.get(url)
        page = response.content.decode()
        assert "http://" not in page and "https://" not in page, url
        assert 'lang="zh-Hans"' in page


# --- Django admin, the superusers' fallback ------------------------------------------------


def test_django_admin_is_for_superusers_only(client, world):
    User.objects.filter(pk=world.adam.pk).update(is_staff=True)
    client.force_login(User.objects.get(pk=world.adam.pk))
    assert client.get("/django-admin/accounts/user/").status_code in (302, 403)
    root = User.objects.create_superuser(username="root", password=STRONG)
    client.force_login(root)
    page = client.get("/django-admin/accounts/user/")
    assert page.status_code == 200 and "gina" in page.content.decode()
    assert "角色授权" in client.get("/django-admin/").content.decode()


def test_django_admin_never_deletes_a_person(client, world):
    client.force_login(User.objects.create_superuser(username="root", password=STRONG))
    response = client.post(f"/django-admin/accounts/user/{world.gina.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert User.objects.filter(pk=world.gina.pk).exists()

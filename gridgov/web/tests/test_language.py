"""The shell in English: layout, navigation, sign-in, password change and the home page."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from gridgov.accounts.models import Role
from gridgov.conftest import report_in_a1
from gridgov.events.selectors import QUEUES

CHINESE = re.compile(r"[\u4e00-\u9fff]")
CATALOG = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.po"


def in_english(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def test_chinese_is_the_default_language(client, world):
    client.force_login(world.otto)
    page = client.get("/").content.decode()
    assert 'lang="zh-Hans"' in page
    for text in ["基层治理综合信息平台", "首页", "辖区网格", "退出", "我的职责与管辖范围", "镇街指挥室"]:
        assert text in page, text
    assert "Sign out" not in page and "Home" not in page


def test_a_browser_asking_for_a_language_we_lack_gets_chinese(client, world):
    client.force_login(world.otto)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'lang="zh-Hans"' in page and "首页" in page


def test_a_browser_asking_for_english_gets_english(client, world):
    client.force_login(world.otto)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="en"' in page and "Areas and grids" in page and "辖区网格" not in page


def test_in_english_the_home_page_and_its_header_are_in_english(client, world):
    in_english(client)
    client.force_login(world.otto)
    page = client.get("/").content.decode()
    assert 'lang="en"' in page
    for text in [
        "Grassroots Governance Platform", "Hello,", "Sign out", "Home", "Areas and grids",
        "My roles and areas", "Town command room", "Households", "Grid workers",
    ]:
        assert text in page, text
    for text in ["基层治理综合信息平台", "您好", "退出", "首页", "辖区网格", "我的职责与管辖范围", "镇街指挥室", "户数"]:
        assert text not in page, text


@pytest.mark.parametrize("persona", ["gina", "otto", "dora", "vera", "lena", "adam"])
def test_in_english_every_menu_entry_of_each_role_is_in_english(client, world, persona):
    in_english(client)
    client.force_login(getattr(world, persona))
    nav = client.get("/").context["nav"]
    labels = [item.label for section in nav["sections"] for item in section.items]
    titles = [section.title for section in nav["sections"] if section.title]
    assert len(labels) >= 4 and titles
    for text in labels + titles + nav["role_labels"]:
        assert not CHINESE.search(text), text


def test_the_administrators_menu_in_english_names_the_pages_it_leads_to(client, world):
    in_english(client)
    client.force_login(world.adam)
    page = client.get("/").content.decode()
    # The header and the menu; the page below may carry other apps' notices.
    shell = page[page.index('<header class="topbar">') : page.index("</nav>")]
    english = ["Administration", "Users", "Holiday calendar", "Change password", "System administrator"]
    for text in english:
        assert text in shell, text
    for text in ["系统管理", "用户管理", "节假日日历", "修改密码", "系统管理员"]:
        assert text not in shell, text


def test_in_english_the_work_queues_on_the_home_page_are_in_english(client, world, street_vending):
    report_in_a1(world, street_vending)
    in_english(client)
    client.force_login(world.otto)
    page = client.get("/").content.decode()
    assert "My work" in page and "To accept" in page and "/events/queues/to_accept/" in page
    assert "我的待办" not in page and "待受理" not in page


def test_in_english_the_sign_in_page_and_its_refusal_are_in_english(client, world):
    in_english(client)
    page = client.get("/login/").content.decode()
    assert "Sign in" in page and "Username" in page and "Password" in page
    assert "登录" not in page and "用户名" not in page
    refused = client.post("/login/", {"username": "gina", "password": "nope"}).content.decode()
    assert "Wrong username or password." in refused and "用户名或密码错误" not in refused


def test_in_english_the_password_change_page_and_its_message_are_in_english(client, world):
    in_english(client)
    client.force_login(world.gina)
    page = client.get("/password/").content.decode()
    assert "Change password" in page and "Old password" in page and "At least 8 characters" in page
    assert "修改密码" not in page and "旧密码" not in page
    response = client.post(
        "/password/",
        {
            "old_password": "pw-gina",
            "new_password1": "bridge-patrol-2026",
            "new_password2": "bridge-patrol-2026",
        },
        follow=True,
    )
    assert "Your password has been changed." in response.content.decode()


def test_the_header_offers_the_other_language_for_the_page_being_read(client, world):
    client.force_login(world.gina)
    page = client.get("/password/").content.decode()
    form = re.search(r'<form method="post" action="/i18n/setlang/".*?</form>', page, re.S)
    assert form, "no language switch in the header"
    assert 'name="csrfmiddlewaretoken"' in form[0]
    assert 'name="next" value="/password/"' in form[0]
    assert 'name="language" value="en"' in form[0] and "English" in form[0]
    assert 'value="zh-hans"' not in form[0]
    in_english(client)
    page = client.get("/password/").content.decode()
    assert 'name="language" value="zh-hans"' in page and "简体中文" in page
    assert 'name="language" value="en"' not in page


def test_signed_out_people_can_switch_language_on_the_sign_in_page(client, world):
    page = client.get("/login/").content.decode()
    assert 'action="/i18n/setlang/"' in page and 'name="language" value="en"' in page


def test_the_switch_sets_english_and_keeps_the_user_on_the_same_page(client, world):
    client.force_login(world.otto)
    territory = f"/territory/{world.town_a.code}/"
    response = client.post("/i18n/setlang/", {"language": "en", "next": territory})
    assert response.status_code == 302
    assert response["Location"] == territory
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/").content.decode()
    assert "Sign out" in page and "退出" not in page


def test_the_switch_back_to_chinese_restores_chinese(client, world):
    in_english(client)
    client.force_login(world.otto)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    page = client.get("/").content.decode()
    assert "退出" in page and "Sign out" not in page


def test_the_switch_refuses_a_post_without_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 403
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies


def test_the_switch_does_not_send_anyone_to_another_site(client, world):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_every_role_and_queue_the_shell_shows_has_an_english_name():
    with translation.override("en"):
        for label in [str(r.label) for r in Role] + [q.label for q in QUEUES]:
            english = translation.gettext(label)
            assert not CHINESE.search(english), label


def test_the_committed_compiled_catalog_has_every_translation_of_the_po_file():
    po = CATALOG.read_text(encoding="utf-8")
    entries = re.findall(r'^msgid "(.+)"\nmsgstr "(.*)"$', po, re.M)
    assert len(entries) > 50
    with translation.override("en"):
        for chinese, english in entries:
            assert english, f"untranslated: {chinese}"
            assert translation.gettext(chinese) == english, chinese

"""A mediator registers a case, records a sitting, closes it with an agreement and prints it,
clicked through in Chromium."""

import io

import pytest
from pypdf import PdfReader

from gridgov.mediation.models import Case, Status
from gridgov.web.tests.browser import browser_page, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def act(page, action: str, label: str, fields: dict[str, str]) -> None:
    page.click(f"button[data-action='{action}']")
    for name, value in fields.items():
        page.fill(f"#id_{action}-{name}", value)
    page.click(f"#panel-{action} button:has-text('确认{label}')")
    page.wait_for_load_state()


def test_a_mediator_registers_mediates_agrees_and_prints(live_server, mw):
    base = live_server.url
    with browser_page() as page:
        sign_in(page, base, "mona", "pw-mona")
        page.goto(f"{base}/mediation/new/")
        page.fill("#id_title", "楼上漏水致楼下墙面受损")
        page.select_option("#id_dispute_type", label="邻里纠纷")
        page.select_option("#id_region", label="衣裳街社区")
        page.fill("#id_facts", "李家卫生间漏水三个月，张家厨房墙面霉变。")
        page.fill("#id_parties-0-name", "张桂英")
        page.fill("#id_parties-0-id_number", "330502195803121526")
        page.fill("#id_parties-1-name", "李建华")
        page.click("#add-party")
        page.fill("#id_parties-2-name", "李建华之妻")  # added row: 其他当事人 by default
        page.click("#add-party")  # and one left blank
        assert page.input_value("#id_parties-TOTAL_FORMS") == "4"
        screenshot(page, "mediation-register-parties")
        page.click("button[type=submit]:has-text('登记')")
        page.wait_for_selector("#case-status:has-text('已登记')")
        assert "3305**********1526" in page.content()
        assert page.locator("#parties tr:has-text('其他当事人')").inner_text().count("李建华之妻") == 1
        act(page, "accept", "受理", {})
        page.wait_for_selector("#case-status:has-text('已受理')")
        act(page, "session", "记录调解", {
            "held_at": "2026-03-02T09:30", "place": "衣裳街社区调解室", "participants": "张桂英、李建华、孟娜",
            "said": "双方到场陈述，查看漏水现场。",
        })
        page.wait_for_selector("#case-status:has-text('调解中')")
        act(page, "succeed", "调解成功", {
            "terms": "李建华于三月二十日前修复防水层并赔偿张桂英两千元。", "performance_manner": "一次性现金支付",
            "performance_place": "衣裳街社区调解室", "performance_deadline": "2026-12-20",
        })
        page.wait_for_selector("#case-status:has-text('调解成功')")
        screenshot(page, "mediation-case-succeeded")
        href = page.get_attribute("#agreement-pdf", "href")
        response = page.request.get(f"{base}{href}")
        assert response.headers["content-type"] == "application/pdf"
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    case = Case.objects.get()
    assert case.status == Status.SUCCEEDED
    assert list(case.parties.values_list("role", flat=True)) == ["applicant", "respondent", "other"]
    for words in ("人民调解协议书", "张桂英", "李建华", "修复防水层", case.number):
        assert words in text

import io
from datetime import timedelta

import pytest
import time_machine
from openpyxl import load_workbook
from pypdf import PdfReader

from gridgov.mediation.models import Case, DisputeType, Disclosure

from gridgov.mediation import workflow
from gridgov.mediation.models import PartyRole

from .conftest import MONDAY, mediate_to_success, parties, register


def text_of(response) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def test_the_agreement_pdf_has_the_parties_and_terms_in_chinese(mw, client):
    case = register(mw)
    mediate_to_success(mw, case)
    client.force_login(mw.mona)
    response = client.get(f"/mediation/cases/{case.pk}/agreement.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = text_of(response)
    for words in ("人民调解协议书", "张桂英", "李建华", "修复防水层", "一次性现金支付", "2026 年 3 月 20 日",
                  case.number):
        assert words in text
    assert "330502195803121526" not in text
    cover = text_of(client.get(f"/mediation/cases/{case.pk}/cover.pdf"))
    assert "人民调解卷宗" in cover and "调解成功" in cover
    register_text = text_of(client.get("/mediation/register.pdf"))
    assert "(2026)衣裳街人调字第" in register_text and "张桂英" in register_text


def test_a_village_committee_sees_only_its_cases_and_the_district_centre_all(mw, client):
    own = register(mw)
    central = register(mw, by=mw.mark, organisation=mw.centre, region=mw.town_b, title="南街劳资纠纷")
    client.force_login(mw.mona)
    listing = client.get("/mediation/").content.decode()
    assert own.number in listing and central.number not in listing
    assert client.get(central.get_absolute_url()).status_code == 404
    client.force_login(mw.mark)
    listing = client.get("/mediation/").content.decode()
    assert own.number in listing and central.number in listing
    client.force_login(mw.xena)  # town B operator: sees the dispute in town B only
    assert client.get(own.get_absolute_url()).status_code == 404
    assert client.get(central.get_absolute_url()).status_code == 200


def test_id_numbers_are_masked_and_each_unmasked_view_is_logged(mw, client):
    case = register(mw)
    client.force_login(mw.lena)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "3305**********1526" in page and "330502195803121526" not in page
    assert "138****1234" in page
    assert client.post(f"/mediation/cases/{case.pk}/reveal/").status_code == 403
    assert not Disclosure.objects.exists()
    client.force_login(mw.mona)
    page = client.post(f"/mediation/cases/{case.pk}/reveal/").content.decode()
    assert "330502195803121526" in page
    seen = Disclosure.objects.filter(user=mw.mona, case=case)
    assert {d.party.name for d in seen} == {"张桂英", "李建华"}


def test_a_phone_is_masked_without_the_right_and_logged_when_shown_in_clear(mw, client):
    witness = workflow.PartyInput(role=PartyRole.OTHER, name="王强", phone="13905721111")
    silent = workflow.PartyInput(role=PartyRole.OTHER, name="赵敏")
    case = register(mw, parties=[*parties(), witness, silent])
    client.force_login(mw.lena)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "139****1111" in page and "13905721111" not in page
    client.force_login(mw.mona)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "13905721111" not in page and not Disclosure.objects.exists()  # masked until asked
    page = client.post(f"/mediation/cases/{case.pk}/reveal/").content.decode()
    assert "13905721111" in page and "13857201234" in page
    shown = dict(Disclosure.objects.filter(user=mw.mona, case=case).values_list("party__name", "shown"))
    assert shown == {"张桂英": "id_number,phone", "李建华": "id_number", "王强": "phone"}


def party_rows(*rows: dict) -> dict:
    """The POST data of the registration form's party rows."""
    data = {"parties-TOTAL_FORMS": len(rows), "parties-INITIAL_FORMS": 0}
    for index, row in enumerate(rows):
        data.update({f"parties-{index}-{key}": value for key, value in {"kind": "person", **row}.items()})
    return data


def test_a_mediator_registers_a_case_through_the_form_and_bad_input_is_named(mw, client):
    client.force_login(mw.mona)
    form = client.get("/mediation/new/").content.decode()
    assert 'name="parties-0-role"' in form and 'name="parties-1-role"' in form and "添加当事人" in form
    assert "parties-__prefix__-name" in form  # the row the add button copies
    bad = client.post("/mediation/new/", {
        "organisation": mw.village_committee.pk, "source": "application", "people_involved": 2, "risk": 1,
        **party_rows({"role": "applicant", "name": "王明", "id_number": "123"}, {"role": "respondent"}),
    })
    assert bad.status_code == 200
    body = bad.content.decode()
    assert "请填写案由" in body and "第 1 位当事人：证件号码应为" in body and "至少须有一名被申请人" in body
    good = client.post("/mediation/new/", {
        "organisation": mw.village_committee.pk, "title": "宅基地界址争议", "dispute_type": mw.neighbours.pk,
        "source": "application", "region": mw.village_a.pk, "facts": "两户因围墙界址争执。", "people_involved": 2,
        "risk": 1, "idempotency_key": "k1",
        **party_rows({"role": "applicant", "name": "王明"}, {"role": "respondent", "name": "赵亮"}),
    })
    assert good.status_code == 302
    page = client.get(good.url).content.decode()
    assert "宅基地界址争议" in page and "(2026)衣裳街人调字第 1 号" in page


def test_the_form_takes_several_parties_per_side_and_names_the_bad_row(mw, client):
    client.force_login(mw.mona)
    case_fields = {
        "organisation": mw.village_committee.pk, "title": "三户共用排水沟堵塞", "dispute_type": mw.neighbours.pk,
        "source": "proactive", "region": mw.village_a.pk, "facts": "排水沟堵塞，三户互相推诿。", "people_involved": 4,
        "risk": 1,
    }
    rows = [
        {"role": "applicant", "name": "王明", "phone": "13905720001"},
        {"role": "applicant", "name": "王芳"},
        {"role": "other"},  # added, then left blank: skipped, and the rows after keep their numbers
        {"role": "respondent", "name": "赵亮", "id_number": "33050219700405153X"},
        {"role": "other", "name": "", "phone": "13905720004"},  # a phone without a name
    ]
    bad = client.post("/mediation/new/", {**case_fields, **party_rows(*rows)})
    assert bad.status_code == 200
    body = bad.content.decode()
    assert "第 5 位当事人：请填写当事人姓名或名称" in body and "第 4 位当事人：" not in body
    assert 'value="王芳"' in body and 'value="13905720004"' in body  # what was typed stays
    assert not Case.objects.filter(title="三户共用排水沟堵塞").exists()
    rows[4]["name"] = "某物业公司"
    rows[4]["kind"] = "organisation"
    good = client.post("/mediation/new/", {**case_fields, **party_rows(*rows)})
    assert good.status_code == 302
    case = Case.objects.get(title="三户共用排水沟堵塞")
    assert list(case.parties.values_list("role", "name", "kind")) == [
        ("applicant", "王明", "person"), ("applicant", "王芳", "person"), ("respondent", "赵亮", "person"),
        ("other", "某物业公司", "organisation"),
    ]
    page = client.get(good.url).content.decode()
    assert "其他当事人" in page and "某物业公司" in page


@pytest.mark.parametrize("who", ["lena", "xena"])
def test_only_the_organisations_mediators_act_on_a_case(mw, client, who):
    case = register(mw)
    client.force_login(getattr(mw, who))
    response = client.post(f"/mediation/cases/{case.pk}/accept/", {})
    assert response.status_code == (403 if who == "lena" else 404)


def sheets_of(response) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(response.content))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book}


@pytest.fixture
def figures_world(mw):
    """Five disputes of 月河街道 (three agreements followed up 已履行 / 部分履行 / 未履行, one
    failure four days after registration, one waiting) and one of 朝阳街道 at the centre."""
    for performance in ("performed", "partly", "not"):
        case = register(mw)
        mediate_to_success(mw, case)
        workflow.follow_up(case, by=mw.mona, performance=performance, at=MONDAY + timedelta(days=30))
    failed = register(mw)
    workflow.accept(failed, by=mw.mona, at=MONDAY)
    workflow.record_session(failed, by=mw.mona, held_at=MONDAY, place="室", participants="双方", said="无果", at=MONDAY)
    workflow.fail(failed, by=mw.mona, referral="litigation", reason="分歧大", at=MONDAY + timedelta(days=4))
    register(mw)
    register(mw, by=mw.mark, organisation=mw.centre, region=mw.town_b, source="police",
             dispute_type=DisputeType.objects.get(name="劳动争议纠纷"), title="南街劳资纠纷")
    return mw


PERIOD = "start=2026-01-01&end=2026-12-31"


@time_machine.travel("2026-06-01 09:00 +0800", tick=False)
def test_the_figures_export_holds_every_total_and_breakdown(figures_world, client):
    client.force_login(figures_world.lena)
    page = client.get(f"/mediation/figures/?{PERIOD}").content.decode()
    assert "调解成功率" in page and "75.0" in page and "按调解员" in page
    export = client.get(f"/mediation/figures.xlsx?{PERIOD}")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    sheets = sheets_of(export)
    assert list(sheets) == ["汇总", "按纠纷类型", "按案件来源", "按调解组织", "按调解员", "按镇街"]
    totals = {row[0]: row[1] for row in sheets["汇总"][1:]}
    assert totals == {
        "范围": "吴兴区", "登记数": 6, "受理数": 4, "成功数": 3, "调解不成": 1, "调解成功率（%）": 75.0,
        "平均办理天数": 1.0, "超期数": 2, "回访数": 3, "已履行": 1, "部分履行": 1, "未履行": 1,
        "协议履行率（%）": 33.3,
    }
    assert sheets["按纠纷类型"] == [("名称", "案件数", "成功数"), ("邻里纠纷", 5, 3), ("劳动争议纠纷", 1, 0)]
    assert sheets["按案件来源"][1:] == [("当事人申请", 5, 3), ("公安移交", 1, 0)]
    assert sheets["按调解组织"][1:] == [("衣裳街社区人民调解委员会", 5, 3), ("吴兴区矛盾纠纷调处化解中心", 1, 0)]
    assert sheets["按调解员"][1:] == [("孟娜", 4, 3), ("未指派", 2, 0)]
    assert sheets["按镇街"][1:] == [("月河街道", 5, 3), ("朝阳街道", 1, 0)]


@time_machine.travel("2026-06-01 09:00 +0800", tick=False)
def test_the_figures_export_is_scoped_to_a_narrow_reader(figures_world, client):
    client.force_login(figures_world.xena)  # town B's operator
    sheets = sheets_of(client.get(f"/mediation/figures.xlsx?{PERIOD}"))
    totals = {row[0]: row[1] for row in sheets["汇总"][1:]}
    assert (totals["范围"], totals["登记数"], totals["受理数"]) == ("朝阳街道", 1, 0)
    assert sheets["按镇街"][1:] == [("朝阳街道", 1, 0)]
    # Asking for town A does not widen the scope: the choice is refused, her own scope stays.
    sheets = sheets_of(client.get(f"/mediation/figures.xlsx?{PERIOD}&region={figures_world.town_a.prefix}"))
    assert sheets["按镇街"][1:] == [("朝阳街道", 1, 0)]
    client.force_login(figures_world.vera)  # the village station of 衣裳街社区
    page = client.get(f"/mediation/figures/?{PERIOD}&region={figures_world.village_a.prefix}").content.decode()
    assert "衣裳街社区" in page and "已按默认范围统计" not in page
    sheets = sheets_of(client.get(f"/mediation/figures.xlsx?{PERIOD}&region={figures_world.village_a.prefix}"))
    totals = {row[0]: row[1] for row in sheets["汇总"][1:]}
    assert (totals["范围"], totals["登记数"], totals["成功数"]) == ("衣裳街社区", 5, 3)
    assert sheets["按纠纷类型"][1:] == [("邻里纠纷", 5, 3)]


@time_machine.travel("2026-06-01 09:00 +0800", tick=False)
def test_the_analysis_page_shows_the_mediation_totals_and_links_to_the_breakdowns(figures_world, client):
    client.force_login(figures_world.otto)  # town A's command room
    page = client.get(f"/analysis/?region={figures_world.town_a.prefix}&{PERIOD}").content.decode()
    card = page[page.index('id="mediation-figures"'):]
    for words in ("调解成功率（%）", "75.0", "平均办理天数", "协议履行率（%）", "33.3"):
        assert words in card
    link = f"/mediation/figures/?region={figures_world.town_a.prefix}&{PERIOD}"
    assert f'href="{link}"' in card
    followed = client.get(link).content.decode()
    assert "月河街道" in followed and "孟娜" in followed
    assert "劳动争议纠纷" not in followed and "吴兴区矛盾纠纷调处化解中心" not in followed


def test_the_case_list_reads_a_fixed_number_of_queries(mw, client, django_assert_max_num_queries):
    for _ in range(3):
        register(mw)
    client.force_login(mw.mona)
    client.get("/mediation/")
    for _ in range(3):
        register(mw)
    with django_assert_max_num_queries(12):
        assert client.get("/mediation/").status_code == 200


def test_a_case_draws_on_the_expert_pool_and_a_review_meeting_page_records_a_decision(mw, client):
    from gridgov.mediation.models import Expert, Mediator

    case = register(mw, is_major=True)
    lawyer = Expert.objects.create(name="沈律师", kind="lawyer", region=mw.district, area_code=mw.district.prefix)
    client.force_login(mw.mona)
    mona = Mediator.objects.get(user=mw.mona)
    assert client.post(f"/mediation/cases/{case.pk}/assign/", {"assign-mediators": [mona.pk],
                                                               "assign-experts": [lawyer.pk]}).status_code == 302
    assert list(case.experts.all()) == [lawyer]
    client.force_login(mw.lena)
    response = client.post("/mediation/meetings/", {"region": mw.town_a.pk, "held_on": "2026-03-06",
                                                    "title": "月河街道研判例会"})
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert case.number in page
    client.post(f"{response.url}cases/{case.pk}/", {"decision": "包案领导牵头化解"})
    assert case.review_decisions.get().decision == "包案领导牵头化解"
    assert "包案领导牵头化解" in client.get(case.get_absolute_url()).content.decode()


def test_a_major_case_is_registered_with_its_responsible_leader(mw, client):
    client.force_login(mw.mona)
    page = client.get("/mediation/new/").content.decode()
    assert "李娜" in page and "徐娜" not in page
    response = client.post("/mediation/new/", {
        "organisation": mw.village_committee.pk, "title": "多户漏水群体纠纷", "dispute_type": mw.neighbours.pk,
        "source": "proactive", "region": mw.village_a.pk, "facts": "十余户因管道漏水与开发商争执。",
        "people_involved": 12, "risk": 3, "is_major": "on", "leader": mw.lena.pk,
        **party_rows({"role": "applicant", "name": "王明"},
                     {"role": "respondent", "name": "某开发公司", "kind": "organisation"}),
    })
    assert response.status_code == 302
    case = Case.objects.get(title="多户漏水群体纠纷")
    assert case.is_major and case.leader == mw.lena

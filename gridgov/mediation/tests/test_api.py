from gridgov.conftest import report_in_a1
from gridgov.events.models import Category

from .conftest import register

BODY = {
    "organisation": None, "title": "欠薪纠纷", "dispute_type": None, "source": "application",
    "facts": "某装修队拖欠三名工人工资 1.2 万元。", "region": "330502001001",
    "parties": [{"role": "applicant", "name": "周强", "id_number": "330502198801011234"},
                {"role": "respondent", "name": "某装修队", "kind": "organisation"}],
}


def test_a_mediator_registers_and_mediates_a_case_over_the_api(mw, client):
    client.force_login(mw.mona)
    body = {**BODY, "organisation": mw.village_committee.pk, "dispute_type": mw.neighbours.pk,
            "idempotency_key": "abc-1"}
    created = client.post("/api/mediation/cases", body, content_type="application/json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["number"] == "(2026)衣裳街人调字第 1 号" or data["number"].endswith("第 1 号")
    assert data["parties"][0]["id_number"] == "3305**********1234"
    again = client.post("/api/mediation/cases", body, content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    pk = data["id"]
    assert client.post(f"/api/mediation/cases/{pk}/accept", {}, content_type="application/json").status_code == 200
    session = {"held_at": "2026-03-03T10:00:00+08:00", "place": "调解室", "participants": "双方", "said": "协商"}
    assert client.post(f"/api/mediation/cases/{pk}/sessions", session, content_type="application/json").status_code == 200
    conflict = client.post(f"/api/mediation/cases/{pk}/accept", {}, content_type="application/json")
    assert conflict.status_code == 409
    failed = client.post(f"/api/mediation/cases/{pk}/fail", {"referral": "arbitration", "reason": "转劳动仲裁"},
                         content_type="application/json")
    assert failed.status_code == 200 and failed.json()["status"] == "failed"


def test_bad_input_names_the_field(mw, client):
    client.force_login(mw.mona)
    response = client.post("/api/mediation/cases", {**BODY, "organisation": 999999, "dispute_type": mw.neighbours.pk,
                                                     "parties": []}, content_type="application/json")
    assert response.status_code == 422
    assert {"organisation", "parties"} <= set(response.json()["errors"])


def test_cases_outside_scope_are_not_found_and_an_event_converts(mw, client):
    case = register(mw)
    client.force_login(mw.xena)
    assert client.get(f"/api/mediation/cases/{case.pk}").status_code == 404
    event = report_in_a1(mw, Category.objects.get(code="0105"), title="工地欠薪", description="工人讨薪")
    client.force_login(mw.otto)
    response = client.post(f"/api/events/{event.code}/mediation")
    assert response.status_code == 201 and response.json()["event"] == event.code
    assert client.post(f"/api/events/{event.code}/mediation").status_code == 409

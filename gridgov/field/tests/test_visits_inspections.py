"""Visits and their findings, hazard inspections and re-inspections, check-ins, and the
grid worker's list for today — each within the worker's grids."""

import json

import pytest

from gridgov.conftest import photo
from gridgov.events import workflow
from gridgov.events.models import Event, Status
from gridgov.field import selectors
from gridgov.field.models import CheckIn, Inspection, PlaceKind, Visit


def a_visit(**overrides):
    body = {"key": "v1", "household": "衣裳街 12 号 王家", "lon": 120.005, "lat": 30.01, "finding": "dispute",
            "notes": "与楼上住户因漏水争执", "follow_up": True}
    body.update(overrides)
    return body


def test_a_visit_is_recorded_once_and_its_finding_becomes_an_event_in_one_tap(gina_api, world):
    first = gina_api.post("/api/visits", a_visit())
    again = gina_api.post("/api/visits", a_visit())
    assert (first.status_code, again.status_code) == (201, 200)
    assert Visit.objects.count() == 1
    visit_id = first.json()["id"]
    reported = gina_api.post(f"/api/visits/{visit_id}/report", {})
    assert reported.status_code == 200
    event = Event.objects.get(code=reported.json()["event"])
    assert event.category.code == "0102" and event.reporter == world.gina
    gina_api.post(f"/api/visits/{visit_id}/report", {})
    assert Event.objects.count() == 1


def test_a_household_visited_again_leaves_the_follow_up_list(api, gina_api, world):
    visit_id = gina_api.post("/api/visits", a_visit()).json()["id"]
    assert [v.pk for v in selectors.today(world.gina).follow_ups] == [visit_id]
    assert api(world.xena).post(f"/api/visits/{visit_id}/followed-up").status_code == 404
    assert gina_api.post(f"/api/visits/{visit_id}/followed-up").status_code == 200
    assert selectors.today(world.gina).follow_ups == []


def test_a_visit_outside_the_workers_village_is_refused(gina_api):
    response = gina_api.post("/api/visits", a_visit(lon=120.03))
    assert response.status_code == 422 and "location" in response.json()["errors"]
    assert Visit.objects.count() == 0


def test_a_finding_needs_notes(gina_api):
    response = gina_api.post("/api/visits", a_visit(notes=""))
    assert response.status_code == 422 and "notes" in response.json()["errors"]


def _results(kind, failed=()):
    return json.dumps([{"item": i.pk, "passed": i.pk not in failed, "note": "" if i.pk not in failed else "楼道充电"}
                       for i in kind.items.all()])


def test_each_failed_item_opens_a_hazard_event_and_the_reinspection_closes_it(api, gina_api, world):
    kind = PlaceKind.objects.get(code="rental")
    charging = kind.items.get(text__startswith="电动自行车未在楼道")
    response = gina_api.post("/api/inspections", {
        "key": "i1", "kind": "rental", "place": "衣裳街 8 号出租房", "lon": 120.005, "lat": 30.01,
        "results": _results(kind, failed={charging.pk}), f"photo_{charging.pk}": photo(),
    })
    assert response.status_code == 201, response.content
    (code,) = response.json()["events"]
    event = Event.objects.get(code=code)
    assert event.category.code == "0402" and event.status == Status.REPORTED
    assert event.log.first().attachments.count() == 1
    # The department rectifies …
    workflow.accept(event, by=world.otto)
    workflow.dispatch(event, lead=world.enforcement_a, by=world.otto)
    workflow.sign(event, by=world.dora)
    workflow.feed_back(event, by=world.dora, note="已清理楼道电动车", photos=[photo()])
    assert [r.item.text for r in selectors.today(world.gina).reinspections] == [charging.text]
    # … and the re-inspection finds it fixed.
    first = Inspection.objects.get()
    again = gina_api.post("/api/inspections", {
        "key": "i2", "previous": first.pk, "lon": 120.005, "lat": 30.01, "results": _results(kind),
    })
    assert again.status_code == 201, again.content
    event.refresh_from_db()
    assert event.status == Status.CLOSED
    assert selectors.today(world.gina).reinspections == []


def test_an_inspection_with_an_item_left_unanswered_writes_nothing(gina_api):
    kind = PlaceKind.objects.get(code="lpg_outlet")
    rows = json.loads(_results(kind))[1:]
    response = gina_api.post("/api/inspections", {
        "key": "i1", "kind": "lpg_outlet", "place": "燃气店", "lon": 120.005, "lat": 30.01, "results": json.dumps(rows),
    })
    assert response.status_code == 422 and "results" in response.json()["errors"]
    assert Inspection.objects.count() == 0 and Event.objects.count() == 0


def test_a_check_in_records_the_grid_once(gina_api, world):
    body = {"key": "c1", "lon": 120.005, "lat": 30.01, "accuracy_m": 12}
    assert gina_api.post("/api/check-ins", body).status_code == 201
    assert gina_api.post("/api/check-ins", body).status_code == 200
    assert list(CheckIn.objects.values_list("grid_code", flat=True)) == [world.grid_a1.code]


@pytest.mark.django_db
def test_a_worker_sees_only_their_grids_tasks(world, street_vending):
    from gridgov.conftest import report_in_a1

    mine = report_in_a1(world, street_vending)
    other = report_in_a1(world, street_vending, by=world.xena, lon=120.03, idempotency_key="x")
    due = [e.pk for e in selectors.today(world.gina).due_soon]
    assert mine.pk in due and other.pk not in due
    Visit.objects.create(worker=world.xena, key="k", grid=world.grid_b1, area_code=world.grid_b1.code,
                         household="南街 1 号", lon=120.03, lat=30.01, visited_at=mine.reported_at, follow_up=True)
    assert selectors.today(world.gina).follow_ups == []

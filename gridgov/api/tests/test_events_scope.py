"""Who may call which events endpoint, as a matrix: inside the scope but not allowed → 403,
outside the scope → 404 (the event's existence is not revealed), allowed → 200/201.

gina reported the event in grid A1; otto is town A's command room; dora handles for the
law-enforcement unit of town A; lena leads the district; xena is town B's operator.
"""

import pytest

from gridgov.conftest import photo
from gridgov.events import selectors, workflow
from gridgov.events.models import Event, Status
from gridgov.events.tests.lifecycle import event_in

PERSONAS = ["gina", "otto", "dora", "lena", "xena"]

REPORT = {
    "title": "衣裳街口占道经营", "description": "流动摊贩占用人行道。", "category": "0503",
    "lon": 120.005, "lat": 30.01, "idempotency_key": "scope-matrix-1",
}

# endpoint: (method, path, state of the event, body, expected status for each of PERSONAS)
MATRIX = {
    "report": ("post", "/api/events", None, REPORT, (201, 201, 201, 201, 422)),
    "self-handled": ("post", "/api/events/self-handled", None, {**REPORT, "note": "已复位"} | {"photos": "photo"},
                     (201, 201, 201, 201, 422)),
    "detail": ("get", "/api/events/{code}", Status.REPORTED, None, (200, 200, 200, 200, 404)),
    "accept": ("post", "/api/events/{code}/accept", Status.REPORTED, {}, (403, 200, 403, 403, 404)),
    "reject": ("post", "/api/events/{code}/reject", Status.REPORTED, {"reason": "不属实"}, (403, 200, 403, 403, 404)),
    "merge": ("post", "/api/events/{code}/merge", Status.REPORTED, {"into": "{into}"}, (403, 200, 403, 403, 404)),
    "escalate": ("post", "/api/events/{code}/escalate", Status.REPORTED, {"reason": "跨镇街"},
                 (403, 200, 403, 403, 404)),
    "dispatch": ("post", "/api/events/{code}/dispatch", Status.ACCEPTED, {"lead": "{lead}"},
                 (403, 200, 403, 403, 404)),
    "instruct": ("post", "/api/events/{code}/instruct", Status.DISPATCHED, {"note": "抓紧办理"},
                 (403, 403, 403, 200, 404)),
    "send-back": ("post", "/api/events/{code}/send-back", Status.DISPATCHED, {"reason": "非本单位职责"},
                  (403, 403, 200, 403, 404)),
    "sign": ("post", "/api/events/{code}/sign", Status.DISPATCHED, None, (403, 403, 200, 403, 404)),
    "assist": ("post", "/api/events/{code}/assist", "assisted", {"note": "已配合"}, (403, 403, 200, 403, 404)),
    "feed-back": ("post", "/api/events/{code}/feed-back", Status.HANDLING, {"note": "已处置", "photos": "photo"},
                  (403, 403, 200, 403, 404)),
    "extensions": ("post", "/api/events/{code}/extensions", Status.HANDLING, {"days": 2, "reason": "需协调"},
                   (403, 403, 201, 403, 404)),
    "approve": ("post", "/api/extensions/{extension}/approve", "extension asked", {}, (403, 200, 403, 403, 404)),
    "deny": ("post", "/api/extensions/{extension}/deny", "extension asked", {"note": "可按期完成"},
             (403, 200, 403, 403, 404)),
    "verify": ("post", "/api/events/{code}/verify", Status.HANDLED, {}, (200, 403, 403, 403, 404)),
    "rework": ("post", "/api/events/{code}/rework", Status.HANDLED, {"reason": "仍有摊贩"}, (200, 403, 403, 403, 404)),
    "search": ("get", "/api/events", Status.REPORTED, None, (200, 200, 200, 200, 200)),
    "queues": ("get", "/api/events/queues", Status.REPORTED, None, (200, 200, 200, 200, 200)),
    "queue": ("get", "/api/events/queues/to_accept", Status.REPORTED, None, (200, 200, 200, 200, 200)),
    "duplicates": ("get", "/api/events/duplicates", Status.REPORTED,
                   {"category": "0503", "lon": 120.005, "lat": 30.01}, (200, 200, 200, 200, 200)),
    "categories": ("get", "/api/categories", None, None, (200, 200, 200, 200, 200)),
}

CASES = [
    pytest.param(endpoint, persona, expected[i], id=f"{endpoint}-{persona}")
    for endpoint, (_, _, _, _, expected) in MATRIX.items()
    for i, persona in enumerate(PERSONAS)
]


def prepare(world, category, state) -> dict:
    """The event the endpoint acts on, in the state it needs, and the values its path and body name."""
    if state is None:
        return {}
    if state == "assisted":
        # Led by the district bureau, town A's unit (dora) assisting.
        event = event_in(world, category, Status.ACCEPTED)
        workflow.dispatch(event, lead=world.enforcement, assisting=[world.enforcement_a], by=world.otto)
    elif state == "extension asked":
        event = event_in(world, category, Status.HANDLING)
        extension = workflow.request_extension(event, by=world.dora, days=2, reason="需要协调")
        return {"code": event.code, "extension": extension.pk}
    else:
        event = event_in(world, category, state)
    values = {"code": event.code, "lead": world.enforcement_a.pk}
    if state == Status.REPORTED:
        values["into"] = event_in(world, category, Status.ACCEPTED, lon=120.0051).code
    return values


def fill(template, values: dict):
    if isinstance(template, str):
        if template == "photo":
            return [photo()]
        if template.startswith("{") and template.endswith("}"):
            return values[template[1:-1]]
        return template.format(**values)
    if isinstance(template, dict):
        return {k: fill(v, values) for k, v in template.items()}
    return template


@pytest.mark.parametrize(("endpoint", "persona", "expected"), CASES)
def test_the_scope_matrix(api, world, street_vending, endpoint, persona, expected):
    method, path, state, body, _ = MATRIX[endpoint]
    values = prepare(world, street_vending, state)
    before = Event.objects.filter(code=values.get("code", "")).values("status", "log_length").first()
    client = api(getattr(world, persona))
    if method == "get":
        response = client.get(fill(path, values), fill(body, values))
    else:
        response = client.post(fill(path, values), fill(body, values))
    assert response.status_code == expected, response.content
    if expected in (403, 404):
        assert Event.objects.filter(code=values["code"]).values("status", "log_length").first() == before
    if expected == 404:
        assert values["code"] not in response.content.decode()


@pytest.mark.parametrize("endpoint", list(MATRIX))
def test_every_endpoint_requires_a_token_or_a_session(api, world, street_vending, endpoint):
    method, path, state, body, _ = MATRIX[endpoint]
    values = prepare(world, street_vending, state)
    client = api(None)
    response = (client.get if method == "get" else client.post)(fill(path, values), fill(body, values))
    assert response.status_code == 401


def test_an_outsider_never_sees_an_event_of_another_town(api, world, street_vending):
    events = [event_in(world, street_vending, state) for state in (
        Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED, Status.HANDLING, Status.HANDLED, Status.CLOSED
    )]
    theirs, _ = workflow.report(
        by=world.xena, title="朝阳路占道经营", description="摊贩占道", category=street_vending, lon=120.03, lat=30.01
    )
    xena = api(world.xena)

    found = xena.get("/api/events", {"limit": 100}).json()
    assert [item["code"] for item in found["items"]] == [theirs.code] and found["total"] == 1
    for event in events:
        assert xena.get("/api/events", {"text": event.code}).json()["total"] == 0
        assert xena.get(f"/api/events/{event.code}").status_code == 404
    assert xena.get("/api/events", {"area": world.town_a.prefix}).json()["total"] == 0

    counts = {q["key"]: q["count"] for q in xena.get("/api/events/queues").json()}
    assert counts == {q.key: (1 if q.key in ("to_accept", "mine") else 0) for q in selectors.QUEUES}
    for queue in selectors.QUEUES:
        listed = [item["code"] for item in xena.get(f"/api/events/queues/{queue.key}").json()["items"]]
        assert not {e.code for e in events} & set(listed)

    near_a = xena.get("/api/events/duplicates", {"category": "0503", "lon": 120.005, "lat": 30.01, "text": "占道经营"})
    assert near_a.status_code == 200 and near_a.json() == []


def test_a_grid_worker_sees_only_their_grid_and_what_they_reported(api, world, street_vending):
    mine = event_in(world, street_vending, Status.REPORTED)
    next_door, _ = workflow.report(
        by=world.vera, title="二网格占道经营", description="摊贩占道", category=street_vending, lon=120.015, lat=30.01
    )
    gina = api(world.gina)
    assert [i["code"] for i in gina.get("/api/events").json()["items"]] == [mine.code]
    assert gina.get(f"/api/events/{next_door.code}").status_code == 404
    assert api(world.otto).get(f"/api/events/{next_door.code}").status_code == 200


def test_a_department_sees_what_it_handles_outside_its_own_scope(api, world, street_vending):
    """The district bureau's handler has no town scope, yet follows the events it leads."""
    from gridgov.accounts.models import Role, RoleAssignment, User

    bea = User.objects.create_user(username="bea", password="pw-bea", full_name="贝安")
    RoleAssignment.objects.create(user=bea, role=Role.DEPARTMENT_HANDLER, scope=world.grid_b1.code,
                                  department=world.enforcement)
    world.enforcement.members.add(bea)
    led = event_in(world, street_vending, Status.ACCEPTED)
    other = event_in(world, street_vending, Status.ACCEPTED)
    workflow.dispatch(led, lead=world.enforcement, by=world.otto)
    client = api(bea)
    assert client.get(f"/api/events/{led.code}").json()["actions"] == ["sign", "send-back"]
    assert client.get(f"/api/events/{other.code}").status_code == 404
    assert [i["code"] for i in client.get("/api/events").json()["items"]] == [led.code]

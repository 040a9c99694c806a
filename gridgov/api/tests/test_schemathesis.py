"""Property-based fuzzing of the whole API from its own OpenAPI schema: whatever a client
sends to any endpoint, the answer is never a server error (DESIGN §6).

The requests go to the Django WSGI application in-process, inside the test's transaction,
with the token of town A's operator, who has events in every state to act on. Path
parameters are drawn from real event codes and extension ids as well as from the schema,
so the fuzzing reaches the workflow and not only the 404 branch.
"""

import json
from urllib.parse import quote

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from gridgov.accounts import signin
from gridgov.api.app import api as ninja_api
from gridgov.events import workflow
from gridgov.events.models import Extension, Source, Status
from gridgov.events.tests.lifecycle import event_in
from gridgov.mediation.tests.conftest import mw, register  # noqa: F401 (mw is a fixture)

# Every operation the API publishes, read from the same schema the test then loads over HTTP.
OPERATIONS = [
    (method.upper(), path)
    for path, methods in ninja_api.get_openapi_schema(path_prefix="/api/")["paths"].items()
    for method in methods
]


@pytest.fixture
def wsgi_inside_the_test_transaction():
    """Django's WSGI handler closes "old" connections at each request, which would close
    the test's own connection in mid-transaction; the test client switches that off the
    same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(world, street_vending, wsgi_inside_the_test_transaction):
    codes = [event_in(world, street_vending, state).code for state in (
        Status.REPORTED, Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED, Status.HANDLING, Status.HANDLED,
        Status.CLOSED,
    )]
    handling = event_in(world, street_vending, Status.HANDLING)
    workflow.request_extension(handling, by=world.dora, days=2, reason="需要协调")
    codes.append(handling.code)

    # Values that exist, mixed into what the schema generates, so that requests get past
    # the lookups and into the workflow.
    real = {
        "event": st.sampled_from(codes),
        "region": st.sampled_from([world.district.code, world.town_a.code, world.village_a.code]),
        "grid": st.sampled_from([world.grid_a1.code, world.grid_a2.code]),
        "extension_id": st.sampled_from(list(Extension.objects.values_list("pk", flat=True))),
        "into": st.sampled_from(codes),
        "lead": st.sampled_from([world.enforcement_a.pk, world.enforcement.pk]),
        "category": st.sampled_from(["0503", "05", "0101"]),
        "lon": st.floats(120.0, 120.02),
        "lat": st.floats(30.0, 30.02),
        "level": st.integers(1, 4),
        "days": st.integers(1, 30),
        "source": st.sampled_from(Source.values),
        "idempotency_key": st.uuids().map(str),
    }

    def mixed(values, choose):
        if not isinstance(values, dict) or not any(choose(key) for key in values):
            return st.just(values)
        return st.one_of(st.just(values), st.fixed_dictionaries({
            key: real[choose(key)] if choose(key) else st.just(value) for key, value in values.items()
        }))

    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        path = context.operation.path
        kind = "region" if path.startswith("/api/regions") else "grid" if path.startswith("/api/grids") else "event"
        return mixed(path_parameters, lambda key: kind if key == "code" else key if key in real else None)

    @schema.hook
    def flatmap_query(context, query):
        return mixed(query, lambda key: key if key in ("category", "lon", "lat") else None)

    @schema.hook
    def flatmap_headers(context, headers):
        # The same key comes in the body or in this header; two random ones always disagree.
        if not headers or "Idempotency-Key" not in headers:
            return st.just(headers)
        return st.sampled_from([headers, {k: v for k, v in headers.items() if k != "Idempotency-Key"}])

    @schema.hook
    def flatmap_body(context, body):
        return mixed(body, lambda key: key if key in real else None)

    return schema


# Whoever may take the step, so that the fuzzing reaches past the permission check.
ACTOR = {"sign": "dora", "send-back": "dora", "feed-back": "dora", "assist": "dora", "extensions": "dora",
         "verify": "gina", "rework": "gina", "instruct": "lena"}


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_request_makes_the_server_fail(api_schema, world, method, path):
    operation = api_schema[path][method]
    token = signin.issue_token(getattr(world, ACTOR.get(path.rsplit("/", 1)[-1], "otto")), name="fuzz")
    strategy = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE, hooks=api_schema.hooks),
        operation.as_strategy(GenerationMode.NEGATIVE, hooks=api_schema.hooks),
    )

    @given(case=strategy)
    @settings(
        max_examples=25, deadline=None, derandomize=True, database=None,
        suppress_health_check=list(HealthCheck),
    )
    def no_server_error(case):
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        case.validate_response(response, checks=[not_a_server_error])

    no_server_error()


# Strings a database or an encoder refuses, in every string a request can carry: random
# generation seldom produces them, so each operation is also sent them on purpose. A lone
# surrogate can travel only JSON-escaped; in a URL, undecodable bytes stand in for it.
NASTY = ["\x00", "a\x00b", "\ud800", "'; DROP TABLE events_event; --", "%_\\", "𠀀" * 300, "9" * 40]
NASTY_IN_URL = ["\x00", "a\x00b", "%ED%A0%80", "%FF%FE", "'; DROP TABLE events_event; --", "𠀀" * 300, "9" * 40]


def nasty_requests(schema: dict, path: str, method: str, values: dict[str, object]):
    """(url, json body or None) pairs putting each nasty string in each string slot."""
    operation = schema["paths"][path][method.lower()]
    url = path.format(**values)
    query = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    ref = content.get("schema", {}).get("$ref", "")
    properties = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]["properties"] if ref else {}
    # Every other field valid, so that the nasty one is the only thing wrong.
    base = {name: values.get(name, PLAIN.get(prop.get("type"), "x")) for name, prop in properties.items()}
    for value in NASTY_IN_URL:
        quoted = value if value.startswith("%") else quote(value, safe="")
        for name in query:
            yield f"{url}?{name}={quoted}", None
        for key in values:
            if "{" + key + "}" in path:
                yield path.format(**{**values, key: quoted}), {}
    for value in NASTY:
        for name in properties:
            yield url, {**base, name: value}


PLAIN = {"string": "正常的文字", "integer": 1, "number": 1.0, "array": [], "boolean": False, "object": {}}


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_strings_the_database_refuses_are_client_errors(api, world, street_vending, request, method, path):
    event = event_in(world, street_vending, Status.HANDLING)
    extension = workflow.request_extension(event, by=world.dora, days=2, reason="需要协调")
    values = {
        "code": event.code, "extension_id": extension.pk, "key": "to_accept", "category": "0503", "lon": 120.005,
        "lat": 30.01, "into": event_in(world, street_vending).code, "lead": world.enforcement_a.pk, "days": 2,
        "username": "otto", "password": "pw-otto", "idempotency_key": "nasty-1", "level": 1, "source": "hotline",
        "warning_id": 1, "patrol_id": 1, "visit_id": 1, "pk": 1,
    }
    if path.startswith("/api/regions"):
        values["code"] = world.town_a.code
    elif path.startswith("/api/grids"):
        values["code"] = world.grid_a1.code
    actor = world.adam if path.startswith("/api/grids") else world.otto
    if path.startswith("/api/mediation"):
        # A case its mediator may act on, so that the strings reach the mediation workflow.
        mw = request.getfixturevalue("mw")
        values["pk"] = register(mw).pk
        actor = mw.mona
    client = api(actor)
    client.client.raise_request_exception = False
    failed = []
    for url, body in nasty_requests(ninja_api.get_openapi_schema(path_prefix="/api/"), path, method, values):
        data = "" if body is None else json.dumps(body)  # ASCII escapes carry the lone surrogate
        response = client.client.generic(method, url, data, content_type="application/json", **client.headers)
        if response.status_code >= 500:
            failed.append((url, body, response.status_code))
    assert failed == []

"""Two people acting on one event at the same moment, with real threads and a connection
each, on PostgreSQL: the conditional UPDATE lets exactly one win; the other is told the
event moved on (TransitionError, 409 over HTTP). SQLite serialises writers on one file, so
the race cannot happen there and these tests are skipped."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from gridgov.accounts.models import Role, RoleAssignment, User
from gridgov.events import audit, workflow
from gridgov.events.models import Event, LogAction, Source, Status
from gridgov.events.taxonomy import install_default_taxonomy
from gridgov.events.tests.lifecycle import actions, event_in, fresh
from gridgov.events.workflow import TransitionError

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="SQLite lets one writer in at a time, so there is no race to test; run with DATABASE_URL=postgres://…",
    ),
]


@pytest.fixture(autouse=True)
def _taxonomy(transactional_db):
    # A transactional test empties every table when it ends, the taxonomy of the migration
    # too. (A serialized rollback would restore it, but its content types then clash with
    # those an earlier transactional test's flush made anew.)
    install_default_taxonomy()


def together(*calls: Callable[[], Any]) -> list[Any]:
    """Run each call in its own thread (so with its own database connection), released at
    the same instant by a barrier; return what each returned or raised, in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 — the outcome is what the test compares
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


def person(world, username: str, role: str, scope: str, department=None) -> User:
    user = User.objects.create_user(username=username, password=f"pw-{username}", full_name=username)
    RoleAssignment.objects.create(user=user, role=role, scope=scope, department=department)
    if department is not None:
        department.members.add(user)
    return user


@pytest.fixture
def dan(world) -> User:
    """dora's colleague in town A's law-enforcement unit."""
    return person(world, "dan", Role.DEPARTMENT_HANDLER, world.town_a.prefix, world.enforcement_a)


@pytest.fixture
def owen(world) -> User:
    """otto's colleague in town A's command room."""
    return person(world, "owen", Role.TOWN_OPERATOR, world.town_a.prefix, world.command_a)


def outcome(result: Any) -> str:
    if isinstance(result, TransitionError):
        return "conflict"
    if isinstance(result, Exception):
        raise result
    return "won"


# Each test below sets up a transactional database, which is slow, so related races share one.


def test_of_two_people_acting_at_once_exactly_one_wins(world, street_vending, dan, owen):
    # Two handlers of the lead unit sign the same event; each opened it before either
    # clicked, so both copies still say "dispatched".
    event = event_in(world, street_vending, Status.DISPATCHED)
    mine, theirs = Event.objects.get(pk=event.pk), Event.objects.get(pk=event.pk)
    results = together(lambda: workflow.sign(mine, by=world.dora), lambda: workflow.sign(theirs, by=dan))
    assert sorted(outcome(r) for r in results) == ["conflict", "won"]
    event = fresh(event)
    assert event.status == Status.HANDLING
    assert actions(event).count(LogAction.SIGN) == 1
    assert audit.verify_event(event, list(event.log.order_by("seq"))) == []

    # Two operators of the command room: one closes a hotline event, the other sends it
    # back for rework, at the same instant.
    event = event_in(world, street_vending, Status.HANDLED, by=world.otto, source=Source.HOTLINE)
    mine, theirs = Event.objects.get(pk=event.pk), Event.objects.get(pk=event.pk)
    results = together(
        lambda: workflow.verify(mine, by=world.otto, satisfaction="satisfied"),
        lambda: workflow.rework(theirs, by=owen, reason="回访群众不满意"),
    )
    assert sorted(outcome(r) for r in results) == ["conflict", "won"]
    event = fresh(event)
    assert event.status in (Status.CLOSED, Status.HANDLING)
    assert event.rework_count == (1 if event.status == Status.HANDLING else 0)
    assert actions(event).count(LogAction.VERIFY) + actions(event).count(LogAction.REWORK) == 1
    assert audit.verify_event(event, list(event.log.order_by("seq"))) == []

    # Both operators close it.
    event = event_in(world, street_vending, Status.HANDLED, by=world.otto, source=Source.HOTLINE)
    mine, theirs = Event.objects.get(pk=event.pk), Event.objects.get(pk=event.pk)
    results = together(lambda: workflow.verify(mine, by=world.otto), lambda: workflow.verify(theirs, by=owen))
    assert sorted(outcome(r) for r in results) == ["conflict", "won"]
    assert actions(fresh(event)).count(LogAction.VERIFY) == 1


def test_over_http_the_one_who_lost_gets_409_with_the_reason(api, world, street_vending, dan, owen):
    event = event_in(world, street_vending, Status.DISPATCHED)
    clients = [api(world.dora), api(dan)]
    responses = together(*(lambda c=c: c.post(f"/api/events/{event.code}/sign") for c in clients))
    assert sorted(r.status_code for r in responses) == [200, 409]
    detail = next(r for r in responses if r.status_code == 409).json()["detail"]
    assert event.code in detail and ("刚被他人处理" in detail or "不能签收" in detail)
    assert actions(fresh(event)).count(LogAction.SIGN) == 1

    event = event_in(world, street_vending, Status.REPORTED)
    clients = [api(world.otto), api(owen)]
    responses = together(*(lambda c=c: c.post(f"/api/events/{event.code}/accept") for c in clients))
    assert sorted(r.status_code for r in responses) == [200, 409]
    assert actions(fresh(event)) == [LogAction.REPORT, LogAction.ACCEPT]


def report(world, category, key: str) -> tuple[Event, bool]:
    return workflow.report(
        by=world.gina, title="占道经营", description="摊贩占道", category=category, lon=120.005, lat=30.01,
        idempotency_key=key,
    )


def test_reports_with_the_same_key_at_once_create_one_event_and_other_keys_their_own(world, street_vending):
    results = together(*(lambda: report(world, street_vending, "retry-storm") for _ in range(2)))
    for result in results:
        if isinstance(result, Exception):
            raise result
    (first, created_first), (second, created_second) = results
    assert first.pk == second.pk
    assert sorted([created_first, created_second]) == [False, True]
    assert Event.objects.filter(idempotency_key="retry-storm").count() == 1
    assert fresh(first).log.count() == 1

    results = together(*(lambda i=i: report(world, street_vending, f"key-{i}") for i in range(4)))
    assert all(created for _, created in results)
    assert len({event.code for event, _ in results}) == 4


def test_a_burst_of_retries_over_http_creates_one_event(api, world, street_vending):
    body = {
        "title": "占道经营", "description": "摊贩占道", "category": "0503", "lon": 120.005, "lat": 30.01,
        "idempotency_key": "phone-retry-1",
    }
    clients = [api(world.gina) for _ in range(4)]
    responses = together(*(lambda c=c: c.post("/api/events", body) for c in clients))
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 201]
    assert len({r.json()["code"] for r in responses}) == 1
    assert Event.objects.count() == 1

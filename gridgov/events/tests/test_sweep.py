"""The deadline sweeper: one reminder at the warning moment, one supervision order at the
deadline, per step deadline, whatever the number of passes or sweepers."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from gridgov.accounts.models import User
from gridgov.conftest import photo, report_in_a1
from gridgov.events import audit, sweep, workflow
from gridgov.events.models import (
    Category,
    Event,
    EventLog,
    LogAction,
    Notice,
    NoticeKind,
    Source,
    Status,
    SupervisionOrder,
)
from gridgov.events.taxonomy import install_default_taxonomy

MINUTE = timedelta(minutes=1)


def fresh(event: Event) -> Event:
    event.refresh_from_db()
    return event


def notices(event: Event, kind: str) -> set[str]:
    return set(
        Notice.objects.filter(event=event, kind=kind).values_list("recipient__username", flat=True)
    )


def log_actions(event: Event) -> list[str]:
    return list(event.log.order_by("seq").values_list("action", flat=True))


def dispatched(world, category) -> Event:
    event = report_in_a1(world, category)
    at = event.reported_at + timedelta(minutes=10)
    workflow.accept(event, by=world.otto, at=at)
    workflow.dispatch(event, lead=world.enforcement_a, by=world.otto, at=at)
    return fresh(event)


@pytest.fixture
def hank(world) -> User:
    """Head of the law-enforcement unit in town A, not one of its handlers."""
    head = User.objects.create_user(username="hank", password="pw-hank", full_name="韩科")
    world.enforcement_a.head = head
    world.enforcement_a.save(update_fields=["head"])
    return head


# --- reminders -------------------------------------------------------------------------------


def test_it_sends_a_reminder_at_the_warning_moment_exactly_once(world, street_vending):
    event = report_in_a1(world, street_vending)
    assert event.warn_at < event.due_at

    with time_machine.travel(event.warn_at - MINUTE, tick=False):
        assert sweep.sweep_once().reminders == 0
    with time_machine.travel(event.warn_at, tick=False):
        first = sweep.sweep_once()
    with time_machine.travel(event.warn_at + 10 * MINUTE, tick=False):
        again = sweep.sweep_once()
        once_more = sweep.sweep_once()

    assert (first.reminders, again.reminders, once_more.reminders) == (1, 0, 0)
    assert fresh(event).reminded_for == event.due_at
    # Accepting is the command room's step: otto hears of it, nobody else.
    assert notices(event, NoticeKind.REMINDER) == {"otto"}
    assert log_actions(event).count(LogAction.REMIND) == 1
    reminder = Notice.objects.get(event=event, kind=NoticeKind.REMINDER)
    assert event.code in reminder.text and "受理交办" in reminder.text
    assert reminder.due_at == event.due_at


def test_the_reminder_for_signing_goes_to_the_lead_department_and_its_head(
    world, street_vending, hank
):
    event = dispatched(world, street_vending)
    with time_machine.travel(event.warn_at, tick=False):
        assert sweep.sweep_once().reminders == 1
    assert notices(event, NoticeKind.REMINDER) == {"dora", "hank"}


def test_the_reminder_to_verify_a_patrol_report_goes_to_the_grid_worker(world, street_vending):
    event = dispatched(world, street_vending)
    workflow.sign(event, by=world.dora, at=event.dispatched_at + MINUTE)
    workflow.feed_back(
        event,
        by=world.dora,
        note="已劝离摊贩",
        photos=[photo()],
        at=event.dispatched_at + 2 * MINUTE,
    )
    event = fresh(event)
    assert event.status == Status.HANDLED and event.source == Source.GRID_PATROL
    with time_machine.travel(event.warn_at, tick=False):
        assert sweep.sweep_once().reminders == 1
    assert notices(event, NoticeKind.REMINDER) == {"gina"}


def test_the_reminder_to_verify_a_residents_report_goes_to_the_command_room(world, street_vending):
    event = report_in_a1(world, street_vending, source=Source.RESIDENT)
    at = event.reported_at + MINUTE
    workflow.accept(event, by=world.otto, at=at)
    workflow.dispatch(event, lead=world.enforcement_a, by=world.otto, at=at)
    workflow.sign(event, by=world.dora, at=at)
    workflow.feed_back(event, by=world.dora, note="已劝离", photos=[photo()], at=at)
    event = fresh(event)
    with time_machine.travel(event.warn_at, tick=False):
        assert sweep.sweep_once().reminders == 1
    assert notices(event, NoticeKind.REMINDER) == {"otto"}


def test_it_sends_no_reminder_once_the_deadline_has_passed(world, street_vending):
    """A sweeper that was down through the warning window issues the order, not a late reminder."""
    event = report_in_a1(world, street_vending)
    with time_machine.travel(event.due_at + MINUTE, tick=False):
        result = sweep.sweep_once()
    assert (result.reminders, result.orders) == (0, 1)
    assert not Notice.objects.filter(event=event, kind=NoticeKind.REMINDER).exists()


def test_the_single_step_reminds_once_when_called_directly(world, street_vending):
    event = report_in_a1(world, street_vending)
    assert sweep.remind(event.pk, now=event.warn_at - MINUTE) is False
    assert sweep.remind(event.pk, now=event.warn_at) is True
    assert sweep.remind(event.pk, now=event.warn_at + MINUTE) is False
    assert EventLog.objects.filter(event=event, action=LogAction.REMIND).count() == 1


# --- supervision orders ----------------------------------------------------------------------


def test_it_issues_a_supervision_order_at_the_deadline_exactly_once(world, street_vending):
    event = report_in_a1(world, street_vending)

    with time_machine.travel(event.due_at - MINUTE, tick=False):
        assert sweep.sweep_once().orders == 0
    with time_machine.travel(event.due_at, tick=False):
        first = sweep.sweep_once()
        again = sweep.sweep_once()
    with time_machine.travel(event.due_at + timedelta(days=3), tick=False):
        later = sweep.sweep_once()

    assert (first.orders, again.orders, later.orders) == (1, 0, 0)
    order = SupervisionOrder.objects.get(event=event)
    assert order.number == "DB-330502-2026-000001"
    assert (
        order.step == "accept" and order.due_at == event.due_at and order.issued_at == event.due_at
    )
    # Accepting is owed by the town's command room, so the order is addressed to it.
    assert order.department == world.command_a
    assert notices(event, NoticeKind.SUPERVISION) == {"otto"}
    assert order.number in Notice.objects.get(event=event, kind=NoticeKind.SUPERVISION).text
    assert log_actions(event).count(LogAction.SUPERVISE) == 1
    assert fresh(event).supervised_for == event.due_at


def test_an_order_for_signing_is_addressed_to_the_lead_and_copied_to_the_command_room(
    world, street_vending, hank
):
    event = dispatched(world, street_vending)
    with time_machine.travel(event.due_at, tick=False):
        assert sweep.sweep_once().orders == 1
    order = SupervisionOrder.objects.get(event=event)
    assert order.department == world.enforcement_a and order.step == "sign"
    assert "抄送：月河街道综合信息指挥室" in order.note
    # The head answers for the department; the command room follows it up.
    assert notices(event, NoticeKind.SUPERVISION) == {"hank", "otto"}
    row = event.log.get(action=LogAction.SUPERVISE)
    assert row.department == world.enforcement_a and row.data["order"] == order.number


def test_order_numbers_count_on_within_the_district_and_year(world, street_vending):
    first = report_in_a1(world, street_vending)
    second = report_in_a1(world, street_vending, title="另一处占道经营")
    with time_machine.travel(max(first.due_at, second.due_at), tick=False):
        assert sweep.sweep_once().orders == 2
    numbers = sorted(SupervisionOrder.objects.values_list("number", flat=True))
    assert numbers == ["DB-330502-2026-000001", "DB-330502-2026-000002"]


def test_the_single_step_supervises_once_when_called_directly(world, street_vending):
    event = report_in_a1(world, street_vending)
    assert sweep.supervise(event.pk, now=event.due_at - MINUTE) is None
    order = sweep.supervise(event.pk, now=event.due_at)
    assert order is not None and order.event_id == event.pk
    assert sweep.supervise(event.pk, now=event.due_at + MINUTE) is None
    assert SupervisionOrder.objects.filter(event=event).count() == 1


# --- new deadlines, closed events, the chain -------------------------------------------------


def test_a_new_step_deadline_gets_its_own_reminder_and_order(world, street_vending):
    event = report_in_a1(world, street_vending)
    accept_due = event.due_at
    with time_machine.travel(accept_due, tick=False):
        assert sweep.sweep_once().orders == 1

    event = fresh(event)  # the sweeper has written to its log since
    workflow.accept(event, by=world.otto, at=accept_due + MINUTE)
    workflow.dispatch(event, lead=world.enforcement_a, by=world.otto, at=accept_due + MINUTE)
    event = fresh(event)
    assert event.due_at > accept_due and event.reminded_for is None and event.supervised_for is None

    with time_machine.travel(event.warn_at, tick=False):
        assert sweep.sweep_once().reminders == 1
    with time_machine.travel(event.due_at, tick=False):
        assert sweep.sweep_once().orders == 1
    assert list(
        SupervisionOrder.objects.filter(event=event)
        .order_by("issued_at")
        .values_list("step", flat=True)
    ) == [
        "accept",
        "sign",
    ]


def test_an_approved_extension_allows_a_new_reminder(world, street_vending):
    event = dispatched(world, street_vending)
    workflow.sign(event, by=world.dora, at=event.dispatched_at + MINUTE)
    event = fresh(event)
    with time_machine.travel(event.warn_at, tick=False):
        assert sweep.sweep_once().reminders == 1
        event = fresh(event)
        extension = workflow.request_extension(
            event, by=world.dora, days=3, reason="摊主拒不配合，需联合执法"
        )
        workflow.approve_extension(extension, by=world.otto)
    event = fresh(event)
    assert event.reminded_for is None
    with time_machine.travel(event.warn_at, tick=False):
        assert sweep.sweep_once().reminders == 1
    assert EventLog.objects.filter(event=event, action=LogAction.REMIND).count() == 2


def test_closed_events_are_never_swept(world, street_vending):
    closed, _ = workflow.self_handle(
        by=world.gina,
        title="路口摊贩已劝离",
        description="现场劝离流动摊贩",
        category=street_vending,
        lon=120.005,
        lat=30.01,
        note="已劝离",
        photos=[photo()],
    )
    rejected = report_in_a1(world, street_vending, title="重复上报")
    workflow.reject(
        rejected, by=world.otto, reason="与已有事件重复", at=rejected.reported_at + MINUTE
    )

    with time_machine.travel(rejected.reported_at + timedelta(days=30), tick=False):
        result = sweep.sweep_once()
    assert (result.reminders, result.orders, result.failures) == (0, 0, 0)
    assert not SupervisionOrder.objects.exists()
    assert not Notice.objects.filter(
        kind__in=[NoticeKind.REMINDER, NoticeKind.SUPERVISION]
    ).exists()
    assert fresh(closed).status == Status.CLOSED


def test_the_hash_chain_still_verifies_after_the_sweepers_rows(world, street_vending):
    event = dispatched(world, street_vending)
    with time_machine.travel(event.warn_at, tick=False):
        sweep.sweep_once()
    with time_machine.travel(event.due_at, tick=False):
        sweep.sweep_once()
    event = fresh(event)
    workflow.sign(event, by=world.dora, at=event.due_at + MINUTE)
    event = fresh(event)
    rows = list(event.log.order_by("seq"))
    assert [r.action for r in rows][-3:] == [LogAction.REMIND, LogAction.SUPERVISE, LogAction.SIGN]
    assert audit.verify_event(event, rows) == []


# --- two sweepers ----------------------------------------------------------------------------


def test_two_passes_at_the_same_moment_issue_one_of_each(world, street_vending):
    events = [report_in_a1(world, street_vending, title=f"占道经营{i}") for i in range(3)]
    moment = max(e.due_at for e in events)
    first, second = sweep.sweep_once(moment), sweep.sweep_once(moment)
    assert (first.orders, second.orders) == (3, 0)


def two_sweepers_at_once(moment) -> list:
    """Run two sweeps of `moment` in two threads (a connection each), released together;
    return both results, failing on any error."""
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sweeper() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(sweep.sweep_once(moment))
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    return results


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
    reason="SQLite lets one writer in at a time, so two sweepers cannot overlap; see PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_issue_exactly_one_order_and_one_set_of_notices(world, hank):
    # A transactional test empties every table when it ends, the migration's taxonomy too.
    install_default_taxonomy()
    street_vending = Category.objects.get(code="0503")
    events = [dispatched(world, street_vending) for _ in range(8)]
    moment = max(e.due_at for e in events)
    results = two_sweepers_at_once(moment)
    assert sum(r.orders for r in results) == 8 and sum(r.failures for r in results) == 0
    for event in events:
        assert SupervisionOrder.objects.filter(event=event).count() == 1
        assert EventLog.objects.filter(event=event, action=LogAction.SUPERVISE).count() == 1
        assert (
            Notice.objects.filter(event=event, kind=NoticeKind.SUPERVISION).count() == 2
        )  # hank, otto
        event = fresh(event)
        assert audit.verify_event(event, list(event.log.order_by("seq"))) == []
    numbers = sorted(SupervisionOrder.objects.values_list("number", flat=True))
    assert numbers == [f"DB-330502-2026-{n:06d}" for n in range(1, 9)]


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
    reason="SQLite lets one writer in at a time, so two sweepers cannot overlap; see PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_send_each_reminder_exactly_once(world, hank):
    install_default_taxonomy()
    street_vending = Category.objects.get(code="0503")
    events = [dispatched(world, street_vending) for _ in range(8)]
    moment = max(e.warn_at for e in events)
    assert moment < min(e.due_at for e in events)
    results = two_sweepers_at_once(moment)
    assert sum(r.reminders for r in results) == 8 and sum(r.failures for r in results) == 0
    assert sum(r.orders for r in results) == 0
    for event in events:
        assert EventLog.objects.filter(event=event, action=LogAction.REMIND).count() == 1
        assert Notice.objects.filter(event=event, kind=NoticeKind.REMINDER).count() == 2  # dora, hank
        assert notices(event, NoticeKind.REMINDER) == {"dora", "hank"}
        event = fresh(event)
        assert event.reminded_for == event.due_at
        assert audit.verify_event(event, list(event.log.order_by("seq"))) == []


# --- the command -----------------------------------------------------------------------------


def test_the_command_sweeps_once_and_says_what_it_did(world, street_vending, capsys):
    event = report_in_a1(world, street_vending)
    with time_machine.travel(event.due_at, tick=False):
        call_command("sweep", "--once")
    assert "督办单 1 张" in capsys.readouterr().out
    assert SupervisionOrder.objects.filter(event=event).count() == 1


def test_the_command_loop_stops_on_sigterm(world):
    import os
    import signal

    timer = threading.Timer(0.3, os.kill, args=(os.getpid(), signal.SIGTERM))
    previous = signal.getsignal(signal.SIGTERM)
    timer.start()
    try:
        from io import StringIO

        out = StringIO()
        call_command("sweep", "--interval", "0.05", stdout=out)
    finally:
        timer.cancel()
    assert "sweeper stopped" in out.getvalue()
    assert signal.getsignal(signal.SIGTERM) is previous


def test_the_loop_the_worker_runs_issues_orders_until_told_to_stop(world, street_vending):
    event = report_in_a1(world, street_vending)
    stopping = threading.Event()
    results = []

    def after_pass(result):
        results.append(result)
        if len(results) == 2:
            stopping.set()

    with time_machine.travel(event.due_at, tick=False):
        sweep.run_forever(stopping, interval=0, on_result=after_pass)

    assert [r.orders for r in results] == [1, 0]
    assert SupervisionOrder.objects.filter(event=event).count() == 1


def test_the_worker_command_offers_to_leave_sweeping_to_the_sweep_command():
    from gridgov.web.management.commands.worker import Command

    parser = Command().create_parser("gridgov", "worker")
    assert parser.parse_args(["--no-sweep"]).no_sweep is True
    assert parser.parse_args([]).sweep_interval == 30.0

"""The demo's year of events, built once for the module at a fixed moment on a smaller
count, then looked at: states, queues, the log, the sweeper's work, determinism, reset."""

import dataclasses
import io
import re
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Count

from gridgov.accounts import permissions
from gridgov.accounts.models import Department, DepartmentKind, User
from gridgov.demo import build, events, routing
from gridgov.demo.territory import DISTRICT
from gridgov.events import selectors, workflow
from gridgov.events.audit import verify_all
from gridgov.events.models import (
    FINAL,
    Attachment,
    Category,
    Closure,
    Event,
    EventLog,
    EventSequence,
    Level,
    LogAction,
    RoutingRule,
    Source,
    Status,
    SupervisionOrder,
)
from gridgov.field import selectors as field_selectors
from gridgov.lib import workdays
from gridgov.worktime.calendar import current_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Wednesday afternoon: the demo's year ends here.
NOW = datetime(2026, 11, 18, 15, 10, tzinfo=SHANGHAI)
SMALL = dataclasses.replace(DISTRICT, events=300)


def snapshot() -> list[tuple[str, str, str, str]]:
    return list(
        Event.objects.order_by("code").values_list("code", "title", "status", "reporter__username")
    )


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker) -> build.Summary:
    with django_db_blocker.unblock():
        build.remove()
        try:
            yield build.build(SMALL, now=NOW)
        finally:
            build.remove()


def test_events_exist_in_every_status(built, db):
    by_status = dict(
        Event.objects.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    assert set(by_status) == set(Status.values)
    assert built.events == by_status
    assert 300 <= sum(by_status.values()) <= 340  # the count, duplicates and the showcase
    assert by_status[Status.CLOSED] > 0.75 * sum(by_status.values())


def test_the_log_is_the_workflows_and_its_chain_holds(built, db):
    assert list(verify_all()) == []
    assert EventLog.objects.count() > 5 * Event.objects.count()
    for event in Event.objects.filter(status__in=FINAL):
        assert event.due_at is None and event.closed_at is not None


def test_every_step_of_a_person_falls_in_working_hours(built, db):
    calendar = current_calendar()
    moments = EventLog.objects.exclude(action__in=[LogAction.REMIND, LogAction.SUPERVISE])
    outside = [
        (code, action, at)
        for code, action, at in moments.values_list("event__code", "action", "at")
        if not workdays.is_working_time(at, calendar)
    ]
    assert outside == []
    first = EventLog.objects.order_by("at").values_list("at", flat=True)[0]
    assert (NOW - first).days > 330
    assert EventLog.objects.order_by("-at").values_list("at", flat=True)[0] <= NOW


def test_the_outcomes_are_spread_like_a_real_districts(built, db):
    total = Event.objects.count()
    self_handled = Event.objects.filter(closure=Closure.SELF_HANDLED).count()
    assert 0.1 <= self_handled / total <= 0.25
    levels = Counter(Event.objects.values_list("level", flat=True))
    assert levels[Level.ORDINARY] > 0.8 * total and levels[Level.SERIOUS] > 0
    actions = Counter(EventLog.objects.values_list("action", flat=True))
    for action in (
        LogAction.AUTO_DISPATCH,
        LogAction.DISPATCH,
        LogAction.SEND_BACK,
        LogAction.REWORK,
        LogAction.REQUEST_EXTENSION,
        LogAction.APPROVE_EXTENSION,
        LogAction.ESCALATE,
        LogAction.INSTRUCT,
        LogAction.MERGE,
        LogAction.REJECT,
        LogAction.SELF_HANDLE,
        LogAction.REMIND,
        LogAction.SUPERVISE,
    ):
        assert actions[action] > 0, action
    assert Event.objects.filter(coordination="district").exists()
    sources = Counter(Event.objects.values_list("source", flat=True))
    assert sources[Source.GRID_PATROL] > 0.6 * total
    assert sources[Source.HOTLINE] and sources[Source.RESIDENT] and sources[Source.SENSOR]


def test_callers_have_a_name_and_a_masked_number(built, db):
    calls = Event.objects.filter(source__in=[Source.HOTLINE, Source.RESIDENT])
    assert calls.exists()
    for name, phone in calls.values_list("contact_name", "contact_phone"):
        assert 2 <= len(name) <= 4
        assert re.fullmatch(r"1\d\d\*{4}\d{4}", phone), phone
    assert not Event.objects.filter(source=Source.GRID_PATROL).exclude(contact_phone="").exists()


def test_titles_and_descriptions_read_as_chinese_reports(built, db):
    for title, description, address in Event.objects.values_list("title", "description", "address"):
        assert "{" not in title + description + address
        assert re.search(r"[\u4e00-\u9fff]{4}", title) and len(description) > len(title) > 5
        assert re.search(r"(街道|镇|乡)", address)


def test_each_demo_login_finds_work_in_its_queues(built, db):
    def counts(username: str) -> dict[str, int]:
        return selectors.queue_counts(User.objects.get(username=username), now=NOW)

    town, dept, worker = counts("town"), counts("dept"), counts("worker")
    assert town["to_accept"] and town["to_dispatch"] and town["to_verify"], town
    assert town["due_soon"] and town["overdue"], town
    assert dept["to_sign"] and dept["handling"] and dept["overdue"], dept
    assert worker["to_verify"] and worker["mine"], worker
    leader = User.objects.get(username="leader")
    assert permissions.visible_events(leader, Event.objects.all()).count() == Event.objects.count()


def test_overdue_events_have_their_supervision_order_and_yellow_ones_a_reminder(built, db):
    open_events = Event.objects.exclude(status__in=FINAL)
    red = [e for e in open_events if e.light_at(NOW) == "red"]
    yellow = [e for e in open_events if e.light_at(NOW) == "yellow"]
    assert red and yellow
    for event in red:
        assert event.supervised_for == event.due_at
        assert SupervisionOrder.objects.filter(event=event, due_at=event.due_at).exists()
    for event in yellow:
        assert event.reminded_for == event.due_at
    # Closed events that ran late earlier in the year have theirs too.
    assert SupervisionOrder.objects.filter(event__status=Status.CLOSED).exists()
    assert built.orders == SupervisionOrder.objects.count() > 0


def test_photos_are_shared_placeholder_pngs(built, db):
    attachments = list(Attachment.objects.all())
    assert len(attachments) > Event.objects.count()
    contents = set()
    for attachment in attachments[:200]:
        with attachment.file.open("rb") as f:
            contents.add(f.read())
    assert all(c.startswith(b"\x89PNG") for c in contents)
    assert len(contents) <= len(events.PALETTE)
    assert not Event.objects.filter(closure=Closure.SELF_HANDLED, attachments__isnull=True).exists()


def test_the_demo_worker_has_a_place_due_for_its_routine_inspection(built, db):
    due = field_selectors.due_inspections(User.objects.get(username="worker"), now=NOW)
    assert [d.days_overdue for d in due] == [3], due


def test_routing_rules_send_each_class_to_the_most_specific_unit(built, db):
    grid_code = Event.objects.filter(reporter__username="worker").values_list(
        "area_code", flat=True
    )[0]
    unit = Department.objects.get(members__username="dept")

    def lead_for(code: str) -> Department | None:
        rule = workflow.route(Event(category=Category.objects.get(code=code), area_code=grid_code))
        return rule.lead if rule else None

    assert lead_for("0503") == unit
    assert lead_for("0602").kind == DepartmentKind.NATURAL_RESOURCES
    assert lead_for("0602").region == unit.region
    assert lead_for("0303").kind == DepartmentKind.HOUSING and lead_for("0303").level == "district"
    assert lead_for("0401").kind == DepartmentKind.FIRE
    assert lead_for("0102") is None and lead_for("1201") is None
    towns = Department.objects.filter(kind=DepartmentKind.COMMAND_ROOM, level="town").count()
    town_rules = sum(h.level == "town" for h in routing.RULES.values())
    assert RoutingRule.objects.filter(region_prefix=grid_code[:9]).count() == town_rules
    assert RoutingRule.objects.filter(region_prefix__regex=r"^\d{9}$").count() == towns * town_rules
    assert (
        RoutingRule.objects.filter(region_prefix="330502").count()
        == len(routing.RULES) - town_rules
    )


def test_a_second_build_at_the_same_moment_gives_the_same_events(built, db):
    before = snapshot()
    build.remove()
    assert not Event.objects.exists() and not EventSequence.objects.exists()
    build.build(SMALL, now=NOW)
    assert snapshot() == before
    assert before[0][0].endswith("-000001")


def test_the_plan_is_the_same_for_the_same_moment_and_differs_for_another(db):
    drawn = build.plan(DISTRICT)

    def lines(now: datetime) -> list[str]:
        planned = events.plan(drawn.territory, drawn.people, count=60, now=now)
        return [p.digest_line() for p in planned]

    first = lines(NOW)
    assert first == lines(NOW)
    assert first != lines(datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI))


def test_running_the_command_again_changes_nothing(built, db):
    before = snapshot(), EventLog.objects.count(), Attachment.objects.count()
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert "演示数据已存在" in out.getvalue()
    assert (snapshot(), EventLog.objects.count(), Attachment.objects.count()) == before


def test_reset_with_events_present_rebuilds_them_on_a_sunday_night(built, db):
    sunday_night = datetime(2026, 11, 22, 21, 40, tzinfo=SHANGHAI)
    with time_machine.travel(sunday_night, tick=False):
        out = io.StringIO()
        call_command("demo", "--reset", "--events", "120", stdout=out)
    output = out.getvalue()
    assert "正在删除原有演示数据" in output
    summary = re.search(r"事件 ([\d,]+) 件：(.+)；督办单 ([\d,]+) 张", output)
    assert summary, output
    assert int(summary.group(1).replace(",", "")) == Event.objects.count()
    assert "已结案" in summary.group(2) and "处置中" in summary.group(2)
    assert 120 <= Event.objects.count() < 160
    assert list(verify_all()) == []
    latest = EventLog.objects.exclude(action__in=[LogAction.REMIND, LogAction.SUPERVISE])
    assert latest.order_by("-at").values_list("at", flat=True)[0] < sunday_night
    town = selectors.queue_counts(User.objects.get(username="town"), now=sunday_night)
    dept = selectors.queue_counts(User.objects.get(username="dept"), now=sunday_night)
    assert town["to_accept"] and town["to_dispatch"] and dept["to_sign"] and dept["handling"]

"""Bring an event to a given state through the real workflow, one step a few minutes after
the other, starting from gina's street-vending report of Wednesday 4 March 2026, 09:00."""

from datetime import timedelta

from gridgov.conftest import photo, report_in_a1
from gridgov.events import workflow
from gridgov.events.models import Event, Status

ORDER = [Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED, Status.HANDLING, Status.HANDLED, Status.CLOSED]


def fresh(event: Event) -> Event:
    event.refresh_from_db()
    return event


def actions(event: Event) -> list[str]:
    return list(event.log.order_by("seq").values_list("action", flat=True))


def advance(world, event: Event, to: str, *, lead=None, assisting=()) -> Event:
    """Walk `event` forward along the main path until it is in state `to`."""
    at = event.reported_at
    while event.status != to:
        at += timedelta(minutes=7)
        if event.status == Status.REPORTED:
            workflow.accept(event, by=world.otto, at=at)
        elif event.status == Status.ACCEPTED:
            workflow.dispatch(event, lead=lead or world.enforcement_a, assisting=assisting, by=world.otto, at=at)
        elif event.status == Status.DISPATCHED:
            workflow.sign(event, by=_member(event), at=at)
        elif event.status == Status.HANDLING:
            workflow.feed_back(event, by=_member(event), note="已劝离摊贩，恢复通行", photos=[photo()], at=at)
        elif event.status == Status.HANDLED:
            workflow.verify(event, by=world.gina if event.reporter_id == world.gina.pk else world.otto, at=at)
        else:
            raise AssertionError(f"cannot walk from {event.status} to {to}")
    return fresh(event)


def _member(event: Event):
    return event.lead.members.order_by("pk").first()


def event_in(world, category, to: str = Status.REPORTED, *, lead=None, assisting=(), **report) -> Event:
    """A new report in grid A1, walked to state `to`."""
    return advance(world, report_in_a1(world, category, **report), to, lead=lead, assisting=assisting)

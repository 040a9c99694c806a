"""一键呼叫: whom a call from an event reaches — the workers of its grid, and the nearest
workers out on patrol — and the call itself (logged on the event by the workflow)."""

from datetime import datetime

from gridgov.accounts.models import User
from gridgov.events import workflow
from gridgov.events.models import Event, EventLog
from gridgov.field.selectors import positions_on_patrol
from gridgov.lib import geo
from gridgov.regions import selectors as regions

NEAREST_ON_PATROL = 3
# Farther than this, a worker on patrol is not "near" the event.
PATROL_RADIUS_M = 3000


def nearest_on_patrol(event: Event, *, limit: int = NEAREST_ON_PATROL) -> list[User]:
    """The workers on patrol closest to the event, within its town, from the field-work app."""
    found = []
    for position in positions_on_patrol([event.area_code[:9]]):
        distance = geo.distance_m(event.lon, event.lat, position["lon"], position["lat"])
        if distance <= PATROL_RADIUS_M:
            found.append((distance, position["worker_id"]))
    found.sort(key=lambda item: item[0])
    ids = [worker_id for _, worker_id in found[:limit]]
    people = User.objects.in_bulk(ids)
    return [people[i] for i in ids if i in people]


def recipients(event: Event) -> list[User]:
    people = {u.pk: u for u in regions.workers_of(event.grid)}
    for worker in nearest_on_patrol(event):
        people.setdefault(worker.pk, worker)
    return list(people.values())


def call(event: Event, *, by: User, note: str = "", at: datetime | None = None) -> EventLog:
    return workflow.call(event, by=by, recipients=recipients(event), note=note, at=at)

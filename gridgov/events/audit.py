"""Checking the hash chain of event logs (全流程留痕)."""

from collections.abc import Iterator
from dataclasses import dataclass

from gridgov.events.models import Event, EventLog


@dataclass(frozen=True)
class Breach:
    event_code: str
    seq: int
    problem: str


def verify_event(event: Event, rows: list[EventLog]) -> list[Breach]:
    """Every way the stored log of one event can disagree with its chain."""
    breaches = []
    previous = ""
    expected_seq = 1
    for row in rows:
        if row.seq != expected_seq:
            breaches.append(Breach(event.code, expected_seq, f"缺少第 {expected_seq} 条记录（下一条为第 {row.seq} 条）"))
            expected_seq = row.seq
        if row.prev_hash != previous:
            breaches.append(Breach(event.code, row.seq, "前序哈希不符：之前的记录被修改或删除"))
        if row.compute_hash() != row.hash:
            breaches.append(Breach(event.code, row.seq, "内容与哈希不符：该记录被修改"))
        previous = row.hash
        expected_seq += 1
    if len(rows) != event.log_length or previous != event.log_head:
        breaches.append(
            Breach(event.code, event.log_length, f"日志应有 {event.log_length} 条、末条哈希应为 {event.log_head[:12]}…，实际不符：末尾记录被删除或篡改")
        )
    return breaches


def verify_all(*, batch: int = 500) -> Iterator[Breach]:
    """Walk every event's log in primary-key batches, yielding breaches as found."""
    last_pk = 0
    while True:
        events = list(Event.objects.filter(pk__gt=last_pk).order_by("pk")[:batch])
        if not events:
            return
        rows: dict[int, list[EventLog]] = {e.pk: [] for e in events}
        for row in EventLog.objects.filter(event_id__in=rows).order_by("event_id", "seq"):
            rows[row.event_id].append(row)
        for event in events:
            yield from verify_event(event, rows[event.pk])
        last_pk = events[-1].pk

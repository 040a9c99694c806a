"""Checking the hash chain of case logs (`gridgov verify-log` checks events and cases)."""

from collections.abc import Iterator

from gridgov.events.audit import Breach
from gridgov.lib import chain
from gridgov.mediation.models import Case, CaseLog


def verify_all(*, batch: int = 500) -> Iterator[Breach]:
    """Walk every case's log in primary-key batches, yielding breaches as found."""
    last_pk = 0
    while True:
        cases = list(Case.objects.filter(pk__gt=last_pk).order_by("pk")[:batch])
        if not cases:
            return
        rows: dict[int, list[CaseLog]] = {c.pk: [] for c in cases}
        for row in CaseLog.objects.filter(case_id__in=rows).order_by("case_id", "seq"):
            rows[row.case_id].append(row)
        for case in cases:
            for seq, problem in chain.problems(rows[case.pk], length=case.log_length, head=case.log_head):
                yield Breach(case.number, seq, problem)
        last_pk = cases[-1].pk

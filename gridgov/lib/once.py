"""Rows that must exist once: notices, reminders, orders that a unique key guards.

Two sweepers (or a retried request) may try to write the same row at the same moment; the
unique key lets one of them in and the other skips it, without an error.
"""

from collections.abc import Sequence
from typing import TypeVar

from django.db import IntegrityError, models, transaction

M = TypeVar("M", bound=models.Model)


def insert_new(rows: Sequence[M]) -> list[M]:
    """Insert the rows that do not exist yet and return those: usually none does (a new
    event, a new step), so one INSERT for all, and row by row only after a clash."""
    if not rows:
        return []
    model = type(rows[0])
    try:
        with transaction.atomic():
            return model.objects.bulk_create(rows)
    except IntegrityError:
        pass
    created = []
    for row in rows:
        try:
            with transaction.atomic():
                row.save(force_insert=True)
            created.append(row)
        except IntegrityError:
            continue  # already there, written by us earlier or by another sweeper just now
    return created

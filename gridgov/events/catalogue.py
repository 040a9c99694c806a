"""The event classes and their deadline rules as every report reads them.

Each process holds a snapshot of both tables, built on first use and rebuilt when the
taxonomy's version stamp in the database changes; the stamp is re-read at most every
TAXONOMY_CHECK_SECONDS, so a report costs no query for its class or its deadline. Every
change in events/taxonomy.py replaces the stamp (`changed`): this process sees it at once,
the others within those seconds, as with the holiday calendar.
"""

import threading
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from gridgov.events.models import Category, DeadlineRule, TaxonomyVersion


@dataclass(frozen=True)
class Catalogue:
    stamp: str
    # Active classes by code (read only: the same objects serve every request).
    active: dict[str, Category]
    # (category id, level, step) -> the rule.
    rules: dict[tuple[int, int, str], DeadlineRule]


def current_stamp() -> str:
    return TaxonomyVersion.objects.filter(pk=1).values_list("stamp", flat=True).first() or ""


def build(stamp: str) -> Catalogue:
    classes = Category.objects.select_related("parent")
    return Catalogue(
        stamp=stamp,
        active={c.code: c for c in classes if c.is_active},
        rules={(r.category_id, r.level, r.step): r for r in DeadlineRule.objects.all()},
    )


_lock = threading.Lock()
_catalogue: Catalogue | None = None
_checked_at = 0.0


def current() -> Catalogue:
    global _catalogue, _checked_at
    cached = _catalogue
    if cached is not None and time.monotonic() - _checked_at < settings.TAXONOMY_CHECK_SECONDS:
        return cached
    with _lock:
        stamp = current_stamp()
        if _catalogue is None or _catalogue.stamp != stamp:
            _catalogue = build(stamp)
        _checked_at = time.monotonic()
        return _catalogue


def active_category(code: str) -> Category | None:
    return current().active.get(code)


def forget() -> None:
    """Drop this process's snapshot, so the next use rebuilds it (after a change, in tests)."""
    global _catalogue, _checked_at
    with _lock:
        _catalogue, _checked_at = None, 0.0


def changed() -> None:
    """Call in the transaction that changes a class or a deadline rule."""
    stamp = uuid.uuid4().hex
    if not TaxonomyVersion.objects.filter(pk=1).update(stamp=stamp):
        TaxonomyVersion.objects.create(pk=1, stamp=stamp)
    # At once, for the rest of this transaction; and after the commit, in case another
    # thread of this process read the tables in between.
    forget()
    transaction.on_commit(forget)

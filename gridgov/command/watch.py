"""The command centre's share of the worker: detect early warnings and write the morning
bulletins every `interval` seconds. Both are idempotent (unique keys), so every worker may
run this loop."""

import logging
import threading

from django.db import DatabaseError, close_old_connections, connection

from gridgov.command import bulletins, warnings

log = logging.getLogger("gridgov.watch")


def watch_once() -> None:
    warnings.detect()
    bulletins.morning()


def run_forever(stopping: threading.Event, *, interval: float) -> None:
    while not stopping.is_set():
        if not connection.in_atomic_block:
            close_old_connections()
        try:
            watch_once()
        except DatabaseError:
            log.exception("command-centre pass failed; retrying after the interval")
        stopping.wait(interval)
    if not connection.in_atomic_block:
        close_old_connections()

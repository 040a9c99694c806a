"""The demo territory: a deterministic district (or prefecture city) with its people, the
routing rules of its departments and, for the district, a year of events up to today.

`gridgov demo` builds it; `build.plan(scale)` draws the territory and people without
touching the database; `events.plan` draws the events against the calendar in it.
"""

import pytest

from gridgov.worktime import calendar


@pytest.fixture(autouse=True)
def _fresh_calendar(settings):
    """Each test reads the calendar its own database holds."""
    settings.CALENDAR_CHECK_SECONDS = 0
    calendar.forget()
    yield
    calendar.forget()

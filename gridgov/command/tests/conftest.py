"""Events on both sides of the town border for the command centre's tests."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from gridgov.conftest import report_in_a1

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A working-day morning, the moment the shared fixture reports at.
MORNING = datetime(2026, 3, 4, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def event_a(world, street_vending):
    return report_in_a1(world, street_vending)


@pytest.fixture
def event_b(world, street_vending):
    """An event in grid B1 (town B), reported by town B's operator."""
    return report_in_a1(world, street_vending, by=world.xena, lon=120.03, lat=30.01, title="南街占道经营",
                        address="南街 3 号")

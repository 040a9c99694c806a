"""Field-work fixtures: the API client of the events tests, and a patrol of gina's."""

import time

import pytest

from gridgov.api.tests.conftest import Api


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def api():
    return Api


@pytest.fixture
def gina_api(world):
    return Api(world.gina)


@pytest.fixture
def patrol(gina_api):
    """gina's patrol, started a minute ago."""
    started = time.time() - 60
    response = gina_api.post("/api/patrols", {"key": "patrol-1", "started_at": iso(started)})
    assert response.status_code == 201, response.content
    return response.json()


def iso(seconds: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(seconds, tz=UTC).isoformat()


def walk(start: float, n: int, *, lon: float = 120.005, lat: float = 30.005, every: int = 5) -> list[list]:
    """n fixes `every` seconds apart from `start` (Unix seconds), walking north at ~1.1 m/s."""
    return [[int((start + i * every) * 1000), lon, lat + i * every * 0.00001, 8] for i in range(n)]

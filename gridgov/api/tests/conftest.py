"""Calling the API as the personas of gridgov/conftest.py do from the phone app: with a
bearer token, JSON bodies, and multipart uploads for photos."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from gridgov.accounts import signin
from gridgov.accounts.models import User


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


class Api:
    """A client holding one person's token."""

    def __init__(self, user: User | None):
        self.client = Client()
        self.headers: dict[str, str] = {}
        if user is not None:
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {signin.issue_token(user, name='test')}"

    def get(self, path: str, params: dict | None = None, **headers: str):
        return self.client.get(path, params or {}, **self.headers, **headers)

    def post(self, path: str, body: Any = None, **headers: str):
        """JSON, unless `body` holds files, then multipart/form-data like the phone's upload."""
        if isinstance(body, dict) and any(_is_file(v) for v in body.values()):
            return self.client.post(path, body, **self.headers, **headers)
        data = "" if body is None else json.dumps(body, ensure_ascii=False)
        return self.client.post(path, data, content_type="application/json", **self.headers, **headers)


def _is_file(value: Any) -> bool:
    return hasattr(value, "read") or (isinstance(value, list) and any(hasattr(v, "read") for v in value))


@pytest.fixture
def api() -> Callable[[User | None], Api]:
    """api(world.gina).post(...): requests with gina's token (None: no token at all)."""
    return Api

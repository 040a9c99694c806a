import pytest
from django.test.utils import override_settings


@pytest.fixture(scope="session", autouse=True)
def _media_in_tmp(tmp_path_factory):
    """The demo's photos go to a throw-away folder, not the install's media."""
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        yield

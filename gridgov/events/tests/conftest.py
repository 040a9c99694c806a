import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Photos the workflow stores go to a throw-away folder, not the install's media."""
    settings.MEDIA_ROOT = tmp_path / "media"

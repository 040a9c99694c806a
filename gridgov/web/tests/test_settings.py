import subprocess
import sys

import pytest

from gridgov.settings import database_from_url


def test_a_database_url_becomes_a_postgresql_entry():
    entry = database_from_url("postgres://gg:s%40cret@db.internal:5433/gridgov")
    assert entry["ENGINE"] == "django.db.backends.postgresql"
    assert (entry["USER"], entry["PASSWORD"], entry["HOST"], entry["PORT"], entry["NAME"]) == (
        "gg", "s@cret", "db.internal", "5433", "gridgov",
    )


def test_an_unknown_database_scheme_is_refused_clearly():
    with pytest.raises(RuntimeError, match="unsupported scheme"):
        database_from_url("mysql://root@localhost/gridgov")


def run_settings(env: dict, code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings as s; " + code],
        env={"DJANGO_SETTINGS_MODULE": "gridgov.settings", "PATH": "/usr/bin:/bin", **env},
        capture_output=True, text=True, timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_settings({"GRIDGOV_DEBUG": "0", "GRIDGOV_DATA_DIR": str(tmp_path)}, "print(s.DEBUG)")
    assert result.returncode != 0
    assert "GRIDGOV_SECRET_KEY" in result.stderr


def test_production_switches_turn_on_secure_cookies(tmp_path):
    result = run_settings(
        {"GRIDGOV_DEBUG": "0", "GRIDGOV_SECRET_KEY": "x" * 50, "GRIDGOV_ALLOWED_HOSTS": "gov.example",
         "GRIDGOV_DATA_DIR": str(tmp_path)},
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.ALLOWED_HOSTS)",
    )
    assert result.stdout.strip() == "False True True ['gov.example']"


def test_the_default_database_is_sqlite_in_wal_mode(tmp_path):
    result = run_settings(
        {"GRIDGOV_DATA_DIR": str(tmp_path)},
        "from django.db import connection; c = connection.cursor(); c.execute('PRAGMA journal_mode'); "
        "print(s.DATABASES['default']['ENGINE'], c.fetchone()[0], s.TIME_ZONE, s.USE_TZ, s.LANGUAGE_CODE)",
    )
    assert result.stdout.strip() == "django.db.backends.sqlite3 wal Asia/Shanghai True zh-hans"
    assert (tmp_path / "gridgov.sqlite3").exists()


def test_the_gridgov_command_maps_dashed_names_to_commands():
    gridgov = [sys.executable, "-m", "gridgov"]
    result = subprocess.run([*gridgov, "help", "db-worker"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "usage: gridgov db_worker" in result.stdout

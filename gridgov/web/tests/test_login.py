from datetime import timedelta

import time_machine
from django.contrib.auth.hashers import identify_hasher
from django.test import Client

from gridgov.accounts.models import LoginFailure


def test_it_signs_a_worker_in_with_the_right_password(client, world):
    response = client.post("/login/", {"username": "gina", "password": "pw-gina"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_it_refuses_a_wrong_password_in_chinese(client, world):
    response = client.post("/login/", {"username": "gina", "password": "nope"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert LoginFailure.objects.filter(username="gina").count() == 1


def test_it_locks_an_account_after_repeated_failures_even_with_the_right_password(client, world, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post("/login/", {"username": "gina", "password": "nope"})
    response = client.post("/login/", {"username": "gina", "password": "pw-gina"})
    assert response.status_code == 200
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_successful_sign_in_clears_earlier_failures(client, world):
    client.post("/login/", {"username": "gina", "password": "nope"})
    client.post("/login/", {"username": "gina", "password": "pw-gina"})
    assert not LoginFailure.objects.filter(username="gina").exists()


def test_passwords_are_hashed_with_argon2_in_production_settings():
    from gridgov import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_a_password_set_with_the_production_hasher_is_argon2(db, settings):
    from django.contrib.auth.hashers import make_password

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    assert identify_hasher(make_password("a long passphrase")).algorithm == "argon2"


def test_the_session_ends_after_the_idle_timeout_and_is_renewed_by_use(client, world, settings):
    settings.SESSION_COOKIE_AGE = 30 * 60
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as traveller:
        client.post("/login/", {"username": "gina", "password": "pw-gina"})
        traveller.shift(timedelta(minutes=25))
        assert client.get("/").status_code == 200  # in use: renewed for another 30 minutes
        traveller.shift(timedelta(minutes=25))
        assert client.get("/").status_code == 200
        traveller.shift(timedelta(minutes=31))
        response = client.get("/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_logout_needs_a_post_and_ends_the_session(client, world):
    client.force_login(world.gina)
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_a_user_changes_the_password_with_the_old_one(client, world):
    client.force_login(world.gina)
    response = client.post(
        "/password/",
        {"old_password": "pw-gina", "new_password1": "桥头巡查2026!", "new_password2": "桥头巡查2026!"},
    )
    assert response.status_code == 302
    world.gina.refresh_from_db()
    assert world.gina.check_password("桥头巡查2026!")


def test_a_weak_new_password_is_refused_with_a_reason(client, world):
    client.force_login(world.gina)
    response = client.post(
        "/password/", {"old_password": "pw-gina", "new_password1": "12345678", "new_password2": "12345678"}
    )
    assert response.status_code == 200
    world.gina.refresh_from_db()
    assert world.gina.check_password("pw-gina")


def test_an_address_is_locked_after_four_times_the_limit_across_accounts(world, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    office = Client(REMOTE_ADDR="10.3.0.7")
    # Eight names, one failure each: no account reaches its own limit of 2.
    for n in range(7):
        office.post("/login/", {"username": f"guess{n}", "password": "nope"})
    assert LoginFailure.objects.filter(address="10.3.0.7").count() == 7
    # Seven failures from the address: one short, so a right password still signs in.
    colleague = Client(REMOTE_ADDR="10.3.0.7")
    response = colleague.post("/login/", {"username": "otto", "password": "pw-otto"})
    assert response.status_code == 302

    office.post("/login/", {"username": "guess7", "password": "nope"})
    response = office.post("/login/", {"username": "gina", "password": "pw-gina"})
    assert response.status_code == 200
    assert "登录失败次数过多，请 15 分钟后再试" in response.content.decode()
    assert "_auth_user_id" not in office.session

    elsewhere = Client(REMOTE_ADDR="10.3.0.8")
    response = elsewhere.post("/login/", {"username": "gina", "password": "pw-gina"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_an_address_lock_ends_with_the_window(world, settings):
    settings.LOGIN_FAILURE_LIMIT = 1
    office = Client(REMOTE_ADDR="10.3.0.7")
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as traveller:
        for n in range(4):
            office.post("/login/", {"username": f"guess{n}", "password": "nope"})
        response = office.post("/login/", {"username": "gina", "password": "pw-gina"})
        assert "登录失败次数过多" in response.content.decode()
        traveller.shift(timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS + 1))
        response = office.post("/login/", {"username": "gina", "password": "pw-gina"})
        assert response.status_code == 302

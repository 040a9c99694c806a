"""The notifiers, against a real HTTP server on 127.0.0.1 and Django's locmem mailbox."""

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail

from gridgov.conftest import report_in_a1
from gridgov.events.models import Notice, NoticeKind

SMS = "gridgov.events.notifiers.SmsNotifier"
WEBHOOK = "gridgov.events.notifiers.WebhookNotifier"
EMAIL = "gridgov.events.notifiers.EmailNotifier"
LOG = "gridgov.events.notifiers.LogNotifier"


class Receiver(ThreadingHTTPServer):
    """Records every POST and answers with `status` after `delay` seconds."""

    status = 200
    delay = 0.0
    location = ""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[tuple[str, dict[str, str], bytes]] = []

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.received.append((self.path, dict(self.headers), body))
        time.sleep(self.server.delay)
        self.send_response(self.server.status)
        if self.server.location:
            self.send_header("Location", self.server.location)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def otto_reachable(world):
    world.otto.phone = "13800000001"
    world.otto.email = "otto@yuehe.example.cn"
    world.otto.save(update_fields=["phone", "email"])
    return world.otto


def sent_notice(world, category, django_capture_on_commit_callbacks) -> Notice:
    """gina reports; the notice to otto's command room is sent by the (immediate) task."""
    with django_capture_on_commit_callbacks(execute=True):
        event = report_in_a1(world, category)
    notice = Notice.objects.select_related("event").get(event=event, recipient=world.otto)
    assert notice.sent_at is not None, "the task did not run"
    return notice


@pytest.fixture
def sending(immediate_tasks, street_vending, django_capture_on_commit_callbacks):
    return lambda world: sent_notice(world, street_vending, django_capture_on_commit_callbacks)


# --- SMS gateway -----------------------------------------------------------------------------


def test_the_sms_notifier_posts_phone_and_text_with_the_token(
    world, otto_reachable, receiver, settings, sending
):
    settings.NOTIFIERS = [SMS]
    settings.SMS_URL = receiver.url("/sms/send")
    settings.SMS_TOKEN = "gateway-token"

    notice = sending(world)

    assert len(receiver.received) == 1
    path, headers, body = receiver.received[0]
    assert path == "/sms/send"
    assert headers["Authorization"] == "Bearer gateway-token"
    assert headers["Content-Type"].startswith("application/json")
    assert json.loads(body) == {"phone": "13800000001", "text": notice.text}
    assert "新事件待受理" in notice.text
    assert (notice.channels, notice.error) == (["sms"], "")


def test_the_sms_notifier_records_an_error_when_the_gateway_answers_500(
    world, otto_reachable, receiver, settings, sending
):
    settings.NOTIFIERS = [LOG, SMS]
    settings.SMS_URL = receiver.url("/sms")
    receiver.status = 500

    notice = sending(world)

    assert len(receiver.received) == 1
    assert notice.channels == ["log"]  # the log notifier still delivered
    assert "sms: HTTP 500" in notice.error


def test_the_sms_notifier_treats_a_redirect_as_a_failure(
    world, otto_reachable, receiver, settings, sending
):
    settings.NOTIFIERS = [SMS]
    settings.SMS_URL = receiver.url("/sms")
    receiver.status, receiver.location = 302, receiver.url("/elsewhere")

    notice = sending(world)

    assert [path for path, _, _ in receiver.received] == ["/sms"]
    assert notice.channels == [] and "HTTP 302" in notice.error


def test_the_sms_notifier_gives_up_after_the_timeout(
    world, otto_reachable, receiver, settings, sending
):
    settings.NOTIFIERS = [SMS]
    settings.SMS_URL = receiver.url("/sms")
    settings.NOTIFY_TIMEOUT_SECONDS = 0.2
    receiver.delay = 1.0

    started = time.monotonic()
    notice = sending(world)

    assert time.monotonic() - started < 1.0
    assert notice.channels == [] and notice.error.startswith("sms: ")


def test_the_sms_notifier_skips_a_recipient_without_a_phone(world, receiver, settings, sending):
    settings.NOTIFIERS = [SMS]
    settings.SMS_URL = receiver.url("/sms")

    notice = sending(world)

    assert receiver.received == []
    assert (notice.channels, notice.error) == ([], "")


def test_the_sms_notifier_without_a_url_says_which_setting_is_missing(
    world, otto_reachable, settings, sending
):
    settings.NOTIFIERS = [SMS]
    settings.SMS_URL = ""
    notice = sending(world)
    assert notice.error == "sms: GRIDGOV_SMS_URL is not set"


# --- webhook ---------------------------------------------------------------------------------


def test_the_webhook_posts_the_notice_and_event_signed_with_the_shared_secret(
    world, receiver, settings, sending
):
    settings.NOTIFIERS = [WEBHOOK]
    settings.WEBHOOK_URL = receiver.url("/hooks/gridgov")
    settings.WEBHOOK_SECRET = "s3cret"

    notice = sending(world)

    assert len(receiver.received) == 1
    _, headers, body = receiver.received[0]
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Gridgov-Signature"], expected)
    payload = json.loads(body)
    assert payload["notice"]["id"] == notice.pk
    assert payload["notice"]["kind"] == NoticeKind.ASSIGNED
    assert payload["notice"]["text"] == notice.text
    assert payload["notice"]["recipient"] == {"username": "otto", "name": "欧涛"}
    event = notice.event
    assert payload["event"]["code"] == event.code
    assert payload["event"]["status"] == "reported" and payload["event"]["step"] == "accept"
    assert (
        payload["event"]["category"] == "0503" and payload["event"]["area_code"] == event.area_code
    )
    assert payload["event"]["url"] == f"/events/{event.code}/"
    assert (notice.channels, notice.error) == (["webhook"], "")


def test_a_webhook_signature_made_with_another_secret_does_not_match(
    world, receiver, settings, sending
):
    settings.NOTIFIERS = [WEBHOOK]
    settings.WEBHOOK_URL = receiver.url("/hook")
    settings.WEBHOOK_SECRET = "s3cret"
    sending(world)
    _, headers, body = receiver.received[0]
    forged = "sha256=" + hmac.new(b"guess", body, hashlib.sha256).hexdigest()
    assert not hmac.compare_digest(headers["X-Gridgov-Signature"], forged)


def test_the_webhook_records_an_error_on_500(world, receiver, settings, sending):
    settings.NOTIFIERS = [WEBHOOK]
    settings.WEBHOOK_URL = receiver.url("/hook")
    settings.WEBHOOK_SECRET = "s3cret"
    receiver.status = 500

    notice = sending(world)

    assert len(receiver.received) == 1
    assert notice.channels == [] and "webhook: HTTP 500" in notice.error


def test_the_webhook_refuses_to_send_unsigned(world, receiver, settings, sending):
    settings.NOTIFIERS = [WEBHOOK]
    settings.WEBHOOK_URL = receiver.url("/hook")
    settings.WEBHOOK_SECRET = ""

    notice = sending(world)

    assert receiver.received == []
    assert notice.error == "webhook: GRIDGOV_WEBHOOK_SECRET is not set"


# --- email -----------------------------------------------------------------------------------


def test_the_email_notifier_mails_the_recipient(world, otto_reachable, settings, sending):
    settings.NOTIFIERS = [EMAIL]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "noreply@wuxing.example.cn"

    notice = sending(world)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["otto@yuehe.example.cn"]
    assert message.from_email == "noreply@wuxing.example.cn"
    assert message.subject == f"【待办通知】{notice.event.code} {notice.event.title}"
    assert message.body == notice.text
    assert (notice.channels, notice.error) == (["email"], "")


def test_the_email_notifier_skips_a_recipient_without_an_address(world, settings, sending):
    settings.NOTIFIERS = [EMAIL]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    notice = sending(world)
    assert mail.outbox == []
    assert (notice.channels, notice.error) == ([], "")

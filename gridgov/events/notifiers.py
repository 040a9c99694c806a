"""Where notices go. Each notifier is a small class; settings.NOTIFIERS lists the active ones.

The log notifier is the default; email, an SMS gateway over HTTP and a webhook are there
for districts that have them. A notifier raises on failure (the task records the message
on the notice) and raises NotApplicable when the notice is not for it, e.g. a recipient
without a phone number for the SMS gateway: that is neither a delivery nor an error.
"""

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from gridgov.events.models import Notice, NoticeKind

log = logging.getLogger("gridgov.notices")

SIGNATURE_HEADER = "X-Gridgov-Signature"


class NotApplicable(Exception):
    """This notifier has nothing to send for this notice."""


class LogNotifier:
    name = "log"

    def send(self, notice: Notice) -> None:
        log.info(
            "notice to %s about %s: %s", notice.recipient.username, notice.event.code, notice.text
        )


class EmailNotifier:
    """Django's email API, to the recipient's address (EMAIL_* settings)."""

    name = "email"

    def send(self, notice: Notice) -> None:
        address = notice.recipient.email.strip()
        if not address:
            raise NotApplicable("收件人未登记邮箱")
        subject = f"【{NoticeKind(notice.kind).label}】{notice.event.code} {notice.event.title}"
        send_mail(subject, notice.text, settings.DEFAULT_FROM_EMAIL, [address])


class SmsNotifier:
    """An SMS gateway that takes POST {"phone", "text"} as JSON, with an optional bearer token."""

    name = "sms"

    def send(self, notice: Notice) -> None:
        phone = notice.recipient.phone.strip()
        if not phone:
            raise NotApplicable("收件人未登记手机号")
        url = _required("SMS_URL", "GRIDGOV_SMS_URL")
        headers = {"Authorization": f"Bearer {settings.SMS_TOKEN}"} if settings.SMS_TOKEN else {}
        post_json(url, {"phone": phone, "text": notice.text}, headers=headers)


class WebhookNotifier:
    """POST the notice and its event as JSON, signed with HMAC-SHA256 over the body.

    The receiver recomputes `sha256=<hex>` with the shared secret and compares in constant
    time; an unsigned request could be sent by anyone who can reach it.
    """

    name = "webhook"

    def send(self, notice: Notice) -> None:
        url = _required("WEBHOOK_URL", "GRIDGOV_WEBHOOK_URL")
        secret = _required("WEBHOOK_SECRET", "GRIDGOV_WEBHOOK_SECRET")
        body = json.dumps(
            webhook_payload(notice), ensure_ascii=False, separators=(",", ":")
        ).encode()
        post_json(url, body, headers={SIGNATURE_HEADER: sign(body, secret)})


def webhook_payload(notice: Notice) -> dict:
    event = notice.event
    return {
        "notice": {
            "id": notice.pk,
            "kind": notice.kind,
            "kind_label": NoticeKind(notice.kind).label,
            "text": notice.text,
            "due_at": notice.due_at.isoformat() if notice.due_at else None,
            "created_at": notice.created_at.isoformat(),
            "recipient": {
                "username": notice.recipient.username,
                "name": notice.recipient.display_name,
            },
        },
        "event": {
            "code": event.code,
            "title": event.title,
            "status": event.status,
            "status_label": event.get_status_display(),
            "step": event.step,
            "level": event.level,
            "category": event.category.code,
            "area_code": event.area_code,
            "address": event.address,
            "due_at": event.due_at.isoformat() if event.due_at else None,
            "url": event.get_absolute_url(),
        },
    }


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A gateway that answers with a redirect has not taken the message; following it would
    # turn the POST into a GET somewhere else.
    def redirect_request(self, *args, **kwargs) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def post_json(url: str, payload: dict | bytes, *, headers: dict[str, str] | None = None) -> int:
    """POST JSON; return the status, or raise unless it is 2xx."""
    body = (
        payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    )
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )
    try:
        with _opener.open(request, timeout=settings.NOTIFY_TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"HTTP {exc.code} from {url}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise RuntimeError(f"{url} unreachable: {getattr(exc, 'reason', exc)}") from exc
    if not 200 <= status < 300:
        raise RuntimeError(f"HTTP {status} from {url}")
    return status


def _required(setting: str, variable: str) -> str:
    value = getattr(settings, setting, "")
    if not value:
        raise ImproperlyConfigured(f"{variable} is not set")
    return value


def active() -> list:
    return [import_string(path)() for path in settings.NOTIFIERS]


def deliver(notice: Notice) -> tuple[list[str], list[str]]:
    """Send through every notifier; one failing does not stop the others."""
    delivered, errors = [], []
    for notifier in active():
        try:
            notifier.send(notice)
            delivered.append(notifier.name)
        except NotApplicable as reason:
            log.debug("notifier %s skipped notice %s: %s", notifier.name, notice.pk, reason)
        except Exception as exc:  # a notifier's failure is recorded, never raised into the task
            log.warning("notifier %s failed for notice %s: %s", notifier.name, notice.pk, exc)
            errors.append(f"{notifier.name}: {exc}")
    return delivered, errors

"""One event's page: what it is, where, its deadlines, its timeline, and the buttons of the
actions the current user may take in its current state. Each button posts one small form to
one view that calls one workflow function."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import re_path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from gridgov.accounts import permissions
from gridgov.accounts.models import User
from gridgov.events import forms as event_forms
from gridgov.events import attachments, selectors, workflow
from gridgov.events.models import EVENT_CODE, Event, ExtensionStatus, LogAction, Status, Step
from gridgov.events.workflow import SATISFACTION, TransitionError
from gridgov.lib.forms import add_service_errors
from gridgov.regions.views.browse import map_settings

CONFLICT = "事件刚被他人处理，请刷新后查看最新状态"

def get_event_for(user: User, code: str) -> Event:
    """The event with this code, or 404 when the user may not see it (whether it exists or
    not is not revealed)."""
    if not EVENT_CODE.fullmatch(code):
        raise Http404("事件不存在")
    event = get_object_or_404(
        Event.objects.select_related(
            "category__parent", "grid__village__parent", "reporter", "lead", "merged_into"
        ),
        code=code,
    )
    permissions.require(user, permissions.VIEW, event)
    return event


# --- The actions ---------------------------------------------------------------------------


def _pending_extension(event: Event):
    return (
        event.extensions.filter(status=ExtensionStatus.PENDING)
        .select_related("requested_by")
        .first()
    )


def _decide_extension(event: Event, data: dict, by: User, *, approve: bool) -> None:
    extension = _pending_extension(event)
    if extension is None or extension.pk != data["extension"]:
        raise TransitionError("该延期申请已被处理，请刷新后查看")
    if approve:
        workflow.approve_extension(extension, by=by, note=data["note"])
    else:
        workflow.deny_extension(extension, by=by, note=data["note"])


@dataclass(frozen=True)
class Action:
    """A button on the event page: its form and the workflow call behind it. Which states
    admit it and which permission it needs are in selectors.ACTION_RULES, shared with the API."""

    key: str
    label: str
    form: type[event_forms.ActionForm]
    run: Callable[[Event, dict, User], object]
    done: str
    secondary: bool = False

    @property
    def permission(self) -> str:
        return selectors.ACTION_RULES[self.key].permission


F = event_forms
ACTIONS = [
    Action(
        "accept",
        "受理",
        F.NoteForm,
        lambda e, d, u: workflow.accept(e, by=u, note=d["note"]),
        "已受理",
    ),
    Action(
        "reject",
        "不予受理",
        F.ReasonForm,
        lambda e, d, u: workflow.reject(e, by=u, reason=d["reason"]),
        "已不予受理",
        secondary=True,
    ),
    Action(
        "dispatch",
        "交办",
        F.DispatchForm,
        lambda e, d, u: workflow.dispatch(
            e, lead=d["lead"], assisting=list(d["assisting"]), by=u, note=d["note"]
        ),
        "已交办",
    ),
    Action(
        "merge",
        "合并",
        F.MergeForm,
        lambda e, d, u: workflow.merge(e, into=d["into"], by=u, note=d["note"]),
        "已合并",
        secondary=True,
    ),
    Action(
        "sign",
        "签收",
        F.ConfirmForm,
        lambda e, d, u: workflow.sign(e, by=u),
        "已签收，开始处置",
    ),
    Action(
        "send_back",
        "退回",
        F.ReasonForm,
        lambda e, d, u: workflow.send_back(e, by=u, reason=d["reason"]),
        "已退回指挥室",
        secondary=True,
    ),
    Action(
        "feed_back",
        "处置反馈",
        F.FeedBackForm,
        lambda e, d, u: workflow.feed_back(e, by=u, note=d["note"], photos=d["photos"]),
        "已反馈，待核查",
    ),
    Action(
        "request_extension",
        "申请延期",
        F.ExtensionRequestForm,
        lambda e, d, u: workflow.request_extension(e, by=u, days=d["days"], reason=d["reason"]),
        "延期申请已提交",
        secondary=True,
    ),
    Action(
        "assist",
        "协办反馈",
        F.AssistForm,
        lambda e, d, u: workflow.assist(e, by=u, note=d["note"], photos=d["photos"]),
        "协办情况已记录",
        secondary=True,
    ),
    Action(
        "approve_extension",
        "批准延期",
        F.ExtensionDecisionForm,
        lambda e, d, u: _decide_extension(e, d, u, approve=True),
        "已批准延期",
    ),
    # A request left waiting when the event moved on can still be turned down.
    Action(
        "deny_extension",
        "驳回延期",
        F.ExtensionDecisionForm,
        lambda e, d, u: _decide_extension(e, d, u, approve=False),
        "已驳回延期",
        secondary=True,
    ),
    Action(
        "verify",
        "核查结案",
        F.VerifyForm,
        lambda e, d, u: workflow.verify(e, by=u, note=d["note"], satisfaction=d["satisfaction"]),
        "已核查结案",
    ),
    Action(
        "rework",
        "返工",
        F.ReasonForm,
        lambda e, d, u: workflow.rework(e, by=u, reason=d["reason"]),
        "已退回返工",
        secondary=True,
    ),
    Action(
        "escalate",
        "提级",
        F.ReasonForm,
        lambda e, d, u: workflow.escalate(e, by=u, reason=d["reason"]),
        "已提级至区指挥中心",
        secondary=True,
    ),
    Action(
        "instruct",
        "批示",
        F.InstructForm,
        lambda e, d, u: workflow.instruct(e, by=u, note=d["note"]),
        "批示已送达",
    ),
]
ACTIONS_BY_KEY = {a.key: a for a in ACTIONS}


def available_actions(user: User, event: Event) -> list[Action]:
    """The actions this user may take on the event as it stands now."""
    allowed = set(selectors.allowed_actions(user, event))
    return [a for a in ACTIONS if a.key in allowed]


# --- The page ------------------------------------------------------------------------------


def _timeline(event: Event) -> list:
    """The log rows with what a reader needs beside each (status change, details)."""
    rows = selectors.timeline(event)
    for row in rows:
        row.action_label = (
            LogAction(row.action).label if row.action in LogAction.values else row.action
        )
        row.new_label = Status(row.new_status).label if row.new_status in Status.values else ""
        row.changed = bool(row.old_status) and row.old_status != row.new_status
        row.details = _details(row)
    return rows


def _details(row) -> list[str]:
    data, found = row.data or {}, []
    if data.get("into"):
        found.append(f"合并至 {data['into']}")
    if data.get("days"):
        found.append(f"延长 {data['days']} 个工作日")
    if data.get("satisfaction"):
        found.append(f"满意度：{SATISFACTION.get(data['satisfaction'], data['satisfaction'])}")
    if data.get("to") == "district":
        found.append("协调层级：区级协调")
    return found


def _merge_suggestions(user: User, event: Event) -> list[dict]:
    found = selectors.possible_duplicates(
        user=user,
        category_id=event.category_id,
        lon=event.lon,
        lat=event.lat,
        text=f"{event.title} {event.description}",
        now=event.reported_at,
        exclude=event.pk,
    )
    return [{"event": e, "distance": d, "similarity": round(s * 100)} for e, d, s in found]


def render_event(
    request: HttpRequest,
    event: Event,
    *,
    bound: event_forms.ActionForm | None = None,
    bound_key: str = "",
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    user = request.user
    actions = available_actions(user, event)
    pending = _pending_extension(event)
    panels = []
    for action in actions:
        if bound is not None and action.key == bound_key:
            form = bound
        else:
            initial = {"extension": pending.pk} if pending is not None else {}
            form = action.form(event=event, user=user, action=action.key, initial=initial)
        panels.append({"action": action, "form": form, "open": action.key == bound_key})
    step = event.step
    return render(
        request,
        "events/detail.html",
        {
            "event": event,
            "light": event.light_at(now),
            "step_label": Step(step).label if step else "",
            "assisting": list(event.assisting.select_related("region")),
            "extensions": list(
                event.extensions.select_related("requested_by", "decided_by").order_by(
                    "requested_at"
                )
            ),
            "pending_extension": pending,
            "timeline": _timeline(event),
            "panels": panels,
            "merge_suggestions": (
                _merge_suggestions(user, event) if any(a.key == "merge" for a in actions) else []
            ),
            "map_data": {
                "point": [event.lon, event.lat],
                "grid": event.grid.geometry,
                "grid_name": event.grid.name,
                "title": event.title,
            },
            "map": map_settings(),
            "can_view_grid": permissions.can(user, permissions.VIEW, event.grid),
            "contact_phone": selectors.contact_phone_for(user, event),
        },
        status=status,
    )


@login_required
@require_GET
def detail(request: HttpRequest, code: str) -> HttpResponse:
    return render_event(request, get_event_for(request.user, code))


@login_required
@require_POST
def act(request: HttpRequest, code: str, action: str) -> HttpResponse:
    event = get_event_for(request.user, code)
    chosen = ACTIONS_BY_KEY.get(action)
    if chosen is None:
        raise Http404("没有这个操作")
    pending = selectors.has_pending_extension(event)
    if not selectors.admits(chosen.key, event, pending_extension=pending):
        # The page the user clicked on is out of date: someone moved the event on.
        messages.error(request, f"{CONFLICT}（当前状态：{event.get_status_display()}）")
        return render_event(request, event, status=409)
    form = chosen.form(
        request.POST, request.FILES, event=event, user=request.user, action=chosen.key
    )
    if form.is_valid():
        try:
            chosen.run(event, form.cleaned_data, request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except TransitionError as exc:
            messages.error(request, str(exc) if "刷新" in str(exc) else f"{exc}。{CONFLICT}")
            return render_event(request, get_event_for(request.user, code), status=409)
        else:
            messages.success(request, f"{event.code}：{chosen.done}")
            if permissions.can_on_event(request.user, permissions.VIEW, event):
                return redirect("event", code=event.code)
            return redirect("event_queues")
    # Nothing was saved; the form comes back open with its errors beside the fields.
    return render_event(
        request, get_event_for(request.user, code), bound=form, bound_key=chosen.key
    )


@login_required
@require_GET
def attachment_file(request: HttpRequest, code: str, pk: str) -> FileResponse:
    """A photo or file of an event, to those who may see the event."""
    return attachments.file_response(attachments.attachment_for(request.user, code=code, pk=pk))


# Event codes look like SJ-330502-2026-000001; matching only those leaves every other
# events/<word>/ free for other pages.
CODE = r"(?P<code>SJ-[0-9A-Za-z-]+)"
urlpatterns = [
    re_path(rf"^events/{CODE}/$", detail, name="event"),
    re_path(rf"^events/{CODE}/act/(?P<action>[a-z_]+)/$", act, name="event_act"),
    re_path(rf"^events/{CODE}/files/(?P<pk>[0-9]+)/$", attachment_file, name="event_file"),
]

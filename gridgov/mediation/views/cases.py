"""The case pages: list, register, one case with the buttons its state admits, documents."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from gridgov.accounts import permissions
from gridgov.accounts.models import User
from gridgov.events.models import Event
from gridgov.events.views.event import get_event_for
from gridgov.lib import codes
from gridgov.lib.forms import add_service_errors
from gridgov.mediation import documents, selectors, workflow
from gridgov.mediation import forms as f
from gridgov.mediation.models import Case, Status
from gridgov.regions.models import Region

CONFLICT = "案件刚被他人处理，请刷新后查看最新状态"


def get_case_for(user: User, pk: int) -> Case:
    """The case, or 404 when the user may not see it (its existence is not revealed)."""
    case = get_object_or_404(
        Case.objects.select_related("organisation", "dispute_type", "region", "leader", "event", "registered_by"),
        pk=pk,
    )
    permissions.require_case(user, permissions.VIEW, case)
    return case


# --- list and register --------------------------------------------------------------------


def _criteria(request: HttpRequest) -> tuple[f.CaseFilterForm, selectors.CaseFilter]:
    form = f.CaseFilterForm(request.GET or None)
    if not form.is_valid():
        return form, selectors.CaseFilter()
    d = form.cleaned_data
    return form, selectors.CaseFilter(
        q=d["q"].strip(), status=d["status"], dispute_type=d["dispute_type"].pk if d["dispute_type"] else None,
        major=d["major"], overdue=d["overdue"], start=d["start"], end=d["end"],
    )


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    form, criteria = _criteria(request)
    rows = selectors.cases_for(request.user, criteria)
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(request, "mediation/list.html", {
        "form": form, "page": page, "now": timezone.now(), "query": request.GET.urlencode(),
        "may_register": bool(permissions.mediation_scopes(request.user)),
    })


@login_required
@require_GET
def register_pdf(request: HttpRequest) -> HttpResponse:
    """登记簿: the cases of the current list, as a printable register."""
    _form, criteria = _criteria(request)
    rows = selectors.cases_for(request.user, criteria).prefetch_related("parties")[:2000]
    return _pdf(documents.register_pdf(rows, title="人民调解案件登记簿"), "register.pdf")


def _regions_for(user: User):
    scopes = permissions.mediation_scopes(user)
    return Region.objects.filter(permissions.scope_q(scopes, "code"), level__gte=codes.TOWN).order_by("code")


@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    if not permissions.mediation_scopes(request.user):
        raise PermissionDenied("只有调解员可以登记案件")
    organisations = selectors.organisations_for(request.user)
    form = f.RegisterForm(request.POST or None, organisations=organisations, regions=_regions_for(request.user),
                          leaders=selectors.leaders_for(request.user), initial={"organisation": organisations.first()})
    parties = f.PartyFormSet(request.POST or None, prefix="parties", initial=f.PARTY_ROWS)
    if request.method == "POST" and all([form.is_valid(), parties.is_valid()]):
        d = form.cleaned_data
        try:
            case, _ = workflow.register(
                by=request.user, organisation=d["organisation"], title=d["title"], dispute_type=d["dispute_type"],
                source=d["source"], facts=d["facts"], claims=d["claims"], amount=d["amount"],
                people_involved=d["people_involved"], risk=d["risk"], is_major=d["is_major"], region=d["region"],
                address=d["address"], leader=d["leader"], parties=parties.parties(),
                idempotency_key=request.POST.get("idempotency_key") or None,
            )
        except ValidationError as exc:
            rest = parties.add_service_errors(exc)
            if rest is not None:
                add_service_errors(form, rest)
        else:
            messages.success(request, f"已登记：{case.number}")
            return redirect(case.get_absolute_url())
    return render(request, "mediation/new.html", {
        "form": form, "parties": parties,
        "idempotency_key": request.POST.get("idempotency_key") or uuid.uuid4().hex,
    })


# --- one case -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    key: str
    label: str
    form: type
    states: tuple[str, ...]
    run: Callable[[Case, dict, User], object]
    done: str
    secondary: bool = False


ACTIONS = [
    Action("accept", "受理", f.AcceptForm, (Status.REGISTERED,),
           lambda c, d, u: workflow.accept(c, by=u, mediators=list(d["mediators"])), "已受理"),
    Action("refuse", "不予受理", f.ReasonForm, (Status.REGISTERED,),
           lambda c, d, u: workflow.refuse(c, by=u, reason=d["reason"]), "已不予受理", True),
    Action("session", "记录调解", f.SessionForm, (Status.ACCEPTED, Status.MEDIATING),
           lambda c, d, u: workflow.record_session(c, by=u, held_at=d["held_at"], place=d["place"],
                                                   participants=d["participants"], said=d["said"], agreed=d["agreed"]),
           "已记录调解"),
    Action("succeed", "调解成功", f.SucceedForm, (Status.MEDIATING,),
           lambda c, d, u: workflow.succeed(c, by=u, terms=d["terms"], responsibility=d["responsibility"],
                                            performance_manner=d["performance_manner"],
                                            performance_place=d["performance_place"],
                                            performance_deadline=d["performance_deadline"], is_oral=d["is_oral"]),
           "调解成功，已生成调解协议"),
    Action("fail", "调解不成", f.FailForm, (Status.MEDIATING,),
           lambda c, d, u: workflow.fail(c, by=u, referral=d["referral"], reason=d["reason"]), "已分流", True),
    Action("assign", "指派调解员/专家", f.AssignForm, (Status.REGISTERED, Status.ACCEPTED, Status.MEDIATING),
           lambda c, d, u: workflow.assign(c, by=u, mediators=list(d["mediators"]), experts=list(d["experts"])),
           "已指派", True),
    Action("transfer", "移交", f.TransferForm, (Status.REGISTERED, Status.ACCEPTED, Status.MEDIATING),
           lambda c, d, u: workflow.transfer(c, to=d["to"], by=u, reason=d["reason"]), "已移交", True),
    Action("confirm", "司法确认", f.ConfirmationForm, (Status.SUCCEEDED, Status.FOLLOWED_UP, Status.ARCHIVED),
           lambda c, d, u: workflow.record_confirmation(c, by=u, court=d["court"], requested_on=d["requested_on"],
                                                        ruling=d["ruling"], ruling_number=d["ruling_number"]),
           "已记录司法确认", True),
    Action("follow_up", "回访", f.FollowUpForm, (Status.SUCCEEDED,),
           lambda c, d, u: workflow.follow_up(c, by=u, performance=d["performance"],
                                              satisfaction=d["satisfaction"], note=d["note"]), "已回访"),
    Action("archive", "归档", f.EmptyForm, (Status.FOLLOWED_UP, Status.FAILED, Status.REFUSED),
           lambda c, d, u: workflow.archive(c, by=u), "已归档"),
    Action("open_event", "生成事件备案", f.EmptyForm, tuple(Status.values),
           lambda c, d, u: workflow.open_event(c, by=u), "已生成事件", True),
]
BY_KEY = {a.key: a for a in ACTIONS}


def _form(action: Action, case: Case, data=None):
    if action.form in (f.AcceptForm, f.AssignForm, f.TransferForm):
        return action.form(data, case=case, prefix=action.key)
    return action.form(data, prefix=action.key)


def _panels(case: Case, user: User, failed: tuple[str, object] | None = None) -> list[dict]:
    if not permissions.can_on_case(user, permissions.MEDIATE, case):
        return []
    panels = []
    for action in ACTIONS:
        if case.status not in action.states:
            continue
        if action.key == "open_event" and case.event_id:
            continue
        if action.key == "confirm" and not hasattr(case, "agreement"):
            continue
        form = failed[1] if failed and failed[0] == action.key else _form(action, case)
        panels.append({"action": action, "form": form, "open": bool(failed and failed[0] == action.key)})
    return panels


def _detail(request: HttpRequest, case: Case, *, reveal: bool = False, failed=None, status: int = 200):
    parties = selectors.parties_for(request.user, case, reveal=reveal, address=request.META.get("REMOTE_ADDR"))
    return render(request, "mediation/detail.html", {
        "case": case, "parties": parties, "panels": _panels(case, request.user, failed),
        "may_unmask": permissions.can_on_case(request.user, permissions.UNMASK, case),
        "sessions": case.sessions.select_related("recorded_by"),
        "agreement": getattr(case, "agreement", None),
        "confirmations": case.agreement.confirmations.all() if hasattr(case, "agreement") else [],
        "follow_ups": case.follow_ups.all(), "decisions": case.review_decisions.select_related("meeting"),
        "log": case.log.select_related("actor"), "mediators": case.mediators.all(), "experts": case.experts.all(),
        "light": case.light_at(timezone.now()),
    }, status=status)


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_case_for(request.user, pk))


@login_required
@require_POST
def case_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the ID numbers in clear, to a mediator of the case only; logged per party."""
    case = get_case_for(request.user, pk)
    permissions.require_case(request.user, permissions.UNMASK, case)
    return _detail(request, case, reveal=True)


@login_required
@require_POST
def case_act(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    case = get_case_for(request.user, pk)
    action = BY_KEY.get(key)
    if action is None:
        raise Http404("没有这个操作")
    permissions.require_case(request.user, permissions.MEDIATE, case)
    form = _form(action, case, request.POST)
    if form.is_valid():
        try:
            action.run(case, form.cleaned_data, request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except workflow.TransitionError as exc:
            messages.error(request, str(exc) or CONFLICT)
            return redirect(case.get_absolute_url())
        else:
            messages.success(request, action.done)
            return redirect(case.get_absolute_url())
    return _detail(request, case, failed=(key, form), status=422)


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@login_required
@require_GET
def agreement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for(request.user, pk)
    if not hasattr(case, "agreement"):
        raise Http404("该案件没有调解协议")
    return _pdf(documents.agreement_pdf(case), f"agreement-{case.pk}.pdf")


@login_required
@require_GET
def cover_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for(request.user, pk)
    return _pdf(documents.cover_pdf(case), f"case-{case.pk}.pdf")


@login_required
@require_POST
def from_event(request: HttpRequest, code: str) -> HttpResponse:
    """The button on an event of the 矛盾纠纷 class: the event becomes a case."""
    event = get_event_for(request.user, code)
    try:
        case = workflow.from_event(event, by=request.user)
    except (ValidationError, workflow.TransitionError) as exc:
        messages.error(request, "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
        return redirect(event.get_absolute_url())
    messages.success(request, f"已转为调解案件 {case.number}")
    return redirect(case.get_absolute_url())


def event_link(user: User, event: Event) -> dict:
    """What the event page shows about mediation: the case it became, or the button."""
    case = Case.objects.filter(event=event).first()
    if case is not None:
        return {"case": case, "may_view": permissions.can_on_case(user, permissions.VIEW, case)}
    may_convert = event.is_open and workflow.is_dispute(event) and permissions.may_convert_event(user, event)
    return {"may_convert": may_convert}


urlpatterns = [
    path("mediation/", case_list, name="mediation_cases"),
    path("mediation/new/", case_new, name="mediation_new"),
    path("mediation/register.pdf", register_pdf, name="mediation_register_pdf"),
    path("mediation/cases/<int:pk>/", case_detail, name="mediation_case"),
    path("mediation/cases/<int:pk>/reveal/", case_reveal, name="mediation_reveal"),
    path("mediation/cases/<int:pk>/agreement.pdf", agreement_pdf, name="mediation_agreement_pdf"),
    path("mediation/cases/<int:pk>/cover.pdf", cover_pdf, name="mediation_cover_pdf"),
    path("mediation/cases/<int:pk>/<slug:key>/", case_act, name="mediation_act"),
    path("mediation/from-event/<str:code>/", from_event, name="mediation_from_event"),
]

"""研判例会 pages: the meetings a user may hold, and one meeting with its major cases."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from gridgov.accounts import permissions
from gridgov.lib import codes
from gridgov.lib.forms import add_service_errors
from gridgov.mediation import meetings, selectors
from gridgov.mediation.forms import MeetingForm
from gridgov.mediation.models import Case, ReviewMeeting
from gridgov.regions.models import Region


def _regions(user):
    scopes = permissions.review_scopes(user)
    if not scopes:
        raise PermissionDenied("您没有参加研判例会的权限")
    return Region.objects.filter(
        permissions.scope_q(scopes, "code"), level__in=[codes.DISTRICT, codes.TOWN]
    ).order_by("code")


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    regions = _regions(request.user)
    form = MeetingForm(request.POST or None)
    form.fields["region"].choices = [(r.pk, r.name) for r in regions]
    if request.method == "POST" and form.is_valid():
        try:
            meeting = meetings.hold(region=regions.filter(pk=form.cleaned_data["region"]).first(),
                                    held_on=form.cleaned_data["held_on"], title=form.cleaned_data["title"],
                                    by=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("mediation_meeting", meeting.pk)
    rows = ReviewMeeting.objects.filter(
        permissions.scope_q(permissions.review_scopes(request.user), "area_code")
    ).select_related("region", "chaired_by")[:100]
    return render(request, "mediation/meetings.html", {"form": form, "meetings": rows})


def _meeting_for(user, pk: int) -> ReviewMeeting:
    meeting = get_object_or_404(ReviewMeeting.objects.select_related("region"), pk=pk)
    if not any(meeting.area_code.startswith(s) for s in permissions.review_scopes(user)):
        raise PermissionDenied("不在您的管辖范围内")
    return meeting


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(request.user, pk)
    decided = {d.case_id: d for d in meeting.decisions.all()}
    cases = [c for c in selectors.major_cases(meeting.area_code) if permissions.can_on_case(request.user, permissions.VIEW, c)]
    return render(request, "mediation/meeting.html", {
        "meeting": meeting, "rows": [(c, decided.get(c.pk)) for c in cases],
    })


@login_required
@require_POST
def meeting_decide(request: HttpRequest, pk: int, case_pk: int) -> HttpResponse:
    meeting = _meeting_for(request.user, pk)
    case = get_object_or_404(Case, pk=case_pk)
    permissions.require_case(request.user, permissions.VIEW, case)
    try:
        meetings.decide(meeting, case, decision=request.POST.get("decision", ""), by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已记录对 {case.number} 的研判意见")
    return redirect("mediation_meeting", meeting.pk)


urlpatterns = [
    path("mediation/meetings/", meeting_list, name="mediation_meetings"),
    path("mediation/meetings/<int:pk>/", meeting_detail, name="mediation_meeting"),
    path("mediation/meetings/<int:pk>/cases/<int:case_pk>/", meeting_decide, name="mediation_decide"),
]

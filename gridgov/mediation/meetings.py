"""研判例会: a town's or the district's periodic review of its major disputes; the meeting's
decision on each case goes on that case's record."""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from gridgov.accounts import permissions
from gridgov.accounts.models import User
from gridgov.lib import codes
from gridgov.mediation import workflow
from gridgov.mediation.models import Case, ReviewDecision, ReviewMeeting
from gridgov.regions.models import Region

LEVELS = (codes.TOWN, codes.DISTRICT)


@transaction.atomic
def hold(*, region: Region | None, held_on: date | None, title: str, by: User) -> ReviewMeeting:
    errors = {}
    if region is None or region.level not in LEVELS:
        errors["region"] = "研判例会按镇街或区县召开"
    elif not any(region.prefix.startswith(s) for s in permissions.review_scopes(by)):
        raise PermissionDenied("您不能召开该区域的研判例会")
    if held_on is None:
        errors["held_on"] = "请填写会议日期"
    title = (title or "").strip()
    if not title or len(title) > 100:
        errors["title"] = "请填写会议名称（不超过 100 字）"
    if errors:
        raise ValidationError(errors)
    return ReviewMeeting.objects.create(region=region, area_code=region.prefix, held_on=held_on, title=title,
                                        chaired_by=by)


@transaction.atomic
def decide(meeting: ReviewMeeting, case: Case, *, decision: str, by: User, at: datetime | None = None) -> ReviewDecision:
    """Record the meeting's decision on one major case, on the case's log too."""
    at = at or timezone.now()
    permissions.require_case(by, permissions.REVIEW, case)
    if not case.area_code.startswith(meeting.area_code):
        raise ValidationError({"case": f"案件 {case.number} 不属于{meeting.region.name}"})
    decision = (decision or "").strip()
    if not decision or len(decision) > 2000:
        raise ValidationError({"decision": "请填写研判意见（不超过 2000 字）"})
    try:
        with transaction.atomic():
            row = ReviewDecision.objects.create(meeting=meeting, case=case, decision=decision)
    except IntegrityError:
        raise ValidationError({"case": f"本次例会已对案件 {case.number} 作出研判"}) from None
    workflow.record_review(case, by=by, meeting_title=meeting.title, decision=decision, at=at)
    return row

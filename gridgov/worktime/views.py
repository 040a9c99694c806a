"""The holiday calendar page: everyone signed in sees it; a district administrator edits it.

Each view checks who may edit, reads the form, calls one function of `calendar`, and
redirects with a message; a refused form comes back with its errors beside the fields.
"""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from gridgov.accounts import permissions
from gridgov.lib.forms import add_service_errors
from gridgov.worktime import calendar, selectors
from gridgov.worktime.forms import HOLIDAY, WORKDAY, DayForm, YearCompleteForm
from gridgov.worktime.models import CalendarDay


def require_editor(request: HttpRequest) -> None:
    if not permissions.may_edit_calendar(request.user):
        raise PermissionDenied("只有区县及以上的系统管理员可以修改节假日日历")


def _year_or_404(year: int) -> int:
    if not calendar.FIRST_YEAR <= year <= calendar.LAST_YEAR:
        raise Http404("年份超出范围")
    return year


def _year_of(value: str, fallback: int) -> int:
    try:
        year = date.fromisoformat(value.strip()).year
    except ValueError:
        return fallback
    return year if calendar.FIRST_YEAR <= year <= calendar.LAST_YEAR else fallback


@login_required
@require_GET
def year_page(request: HttpRequest, year: int | None = None) -> HttpResponse:
    year = _year_or_404(year or timezone.localdate().year)
    return _render(request, year, day_form=_day_form_for(request.GET.get("date", ""), year))


def _day_form_for(value: str, year: int) -> DayForm:
    """The form, filled in with the day picked on the calendar (if it is one of this year)."""
    try:
        picked = date.fromisoformat(value)
    except ValueError:
        return DayForm()
    if picked.year != year:
        return DayForm()
    row = CalendarDay.objects.filter(date=picked).first()
    if row is None:
        kind = HOLIDAY if picked.weekday() < 5 else WORKDAY
        return DayForm(initial={"date": picked.isoformat(), "kind": kind})
    kind = WORKDAY if row.is_workday else HOLIDAY
    return DayForm(initial={"date": picked.isoformat(), "kind": kind, "name": row.name})


@login_required
@require_POST
def day_save(request: HttpRequest) -> HttpResponse:
    require_editor(request)
    form = DayForm(request.POST)
    year = _year_of(request.POST.get("date", ""), timezone.localdate().year)
    if form.is_valid():
        try:
            row = calendar.set_day(
                by=request.user, date=form.cleaned_data["date"],
                is_workday=form.is_workday, name=form.cleaned_data["name"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            what = "调休上班" if row.is_workday else "放假"
            messages.success(request, f"已将 {row.date:%Y-%m-%d} 设为{what}：{row.name}")
            return redirect("manage_calendar_year", year=row.date.year)
    return _render(request, year, day_form=form)


@login_required
@require_POST
def day_remove(request: HttpRequest) -> HttpResponse:
    require_editor(request)
    value = request.POST.get("date", "")
    year = _year_of(value, timezone.localdate().year)
    try:
        removed = calendar.clear_day(by=request.user, date=value)
    except ValidationError as exc:
        # Only the date was posted; the error belongs beside it in the day form.
        form = DayForm({"date": value, "kind": HOLIDAY})
        form.is_valid()
        add_service_errors(form, exc)
        return _render(request, year, day_form=form)
    if removed:
        messages.success(request, f"已删除 {value} 的设置，该日按周一至周五规则计算")
    else:
        messages.warning(request, f"{value} 没有特别设置")
    return redirect("manage_calendar_year", year=year)


@login_required
@require_POST
def year_complete(request: HttpRequest, year: int) -> HttpResponse:
    require_editor(request)
    year = _year_or_404(year)
    form = YearCompleteForm(request.POST)
    if form.is_valid():
        try:
            calendar.mark_year_complete(by=request.user, year=year, note=form.cleaned_data["note"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已标记 {year} 年节假日安排录入完成")
            return redirect("manage_calendar_year", year=year)
    return _render(request, year, year_form=form)


@login_required
@require_POST
def year_reopen(request: HttpRequest, year: int) -> HttpResponse:
    require_editor(request)
    year = _year_or_404(year)
    if calendar.reopen_year(by=request.user, year=year):
        messages.success(request, f"已撤销 {year} 年的录入完成标记")
    return redirect("manage_calendar_year", year=year)


def _render(
    request: HttpRequest, year: int, *, day_form: DayForm | None = None,
    year_form: YearCompleteForm | None = None,
) -> HttpResponse:
    today = timezone.localdate()
    return render(
        request,
        "worktime/calendar.html",
        {
            "view": selectors.year_view(year, today=today),
            "weekdays": selectors.WEEKDAYS,
            "editable": permissions.may_edit_calendar(request.user),
            "day_form": day_form or DayForm(),
            "year_form": year_form or YearCompleteForm(),
            "missing": calendar.missing_years(today),
            "periods": calendar.working_periods(),
            "years": range(max(calendar.FIRST_YEAR, year - 1), min(calendar.LAST_YEAR, year + 1) + 1),
        },
    )


urlpatterns = [
    path("manage/calendar/", year_page, name="manage_calendar"),
    path("manage/calendar/<int:year>/", year_page, name="manage_calendar_year"),
    path("manage/calendar/day/", day_save, name="manage_calendar_day"),
    path("manage/calendar/day/remove/", day_remove, name="manage_calendar_day_remove"),
    path("manage/calendar/<int:year>/complete/", year_complete, name="manage_calendar_complete"),
    path("manage/calendar/<int:year>/reopen/", year_reopen, name="manage_calendar_reopen"),
]

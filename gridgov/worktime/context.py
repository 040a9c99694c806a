"""The missing-year warning, shown to administrators until the year's schedule is entered."""

from django.http import HttpRequest

from gridgov.accounts import permissions
from gridgov.worktime.calendar import missing_year_message, missing_years

# The home page and the calendar itself: every other page stays free of the calendar's
# queries, and a banner on each page for the last two months of a year would be noise.
WARNING_PAGES = {"home", "manage_calendar", "manage_calendar_year"}


def calendar_warning(request: HttpRequest) -> dict:
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name not in WARNING_PAGES:
        return {}
    user = getattr(request, "user", None)
    if user is None or not permissions.is_administrator(user):
        return {}
    years = missing_years()
    if not years:
        return {}
    return {"calendar_warning": {"years": years, "message": missing_year_message(years)}}

"""A wrong GRIDGOV_WORKING_PERIODS is reported when the server starts, not at the first deadline."""

from django.conf import settings
from django.core.checks import Error, register

from gridgov.lib import workdays


@register()
def check_working_periods(app_configs, **kwargs) -> list[Error]:
    try:
        workdays.parse_periods(settings.WORKING_PERIODS)
    except ValueError as exc:
        return [
            Error(
                f"GRIDGOV_WORKING_PERIODS={settings.WORKING_PERIODS!r} is not valid: {exc}",
                hint='Write the periods of a workday as "08:30-12:00,13:30-17:30".',
                id="worktime.E001",
            )
        ]
    return []

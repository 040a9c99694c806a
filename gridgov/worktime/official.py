"""The official holiday schedules (国务院办公厅关于节假日安排的通知), as the `chinesecalendar`
package carries them: holidays, and the weekend days worked in exchange (调休上班)."""

from dataclasses import dataclass
from datetime import date
from importlib.metadata import version

from chinese_calendar import constants


@dataclass(frozen=True)
class OfficialDay:
    date: date
    is_workday: bool
    name: str


# The package names holidays in English; the Chinese names come from its own enum.
_CHINESE = {h.value: h.chinese for h in constants.Holiday}
_CHINESE["National Day"] = "国庆节"  # the notices write 国庆节, 中秋节, 端午节, 清明节
_CHINESE["Mid-autumn Festival"] = "中秋节"
_CHINESE["Dragon Boat Festival"] = "端午节"
_CHINESE["Tomb-sweeping Day"] = "清明节"
_CHINESE["Anti-Fascist 70th Day"] = "抗战胜利70周年纪念日"


def package_version() -> str:
    return version("chinesecalendar")


def official_years() -> list[int]:
    """The years the package knows, in order."""
    return sorted({d.year for d in constants.holidays} | {d.year for d in constants.workdays})


def official_days(years: set[int] | list[int] | None = None) -> list[OfficialDay]:
    """Holidays and make-up workdays of `years` (all known years when None), by date."""
    wanted = set(official_years() if years is None else years)
    days = [
        OfficialDay(d, False, _name(holiday))
        for d, holiday in constants.holidays.items()
        if d.year in wanted
    ]
    days += [
        OfficialDay(d, True, f"{_name(holiday)}调休上班")
        for d, holiday in constants.workdays.items()
        if d.year in wanted
    ]
    return sorted(days, key=lambda day: day.date)


def _name(holiday: object) -> str:
    key = getattr(holiday, "value", holiday)
    return _CHINESE.get(key, str(key))

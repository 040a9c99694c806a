"""What the calendar page shows: a year's months as week rows, its special days, its status."""

from calendar import Calendar as MonthLayout
from dataclasses import dataclass, field
from datetime import date

from gridgov.lib import workdays
from gridgov.worktime.models import CalendarDay, CalendarYear

WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class Cell:
    date: date
    kind: str  # "holiday", "makeup", "weekend" or "workday"
    name: str = ""
    today: bool = False

    @property
    def title(self) -> str:
        label = {"holiday": "放假", "makeup": "调休上班", "weekend": "周末", "workday": "工作日"}
        text = f"{self.date.month} 月 {self.date.day} 日 星期{WEEKDAYS[self.date.weekday()]}"
        return f"{text} · {self.name or label[self.kind]}"


@dataclass
class Month:
    number: int
    weeks: list[list[Cell | None]] = field(default_factory=list)


@dataclass
class YearView:
    year: int
    status: CalendarYear | None
    days: list[CalendarDay]
    months: list[Month]
    workdays: int
    holidays: int
    makeup_days: int


def year_view(year: int, *, today: date) -> YearView:
    """The year as the database holds it now (not a process's cached Calendar)."""
    days = list(
        CalendarDay.objects.filter(date__gte=date(year, 1, 1), date__lte=date(year, 12, 31))
        .select_related("updated_by")
        .order_by("date")
    )
    by_date = {d.date: d for d in days}
    calendar = workdays.Calendar(
        special={d.date: workdays.SpecialDay(d.is_workday, d.name) for d in days}
    )
    layout = MonthLayout(firstweekday=0)
    months = []
    for number in range(1, 13):
        month = Month(number)
        for week in layout.monthdatescalendar(year, number):
            month.weeks.append([
                _cell(d, by_date.get(d), today) if d.month == number else None for d in week
            ])
        months.append(month)
    return YearView(
        year=year,
        status=CalendarYear.objects.select_related("updated_by").filter(year=year).first(),
        days=days,
        months=months,
        workdays=workdays.workdays_between(date(year, 1, 1), date(year + 1, 1, 1), calendar),
        holidays=sum(1 for d in days if not d.is_workday),
        makeup_days=sum(1 for d in days if d.is_workday and d.date.weekday() >= 5),
    )


def _cell(day: date, special: CalendarDay | None, today: date) -> Cell:
    weekend = day.weekday() >= 5
    if special is None:
        kind = "weekend" if weekend else "workday"
        return Cell(day, kind, today=day == today)
    if special.is_workday:
        kind = "makeup" if weekend else "workday"
    else:
        kind = "holiday"
    return Cell(day, kind, special.name, today=day == today)

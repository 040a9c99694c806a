"""每日通报: yesterday's intake and closure, what is overdue by department and by town, the
towns ranked, and the warnings — as PDF (lib/pdf) and Excel, kept per region and day.

The worker generates each district's bulletin every morning; the unique (scope, day) makes
that safe with two workers (the second one's insert fails and it moves on). Anyone with the
page may generate one on demand for a region of their scope.
"""

import io
import logging
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from gridgov.accounts import permissions
from gridgov.accounts.models import User
from gridgov.analysis import dashboard
from gridgov.command.models import Bulletin, EarlyWarning
from gridgov.events.models import OPEN, Event
from gridgov.lib import codes, pdf
from gridgov.regions.models import Level, Region

log = logging.getLogger("gridgov.bulletins")

# The worker writes the day's bulletins from this local hour on.
MORNING_HOUR = 7


def _local_day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def figures(scope: str, day: date, *, now: datetime | None = None) -> dict:
    """Everything the bulletin says, as plain data (also kept with the bulletin). The day's
    figures and the town ranking are the dashboard's (gridgov.analysis), read from its
    rollups; overdue by department is read live from the open events."""
    now = now or timezone.now()
    totals = dashboard.summary([scope], day, now=now)
    overdue = Event.objects.filter(area_code__startswith=scope, status__in=OPEN, due_at__lte=now)
    by_department = [
        {"department": row["lead__name"] or "指挥室（受理、交办、核查环节）", "overdue": row["n"]}
        for row in overdue.values("lead__name").annotate(n=Count("pk")).order_by("-n", "lead__name")
    ]
    towns = [
        {"rank": t["rank"], "town": t["name"], "reported": t["reported"], "closed": t["closed"], "open": t["open"],
         "overdue": t["overdue"], "score": t["score"], "grade": t["grade"]}
        for t in dashboard.town_ranking([scope], day, day, now=now)
    ]
    start, end = _local_day_bounds(day)
    warnings = [
        {"kind": w.get_kind_display(), "title": w.title, "status": w.get_status_display(),
         "at": timezone.localtime(w.detected_at).strftime("%H:%M")}
        for w in EarlyWarning.objects.filter(
            area_code__startswith=scope, detected_at__gte=start, detected_at__lt=end
        ).order_by("detected_at")
    ]
    return {
        "day": day.isoformat(),
        "generated_at": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
        "intake": totals["reported"],
        "closed": totals["closed"],
        "self_handled": totals["self_handled"],
        "open": totals["open_total"],
        "overdue": totals["overdue"],
        "overdue_by_department": by_department,
        "towns": towns,
        "warnings": warnings,
    }


def _score(town: dict) -> str:
    return "—" if town["score"] is None else f"{town['score']:.1f}（{town['grade']}）"


def render_pdf(name: str, data: dict) -> bytes:
    day = date.fromisoformat(data["day"])
    title = f"{name}每日通报（{day.year}年{day.month}月{day.day}日）"
    closure_share = f"{100 * data['self_handled'] / data['closed']:.1f}%" if data["closed"] else "—"
    flow = [
        pdf.paragraph(title, "title"),
        pdf.paragraph(f"生成时间：{data['generated_at']}", "centre"),
        pdf.spacer(),
        pdf.paragraph("一、昨日受理与结案", "heading"),
        pdf.paragraph(
            f"昨日新受理事件 {data['intake']} 件，结案 {data['closed']} 件（其中自行处置 {data['self_handled']} 件，"
            f"占 {closure_share}）。截至通报时，在办事件 {data['open']} 件，其中超期 {data['overdue']} 件。"
        ),
        pdf.paragraph("二、超期事件（按部门）", "heading"),
        pdf.table([["部门", "超期件数"]] + [[r["department"], r["overdue"]] for r in data["overdue_by_department"]])
        if data["overdue_by_department"] else pdf.paragraph("无超期事件。"),
        pdf.paragraph("三、镇街排名与超期（按综合得分）", "heading"),
        pdf.table([["名次", "镇街", "昨日受理", "昨日结案", "在办", "超期", "得分"]] + [
            [t["rank"], t["town"], t["reported"], t["closed"], t["open"], t["overdue"], _score(t)] for t in data["towns"]
        ]) if data["towns"] else pdf.paragraph("无数据。"),
        pdf.paragraph("四、预警", "heading"),
        pdf.table([["时间", "类型", "内容", "状态"]] + [
            [w["at"], w["kind"], w["title"], w["status"]] for w in data["warnings"]
        ]) if data["warnings"] else pdf.paragraph("昨日无预警。"),
    ]
    return pdf.render(flow, title=title)


def render_xlsx(name: str, data: dict) -> bytes:
    book = Workbook()
    bold = Font(bold=True)

    def sheet(title: str, header: list[str], rows: list[list], first: bool = False):
        ws = book.active if first else book.create_sheet()
        ws.title = title
        ws.append(header)
        for cell in ws[1]:
            cell.font = bold
        for row in rows:
            ws.append(row)

    sheet("概况", ["区域", "日期", "昨日受理", "昨日结案", "自行处置", "在办", "超期"], [[
        name, data["day"], data["intake"], data["closed"], data["self_handled"], data["open"], data["overdue"]
    ]], first=True)
    sheet("超期按部门", ["部门", "超期件数"], [[r["department"], r["overdue"]] for r in data["overdue_by_department"]])
    sheet("镇街排名", ["名次", "镇街", "昨日受理", "昨日结案", "在办", "超期", "得分"],
          [[t["rank"], t["town"], t["reported"], t["closed"], t["open"], t["overdue"], t["score"]] for t in data["towns"]])
    sheet("预警", ["时间", "类型", "内容", "状态"], [[w["at"], w["kind"], w["title"], w["status"]] for w in data["warnings"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def scope_name(scope: str) -> str:
    region = Region.objects.filter(code=codes.pad(scope)).first() if scope else None
    return region.name if region else (scope or "全域")


def generate(scope: str, day: date, *, by: User | None = None, now: datetime | None = None) -> Bulletin:
    """Build and keep the bulletin of `scope` for `day`, replacing one made earlier on demand."""
    now = now or timezone.now()
    name = scope_name(scope)
    data = figures(scope, day, now=now)
    pdf_bytes, xlsx_bytes = render_pdf(name, data), render_xlsx(name, data)
    with transaction.atomic():
        bulletin, _ = Bulletin.objects.update_or_create(
            scope=scope, day=day,
            defaults={"scope_name": name, "generated_at": now, "generated_by": by, "summary": data,
                      "pdf": pdf_bytes, "xlsx": xlsx_bytes},
        )
    return bulletin


def generate_for(user: User, scope: str, day: date) -> Bulletin:
    """On demand, for a region inside the user's scope."""
    if not permissions.may_at(user, permissions.BULLETINS, scope):
        raise PermissionDenied("该区域不在您的管辖范围内")
    if day >= timezone.localdate():
        raise ValidationError({"day": "只能生成今天以前的通报"})
    return generate(scope, day, by=user)


def morning(*, now: datetime | None = None) -> list[Bulletin]:
    """The worker's daily pass: yesterday's bulletin for every district that has none yet."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.hour < MORNING_HOUR:
        return []
    day = local.date() - timedelta(days=1)
    done = set(Bulletin.objects.filter(day=day).values_list("scope", flat=True))
    made = []
    for district in Region.objects.filter(level=Level.DISTRICT).order_by("code"):
        scope = codes.prefix(district.code)
        if scope in done:
            continue
        data = figures(scope, day, now=now)
        try:
            with transaction.atomic():
                made.append(Bulletin.objects.create(
                    scope=scope, day=day, scope_name=district.name, generated_at=now, summary=data,
                    pdf=render_pdf(district.name, data), xlsx=render_xlsx(district.name, data),
                ))
        except IntegrityError:
            continue  # another worker wrote it a moment ago
    if made:
        log.info("daily bulletins for %s: %s", day, ", ".join(b.scope_name for b in made))
    return made


def visible(user: User):
    scopes = permissions.command_scopes(user, permissions.BULLETINS)
    if "" in scopes:
        return Bulletin.objects.all()
    # A bulletin covers a region: those whose scope covers it may read it.
    q = Q(pk__in=[])
    for scope in scopes:
        q |= Q(scope__startswith=scope)
    return Bulletin.objects.filter(q)

"""事件查询: every event the user may see, filtered, page by page or as an Excel file."""

from datetime import datetime
from io import BytesIO

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from gridgov.events import selectors
from gridgov.events.forms import SearchForm
from gridgov.events.models import Event

PER_PAGE = 30
# Filters folded away under 更多条件 unless one of them is in use.
MORE_FILTERS = ("category", "level", "source", "lead", "reported_from", "reported_to")
# An export larger than this is a job for the analytics exports, not for a page.
EXPORT_LIMIT = 50_000
LIGHT_LABELS = {"red": "红", "yellow": "黄", "green": "绿", "": ""}

COLUMNS = [
    ("事件编号", 24),
    ("标题", 30),
    ("大类", 12),
    ("小类", 16),
    ("等级", 8),
    ("来源", 12),
    ("状态", 12),
    ("红黄绿灯", 8),
    ("镇街", 12),
    ("村社区", 14),
    ("网格", 18),
    ("网格编码", 18),
    ("地址", 30),
    ("上报人", 10),
    ("上报时间", 18),
    ("主办部门", 24),
    ("协调层级", 10),
    ("当前环节时限", 18),
    ("处置时限", 18),
    ("结案时间", 18),
]


def _search(request: HttpRequest, now: datetime) -> tuple[SearchForm, object]:
    form = SearchForm(request.GET, user=request.user)
    form.is_valid()  # an invalid filter is dropped and named; the others still apply
    return form, selectors.search(request.user, form.criteria(), now=now)


@login_required
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    form, rows = _search(request, now)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    for event in page:
        event.light = event.light_at(now)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "events/list.html",
        {
            "form": form,
            "page": page,
            "export_query": query.urlencode(),
            "export_limit": f"{EXPORT_LIMIT:,}",
            "more_open": any(request.GET.get(name) for name in MORE_FILTERS),
        },
    )


def _local(value: datetime | None) -> datetime | None:
    # Excel has no time zones: write the wall-clock time of the district.
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _row(event: Event, now: datetime) -> list:
    category = event.category
    grid = event.grid
    return [
        event.code,
        event.title,
        category.parent.name if category.parent_id else category.name,
        category.name if category.parent_id else "",
        event.get_level_display(),
        event.get_source_display(),
        event.get_status_display(),
        LIGHT_LABELS[event.light_at(now)],
        grid.village.parent.name,
        grid.village.name,
        grid.name,
        grid.code,
        event.address,
        event.reporter.display_name,
        _local(event.reported_at),
        event.lead.name if event.lead_id else "",
        event.get_coordination_display(),
        _local(event.due_at),
        _local(event.handle_due_at),
        _local(event.closed_at),
    ]


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    _form, rows = _search(request, now)
    rows = rows.select_related("grid__village__parent", "reporter")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("事件")
    for index, (_title, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    header = []
    for title, _width in COLUMNS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    written = 0
    for event in rows[: EXPORT_LIMIT + 1].iterator(chunk_size=2000):
        if written == EXPORT_LIMIT:
            note = workbook.create_sheet("说明")
            note.append(
                [
                    f"符合条件的事件超过 {EXPORT_LIMIT:,} 件，"
                    f"仅导出前 {EXPORT_LIMIT:,} 件（按上报时间倒序）。"
                    "请缩小日期或区域范围后分批导出。"
                ]
            )
            break
        sheet.append(_row(event, now))
        written += 1
    buffer = BytesIO()
    workbook.save(buffer)
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="events-{stamp}.xlsx"'
    return response


urlpatterns = [
    path("events/", event_list, name="events"),
    path("events/export.xlsx", export, name="events_export"),
]

"""The period and region a reader asks figures for, checked field by field."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

MAX_DAYS = 3 * 366


def parse_date(value: str, field: str, label: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError({field: f"{label}应为 YYYY-MM-DD 格式的日期"}) from None


def period(params, *, default_days: int = 30) -> tuple[date, date]:
    """The period of report days asked for (both ends inclusive), or the last `default_days`."""
    today = timezone.localdate()
    end = parse_date(params.get("end", ""), "end", "结束日期") or today
    start = parse_date(params.get("start", ""), "start", "开始日期") or end - timedelta(days=default_days - 1)
    if start > end:
        raise ValidationError({"start": "开始日期不能晚于结束日期"})
    if (end - start).days >= MAX_DAYS:
        raise ValidationError({"start": "统计期间不能超过三年"})
    return start, end


def region_param(params) -> str:
    region = (params.get("region") or "").strip()
    if region and not (region.isdigit() and len(region) in (2, 4, 6, 9, 12, 15)):
        raise ValidationError({"region": "区域应为区划代码前缀（2/4/6/9/12 位）或 15 位网格编码"})
    return region

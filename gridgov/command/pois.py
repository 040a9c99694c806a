"""Points of interest on the map, imported from GeoJSON or Excel by an administrator.

A file is read whole first; if any row is wrong nothing is saved and every wrong row is
reported by its number and field.
"""

import io
import json
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from openpyxl import load_workbook

from gridgov.accounts import permissions
from gridgov.accounts.models import User
from gridgov.command.models import PoiKind, PointOfInterest
from gridgov.regions import locator

KIND_BY_NAME = {**{k: k for k in PoiKind.values}, **{label: value for value, label in PoiKind.choices}}
# Column headers accepted in a spreadsheet, Chinese or English.
COLUMNS = {
    "名称": "name", "name": "name", "类型": "kind", "kind": "kind", "经度": "lon", "lon": "lon",
    "纬度": "lat", "lat": "lat", "地址": "address", "address": "address", "电话": "phone", "phone": "phone",
    "说明": "note", "note": "note",
}
MAX_ROWS = 20_000


class ImportFailed(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("；".join(errors[:5]))
        self.errors = errors


@dataclass
class Row:
    number: int
    values: dict


def _rows_from_geojson(content: bytes) -> list[Row]:
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFailed([f"文件不是有效的 GeoJSON：{exc}"]) from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise ImportFailed(["GeoJSON 须为 FeatureCollection，含 features 列表"])
    rows = []
    for number, feature in enumerate(features, 1):
        geometry = (feature or {}).get("geometry") or {}
        props = dict((feature or {}).get("properties") or {})
        coordinates = geometry.get("coordinates") if geometry.get("type") == "Point" else None
        if isinstance(coordinates, list) and len(coordinates) >= 2:
            props["lon"], props["lat"] = coordinates[0], coordinates[1]
        else:
            props["lon"] = props["lat"] = None
        rows.append(Row(number, {COLUMNS.get(k, k): v for k, v in props.items()}))
    return rows


def _rows_from_excel(content: bytes) -> list[Row]:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportFailed([f"无法读取 Excel 文件：{exc}"]) from None
    sheet = book.worksheets[0]
    lines = sheet.iter_rows(values_only=True)
    header = [COLUMNS.get(str(h or "").strip(), "") for h in next(lines, ())]
    missing = [label for label, key in (("名称", "name"), ("类型", "kind"), ("经度", "lon"), ("纬度", "lat"))
               if key not in header]
    if missing:
        raise ImportFailed([f"第 1 行（表头）缺少列：{'、'.join(missing)}"])
    rows = []
    for number, line in enumerate(lines, 2):
        if all(v in (None, "") for v in line):
            continue
        rows.append(Row(number, {key: value for key, value in zip(header, line, strict=False) if key}))
    return rows


def _check(row: Row, scopes: list[str], unit: str) -> tuple[PointOfInterest | None, list[str]]:
    v, errors = row.values, []
    where = f"第 {row.number} {unit}"
    name = str(v.get("name") or "").strip()
    if not name:
        errors.append(f"{where}：名称（name）不能为空")
    elif len(name) > 100:
        errors.append(f"{where}：名称（name）不能超过 100 字")
    kind = KIND_BY_NAME.get(str(v.get("kind") or "").strip())
    if kind is None:
        errors.append(f"{where}：类型（kind）“{v.get('kind') or ''}”无效，应为 {'、'.join(PoiKind.labels)}")
    try:
        lon, lat = float(v.get("lon")), float(v.get("lat"))
    except (TypeError, ValueError):
        errors.append(f"{where}：经度/纬度（lon/lat）须为数字")
        return None, errors
    located = locator.locate(lon, lat)
    if located is None:
        errors.append(f"{where}：位置（{lon}, {lat}）不在任何网格内")
    elif not any(located.code.startswith(s) for s in scopes):
        errors.append(f"{where}：位置不在您管理的区域内")
    if errors:
        return None, errors
    return PointOfInterest(
        kind=kind, name=name, lon=lon, lat=lat, area_code=located.code,
        address=str(v.get("address") or "")[:200], phone=str(v.get("phone") or "")[:30],
        note=str(v.get("note") or "")[:200], imported_at=timezone.now(),
    ), []


def import_file(*, filename: str, content: bytes, by: User) -> int:
    """Import every point of the file, or none; returns how many were added."""
    scopes = permissions.scopes(by, permissions.EDIT)
    if not scopes:
        raise PermissionDenied("只有系统管理员可以导入兴趣点")
    lower = filename.lower()
    if lower.endswith((".geojson", ".json")):
        rows, unit = _rows_from_geojson(content), "个要素"
    elif lower.endswith(".xlsx"):
        rows, unit = _rows_from_excel(content), "行"
    else:
        raise ImportFailed(["文件须为 .geojson / .json 或 .xlsx"])
    if not rows:
        raise ImportFailed(["文件中没有兴趣点"])
    if len(rows) > MAX_ROWS:
        raise ImportFailed([f"一次最多导入 {MAX_ROWS:,} 个兴趣点"])
    points, errors = [], []
    for row in rows:
        point, row_errors = _check(row, scopes, unit)
        errors.extend(row_errors)
        if point is not None:
            points.append(point)
    if errors:
        raise ImportFailed(errors)
    with transaction.atomic():
        PointOfInterest.objects.bulk_create(points, batch_size=1000)
    return len(points)


def manageable(user: User):
    return permissions.visible(user, PointOfInterest.objects.all(), field="area_code", action=permissions.EDIT)

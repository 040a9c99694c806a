"""Import and export of the territory: regions, grids and 片区 as GeoJSON, Excel or CSV.

An import is all or nothing. Every row is read and checked first, against the database
and against the rest of the file, and every problem is collected with the row it came
from; one problem and nothing is written. Otherwise the whole file is written in one
transaction, parents before children, and the territory version moves on once.

An export writes the same columns an import reads, so a district can take its territory
out, edit it in Excel and bring it back, or move it to another installation.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction

from gridgov.accounts import permissions
from gridgov.accounts.models import User
from gridgov.lib import codes
from gridgov.regions import territory
from gridgov.regions.models import AreaType, Cluster, DedicatedKind, Grid, GridKind, Level, Region

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------
# Results


class RowError(NamedTuple):
    """One problem: where it is (row or feature), which column, and why, in Chinese."""

    where: str
    field: str
    message: str


KINDS = ("region", "cluster", "grid")
KIND_LABELS = {"region": "区划", "cluster": "片区", "grid": "网格"}


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    rows: int = 0
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        """'新建 区划 2 个、网格 3 个；更新 网格 1 个' — what was (or would be) written."""
        parts = []
        for verb, counts in (("新建", self.created), ("更新", self.updated)):
            items = [f"{KIND_LABELS[k]} {counts[k]} 个" for k in KINDS if counts[k]]
            if items:
                parts.append(verb + " " + "、".join(items))
        return "；".join(parts) or "没有需要写入的数据"


class FileRejected(Exception):
    """The file as a whole cannot be read; the message says why, in Chinese."""


# ---------------------------------------------------------------------------------------
# Columns

# Canonical field -> the Chinese column name used in messages and in the Excel export.
FIELD_LABELS = {
    "code": "代码",
    "name": "名称",
    "parent_code": "上级代码",
    "level": "层级",
    "households": "户数",
    "population": "人口",
    "area_type": "城乡属性",
    "kind": "网格类型",
    "dedicated_kind": "专属类别",
    "cluster": "片区",
    "cluster_name": "片区名称",
    "urban_rural_code": "城乡分类代码",
    "station": "片区工作站",
    "geometry": "边界",
}
REQUIRED = ("code", "name")

_ALIASES = {
    "code": ["代码", "编码", "区划代码", "网格编码", "网格代码", "统计用区划代码"],
    "name": ["名称", "区划名称", "网格名称"],
    "parent_code": ["上级代码", "上级编码", "上级区划代码", "parent", "parentcode"],
    "level": ["层级", "级别"],
    "households": ["户数"],
    "population": ["人口", "人口数"],
    "area_type": ["城乡属性", "areatype"],
    "kind": ["网格类型"],
    "dedicated_kind": ["专属类别", "专属网格类别", "dedicatedkind"],
    "cluster": ["片区", "片区编码", "片区代码", "cluster_code", "clustercode"],
    "cluster_name": ["片区名称", "clustername"],
    "urban_rural_code": ["城乡分类代码", "urbanruralcode"],
    "station": ["片区工作站", "工作站"],
    "geometry": ["边界", "几何", "边界(geojson)", "outline"],
}
HEADER_ALIASES = {alias: name for name, aliases in _ALIASES.items() for alias in [name, *aliases]}
# Excel holds at most 32,767 characters in a cell, so a long outline is written over
# several columns: 边界, 边界续1, 边界续2, … and glued back together on import.
EXCEL_CELL_MAX = 32_000
_CONTINUATION = re.compile(r"^(?:边界|几何|geometry|outline)(?:续|_)(\d+)$")


def _header_key(text: object) -> str:
    key = str(text or "").strip().lower().replace("（", "(").replace("）", ")")
    return re.sub(r"[\s*＊]", "", key)


def _column_for(header: object) -> tuple[str, int] | None:
    """The field a header names and, for a split outline, which part it holds."""
    key = _header_key(header)
    if key in HEADER_ALIASES:
        return HEADER_ALIASES[key], 0
    match = _CONTINUATION.match(key)
    if match:
        return "geometry", int(match.group(1))
    return None


def _choices(enum: Any, *extra: tuple[str, str]) -> dict[str, str]:
    table = {str(value): str(value) for value in enum.values}
    table.update({str(label): str(value) for value, label in enum.choices})
    table.update(dict(extra))
    return table


AREA_TYPES = _choices(AreaType, ("城市", AreaType.URBAN), ("乡村", AreaType.RURAL))
GRID_KINDS = _choices(GridKind, ("综合", GridKind.COMPREHENSIVE), ("专属", GridKind.DEDICATED))
DEDICATED_KINDS = _choices(DedicatedKind)
# A 片区 row (code = town's 9 digits + P + 2 digits) is neither a region nor a grid.
CLUSTER = 0
CLUSTER_CODE = re.compile(r"\d{9}P\d{2}")
LEVEL_LABELS = {**codes.LEVEL_NAMES, CLUSTER: "片区"}
LEVELS: dict[str, int] = {
    **{str(level): level for level in codes.LEVEL_NAMES},
    **{label: level for level, label in codes.LEVEL_NAMES.items()},
    "province": codes.PROVINCE,
    "city": codes.CITY,
    "district": codes.DISTRICT,
    "county": codes.DISTRICT,
    "town": codes.TOWN,
    "village": codes.VILLAGE,
    "grid": codes.GRID,
    "区": codes.DISTRICT,
    "县": codes.DISTRICT,
    "乡镇": codes.TOWN,
    "街道": codes.TOWN,
    "乡": codes.TOWN,
    "镇": codes.TOWN,
    "村": codes.VILLAGE,
    "社区": codes.VILLAGE,
    "片区": CLUSTER,
    "cluster": CLUSTER,
}

# ValidationError keys of the territory services -> the column they are about.
_ERROR_FIELDS = {
    "outline": "geometry",
    "parent": "parent_code",
    "village": "parent_code",
}


# ---------------------------------------------------------------------------------------
# Reading files into rows


@dataclass
class SourceRow:
    """One row or feature as read, before any checking: field -> raw value."""

    where: str
    values: dict[str, Any]
    problem: str = ""


def read_rows(source: IO[bytes], *, filename: str) -> list[SourceRow]:
    """Read an uploaded file into rows; FileRejected when the file itself is unusable."""
    limit = settings.IMPORT_MAX_BYTES
    # Reading one byte past the limit tells a file that is too large without loading it all.
    data = source.read(limit + 1)
    if len(data) > limit:
        raise FileRejected(f"文件超过大小上限（{_size_text(limit)}）")
    if not data.strip():
        raise FileRejected("文件为空")
    suffix = Path(filename or "").suffix.lower()
    if suffix in {".geojson", ".json"}:
        return _read_geojson(data)
    if suffix == ".xlsx":
        return _read_xlsx(data)
    if suffix in {".csv", ".txt"}:
        return _read_csv(data)
    if suffix == ".xls":
        raise FileRejected("不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 后上传")
    raise FileRejected(
        f"不支持的文件类型「{suffix or '无扩展名'}」，请上传 .geojson、.xlsx 或 .csv 文件"
    )


def upload_limit_text() -> str:
    """The largest file an import accepts, for the upload form."""
    return _size_text(settings.IMPORT_MAX_BYTES)


def _size_text(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:g} MB"
    if n >= 1024:
        return f"{n / 1024:g} KB"
    return f"{n} 字节"


def _is_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def _decode(data: bytes) -> str:
    """Text from UTF-8 (with or without BOM), UTF-16 with BOM, or GBK/GB18030 — the last is
    what Excel on a Chinese Windows writes when it saves CSV."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif b"\x00" in data:
        raise FileRejected("文件不是文本文件（含有二进制内容）")
    else:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
    raise FileRejected("无法识别文件编码，请保存为 UTF-8 或 GBK 编码")


def _read_geojson(data: bytes) -> list[SourceRow]:
    if _is_zip(data):
        raise FileRejected("文件扩展名为 GeoJSON，但内容是 Excel 工作簿或压缩包")
    text = _decode(data)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileRejected(
            f"文件不是有效的 GeoJSON：JSON 格式错误（第 {exc.lineno} 行第 {exc.colno} 列）"
        ) from exc
    except RecursionError as exc:
        raise FileRejected("文件不是有效的 GeoJSON：嵌套层次过深") from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise FileRejected("GeoJSON 文件应为要素集合（type 为 FeatureCollection）")
    crs = json.dumps(document.get("crs") or "")
    if crs != '""' and not re.search(r"CRS84|4326|4490", crs):
        raise FileRejected(
            "坐标系应为 WGS84 或 CGCS2000 经纬度（EPSG:4326 / 4490），请转换后再导入"
        )
    features = document.get("features")
    if not isinstance(features, list):
        raise FileRejected("GeoJSON 文件缺少 features 数组")
    if not features:
        raise FileRejected("文件中没有要素")
    rows = []
    for number, feature in enumerate(features, 1):
        where = f"第 {number} 个要素"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            rows.append(SourceRow(where, {}, problem="不是 GeoJSON 要素（type 应为 Feature）"))
            continue
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            rows.append(SourceRow(where, {}, problem="properties 应为对象"))
            continue
        values: dict[str, Any] = {}
        for key, value in properties.items():
            column = _column_for(key)
            if column and column[0] != "geometry":
                values.setdefault(column[0], value)
        values["geometry"] = feature.get("geometry")
        rows.append(SourceRow(where, values))
    return rows


def _read_csv(data: bytes) -> list[SourceRow]:
    if _is_zip(data):
        raise FileRejected("文件扩展名为 .csv，但内容是 Excel 工作簿，请以 .xlsx 文件上传")
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    # An outline in a cell can be far longer than the csv module's default field limit.
    csv.field_size_limit(max(csv.field_size_limit(), settings.IMPORT_MAX_BYTES))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        table = [(number, row) for number, row in enumerate(reader, 1)]
    except csv.Error as exc:
        raise FileRejected(f"CSV 格式错误（第 {reader.line_num} 行）：{exc}") from exc
    rows = _read_table(table, sheet="")
    if rows is None:
        raise FileRejected(_missing_columns_message("", set()))
    if not rows:
        raise FileRejected("文件中没有数据行")
    return rows


def _read_xlsx(data: bytes) -> list[SourceRow]:
    import openpyxl  # only imports need it; keep it out of every process's start-up

    if not _is_zip(data):
        raise FileRejected("文件扩展名为 .xlsx，但内容不是 Excel 工作簿")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise FileRejected("文件扩展名为 .xlsx，但内容不是有效的 Excel 工作簿") from exc
    # A small zip can unpack to gigabytes; refuse before openpyxl tries.
    if unpacked > 20 * settings.IMPORT_MAX_BYTES:
        raise FileRejected("Excel 工作簿解压后过大")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise FileRejected("文件扩展名为 .xlsx，但内容不是有效的 Excel 工作簿") from exc
    rows: list[SourceRow] = []
    found_header = False
    try:
        for sheet in workbook.worksheets:
            # Files written by other tools often carry a wrong size tag; read every row.
            sheet.reset_dimensions()
            table = enumerate(sheet.iter_rows(values_only=True), 1)
            sheet_rows = _read_table(table, sheet=f"「{sheet.title}」")
            if sheet_rows is not None:
                found_header = True
                rows.extend(sheet_rows)
    except FileRejected:
        raise
    except Exception as exc:
        raise FileRejected("Excel 工作簿内容损坏，无法读取") from exc
    finally:
        workbook.close()
    if not found_header:
        raise FileRejected(_missing_columns_message("", set()))
    if not rows:
        raise FileRejected("文件中没有数据行")
    return rows


def _missing_columns_message(sheet: str, present: set[str]) -> str:
    missing = [f"{FIELD_LABELS[f]}（{f}）" for f in REQUIRED if f not in present]
    return f"{sheet}缺少必需的列：{'、'.join(missing)}"


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _read_table(
    table: Iterable[tuple[int, Iterable[object]]], *, sheet: str
) -> list[SourceRow] | None:
    """Rows of a sheet under its header; None when the sheet has no header at all.

    The header is the first row naming a code column among the first few, so a title line
    above it (common in office templates) does no harm. Row numbers are the sheet's own.
    """
    lines = iter(table)
    columns: dict[int, tuple[str, int]] = {}
    first_header: set[str] | None = None
    for _number, cells in lines:
        cells = list(cells)
        if all(_blank(c) for c in cells):
            continue
        mapping = {i: col for i, c in enumerate(cells) if (col := _column_for(c))}
        fields = {f for f, _ in mapping.values()}
        if first_header is None:
            first_header = fields
        if "code" in fields or "name" in fields:
            columns = mapping
            break
        if _number >= 10:
            break
    if not columns:
        if first_header:
            raise FileRejected(_missing_columns_message(sheet, first_header))
        return None
    present = {f for f, _ in columns.values()}
    if any(f not in present for f in REQUIRED):
        raise FileRejected(_missing_columns_message(sheet, present))
    rows = []
    for number, cells in lines:
        cells = list(cells)
        if all(_blank(c) for c in cells):
            continue
        values: dict[str, Any] = {}
        parts: dict[int, str] = {}
        for index, (name, part) in columns.items():
            cell = cells[index] if index < len(cells) else None
            if name == "geometry":
                if not _blank(cell):
                    parts[part] = str(cell).strip()
            elif name not in values or _blank(values[name]):
                values[name] = cell
        if parts:
            values["geometry"] = "".join(parts[p] for p in sorted(parts))
        rows.append(SourceRow(f"{sheet}第 {number} 行", values))
    return rows


# ---------------------------------------------------------------------------------------
# Checking rows


@dataclass
class RegionRow:
    where: str
    code: str
    name: str
    level: int
    parent_code: str | None
    urban_rural_code: str
    outline: dict | None


@dataclass
class GridRow:
    where: str
    code: str
    name: str
    village_code: str
    kind: str
    dedicated_kind: str
    area_type: str
    households: int
    population: int
    geometry: dict
    cluster_code: str | None


@dataclass
class ClusterPlan:
    code: str
    name: str
    town_code: str
    where: str
    existing: Cluster | None = None
    # None: not in the file, keep what is stored.
    station: str | None = None
    # A row of its own in the file, rather than only named by grids.
    listed: bool = False

    @property
    def changed(self) -> bool:
        if self.existing is None:
            return True
        station_changed = self.station is not None and self.station != self.existing.station
        return self.existing.name != self.name or station_changed


@dataclass
class Plan:
    regions: list[RegionRow] = field(default_factory=list)
    grids: list[GridRow] = field(default_factory=list)
    clusters: dict[str, ClusterPlan] = field(default_factory=dict)
    known: dict[str, Region] = field(default_factory=dict)


class _Invalid(Exception):
    """A value that cannot be used; carries the field and the reason."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _code(value: object) -> str:
    """A code as text, undoing what spreadsheets do to long numbers."""
    text = _text(value)
    if re.fullmatch(r"\d+(\.\d+)?[eE]\+?\d+", text):
        raise _Invalid(
            "code",
            f"代码「{text}」被显示为科学计数法，已丢失位数；请将该列设为文本格式后重新保存",
        )
    match = re.fullmatch(r"(\d+)\.0+", text)
    return match.group(1) if match else text


def _count(value: object, field_name: str) -> int | None:
    """A non-negative-looking whole number, or None when blank; the sign is left to the
    territory rules so the message is the same as in a form."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise _Invalid(field_name, f"{FIELD_LABELS[field_name]}「{value}」不是整数")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise _Invalid(field_name, f"{FIELD_LABELS[field_name]}「{value}」不是整数")
    text = str(value).strip().replace(",", "").replace("，", "")
    if re.fullmatch(r"[+-]?\d+(\.0+)?", text):
        return int(float(text))
    raise _Invalid(field_name, f"{FIELD_LABELS[field_name]}「{str(value).strip()}」不是整数")


def _choice(value: object, table: dict[str, str]) -> str:
    text = _text(value)
    return table.get(text, table.get(text.lower(), text))


def _geometry(value: object) -> dict | None:
    if _blank(value):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise _Invalid("geometry", "边界不是有效的 GeoJSON 文本") from exc
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if not isinstance(value, dict):
        raise _Invalid("geometry", "边界应为 GeoJSON 几何对象（Polygon 或 MultiPolygon）")
    return value


class _Checker:
    """Turns source rows into a Plan, or into the list of everything wrong with them."""

    def __init__(self, rows: list[SourceRow], scopes: list[str]) -> None:
        self.rows = rows
        self.scopes = scopes
        self.errors: list[RowError] = []
        self.plan = Plan()
        # What the file itself defines, so a row may refer to a parent further down.
        self.file_levels: dict[str, int] = {}
        self.file_names: dict[str, str] = {}
        self.file_urban_rural: dict[str, str] = {}
        # (town prefix, 片区 name) -> 片区 code, for grids that name their 片区.
        self.cluster_names: dict[tuple[str, str], str] = {}

    def error(self, where: str, field_name: str, message: str) -> None:
        self.errors.append(RowError(where, FIELD_LABELS.get(field_name, field_name), message))

    def validation_errors(self, where: str, error: ValidationError) -> None:
        for key, messages in error.message_dict.items():
            for message in messages:
                self.error(where, _ERROR_FIELDS.get(key, key), message)

    def in_scope(self, code: str) -> bool:
        return any(code.startswith(scope) for scope in self.scopes)

    def check_length(self, where: str, field_name: str, value: str, model: Any) -> None:
        # SQLite would store an over-long name silently and PostgreSQL refuse the whole
        # transaction without saying which row; say it here.
        limit = model._meta.get_field("name").max_length
        if len(value) > limit:
            label = FIELD_LABELS[field_name]
            self.error(where, field_name, f"{label}不能超过 {limit} 个字（现有 {len(value)} 个）")

    # The passes -------------------------------------------------------------------------

    def run(self) -> Plan:
        entries = self._first_pass()
        self._load_existing(entries)
        # 片区 rows first, so grids that name a 片区 find the one the file describes.
        for row, code, level in sorted(entries, key=lambda e: e[2] != CLUSTER):
            try:
                if level == CLUSTER:
                    self._check_cluster(row, code)
                elif level == codes.GRID:
                    self._check_grid(row, code)
                else:
                    self._check_region(row, code, level)
            except _Invalid as exc:
                self.error(row.where, exc.field, exc.message)
        position = {row.where: n for n, row in enumerate(self.rows)}
        self.errors.sort(key=lambda e: position.get(e.where, -1))
        return self.plan

    def _first_pass(self) -> list[tuple[SourceRow, str, int]]:
        """Codes, levels, scope and duplicates; rows that pass go on to the full check."""
        seen: dict[str, str] = {}
        entries = []
        for row in self.rows:
            if row.problem:
                self.error(row.where, "", row.problem)
                continue
            try:
                code = _code(row.values.get("code"))
            except _Invalid as exc:
                self.error(row.where, exc.field, exc.message)
                continue
            if not code:
                self.error(row.where, "code", "代码不能为空")
                continue
            if CLUSTER_CODE.fullmatch(code.upper()):
                code, level = code.upper(), CLUSTER
            else:
                try:
                    level = codes.level_of(code)
                    codes.validate(code, level=level)
                except codes.CodeError as exc:
                    self.error(row.where, "code", str(exc))
                    continue
            if code in seen:
                self.error(row.where, "code", f"代码 {code} 在文件中重复（{seen[code]}已有）")
                continue
            seen[code] = row.where
            if level == CLUSTER:
                scope_code = code[:9]
            elif level == codes.GRID:
                scope_code = code
            else:
                scope_code = codes.prefix(code)
            if not self.in_scope(scope_code):
                self.error(row.where, "code", f"代码 {code} 不在您的管辖范围内")
                continue
            self.file_levels[code] = level
            self.file_names[code] = _text(row.values.get("name"))
            self.file_urban_rural[code] = _text(row.values.get("urban_rural_code"))
            entries.append((row, code, level))
        return entries

    def _load_existing(self, entries: list[tuple[SourceRow, str, int]]) -> None:
        wanted: set[str] = set()
        grid_codes = []
        cluster_towns = set()
        for row, code, level in entries:
            if level == CLUSTER:
                cluster_towns.add(codes.pad(code[:9]))
                wanted.add(codes.pad(code[:9]))
                continue
            if level == codes.GRID:
                grid_codes.append(code)
                wanted.update((code[:12], codes.pad(code[:9])))
            else:
                wanted.add(code)
                wanted.update(codes.ancestors(code))
            try:
                parent = _code(row.values.get("parent_code"))
            except _Invalid:
                parent = ""  # reported when the row itself is checked
            if parent:
                wanted.add(parent)
        self.existing_regions: dict[str, Region] = {
            r.code: r for r in _in_chunks(Region.objects.select_related("parent"), wanted)
        }
        self.existing_grids: dict[str, Grid] = {
            g.code: g for g in _in_chunks(Grid.objects.select_related("cluster"), grid_codes)
        }
        towns = sorted({codes.pad(code[:9]) for code in grid_codes} | cluster_towns)
        self.existing_clusters: dict[str, Cluster] = {}
        for start in range(0, len(towns), 500):
            chunk = Cluster.objects.filter(town__code__in=towns[start : start + 500])
            self.existing_clusters.update((c.code, c) for c in chunk)
        for cluster in self.existing_clusters.values():
            self.cluster_names.setdefault((cluster.code[:9], cluster.name), cluster.code)
        self.plan.known = dict(self.existing_regions)

    def _known_level(self, code: str) -> int | None:
        if code in self.file_levels:
            return self.file_levels[code]
        if code in self.existing_regions:
            return self.existing_regions[code].level
        return None

    def _stub(self, code: str) -> Region:
        """The region with this code as the rules need it: from the database or the file."""
        if code in self.existing_regions:
            return self.existing_regions[code]
        return Region(
            code=code, name=self.file_names.get(code, code), level=self.file_levels.get(code, 0)
        )

    # Regions ----------------------------------------------------------------------------

    def _check_region(self, row: SourceRow, code: str, level: int) -> None:
        values = row.values
        existing = self.existing_regions.get(code)
        name = _text(values.get("name"))
        self.check_length(row.where, "name", name, Region)
        self._check_level_hint(row, level)
        parent_code = self._region_parent(row, code, level, existing)
        urban_rural_code = _text(values.get("urban_rural_code"))
        if urban_rural_code and urban_rural_code not in territory.URBAN_RURAL_CODES:
            self.error(
                row.where,
                "urban_rural_code",
                f"城乡分类代码 {urban_rural_code} 无效（应为 111、112、121、122、123、210 或 220）",
            )
        if not urban_rural_code and existing is not None:
            urban_rural_code = existing.urban_rural_code
        try:
            outline = _geometry(values.get("geometry"))
        except _Invalid as exc:
            self.error(row.where, exc.field, exc.message)
            outline = None
        if outline is None and existing is not None:
            outline = existing.outline
        parent = self._stub(parent_code) if parent_code else None
        try:
            territory.check_region(
                code=code, name=name, level=level, parent=parent, outline=outline
            )
        except ValidationError as exc:
            self.validation_errors(row.where, exc)
        self.plan.regions.append(
            RegionRow(row.where, code, name, level, parent_code, urban_rural_code, outline)
        )

    def _check_level_hint(self, row: SourceRow, level: int) -> None:
        hint = _text(row.values.get("level"))
        if not hint:
            return
        hinted = LEVELS.get(hint, LEVELS.get(hint.lower()))
        if hinted is None:
            self.error(row.where, "level", f"层级「{hint}」无法识别")
        elif hinted != level:
            self.error(
                row.where,
                "level",
                f"层级「{hint}」与代码推断的层级「{LEVEL_LABELS[level]}」不符",
            )

    def _region_parent(
        self, row: SourceRow, code: str, level: int, existing: Region | None
    ) -> str | None:
        """The parent's code. Given: it must exist. Blank: the region keeps its parent, or
        takes the one just above it; only a district or higher with nothing at all above
        it in the database or the file may stand as a root (a district's own install)."""
        given = _code(row.values.get("parent_code"))
        if given:
            if self._known_level(given) is None:
                raise _Invalid("parent_code", f"上级代码 {given} 不存在（数据库和文件中均未找到）")
            return given
        if existing is not None:
            return existing.parent.code if existing.parent else None
        above = codes.ancestors(code)
        if not above:
            return None
        if self._known_level(above[-1]) is not None:
            return above[-1]
        if level <= codes.DISTRICT and not any(self._known_level(a) for a in above):
            return None
        raise _Invalid("parent_code", f"上级区划 {above[-1]} 不存在（数据库和文件中均未找到）")

    # Grids ------------------------------------------------------------------------------

    def _check_grid(self, row: SourceRow, code: str) -> None:
        values = row.values
        existing = self.existing_grids.get(code)
        self._check_level_hint(row, codes.GRID)
        village_code = _code(values.get("parent_code")) or code[:12]
        village_level = self._known_level(village_code)
        if village_level is None:
            self.error(
                row.where,
                "parent_code",
                f"所属村社区 {village_code} 不存在（数据库和文件中均未找到）",
            )
            # Go on with a stand-in village so the other columns are still checked.
            village = Region(code=code[:12], name=code[:12], level=Level.VILLAGE)
        else:
            village = self._stub(village_code)

        counts = {}
        for name in ("households", "population"):
            try:
                counts[name] = _count(values.get(name), name)
            except _Invalid as exc:
                self.error(row.where, exc.field, exc.message)
                counts[name] = 0
            if counts[name] is None:
                counts[name] = getattr(existing, name) if existing else 0

        area_type = _choice(values.get("area_type"), AREA_TYPES)
        if not area_type:
            if existing is not None:
                area_type = existing.area_type
            else:
                urban = self._urban_rural_code(village_code).startswith("1")
                area_type = AreaType.URBAN if urban else AreaType.RURAL
        kind = _choice(values.get("kind"), GRID_KINDS) or (
            existing.kind if existing else GridKind.COMPREHENSIVE
        )
        dedicated_kind = _choice(values.get("dedicated_kind"), DEDICATED_KINDS) or (
            existing.dedicated_kind if existing else ""
        )

        try:
            geometry = _geometry(values.get("geometry"))
        except _Invalid as exc:
            self.error(row.where, exc.field, exc.message)
            geometry = None
            broken_geometry = True
        else:
            broken_geometry = False
        if geometry is None and existing is not None:
            geometry = existing.geometry
        if geometry is None and not broken_geometry:
            self.error(row.where, "geometry", "新建网格须提供边界（GeoJSON 多边形）")

        self.check_length(row.where, "name", _text(values.get("name")), Grid)
        fields = territory.GridFields(
            code=code,
            name=_text(values.get("name")),
            village=village,
            geometry=geometry if geometry is not None else {"type": "Polygon", "coordinates": []},
            kind=kind,
            dedicated_kind=dedicated_kind,
            area_type=area_type,
            households=counts["households"],
            population=counts["population"],
        )
        try:
            territory.check_grid(fields)
        except ValidationError as exc:
            skip = {"geometry"} if geometry is None else set()
            for key, messages in exc.message_dict.items():
                if key not in skip:
                    for message in messages:
                        self.error(row.where, _ERROR_FIELDS.get(key, key), message)

        cluster_code = self._grid_cluster(row, code, village_code, existing)
        self.plan.grids.append(
            GridRow(
                row.where,
                code,
                fields.name,
                village_code,
                kind,
                dedicated_kind,
                area_type,
                counts["households"],
                counts["population"],
                geometry or {},
                cluster_code,
            )
        )

    def _urban_rural_code(self, village_code: str) -> str:
        if self.file_urban_rural.get(village_code):
            return self.file_urban_rural[village_code]
        village = self.existing_regions.get(village_code)
        return village.urban_rural_code if village else ""

    def _town_of(self, village_code: str) -> str:
        village = self.existing_regions.get(village_code)
        if village is not None and village.parent is not None:
            return village.parent.code
        return codes.pad(village_code[:9])

    def _grid_cluster(
        self, row: SourceRow, code: str, village_code: str, existing: Grid | None
    ) -> str | None:
        """The 片区 code for a grid: a code, or a name looked up (or given a new code) in
        the grid's town. Blank keeps whatever the grid had."""
        reference = _text(row.values.get("cluster"))
        name = _text(row.values.get("cluster_name"))
        if not reference and not name:
            return existing.cluster.code if existing and existing.cluster else None
        self.check_length(row.where, "cluster_name", name or reference, Cluster)
        town_code = self._town_of(village_code)
        town_prefix = town_code[:9]
        if self._known_level(town_code) != codes.TOWN:
            self.error(row.where, "cluster", f"片区所属的乡镇街道 {town_code} 不存在")
            return None
        if CLUSTER_CODE.fullmatch(reference.upper()):
            reference = reference.upper()
            if not reference.startswith(town_prefix):
                self.error(row.where, "cluster", f"片区 {reference} 不属于该网格所在的乡镇街道")
                return None
            cluster_code = reference
        else:
            name = name or reference
            cluster_code = self._cluster_by_name(town_prefix, name)
            if cluster_code is None:
                cluster_code = self._next_cluster_code(town_prefix)
                if cluster_code is None:
                    self.error(row.where, "cluster", "该乡镇街道的片区已满 99 个，无法新建")
                    return None
        plan = self.plan.clusters.get(cluster_code)
        if plan is None:
            existing_cluster = self.existing_clusters.get(cluster_code)
            default_name = existing_cluster.name if existing_cluster else cluster_code
            plan = ClusterPlan(
                cluster_code, name or default_name, town_code, row.where, existing_cluster
            )
            self.plan.clusters[cluster_code] = plan
            self.cluster_names.setdefault((town_prefix, plan.name), cluster_code)
        elif name and name != plan.name:
            self.error(
                row.where,
                "cluster_name",
                f"片区 {cluster_code} 的名称「{name}」与{plan.where}的「{plan.name}」不一致",
            )
        return cluster_code

    def _check_cluster(self, row: SourceRow, code: str) -> None:
        self._check_level_hint(row, CLUSTER)
        name = _text(row.values.get("name"))
        station = _text(row.values.get("station")) if "station" in row.values else None
        town_code = codes.pad(code[:9])
        if self._known_level(town_code) != codes.TOWN:
            self.error(row.where, "code", f"片区所属的乡镇街道 {town_code} 不存在")
        if not name:
            self.error(row.where, "name", "名称不能为空")
        self.check_length(row.where, "name", name, Cluster)
        limit = Cluster._meta.get_field("station").max_length
        if station and len(station) > limit:
            self.error(row.where, "station", f"片区工作站不能超过 {limit} 个字")
        existing = self.existing_clusters.get(code)
        self.plan.clusters[code] = ClusterPlan(
            code, name, town_code, row.where, existing, station=station, listed=True
        )
        self.cluster_names.setdefault((code[:9], name), code)

    def _cluster_by_name(self, town_prefix: str, name: str) -> str | None:
        return self.cluster_names.get((town_prefix, name))

    def _next_cluster_code(self, town_prefix: str) -> str | None:
        taken = {
            int(c[-2:])
            for c in [*self.plan.clusters, *self.existing_clusters]
            if c.startswith(town_prefix)
        }
        for sequence in range(1, 100):
            if sequence not in taken:
                return f"{town_prefix}P{sequence:02d}"
        return None


def _in_chunks(queryset: Any, values: Iterable[str], size: int = 500) -> Iterator[Any]:
    """Rows whose code is among `values`, a few hundred codes per query (SQLite caps the
    number of parameters in one statement)."""
    values = sorted(set(values))
    for start in range(0, len(values), size):
        yield from queryset.filter(code__in=values[start : start + size])


# ---------------------------------------------------------------------------------------
# Import


def import_territory(
    source: IO[bytes], *, filename: str, by: User | None, commit: bool
) -> ImportResult:
    """Check a file of regions and grids and, if `commit` and nothing is wrong, write it.

    `by` is the administrator importing; rows outside their EDIT scope are refused.
    `by=None` is the command line, which may write the whole territory.
    """
    result = ImportResult()
    try:
        rows = read_rows(source, filename=filename)
    except FileRejected as exc:
        result.errors.append(RowError("文件", "", str(exc)))
        return result
    result.rows = len(rows)
    scopes = [""] if by is None else permissions.scopes(by, permissions.EDIT)
    if not commit:
        _check(rows, scopes, result)
        return result
    try:
        # Checking inside the transaction means what was checked is what gets written.
        with transaction.atomic():
            plan = _check(rows, scopes, result)
            if result.errors:
                return result
            _write(plan)
            territory.bump_version()
    except IntegrityError:
        # Someone wrote the same codes while this file was being written.
        logger.warning("territory import collided with another change", exc_info=True)
        result.errors.append(RowError("文件", "", "写入时数据已被他人修改，未导入任何数据，请重试"))
        return result
    except ValidationError as exc:
        result.errors.append(
            RowError("文件", "", f"写入时校验失败，未导入任何数据：{exc.messages}")
        )
        return result
    except DatabaseError:
        logger.exception("territory import failed in the database")
        result.errors.append(RowError("文件", "", "数据库繁忙或出错，未导入任何数据，请稍后重试"))
        return result
    result.committed = True
    return result


def _check(rows: list[SourceRow], scopes: list[str], result: ImportResult) -> Plan:
    checker = _Checker(rows, scopes)
    plan = checker.run()
    result.errors.extend(checker.errors)
    for region in plan.regions:
        key = "updated" if region.code in checker.existing_regions else "created"
        getattr(result, key)["region"] += 1
    for grid in plan.grids:
        key = "updated" if grid.code in checker.existing_grids else "created"
        getattr(result, key)["grid"] += 1
    for cluster in plan.clusters.values():
        if cluster.existing is None:
            result.created["cluster"] += 1
        elif cluster.changed or cluster.listed:
            result.updated["cluster"] += 1
    return plan


def _write(plan: Plan) -> None:
    known = plan.known
    by_level: dict[int, list[RegionRow]] = {}
    for row in plan.regions:
        by_level.setdefault(row.level, []).append(row)
    # Level by level, so every parent has its id before its children are written.
    for level in sorted(by_level):
        new = []
        for row in sorted(by_level[level], key=lambda r: r.code):
            parent = _region(known, row.parent_code) if row.parent_code else None
            if row.code in known:
                known[row.code] = territory.save_region(
                    code=row.code,
                    name=row.name,
                    level=row.level,
                    parent=parent,
                    urban_rural_code=row.urban_rural_code,
                    outline=row.outline,
                )
            else:
                new.append(
                    {
                        "code": row.code,
                        "name": row.name,
                        "level": row.level,
                        "parent": parent,
                        "urban_rural_code": row.urban_rural_code,
                        "outline": row.outline,
                    }
                )
        if new:
            territory.bulk_create_regions(new)
            known.update(
                {r.code: r for r in _in_chunks(Region.objects.all(), [n["code"] for n in new])}
            )
    clusters: dict[str, Cluster] = {}
    for cluster in plan.clusters.values():
        if cluster.changed:
            clusters[cluster.code] = territory.save_cluster(
                code=cluster.code,
                name=cluster.name,
                town=_region(known, cluster.town_code),
                station=cluster.station
                if cluster.station is not None
                else (cluster.existing.station if cluster.existing else ""),
            )
        else:
            clusters[cluster.code] = cluster.existing
    missing = {g.cluster_code for g in plan.grids if g.cluster_code} - set(clusters)
    clusters.update({c.code: c for c in Cluster.objects.filter(code__in=missing)})
    territory.bulk_save_grids(
        [
            territory.GridFields(
                code=g.code,
                name=g.name,
                village=_region(known, g.village_code),
                geometry=g.geometry,
                kind=g.kind,
                dedicated_kind=g.dedicated_kind,
                area_type=g.area_type,
                households=g.households,
                population=g.population,
                cluster=clusters[g.cluster_code] if g.cluster_code else None,
            )
            for g in sorted(plan.grids, key=lambda g: g.code)
        ]
    )


def _region(known: dict[str, Region], code: str) -> Region:
    """A region the check found in the database or the file; written ones are in `known`."""
    if code not in known:
        known[code] = Region.objects.get(code=code)
    return known[code]


# ---------------------------------------------------------------------------------------
# Export


def administered_regions(user: User) -> list[Region]:
    """The regions at the top of a user's EDIT scopes (what they may import and export)."""
    prefixes = permissions.scopes(user, permissions.EDIT)
    if prefixes == [""]:
        return list(Region.objects.filter(parent__isnull=True).order_by("code"))
    region_codes = [codes.pad(p) for p in prefixes if len(p) <= 12]
    return list(Region.objects.filter(code__in=region_codes).order_by("code"))


@dataclass
class _Territory:
    regions: list[Region]
    clusters: list[Cluster]
    grids: list[Grid]


def _territory_under(prefix: str, by: User | None) -> _Territory:
    if prefix and not prefix.isdigit():
        raise ValueError(f"区划代码前缀 {prefix!r} 只能由数字组成")
    regions = Region.objects.filter(code__startswith=prefix).select_related("parent")
    clusters = Cluster.objects.filter(code__startswith=prefix)
    grids = Grid.objects.filter(code__startswith=prefix).select_related("village", "cluster")
    if by is not None:
        regions = permissions.visible(by, regions)
        clusters = permissions.visible(by, clusters)
        grids = permissions.visible(by, grids)
    return _Territory(
        list(regions.order_by("level", "code")),
        list(clusters.order_by("code")),
        list(grids.order_by("code")),
    )


def _parent_code(region: Region, exported: set[str]) -> str:
    # A parent outside the file is left blank, so the file also imports where that parent
    # does not exist (its top region then stands as a root).
    if region.parent is not None and region.parent.code in exported:
        return region.parent.code
    return ""


def export_geojson(*, prefix: str, by: User | None) -> dict:
    """Everything under `prefix` the user may see, as a GeoJSON FeatureCollection."""
    found = _territory_under(prefix, by)
    exported = {r.code for r in found.regions}
    features = []
    for region in found.regions:
        properties = {
            "code": region.code,
            "name": region.name,
            "level": region.level,
            "parent_code": _parent_code(region, exported),
            "urban_rural_code": region.urban_rural_code,
        }
        features.append({"type": "Feature", "properties": properties, "geometry": region.outline})
    for cluster in found.clusters:
        properties = {
            "code": cluster.code,
            "name": cluster.name,
            "level": "cluster",
            "station": cluster.station,
        }
        features.append({"type": "Feature", "properties": properties, "geometry": None})
    for grid in found.grids:
        properties = {
            "code": grid.code,
            "name": grid.name,
            "level": codes.GRID,
            "parent_code": grid.village.code,
            "kind": grid.kind,
            "dedicated_kind": grid.dedicated_kind,
            "area_type": grid.area_type,
            "households": grid.households,
            "population": grid.population,
            "cluster": grid.cluster.code if grid.cluster else "",
            "cluster_name": grid.cluster.name if grid.cluster else "",
        }
        features.append({"type": "Feature", "properties": properties, "geometry": grid.geometry})
    return {"type": "FeatureCollection", "features": features}


def _geometry_chunks(geometry: dict | None) -> list[str]:
    if not geometry:
        return []
    text = json.dumps(geometry, ensure_ascii=False, separators=(",", ":"))
    return [text[i : i + EXCEL_CELL_MAX] for i in range(0, len(text), EXCEL_CELL_MAX)]


def _geometry_headers(width: int) -> list[str]:
    return ["边界"] + [f"边界续{n}" for n in range(1, width)]


REGION_COLUMNS = ["代码", "名称", "上级代码", "层级", "城乡分类代码"]
CLUSTER_COLUMNS = ["代码", "名称", "片区工作站"]
GRID_COLUMNS = [
    "代码",
    "名称",
    "上级代码",
    "户数",
    "人口",
    "城乡属性",
    "网格类型",
    "专属类别",
    "片区",
    "片区名称",
]


def export_xlsx(*, prefix: str, by: User | None) -> bytes:
    """Everything under `prefix` the user may see, as a workbook with sheets 区划, 网格
    and 片区 (the last so that a 片区 without grids, and its station, survive)."""
    import openpyxl

    found = _territory_under(prefix, by)
    exported = {r.code for r in found.regions}
    region_rows = []
    for region in found.regions:
        region_rows.append(
            (
                [
                    region.code,
                    region.name,
                    _parent_code(region, exported),
                    Level(region.level).label,
                    region.urban_rural_code,
                ],
                _geometry_chunks(region.outline),
            )
        )
    grid_rows = []
    for grid in found.grids:
        grid_rows.append(
            (
                [
                    grid.code,
                    grid.name,
                    grid.village.code,
                    grid.households,
                    grid.population,
                    grid.get_area_type_display(),
                    grid.get_kind_display(),
                    grid.get_dedicated_kind_display() if grid.dedicated_kind else "",
                    grid.cluster.code if grid.cluster else "",
                    grid.cluster.name if grid.cluster else "",
                ],
                _geometry_chunks(grid.geometry),
            )
        )
    workbook = openpyxl.Workbook(write_only=True)
    for title, columns, rows in (
        ("区划", REGION_COLUMNS, region_rows),
        ("网格", GRID_COLUMNS, grid_rows),
    ):
        sheet = workbook.create_sheet(title)
        width = max([len(chunks) for _, chunks in rows] + [1])
        sheet.append(columns + _geometry_headers(width))
        for cells, chunks in rows:
            sheet.append(cells + chunks)
    sheet = workbook.create_sheet("片区")
    sheet.append(CLUSTER_COLUMNS)
    for cluster in found.clusters:
        sheet.append([cluster.code, cluster.name, cluster.station])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

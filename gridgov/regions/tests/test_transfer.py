"""Territory import and export, with real files written to disk."""

import csv
import io
import json
import math
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, OperationalError

from gridgov.conftest import rectangle
from gridgov.regions import locator, territory, transfer
from gridgov.regions.models import Cluster, Grid, Level, Region, TerritoryVersion

NEW_VILLAGE = "330502001002"


def feature(code: str, name: str, geometry: dict | None = None, **properties) -> dict:
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, **properties},
        "geometry": geometry,
    }


def write_geojson(path: Path, features: list[dict]) -> Path:
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
    )
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def write_csv(path: Path, rows: list[list], encoding: str) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def run_import(path: Path, *, by=None, commit: bool = True) -> transfer.ImportResult:
    with path.open("rb") as source:
        return transfer.import_territory(source, filename=path.name, by=by, commit=commit)


def snapshot() -> dict:
    """Everything an import could change, to compare before and after."""
    return {
        "regions": sorted(
            Region.objects.values_list("code", "name", "parent__code", "urban_rural_code")
        ),
        "grids": sorted(
            Grid.objects.values_list("code", "name", "households", "population", "cluster__code")
        ),
        "clusters": sorted(Cluster.objects.values_list("code", "name")),
        "version": TerritoryVersion.objects.get().number,
    }


def messages_for(result: transfer.ImportResult, where: str) -> list[str]:
    return [f"{e.field}:{e.message}" for e in result.errors if e.where == where]


# --- good files --------------------------------------------------------------------------


def test_a_geojson_file_creates_a_village_its_grids_and_a_cluster_and_moves_the_version_once(
    world, tmp_path
):
    before = TerritoryVersion.objects.get().number
    path = write_geojson(
        tmp_path / "village.geojson",
        [
            # The grids come before their village: the file is written parents first anyway.
            feature(
                f"{NEW_VILLAGE}001",
                "新村第一网格",
                rectangle(120.0, 30.02, 120.01, 30.03),
                households=140,
                population=400,
                area_type="rural",
                cluster_name="月河第一片区",
            ),
            feature(
                f"{NEW_VILLAGE}002",
                "新村学校网格",
                rectangle(120.01, 30.02, 120.02, 30.03),
                households=3,
                kind="dedicated",
                dedicated_kind="school",
                cluster_name="月河第一片区",
            ),
            feature(
                NEW_VILLAGE,
                "新村",
                rectangle(120.0, 30.02, 120.02, 30.03),
                parent_code="330502001000",
                level="村社区",
                urban_rural_code="220",
            ),
        ],
    )

    result = run_import(path, by=world.adam)

    assert result.errors == []
    assert result.committed
    assert result.created == {"region": 1, "cluster": 1, "grid": 2}
    assert result.updated == {"region": 0, "cluster": 0, "grid": 0}
    village = Region.objects.get(code=NEW_VILLAGE)
    assert (village.level, village.parent, village.urban_rural_code) == (
        Level.VILLAGE,
        world.town_a,
        "220",
    )
    school = Grid.objects.get(code=f"{NEW_VILLAGE}002")
    assert (school.kind, school.dedicated_kind, school.village) == ("dedicated", "school", village)
    # A new grid with no area type takes its village's: 220 村庄 is rural.
    assert school.area_type == "rural"
    cluster = Cluster.objects.get(name="月河第一片区")
    assert (cluster.code, cluster.town) == ("330502001P01", world.town_a)
    assert set(cluster.grids.values_list("code", flat=True)) == {
        f"{NEW_VILLAGE}001",
        f"{NEW_VILLAGE}002",
    }
    assert TerritoryVersion.objects.get().number == before + 1
    assert locator.locate(120.005, 30.025).code == f"{NEW_VILLAGE}001"


def test_an_xlsx_file_with_chinese_headers_updates_some_grids_and_creates_others(world, tmp_path):
    old_geometry = Grid.objects.get(code=world.grid_a1.code).geometry
    new_outline = json.dumps(rectangle(120.0, 30.02, 120.01, 30.03))
    path = write_xlsx(
        tmp_path / "grids.xlsx",
        {
            "说明": [["吴兴区网格调整表"], ["本页不导入"]],
            "网格": [
                ["吴兴区网格调整表"],  # a title line above the header, as office templates have
                ["网格编码", "网格名称", "户数", "人口", "城乡属性", "网格类型", "边界（GeoJSON）"],
                [world.grid_a1.code, "衣裳街第一网格", 290, 800, "城镇", "综合网格", None],
                # Typed into Excel, a code is a number; it must come back as the same digits.
                [330502001001003, "衣裳街第三网格", 100.0, "250", "城镇", "综合", new_outline],
            ],
        },
    )

    result = run_import(path, by=world.tara)

    assert result.errors == []
    assert result.created["grid"] == 1 and result.updated["grid"] == 1
    a1 = Grid.objects.get(code=world.grid_a1.code)
    assert (a1.households, a1.population) == (290, 800)
    assert a1.geometry == old_geometry  # a blank outline keeps the stored one
    third = Grid.objects.get(code="330502001001003")
    assert (third.households, third.population, third.area_type) == (100, 250, "urban")


@pytest.mark.parametrize(
    ("encoding", "header"),
    [
        ("utf-8-sig", ["code", "name", "parent_code", "households", "area_type", "geometry"]),
        ("utf-8", ["编码", "名称", "上级代码", "户数", "城乡属性", "边界"]),
        ("gbk", ["代码", "名称", "上级代码", "户数", "城乡属性", "边界"]),
    ],
)
def test_a_csv_file_in_utf8_with_or_without_bom_or_in_gbk_imports(
    world, tmp_path, encoding, header
):
    path = write_csv(
        tmp_path / "grids.csv",
        [
            header,
            [NEW_VILLAGE, "新村", "330502001000", "", "", ""],
            [
                f"{NEW_VILLAGE}001",
                "新村第一网格",
                "",
                "88",
                "农村",
                json.dumps(rectangle(120.0, 30.02, 120.01, 30.03)),
            ],
        ],
        encoding,
    )

    result = run_import(path, by=world.adam)

    assert result.errors == []
    grid = Grid.objects.get(code=f"{NEW_VILLAGE}001")
    assert (grid.name, grid.households, grid.area_type, grid.village.code) == (
        "新村第一网格",
        88,
        "rural",
        NEW_VILLAGE,
    )
    assert Region.objects.get(code=NEW_VILLAGE).name == "新村"


def test_a_dry_run_reports_what_it_would_write_and_writes_nothing(world, tmp_path):
    before = snapshot()
    path = write_geojson(
        tmp_path / "village.geojson",
        [
            feature(NEW_VILLAGE, "新村"),
            feature(f"{NEW_VILLAGE}001", "新村第一网格", rectangle(120.0, 30.02, 120.01, 30.03)),
            feature(world.grid_a1.code, "衣裳街第一网格（改）"),
        ],
    )

    result = run_import(path, by=world.adam, commit=False)

    assert result.errors == [] and not result.committed
    assert result.created == {"region": 1, "cluster": 0, "grid": 1}
    assert result.updated["grid"] == 1
    assert "新建 区划 1 个、网格 1 个" in result.summary()
    assert snapshot() == before


def a_file_that_writes_every_kind(world, tmp_path) -> Path:
    return write_geojson(
        tmp_path / "village.geojson",
        [
            feature(NEW_VILLAGE, "新村", parent_code="330502001000"),
            feature(
                f"{NEW_VILLAGE}001",
                "新村第一网格",
                rectangle(120.0, 30.02, 120.01, 30.03),
                cluster_name="月河第一片区",
            ),
            feature(world.grid_a1.code, "衣裳街第一网格（改）", households=1),
        ],
    )


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (IntegrityError, "写入时数据已被他人修改，未导入任何数据，请重试"),
        (OperationalError, "数据库繁忙或出错，未导入任何数据，请稍后重试"),
    ],
)
def test_a_write_that_fails_after_the_regions_and_grids_are_written_leaves_nothing_written(
    world, tmp_path, monkeypatch, error, message
):
    before = snapshot()
    written_when_it_failed = []
    real_bulk_save_grids = territory.bulk_save_grids

    def save_then_fail(rows):
        real_bulk_save_grids(rows)
        written_when_it_failed.append(
            (
                Region.objects.filter(code=NEW_VILLAGE).exists(),
                Cluster.objects.filter(name="月河第一片区").exists(),
                Grid.objects.filter(code=f"{NEW_VILLAGE}001").exists(),
                Grid.objects.get(code=world.grid_a1.code).households,
            )
        )
        raise error("the write failed half way")

    monkeypatch.setattr(territory, "bulk_save_grids", save_then_fail)

    result = run_import(a_file_that_writes_every_kind(world, tmp_path), by=world.adam)

    assert written_when_it_failed == [(True, True, True, 1)]
    assert not result.committed
    assert [tuple(e) for e in result.errors] == [("文件", "", message)]
    assert snapshot() == before
    assert locator.locate(120.005, 30.025) is None


def test_a_code_someone_else_wrote_meanwhile_breaks_the_unique_index_and_nothing_is_written(
    world, tmp_path, monkeypatch
):
    before = snapshot()

    def another_writer_got_there_first(rows):
        # The database itself refuses: the village the import just wrote, once more.
        Region.objects.create(
            code=NEW_VILLAGE, name="新村", level=Level.VILLAGE, parent=world.town_a
        )

    monkeypatch.setattr(territory, "bulk_save_grids", another_writer_got_there_first)

    result = run_import(a_file_that_writes_every_kind(world, tmp_path), by=world.adam)

    assert not result.committed
    assert [e.message for e in result.errors] == ["写入时数据已被他人修改，未导入任何数据，请重试"]
    assert snapshot() == before


# --- bad files: rejected whole, every row reported -----------------------------------------


def test_a_file_with_many_bad_features_is_rejected_whole_and_each_one_is_reported(world, tmp_path):
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[120.0, 30.02], [120.01, 30.03], [120.01, 30.02], [120.0, 30.03], [120.0, 30.02]]
        ],
    }
    unclosed = {
        "type": "Polygon",
        "coordinates": [[[120.0, 30.02], [120.01, 30.02], [120.01, 30.03], [120.0, 30.03]]],
    }
    far_east = rectangle(190.0, 30.02, 190.01, 30.03)
    ok = rectangle(120.0, 30.02, 120.01, 30.03)
    before = snapshot()
    path = write_geojson(
        tmp_path / "bad.geojson",
        [
            feature(NEW_VILLAGE, "新村"),  # 1: good
            feature("33050200100A", "坏代码"),  # 2
            feature("330502009001", "无主村"),  # 3: town 009 unknown
            feature(f"{NEW_VILLAGE}001", "自相交网格", bowtie),  # 4
            feature(f"{NEW_VILLAGE}002", "未闭合网格", unclosed),  # 5
            feature(NEW_VILLAGE, "新村重复"),  # 6: duplicate of 1
            feature(f"{NEW_VILLAGE}003", "负户数网格", ok, households=-5),  # 7
            feature(f"{NEW_VILLAGE}004", "越界网格", far_east),  # 8
            feature("330502001001009", "挂在镇下的网格", ok, parent_code="330502001000"),  # 9
            feature(f"{NEW_VILLAGE}006", "未知类型网格", ok, kind="mixed"),  # 10
            feature(f"{NEW_VILLAGE}007", "户数不是数字", ok, households="很多"),  # 11
            feature("3305020010011", "位数不对"),  # 12
            feature("330502001700", "村码越界"),  # 13
            feature(f"{NEW_VILLAGE}008", "", ok),  # 14: no name
            feature("330502002001002", "外镇网格", ok),  # 15: fine for adam
            feature(f"{NEW_VILLAGE}009", "长" * 101, ok, cluster_name="片" * 101),  # 16
        ],
    )

    result = run_import(path, by=world.adam)

    assert not result.committed
    assert snapshot() == before
    expected = {
        "第 2 个要素": "只能由数字组成",
        "第 3 个要素": "上级区划 330502009000 不存在",
        "第 4 个要素": "自相交",
        "第 5 个要素": "未闭合",
        "第 6 个要素": "重复",
        "第 7 个要素": "户数:应为不小于 0 的整数",
        "第 8 个要素": "超出经纬度范围",
        "第 9 个要素": "网格只能建在村社区下",
        "第 10 个要素": "网格类型:网格类型 'mixed' 无效",
        "第 11 个要素": "户数:户数「很多」不是整数",
        "第 12 个要素": "应为 12 位区划代码或 15 位网格代码",
        "第 13 个要素": "不在允许范围内",
        "第 14 个要素": "名称:名称不能为空",
        "第 16 个要素": "名称:名称不能超过 100 个字（现有 101 个）",
    }
    for where, text in expected.items():
        found = messages_for(result, where)
        assert any(text in m for m in found), (where, found)
    assert "片区名称:片区名称不能超过 100 个字（现有 101 个）" in messages_for(
        result, "第 16 个要素"
    )
    bad_rows = {e.where for e in result.errors}
    assert bad_rows == set(expected)
    assert all(e.message for e in result.errors)


def test_spreadsheet_rows_name_their_row_numbers_and_the_column(world, tmp_path):
    path = write_csv(
        tmp_path / "bad.csv",
        [
            ["代码", "名称", "户数", "人口", "网格类型", "专属类别", "城乡属性", "边界"],
            ["3.30502E+14", "被 Excel 改坏的代码", "1", "1", "", "", "", ""],
            [world.grid_a1.code, "衣裳街第一网格", "12.5", "1", "", "", "", ""],
            [world.grid_a2.code, "衣裳街第二网格", "1", "1", "专属网格", "", "郊区", ""],
            ["", "", "", "", "", "", "", ""],
            [f"{NEW_VILLAGE[:-1]}1003", "没有边界的新网格", "1", "1", "", "", "", ""],
            ["330502001001004", "坏边界文本", "1", "1", "", "", "", "{not json"],
        ],
        "gbk",
    )

    result = run_import(path, by=world.adam)

    assert any("科学计数法" in m for m in messages_for(result, "第 2 行"))
    assert messages_for(result, "第 3 行") == ["户数:户数「12.5」不是整数"]
    assert set(messages_for(result, "第 4 行")) == {
        "专属类别:专属网格须选择类别（市场、学校、园区等）",
        "城乡属性:城乡属性 '郊区' 无效",
    }
    # Row 5 is blank and skipped; numbering still follows the file.
    assert messages_for(result, "第 6 行") == ["边界:新建网格须提供边界（GeoJSON 多边形）"]
    assert messages_for(result, "第 7 行") == ["边界:边界不是有效的 GeoJSON 文本"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.geojson", b"", "文件为空"),
        ("blank.csv", b"  \r\n", "文件为空"),
        ("fake.xlsx", "代码,名称\n330502001002,新村\n".encode(), "内容不是 Excel 工作簿"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "不是有效的 Excel 工作簿"),
        ("fake.geojson", b"code,name\n", "不是有效的 GeoJSON"),
        ("points.geojson", b'{"type": "Point", "coordinates": [120, 30]}', "FeatureCollection"),
        ("empty.geojson", b'{"type": "FeatureCollection", "features": []}', "没有要素"),
        (
            "web-mercator.geojson",
            b'{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:3857"}},"features":[]}',
            "坐标系",
        ),
        ("names.csv", "名称,户数\n新村,1\n".encode(), "缺少必需的列：代码（code）"),
        ("header-only.csv", "代码,名称\n".encode(), "没有数据行"),
        ("notes.csv", "随便写的\n第二行\n".encode(), "缺少必需的列：代码（code）、名称（name）"),
        ("old.xls", b"\xd0\xcf\x11\xe0", ".xls"),
        ("shapes.shp", b"\x00\x00\x27\x0a", "不支持的文件类型"),
        ("utf16.csv", b"\x00c\x00o\x00d\x00e", "不是文本文件"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_the_reason(
    world, tmp_path, name, content, message
):
    before = snapshot()
    path = tmp_path / name
    path.write_bytes(content)

    result = run_import(path, by=world.adam)

    assert [e.where for e in result.errors] == ["文件"]
    assert message in result.errors[0].message
    assert snapshot() == before


def test_a_file_above_the_size_limit_is_refused_before_it_is_read(world, tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 1024
    path = write_geojson(
        tmp_path / "big.geojson",
        [
            feature(f"{NEW_VILLAGE}{n:03d}", f"网格{n}", rectangle(120.0, 30.02, 120.01, 30.03))
            for n in range(1, 30)
        ],
    )

    result = run_import(path, by=world.adam)

    assert result.errors == [transfer.RowError("文件", "", "文件超过大小上限（1 KB）")]


def test_a_sheet_without_a_name_column_is_named_in_the_error(world, tmp_path):
    path = write_xlsx(
        tmp_path / "grids.xlsx", {"网格": [["代码", "户数"], [world.grid_a1.code, 1]]}
    )

    result = run_import(path, by=world.adam)

    assert result.errors[0].message == "「网格」缺少必需的列：名称（name）"


# --- scope ---------------------------------------------------------------------------------


def test_a_town_administrator_cannot_import_a_row_of_another_town_and_nothing_is_written(
    world, tmp_path
):
    before = snapshot()
    path = write_xlsx(
        tmp_path / "mixed.xlsx",
        {
            "网格": [
                ["代码", "名称", "户数"],
                [world.grid_a1.code, "衣裳街第一网格", 1],
                [world.grid_b1.code, "南街第一网格", 1],
                [world.town_b.code, "朝阳街道", None],
            ]
        },
    )

    result = run_import(path, by=world.tara)

    assert [(e.where, e.message) for e in result.errors] == [
        ("「网格」第 3 行", f"代码 {world.grid_b1.code} 不在您的管辖范围内"),
        ("「网格」第 4 行", f"代码 {world.town_b.code} 不在您的管辖范围内"),
    ]
    assert snapshot() == before


def test_a_town_administrator_cannot_change_her_district(world, tmp_path):
    path = write_geojson(tmp_path / "district.geojson", [feature(world.district.code, "改名区")])

    result = run_import(path, by=world.tara)

    assert [e.message for e in result.errors] == [f"代码 {world.district.code} 不在您的管辖范围内"]
    assert Region.objects.get(code=world.district.code).name == "吴兴区"


def test_someone_who_administers_nothing_can_import_nothing(world, tmp_path):
    path = write_geojson(tmp_path / "grid.geojson", [feature(world.grid_a1.code, "改名")])

    result = run_import(path, by=world.otto)

    assert len(result.errors) == 1 and "不在您的管辖范围内" in result.errors[0].message


# --- parents and levels --------------------------------------------------------------------


def test_a_stated_parent_must_exist_and_the_code_must_extend_it(world, tmp_path):
    path = write_geojson(
        tmp_path / "parents.geojson",
        [
            feature(NEW_VILLAGE, "新村", parent_code="330502009000"),
            feature("330502001003", "错挂村", parent_code="330502002000"),
            feature("330502001004", "层级不符村", level="乡镇街道"),
        ],
    )

    result = run_import(path, by=world.adam)

    assert messages_for(result, "第 1 个要素") == [
        "上级代码:上级代码 330502009000 不存在（数据库和文件中均未找到）"
    ]
    assert any("不以上级代码 330502002000" in m for m in messages_for(result, "第 2 个要素"))
    assert messages_for(result, "第 3 个要素") == [
        "层级:层级「乡镇街道」与代码推断的层级「村社区」不符"
    ]


def test_a_village_whose_stated_parent_skips_the_town_rejects_the_whole_file(world, tmp_path):
    before = snapshot()
    path = write_csv(
        tmp_path / "villages.csv",
        [
            ["代码", "名称", "上级代码", "层级"],
            [NEW_VILLAGE, "新村", "330502001000", "村社区"],
            ["330502001003", "跳级村", "330502000000", "村社区"],
            ["330502001004", "又一新村", "", "村社区"],
        ],
        "utf-8",
    )

    result = run_import(path, by=world.adam)

    assert not result.committed
    assert [tuple(e) for e in result.errors] == [
        ("第 3 行", "上级代码", "村社区的上级应为乡镇街道，而 330502000000 是区县"),
    ]
    assert snapshot() == before


def test_a_district_with_nothing_above_it_stands_as_a_root_in_an_empty_database(db, tmp_path):
    empty_the_territory()  # rows other test modules build once per module may linger
    path = write_geojson(
        tmp_path / "district.geojson",
        [
            feature("330502000000", "吴兴区"),
            feature("330502001000", "月河街道"),
            feature("330502001001", "衣裳街社区"),
            feature("330502002001", "缺镇的村"),
        ],
    )

    result = run_import(path)

    assert [e.where for e in result.errors] == ["第 4 个要素"]
    path = write_geojson(
        tmp_path / "district.geojson",
        [
            feature("330502000000", "吴兴区"),
            feature("330502001000", "月河街道"),
            feature("330502001001", "衣裳街社区"),
        ],
    )
    assert run_import(path).errors == []
    assert Region.objects.get(code="330502000000").parent is None
    assert Region.objects.get(code="330502001001").parent.code == "330502001000"


def test_a_grid_can_name_an_existing_cluster_by_code_and_a_wrong_town_is_refused(world, tmp_path):
    territory.save_cluster(code="330502001P03", name="月河三片", town=world.town_a)
    path = write_geojson(
        tmp_path / "clusters.geojson",
        [
            feature(world.grid_a1.code, "衣裳街第一网格", cluster="330502001P03"),
            feature(world.grid_a2.code, "衣裳街第二网格", cluster="330502002P01"),
        ],
    )

    result = run_import(path, by=world.adam)
    assert messages_for(result, "第 2 个要素") == [
        "片区:片区 330502002P01 不属于该网格所在的乡镇街道"
    ]

    path = write_geojson(
        tmp_path / "clusters.geojson",
        [
            feature(world.grid_a1.code, "衣裳街第一网格", cluster="330502001P03"),
            feature(world.grid_a2.code, "衣裳街第二网格", cluster="月河三片"),
        ],
    )
    result = run_import(path, by=world.adam)
    assert result.errors == []
    assert result.created["cluster"] == 0
    assert set(
        Grid.objects.filter(cluster__code="330502001P03").values_list("code", flat=True)
    ) == {
        world.grid_a1.code,
        world.grid_a2.code,
    }


def test_a_cluster_row_sets_its_name_and_station_and_grids_may_name_it(world, tmp_path):
    path = write_csv(
        tmp_path / "clusters.csv",
        [
            ["代码", "名称", "片区工作站", "片区"],
            [world.grid_a1.code, "衣裳街第一网格", "", "月河五片"],
            ["330502001p05", "月河五片", "月河片区工作站", ""],
        ],
        "utf-8",
    )

    result = run_import(path, by=world.tara)

    assert result.errors == []
    assert result.created["cluster"] == 1
    cluster = Cluster.objects.get(code="330502001P05")
    assert (cluster.name, cluster.station, cluster.town) == (
        "月河五片",
        "月河片区工作站",
        world.town_a,
    )
    assert Grid.objects.get(code=world.grid_a1.code).cluster == cluster


def test_a_cluster_row_needs_its_town_a_name_and_the_scope(world, tmp_path):
    path = write_csv(
        tmp_path / "clusters.csv",
        [
            ["代码", "名称"],
            ["330502009P01", "无镇片区"],
            ["330502001P02", ""],
            ["330502002P01", "外镇片区"],
        ],
        "utf-8",
    )

    result = run_import(path, by=world.tara)

    assert [(e.where, e.message) for e in result.errors] == [
        ("第 2 行", "代码 330502009P01 不在您的管辖范围内"),
        ("第 3 行", "名称不能为空"),
        ("第 4 行", "代码 330502002P01 不在您的管辖范围内"),
    ]
    result = run_import(path, by=world.adam)
    assert ("第 2 行", "片区所属的乡镇街道 330502009000 不存在") in [
        (e.where, e.message) for e in result.errors
    ]
    assert not Cluster.objects.exists()


# --- export and the round trip ---------------------------------------------------------------


def circle(lon: float, lat: float, radius: float, points: int) -> dict:
    ring = [
        [
            round(lon + radius * math.cos(2 * math.pi * k / points), 6),
            round(lat + radius * math.sin(2 * math.pi * k / points), 6),
        ]
        for k in range(points)
    ]
    return {"type": "Polygon", "coordinates": [ring + [ring[0]]]}


@pytest.fixture
def district(db):
    """A territory built through the services, with every kind of thing an export carries."""
    save = territory.save_region
    province = save(code="330000000000", name="浙江省", level=Level.PROVINCE, parent=None)
    city = save(code="330500000000", name="湖州市", level=Level.CITY, parent=province)
    wuxing = save(
        code="330502000000",
        name="吴兴区",
        level=Level.DISTRICT,
        parent=city,
        outline=rectangle(120.0, 30.0, 120.1, 30.1),
    )
    town = save(code="330502101000", name="八里店镇", level=Level.TOWN, parent=wuxing)
    village = save(
        code="330502101201",
        name="潞村",
        level=Level.VILLAGE,
        parent=town,
        urban_rural_code="220",
        outline=rectangle(120.0, 30.0, 120.02, 30.02),
    )
    save(
        code="330502101202",
        name="尹家圩村",
        level=Level.VILLAGE,
        parent=town,
        urban_rural_code="210",
    )
    cluster = territory.save_cluster(
        code="330502101P01", name="潞村片区", town=town, station="潞村工作站"
    )
    # A 片区 with no grid yet must survive the round trip too.
    territory.save_cluster(code="330502101P02", name="尹家圩片区", town=town)
    territory.save_grid(
        territory.GridFields(
            code="330502101201001",
            name="潞村第一网格",
            village=village,
            cluster=cluster,
            geometry=rectangle(120.0, 30.0, 120.01, 30.02),
            households=130,
            population=390,
        )
    )
    territory.save_grid(
        territory.GridFields(
            code="330502101201002",
            name="潞村小学网格",
            village=village,
            kind="dedicated",
            dedicated_kind="school",
            area_type="urban",
            households=2,
            population=1100,
            geometry={
                "type": "MultiPolygon",
                "coordinates": [
                    rectangle(120.01, 30.0, 120.02, 30.01)["coordinates"],
                    rectangle(120.01, 30.011, 120.02, 30.02)["coordinates"],
                ],
            },
        )
    )
    # Over Excel's 32,767 characters a cell: the export splits it over several columns.
    territory.save_grid(
        territory.GridFields(
            code="330502101201003",
            name="潞村圆网格",
            village=village,
            geometry=circle(120.05, 30.05, 0.004, 2500),
            households=40,
        )
    )
    return wuxing


def territory_state(*, skip_parent_of: str = "") -> dict:
    regions = {
        r.code: (
            r.name,
            r.level,
            None if r.code == skip_parent_of else (r.parent.code if r.parent else None),
            r.urban_rural_code,
            r.outline,
        )
        for r in Region.objects.select_related("parent")
    }
    grids = {
        g["code"]: g
        for g in Grid.objects.values(
            "code",
            "name",
            "village__code",
            "cluster__code",
            "kind",
            "dedicated_kind",
            "area_type",
            "households",
            "population",
            "geometry",
            "area_m2",
            "min_lon",
            "min_lat",
            "max_lon",
            "max_lat",
        )
    }
    clusters = sorted(Cluster.objects.values_list("code", "name", "town__code"))
    return {"regions": regions, "grids": grids, "clusters": clusters}


def empty_the_territory() -> None:
    Grid.objects.all().delete()
    Cluster.objects.all().delete()
    for level in sorted(Level.values, reverse=True):
        Region.objects.filter(level=level).delete()


@pytest.mark.parametrize("fmt", ["geojson", "xlsx"])
def test_an_export_imported_into_an_empty_database_gives_the_same_territory(
    district, tmp_path, fmt
):
    path = tmp_path / f"territory.{fmt}"
    call_command("export_regions", str(path), "--format", fmt, stdout=io.StringIO())
    before = territory_state()
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(path, read_only=True)["网格"]
        header = next(sheet.iter_rows(values_only=True))
        assert header[:10] == tuple(transfer.GRID_COLUMNS) and "边界续1" in header
    empty_the_territory()
    assert not Region.objects.exists()

    result = run_import(path)

    assert result.errors == []
    assert result.created == {"region": 6, "cluster": 2, "grid": 3}
    assert territory_state() == before


@pytest.mark.parametrize("fmt", ["geojson", "xlsx"])
def test_a_district_export_by_its_administrator_round_trips_with_the_district_as_root(
    district, tmp_path, fmt, django_user_model
):
    from gridgov.accounts.models import Role, RoleAssignment

    admin = django_user_model.objects.create_user(username="admin", password="x")
    RoleAssignment.objects.create(user=admin, role=Role.ADMINISTRATOR, scope="330502")
    if fmt == "xlsx":
        data = transfer.export_xlsx(prefix="330502", by=admin)
    else:
        data = json.dumps(transfer.export_geojson(prefix="330502", by=admin)).encode()
    before = territory_state(skip_parent_of="330502000000")
    del before["regions"]["330000000000"], before["regions"]["330500000000"]
    empty_the_territory()

    result = transfer.import_territory(io.BytesIO(data), filename=f"t.{fmt}", by=None, commit=True)

    assert result.errors == []
    assert territory_state(skip_parent_of="330502000000") == before
    assert Region.objects.get(code="330502000000").parent is None


def test_an_export_holds_only_what_the_user_may_see(world):
    collection = transfer.export_geojson(prefix="330502", by=world.tara)

    exported = {f["properties"]["code"] for f in collection["features"]}
    assert exported == {
        world.town_a.code,
        world.village_a.code,
        world.grid_a1.code,
        world.grid_a2.code,
    }
    town = next(f for f in collection["features"] if f["properties"]["code"] == world.town_a.code)
    assert town["properties"]["parent_code"] == ""  # the district is not hers to export


def test_reimporting_an_export_changes_nothing_but_the_version(world, tmp_path):
    path = tmp_path / "town.xlsx"
    path.write_bytes(transfer.export_xlsx(prefix=world.town_a.prefix, by=world.tara))
    before = territory_state()

    result = run_import(path, by=world.tara)

    assert result.errors == []
    assert result.updated == {"region": 2, "cluster": 0, "grid": 2}
    assert territory_state() == before


# --- the commands ----------------------------------------------------------------------------


def test_the_import_command_checks_only_unless_told_to_commit(world, tmp_path):
    path = write_geojson(
        tmp_path / "village.geojson",
        [
            feature(NEW_VILLAGE, "新村"),
            feature(f"{NEW_VILLAGE}001", "新村第一网格", rectangle(120.0, 30.02, 120.01, 30.03)),
        ],
    )
    before = snapshot()
    out = io.StringIO()

    call_command("import_regions", str(path), stdout=out)

    assert snapshot() == before
    assert "试运行" in out.getvalue() and "新建 区划 1 个、网格 1 个" in out.getvalue()
    call_command("import_regions", str(path), "--commit", stdout=io.StringIO())
    assert Grid.objects.filter(code=f"{NEW_VILLAGE}001").exists()


def test_the_import_command_prints_every_error_and_fails(world, tmp_path):
    path = write_geojson(
        tmp_path / "bad.geojson",
        [
            feature("33050200100A", "坏代码"),
            feature(f"{NEW_VILLAGE}001", "无村网格", rectangle(120.0, 30.02, 120.01, 30.03)),
        ],
    )
    before = snapshot()
    err = io.StringIO()

    with pytest.raises(CommandError, match="共 2 处错误"):
        call_command("import_regions", str(path), "--commit", stderr=err)

    assert "第 1 个要素［代码］" in err.getvalue()
    assert f"所属村社区 {NEW_VILLAGE} 不存在" in err.getvalue()
    assert snapshot() == before


def test_the_import_command_refuses_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="无法打开文件"):
        call_command("import_regions", str(tmp_path / "nowhere.geojson"))


def test_the_export_command_writes_geojson_under_a_prefix(world, tmp_path):
    path = tmp_path / "town-b.geojson"

    call_command("export_regions", str(path), "--prefix", world.town_b.prefix, stdout=io.StringIO())

    codes = {f["properties"]["code"] for f in json.loads(path.read_text())["features"]}
    assert codes == {world.town_b.code, world.village_b.code, world.grid_b1.code}
    with pytest.raises(CommandError):
        call_command("export_regions", str(tmp_path / "x.txt"))

"""The administrator pages: import/export of the territory and the quality check."""

import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridgov.conftest import rectangle
from gridgov.regions import territory
from gridgov.regions.models import Grid, Level, Region, TerritoryVersion

TRANSFER = "/manage/territory/"
CHECK = "/manage/territory/check/"


def geojson_upload(features: list[dict], name: str = "territory.geojson") -> SimpleUploadedFile:
    body = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
    return SimpleUploadedFile(name, body.encode(), content_type="application/geo+json")


def feature(code: str, name: str, geometry: dict | None = None, **properties) -> dict:
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, **properties},
        "geometry": geometry,
    }


def counts() -> tuple[int, int, int]:
    return Region.objects.count(), Grid.objects.count(), TerritoryVersion.objects.get().number


GOOD = [
    feature("330502001002", "新村"),
    feature(
        "330502001002001", "新村第一网格", rectangle(120.0, 30.02, 120.01, 30.03), households=90
    ),
]


# --- who may come in -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["otto", "gina", "xena", "lena"])
@pytest.mark.parametrize("url", [TRANSFER, CHECK])
def test_it_requires_an_administrator_scope(client, world, persona, url):
    client.force_login(getattr(world, persona))

    assert client.get(url).status_code == 403


def test_a_non_administrator_posting_a_file_writes_nothing(client, world):
    client.force_login(world.otto)
    before = counts()

    response = client.post(TRANSFER, {"file": geojson_upload(GOOD), "mode": "import"})

    assert response.status_code == 403
    assert counts() == before


def test_the_pages_send_an_anonymous_visitor_to_sign_in(client, world):
    for url in (TRANSFER, CHECK, f"/manage/territory/{world.district.code}/export.xlsx"):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/login/")


@pytest.mark.parametrize(
    ("persona", "obj", "status"),
    [
        ("tara", "town_a", 200),
        ("tara", "town_b", 404),
        ("tara", "district", 404),
        ("otto", "town_a", 403),  # he sees town A but does not administer it
        ("xena", "town_a", 404),
        ("adam", "town_b", 200),
    ],
)
def test_exports_and_check_maps_follow_the_administrator_scope(client, world, persona, obj, status):
    client.force_login(getattr(world, persona))
    code = getattr(world, obj).code
    for url in (
        f"/manage/territory/{code}/export.geojson",
        f"/manage/territory/{code}/export.xlsx",
        f"{CHECK}{code}/map.geojson",
    ):
        assert client.get(url).status_code == status, url


def test_the_navigation_offers_the_pages_to_an_administrator_only(client, world):
    client.force_login(world.tara)
    page = client.get("/").content.decode()
    assert f'href="{TRANSFER}"' in page and f'href="{CHECK}"' in page
    client.force_login(world.otto)
    page = client.get("/").content.decode()
    assert TRANSFER not in page


# --- import --------------------------------------------------------------------------------


def test_the_page_shows_every_error_in_a_table_and_writes_nothing(client, world):
    client.force_login(world.tara)
    before = counts()
    upload = geojson_upload(
        [
            *GOOD,
            feature("33050200100X", "坏代码"),
            feature(world.grid_b1.code, "南街第一网格"),
            feature(
                "330502001002002", "负户数", rectangle(120.01, 30.02, 120.02, 30.03), households=-1
            ),
        ]
    )

    response = client.post(TRANSFER, {"file": upload, "mode": "import"})

    assert response.status_code == 200
    assert counts() == before
    page = response.content.decode()
    assert "文件中发现 3 处错误，未写入任何数据" in page
    assert "<th>位置</th><th>字段</th><th>原因</th>" in page
    assert "<td>第 3 个要素</td><td>代码</td>" in page
    assert f"代码 {world.grid_b1.code} 不在您的管辖范围内" in page
    assert "<td>第 5 个要素</td><td>户数</td><td>应为不小于 0 的整数</td>" in page


def test_checking_only_shows_what_would_be_written(client, world):
    client.force_login(world.adam)
    before = counts()

    response = client.post(TRANSFER, {"file": geojson_upload(GOOD), "mode": "check"})

    assert counts() == before
    page = response.content.decode()
    assert "检查通过" in page and "新建 区划 1 个、网格 1 个" in page


def test_importing_writes_the_file_and_reports_the_counts(client, world):
    client.force_login(world.adam)
    regions, grids, version = counts()

    response = client.post(TRANSFER, {"file": geojson_upload(GOOD), "mode": "import"}, follow=True)

    assert response.redirect_chain == [(TRANSFER, 302)]
    assert counts() == (regions + 1, grids + 1, version + 1)
    assert "已导入 territory.geojson：新建 区划 1 个、网格 1 个" in response.content.decode()


def test_an_unreadable_upload_is_an_error_message_not_a_crash(client, world):
    client.force_login(world.adam)

    response = client.post(
        TRANSFER,
        {"file": SimpleUploadedFile("grids.xlsx", b"\x00\x01 not a workbook"), "mode": "import"},
    )

    assert response.status_code == 200
    assert "内容不是 Excel 工作簿" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"mode": "import"}, "请选择要导入的文件"),
        ({"file": "geojson", "mode": "drop-everything"}, "请选择操作"),
    ],
)
def test_a_form_without_a_file_or_a_known_choice_says_so(client, world, data, message):
    client.force_login(world.adam)
    if data.get("file") == "geojson":
        data["file"] = geojson_upload(GOOD)
    before = counts()

    response = client.post(TRANSFER, data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert counts() == before


def test_the_page_links_the_exports_of_the_administrators_regions(client, world):
    client.force_login(world.tara)

    page = client.get(TRANSFER).content.decode()

    assert f"/manage/territory/{world.town_a.code}/export.xlsx" in page
    assert f"/manage/territory/{world.town_a.code}/export.geojson" in page
    assert world.district.code not in page


# --- export --------------------------------------------------------------------------------


def test_the_geojson_export_downloads_the_region(client, world):
    client.force_login(world.adam)

    response = client.get(f"/manage/territory/{world.town_b.code}/export.geojson")

    assert (
        response["Content-Disposition"]
        == f'attachment; filename="territory-{world.town_b.code}.geojson"'
    )
    collection = json.loads(response.content)
    assert {f["properties"]["code"] for f in collection["features"]} == {
        world.town_b.code,
        world.village_b.code,
        world.grid_b1.code,
    }


def test_the_excel_export_has_a_sheet_of_regions_and_one_of_grids(client, world):
    client.force_login(world.tara)

    response = client.get(f"/manage/territory/{world.town_a.code}/export.xlsx")

    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["区划", "网格", "片区"]
    grid_rows = list(workbook["网格"].iter_rows(values_only=True))
    assert grid_rows[0][:3] == ("代码", "名称", "上级代码")
    assert [r[0] for r in grid_rows[1:]] == [world.grid_a1.code, world.grid_a2.code]
    assert json.loads(grid_rows[1][10]) == world.grid_a1.geometry


# --- quality check -------------------------------------------------------------------------


def test_the_check_page_shows_overlaps_gaps_and_oversized_grids(client, world):
    territory.save_grid(
        territory.GridFields(
            code="330502001001003",
            name="重叠网格",
            village=world.village_a,
            geometry=rectangle(120.005, 30.0, 120.01, 30.01),
        )
    )
    village = territory.save_region(
        code="330502001002",
        name="新村",
        level=Level.VILLAGE,
        parent=world.town_a,
        outline=rectangle(120.0, 30.02, 120.02, 30.04),
    )
    territory.save_grid(
        territory.GridFields(
            code="330502001002001",
            name="新村第一网格",
            village=village,
            geometry=rectangle(120.0, 30.02, 120.01, 30.04),
        )
    )
    territory.save_region(
        code="330502001003", name="空村", level=Level.VILLAGE, parent=world.town_a
    )
    client.force_login(world.tara)

    response = client.get(CHECK)

    assert response.status_code == 200
    page = response.content.decode()
    assert world.grid_a1.code in page and "330502001001003" in page
    overlap_area = response.context["report"].overlaps[0].area_m2
    assert 500_000 < overlap_area < 560_000 and str(overlap_area) in page
    assert "新村" in page and "村社区边界内未被网格覆盖" in page
    assert '<span class="tag warn">320</span>' in page and '<td class="num">300</td>' in page
    assert "没有网格的村（社区）" in page and "空村" in page
    assert f'data-geojson="{CHECK}{world.town_a.code}/map.geojson"' in page


def test_the_check_page_can_narrow_to_one_village(client, world):
    client.force_login(world.adam)

    response = client.get(CHECK, {"code": world.village_b.code})

    report = response.context["report"]
    assert [v.code for v in report.villages] == [world.village_b.code]
    assert report.ok
    assert "未发现问题" in response.content.decode()


def test_the_check_map_marks_the_problem_grids(client, world):
    client.force_login(world.tara)

    collection = client.get(f"{CHECK}{world.village_a.code}/map.geojson").json()

    marked = {f["properties"]["code"] for f in collection["features"] if f["properties"]["self"]}
    assert marked == {world.grid_a2.code}


def test_an_unknown_region_or_one_outside_the_scope_on_the_check_page_is_not_found(client, world):
    client.force_login(world.tara)

    assert client.get(CHECK, {"code": "nonsense"}).status_code == 404
    assert client.get(CHECK, {"code": world.town_b.code}).status_code == 404
    assert client.get(CHECK, {"code": world.town_a.code}).status_code == 200


def test_the_check_page_map_and_export_cost_the_same_queries_however_many_grids(client, world):
    client.force_login(world.adam)
    urls = [
        f"{CHECK}?code={world.district.code}",
        f"{CHECK}{world.district.code}/map.geojson",
        f"/manage/territory/{world.district.code}/export.xlsx",
        f"/manage/territory/{world.district.code}/export.geojson",
    ]

    def queries() -> list[int]:
        counts = []
        for url in urls:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            counts.append(len(captured.captured_queries))
        return counts

    before = queries()
    cluster = territory.save_cluster(code="330502001P01", name="月河一片", town=world.town_a)
    for v in range(2, 5):
        village = territory.save_region(
            code=f"330502001{v:03d}", name=f"村{v}", level=Level.VILLAGE, parent=world.town_a
        )
        for g in range(1, 4):
            territory.save_grid(
                territory.GridFields(
                    code=f"{village.code}{g:03d}",
                    name=f"村{v}网格{g}",
                    village=village,
                    cluster=cluster,
                    households=400,
                    geometry=rectangle(
                        120.0 + g * 0.01, 30.0 + v * 0.01, 120.02 + g * 0.01, 30.01 + v * 0.01
                    ),
                )
            )

    assert queries() == before

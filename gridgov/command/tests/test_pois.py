"""Points of interest imported from GeoJSON or Excel: all rows or none, each wrong row named."""

import io
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from gridgov.command.models import PointOfInterest


def geojson(*features) -> SimpleUploadedFile:
    body = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}
        for lon, lat, props in features
    ]}
    return SimpleUploadedFile("poi.geojson", json.dumps(body, ensure_ascii=False).encode(), "application/geo+json")


def excel(rows) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("poi.xlsx", out.getvalue())


def test_an_administrator_imports_points_from_geojson(client, world):
    client.force_login(world.adam)
    upload = geojson((120.005, 30.01, {"name": "月河医院", "kind": "医院", "phone": "0572-1234567"}),
                     (120.03, 30.01, {"name": "南街小学", "kind": "school"}))
    response = client.post("/command/pois/", {"file": upload})
    assert response.status_code == 302
    points = {p.name: p for p in PointOfInterest.objects.all()}
    assert points["月河医院"].kind == "hospital" and points["月河医院"].area_code == world.grid_a1.code
    assert points["南街小学"].area_code == world.grid_b1.code


def test_a_wrong_row_names_itself_and_nothing_is_imported(client, world):
    client.force_login(world.adam)
    upload = excel([
        ["名称", "类型", "经度", "纬度", "地址"],
        ["应急物资仓库", "应急物资", 120.005, 30.01, "衣裳街 1 号"],
        ["", "学校", 120.006, 30.01, ""],
        ["摄像头 1", "无人机", 120.006, 30.01, ""],
        ["远方医院", "医院", 121.5, 31.5, ""],
        ["坏坐标", "医院", "东经", 30.01, ""],
    ])
    response = client.post("/command/pois/", {"file": upload})
    assert response.status_code == 422
    text = response.content.decode()
    assert "第 3 行：名称（name）不能为空" in text
    assert "第 4 行：类型（kind）“无人机”无效" in text
    assert "第 5 行：位置（121.5, 31.5）不在任何网格内" in text
    assert "第 6 行：经度/纬度（lon/lat）须为数字" in text
    assert PointOfInterest.objects.count() == 0


def test_a_town_administrator_imports_only_inside_the_town(client, world):
    client.force_login(world.tara)
    response = client.post("/command/pois/", {"file": geojson((120.03, 30.01, {"name": "南街医院", "kind": "医院"}))})
    assert "位置不在您管理的区域内" in response.content.decode()
    assert PointOfInterest.objects.count() == 0


def test_a_file_that_is_not_geojson_or_excel_is_refused_plainly(client, world):
    client.force_login(world.adam)
    for upload in (SimpleUploadedFile("poi.geojson", b"{not json"), SimpleUploadedFile("poi.xlsx", b"PK"),
                   SimpleUploadedFile("poi.csv", b"a,b")):
        response = client.post("/command/pois/", {"file": upload})
        assert response.status_code == 422
    assert PointOfInterest.objects.count() == 0


def test_only_administrators_manage_points(client, world):
    client.force_login(world.otto)
    assert client.get("/command/pois/").status_code == 403

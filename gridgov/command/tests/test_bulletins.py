"""每日通报: generated as PDF and Excel with yesterday's figures, once a day by the worker,
on demand by the command room, and read only by those whose scope covers it."""

import io
from datetime import date, timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from gridgov.analysis import rollup
from gridgov.command import bulletins, warnings
from gridgov.command.models import Bulletin
from gridgov.command.tests.conftest import MORNING
from gridgov.conftest import report_in_a1
from gridgov.events.models import Status
from gridgov.events.tests.lifecycle import advance

DAY = date(2026, 3, 4)


@pytest.fixture
def day_of_work(world, event_a, event_b):
    advance(world, event_a, Status.CLOSED)
    rollup.fold()
    return DAY


def test_the_bulletin_pdf_is_chinese_and_the_excel_holds_the_figures(world, day_of_work):
    bulletin = bulletins.generate(world.district.prefix, day_of_work, now=MORNING + timedelta(hours=8))
    first_page = PdfReader(io.BytesIO(bytes(bulletin.pdf))).pages[0].extract_text()
    assert "吴兴区每日通报" in first_page
    assert "昨日新受理事件 2 件，结案 1 件" in first_page
    book = load_workbook(io.BytesIO(bytes(bulletin.xlsx)))
    assert book.sheetnames == ["概况", "超期按部门", "镇街排名", "预警"]
    overview = [c.value for c in book["概况"][2]]
    assert overview[:4] == ["吴兴区", "2026-03-04", 2, 1]
    towns = {row[1]: row for row in book["镇街排名"].iter_rows(min_row=2, values_only=True)}
    assert set(towns) == {"月河街道", "朝阳街道"}
    assert towns["月河街道"][3] == 1  # closed


def test_the_worker_writes_each_districts_bulletin_once_a_morning(world, day_of_work):
    too_early = timezone.make_aware(timezone.datetime(2026, 3, 5, 6, 30))
    assert bulletins.morning(now=too_early) == []
    at_eight = too_early + timedelta(hours=1, minutes=30)
    made = bulletins.morning(now=at_eight)
    assert [(b.scope, b.day) for b in made] == [(world.district.prefix, DAY)]
    assert bulletins.morning(now=at_eight + timedelta(minutes=1)) == []
    assert Bulletin.objects.count() == 1


def test_bulletins_are_listed_and_downloaded_within_scope(client, world, day_of_work):
    bulletin = bulletins.generate(world.district.prefix, DAY)
    client.force_login(world.lena)
    assert "吴兴区" in client.get("/command/bulletins/").content.decode()
    pdf = client.get(f"/command/bulletins/{bulletin.pk}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert client.get(f"/command/bulletins/{bulletin.pk}.xlsx").status_code == 200
    # A town's operator reads the bulletins of the town, not the district's.
    client.force_login(world.otto)
    assert client.get(f"/command/bulletins/{bulletin.pk}.pdf").status_code == 404
    client.force_login(world.gina)
    assert client.get("/command/bulletins/").status_code == 403


def test_a_town_generates_its_own_bulletin_on_demand_but_not_the_districts(client, world, day_of_work):
    client.force_login(world.otto)
    client.post("/command/bulletins/", {"scope": world.town_a.prefix, "day": "2026-03-04"})
    client.post("/command/bulletins/", {"scope": world.district.prefix, "day": "2026-03-04"})
    assert list(Bulletin.objects.values_list("scope", "scope_name")) == [(world.town_a.prefix, "月河街道")]
    response = client.post("/command/bulletins/", {"scope": world.town_a.prefix, "day": "x"}, follow=True)
    assert "请填写有效的通报日期" in response.content.decode()


@pytest.fixture
def overdue_and_warned(world, event_a, event_b, street_vending):
    """On 4 March: event A handling in 月河中队's hands, event B waiting to be accepted, and a
    report that speaks of 上访 (warned at 10:00); another warning the day after."""
    advance(world, event_a, Status.HANDLING)
    report_in_a1(world, street_vending, title="群众上访", description="十余人前往街道办上访。",
                 at=MORNING + timedelta(minutes=30))
    warnings.detect(now=MORNING + timedelta(hours=1))
    report_in_a1(world, street_vending, title="工人讨薪", description="工人讨要工资。",
                 at=MORNING + timedelta(days=1))
    warnings.detect(now=MORNING + timedelta(days=1, hours=1))
    rollup.fold()


COMMAND_ROOM = "指挥室（受理、交办、核查环节）"
UNIT_A = "综合行政执法局月河中队"


def test_the_bulletin_lists_overdue_by_department_and_the_days_warnings(world, overdue_and_warned):
    # Ten days on, every deadline of 4 March has passed.
    bulletin = bulletins.generate(world.district.prefix, DAY, now=MORNING + timedelta(days=10))
    book = load_workbook(io.BytesIO(bytes(bulletin.xlsx)))
    # The command room owes B and the 上访 report (acceptance); the unit owes A.
    assert list(book["超期按部门"].iter_rows(min_row=2, values_only=True)) == [(COMMAND_ROOM, 3), (UNIT_A, 1)]
    assert list(book["预警"].iter_rows(min_row=2, values_only=True)) == [
        ("10:00", "稳定风险词", "群众上访（含“上访”）", "待研判")]
    overview = [c.value for c in book["概况"][2]]
    assert overview == ["吴兴区", "2026-03-04", 3, 0, 0, 4, 4]

    text = PdfReader(io.BytesIO(bytes(bulletin.pdf))).pages[0].extract_text().replace("\n", "")
    assert "无超期事件" not in text and "昨日无预警" not in text
    assert f"{COMMAND_ROOM}3{UNIT_A}1" in text
    assert "10:00稳定风险词群众上访（含“上访”）待研判" in text
    assert "在办事件 4 件，其中超期 4 件" in text
    assert "工人讨薪" not in text  # warned on 5 March


def test_a_towns_bulletin_leaves_out_the_other_towns_overdue_and_warnings(world, overdue_and_warned):
    bulletin = bulletins.generate(world.town_b.prefix, DAY, now=MORNING + timedelta(days=10))
    book = load_workbook(io.BytesIO(bytes(bulletin.xlsx)))
    assert list(book["超期按部门"].iter_rows(min_row=2, values_only=True)) == [(COMMAND_ROOM, 1)]
    assert list(book["预警"].iter_rows(min_row=2, values_only=True)) == []
    text = PdfReader(io.BytesIO(bytes(bulletin.pdf))).pages[0].extract_text().replace("\n", "")
    assert "昨日无预警" in text and UNIT_A not in text

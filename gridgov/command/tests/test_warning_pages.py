"""The warnings page's actions: editing the risk words, detecting on demand, and turning a
warning into an event through the API."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gridgov.command import warnings
from gridgov.command.models import EarlyWarning, RiskWord, WarningKind, WarningStatus
from gridgov.command.tests.conftest import MORNING
from gridgov.conftest import report_in_a1
from gridgov.events.models import Event, Source


def _words() -> set[str]:
    return set(RiskWord.objects.values_list("word", flat=True))


def test_the_command_room_replaces_the_risk_words_on_the_page(client, world):
    client.force_login(world.otto)
    response = client.post("/command/warnings/words/", {"words": "堵门、拉横幅，维权  堵门"}, follow=True)
    assert response.status_code == 200
    assert "稳定风险词已保存（3 个）" in response.content.decode()
    assert _words() == {"堵门", "拉横幅", "维权"}
    textarea = response.content.decode().split('<textarea id="words" name="words" rows="2">')[1].split("</textarea>")[0]
    assert set(textarea.split("、")) == {"堵门", "拉横幅", "维权"}


def test_a_word_too_long_is_named_and_nothing_is_saved(client, world):
    before = _words()
    client.force_login(world.otto)
    response = client.post("/command/warnings/words/", {"words": "堵门、" + "长" * 21}, follow=True)
    assert "风险词不能超过 20 字" in response.content.decode()
    assert _words() == before


def test_it_requires_a_command_room_to_edit_the_words(client, world):
    before = _words()
    client.force_login(world.lena)  # a leader reads the warnings, the command room decides
    page = client.get("/command/warnings/").content.decode()
    assert 'name="words"' not in page and "立即检测" not in page
    assert client.post("/command/warnings/words/", {"words": "堵门"}).status_code == 403
    assert _words() == before
    client.force_login(world.gina)
    assert client.post("/command/warnings/words/", {"words": "堵门"}).status_code == 403
    assert _words() == before


def test_the_words_saved_on_the_page_are_the_words_detected(client, world, street_vending):
    client.force_login(world.otto)
    client.post("/command/warnings/words/", {"words": "堵门"})
    report_in_a1(world, street_vending, title="工人堵门", description="十余名工人堵住厂门。")
    report_in_a1(world, street_vending, title="群众讨薪", description="工人讨要工资。")
    (found,) = warnings.detect(now=MORNING + timedelta(hours=1))
    assert "堵门" in found.title


def test_detecting_on_demand_records_the_warnings_and_counts_the_readers_own(client, world, street_vending):
    recent = timezone.now() - timedelta(hours=1)
    report_in_a1(world, street_vending, title="工人聚集讨薪", description="工人在工地门口讨要工资。", at=recent)
    report_in_a1(world, street_vending, by=world.xena, lon=120.03, lat=30.01, title="南街群众上访",
                 description="十余人前往街道办上访。", at=recent)
    client.force_login(world.lena)
    assert client.post("/command/warnings/detect/").status_code == 403
    assert not EarlyWarning.objects.exists()

    client.force_login(world.xena)
    response = client.post("/command/warnings/detect/", follow=True)
    assert "检测完成：新增预警 1 条" in response.content.decode()  # town A's is not hers to count
    assert EarlyWarning.objects.filter(kind=WarningKind.WORDS).count() == 2
    assert "南街群众上访" in response.content.decode() and "工人聚集讨薪" not in response.content.decode()

    client.force_login(world.otto)
    response = client.post("/command/warnings/detect/", follow=True)
    assert "检测完成：新增预警 0 条" in response.content.decode()
    assert "工人聚集讨薪" in response.content.decode() and "南街群众上访" not in response.content.decode()
    assert EarlyWarning.objects.count() == 2


@pytest.fixture
def words_warning(world, street_vending):
    report_in_a1(world, street_vending, title="群众上访", description="十余人前往街道办上访。")
    return warnings.detect(now=MORNING + timedelta(hours=1))[0]


def test_the_api_turns_a_warning_into_an_event_once(client, world, words_warning):
    url = f"/api/command/warnings/{words_warning.pk}/convert"
    client.force_login(world.xena)
    assert client.post(url).status_code == 404
    client.force_login(world.lena)
    assert client.post(url).status_code == 403
    assert Event.objects.count() == 1

    client.force_login(world.otto)
    response = client.post(url)
    assert response.status_code == 200
    body = response.json()
    event = Event.objects.exclude(pk__in=words_warning.events.all()).get()
    assert (body["status"], body["event_code"]) == (WarningStatus.CONVERTED, event.code)
    assert (event.reporter, event.source, event.grid) == (world.otto, Source.DEPARTMENT, world.grid_a1)
    assert event.title == words_warning.title and "由预警转入" in event.description
    assert client.post(url).status_code == 409
    assert Event.objects.count() == 2
    listed = client.get("/api/command/warnings", {"status": WarningStatus.CONVERTED}).json()
    assert [(w["id"], w["event_code"]) for w in listed] == [(words_warning.pk, event.code)]

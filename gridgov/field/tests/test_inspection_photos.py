"""Photos of inspection items: any answered item carries them, a failed item's go with the
event it opens, a re-inspected hazard's with its 核查 or 返工 step, and the inspection's
page shows each item's photos to whoever may see the inspection."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gridgov.conftest import photo
from gridgov.events import workflow
from gridgov.events.models import Attachment, Event, LogAction, Status
from gridgov.field.models import Inspection, InspectionPhoto, PlaceKind

PLACE = {"place": "衣裳街 8 号出租房", "lon": 120.005, "lat": 30.01}


def rental():
    kind = PlaceKind.objects.get(code="rental")
    items = list(kind.items.filter(is_active=True))
    return kind, items


def results(items, failed=()):
    return json.dumps(
        [
            {"item": i.pk, "passed": i.pk not in failed, "note": "不合格" if i.pk in failed else ""}
            for i in items
        ]
    )


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_any_answered_item_keeps_its_photos_and_a_failed_items_photos_are_its_events(
    gina_api, settings
):
    _, items = rental()
    passed, failed = items[0], items[2]
    response = gina_api.post(
        "/api/inspections",
        {
            "key": "i1",
            "kind": "rental",
            **PLACE,
            "results": results(items, failed={failed.pk}),
            f"photo_{passed.pk}": [photo("门口.png"), photo("登记表.png", rgb=(1, 2, 3))],
            f"photos_{failed.pk}": photo("楼道.png"),
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["photo_count"] == 3
    inspection = Inspection.objects.get()
    kept = {r.item_id: list(r.photos.all()) for r in inspection.results.prefetch_related("photos")}
    assert [p.original_name for p in kept[passed.pk]] == ["门口.png", "登记表.png"]
    assert all(
        p.attachment_id is None and p.file.name.startswith("inspections/") for p in kept[passed.pk]
    )
    (on_event,) = kept[failed.pk]
    event = Event.objects.get(code=response.json()["events"][0])
    (attachment,) = event.log.first().attachments.all()
    # Stored once: the inspection's photo is the event's attachment file.
    assert on_event.attachment == attachment and on_event.file.name == attachment.file.name
    assert on_event.file.read() == attachment.file.read()
    assert not any(kept[i.pk] for i in items if i.pk not in {passed.pk, failed.pk})


def test_a_bad_file_is_refused_naming_its_item_and_nothing_is_written(gina_api, settings):
    _, items = rental()
    bad = items[4]
    response = gina_api.post(
        "/api/inspections",
        {
            "key": "i1",
            "kind": "rental",
            **PLACE,
            "results": results(items, failed={bad.pk}),
            f"photo_{items[0].pk}": photo(),
            f"photo_{bad.pk}": [
                photo(),
                SimpleUploadedFile("现场.png", b"not a picture", content_type="image/png"),
            ],
        },
    )
    assert response.status_code == 422
    (message,) = response.json()["errors"][f"photo_{bad.pk}"]
    assert "第 5 项" in message and bad.text in message and "不支持的文件类型" in message
    assert Inspection.objects.count() == 0 and Event.objects.count() == 0
    assert InspectionPhoto.objects.count() == 0 and Attachment.objects.count() == 0
    assert not (settings.MEDIA_ROOT / "inspections").exists()


def test_too_many_photos_or_an_item_not_on_the_checklist_are_refused(gina_api, settings):
    settings.ATTACHMENT_MAX_FILES = 2
    _, items = rental()
    response = gina_api.post(
        "/api/inspections",
        {
            "key": "i1",
            "kind": "rental",
            **PLACE,
            "results": results(items),
            f"photo_{items[1].pk}": [photo(), photo(), photo()],
            "photo_999999": photo(),
        },
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert (
        "最多上传 2 个文件" in errors[f"photo_{items[1].pk}"][0]
        and items[1].text in errors[f"photo_{items[1].pk}"][0]
    )
    assert "999999" in errors["photo_999999"][0]
    assert Inspection.objects.count() == 0


def _handled(event, world):
    workflow.accept(event, by=world.otto)
    workflow.dispatch(event, lead=world.enforcement_a, by=world.otto)
    workflow.sign(event, by=world.dora)
    workflow.feed_back(event, by=world.dora, note="已整改", photos=[photo()])


def test_a_reinspections_photos_are_the_evidence_of_the_verify_or_rework_step(gina_api, world):
    _, items = rental()
    fixed, still = items[2], items[3]
    first = gina_api.post(
        "/api/inspections",
        {
            "key": "i1",
            "kind": "rental",
            **PLACE,
            "results": results(items, failed={fixed.pk, still.pk}),
        },
    ).json()
    for event in Event.objects.filter(code__in=first["events"]):
        _handled(event, world)
    again = gina_api.post(
        "/api/inspections",
        {
            "key": "i2",
            "previous": first["id"],
            "lon": 120.005,
            "lat": 30.01,
            "results": results(items, failed={still.pk}),
            f"photo_{fixed.pk}": photo("已清理.png"),
            f"photo_{still.pk}": [photo("仍有.png"), photo("仍有2.png")],
        },
    )
    assert again.status_code == 201, again.content
    recheck = Inspection.objects.get(pk=again.json()["id"])
    by_item = {r.item_id: r for r in recheck.results.select_related("event")}

    closed = by_item[fixed.pk].event
    assert closed.status == Status.CLOSED
    verify_row = closed.log.get(action=LogAction.VERIFY)
    assert [a.original_name for a in verify_row.attachments.all()] == ["已清理.png"]
    assert by_item[fixed.pk].photos.get().attachment.log == verify_row

    reworked = by_item[still.pk].event
    assert reworked.status == Status.HANDLING
    rework_row = reworked.log.get(action=LogAction.REWORK)
    assert sorted(a.original_name for a in rework_row.attachments.all()) == [
        "仍有.png",
        "仍有2.png",
    ]
    assert {p.attachment.log_id for p in by_item[still.pk].photos.all()} == {rework_row.pk}


def test_the_inspections_page_shows_each_items_photos_to_the_town_operator(gina_api, world):
    _, items = rental()
    gina_api.post(
        "/api/inspections",
        {
            "key": "i1",
            "kind": "rental",
            **PLACE,
            "results": results(items, failed={items[2].pk}),
            f"photo_{items[0].pk}": photo("门口.png"),
            f"photo_{items[2].pk}": photo("楼道.png"),
        },
    )
    inspection = Inspection.objects.get()
    photos = {p.original_name: p for p in InspectionPhoto.objects.all()}
    otto = client_for(world.otto)
    body = otto.get(f"/field/inspections/{inspection.pk}/").content.decode()
    for name in ["门口.png", "楼道.png"]:
        assert f"/field/inspections/{inspection.pk}/photos/{photos[name].pk}" in body
    assert items[2].text in body and inspection.results.get(item=items[2]).event.code in body
    file = otto.get(f"/field/inspections/{inspection.pk}/photos/{photos['楼道.png'].pk}")
    assert file.status_code == 200 and file["Content-Type"] == "image/png"
    assert b"".join(file.streaming_content).startswith(b"\x89PNG")
    assert "衣裳街 8 号出租房" in otto.get("/field/inspections/").content.decode()
    gina = client_for(world.gina)
    assert gina.get(f"/field/inspections/{inspection.pk}/").status_code == 200
    assert f"/field/inspections/{inspection.pk}/" in gina.get("/m/history/").content.decode()


def test_it_requires_the_inspections_grid_scope(gina_api, world):
    _, items = rental()
    gina_api.post(
        "/api/inspections",
        {
            "key": "i1",
            "kind": "rental",
            **PLACE,
            "results": results(items),
            f"photo_{items[0].pk}": photo(),
        },
    )
    inspection, picture = Inspection.objects.get(), InspectionPhoto.objects.get()
    xena = client_for(world.xena)
    assert xena.get(f"/field/inspections/{inspection.pk}/").status_code == 404
    assert xena.get(f"/field/inspections/{inspection.pk}/photos/{picture.pk}").status_code == 404
    assert "衣裳街 8 号出租房" not in xena.get("/field/inspections/").content.decode()


def test_a_photo_is_served_only_under_its_own_inspection(gina_api, world):
    _, items = rental()
    for key in ["i1", "i2"]:
        gina_api.post(
            "/api/inspections",
            {
                "key": key,
                "kind": "rental",
                **PLACE,
                "results": results(items),
                **({f"photo_{items[0].pk}": photo()} if key == "i1" else {}),
            },
        )
    with_photo, without = Inspection.objects.order_by("pk")
    picture = InspectionPhoto.objects.get()
    otto = client_for(world.otto)
    assert otto.get(f"/field/inspections/{with_photo.pk}/photos/{picture.pk}").status_code == 200
    assert otto.get(f"/field/inspections/{without.pk}/photos/{picture.pk}").status_code == 404


def test_the_phone_page_offers_photos_for_every_answered_item(world):
    body = client_for(world.gina).get("/m/inspect/").content.decode()
    assert "每项判定后都可拍照留存" in body

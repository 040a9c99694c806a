"""The default checklists: what ships, and installing them again over an administrator's edits."""

from django.test import Client

from gridgov.events.models import Category
from gridgov.field.checklists import DEFAULT_CHECKLISTS, install_default_checklists
from gridgov.field.models import ChecklistItem, PlaceKind


def test_eleven_kinds_of_place_ship_with_about_two_hundred_items_each_filed_under_a_minor_class(db):
    kinds = {k.code: k for k in PlaceKind.objects.prefetch_related("items__category")}
    assert set(kinds) == {code for code, *_ in DEFAULT_CHECKLISTS} and len(kinds) == 11
    items = [i for k in kinds.values() for i in k.items.all()]
    assert 150 <= len(items) <= 260
    assert len(items) == sum(len(rows) for *_, rows in DEFAULT_CHECKLISTS)
    assert all(i.category.parent_id is not None for i in items)
    for kind in kinds.values():
        assert len(kind.items.all()) >= 15, kind.name
        texts = [i.text for i in kind.items.all()]
        assert len(texts) == len(set(texts)), kind.name
    assert kinds["rental"].interval_days == 90 and kinds["three_in_one"].interval_days == 30
    assert {"养老机构", "电动自行车集中充电场所", "沿街商铺", "小微企业/小作坊"} <= {
        k.name for k in kinds.values()
    }


def test_installing_again_adds_nothing(db):
    before = ChecklistItem.objects.count()
    assert install_default_checklists() == 0
    assert ChecklistItem.objects.count() == before


def test_installing_again_keeps_the_administrators_edits_and_adds_only_what_is_missing(db):
    rental = PlaceKind.objects.get(code="rental")
    rental.name, rental.interval_days, rental.is_active = "出租屋", 0, False
    rental.save()
    edited = rental.items.get(text="无私拉乱接电线、飞线充电")
    edited.text = "无私拉乱接电线、无飞线充电（含楼道插座）"
    edited.save()
    stopped = rental.items.get(text="生活垃圾定点投放，房前屋后无垃圾堆积")
    stopped.is_active = False
    stopped.save()
    own = ChecklistItem.objects.create(
        kind=rental, text="阳台未堆放易燃物", category=edited.category, sort_order=5
    )
    rental.items.filter(text__startswith="房东与承租人").delete()

    assert install_default_checklists() == 1

    rental.refresh_from_db()
    assert (rental.name, rental.interval_days, rental.is_active) == ("出租屋", 0, False)
    texts = list(rental.items.values_list("text", flat=True))
    assert "无私拉乱接电线、飞线充电" not in texts and edited.text in texts
    assert not ChecklistItem.objects.get(pk=stopped.pk).is_active
    assert ChecklistItem.objects.filter(pk=own.pk).exists()
    assert rental.items.filter(text__startswith="房东与承租人").count() == 1
    assert rental.items.count() == len(dict(DEFAULT_CHECKLISTS[0][3])) + 1


def test_a_checklist_installed_before_its_items_were_marked_is_completed_without_doubles(db):
    # An install older than `shipped_text`: the first eight items of 出租房 only, unmarked.
    rental = PlaceKind.objects.get(code="rental")
    ChecklistItem.objects.filter(kind=rental).update(shipped_text="")
    ChecklistItem.objects.filter(kind=rental, sort_order__gt=80).delete()
    assert rental.items.count() == 8

    assert install_default_checklists() == len(DEFAULT_CHECKLISTS[0][3]) - 8

    texts = list(rental.items.values_list("text", flat=True))
    assert len(texts) == len(set(texts)) == len(DEFAULT_CHECKLISTS[0][3])
    assert not rental.items.filter(shipped_text="").exists()


def test_an_item_whose_class_is_missing_is_left_out(db):
    Category.objects.filter(code="0803").update(code="9903")
    ChecklistItem.objects.filter(category__code="9903").delete()
    assert install_default_checklists() == 0
    assert not ChecklistItem.objects.filter(text="药店凭处方销售处方药，无过期药品").exists()


def test_an_administrator_sets_the_routine_interval_of_a_kind(world):
    client = Client()
    client.force_login(world.adam)
    rental = PlaceKind.objects.get(code="rental")
    response = client.post(
        "/field/checklists/interval/", {"kind": rental.pk, "interval_days": "45"}
    )
    assert response.status_code == 302
    rental.refresh_from_db()
    assert rental.interval_days == 45
    client.post("/field/checklists/interval/", {"kind": rental.pk, "interval_days": ""})
    rental.refresh_from_db()
    assert rental.interval_days == 0
    page = client.post(
        "/field/checklists/interval/", {"kind": rental.pk, "interval_days": "-3"}, follow=True
    )
    assert "例行排查周期应为" in page.content.decode()
    assert "例行排查周期" in client.get("/field/checklists/").content.decode()


def test_it_requires_the_administrator_to_set_an_interval(world):
    client = Client()
    client.force_login(world.otto)
    rental = PlaceKind.objects.get(code="rental")
    assert (
        client.post(
            "/field/checklists/interval/", {"kind": rental.pk, "interval_days": "7"}
        ).status_code
        == 403
    )
    rental.refresh_from_db()
    assert rental.interval_days == 90

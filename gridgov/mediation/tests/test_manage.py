from gridgov.mediation.models import DisputeType, Organisation


def test_a_district_administrator_adds_an_organisation_and_edits_a_type(mw, client):
    client.force_login(mw.adam)
    assert "衣裳街社区人民调解委员会" in client.get("/mediation/manage/organisations/").content.decode()
    response = client.post("/mediation/manage/organisations/new/", {
        "name": "月河派出所调解室", "kind": "police", "region": mw.town_a.pk, "short_name": "月河", "word": "警调",
        "dispute_types": [mw.neighbours.pk], "is_active": "on",
    })
    assert response.status_code == 302
    assert Organisation.objects.get(name="月河派出所调解室").area_code == mw.town_a.prefix
    response = client.post(f"/mediation/manage/types/{mw.neighbours.pk}/", {
        "code": "02", "name": "邻里纠纷", "order": 2, "limit_days": 15, "category_code": "0102", "is_active": "on",
    })
    assert response.status_code == 302 and DisputeType.objects.get(pk=mw.neighbours.pk).limit_days == 15


def test_a_town_administrator_keeps_only_its_town_and_not_the_types(mw, client):
    client.force_login(mw.tara)
    listing = client.get("/mediation/manage/organisations/").content.decode()
    assert "衣裳街社区人民调解委员会" in listing and "吴兴区矛盾纠纷调处化解中心" not in listing
    assert client.get(f"/mediation/manage/organisations/{mw.centre.pk}/").status_code == 404
    assert client.get("/mediation/manage/types/").status_code == 403
    client.force_login(mw.mona)
    assert client.get("/mediation/manage/organisations/").status_code == 403

"""Mediation fixtures on top of the shared `world`.

- the village committee of 衣裳街社区 (village A) with mona, its mediator
- the town A committee, and the district 矛调中心 with mark, its mediator
- the personas of `world`: lena (leader) sees cases masked, xena (town B) sees none
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from gridgov.accounts.models import Role, RoleAssignment, User
from gridgov.mediation import workflow
from gridgov.mediation.models import DisputeType, Mediator, Organisation, OrganisationKind, PartyRole
from gridgov.mediation.types import install_default_types

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)


@pytest.fixture
def mw(world):
    """The world with mediation organisations and mediators."""
    install_default_types()  # transactional tests empty the migration's rows
    w = world
    w.village_committee = Organisation.objects.create(
        name="衣裳街社区人民调解委员会", kind=OrganisationKind.VILLAGE_COMMITTEE, region=w.village_a,
        area_code=w.village_a.prefix, short_name="衣裳街", word="人调",
    )
    w.town_committee = Organisation.objects.create(
        name="月河街道人民调解委员会", kind=OrganisationKind.TOWN_COMMITTEE, region=w.town_a,
        area_code=w.town_a.prefix, short_name="月河", word="人调",
    )
    w.centre = Organisation.objects.create(
        name="吴兴区矛盾纠纷调处化解中心", kind=OrganisationKind.DISTRICT_CENTRE, region=w.district,
        area_code=w.district.prefix, short_name="吴兴", word="人调",
    )

    def mediator(username, name, organisation):
        user = User.objects.create_user(username=username, password="pw-" + username, full_name=name)
        RoleAssignment.objects.create(user=user, role=Role.MEDIATOR, scope=organisation.area_code)
        Mediator.objects.create(organisation=organisation, user=user, name=name)
        return user

    w.mona = mediator("mona", "孟娜", w.village_committee)
    w.mark = mediator("mark", "马克", w.centre)
    w.neighbours = DisputeType.objects.get(name="邻里纠纷")
    return w


def parties():
    return [
        workflow.PartyInput(role=PartyRole.APPLICANT, name="张桂英", id_number="330502195803121526",
                            phone="13857201234", address="衣裳街 8 号"),
        workflow.PartyInput(role=PartyRole.RESPONDENT, name="李建华", id_number="33050219700405153X",
                            address="衣裳街 10 号"),
    ]


def register(w, *, by=None, organisation=None, at=MONDAY, **overrides):
    values = dict(
        by=by or w.mona, organisation=organisation or w.village_committee, title="楼上漏水致楼下墙面受损",
        dispute_type=w.neighbours, source="application", facts="李家卫生间漏水三个月，张家厨房墙面霉变。",
        claims="赔偿维修费 3000 元", amount="3000", region=w.village_a, parties=parties(), at=at,
    )
    values.update(overrides)
    case, _ = workflow.register(**values)
    return case


def mediate_to_success(w, case, by=None):
    by = by or w.mona
    workflow.accept(case, by=by, at=MONDAY)
    workflow.record_session(case, by=by, held_at=MONDAY, place="衣裳街社区调解室", participants="张桂英、李建华、孟娜",
                            said="双方陈述，查看现场。", agreed="李家负责维修", at=MONDAY)
    return workflow.succeed(case, by=by, terms="李建华于 3 月 20 日前修复防水层并赔偿张桂英 2000 元。",
                            performance_manner="一次性现金支付", performance_place="衣裳街社区调解室",
                            performance_deadline=date(2026, 3, 20), at=MONDAY)

"""Mediation in the demo district: organisations at every level, their mediators, an expert
pool, and a year of dispute cases made through the case workflow.

The demo `mediator` login works for the first town's 人民调解委员会, so it sees that town's
cases and its villages'. Each town's cases are carried by that town's first mediator account
(m<town>1); the second mediator of the first town also sits at the district centre and
carries the district-level cases.
"""

import random
from datetime import date, datetime, timedelta

from django.db.models import Q

from gridgov.accounts.models import Role, RoleAssignment, User
from gridgov.demo import names
from gridgov.lib import codes, workdays
from gridgov.mediation import workflow
from gridgov.mediation.models import (
    Case,
    CaseLog,
    CaseSequence,
    Disclosure,
    DisputeType,
    Expert,
    ExpertKind,
    FollowUp,
    Mediator,
    Organisation,
    OrganisationKind,
    PartyRole,
    ReviewDecision,
    ReviewMeeting,
)
from gridgov.regions.models import Level, Region
from gridgov.worktime.calendar import current_calendar

CASES = 300
INDUSTRY = [("医疗纠纷人民调解委员会", "医调", "医患纠纷"), ("劳动争议人民调解委员会", "劳调", "劳动争议纠纷"),
            ("交通事故人民调解委员会", "交调", "交通事故纠纷"), ("物业纠纷人民调解委员会", "物调", "物业纠纷"),
            ("婚姻家庭纠纷人民调解委员会", "婚调", "婚姻家庭继承纠纷")]
FACTS = {
    "邻里纠纷": ("邻居装修噪音扰民", "楼上装修夜间施工，多次协商未果，双方发生口角。", "停止夜间施工并赔礼道歉"),
    "婚姻家庭继承纠纷": ("老人赡养费分担争议", "三子女对母亲赡养费分担意见不一，老人生活无着。", "三子女每月各支付赡养费 800 元"),
    "房屋宅基地纠纷": ("宅基地界址争议", "两户翻建房屋时对界址线有争议，已停工。", "以原界桩为准，东户后退 0.3 米"),
    "合同纠纷": ("装修合同尾款争议", "业主以质量问题拒付装修尾款 2.6 万元。", "返修后支付尾款 2 万元"),
    "劳动争议纠纷": ("工地拖欠工资", "某工地拖欠 6 名工人工资合计 4.8 万元。", "施工方分两期付清工资"),
    "物业纠纷": ("物业费与停车管理争议", "业主以停车管理混乱为由拒缴物业费。", "物业整改停车管理，业主补缴物业费"),
    "交通事故纠纷": ("电动车与行人碰撞赔偿", "电动车撞伤行人，医疗费赔偿数额有争议。", "一次性赔偿医疗费等 1.5 万元"),
    "医患纠纷": ("术后感染赔偿争议", "患者术后感染，认为医院存在过错。", "医院给予补偿 3 万元"),
    "山林土地承包纠纷": ("承包地边界争议", "两户承包地边界不清，因种植发生争执。", "重新丈量并设立界桩"),
    "征地拆迁纠纷": ("拆迁补偿分配争议", "兄弟间对拆迁补偿款分配有争议。", "按户籍人口比例分配"),
    "损害赔偿纠纷": ("宠物咬伤赔偿", "邻居犬只咬伤儿童，赔偿数额有争议。", "犬主赔偿疫苗及误工费 3000 元"),
}


def save(root: str, *, now: datetime, count: int = CASES) -> int:
    """Make the organisations, people and `count` cases of the district; return the cases made."""
    district = Region.objects.filter(code__startswith=codes.prefix(root), level=Level.DISTRICT).order_by("code").first()
    if district is None:
        return 0
    rng = random.Random(f"mediation/{district.code}")
    types = {t.name: t for t in DisputeType.objects.all()}
    short = names.short_name(district.name.removesuffix("区"))
    orgs: list[Organisation] = [Organisation.objects.create(
        name=f"{district.name}矛盾纠纷调处化解中心", kind=OrganisationKind.DISTRICT_CENTRE, region=district,
        area_code=district.prefix, short_name=short, word="矛调", phone="0572-2222110",
    )]
    for name, word, kind in INDUSTRY:
        org = Organisation.objects.create(name=f"{district.name}{name}", kind=OrganisationKind.INDUSTRY,
                                          region=district, area_code=district.prefix, short_name=short, word=word)
        org.dispute_types.set([types[kind]])
        orgs.append(org)
    orgs.append(Organisation.objects.create(
        name=f"{district.name}人民法院诉调对接中心", kind=OrganisationKind.COURT, region=district,
        area_code=district.prefix, short_name=short, word="诉调"))
    towns = list(Region.objects.filter(parent=district).order_by("code"))
    local: list[Organisation] = []
    for town in towns:
        town_short = names.short_name(town.name)
        local.append(Organisation.objects.create(
            name=f"{town.name}人民调解委员会", kind=OrganisationKind.TOWN_COMMITTEE, region=town, area_code=town.prefix,
            short_name=town_short, word="人调"))
        Organisation.objects.create(name=f"{town.name}矛调中心", kind=OrganisationKind.TOWN_CENTRE, region=town,
                                    area_code=town.prefix, short_name=town_short, word="矛调")
        for village in Region.objects.filter(parent=town).order_by("code")[:4]:
            local.append(Organisation.objects.create(
                name=f"{village.name}人民调解委员会", kind=OrganisationKind.VILLAGE_COMMITTEE, region=village,
                area_code=village.prefix, short_name=names.short_name(village.name), word="人调"))
    all_orgs = orgs + local
    mediators = []
    for org in all_orgs:
        for _ in range(2):
            mediators.append(Mediator(organisation=org, name=names.person_name(rng), phone=f"139{rng.randrange(10**8):08d}",
                                      is_full_time=rng.random() < 0.4))
    Mediator.objects.bulk_create(mediators)
    Expert.objects.bulk_create([
        Expert(name=names.person_name(rng), kind=kind, region=district, area_code=district.prefix)
        for kind in [ExpertKind.LAWYER] * 4 + [ExpertKind.RETIRED_JUDGE] * 2 + [ExpertKind.DEPUTY] * 3 + [ExpertKind.SAGE] * 3
    ])
    town_people = {t.prefix: list(User.objects.filter(username__startswith=f"m{t.prefix}").order_by("username"))
                   for t in towns}
    if not all(town_people.values()):
        return 0
    centre = town_people[towns[0].prefix][-1]
    RoleAssignment.objects.create(user=centre, role=Role.MEDIATOR, scope=district.prefix)
    Mediator.objects.create(organisation=orgs[0], user=centre, name=centre.display_name, is_full_time=True)
    for org in local:
        if org.kind == OrganisationKind.TOWN_COMMITTEE:
            Mediator.objects.bulk_create([
                Mediator(organisation=org, user=u, name=u.display_name, is_full_time=True)
                for u in town_people[org.area_code]
            ])

    def actor(code: str) -> User:
        return town_people[code[:9]][0] if len(code) >= 9 else centre
    demo_mediator = User.objects.filter(username="mediator").first()
    if demo_mediator is not None and local:
        Mediator.objects.create(organisation=local[0], user=demo_mediator, name=demo_mediator.display_name,
                                is_full_time=True)
    by_org = {}
    for m in Mediator.objects.filter(organisation__in=all_orgs, user__isnull=True):
        by_org.setdefault(m.organisation_id, []).append(m)

    # The demo's events keep the outcomes they were planned with (their counts are the
    # dashboards'); linking events and cases is shown by the tests and by the pages.
    made = 0
    start = now - timedelta(days=365)
    for index in range(count - made):
        org = rng.choice(local) if rng.random() < 0.85 else rng.choice(orgs)
        dispute = rng.choice(list(FACTS)) if org.kind != OrganisationKind.INDUSTRY else org.dispute_types.first().name
        title, facts, terms = FACTS[dispute]
        region = org.region if org.region.level >= Level.TOWN else rng.choice(towns)
        at = start + timedelta(days=365 * index / count, hours=rng.randrange(9, 16) - 9)
        at = at.replace(hour=rng.randrange(9, 16), minute=rng.randrange(60), second=0, microsecond=0)
        at = workdays.next_working_moment(at, current_calendar())
        if at >= now:
            break
        by = actor(org.area_code)
        case, _ = workflow.register(
            by=by, organisation=org, title=title, dispute_type=types[dispute],
            source=rng.choice(["application"] * 6 + ["proactive"] * 3 + ["police", "court", "government"]),
            facts=facts, region=region, claims=terms, amount=rng.choice([None, 3000, 12000, 26000, 48000]),
            people_involved=rng.choice([2, 2, 3, 5, 12]), risk=rng.choice([1, 1, 1, 2, 3]),
            is_major=rng.random() < 0.05, parties=_parties(rng), at=at,
        )
        _carry(case, rng, by=by, at=at, now=now, mediators=by_org.get(org.pk, []), terms=terms)
        made += 1
    return made


def _parties(rng: random.Random) -> list[workflow.PartyInput]:
    def id_number() -> str:
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(20000))
        return f"330502{born:%Y%m%d}{rng.randrange(1000):03d}{rng.choice('0123456789X')}"

    return [
        workflow.PartyInput(role=PartyRole.APPLICANT, name=names.person_name(rng), id_number=id_number(),
                            phone=f"138{rng.randrange(10**8):08d}"),
        workflow.PartyInput(role=PartyRole.RESPONDENT, name=names.person_name(rng), id_number=id_number()),
    ]


def _carry(case: Case, rng: random.Random, *, by: User, at: datetime, now: datetime, mediators: list[Mediator],
           terms: str = "双方达成和解") -> None:
    """Take a case as far along as its age allows, with the branches in realistic shares."""
    def step(days: float) -> datetime | None:
        nonlocal at
        # Mediators work in office hours: each step lands in the next working moment.
        at = workdays.next_working_moment(at + timedelta(days=days), calendar)
        return at if at < now else None

    calendar = current_calendar()
    roll = rng.random()
    if step(1) is None:
        return
    if roll < 0.03:
        workflow.refuse(case, by=by, reason="已进入诉讼程序，不属人民调解受理范围", at=at)
        return
    workflow.accept(case, by=by, mediators=mediators[:1], at=at)
    if step(rng.uniform(1, 5)) is None:
        return
    workflow.record_session(case, by=by, held_at=at, place="调解室", participants="双方当事人及调解员",
                            said="听取双方陈述，释法明理。", at=at)
    if step(rng.uniform(2, 30)) is None:
        return
    if roll < 0.07:
        workflow.fail(case, by=by, referral=rng.choice(["litigation", "arbitration", "administrative"]),
                      reason="双方分歧较大，告知其他救济途径", at=at)
    else:
        workflow.succeed(case, by=by, terms=terms, performance_manner="当场履行或按期支付",
                         performance_place="调解委员会", performance_deadline=(at + timedelta(days=15)).date(), at=at)
        if step(rng.uniform(10, 30)) is None:
            return
        workflow.follow_up(case, by=by, performance=rng.choice(["performed"] * 9 + ["partly"]),
                           satisfaction="满意", at=at)
    if step(rng.uniform(5, 20)) is None:
        return
    workflow.archive(case, by=by, at=at)


def remove(prefix: str) -> None:
    """Delete the mediation records under `prefix`; before the events the cases point at."""
    cases = Case.objects.filter(Q(area_code__startswith=prefix) | Q(org_code__startswith=prefix))
    organisations = Organisation.objects.filter(area_code__startswith=prefix)
    Disclosure.objects.filter(case__in=cases).delete()
    ReviewDecision.objects.filter(case__in=cases).delete()
    ReviewMeeting.objects.filter(area_code__startswith=prefix).delete()
    FollowUp.objects.filter(case__in=cases).delete()
    CaseLog.objects.filter(case__in=cases).delete()
    cases.delete()
    CaseSequence.objects.filter(organisation__in=organisations).delete()
    Mediator.objects.filter(organisation__in=organisations).delete()
    Expert.objects.filter(area_code__startswith=prefix).delete()
    organisations.delete()

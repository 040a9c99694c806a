"""March 2026 in the test territory, every figure of it worked out by hand.

Town A (gina reports, otto runs the command room, dora's 月河中队 handles):

    E1  Wed 03-04 09:00  signed 09:30, handled 11:30 (2 h, on time), closed 12:00 满意
    E2  Thu 03-05 14:00  0401 消防通道堵塞, signed 14:30, handled Fri 03-20 10:30 (356 h, late),
                         closed 11:00 不满意
    E3  Mon 03-09 08:15  signed 09:00, extended 2 days, handled 03-10 09:00, reworked 10:00,
                         handled again 15:00 (30 h from signing, on time), closed 16:00 基本满意
    E4  Sat 03-14 22:30  signed Mon 03-16 09:00, still handling: overdue
    E5  Tue 03-17 07:45  self-handled by gina
    E6  Tue 03-31 23:30  rejected 23:40
    E7  Wed 03-04 09:40  0401 消防通道堵塞, 较大, still waiting to be accepted: overdue
    E8  Thu 04-02 10:00  self-handled (April: outside the month)

Town B (bing reports, xena runs the command room, hank's 朝阳中队 handles) has fewer events of
other kinds, so that every figure of the district differs from town A's: a chart that let
them across the border would show it.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from gridgov.conftest import photo
from gridgov.events import workflow
from gridgov.events.models import Category, Event, Level

SHANGHAI = ZoneInfo("Asia/Shanghai")
# After every deadline of March, before any of this test territory's figures could move.
AFTER = datetime(2026, 4, 20, 10, 0, tzinfo=SHANGHAI)


def at(day: int, hour: int, minute: int = 0, *, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def _report(by, category, when, title, *, lon: float, level: int = Level.ORDINARY, source: str = "grid_patrol"):
    event, _ = workflow.report(
        by=by, title=title, description=f"{title}，请相关部门处理。", category=category, level=level,
        source=source, lon=lon, lat=30.01, at=when,
    )
    return event


def _self_handled(by, category, when, *, lon: float):
    event, _ = workflow.self_handle(
        by=by, title="井盖松动", description="人行道井盖松动，已现场加固。", category=category,
        lon=lon, lat=30.01, note="已加固", photos=[photo()], at=when,
    )
    return event


def _signed(event, *, operator, lead, member, when):
    workflow.accept(event, by=operator, at=when - timedelta(minutes=20))
    workflow.dispatch(event, lead=lead, by=operator, at=when - timedelta(minutes=10))
    workflow.sign(event, by=member, at=when)
    return event


def _handled(event, *, member, when):
    workflow.feed_back(_fresh(event), by=member, note="已处置", photos=[photo()], at=when)
    return event


def _fresh(event: Event) -> Event:
    event.refresh_from_db()
    return event


def fire_lane() -> Category:
    return Category.objects.get(code="0401")


def town_a(world, street_vending) -> dict[str, Event]:
    gina, otto, dora, lead = world.gina, world.otto, world.dora, world.enforcement_a
    lon = 120.005
    e = {}
    e["E1"] = _signed(_report(gina, street_vending, at(4, 9), "衣裳街口占道经营", lon=lon),
                      operator=otto, lead=lead, member=dora, when=at(4, 9, 30))
    _handled(e["E1"], member=dora, when=at(4, 11, 30))
    workflow.verify(_fresh(e["E1"]), by=gina, satisfaction="satisfied", at=at(4, 12))

    e["E2"] = _signed(_report(gina, fire_lane(), at(5, 14), "小区消防通道被占", lon=lon),
                      operator=otto, lead=lead, member=dora, when=at(5, 14, 30))
    _handled(e["E2"], member=dora, when=at(20, 10, 30))
    workflow.verify(_fresh(e["E2"]), by=gina, satisfaction="unsatisfied", at=at(20, 11))

    e["E3"] = _signed(_report(gina, street_vending, at(9, 8, 15), "菜场门口占道", lon=lon),
                      operator=otto, lead=lead, member=dora, when=at(9, 9))
    extension = workflow.request_extension(_fresh(e["E3"]), by=dora, days=2, reason="需协调摊主", at=at(9, 9, 30))
    workflow.approve_extension(extension, by=otto, at=at(9, 10))
    _handled(e["E3"], member=dora, when=at(10, 9))
    workflow.rework(_fresh(e["E3"]), by=gina, reason="摊贩又回来了", at=at(10, 10))
    _handled(e["E3"], member=dora, when=at(10, 15))
    workflow.verify(_fresh(e["E3"]), by=gina, satisfaction="basically", at=at(10, 16))

    e["E4"] = _signed(_report(gina, street_vending, at(14, 22, 30), "夜市占道", lon=lon),
                      operator=otto, lead=lead, member=dora, when=at(16, 9))
    e["E5"] = _self_handled(gina, street_vending, at(17, 7, 45), lon=lon)
    e["E6"] = _report(gina, street_vending, at(31, 23, 30), "重复上报的占道", lon=lon)
    workflow.reject(e["E6"], by=otto, reason="重复反映", at=at(31, 23, 40))
    e["E7"] = _report(gina, fire_lane(), at(4, 9, 40), "商铺堵塞消防通道", lon=lon, level=Level.SERIOUS)
    e["E8"] = _self_handled(gina, street_vending, at(2, 10, month=4), lon=lon)
    return {k: _fresh(v) for k, v in e.items()}


def town_b(world, staff, street_vending) -> dict[str, Event]:
    bing, hank, lead, xena = staff.bing, staff.hank, staff.enforcement_b, world.xena
    lon = 120.03
    e = {}
    e["B1"] = _signed(_report(bing, street_vending, at(6, 10), "南街占道经营", lon=lon),
                      operator=xena, lead=lead, member=hank, when=at(6, 10, 30))
    _handled(e["B1"], member=hank, when=at(6, 16, 30))
    workflow.verify(_fresh(e["B1"]), by=bing, satisfaction="satisfied", at=at(6, 17))

    e["B2"] = _signed(_report(bing, street_vending, at(11, 20), "南街夜间占道", lon=lon),
                      operator=xena, lead=lead, member=hank, when=at(12, 9))
    extension = workflow.request_extension(_fresh(e["B2"]), by=hank, days=3, reason="需联合执法", at=at(12, 10))
    workflow.approve_extension(extension, by=xena, at=at(12, 11))
    _handled(e["B2"], member=hank, when=at(27, 9))
    workflow.rework(_fresh(e["B2"]), by=bing, reason="仍有摊位", at=at(27, 10))
    _handled(e["B2"], member=hank, when=at(27, 11))
    workflow.verify(_fresh(e["B2"]), by=bing, satisfaction="unsatisfied", at=at(27, 12))

    e["B3"] = _signed(_report(bing, street_vending, at(18, 11), "南街早市占道", lon=lon),
                      operator=xena, lead=lead, member=hank, when=at(18, 11, 30))
    e["B4"] = _self_handled(bing, street_vending, at(19, 13), lon=lon)
    e["B5"] = _report(xena, fire_lane(), at(25, 15), "群众反映消防通道堵塞", lon=lon, level=Level.MAJOR,
                      source="resident")
    return {k: _fresh(v) for k, v in e.items()}

"""Who handles what in the demo: routing rules from the default classes to its departments,
and the choices a command room makes by hand where no rule applies.

A rule for a body with a unit in every town (综合行政执法, 市场监管, 公安, 自然资源, 司法)
is made once per town, for the town's prefix and its unit; a rule for a body without town
units is made once per district, for the district's prefix. 矛盾纠纷 and 其他 have no rule:
the command room reads them and dispatches by hand.
"""

from dataclasses import dataclass

from gridgov.accounts.models import Department, DepartmentKind, DepartmentLevel, User
from gridgov.demo.people import PeoplePlan
from gridgov.events import taxonomy
from gridgov.events.models import Category
from gridgov.lib import codes

K = DepartmentKind
TOWN, DISTRICT = DepartmentLevel.TOWN, DepartmentLevel.DISTRICT


@dataclass(frozen=True)
class Handler:
    """A kind of department, at the town (its unit there) or the district (the body)."""

    kind: str
    level: str
    assisting: tuple[str, ...] = ()  # district bodies that help (联办)


# Class code (major or minor) → who leads. A minor class's rule beats its major class's at
# the same prefix, and a town's rule beats the district's.
RULES: dict[str, Handler] = {
    "02": Handler(K.POLICE, TOWN),
    "03": Handler(K.EMERGENCY, DISTRICT),
    "0302": Handler(K.EMERGENCY, DISTRICT, (K.FIRE,)),
    "0303": Handler(K.HOUSING, DISTRICT),
    "0305": Handler(K.TRANSPORT, DISTRICT),
    "04": Handler(K.FIRE, DISTRICT),
    "0405": Handler(K.FIRE, DISTRICT, (K.EMERGENCY,)),
    "05": Handler(K.LAW_ENFORCEMENT, TOWN),
    "06": Handler(K.LAW_ENFORCEMENT, TOWN),
    "0602": Handler(K.NATURAL_RESOURCES, TOWN),
    "07": Handler(K.ECOLOGY, DISTRICT),
    "08": Handler(K.MARKET_REGULATION, TOWN),
    "09": Handler(K.CIVIL_AFFAIRS, DISTRICT),
    "0903": Handler(K.HOUSING, DISTRICT),
    "0904": Handler(K.HOUSING, DISTRICT),
    "10": Handler(K.HUMAN_RESOURCES, DISTRICT),
    "1101": Handler(K.POLICE, TOWN),
    "1102": Handler(K.JUSTICE, TOWN),
    "1103": Handler(K.JUSTICE, TOWN),
    "1104": Handler(K.POLICE, TOWN),
    "1105": Handler(K.CIVIL_AFFAIRS, DISTRICT),
}

# Where the command room sends a class that no rule routes.
BY_HAND: dict[str, Handler] = {
    "01": Handler(K.JUSTICE, TOWN),
    "0103": Handler(K.JUSTICE, TOWN, (K.NATURAL_RESOURCES,)),
    "0104": Handler(K.JUSTICE, TOWN, (K.NATURAL_RESOURCES,)),
    "0105": Handler(K.HUMAN_RESOURCES, DISTRICT),
    "0106": Handler(K.HOUSING, DISTRICT),
    "0107": Handler(K.JUSTICE, TOWN, (K.NATURAL_RESOURCES,)),
    "0109": Handler(K.HEALTH, DISTRICT),
    "12": Handler(K.CIVIL_AFFAIRS, DISTRICT),
    "1201": Handler(K.TRANSPORT, DISTRICT),
    "1202": Handler(K.LAW_ENFORCEMENT, TOWN),
}

# Where an event first goes when it goes to the wrong place (and is sent back from there).
MISROUTED: dict[str, Handler] = {
    "01": Handler(K.LAW_ENFORCEMENT, TOWN),
    "02": Handler(K.LAW_ENFORCEMENT, TOWN),
    "03": Handler(K.FIRE, DISTRICT),
    "04": Handler(K.EMERGENCY, DISTRICT),
    "05": Handler(K.HOUSING, DISTRICT),
    "06": Handler(K.HOUSING, DISTRICT),
    "07": Handler(K.WATER, DISTRICT),
    "08": Handler(K.HEALTH, DISTRICT),
    "09": Handler(K.LAW_ENFORCEMENT, TOWN),
    "10": Handler(K.JUSTICE, TOWN),
    "11": Handler(K.CIVIL_AFFAIRS, DISTRICT),
    "12": Handler(K.LAW_ENFORCEMENT, TOWN),
}


def _lookup(table: dict[str, Handler], minor: str) -> Handler | None:
    return table.get(minor) or table.get(minor[:2])


def routed(minor: str) -> Handler | None:
    """Who the rules send an event of this minor class to, or None for the command room."""
    return _lookup(RULES, minor)


def by_hand(minor: str) -> Handler:
    """Who handles a minor class: its rule's department, or the command room's choice."""
    return routed(minor) or _lookup(BY_HAND, minor) or Handler(K.CIVIL_AFFAIRS, DISTRICT)


def misrouted(minor: str, right: Handler) -> Handler:
    """A plausible wrong first choice for the class: never the right one."""
    wrong = _lookup(MISROUTED, minor) or Handler(K.LAW_ENFORCEMENT, TOWN)
    if wrong.kind == right.kind:
        return Handler(K.CIVIL_AFFAIRS if right.kind != K.CIVIL_AFFAIRS else K.HOUSING, DISTRICT)
    return wrong


@dataclass(frozen=True)
class RulePlan:
    category: str
    prefix: str
    lead: tuple[str, str]  # department key: (region code, name)
    assisting: tuple[tuple[str, str], ...]


def plan_rules(people: PeoplePlan) -> list[RulePlan]:
    """One rule per class in `RULES` for every town (town units) or district (bodies)."""
    bodies: dict[tuple[str, str], tuple[str, str]] = {}  # (district code, kind) → key
    units: dict[tuple[str, str], tuple[str, str]] = {}  # (town code, kind) → key
    towns_of: dict[str, list[str]] = {}
    for d in people.departments:
        if d.kind == K.COMMAND_ROOM:
            continue
        if d.level == DISTRICT:
            bodies[(d.region, d.kind)] = d.key
        else:
            units[(d.region, d.kind)] = d.key
            district = d.parent[0] if d.parent else codes.pad(d.region[:6])
            towns_of.setdefault(district, [])
            if d.region not in towns_of[district]:
                towns_of[district].append(d.region)
    districts = sorted({region for region, _ in bodies})
    result = []
    for category, handler in RULES.items():
        for district in districts:
            assisting = tuple(
                bodies[(district, kind)] for kind in handler.assisting if (district, kind) in bodies
            )
            if handler.level == DISTRICT:
                if (district, handler.kind) in bodies:
                    result.append(
                        RulePlan(
                            category,
                            codes.prefix(district),
                            bodies[(district, handler.kind)],
                            assisting,
                        )
                    )
                continue
            for town in sorted(towns_of.get(district, [])):
                if (town, handler.kind) in units:
                    result.append(
                        RulePlan(category, codes.prefix(town), units[(town, handler.kind)], ())
                    )
    return result


def save_rules(plan: list[RulePlan], *, by: User) -> int:
    """Save the rules through the taxonomy service, as an administrator would; the caller
    holds the transaction. Returns how many were saved."""
    categories = {c.code: c for c in Category.objects.filter(code__in={r.category for r in plan})}
    regions = {key[0] for r in plan for key in (r.lead, *r.assisting)}
    departments = {
        (d.region.code, d.name): d
        for d in Department.objects.filter(region__code__in=regions).select_related("region")
    }
    for rule in plan:
        taxonomy.save_routing_rule(
            by=by,
            category=categories[rule.category],
            region_prefix=rule.prefix,
            lead=departments[rule.lead],
            assisting=[departments[key] for key in rule.assisting],
        )
    return len(plan)

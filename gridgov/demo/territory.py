"""The demo territory: districts, towns, villages, grids and 片区, planned and then saved.

`plan(scale)` is pure: it draws the map and gives out codes, names and numbers, and the same
scale always gives the same plan. `save(plan)` writes it through the territory services, so
every region, grid and 片区 passes the same validation as an import.
"""

import hashlib
import json
import random
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gridgov.demo import geography, names
from gridgov.lib import codes, geo
from gridgov.regions import territory as services
from gridgov.regions.models import AreaType, Cluster, DedicatedKind, GridKind, Level, Region

PROVINCE = ("330000000000", "浙江省")
CITY = ("330500000000", "湖州市")

# 城乡分类代码 given to the villages of each kind of place.
CORE_COMMUNITY, FRINGE_COMMUNITY, TOWN_CENTRE = "111", "112", "121"
TOWNSHIP_CENTRE, VILLAGE = "210", "220"


@dataclass(frozen=True)
class DistrictSpec:
    """One 区/县: its real code and name, where it sits and how many towns it has."""

    code: str
    name: str
    centre: tuple[float, float]  # lon, lat from which it grows (city scale)
    core: tuple[float, float]  # the urban core, where grids are small and 街道 sit
    streets: int  # 街道, town codes 001–099
    towns: int  # 镇, 100–199
    townships: int  # 乡, 200–399


@dataclass(frozen=True)
class Scale:
    """Everything that differs between the demo district and the benchmark city."""

    name: str
    bounds: tuple[float, float, float, float]  # lon/lat box the outline spans
    districts: tuple[DistrictSpec, ...]
    grids: int
    # How many grids a village has: values and weights.
    village_sizes: tuple[tuple[int, ...], tuple[float, ...]]
    grids_per_cluster: int
    # Workers per grid: always a 网格长 (a), a 专职网格员 (b) with this probability, and a
    # 兼职网格员 (c) with that one.
    full_time_share: float
    part_time_share: float
    core_radius_km: float = 5.0
    seed: int = 2026
    # Events of the year before the demo is built (gridgov/demo/events.py); the benchmark
    # city has none, its benchmarks make their own.
    events: int = 0

    @property
    def root(self) -> str:
        """The region the demo owns: one district, or the whole city."""
        return self.districts[0].code if len(self.districts) == 1 else CITY[0]


DISTRICT = Scale(
    name="district",
    bounds=(120.05, 30.75, 120.35, 31.0),
    districts=(DistrictSpec("330502000000", "吴兴区", (120.20, 30.87), (120.12, 30.87), 5, 8, 1),),
    grids=540,
    village_sizes=((1, 2, 3), (0.4, 0.4, 0.2)),
    grids_per_cluster=12,
    full_time_share=1.0,
    part_time_share=0.6,
    events=3000,
)

CITY_SCALE = Scale(
    name="city",
    bounds=(119.23, 30.37, 120.48, 31.18),
    districts=(
        DistrictSpec("330502000000", "吴兴区", (120.15, 30.82), (120.10, 30.87), 8, 18, 2),
        DistrictSpec("330503000000", "南浔区", (120.36, 30.78), (120.41, 30.86), 6, 20, 2),
        DistrictSpec("330521000000", "德清县", (120.00, 30.55), (119.97, 30.54), 6, 20, 2),
        DistrictSpec("330522000000", "长兴县", (119.80, 31.00), (119.90, 31.01), 6, 20, 2),
        DistrictSpec("330523000000", "安吉县", (119.60, 30.62), (119.68, 30.64), 6, 20, 2),
    ),
    grids=20_000,
    village_sizes=((1, 2, 3, 4), (0.1, 0.25, 0.35, 0.3)),
    grids_per_cluster=12,
    full_time_share=0.5,
    part_time_share=0.0,
)

SCALES = {"district": DISTRICT, "city": CITY_SCALE}


@dataclass
class RegionPlan:
    code: str
    name: str
    level: int
    parent: str | None
    outline: BaseGeometry | None = None
    urban_rural_code: str = ""


@dataclass
class ClusterPlan:
    code: str
    name: str
    town: str
    station: str


@dataclass
class GridPlan:
    code: str
    name: str
    village: str
    cluster: str
    geometry: BaseGeometry
    area_type: str
    households: int
    population: int
    kind: str = GridKind.COMPREHENSIVE
    dedicated_kind: str = ""


@dataclass
class TerritoryPlan:
    scale: Scale
    regions: list[RegionPlan] = field(default_factory=list)  # parents before children
    clusters: list[ClusterPlan] = field(default_factory=list)
    grids: list[GridPlan] = field(default_factory=list)

    def regions_at(self, level: int) -> list[RegionPlan]:
        return [r for r in self.regions if r.level == level]

    def digest(self) -> str:
        """A fingerprint of everything the plan would save."""
        h = hashlib.sha256()
        for r in self.regions:
            outline = r.outline.wkb_hex if r.outline is not None else ""
            h.update(f"{r.code}|{r.name}|{r.parent}|{r.urban_rural_code}|{outline}\n".encode())
        for c in self.clusters:
            h.update(f"{c.code}|{c.name}|{c.station}\n".encode())
        for g in self.grids:
            h.update(
                f"{g.code}|{g.name}|{g.cluster}|{g.kind}|{g.dedicated_kind}|{g.area_type}|"
                f"{g.households}|{g.population}|{g.geometry.wkb_hex}\n".encode()
            )
        return h.hexdigest()


def stable_seed(*parts: object) -> int:
    """A seed for numpy from any labels; Python's own hash() changes between runs."""
    return int.from_bytes(hashlib.sha256(json.dumps(parts).encode()).digest()[:8], "big")


@dataclass
class Map:
    """The grid cells and what is known about them while the plan is drawn."""

    cells: np.ndarray  # lon/lat polygons
    centres: np.ndarray  # km, for distances
    labels: np.ndarray  # lon/lat points inside each cell, for ordering
    neighbours: list[list[int]]
    frame: geography.Frame

    def km(self, lon: float, lat: float) -> np.ndarray:
        return np.array(self.frame.point_to_km(lon, lat))

    def nearest(self, members: list[int], lon: float, lat: float) -> int:
        d = ((self.centres[members] - self.km(lon, lat)) ** 2).sum(axis=1)
        return members[int(np.argmin(d))]


def draw_map(scale: Scale) -> Map:
    rng = np.random.default_rng(stable_seed(scale.seed, scale.name, "map"))
    outline = geography.irregular_outline(rng, bounds=scale.bounds)
    centre = outline.centroid
    frame = geography.Frame(round(centre.x, 3), round(centre.y, 3))
    area = frame.to_km(outline)
    cores = np.array([frame.point_to_km(*d.core) for d in scale.districts])
    sigma = scale.core_radius_km * 0.8

    def density(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        # Grids are about eight times smaller in a core than in the countryside.
        d2 = np.min((x[:, None] - cores[:, 0]) ** 2 + (y[:, None] - cores[:, 1]) ** 2, axis=1)
        return 0.12 + 0.88 * np.exp(-d2 / (2 * sigma**2))

    points = geography.scatter(rng, area, scale.grids, density)
    cells_km = geography.voronoi_cells(points, area)
    cells = frame.to_degrees(cells_km)
    invalid = ~shapely.is_valid(cells)
    if invalid.any():
        # Rounding to 6 decimals can fold a cell with a vertex a few centimetres from an edge.
        cells[invalid] = shapely.set_precision(cells[invalid], 10**-geography.PRECISION)
    return Map(
        cells=cells,
        centres=shapely.get_coordinates(shapely.centroid(cells_km)),
        labels=shapely.get_coordinates(shapely.point_on_surface(cells)),
        neighbours=geography.adjacency(cells),
        frame=frame,
    )


def plan(scale: Scale) -> TerritoryPlan:
    """Draw the territory of `scale`: the same scale always gives the same plan."""
    world = draw_map(scale)
    rng = np.random.default_rng(stable_seed(scale.seed, scale.name, "shapes"))
    attributes = random.Random(f"{scale.seed}/{scale.name}/attributes")
    gazetteer = names.Gazetteer(random.Random(f"{scale.seed}/{scale.name}/towns"))
    result = TerritoryPlan(scale=scale)
    result.regions.append(RegionPlan(PROVINCE[0], PROVINCE[1], Level.PROVINCE, None))
    everything = list(range(len(world.cells)))
    if len(scale.districts) == 1:
        result.regions.append(RegionPlan(CITY[0], CITY[1], Level.CITY, PROVINCE[0]))
        district_cells = [everything]
    else:
        result.regions.append(
            RegionPlan(
                CITY[0], CITY[1], Level.CITY, PROVINCE[0], outline=shapely.union_all(world.cells)
            )
        )
        seeds = [world.nearest(everything, *d.centre) for d in scale.districts]
        owner = geography.grow(everything, seeds, world.neighbours, world.centres)
        district_cells = [[c for c in everything if owner[c] == k] for k in range(len(seeds))]
    for spec, members in zip(scale.districts, district_cells, strict=True):
        villages = names.Gazetteer(random.Random(f"{scale.seed}/{scale.name}/{spec.code}/villages"))
        district = RegionPlan(
            spec.code,
            spec.name,
            Level.DISTRICT,
            CITY[0],
            outline=geography.union(world.cells, members),
        )
        result.regions.append(district)
        for town_code, town_name, kind, town_members, seed in _towns(
            world, spec, members, scale, gazetteer
        ):
            town = RegionPlan(
                town_code,
                town_name,
                Level.TOWN,
                spec.code,
                outline=geography.union(world.cells, town_members),
            )
            result.regions.append(town)
            groups = geography.group(
                rng, town_members, world.neighbours, world.centres, scale.village_sizes
            )
            village_plans = _villages(
                world, spec, town, kind, groups, seed, villages, scale.core_radius_km
            )
            result.regions.extend(v for v, _ in village_plans)
            cluster_of = _clusters(world, scale, town, village_plans, result.clusters)
            for village, cells in village_plans:
                result.grids.extend(
                    _grids(world, village, cells, cluster_of[village.code], villages, attributes)
                )
    return result


def _towns(
    world: Map, spec: DistrictSpec, members: list[int], scale: Scale, gazetteer: names.Gazetteer
):
    """Yield (code, name, kind, cells, seed cell) for each town of a district, in code order.

    街道 seeds sit in the urban core; 镇 and 乡 seeds spread over the rest, the 乡 being the
    ones farthest out. 街道 grow more slowly so that they stay compact around the core.
    """
    core = world.km(*spec.core)
    distance = np.sqrt(((world.centres[members] - core) ** 2).sum(axis=1))
    inner = [c for c, d in zip(members, distance, strict=True) if d <= scale.core_radius_km]
    outer = [c for c, d in zip(members, distance, strict=True) if d > scale.core_radius_km * 1.3]
    streets = geography.spread(world.centres, inner, spec.streets)
    rural = geography.spread(world.centres, outer, spec.towns + spec.townships, taken=streets)
    rural.sort(key=lambda c: float(np.linalg.norm(world.centres[c] - core)))
    towns, townships = rural[: spec.towns], rural[spec.towns :]
    seeds = streets + towns + townships
    kinds = ["street"] * len(streets) + ["town"] * len(towns) + ["township"] * len(townships)
    slowness = [2.0 if k == "street" else 1.0 for k in kinds]
    owner = geography.grow(members, seeds, world.neighbours, world.centres, slowness=slowness)
    shares = [[c for c in members if owner[c] == k] for k in range(len(seeds))]
    first_code = {"street": 1, "town": 100, "township": 200}
    suffix = {"street": "街道", "town": "镇", "township": "乡"}
    for kind in ("street", "town", "township"):
        positions = [k for k in range(len(seeds)) if kinds[k] == kind]
        order = geography.reading_order(world.labels[[seeds[k] for k in positions]], band=0.03)
        for sequence, p in enumerate((positions[i] for i in order), start=first_code[kind]):
            short = gazetteer.street() if kind == "street" else gazetteer.town()
            code = codes.child_code(spec.code, sequence, level=codes.TOWN)
            yield code, short + suffix[kind], kind, shares[p], seeds[p]


def _villages(
    world: Map,
    spec: DistrictSpec,
    town: RegionPlan,
    kind: str,
    groups: list[list[int]],
    town_seed: int,
    gazetteer: names.Gazetteer,
    core_radius: float,
) -> list[tuple[RegionPlan, list[int]]]:
    """Name and code the villages (cell groups) of one town.

    In a 街道 the villages of the core are 主城区 communities, those around it 城乡结合区
    communities, and any further out are villages. In a 镇 the groups nearest the town centre
    are 镇中心区 communities; in a 乡 the nearest group is the 乡中心区 village.
    """
    core = world.km(*spec.core)
    centres = np.array([world.centres[g].mean(axis=0) for g in groups])
    to_core = np.sqrt(((centres - core) ** 2).sum(axis=1))
    to_seed = np.sqrt(((centres - world.centres[town_seed]) ** 2).sum(axis=1))
    nearest_seed = np.argsort(to_seed, kind="stable")
    centre_count = {"street": 0, "town": 1 + len(groups) // 15, "township": 1}[kind]
    centre_code = TOWN_CENTRE if kind == "town" else TOWNSHIP_CENTRE
    urban_rural = []
    for i in range(len(groups)):
        if kind == "street":
            if to_core[i] <= core_radius:
                urban_rural.append(CORE_COMMUNITY)
            elif to_core[i] <= core_radius * 1.8:
                urban_rural.append(FRINGE_COMMUNITY)
            else:
                urban_rural.append(VILLAGE)
        else:
            urban_rural.append(centre_code if i in nearest_seed[:centre_count] else VILLAGE)
    labels = np.array([world.labels[g].mean(axis=0) for g in groups])
    result: list[tuple[RegionPlan, list[int]]] = []
    communities = [i for i, c in enumerate(urban_rural) if c.startswith("1")]
    rural = [i for i, c in enumerate(urban_rural) if not c.startswith("1")]
    for members, first, suffix, make in (
        (communities, 1, "社区", gazetteer.community),
        (rural, 201, "村", gazetteer.village),
    ):
        if len(members) > 199:
            raise ValueError(f"{town.name} 的{suffix}过多，代码不够分配")
        order = geography.reading_order(labels[members], band=0.01) if members else []
        for sequence, i in enumerate((members[k] for k in order), start=first):
            code = codes.child_code(town.code, sequence, level=codes.VILLAGE)
            region = RegionPlan(
                code,
                make() + suffix,
                Level.VILLAGE,
                town.code,
                outline=geography.union(world.cells, groups[i]),
                urban_rural_code=urban_rural[i],
            )
            result.append((region, groups[i]))
    result.sort(key=lambda pair: pair[0].code)
    return result


def _clusters(
    world: Map,
    scale: Scale,
    town: RegionPlan,
    villages: list[tuple[RegionPlan, list[int]]],
    clusters: list[ClusterPlan],
) -> dict[str, str]:
    """Group the town's villages into 片区 of about `grids_per_cluster` grids; {village: 片区}."""
    cell_village = {c: i for i, (_, cells) in enumerate(villages) for c in cells}
    neighbours = [
        sorted(
            {cell_village[n] for c in cells for n in world.neighbours[c] if n in cell_village} - {i}
        )
        for i, (_, cells) in enumerate(villages)
    ]
    centres = np.array([world.centres[cells].mean(axis=0) for _, cells in villages])
    grid_count = sum(len(cells) for _, cells in villages)
    count = max(1, min(len(villages), round(grid_count / scale.grids_per_cluster)))
    members = list(range(len(villages)))
    seeds = geography.spread(centres, members, count)
    owner = geography.grow(members, seeds, neighbours, centres)
    labels = np.array([world.labels[villages[s][1]].mean(axis=0) for s in seeds])
    short = names.short_name(town.name)
    result = {}
    for sequence, k in enumerate(geography.reading_order(labels, band=0.02), start=1):
        code = f"{codes.prefix(town.code)}P{sequence:02d}"
        station = villages[seeds[k]][0].name
        clusters.append(
            ClusterPlan(
                code, f"{short}第{names.ordinal(sequence)}片区", town.code, f"{station}党群服务中心"
            )
        )
        for i in members:
            if owner[i] == k:
                result[villages[i][0].code] = code
    return result


DEDICATED_SHARE = 0.18  # of the villages with more than one grid
URBAN_FACILITIES = (("market", 3), ("school", 3), ("hospital", 2), ("business_district", 2))
RURAL_FACILITIES = (("enterprise_park", 4), ("scenic_area", 2), ("school", 2), ("market", 1))


def _grids(
    world: Map,
    village: RegionPlan,
    cells: list[int],
    cluster: str,
    gazetteer: names.Gazetteer,
    rng: random.Random,
) -> list[GridPlan]:
    urban = village.urban_rural_code.startswith("1")
    area_type = AreaType.URBAN if urban else AreaType.RURAL
    order = geography.reading_order(world.labels[cells], band=0.002)
    dedicated = -1
    if len(cells) > 1 and rng.random() < DEDICATED_SHARE:
        dedicated = rng.randrange(len(cells))
    short = names.short_name(village.name)
    grids, comprehensive = [], 0
    for sequence, i in enumerate(order, start=1):
        code = codes.child_code(village.code, sequence, level=codes.GRID)
        if i == dedicated:
            choices = URBAN_FACILITIES if urban else RURAL_FACILITIES
            kind = rng.choices([k for k, _ in choices], weights=[w for _, w in choices])[0]
            households = rng.randint(0, 40)
            grid = GridPlan(
                code,
                gazetteer.facility(kind, short) + "专属网格",
                village.code,
                cluster,
                world.cells[cells[i]],
                area_type,
                households,
                _population(rng, households),
                kind=GridKind.DEDICATED,
                dedicated_kind=DedicatedKind(kind),
            )
        else:
            comprehensive += 1
            # Sizing rule: rural ≤150, urban ≤300 households; a few grids overshoot it.
            households = round(
                rng.triangular(180, 320, 245) if urban else rng.triangular(80, 160, 118)
            )
            grid = GridPlan(
                code,
                f"{short}第{names.ordinal(comprehensive)}网格",
                village.code,
                cluster,
                world.cells[cells[i]],
                area_type,
                households,
                _population(rng, households),
            )
        grids.append(grid)
    return grids


def _population(rng: random.Random, households: int) -> int:
    return round(households * rng.uniform(2.4, 3.0))


def save(plan: TerritoryPlan) -> None:
    """Write the plan through the territory services; the caller holds the transaction."""
    saved: dict[str, Region] = {}
    for top in plan.regions_at(Level.PROVINCE) + plan.regions_at(Level.CITY):
        existing = Region.objects.filter(code=top.code).first()
        if existing is not None and (top.outline is None or existing.outline is not None):
            saved[top.code] = existing
        else:
            saved[top.code] = services.save_region(
                code=top.code,
                name=top.name,
                level=top.level,
                parent=saved.get(top.parent) if top.parent else None,
                outline=_geojson(top.outline),
            )
    for level in (Level.DISTRICT, Level.TOWN, Level.VILLAGE):
        rows = [
            {
                "code": r.code,
                "name": r.name,
                "level": r.level,
                "parent": saved[r.parent],
                "urban_rural_code": r.urban_rural_code,
                "outline": _geojson(r.outline),
            }
            for r in plan.regions_at(level)
        ]
        for region in services.bulk_create_regions(rows):
            saved[region.code] = region
    clusters: dict[str, Cluster] = {
        c.code: services.save_cluster(
            code=c.code, name=c.name, town=saved[c.town], station=c.station
        )
        for c in plan.clusters
    }
    services.bulk_create_grids(
        [
            services.GridFields(
                code=g.code,
                name=g.name,
                village=saved[g.village],
                geometry=_geojson(g.geometry),
                kind=g.kind,
                dedicated_kind=g.dedicated_kind,
                area_type=g.area_type,
                households=g.households,
                population=g.population,
                cluster=clusters[g.cluster],
            )
            for g in plan.grids
        ]
    )


def _geojson(geometry: BaseGeometry | None) -> dict | None:
    return None if geometry is None else geo.to_geojson(geometry)

"""An administrator's work on grids: the territory services, behind a scope check.

`territory.save_grid` creates or updates by code, which is what imports want; here a new
grid must not take an existing code, and an edited grid keeps its code and village.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, Q, QuerySet

from gridgov.accounts import permissions
from gridgov.accounts.models import Role, RoleAssignment, User
from gridgov.accounts.permissions import EDIT
from gridgov.lib import codes
from gridgov.regions import territory
from gridgov.regions.models import Cluster, Grid, Level, Region


def next_code(village: Region) -> str:
    """The code after the village's highest grid, or the first gap once 999 is taken;
    empty when the village is full."""
    taken = {
        int(code[12:])
        for code in Grid.objects.filter(code__startswith=village.prefix).values_list(
            "code", flat=True
        )
    }
    following = max(taken, default=0) + 1
    if following > 999:
        following = next((n for n in range(1, 1000) if n not in taken), 0)
    return codes.child_code(village.code, following, level=codes.GRID) if following else ""


@transaction.atomic
def create_grid(*, by: User, fields: territory.GridFields) -> Grid:
    permissions.require(by, EDIT, fields.village)
    if fields.village.level != Level.VILLAGE:
        raise ValidationError(
            {"village": f"{fields.village.name} 不是村（社区），网格只能建在村社区下"}
        )
    holder = Grid.objects.filter(code=fields.code).only("name").first()
    if holder is not None:
        raise ValidationError({"code": f"网格编码 {fields.code} 已被 {holder.name} 使用"})
    return territory.save_grid(fields)


@transaction.atomic
def update_grid(*, by: User, grid: Grid, fields: territory.GridFields) -> Grid:
    permissions.require(by, EDIT, grid)
    if fields.code != grid.code or fields.village.pk != grid.village_id:
        # A grid's code is where its events, visits and workers point; it never moves.
        raise ValidationError({"code": "网格编码和所属村社区不能修改；请新建网格"})
    return territory.save_grid(fields)


@transaction.atomic
def delete_grid(*, by: User, grid: Grid) -> None:
    permissions.require(by, EDIT, grid)
    workers = RoleAssignment.objects.filter(role=Role.GRID_WORKER, scope=grid.code).count()
    if workers:
        raise ValidationError({"grid": f"{grid.name} 仍有 {workers} 名网格员，请先解除分配再删除"})
    try:
        territory.delete_grid(grid)
    except ProtectedError as exc:
        raise ValidationError({"grid": f"{grid.name} 仍有关联记录，不能删除"}) from exc


def oversized_q() -> Q:
    """Grids with more households than the sizing rule allows for their area type."""
    over = Q(pk__in=[])
    for area_type, limit in settings.GRID_HOUSEHOLD_LIMIT.items():
        over |= Q(area_type=area_type, households__gt=limit)
    return over


def managed_grids(
    by: User, *, region: str = "", kind: str = "", oversized: bool = False
) -> QuerySet:
    grids = permissions.visible(by, Grid.objects.all(), action=EDIT)
    if region:
        grids = grids.filter(code__startswith=region)
    if kind:
        grids = grids.filter(kind=kind)
    if oversized:
        grids = grids.filter(oversized_q())
    return grids.select_related("village__parent", "cluster").order_by("code")


def cluster_choices(village: Region) -> list[tuple[str, str]]:
    """The 片区 of the village's town, which are the only ones its grids may join."""
    clusters = Cluster.objects.filter(town_id=village.parent_id).order_by("code")
    return [(str(c.pk), f"{c.name}（{c.code}）") for c in clusters]

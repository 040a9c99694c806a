"""Reads of the territory: who works a grid, and the counts that roll up from it."""

from gridgov.accounts import people
from gridgov.accounts.models import Role
from gridgov.regions import selectors


def add_worker(world, username: str, full_name: str, grid):
    return people.create_user(
        by=world.adam, username=username, full_name=full_name, phone="13800000001",
        password="网格巡查2026!", role=Role.GRID_WORKER, scope=grid.code,
    )


def test_a_deactivated_worker_no_longer_works_the_grid(world):
    bai = add_worker(world, "bai", "白露", world.grid_a1)
    assert sorted(w.username for w in selectors.workers_of(world.grid_a1)) == ["bai", "gina"]

    people.deactivate(by=world.adam, user=world.gina)

    assert selectors.workers_of(world.grid_a1) == [bai]
    assert selectors.workers_by_grid([world.grid_a1.code, world.grid_a2.code]) == {
        world.grid_a1.code: [bai]
    }


def test_a_deactivated_worker_is_not_counted_anywhere_above_the_grid(world):
    add_worker(world, "bai", "白露", world.grid_a2)
    people.deactivate(by=world.adam, user=world.gina)

    by_town = selectors.counts_by_child(world.district.prefix, 9)
    assert (by_town[world.town_a.prefix].workers, by_town[world.town_b.prefix].workers) == (1, 0)
    assert selectors.totals(world.district.prefix).workers == 1
    village_rows = selectors.children_with_counts(world.village_a)
    assert [(grid.code, counts.workers) for grid, counts in village_rows] == [
        (world.grid_a1.code, 0),
        (world.grid_a2.code, 1),
    ]


def test_a_worker_counts_again_once_the_account_is_back(world):
    people.deactivate(by=world.adam, user=world.gina)
    people.activate(by=world.adam, user=world.gina)
    assert selectors.workers_of(world.grid_a1) == [world.gina]
    assert selectors.totals(world.town_a.prefix).workers == 1

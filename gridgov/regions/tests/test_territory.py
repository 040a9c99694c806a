import pytest
from django.core.exceptions import ValidationError

from gridgov.conftest import rectangle
from gridgov.regions import locator, territory
from gridgov.regions.models import Grid, Level, Region, TerritoryVersion


def grid_fields(world, **overrides) -> territory.GridFields:
    values = dict(
        code="330502001001003", name="衣裳街第三网格", village=world.village_a,
        geometry=rectangle(120.0, 30.02, 120.01, 30.03), households=120,
    )
    values.update(overrides)
    return territory.GridFields(**values)


def test_saving_a_grid_stores_its_box_area_and_a_point_inside(world):
    grid = territory.save_grid(grid_fields(world))
    assert (grid.min_lon, grid.min_lat, grid.max_lon, grid.max_lat) == (120.0, 30.02, 120.01, 30.03)
    assert 1_000_000 < grid.area_m2 < 1_200_000
    assert grid.min_lon < grid.label_lon < grid.max_lon


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": "330502002001003"}, "code"),
        ({"code": "33050200100100"}, "code"),
        ({"name": "  "}, "name"),
        ({"households": -1}, "households"),
        ({"kind": "dedicated"}, "dedicated_kind"),
        ({"area_type": "suburb"}, "area_type"),
        ({"geometry": {"type": "Polygon", "coordinates": [[[120, 30], [120.1, 30], [120, 30.1]]]}}, "geometry"),
    ],
)
def test_a_bad_grid_is_refused_with_the_field_named_and_nothing_saved(world, overrides, field):
    with pytest.raises(ValidationError) as error:
        territory.save_grid(grid_fields(world, **overrides))
    assert field in error.value.error_dict
    assert not Grid.objects.filter(name="衣裳街第三网格").exists()


def test_a_grid_must_sit_under_a_village(world):
    with pytest.raises(ValidationError) as error:
        territory.save_grid(grid_fields(world, village=world.town_a, code="330502001000001"))
    assert "village" in error.value.error_dict


def test_a_village_hung_straight_from_the_district_is_refused_and_nothing_saved(world):
    with pytest.raises(ValidationError) as error:
        territory.save_region(
            code="330502001009", name="跳级村", level=Level.VILLAGE, parent=world.district
        )
    assert error.value.message_dict == {
        "parent": ["村社区的上级应为乡镇街道，而 330502000000 是区县"]
    }
    assert not Region.objects.filter(code="330502001009").exists()


def test_a_town_under_the_city_is_refused(world):
    with pytest.raises(ValidationError) as error:
        territory.save_region(
            code="330502003000", name="跳级镇", level=Level.TOWN, parent=world.city
        )
    assert "乡镇街道的上级应为区县" in error.value.message_dict["parent"][0]


def test_moving_a_village_under_the_district_is_refused_and_it_keeps_its_town(world):
    with pytest.raises(ValidationError) as error:
        territory.save_region(
            code=world.village_a.code, name="衣裳街社区", level=Level.VILLAGE, parent=world.district
        )
    assert "parent" in error.value.message_dict
    assert Region.objects.get(code=world.village_a.code).parent == world.town_a


def test_a_village_under_its_town_is_saved(world):
    village = territory.save_region(
        code="330502001009", name="新建村", level=Level.VILLAGE, parent=world.town_a
    )
    assert Region.objects.get(code="330502001009").parent == world.town_a == village.parent


def test_a_cluster_must_belong_to_the_grid_town(world):
    cluster_b = territory.save_cluster(code="330502002P01", name="南街片区", town=world.town_b)
    with pytest.raises(ValidationError) as error:
        territory.save_grid(grid_fields(world, cluster=cluster_b))
    assert "cluster" in error.value.error_dict


def test_a_cluster_code_is_the_town_code_and_a_sequence(world):
    with pytest.raises(ValidationError) as error:
        territory.save_cluster(code="330502002P01", name="错配片区", town=world.town_a)
    assert "code" in error.value.error_dict


def test_changing_grids_moves_the_version_and_the_locator_follows(world):
    before = TerritoryVersion.objects.get().number
    assert locator.locate(120.005, 30.025) is None
    territory.save_grid(grid_fields(world))
    assert TerritoryVersion.objects.get().number == before + 1
    assert locator.locate(120.005, 30.025).code == "330502001001003"
    territory.delete_grid(Grid.objects.get(code="330502001001003"))
    assert locator.locate(120.005, 30.025) is None


def test_another_process_notices_a_change_through_the_version(world, settings):
    settings.LOCATOR_VERSION_CHECK_SECONDS = 0
    index = locator.current_index()
    # Another process changes the grids: only the database stamp moves.
    territory.bump_version()
    assert locator.current_index() is not index
    assert locator.current_index().version == index.version + 1

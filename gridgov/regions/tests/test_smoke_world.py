from gridgov.regions import locator


def test_the_test_world_locates_points_in_its_grids(world):
    assert locator.locate(120.005, 30.01).code == world.grid_a1.code
    assert locator.locate(120.03, 30.01).code == world.grid_b1.code
    assert locator.locate(121.0, 31.0) is None

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridgov.lib import codes


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("330000000000", codes.PROVINCE),
        ("330500000000", codes.CITY),
        ("330502000000", codes.DISTRICT),
        ("330502001000", codes.TOWN),
        ("330502001201", codes.VILLAGE),
        ("330502001201003", codes.GRID),
    ],
)
def test_it_reads_the_level_from_the_trailing_zeros(code, level):
    assert codes.level_of(code) == level


@pytest.mark.parametrize(
    ("code", "level", "parent", "message"),
    [
        ("33050200100", codes.TOWN, None, "应为 12 位"),
        ("33050200100A", codes.TOWN, None, "只能由数字组成"),
        ("３３０５０２００１０００", codes.TOWN, None, "只能由数字组成"),
        ("990502001000", codes.TOWN, None, "省级代码 99 不在允许范围内"),
        ("330502600000", codes.TOWN, None, "乡镇街道代码 600 不在允许范围内"),
        ("330502001000", codes.DISTRICT, None, "第 7–9 位应为 0"),
        ("330502001001", codes.VILLAGE, "330502002000", "不以上级代码 330502002000 的前 9 位开头"),
        ("330502001001000", codes.GRID, None, "网格顺序码 000 不在允许范围内"),
        ("330502001001", codes.VILLAGE, "330502001001", "村社区的上级应为乡镇街道"),
    ],
)
def test_it_refuses_a_code_that_breaks_a_rule_and_says_which(code, level, parent, message):
    with pytest.raises(codes.CodeError) as error:
        codes.validate(code, level=level, parent_code=parent)
    assert message in str(error.value)


def test_it_accepts_a_grid_under_its_village():
    codes.validate("330502001201003", level=codes.GRID, parent_code="330502001201")


@pytest.mark.parametrize(
    ("code", "level", "parent", "message"),
    [
        ("330502001201", codes.VILLAGE, "330502000000",
         "村社区的上级应为乡镇街道，而 330502000000 是区县"),
        ("330502001201", codes.VILLAGE, "330000000000",
         "村社区的上级应为乡镇街道，而 330000000000 是省"),
        ("330502001000", codes.TOWN, "330500000000",
         "乡镇街道的上级应为区县，而 330500000000 是市"),
        ("330502000000", codes.DISTRICT, "330000000000",
         "区县的上级应为市，而 330000000000 是省"),
        ("330502001201003", codes.GRID, "330502001000",
         "网格的上级应为村社区，而 330502001000 是乡镇街道"),
        ("330000000000", codes.PROVINCE, "330000000000",
         "省级区划没有上级"),
    ],
)
def test_it_refuses_a_parent_that_skips_a_level(code, level, parent, message):
    with pytest.raises(codes.ParentError) as error:
        codes.validate(code, level=level, parent_code=parent)
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("330500000000", codes.CITY, "330000000000"),
        ("330502000000", codes.DISTRICT, "330500000000"),
        ("330502001000", codes.TOWN, "330502000000"),
        ("330502001201", codes.VILLAGE, "330502001000"),
    ],
)
def test_it_accepts_each_level_under_the_level_just_above(code, level, parent):
    codes.validate(code, level=level, parent_code=parent)


def test_ancestors_run_from_the_province_down():
    assert codes.ancestors("330502001201003") == [
        "330000000000",
        "330500000000",
        "330502000000",
        "330502001000",
        "330502001201",
    ]


@given(
    town=st.integers(1, 599),
    village=st.integers(1, 599),
    grid=st.integers(1, 999),
)
def test_every_child_code_extends_its_parent_and_validates(town, village, grid):
    district = "330502000000"
    town_code = codes.child_code(district, town, level=codes.TOWN)
    village_code = codes.child_code(town_code, village, level=codes.VILLAGE)
    grid_code = codes.child_code(village_code, grid, level=codes.GRID)
    codes.validate(town_code, level=codes.TOWN, parent_code=district)
    codes.validate(village_code, level=codes.VILLAGE, parent_code=town_code)
    codes.validate(grid_code, level=codes.GRID, parent_code=village_code)
    assert grid_code.startswith(codes.prefix(village_code)) and len(grid_code) == 15
    assert codes.prefix(village_code).startswith(codes.prefix(town_code))
    assert codes.level_of(grid_code) == codes.GRID
    assert codes.ancestors(grid_code)[-1] == village_code

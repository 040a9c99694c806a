"""Region and grid codes.

A region's code is the 12-digit 统计用区划代码: 2 province + 2 city + 2 county + 3 town +
3 village. A grid's code is its village's 12 digits + a 3-digit sequence (15 digits). The
significant prefix of a code is the tree: "everything in town X" is "every code that starts
with X's 9 digits".
"""

from dataclasses import dataclass

PROVINCE, CITY, DISTRICT, TOWN, VILLAGE, GRID = 1, 2, 3, 4, 5, 6

# How many leading digits identify a region of each level.
PREFIX_LENGTH = {PROVINCE: 2, CITY: 4, DISTRICT: 6, TOWN: 9, VILLAGE: 12, GRID: 15}

LEVEL_NAMES = {
    PROVINCE: "省",
    CITY: "市",
    DISTRICT: "区县",
    TOWN: "乡镇街道",
    VILLAGE: "村社区",
    GRID: "网格",
}


class CodeError(ValueError):
    """A code that breaks the rules; the message says which rule, in Chinese."""


class ParentError(CodeError):
    """A parent at the wrong level: the code may be fine, the parent is not."""


@dataclass(frozen=True)
class SegmentRule:
    level: int
    start: int
    end: int
    ranges: tuple[tuple[int, int], ...]
    what: str


# The digits each level adds, and the values allowed there (GB/T 2260, GB/T 10114, 统计用区划代码).
SEGMENTS = (
    SegmentRule(PROVINCE, 0, 2, ((11, 15), (21, 23), (31, 37), (41, 46), (50, 54), (61, 65),
                                 (71, 71), (81, 82)), "省级代码"),
    SegmentRule(CITY, 2, 4, ((1, 70), (90, 90)), "地市级代码"),
    SegmentRule(DISTRICT, 4, 6, ((1, 99),), "区县级代码"),
    SegmentRule(TOWN, 6, 9, ((1, 599),), "乡镇街道代码"),
    SegmentRule(VILLAGE, 9, 12, ((1, 599),), "村居代码"),
    SegmentRule(GRID, 12, 15, ((1, 999),), "网格顺序码"),
)


def level_of(code: str) -> int:
    """The level a full code stands for: trailing zero segments mean a higher level."""
    check_digits(code)
    if len(code) == 15:
        return GRID
    if len(code) != 12:
        raise CodeError(f"代码 {code} 应为 12 位区划代码或 15 位网格代码")
    for rule in reversed(SEGMENTS[:-1]):
        if int(code[rule.start:rule.end]) != 0:
            return rule.level
    raise CodeError(f"代码 {code} 全为 0")


def check_digits(code: str) -> None:
    if not code or not code.isascii() or not code.isdigit():
        raise CodeError(f"代码 {code!r} 只能由数字组成")


def validate(code: str, *, level: int, parent_code: str | None = None) -> None:
    """Raise CodeError unless `code` is a well-formed code of `level` under `parent_code`,
    which must be the level just above (ParentError otherwise)."""
    check_digits(code)
    expected_len = 15 if level == GRID else 12
    if len(code) != expected_len:
        raise CodeError(f"{LEVEL_NAMES[level]}代码 {code} 应为 {expected_len} 位")
    for rule in SEGMENTS:
        if rule.end > len(code):
            break
        value = int(code[rule.start:rule.end])
        if rule.level <= level:
            if not any(lo <= value <= hi for lo, hi in rule.ranges):
                raise CodeError(
                    f"{LEVEL_NAMES[level]}代码 {code} 的{rule.what} {code[rule.start:rule.end]} 不在允许范围内"
                )
        elif value != 0:
            raise CodeError(
                f"{LEVEL_NAMES[level]}代码 {code} 第 {rule.start + 1}–{rule.end} 位应为 0"
            )
    if parent_code is not None:
        check_parent_level(level=level, parent_code=parent_code)
        parent_prefix = prefix(parent_code)
        if not code.startswith(parent_prefix):
            raise CodeError(f"代码 {code} 不以上级代码 {parent_code} 的前 {len(parent_prefix)} 位开头")


def check_parent_level(*, level: int, parent_code: str) -> None:
    """Raise ParentError unless `parent_code` is exactly one level above `level`: a village
    hangs from a town, never straight from a district."""
    parent_level = level_of(parent_code)
    if level == PROVINCE:
        raise ParentError(f"省级区划没有上级，{parent_code} 不能作为其上级")
    if parent_level != level - 1:
        raise ParentError(
            f"{LEVEL_NAMES[level]}的上级应为{LEVEL_NAMES[level - 1]}，"
            f"而 {parent_code} 是{LEVEL_NAMES[parent_level]}"
        )


def prefix(code: str) -> str:
    """The significant digits of a code: '330502001000' -> '330502001'."""
    return code[: PREFIX_LENGTH[level_of(code)]]


def pad(prefix_digits: str) -> str:
    """A region prefix back to its 12-digit code: '330502001' -> '330502001000'."""
    return prefix_digits.ljust(12, "0") if len(prefix_digits) <= 12 else prefix_digits


def ancestors(code: str) -> list[str]:
    """Full codes of every region above `code`, from the province down."""
    level = level_of(code)
    return [pad(code[: PREFIX_LENGTH[lv]]) for lv in range(PROVINCE, level)]


def child_code(parent_code: str, sequence: int, *, level: int) -> str:
    """The code of the `sequence`-th child of `parent_code` at `level`."""
    parent_prefix = prefix(parent_code)
    width = PREFIX_LENGTH[level] - len(parent_prefix)
    if not 0 < sequence < 10**width:
        raise CodeError(f"顺序号 {sequence} 超出 {width} 位")
    digits = parent_prefix + str(sequence).zfill(width)
    return digits if level == GRID else pad(digits)

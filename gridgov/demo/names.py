"""Names for the demo: people, phone numbers, towns, villages, communities, grids.

The places are invented but read like the water towns of northern Zhejiang: villages on
浜, 兜, 埭 and 漾, communities named for gardens and lakes. Every name comes from a seeded
random generator, so the same seed always gives the same names.
"""

import itertools
import random
from collections.abc import Callable

# Surnames with rough weights: the national top names, and more of the Huzhou ones
# (沈, 钱, 陆, 姚, 潘, 费, 闵, 吴, 徐, 朱).
SURNAMES = tuple(
    (entry[0], int(entry[1:]))
    for entry in """
    王60 李50 张50 刘35 陈45 杨25 黄20 赵18 吴30 周25 徐30 孙15 马10 朱25 胡18 郭10 何12 高12
    林12 罗8 郑10 梁6 谢8 宋8 唐8 许10 韩6 冯8 邓6 曹8 彭5 曾4 肖5 田4 董6 袁6 潘14 于3 蒋10 蔡8 余6
    杜4 叶8 程5 苏5 魏4 吕5 丁6 任4 沈30 姚14 卢4 姜4 钟4 陆18 汪6 范6 金10 石4 钱18 费8 闵5 施8 邱4
    严5 俞6 孔3 邵5 方5 戴5 顾6 毛4 夏4 倪4 凌3 莫3
    """.split()
)
SURNAME_CHARACTERS = [s for s, _ in SURNAMES]
SURNAME_CUMULATIVE = list(itertools.accumulate(w for _, w in SURNAMES))
MALE_GIVEN = "伟强军磊杰斌勇涛明超华建国平志刚亮峰俊浩宇鹏飞林辉龙健文博晨阳海波良成坤"
FEMALE_GIVEN = "芳娟敏静丽艳霞燕玲红英琴萍婷雪慧颖佳倩洁琳莉晓云兰梅丹秀凤蓉彤欣怡悦瑶"
SHARED_GIVEN = "一子亦宁安嘉佳振家建晓小春秋明新永雨思梦浩文志天"

MOBILE_PREFIXES = tuple(
    """
    130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156
    157 158 159 177 180 181 182 183 186 187 188 189 199
    """.split()
)

# Streets of the urban core, towns and townships of the countryside.
STREET_NAMES = tuple(
    """
    锦湖 碧浪 望湖 清源 文昌 凤鸣 仁和 康乐 白鹭 梅园 桂苑 紫阳 金盖 霅溪 苕阳 春晖
    东湖 西山 北门 云巢 玉湖 新华 湖滨 银杏 兴安 丰乐 朝晖 明珠 安澜 景行 天池 通津
    观凤 永宁 宜春 荣华 顺安 星洲 临溪 长乐 华苑 建国 学前 凤岗 清河 南湖 翠屏 锦江
    """.split()
)
TOWN_NAMES = tuple(
    """
    青溪 梅林 双港 荻塘 桑园 竹墩 荷花 横山 塘甸 丁河 云浦 白阜 升山 荃步 马要 杨溇
    菁山 港胡 金村 塘南 漾西 庙港 汤溇 潘店 横街 重兆 石冲 长超 大溪 西苕 青山 思溪
    辑里 永兴 南庄 竹林 洋溪 沙村 姚庄 横塘 新开 荻港 朱家 汇溪 东桥 章家 严家 南溪
    北山 三星 上强 下昂 城南 湖口 顺溪 联山 三合 戈亭 双溪 獐山 芦墟 渔溪 荷塘 柳湾
    桐溪 乌溪 杨梅 栖凤 松溪 蒲塘 凌浦 舒溪 钱溇 秋塘 白沙 石桥 西塘 东溪 清水 岭下
    高桥 青林 茅山 黄渡 仙潭 古城 梅溪口 竹溪 沈塘 陆庄 费家 闵桥 施村 徐渡 上塘 下塘
    后漾 前港 板桥 芝里 金沙 玉山 龙口 凤溪 鹤林 麟湖 虎山 鹿溪 雁塘 莺湖
    """.split()
)
# Parts of village names: 沈家浜 (surname + 家 + water), 新塘 (word + water), 红旗 (era names).
WATER = "浜兜埭漾港湾桥墩坝圩荡塘溇汇角头庄浦渡"
WORDS = "新大长双白青石横上下前后东西南北中三五高金红荷桑竹梅柳杨林松沙塘芦菱"
ERA_NAMES = tuple(
    """
    红旗 胜利 光明 联合 幸福 民主 建设 前进 向阳 永丰 丰收 友谊 团结 和平 新民 红星
    群益 东风 先锋 新华 永兴 繁荣 青年 人民 解放 文化 朝阳
    """.split()
)
COMMUNITY_FIRST = "丽锦文滨凤金龙翠馨和新人学青湖仁碧康华春秋紫云瑞嘉悦雅盛景明乐安"
COMMUNITY_SECOND = "景绣华河泉苑园坊里湾庭洲岸溪山阳桥台居"
OLD_TOWN = "街门桥坊里湾弄巷"  # old town communities: 南门, 东街, 北桥

CHINESE_ORDINALS = "一二三四五六七八九十"

# Facilities that get a 专属网格, by dedicated kind, and what they are called.
FACILITIES = {
    "market": ("农贸市场", "综合市场", "建材市场", "童装市场", "果蔬批发市场"),
    "school": ("实验小学", "中学", "第二小学", "职业技术学校", "幼儿园", "高级中学"),
    "hospital": ("人民医院", "中医院", "社区卫生服务中心", "妇幼保健院"),
    "enterprise_park": ("工业园区", "经济开发区", "科创园", "小微企业园", "物流园"),
    "business_district": ("商务楼宇", "中央商务区", "总部大楼", "商业综合体"),
    "scenic_area": ("湿地景区", "古镇景区", "森林公园", "竹海景区"),
}


def surname(rng: random.Random) -> str:
    return rng.choices(SURNAME_CHARACTERS, cum_weights=SURNAME_CUMULATIVE)[0]


def person_name(rng: random.Random) -> str:
    family = surname(rng)
    pool = MALE_GIVEN if rng.random() < 0.5 else FEMALE_GIVEN
    first = rng.choice(pool + SHARED_GIVEN)
    # About a quarter of the names have a one-character given name (王伟, 沈芳).
    if rng.random() < 0.25:
        return family + first
    return family + first + rng.choice(pool)


def mobile_number(rng: random.Random, taken: set[str]) -> str:
    while True:
        number = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if number not in taken:
            taken.add(number)
            return number


def short_name(place: str) -> str:
    """A place without its kind: 青溪镇 → 青溪, 锦湖街道 → 锦湖, 沈家浜村 → 沈家浜."""
    for suffix in ("街道", "社区", "镇", "乡", "村"):
        if place.endswith(suffix) and len(place) > len(suffix) + 1:
            return place.removesuffix(suffix)
    return place


def ordinal(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十 (for 第N网格, 第N片区)."""
    if n <= 10:
        return CHINESE_ORDINALS[n - 1]
    tens, ones = divmod(n, 10)
    prefix = "" if tens == 1 else CHINESE_ORDINALS[tens - 1]
    return prefix + "十" + (CHINESE_ORDINALS[ones - 1] if ones else "")


class Gazetteer:
    """Hands out place names, never the same one twice within its scope (a city, a district)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def _fresh(self, make: Callable[[], str]) -> str:
        # The patterns give a thousand or more names each, several times what a district
        # uses, so a few redraws always find a free one.
        for _ in range(10_000):
            name = make()
            if name not in self.used:
                self.used.add(name)
                return name
        raise RuntimeError("可用地名已用尽")

    def _listed(self, listed: tuple[str, ...], make: Callable[[], str]) -> str:
        unused = [n for n in listed if n not in self.used]
        return self._fresh(lambda: self.rng.choice(unused) if unused else make())

    def street(self) -> str:
        """A 街道's short name (without 街道)."""
        return self._listed(
            STREET_NAMES, lambda: self.rng.choice(COMMUNITY_FIRST) + self.rng.choice(WATER)
        )

    def town(self) -> str:
        """A 镇 or 乡's short name."""
        return self._listed(TOWN_NAMES, lambda: self.rng.choice(WORDS) + self.rng.choice(WATER))

    def village(self) -> str:
        """A 村's short name: 沈家浜, 新塘, 红旗."""

        def make() -> str:
            roll = self.rng.random()
            if roll < 0.45:
                return surname(self.rng) + "家" + self.rng.choice(WATER)
            if roll < 0.95:
                return self.rng.choice(WORDS) + self.rng.choice(WATER)
            return self.rng.choice(ERA_NAMES)

        return self._fresh(make)

    def community(self) -> str:
        """A 社区's short name: 丽景, 锦绣, 南门, 青年."""

        def make() -> str:
            roll = self.rng.random()
            if roll < 0.65:
                return self.rng.choice(COMMUNITY_FIRST) + self.rng.choice(COMMUNITY_SECOND)
            if roll < 0.95:
                return self.rng.choice(WORDS) + self.rng.choice(OLD_TOWN)
            return self.rng.choice(ERA_NAMES)

        return self._fresh(make)

    def facility(self, kind: str, place: str) -> str:
        """A facility with a 专属网格: 青溪农贸市场, 锦湖实验小学."""
        return self._fresh(lambda: place + self.rng.choice(FACILITIES[kind]))

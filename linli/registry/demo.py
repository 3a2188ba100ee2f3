"""Demo data that looks like a real Shenzhen community, for `make run` and the benchmarks.

One generator, two writers. `DemoGenerator` produces unsaved model instances with explicit primary
keys, in batches that are consistent on their own (places first, then households, residents,
memberships and tags); `write_batch_orm` saves a batch with `bulk_create` in one transaction.
The benchmark loader writes the same batches with PostgreSQL COPY (bench/common.py).

What is realistic here:
- surnames drawn from the ~100 most common at their national frequencies (Guangdong surnames such
  as 陈 黄 林 梁 are more frequent among Guangdong-born households), given names by generation
  (建国/秀英 for the elderly, 浩然/梓萱 for children);
- households of real compositions (nuclear families, three generations, elderly couples and
  people living alone, tenants sharing a flat in an urban village …) with consistent ages,
  relations, marital status, education and employment;
- valid, unique ID numbers whose region code is the place of birth registration (Shenzhen for
  most children of local households, the home county for migrants), so most adults with a
  Shenzhen hukou still have another province's code, as in reality;
- derived fields (pinyin, blind indexes) computed by `services.apply_resident_data`;
- Shenzhen's large non-local (floating) population, and special-group tags at plausible rates
  with Chinese evidence notes and review dates.

The data is deterministic for a given seed and reference date (`today`).
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.core.management.color import no_style
from django.db import connections, models, transaction
from django.db.models.base import ModelState
from django.utils import timezone

from linli.lib.id_card import make_id_number
from linli.org.models import Community, Grid, Post, Staff, Subdistrict
from linli.registry.models import (
    YEARLY_REVIEW_TAGS,
    Building,
    Dwelling,
    Household,
    Membership,
    Resident,
    ResidentTag,
)
from linli.registry.services import apply_resident_data
from linli.registry.validation import ResidentData

M = TypeVar("M", bound=models.Model)

DEMO_SUBDISTRICT_CODE = "440305001"
DEMO_PASSWORD = "Linli-demo-2026"  # noqa: S105 - the published demo password
COUNTY_CODE = "440305"  # 深圳市南山区

# Models in the order a batch is written (foreign keys point backwards, except Household.head,
# which relies on the deferred foreign-key check of PostgreSQL and SQLite within a transaction).
MODEL_ORDER: list[type[models.Model]] = [
    Subdistrict,
    Community,
    Grid,
    Building,
    Dwelling,
    Household,
    Resident,
    Membership,
    ResidentTag,
]
# Models whose primary keys the generator assigns (the others get theirs from the database).
EXPLICIT_PK_MODELS: list[type[models.Model]] = MODEL_ORDER[:7]

# --- names ---------------------------------------------------------------------------------
# The 100 most common surnames with their approximate share of the population, in per cent.
SURNAMES: list[tuple[str, float]] = [
    ("王", 7.12), ("李", 7.00), ("张", 6.74), ("刘", 5.10), ("陈", 4.61), ("杨", 3.22),
    ("黄", 2.45), ("赵", 2.19), ("吴", 2.05), ("周", 1.91), ("徐", 1.60), ("孙", 1.46),
    ("马", 1.42), ("朱", 1.30), ("胡", 1.29), ("郭", 1.19), ("何", 1.14), ("林", 1.13),
    ("高", 1.08), ("罗", 0.98), ("郑", 0.92), ("梁", 0.87), ("谢", 0.82), ("宋", 0.78),
    ("唐", 0.76), ("许", 0.74), ("韩", 0.73), ("冯", 0.71), ("邓", 0.70), ("曹", 0.68),
    ("彭", 0.66), ("曾", 0.64), ("肖", 0.62), ("田", 0.61), ("董", 0.60), ("袁", 0.57),
    ("潘", 0.56), ("于", 0.55), ("蒋", 0.54), ("蔡", 0.53), ("余", 0.52), ("杜", 0.51),
    ("叶", 0.50), ("程", 0.49), ("苏", 0.48), ("魏", 0.47), ("吕", 0.46), ("丁", 0.45),
    ("任", 0.44), ("沈", 0.43), ("姚", 0.42), ("卢", 0.41), ("姜", 0.40), ("崔", 0.39),
    ("钟", 0.38), ("谭", 0.37), ("陆", 0.36), ("汪", 0.35), ("范", 0.34), ("金", 0.33),
    ("石", 0.32), ("廖", 0.31), ("贾", 0.30), ("夏", 0.29), ("韦", 0.28), ("付", 0.28),
    ("方", 0.27), ("白", 0.27), ("邹", 0.26), ("孟", 0.26), ("熊", 0.25), ("秦", 0.25),
    ("邱", 0.24), ("江", 0.24), ("尹", 0.23), ("薛", 0.23), ("闫", 0.22), ("段", 0.22),
    ("雷", 0.21), ("侯", 0.21), ("龙", 0.20), ("史", 0.20), ("陶", 0.19), ("黎", 0.19),
    ("贺", 0.18), ("顾", 0.18), ("毛", 0.17), ("郝", 0.17), ("龚", 0.16), ("邵", 0.16),
    ("万", 0.15), ("钱", 0.15), ("严", 0.14), ("覃", 0.14), ("武", 0.14), ("戴", 0.13),
    ("莫", 0.13), ("孔", 0.12), ("向", 0.12), ("汤", 0.12),
]  # fmt: skip
# Surnames much more frequent in Guangdong than nationally (multipliers for Guangdong-born people).
GUANGDONG_SURNAMES = {
    "陈": 2.4, "黄": 2.3, "林": 2.0, "梁": 2.4, "郑": 1.6, "谢": 1.6, "钟": 2.5, "罗": 1.6,
    "曾": 2.0, "邓": 1.8, "何": 1.6, "吴": 1.4, "冯": 1.4, "蔡": 1.6, "李": 1.1, "王": 0.45,
    "张": 0.7, "赵": 0.3, "孙": 0.3, "马": 0.4, "郭": 0.6, "高": 0.6,
}  # fmt: skip

# Given names by birth cohort and sex.
GIVEN_NAMES: dict[tuple[int, str], list[str]] = {
    (1955, "M"): ["建国", "国强", "德明", "建华", "福生", "金山", "永福", "国庆", "振华", "德胜",
                  "有才", "长青", "庆祥", "树林", "文斌", "玉山", "宝林", "国华", "志明", "炳坤"],
    (1955, "F"): ["秀英", "桂英", "秀兰", "玉兰", "桂兰", "淑珍", "凤英", "玉珍", "秀珍", "桂芳",
                  "翠兰", "秀云", "玉梅", "素珍", "淑英", "月娥", "金凤", "美华", "丽华", "凤兰"],
    (1975, "M"): ["建军", "卫国", "建平", "志刚", "立新", "建伟", "海峰", "国平", "明辉", "永强",
                  "建新", "伟民", "振国", "向东", "勇", "军", "强", "伟", "斌", "刚", "平", "辉"],
    (1975, "F"): ["红梅", "丽娟", "秀梅", "建英", "丽萍", "春梅", "红霞", "海燕", "玉华", "桂香",
                  "艳", "丽", "霞", "萍", "红", "英", "敏", "娟", "芳", "玲", "美玲", "惠珍"],
    (1995, "M"): ["伟", "磊", "勇", "军", "杰", "涛", "斌", "超", "明", "鹏", "浩", "亮", "强",
                  "俊杰", "志伟", "文杰", "海涛", "晓东", "志强", "家豪", "伟健", "俊",
                  "宇", "嘉伟"],
    (1995, "F"): ["静", "丽", "敏", "燕", "艳", "娟", "霞", "婷", "雪", "琳", "晶", "丹", "玲",
                  "倩", "婷婷", "丽娜", "晓燕", "雪梅", "晓丽", "慧", "颖", "佳", "洁", "嘉欣"],
    (2010, "M"): ["浩", "宇", "鑫", "俊杰", "子豪", "浩然", "宇轩", "博文", "子轩", "梓豪",
                  "家乐", "嘉豪", "天宇", "俊熙", "文博", "思远", "晨", "轩", "一鸣", "志豪"],
    (2010, "F"): ["欣怡", "梓涵", "诗涵", "雨涵", "思琪", "佳怡", "紫涵", "可欣", "雨欣", "梦琪",
                  "心怡", "婧", "悦", "琪", "欣", "雨", "晨曦", "子涵", "佳琪", "诗琪"],
    (9999, "M"): ["浩然", "宇轩", "梓睿", "沐宸", "子墨", "一诺", "奕辰", "梓豪", "皓轩", "浩宇",
                  "俊熙", "睿", "铭", "宸", "铭轩", "梓轩", "子骞", "宇泽", "沐阳", "承泽"],
    (9999, "F"): ["梓萱", "一诺", "子涵", "欣怡", "诗涵", "若汐", "梓涵", "依诺", "可馨", "语桐",
                  "雨桐", "芷若", "思妍", "沐晴", "欣妍", "诗琪", "梓琪", "安琪", "语汐", "一涵"],
}  # fmt: skip
_COHORTS = sorted({y for y, _ in GIVEN_NAMES})

# --- places of birth registration (ID region codes) -------------------------------------------
SHENZHEN_CODES = [("440305", 6.0), ("440304", 2.0), ("440303", 1.5), ("440306", 1.0)]
# Home counties of Shenzhen's migrants, roughly by the size of each province's share.
ORIGIN_CODES: list[tuple[str, float]] = [
    ("445281", 3.0), ("440513", 2.0), ("441402", 1.5), ("441481", 1.5), ("440881", 2.0),
    ("441581", 1.5), ("440106", 1.0), ("441302", 1.0), ("440783", 1.0),  # 广东
    ("430582", 2.0), ("431021", 1.5), ("430681", 1.0), ("431102", 1.0), ("430381", 1.0),
    ("430104", 0.8), ("433101", 0.4),  # 湖南
    ("450881", 1.5), ("450923", 1.5), ("450821", 1.0), ("450103", 0.5),  # 广西
    ("421181", 1.2), ("420117", 0.8), ("420902", 0.8), ("422801", 0.4),  # 湖北
    ("360730", 1.0), ("360781", 0.8), ("360102", 0.4),  # 江西
    ("411627", 1.0), ("411721", 0.8), ("410102", 0.5),  # 河南
    ("511623", 0.8), ("511381", 0.6), ("510107", 0.5), ("500235", 0.5),  # 四川、重庆
    ("350583", 0.5), ("350102", 0.3),  # 福建
    ("370102", 0.3), ("130102", 0.2), ("230103", 0.2), ("220102", 0.15), ("610113", 0.3),
    ("320106", 0.2), ("330106", 0.2), ("340104", 0.3), ("110105", 0.2), ("310104", 0.15),
    ("520102", 0.3), ("530102", 0.2), ("140105", 0.15), ("620102", 0.1), ("460106", 0.2),
]  # fmt: skip
MINORITIES = ["壮族", "土家族", "苗族", "回族", "满族", "瑶族", "侗族", "蒙古族", "朝鲜族", "畲族"]

MOBILE_PREFIXES = [
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "147", "150", "151",
    "152", "153", "155", "156", "157", "158", "159", "166", "173", "176", "177", "178", "180",
    "181", "182", "183", "184", "185", "186", "187", "188", "189", "191", "198", "199",
]  # fmt: skip

# --- subdistricts and communities of 南山区 -----------------------------------------------------
SUBDISTRICTS: list[tuple[str, str, list[str]]] = [
    ("440305001", "南头街道",
     ["安乐", "大新", "南头城", "同乐", "马家龙", "莲城", "田厦", "红花园"]),
    ("440305002", "南山街道", ["南山", "南园", "荔湾", "向南", "常兴", "北头", "登良", "学府"]),
    ("440305003", "沙河街道",
     ["白石洲", "沙河", "华夏", "香山里", "世纪村", "新塘", "星河", "中新"]),
    ("440305004", "蛇口街道", ["渔一", "渔二", "湾厦", "四海", "海昌", "大陆", "花园城", "金融"]),
    ("440305005", "招商街道",
     ["南水", "水湾", "花果山", "桃花园", "蓝天", "东角头", "沿山", "半岛"]),
    ("440305006", "粤海街道", ["科技园", "高新", "大冲", "铜鼓", "海珠", "深大", "海王", "龙城"]),
    ("440305007", "桃源街道", ["龙联", "峰景", "珠光", "福光", "塘朗", "平山", "龙珠", "桃源"]),
    ("440305008", "西丽街道", ["西丽", "大磡", "麻磡", "白芒", "新围", "曙光", "丽城", "阳光"]),
]  # fmt: skip
ROADS = ["南头街", "中山南街", "南新路", "深南大道", "前海路", "南光路", "桃园路", "北环大道",
         "南海大道", "学府路", "沙河西路", "龙珠大道", "留仙大道", "东滨路"]  # fmt: skip
ESTATE_PREFIXES = ["海语", "南园", "荔园", "阳光", "星海", "前海", "港湾", "桃源", "海月", "东滨",
                   "丽雅", "锦绣", "翠林", "怡海", "鼎太", "风华", "金海", "南光", "海滨", "西海",
                   "碧榕", "泛海", "城市", "中熙", "香榭"]  # fmt: skip
ESTATE_SUFFIXES = ["花园", "名苑", "雅居", "新村", "小区", "华庭", "家园", "广场", "山庄", "公馆"]
LANE_NAMES = ["东一巷", "东二巷", "西一巷", "西二巷", "南一坊", "南二坊", "北一坊", "中心街"]
CN_NUMBERS = "一二三四五六七八九十"

DISABILITY_CN = {
    "visual": "视力",
    "hearing": "听力",
    "speech": "言语",
    "physical": "肢体",
    "intellectual": "智力",
    "mental": "精神",
    "multiple": "多重",
}
# National shares of disability kinds (second national disability sample survey, rounded).
DISABILITY_KINDS = [
    ("physical", 29.0),
    ("hearing", 24.0),
    ("multiple", 16.0),
    ("visual", 14.0),
    ("mental", 7.0),
    ("intellectual", 7.0),
    ("speech", 2.0),
]
GRADE_CN = "一二三四"

# Household kinds with their weights in each kind of building.
HOUSEHOLD_WEIGHTS: dict[str, dict[str, float]] = {
    "estate": {"nuclear": 30, "young_couple": 10, "single": 6, "sharing": 4, "three_gen": 18,
               "elderly_couple": 9, "elderly_alone": 3, "single_parent": 4, "adult_child": 12,
               "skip_gen": 0.4},
    "old": {"nuclear": 22, "young_couple": 8, "single": 8, "sharing": 8, "three_gen": 14,
            "elderly_couple": 14, "elderly_alone": 9, "single_parent": 5, "adult_child": 12,
            "skip_gen": 0.8},
    "village": {"nuclear": 22, "young_couple": 14, "single": 25, "sharing": 25, "three_gen": 5,
                "elderly_couple": 3, "elderly_alone": 2, "single_parent": 3, "adult_child": 1,
                "skip_gen": 0.4},
}  # fmt: skip
# Share of households with a Shenzhen hukou, by kind of building.
LOCAL_SHARE = {"estate": 0.5, "old": 0.55, "village": 0.12}


class _Weighted:
    """Fast weighted choice with a cumulative table."""

    def __init__(self, items: list[tuple[Any, float]]) -> None:
        self.values = [v for v, _ in items]
        self.cum: list[float] = []
        total = 0.0
        for _, w in items:
            total += w
            self.cum.append(total)
        self.total = total

    def pick(self, rng: random.Random) -> Any:
        import bisect

        return self.values[bisect.bisect_right(self.cum, rng.random() * self.total)]


_SURNAME_NATIONAL = _Weighted(SURNAMES)
_SURNAME_GUANGDONG = _Weighted([(s, w * GUANGDONG_SURNAMES.get(s, 1.0)) for s, w in SURNAMES])
_SHENZHEN = _Weighted(SHENZHEN_CODES)
_ORIGINS = _Weighted(ORIGIN_CODES)
_DISABILITY = _Weighted(DISABILITY_KINDS)
_GRADES = _Weighted([(1, 10.0), (2, 20.0), (3, 30.0), (4, 40.0)])
_HOUSEHOLDS = {kind: _Weighted(list(w.items())) for kind, w in HOUSEHOLD_WEIGHTS.items()}
_MOBILE = _Weighted([(p, 1.0) for p in MOBILE_PREFIXES])


# --- the generator -----------------------------------------------------------------------------
@dataclass
class Person:
    """A resident being made, before it becomes a model instance."""

    relation: str
    sex: str
    age: int
    surname: str
    origin: str  # the ID region code
    hukou: str
    marital: str = ""
    kind: str = ""  # the household kind, for tags
    employment: str = ""
    tags: list[tuple[str, str]] = field(default_factory=list)  # (tag, evidence: {y}, {m})
    notes: str = ""


@dataclass
class Batch:
    """Unsaved objects to write together, in MODEL_ORDER."""

    objects: dict[type[models.Model], list[models.Model]] = field(
        default_factory=lambda: {m: [] for m in MODEL_ORDER}
    )
    residents: int = 0

    def add(self, obj: models.Model) -> None:
        self.objects[type(obj)].append(obj)


@dataclass
class _GridState:
    grid: Grid
    community: Community
    village: str
    estates: list[str]
    kinds: _Weighted
    dwellings: list[tuple[Dwelling, str]] = field(default_factory=list)  # (dwelling, kind)
    position: int = 0
    tower: int = 0
    estate_size: int = 0


def next_ids(using: str = "default") -> dict[type[models.Model], int]:
    """The first free primary key of each model the generator numbers itself."""
    out: dict[type[models.Model], int] = {}
    for model in EXPLICIT_PK_MODELS:
        top = model._default_manager.using(using).aggregate(m=models.Max("pk"))["m"] or 0
        out[model] = int(top) + 1
    return out


class DemoGenerator:
    def __init__(
        self,
        residents: int,
        *,
        seed: int = 2026,
        communities: int = 2,
        grids_per_community: int = 3,
        today: date | None = None,
        first_ids: dict[type[models.Model], int] | None = None,
        batch_residents: int = 5000,
    ) -> None:
        self.total = residents
        self.rng = random.Random(seed)  # noqa: S311 - demo data, must be reproducible
        self.n_communities = max(1, communities)
        self.grids_per_community = max(1, grids_per_community)
        self.today = today or timezone.localdate()
        self.ids = dict(first_ids or {m: 1 for m in EXPLICIT_PK_MODELS})
        self.batch_residents = batch_residents
        self.id_numbers: set[str] = set()
        self.phones: set[str] = set()
        self.batch = Batch()

    # --- helpers ---------------------------------------------------------------------------
    def _pk(self, model: type[models.Model]) -> int:
        value = self.ids[model]
        self.ids[model] = value + 1
        return value

    def _birth(self, age: int) -> date:
        return self.today - timedelta(days=int(age * 365.25) + self.rng.randrange(365))

    def _given(self, birth_year: int, sex: str) -> str:
        for cohort in _COHORTS:
            if birth_year <= cohort:
                # Neighbouring cohorts overlap a little.
                if self.rng.random() < 0.15:
                    i = min(_COHORTS.index(cohort) + 1, len(_COHORTS) - 1)
                    cohort = _COHORTS[i]
                return self.rng.choice(GIVEN_NAMES[(cohort, sex)])
        return self.rng.choice(GIVEN_NAMES[(9999, sex)])

    def _surname(self, origin: str) -> str:
        table = _SURNAME_GUANGDONG if origin.startswith("44") else _SURNAME_NATIONAL
        name: str = table.pick(self.rng)
        return name

    def _origin(self) -> str:
        code: str = _ORIGINS.pick(self.rng)
        return code

    def _id_number(self, region: str, birth: date, sex: str) -> tuple[str, date]:
        while True:
            for _ in range(12):
                number = make_id_number(region, birth, self.rng.randrange(100), sex)
                if number not in self.id_numbers:
                    self.id_numbers.add(number)
                    return number, birth
            birth -= timedelta(days=1)  # every sequence of that day is taken: the day before

    def _mobile(self) -> str:
        while True:
            number = f"+86{_MOBILE.pick(self.rng)}{self.rng.randrange(10**8):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    # --- places ----------------------------------------------------------------------------
    def _places(self) -> list[_GridState]:
        states: list[_GridState] = []
        made = 0
        for sd_code, sd_name, names in SUBDISTRICTS:
            if made >= self.n_communities:
                break
            sd = Subdistrict(pk=self._pk(Subdistrict), code=sd_code, name=sd_name)
            self.batch.add(sd)
            for i, short in enumerate(names):
                if made >= self.n_communities:
                    break
                made += 1
                states += self._community(sd, i + 1, short)
        extra = 0
        while made < self.n_communities:  # more than SUBDISTRICTS hold: numbered communities
            extra += 1
            sd = Subdistrict(
                pk=self._pk(Subdistrict), code=f"440305{100 + extra:03d}", name=f"第{extra}街道"
            )
            self.batch.add(sd)
            for i in range(8):
                if made >= self.n_communities:
                    break
                made += 1
                states += self._community(sd, i + 1, f"{sd.name[:-2]}{CN_NUMBERS[i]}")
        return states

    def _community(self, sd: Subdistrict, index: int, short: str) -> list[_GridState]:
        rng = self.rng
        community = Community(
            pk=self._pk(Community),
            subdistrict_id=sd.pk,
            code=f"{sd.code}{index:03d}",
            name=f"{short}社区",
            address=f"深圳市南山区{sd.name}{rng.choice(ROADS)}{rng.randrange(1, 300)}号",
            hotline=f"0755-266{rng.randrange(10**5):05d}",
        )
        self.batch.add(community)
        estates = [p + s for p in ESTATE_PREFIXES for s in ESTATE_SUFFIXES]
        rng.shuffle(estates)
        per_grid = len(estates) // self.grids_per_community
        states = []
        for g in range(self.grids_per_community):
            label = CN_NUMBERS[g] if g < 10 else str(g + 1)
            grid = Grid(
                pk=self._pk(Grid),
                community_id=community.pk,
                code=f"{community.code}{g + 1:08d}",
                name=f"{short}第{label}网格",
            )
            self.batch.add(grid)
            # Each grid has its own character: old walk-ups, an urban village, or estates.
            old, village, estate = rng.choice(
                [(6.0, 3.0, 1.0), (2.0, 1.0, 7.0), (3.0, 5.0, 2.0), (4.0, 1.0, 5.0)]
            )
            states.append(
                _GridState(
                    grid=grid,
                    community=community,
                    village=f"{short}村",
                    estates=estates[g * per_grid : (g + 1) * per_grid],
                    kinds=_Weighted([("old", old), ("village", village), ("estate", estate)]),
                )
            )
        return states

    def _new_building(self, st: _GridState, numbers: dict[int, int]) -> None:
        """Add a building (and all its dwellings) to the grid."""
        rng = self.rng
        kind: str = st.kinds.pick(rng)
        if kind == "estate" and not st.estates:
            kind = "old"
        cid = st.community.pk
        n = numbers[cid] = numbers.get(cid, 0) + 1
        if kind == "estate":
            if st.tower == 0:
                st.estate_size = rng.randrange(3, 9)
            estate = st.estates[0]
            # Some estates letter their towers (A座), others number them (1栋).
            if sum(map(ord, estate)) % 3 == 0:
                name = f"{estate}{'ABCDEFGHJK'[st.tower]}座"
            else:
                name = f"{estate}{st.tower + 1}栋"
            st.tower += 1
            if st.tower >= st.estate_size:
                st.estates.pop(0)
                st.tower = 0
            floors, entrances, per_floor = rng.randrange(18, 34), 1, rng.choice([4, 6, 8])
            address = f"{rng.choice(ROADS)}{rng.randrange(1, 400)}号{name}"
        elif kind == "old":
            name = f"{n}栋"
            floors, entrances, per_floor = rng.choice([6, 7, 7, 8]), rng.choice([1, 2, 2, 3]), 2
            address = f"{rng.choice(ROADS)}{st.community.name[:-2]}{name}"
        else:  # an urban village (城中村) house
            lane = LANE_NAMES[n % len(LANE_NAMES)]
            name = f"{st.village}{lane}{n}号"
            floors, entrances, per_floor = rng.choice([5, 6, 7, 8, 9]), 1, rng.choice([2, 3, 4])
            address = name
        building = Building(
            pk=self._pk(Building),
            community_id=cid,
            grid_id=st.grid.pk,
            code=f"{n:03d}",
            name=name,
            address=f"深圳市南山区{address}",
            entrances=entrances,
            floors=floors,
        )
        self.batch.add(building)
        st.dwellings = []
        st.position = 0
        for entrance in range(1, entrances + 1):
            for floor in range(1, floors + 1):
                if kind == "estate" and floor < 3:
                    continue  # lobby and shops
                for unit in range(1, per_floor + 1):
                    dwelling = new(
                        Dwelling,
                        id=self._pk(Dwelling),
                        building_id=building.pk,
                        entrance=entrance,
                        floor=floor,
                        room=f"{floor}{unit:02d}",
                    )
                    self.batch.add(dwelling)
                    st.dwellings.append((dwelling, kind))

    def _next_dwelling(self, st: _GridState, numbers: dict[int, int]) -> tuple[Dwelling, str]:
        while True:
            if st.position >= len(st.dwellings):
                self._new_building(st, numbers)
            dwelling, kind = st.dwellings[st.position]
            st.position += 1
            if self.rng.random() >= 0.06:  # some flats stand empty
                return dwelling, kind

    # --- households ------------------------------------------------------------------------
    def _household(self, kind: str, building_kind: str, room_for: int) -> list[Person]:
        rng = self.rng
        local = rng.random() < LOCAL_SHARE[building_kind]
        if kind == "sharing":
            local = rng.random() < 0.08
        elif kind in {"elderly_alone", "elderly_couple"} and building_kind == "old":
            local = rng.random() < 0.85
        origin = self._origin()
        hukou = "local" if local else "nonlocal"
        surname = self._surname(origin)

        def adult(relation: str, sex: str, age: int, same_family: bool = False) -> Person:
            o = origin if same_family or rng.random() < 0.6 else self._origin()
            s = surname if same_family else self._surname(o)
            return Person(relation, sex, age, s, o, hukou, kind=kind)

        def child(relation: str, age: int, father: Person) -> Person:
            # Children of Shenzhen households are mostly registered at birth in Shenzhen.
            o = _SHENZHEN.pick(rng) if local and rng.random() < 0.9 else father.origin
            return Person(relation, rng.choice("MF"), age, father.surname, o, hukou, kind=kind)

        def couple(h_age: int, relation_w: str = "spouse") -> list[Person]:
            husband = adult("head", "M", h_age, same_family=True)
            wife = adult(relation_w, "F", max(20, h_age - int(rng.triangular(-3, 8, 2))))
            husband.marital = wife.marital = "married"
            return [husband, wife]

        people: list[Person] = []
        if kind == "nuclear":
            people = couple(rng.randrange(28, 48))
            mother_age = people[1].age
            for _ in range(1 if rng.random() < 0.55 else 2):
                people.append(
                    child("child", rng.randrange(0, max(1, min(18, mother_age - 20))), people[0])
                )
        elif kind == "young_couple":
            people = couple(rng.randrange(23, 36))
        elif kind == "single":
            p = adult("head", rng.choice("MMF"), rng.randrange(20, 42), same_family=True)
            p.marital = "single" if p.age < 33 or rng.random() < 0.6 else "divorced"
            people = [p]
        elif kind == "sharing":
            for i in range(rng.choice([2, 2, 3, 3, 4])):
                p = adult("head" if i == 0 else "tenant", rng.choice("MMF"), rng.randrange(19, 36))
                p.marital = "single" if rng.random() < 0.85 else "married"  # spouse back home
                people.append(p)
        elif kind == "three_gen":
            h_age = rng.randrange(30, 46)
            parents = couple(h_age)
            kids = [child("child", rng.randrange(0, 13), parents[0])]
            if rng.random() < 0.3:
                kids.append(child("child", rng.randrange(0, 13), parents[0]))
            g_age = h_age + rng.randrange(24, 34)
            grand_local = local and rng.random() < 0.6
            elders: list[Person] = []
            on_husbands_side = rng.random() < 0.7
            for sex, age in (("M", g_age), ("F", g_age - rng.randrange(0, 5))):
                if len(elders) == 1 and rng.random() < 0.25:
                    break  # a widowed grandparent
                g = adult("parent", sex, age, same_family=on_husbands_side and sex == "M")
                if not on_husbands_side and sex == "M":
                    g.surname = self._surname(g.origin)
                g.hukou = "local" if grand_local else "nonlocal"
                g.marital = "married"
                elders.append(g)
            if len(elders) == 2 and not on_husbands_side:
                parents[1].surname = elders[0].surname
            if len(elders) == 1:
                elders[0].marital = "widowed"
            if grand_local and rng.random() < 0.4 and elders[0].sex == "M":
                # The grandfather holds the household: relations are seen from him.
                elders[0].relation = "head"
                for e in elders[1:]:
                    e.relation = "spouse"
                if on_husbands_side:
                    parents[0].relation, parents[1].relation = "child", "child_in_law"
                else:
                    parents[0].relation, parents[1].relation = "child_in_law", "child"
                for k in kids:
                    k.relation = "grandchild"
                people = elders + parents + kids
            else:
                people = parents + kids + elders
        elif kind == "elderly_couple":
            people = couple(rng.randrange(60, 88))
        elif kind == "elderly_alone":
            p = adult("head", "F" if rng.random() < 0.7 else "M", rng.randrange(65, 96), True)
            p.marital = "widowed" if rng.random() < 0.8 else rng.choice(["divorced", "single"])
            people = [p]
        elif kind == "single_parent":
            p = adult("head", "F" if rng.random() < 0.75 else "M", rng.randrange(30, 50), True)
            p.marital = "divorced" if rng.random() < 0.75 else "widowed"
            people = [p, child("child", rng.randrange(1, min(18, p.age - 21)), p)]
        elif kind == "adult_child":
            people = couple(rng.randrange(48, 64))
            c = child("child", rng.randrange(18, min(33, people[1].age - 19)), people[0])
            c.marital = "single"
            people.append(c)
        else:  # skip_gen: grandparents raising a grandchild whose parents work elsewhere
            people = couple(rng.randrange(55, 72))
            people.append(child("grandchild", rng.randrange(3, 15), people[0]))
        if len(people) > room_for:
            return []
        for p in people:
            if p.hukou == "local" and rng.random() < 0.05:
                p.hukou = "separated"
        return people

    # --- residents --------------------------------------------------------------------------
    def _attributes(self, p: Person) -> dict[str, Any]:
        rng = self.rng
        age = p.age
        education = ""
        employment: str
        if age < 3:
            employment = "preschool"
        elif age < 6:
            employment, education = "preschool", ""
        elif age < 18:
            employment = "student"
            education = "primary" if age < 12 else "junior" if age < 15 else "senior"
        elif age < 22 and p.relation in {"child", "grandchild"} and rng.random() < 0.7:
            employment, education = "student", rng.choice(["college", "bachelor", "bachelor"])
        else:
            birth_year = self.today.year - age
            if birth_year <= 1950:
                table = [("none", 20), ("primary", 40), ("junior", 25), ("senior", 10),
                         ("college", 3), ("bachelor", 2)]  # fmt: skip
            elif birth_year <= 1965:
                table = [("none", 5), ("primary", 25), ("junior", 35), ("senior", 22),
                         ("college", 7), ("bachelor", 6)]  # fmt: skip
            elif birth_year <= 1980:
                table = [("primary", 8), ("junior", 30), ("senior", 27), ("college", 15),
                         ("bachelor", 17), ("postgraduate", 3)]  # fmt: skip
            else:
                table = [("junior", 15), ("senior", 22), ("college", 23), ("bachelor", 32),
                         ("postgraduate", 8)]  # fmt: skip
            education = _weighted_choice(rng, table)
            retire_age = 60 if p.sex == "M" else 55
            if age >= retire_age:
                employment = "retired" if rng.random() < 0.85 else rng.choice(["other", "employed"])
            else:
                employment = _weighted_choice(
                    rng,
                    [("employed", 78), ("self_employed", 12), ("unemployed", 4), ("other", 6)],
                )
        marital = p.marital or ("single" if age < 30 or rng.random() < 0.5 else "married")
        if age < 20:
            marital = "single" if age >= 16 else ""
        ethnicity = "汉族"
        if p.origin.startswith("45") and rng.random() < 0.3:
            ethnicity = rng.choice(["壮族", "壮族", "瑶族"])
        elif p.origin.startswith(("43", "42")) and rng.random() < 0.06:
            ethnicity = rng.choice(["土家族", "苗族", "侗族"])
        elif rng.random() < 0.012:
            ethnicity = rng.choice(MINORITIES)
        has_phone = age >= 18 or (age >= 14 and rng.random() < 0.5)
        if age >= 80 and rng.random() < 0.35:
            has_phone = False
        return {
            "education": education,
            "employment": employment,
            "marital_status": marital,
            "ethnicity": ethnicity,
            "has_phone": has_phone,
        }

    def _tags(self, people: list[Person], attrs: list[dict[str, Any]]) -> None:
        """Decide each person's special groups, with evidence as a worker would write it."""
        rng = self.rng
        year = self.today.year
        kind = people[0].kind
        local = people[0].hukou != "nonlocal"
        disabled_in_household = False
        for p, a in zip(people, attrs, strict=True):
            if p.hukou == "nonlocal":
                p.tags.append(
                    ("floating", f"居住登记已办理，居住证有效期至{year + rng.randrange(1, 3)}年")
                )
            if kind == "elderly_alone" and p.age >= 60 and rng.random() < 0.95:
                p.tags.append(
                    (
                        "elderly_alone",
                        rng.choice(
                            [
                                "{y}年{m}月入户走访核实，独居，子女在外地工作",
                                "独居，配偶已故，子女每周来探望一次",
                                "独居，已安装紧急呼叫器，网格员每周电话问候",
                            ]
                        ),
                    )
                )
                p.notes = rng.choice(["", "", "行动不便，上门服务优先", "有高血压，按时服药"])
            if kind == "elderly_couple" and p.age >= 60 and rng.random() < 0.9:
                p.tags.append(("elderly_empty_nest", "子女均不在身边居住，老两口同住"))
            risk = 0.005 if p.age < 18 else 0.016 if p.age < 60 else 0.055 if p.age < 80 else 0.12
            if rng.random() < risk:
                dk: str = _DISABILITY.pick(rng)
                grade: int = _GRADES.pick(rng)
                a["disability_kind"], a["disability_grade"] = dk, grade
                p.tags.append(
                    ("disabled", f"持第二代残疾人证，{DISABILITY_CN[dk]}{GRADE_CN[grade - 1]}级")
                )
                disabled_in_household = True
            if p.sex == "M" and 45 <= p.age <= 85 and rng.random() < 0.02:
                p.tags.append(
                    (
                        "veteran",
                        f"{year - p.age + rng.randrange(22, 30)}年退役，已在退役军人服务站登记",
                    )
                )
            if a["employment"] == "unemployed" and rng.random() < 0.8:
                p.tags.append(
                    ("unemployed", f"{{y}}年办理失业登记，已推荐岗位{rng.randrange(1, 4)}次")
                )
            if 20 <= p.age <= 55 and rng.random() < 0.0005:
                p.tags.append(
                    (
                        "corrections",
                        f"社区矫正期至{year + rng.randrange(1, 3)}年{rng.randrange(1, 13)}月",
                    )
                )
            if kind == "skip_gen" and p.relation == "grandchild" and rng.random() < 0.5:
                p.tags.append(("left_behind_child", "父母均在外地务工，由祖父母照看"))
        # Household-level support, for local households only (Shenzhen dibao needs a local hukou).
        if local:
            chance = 0.02
            if kind in {"elderly_alone", "single_parent"} or disabled_in_household:
                chance = 0.06
            covered = [p for p in people if p.hukou != "nonlocal"]
            if rng.random() < chance:
                for p in covered:
                    p.tags.append(("dibao", f"{{y}}年低保复核通过，保障人口{len(covered)}人"))
                    if p.age < 18 and rng.random() < 0.5:
                        p.tags.append(
                            ("child_in_difficulty", "{y}年困境儿童认定，已报区民政局备案")
                        )
            elif kind == "elderly_alone" and people[0].age >= 70 and rng.random() < 0.03:
                people[0].tags.append(("tekun", "{y}年特困人员供养审批通过，分散供养"))

    def _emit_household(self, people: list[Person], dwelling: Dwelling, st: _GridState) -> None:
        rng = self.rng
        moved_in = self.today - timedelta(days=rng.randrange(60, 365 * 15))
        if people[0].kind in {"sharing", "single", "young_couple"}:
            moved_in = self.today - timedelta(days=rng.randrange(30, 365 * 4))
        household = new(Household, id=self._pk(Household), dwelling_id=dwelling.pk)
        self.batch.add(household)
        attrs = [self._attributes(p) for p in people]
        self._tags(people, attrs)
        for p, a in zip(people, attrs, strict=True):
            birth = self._birth(p.age)
            number, birth = self._id_number(p.origin, birth, p.sex)
            name = p.surname + self._given(birth.year, p.sex)
            data = ResidentData(
                name=name,
                sex=p.sex,
                birth_date=birth,
                id_number=number,
                id_kind="resident",
                phone=self._mobile() if a["has_phone"] else "",
                hukou_type=p.hukou,
                ethnicity=a["ethnicity"],
                education=a["education"],
                employment=a["employment"],
                marital_status=a["marital_status"],
                disability_kind=a.get("disability_kind", ""),
                disability_grade=a.get("disability_grade"),
                notes=p.notes,
            )
            resident = new(
                Resident,
                id=self._pk(Resident),
                community_id=st.community.pk,
                grid_id=st.grid.pk,
                building_id=dwelling.building_id,
                dwelling_id=dwelling.pk,
                household_id=household.pk,
            )
            apply_resident_data(resident, data)
            self.batch.add(resident)
            if p.relation == "head":
                household.head_id = resident.pk
            joined = max(moved_in, birth)
            self.batch.add(
                new(
                    Membership,
                    household_id=household.pk,
                    resident_id=resident.pk,
                    relation=p.relation,
                    joined_on=joined,
                )
            )
            for tag, evidence in p.tags:
                valid_from = max(
                    joined, self.today - timedelta(days=rng.randrange(20, 365 * 6)), birth
                )
                review = None
                if tag in YEARLY_REVIEW_TAGS:
                    valid_from = max(birth, self.today - timedelta(days=rng.randrange(10, 330)))
                    review = valid_from + timedelta(days=365)
                elif tag in {"elderly_alone", "disabled", "corrections"}:
                    review = self.today + timedelta(days=rng.randrange(7, 180))
                self.batch.add(
                    new(
                        ResidentTag,
                        resident_id=resident.pk,
                        tag=tag,
                        evidence=evidence.format(y=valid_from.year, m=valid_from.month),
                        valid_from=valid_from,
                        review_date=review,
                    )
                )
            self.batch.residents += 1

    # --- the stream -----------------------------------------------------------------------------
    def batches(self) -> Iterator[Batch]:
        states = self._places()
        numbers: dict[int, int] = {}
        n_grids = len(states)
        for i, st in enumerate(states):
            quota = self.total * (i + 1) // n_grids - self.total * i // n_grids
            while quota > 0:
                dwelling, building_kind = self._next_dwelling(st, numbers)
                people: list[Person] = []
                while not people:
                    kind = _HOUSEHOLDS[building_kind].pick(self.rng)
                    if quota <= 2:
                        kind = self.rng.choice(["single", "elderly_alone"] if quota == 1 else
                                               ["young_couple", "elderly_couple"])  # fmt: skip
                    people = self._household(kind, building_kind, quota)
                self._emit_household(people, dwelling, st)
                quota -= len(people)
                if self.batch.residents >= self.batch_residents:
                    yield self.batch
                    self.batch = Batch()
        if any(self.batch.objects.values()):
            yield self.batch
            self.batch = Batch()


_TEMPLATES: dict[type[models.Model], dict[str, Any]] = {}


def new(model: type[M], **values: Any) -> M:
    """A new unsaved instance, like `model(**values)` but several times faster: the field defaults
    are taken once from a template instance (these models have no mutable defaults)."""
    template = _TEMPLATES.get(model)
    if template is None:
        template = {k: v for k, v in model().__dict__.items() if k != "_state"}
        _TEMPLATES[model] = template
    obj = model.__new__(model)
    state = dict(template)
    state.update(values)
    state["_state"] = ModelState()
    obj.__dict__.update(state)
    return obj


def _weighted_choice(rng: random.Random, table: list[tuple[str, int]]) -> str:
    total = sum(w for _, w in table)
    x = rng.random() * total
    for value, w in table:
        x -= w
        if x < 0:
            return value
    return table[-1][0]


# --- writing -----------------------------------------------------------------------------------
def write_batch_orm(batch: Batch, using: str = "default") -> None:
    """Save a batch with bulk_create, in one transaction (Household.head is checked at commit)."""
    with transaction.atomic(using=using):
        for model in MODEL_ORDER:
            objs = batch.objects[model]
            if objs:
                model._default_manager.using(using).bulk_create(objs, batch_size=2000)


def reset_sequences(using: str = "default") -> None:
    """After explicit primary keys, make the database's own numbering continue after them."""
    connection = connections[using]
    statements = connection.ops.sequence_reset_sql(no_style(), MODEL_ORDER)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def demo_exists(using: str = "default") -> bool:
    return Subdistrict.objects.using(using).filter(code=DEMO_SUBDISTRICT_CODE).exists()


@dataclass
class LoadResult:
    residents: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.residents / self.seconds if self.seconds else 0.0


def load(
    residents: int,
    *,
    seed: int = 2026,
    communities: int = 2,
    today: date | None = None,
    using: str = "default",
    writer: Callable[[Batch, str], None] = write_batch_orm,
    progress: bool = True,
    batch_residents: int = 5000,
) -> LoadResult:
    """Generate and save the demo world; prints progress to stderr."""
    if getattr(settings, "PRODUCTION", False):
        raise RuntimeError("Demo data is never loaded in production.")
    start = time.perf_counter()
    generator = DemoGenerator(
        residents,
        seed=seed,
        communities=communities,
        today=today,
        first_ids=next_ids(using),
        batch_residents=batch_residents,
    )
    done = 0
    last_report = start
    for batch in generator.batches():
        writer(batch, using)
        done += batch.residents
        now = time.perf_counter()
        if progress and (now - last_report > 2 or done == residents):
            last_report = now
            rate = done / (now - start)
            print(f"  {done:>9,} / {residents:,} residents  {rate:,.0f}/s", file=sys.stderr)
    reset_sequences(using)
    return LoadResult(residents=done, seconds=time.perf_counter() - start)


# --- demo logins -------------------------------------------------------------------------------
# username, staff name, post code, where: "community" (the first), "grid" (its first), "subdistrict"
DEMO_LOGINS: list[tuple[str, str, str, str]] = [
    ("head", "陈志华", "head", "community"),
    ("civil", "李秀梅", "civil_affairs", "community"),
    ("family", "王丽娟", "family_planning", "community"),
    ("floating", "张海涛", "floating_population", "community"),
    ("disability", "刘晓燕", "disability", "community"),
    ("governance", "黄建军", "governance", "community"),
    ("labour", "吴俊杰", "labour", "community"),
    ("urban", "周伟强", "urban_management", "community"),
    ("party", "郑文华", "party", "community"),
    ("grid1", "林嘉怡", "grid_worker", "grid"),
    ("street", "赵国平", "civil_affairs", "subdistrict"),
]


@dataclass
class DemoLogin:
    username: str
    name: str
    post: str
    scope: str
    created: bool


def ensure_demo_logins(using: str = "default") -> list[DemoLogin]:
    """One demo login per post (idempotent); refused in production and without demo data."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password

    if getattr(settings, "PRODUCTION", False):
        raise RuntimeError("Demo logins are never created in production.")
    subdistrict = Subdistrict.objects.using(using).filter(code=DEMO_SUBDISTRICT_CODE).first()
    if subdistrict is None:
        raise RuntimeError("No demo data: run `manage.py demo_data` first.")
    community = Community.objects.using(using).filter(subdistrict=subdistrict).order_by("code")[0]
    grid = Grid.objects.using(using).filter(community=community).order_by("code")[0]
    posts = {p.code: p for p in Post.objects.using(using).all()}
    User = get_user_model()
    out: list[DemoLogin] = []
    with transaction.atomic(using=using):
        for username, name, post_code, where in DEMO_LOGINS:
            user = User.objects.using(using).filter(username=username).first()
            created = user is None
            if user is None:
                user = User(username=username)
                validate_password(DEMO_PASSWORD, user)
                user.set_password(DEMO_PASSWORD)
                user.save(using=using)
            staff, _ = Staff.objects.using(using).get_or_create(user=user, defaults={"name": name})
            staff.posts.set([posts[post_code]])
            staff.subdistricts.set([subdistrict] if where == "subdistrict" else [])
            staff.communities.set([community] if where == "community" else [])
            staff.grids.set([grid] if where == "grid" else [])
            place = {"community": community.name, "grid": grid.name}.get(where, subdistrict.name)
            out.append(DemoLogin(username, staff.name, posts[post_code].name, place, created))
    return out

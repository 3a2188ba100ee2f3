"""A large, messy resident sheet for the import and export benchmarks (written with xlsxwriter).

Every row is valid, but cells come in the forms real files have: spaces, full-width digits,
lower-case x, dates as text in five spellings, as Excel serial numbers and as date cells,
sex as 男/女/男性/女性/M/F or empty, buildings as "7栋", "7" or the number 7.
The header is the import template's, in the first row (django-import-export needs that).
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import xlsxwriter

from linli.lib.id_card import make_id_number

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌辉鹏飞宇浩然欣怡子涵"
REGIONS = ["440305", "440304", "430102", "110105", "510107", "420106"]
BUILDINGS = 120
GRIDS = 6
HEADERS = [
    "姓名",
    "性别",
    "出生日期",
    "公民身份号码",
    "联系电话",
    "户籍类别",
    "民族",
    "文化程度",
    "就业状况",
    "婚姻状况",
    "楼栋",
    "单元",
    "房号",
    "与户主关系",
    "重点人群",
    "残疾类别",
    "残疾等级",
    "备注",
]
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
EXCEL_EPOCH = date(1899, 12, 30)


def _birth_cell(born: date, i: int) -> object:
    form = i % 9
    if form == 0:
        return born.isoformat()
    if form == 1:
        return f"{born.year}-{born.month}-{born.day}"
    if form == 2:
        return f"{born:%Y/%m/%d}"
    if form == 3:
        return f"{born.year}.{born.month}.{born.day}"
    if form == 4:
        return f"{born.year}年{born.month}月{born.day}日"
    if form == 5:
        return f"{born:%Y%m%d}"
    if form == 6:
        return float((born - EXCEL_EPOCH).days)  # serial number
    if form == 7:
        return datetime(born.year, born.month, born.day)  # a real date cell
    return ""  # taken from the ID number


def _sex_cell(sex: str, i: int) -> str:
    forms = {"M": ["男", "男性", "M", "", " 男 "], "F": ["女", "女性", "F", "", "女"]}[sex]
    return forms[i % 5]


def generate(path: Path, rows: int, *, seed: int = 7) -> Path:
    rnd = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    ws = wb.add_worksheet("居民")
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for col, h in enumerate(HEADERS):
        ws.write_string(0, col, h)
    used: set[str] = set()
    r = 1
    i = 0
    dwelling = 0
    start = date(1930, 1, 1)
    while i < rows:
        # One household at a time: 1-4 people in the next dwelling.
        dwelling += 1
        b = dwelling % BUILDINGS + 1
        rest = dwelling // BUILDINGS
        entrance = rest % 3 + 1
        floor = (rest // 3) % 18 + 1
        room = f"{floor}{rest // 54 + 1:02d}"
        size = min(rnd.choice([1, 2, 2, 3, 3, 4]), rows - i)
        for k in range(size):
            sex = rnd.choice("MF")
            born = start + timedelta(days=rnd.randrange(33000))
            while True:
                number = make_id_number(rnd.choice(REGIONS), born, rnd.randrange(100), sex)
                if number not in used:
                    used.add(number)
                    break
                born += timedelta(days=1)
            if number.endswith("X") and i % 2:
                number = number.lower()
            if i % 20 == 3:
                number = f" {number} "
            elif i % 33 == 5:
                number = number.translate(FULLWIDTH)
            name = rnd.choice(SURNAMES) + "".join(
                rnd.choice(GIVEN) for _ in range(rnd.choice([1, 2]))
            )
            if i % 25 == 1:
                name = f" {name} "
            phone = ""
            if i % 3:
                mobile = f"1{rnd.choice('3456789')}{rnd.randrange(10**9):09d}"
                phone = [mobile, f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}", f"+86 {mobile}"][i % 3]
                if i % 41 == 0:
                    phone = phone.translate(FULLWIDTH)
            building: object = [f"{b}栋", str(b), float(b)][i % 3]
            tags = ""
            kind = grade = ""
            roll = rnd.random()
            if roll < 0.04:
                tags = "独居老人"
            elif roll < 0.06:
                tags = "低保户、残疾人"
                kind, grade = "肢体残疾", "二级"
            elif roll < 0.08:
                tags = "流动人口"
            relation = "户主" if k == 0 else rnd.choice(["配偶", "子女", "父母", "孙子女"])
            cells: list[object] = [
                name,
                _sex_cell(sex, i),
                _birth_cell(born, i),
                number,
                phone,
                rnd.choice(["本地户籍", "外地户籍", "人户分离", "本地", "外地"]),
                "汉族" if i % 10 else "回族",
                rnd.choice(["小学", "初中", "高中", "大专", "本科", ""]),
                rnd.choice(["在职", "退休", "学生", "失业", ""]),
                rnd.choice(["已婚", "未婚", "丧偶", ""]),
                building,
                entrance if i % 2 else f"{entrance}单元",
                room if i % 4 else float(room),
                relation,
                tags,
                kind,
                grade,
                "",
            ]
            for col, v in enumerate(cells):
                if isinstance(v, datetime):
                    ws.write_datetime(r, col, v, date_fmt)
                elif isinstance(v, float | int):
                    ws.write_number(r, col, v)
                elif v:
                    ws.write_string(r, col, str(v))
            r += 1
            i += 1
    wb.close()
    return path


def make_place(buildings: int = BUILDINGS) -> tuple[Any, list[Any]]:
    """The community the sheet's buildings belong to (created if missing)."""
    from linli.org.models import Community, Grid, Subdistrict
    from linli.registry.models import Building

    sd, _ = Subdistrict.objects.get_or_create(code="bench", defaults={"name": "基准街道"})
    community, _ = Community.objects.get_or_create(
        code="bench01", defaults={"subdistrict": sd, "name": "基准社区"}
    )
    grids = [
        Grid.objects.get_or_create(
            code=f"bench01g{g}", defaults={"community": community, "name": f"第{g}网格"}
        )[0]
        for g in range(1, GRIDS + 1)
    ]
    out = []
    for b in range(1, buildings + 1):
        out.append(
            Building.objects.get_or_create(
                community=community,
                code=str(b),
                defaults={"name": f"{b}栋", "grid": grids[b % GRIDS], "floors": 18, "entrances": 3},
            )[0]
        )
    return community, out


def clear_registry() -> None:
    """Remove every resident, household and dwelling (fast raw deletes)."""
    from django.db import connection

    from linli.registry.models import Dwelling, Household, Membership, Resident, ResidentTag

    for model in (ResidentTag, Membership):
        model.objects.all()._raw_delete(connection.alias)
    Household.objects.update(head=None)
    for model2 in (Resident, Household, Dwelling):
        model2.objects.all()._raw_delete(connection.alias)

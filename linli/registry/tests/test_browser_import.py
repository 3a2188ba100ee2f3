"""The issue's walk-through in a real browser: a grid worker imports a small messy file, fixes its
errors, and finds a resident by pinyin initials."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from linli.core.testing import PASSWORD
from linli.lib.id_card import make_id_number
from linli.registry.models import Resident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADERS = [
    "姓名",
    "性别",
    "出生日期",
    "公民身份号码",
    "联系电话",
    "户籍类别",
    "楼栋",
    "单元",
    "房号",
    "与户主关系",
    "重点人群",
]


def write_sheet(path: Path, rows: list[list[object]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("居民")
    sheet.write_row(0, 0, ["安乐社区第一网格居民登记表"])  # a title row above the header
    sheet.write_row(1, 0, HEADERS)
    for i, row in enumerate(rows, start=3):  # a blank row after the header
        for j, value in enumerate(row):
            if isinstance(value, float):
                sheet.write_number(i, j, value)
            else:
                sheet.write_string(i, j, str(value))
    book.close()
    return path


def test_grid_worker_imports_fixes_and_finds(page: Any, tmp_path: Path) -> None:
    from linli.core.testing import make_world

    world = make_world()
    wang = make_id_number("440305", date(1956, 3, 8), 11, "M")
    liu = make_id_number("430521", date(1988, 11, 30), 12, "F")
    chen = make_id_number("440305", date(2012, 6, 1), 13, "F")
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in wang)
    messy: list[list[object]] = [
        # full-width digits in the ID, a serial-number birth date, sex written 男性
        [
            "  王建国 ",
            "男性",
            float((date(1956, 3, 8) - date(1899, 12, 30)).days),
            fullwidth,
            "138 0013 8001",
            "本地户籍",
            "1栋",
            "1",
            "301",
            "户主",
            "独居老人",
        ],
        # wrong birth date for the ID number, and a building in another grid
        [
            "刘芳",
            "女",
            "1988年12月30日",
            liu,
            "13900139002",
            "外地户籍",
            "2栋",
            "1",
            "302",
            "户主",
            "",
        ],
        # Excel turned the ID into a number
        [
            "陈思琪",
            "F",
            "2012/6/1",
            440305201206011300.0,
            "",
            "本地户籍",
            "1栋",
            "1",
            "301",
            "孙子女",
            "",
        ],
    ]
    first = write_sheet(tmp_path / "居民登记.xlsx", messy)

    page.goto(page.base_url + "/login/")
    page.fill("#id_username", "grid_a1")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/registry/")
    page.click("nav >> text=导入")
    page.set_input_files("#id_file", str(first))
    page.click("button:has-text('检查文件')")
    page.wait_for_selector("text=导入预览")
    body = page.locator("main").inner_text()
    assert "出生日期与身份证号不符" in body
    assert "不在您负责的范围内" in body  # 2栋 is in grid A2
    assert "Excel" in body  # the precision-lost ID
    assert Resident.objects.count() == 0  # nothing saved

    # Fix the file: the right birth date, the resident's own building, the ID as text.
    messy[1][2] = "1988-11-30"
    messy[1][6] = "1栋"
    messy[1][8] = "302"
    messy[2][3] = chen.lower()
    fixed = write_sheet(tmp_path / "居民登记-改.xlsx", messy)
    page.click("text=上传改正后的文件")
    page.set_input_files("#id_file", str(fixed))
    page.click("button:has-text('检查文件')")
    page.wait_for_selector("button:has-text('保存全部 3 位居民')")
    page.click("button:has-text('保存全部 3 位居民')")
    page.wait_for_url("**/registry/residents/**")
    assert Resident.objects.count() == 3
    wang_row = Resident.objects.get(name="王建国")
    assert wang_row.grid_id == world.a1.pk and wang_row.birth_date == date(1956, 3, 8)
    assert wang_row.household is not None and wang_row.household.head_id == wang_row.pk

    page.fill("input[name=q]", "wjg")
    page.click("form button[type=submit]:has-text('查询')")
    rows = page.locator("#resident-table tbody tr")
    assert rows.count() == 1
    assert "王建国" in rows.first.inner_text()
    assert "独居老人" in rows.first.inner_text()
    assert "138****8001" in rows.first.inner_text()

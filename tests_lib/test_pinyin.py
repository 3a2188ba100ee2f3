from __future__ import annotations

import pytest

from linli.lib.pinyin import looks_like_pinyin, name_pinyin, search_key


@pytest.mark.parametrize(
    ("name", "full", "initials"),
    [
        ("张三", "zhangsan", "zs"),
        ("单田芳", "shantianfang", "stf"),
        ("曾志伟", "zengzhiwei", "zzw"),
        ("解缙", "xiejin", "xj"),
        ("仇英", "qiuying", "qy"),
        ("欧阳修", "ouyangxiu", "oyx"),
        ("吕", "lv", "l"),
        ("吕布", "lvbu", "lb"),
        ("尉迟恭", "yuchigong", "ycg"),
        ("尉缭", "yuliao", "yl"),
        ("万俟卨", "moqixie", "mqx"),
        ("长孙无忌", "zhangsunwuji", "zswj"),
        ("朴树", "piaoshu", "ps"),
        ("翟天临", "zhaitianlin", "ztl"),
        ("查良镛", "zhaliangyong", "zly"),
        ("区永强", "ouyongqiang", "oyq"),
        ("覃海", "qinhai", "qh"),
        ("乐嘉", "yuejia", "yj"),
        ("诸葛亮", "zhugeliang", "zgl"),
        ("Anna Li", "annali", "al"),
        ("Ｌｉ　Ｍｉｎｇ", "liming", "lm"),
        (" 王 五 ", "wangwu", "ww"),
        ("", "", ""),
    ],
)
def test_name_pinyin(name: str, full: str, initials: str) -> None:
    assert name_pinyin(name) == (full, initials)


def test_output_is_lowercase_ascii() -> None:
    for name in ("阿卜杜·热合曼", "绿女", "张a3", "王〇"):
        full, initials = name_pinyin(name)
        assert full.isascii()
        assert full == full.lower()
        assert initials.isascii()
        assert len(initials) <= len(full)


def test_search_key() -> None:
    assert search_key(" Zhang San\u3000") == "zhangsan"
    assert search_key("ＺＳ") == "zs"
    assert search_key("") == ""


def test_looks_like_pinyin() -> None:
    assert looks_like_pinyin("zs")
    assert looks_like_pinyin("ZhangSan")
    assert not looks_like_pinyin("张三")
    assert not looks_like_pinyin("zs1")
    assert not looks_like_pinyin("")
    assert not looks_like_pinyin("zhang san")


def test_first_character_is_read_alone() -> None:
    # Whatever follows, a name's first character keeps its own reading.
    for name in ["王八蛋", "朝阳", "行长", "重庆"]:
        assert name_pinyin(name)[0].startswith(name_pinyin(name[0])[0]), name

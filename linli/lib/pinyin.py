"""Pinyin keys for name search (e.g. "zs" or "zhangsan" finds 张三).

Pure Python, no Django. Surnames with a special surname reading (单 shan, 曾 zeng,
解 xie, ...) are read from a table; the rest of the name goes through pypinyin.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

from linli.lib.normalize import to_halfwidth

__all__ = ["looks_like_pinyin", "name_pinyin", "search_key"]

# Surname readings that differ from (or are unreliable in) pypinyin's default reading.
# Compound surnames are matched before single-character ones.
SURNAME_READINGS: dict[str, tuple[str, ...]] = {
    # compound surnames
    "尉迟": ("yu", "chi"),
    "万俟": ("mo", "qi"),
    "长孙": ("zhang", "sun"),
    "鲜于": ("xian", "yu"),
    "澹台": ("tan", "tai"),
    # single-character surnames
    "单": ("shan",),
    "曾": ("zeng",),
    "解": ("xie",),
    "仇": ("qiu",),
    "区": ("ou",),
    "查": ("zha",),
    "朴": ("piao",),
    "盖": ("ge",),
    "缪": ("miao",),
    "翟": ("zhai",),
    "覃": ("qin",),
    "秘": ("bi",),
    "乐": ("yue",),
    "召": ("shao",),
    "种": ("chong",),
    "繁": ("po",),
    "员": ("yun",),
    "过": ("guo",),
    "重": ("chong",),
    "折": ("she",),
    "牟": ("mou",),
    "那": ("na",),
    "隗": ("wei",),
    "宁": ("ning",),
    "贲": ("ben",),
    "藏": ("zang",),
    "能": ("nai",),
    "句": ("gou",),
    "都": ("du",),
    "阚": ("kan",),
    "纪": ("ji",),
    "任": ("ren",),
    "燕": ("yan",),
    "冼": ("xian",),
    "黑": ("he",),
    "尤": ("you",),
    "沈": ("shen",),
    "卜": ("bu",),
    "薄": ("bo",),
    "柏": ("bai",),
    "尉": ("yu",),
    "华": ("hua",),
    "葛": ("ge",),
    "缑": ("gou",),
    "曲": ("qu",),
    "蔡": ("cai",),
}
_COMPOUND = {k: v for k, v in SURNAME_READINGS.items() if len(k) == 2}
_SINGLE = {k: v for k, v in SURNAME_READINGS.items() if len(k) == 1}

_HAN = r"\u3007\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HAN_RE = re.compile(f"[{_HAN}]")
_RUN_RE = re.compile(f"[{_HAN}]+|[^{_HAN}]+")
_WORD_RE = re.compile(r"[a-z0-9]+")
_NON_KEY_RE = re.compile(r"[^a-z0-9]")
_SPACES_RE = re.compile(r"[\s\u200b\ufeff]+")
_LETTERS_RE = re.compile(r"^[A-Za-z]+$")


def _split_surname(name: str) -> tuple[tuple[str, ...], str]:
    """The surname's reading and the rest. A surname outside the table is read on its own (its
    default reading), never as part of a phrase with the given name, so that one character has
    one reading at the start of every name: the surname search relies on it."""
    if name[:2] in _COMPOUND:
        return _COMPOUND[name[:2]], name[2:]
    if name[:1] in _SINGLE:
        return _SINGLE[name[:1]], name[1:]
    if name[:1] and _HAN_RE.match(name[:1]):
        return _char_reading(name[:1]), name[1:]
    return (), name


@lru_cache(maxsize=8192)
def _char_reading(char: str) -> tuple[str, ...]:
    syllables: list[str] = []
    _add_text(char, syllables, [])
    return tuple(syllables)


def _add_text(text: str, full: list[str], initials: list[str]) -> None:
    for run in _RUN_RE.findall(text):
        if _HAN_RE.match(run):
            for syllable in lazy_pinyin(run, style=Style.NORMAL):
                # Style.NORMAL is toneless ASCII with ü as "v"; the first letter is exactly
                # what Style.FIRST_LETTER gives, so one pypinyin call serves both. Characters
                # pypinyin cannot read come back unchanged and are dropped here.
                syllable = _NON_KEY_RE.sub("", syllable.lower())
                if syllable:
                    full.append(syllable)
                    initials.append(syllable[0])
        else:  # Latin letters / digits: words separated by anything else
            words = _WORD_RE.findall(run.lower())
            full.extend(words)
            initials.extend(w[0] for w in words)


@lru_cache(maxsize=65536)
def name_pinyin(name: str) -> tuple[str, str]:
    """(full, initials) as lower-case ASCII without tones or separators:
    "张三" -> ("zhangsan", "zs"), "单田芳" -> ("shantianfang", "stf"), "吕" -> ("lv", "l"),
    "Anna Li" -> ("annali", "al"). ü is written "v". Characters pypinyin cannot read
    (and punctuation) are dropped."""
    text = to_halfwidth(name).strip()
    full: list[str] = []
    initials: list[str] = []
    surname, rest = _split_surname(text)
    full.extend(surname)
    initials.extend(s[0] for s in surname)
    if rest:
        _add_text(rest, full, initials)
    return "".join(full), "".join(initials)


def search_key(text: str) -> str:
    """Normalise a search query: half-width, lower-case, no spaces."""
    return _SPACES_RE.sub("", to_halfwidth(text)).lower() if text else ""


def looks_like_pinyin(text: str) -> bool:
    """True if ``text`` consists only of ASCII letters (a pinyin / initials query)."""
    return bool(_LETTERS_RE.match(text))

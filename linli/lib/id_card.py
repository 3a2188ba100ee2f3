"""Chinese resident identity card numbers (GB 11643-1999).

Also accepts the 2023 foreign permanent residence ID card (first digit 9), which uses
the same 18-character layout and MOD 11-2 check character, and the residence permits
for Hong Kong, Macao and Taiwan residents (81/82/83).

Pure Python, no Django. Error messages never contain the number itself.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from linli.lib.normalize import to_halfwidth

__all__ = [
    "IdNumber",
    "IdNumberError",
    "check_char",
    "is_valid_id_number",
    "make_id_number",
    "mask_id_number",
    "parse_id_number",
]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_MIN_BIRTH_YEAR = 1880

_PROVINCES = frozenset(
    [
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
        71,
        81,
        82,
        83,
    ]
)

_MESSAGES = {
    "empty": "ID number is empty.",
    "format": "ID number must be 18 characters (or 15 digits for old cards).",
    "checksum": "ID number check character does not match.",
    "birth_date": "ID number contains an invalid birth date.",
    "precision_lost": (
        "ID number was stored as a number (e.g. in Excel) and lost its last digits; "
        "format the column as text and re-enter it."
    ),
    "region": "ID number has an unknown region code.",
}

_SPACES_RE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_SCI_RE = re.compile(r"^[+-]?\d+(?:\.\d*)?E[+-]?\d+$")
_DECIMAL_RE = re.compile(r"^\d+\.\d*$")
_RE18 = re.compile(r"^\d{17}[\dX]$")
_RE15 = re.compile(r"^\d{15}$")
_RE17 = re.compile(r"^\d{17}$")


class IdNumberError(ValueError):
    """Invalid ID number. ``code`` is one of "empty", "format", "checksum",
    "birth_date", "precision_lost", "region"."""

    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        super().__init__(message or _MESSAGES.get(code, "Invalid ID number."))


@dataclass(frozen=True, repr=False)
class IdNumber:
    """A validated ID number. ``repr()`` is masked so it is safe in logs."""

    number: str  # canonical: 18 characters, upper-case X
    birth_date: datetime.date
    sex: str  # "M" or "F"
    kind: str  # "resident" or "foreign_permanent"

    @property
    def masked(self) -> str:
        return mask_id_number(self.number)

    def __repr__(self) -> str:
        return f"IdNumber(number={self.masked!r}, kind={self.kind!r})"

    def __str__(self) -> str:
        return self.masked


def check_char(first17: str) -> str:
    """MOD 11-2 check character ("0"-"9" or "X") for the first 17 digits."""
    if not _RE17.match(first17):
        raise ValueError("check_char needs exactly 17 ASCII digits.")
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def _normalize(raw: str | int | float) -> str:
    if isinstance(raw, bool):
        raise IdNumberError("format")
    if isinstance(raw, float):
        # Excel keeps ~15 significant digits: an 18-digit number stored as a float has
        # lost its tail (and the X check character cannot be stored at all).
        raise IdNumberError("precision_lost")
    if isinstance(raw, int):
        if raw < 0:
            raise IdNumberError("format")
        return str(raw)
    if not isinstance(raw, str):
        raise IdNumberError("format")
    text = _SPACES_RE.sub("", to_halfwidth(raw)).upper()
    if not text:
        raise IdNumberError("empty")
    if _SCI_RE.match(text) or _DECIMAL_RE.match(text):
        raise IdNumberError("precision_lost")
    return text


def _birth_date(number: str, today: datetime.date) -> datetime.date:
    try:
        born = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdNumberError("birth_date") from None
    if born.year < _MIN_BIRTH_YEAR or born > today:
        raise IdNumberError("birth_date")
    return born


def parse_id_number(raw: str | int | float, *, today: datetime.date | None = None) -> IdNumber:
    """Validate and canonicalise an ID number.

    Spaces (including full-width and internal ones) are removed, full-width characters
    are converted, "x" becomes "X", and 15-digit first-generation numbers are upgraded
    to 18 characters (birth year 19yy). Floats and scientific notation ("1.10105E+17")
    are refused with code "precision_lost"; so is an 18-digit string ending in "000"
    whose check character fails, the typical trace of an Excel float turned back into
    text. ``today`` (default: ``date.today()``) bounds the birth date.
    """
    text = _normalize(raw)
    if _RE15.match(text):
        first17 = text[:6] + "19" + text[6:]
        text = first17 + check_char(first17)
    elif not _RE18.match(text):
        raise IdNumberError("format")

    if check_char(text[:17]) != text[17]:
        if text.endswith("000"):
            raise IdNumberError("precision_lost")
        raise IdNumberError("checksum")

    born = _birth_date(text, today or datetime.date.today())

    if text[0] == "9":
        kind = "foreign_permanent"
    elif int(text[:2]) in _PROVINCES:
        kind = "resident"
    else:
        raise IdNumberError("region")

    sex = "M" if int(text[16]) % 2 == 1 else "F"
    return IdNumber(number=text, birth_date=born, sex=sex, kind=kind)


def is_valid_id_number(raw: str | int | float, *, today: datetime.date | None = None) -> bool:
    """True if :func:`parse_id_number` accepts ``raw``."""
    try:
        parse_id_number(raw, today=today)
    except IdNumberError:
        return False
    return True


def mask_id_number(number: str) -> str:
    """Mask for display: "110105********002X" for 18 characters; for other lengths
    the first 3 and last 2 characters stay visible (all masked if 5 or fewer)."""
    n = len(number)
    if n == 18:
        return number[:6] + "*" * 8 + number[-4:]
    if n <= 5:
        return "*" * n
    return number[:3] + "*" * (n - 5) + number[-2:]


def make_id_number(region: str, birth: datetime.date, seq: int, sex: str) -> str:
    """Build a valid 18-character number (for demo data and tests).

    ``region`` is the 6-digit area code, ``seq`` (0-99) fills digits 15-16, and digit 17
    is odd for ``sex="M"`` and even for ``sex="F"`` (varied with ``seq``).
    """
    if not re.fullmatch(r"\d{6}", region):
        raise ValueError("region must be 6 ASCII digits.")
    if not 0 <= seq <= 99:
        raise ValueError("seq must be between 0 and 99.")
    if sex not in ("M", "F"):
        raise ValueError('sex must be "M" or "F".')
    digit17 = (seq % 5) * 2 + (1 if sex == "M" else 0)
    first17 = f"{region}{birth:%Y%m%d}{seq:02d}{digit17}"
    if len(first17) != 17:
        raise ValueError("birth year must have 4 digits.")
    return first17 + check_char(first17)

"""Cleaning of messy spreadsheet cells (used by the resident importer).

Pure Python, no Django. Error messages never contain the cell value itself, because
cells hold personal data.
"""

from __future__ import annotations

import datetime
import math
import re
from decimal import Decimal

__all__ = [
    "CellError",
    "clean_text",
    "parse_date",
    "parse_sex",
    "to_halfwidth",
]

# Full-width ASCII (U+FF01..U+FF5E) -> ASCII (U+0021..U+007E); ideographic space -> space.
_HALFWIDTH_TABLE: dict[int, int] = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_HALFWIDTH_TABLE[0x3000] = 0x20

# Characters stripped around a cell value on top of str.strip()'s whitespace
# (which already covers \u3000 and \xa0): zero-width space/joiners and the BOM.
_EXTRA_STRIP = "\u200b\u200c\u200d\u2060\ufeff"

# Excel's 1900 date system: serial 1 is 1900-01-01, serial 60 is the fictitious
# 1900-02-29 (Lotus 1-2-3 bug), so from serial 61 on the base is 1899-12-30.
_EXCEL_BASE = datetime.date(1899, 12, 30)
_EXCEL_MAX_SERIAL = 2958465  # 9999-12-31

_SERIAL_RE = re.compile(r"^\d{1,5}(?:\.\d+)?$")
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATE_RE = re.compile(
    r"""^
    (\d{4}) \s* [-/.年] \s*
    (\d{1,2}) \s* [-/.月] \s*
    (\d{1,2}) \s* [日号]?
    (?: (?:\s+|T) \d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)? )?
    $""",
    re.VERBOSE,
)

_MALE = frozenset({"男", "男性", "m", "male"})
_FEMALE = frozenset({"女", "女性", "f", "female"})

_MESSAGES = {
    "date_format": "Unrecognised date format.",
    "impossible_date": "This date does not exist.",
    "sex": "Unrecognised sex; use 男 or 女.",
}


class CellError(ValueError):
    """A spreadsheet cell could not be interpreted.

    ``code`` is machine-readable ("date_format", "impossible_date", "sex"); the message
    is short English and never contains the cell value.
    """

    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        super().__init__(message or _MESSAGES.get(code, "Invalid cell value."))


def to_halfwidth(s: str) -> str:
    """Convert full-width ASCII characters and the ideographic space to half-width."""
    return s.translate(_HALFWIDTH_TABLE)


def clean_text(value: object) -> str:
    """Turn any cell value into a trimmed, half-width string.

    ``None`` and NaN become ""; integral floats lose their ".0" (note: a float has at
    most ~15-17 significant digits, so long numbers stored as floats are already damaged).
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        text = str(value)
    elif isinstance(value, float):
        if math.isnan(value):
            return ""
        text = str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, Decimal):
        if value.is_nan():
            return ""
        text = (
            str(int(value))
            if value.is_finite() and value == value.to_integral_value()
            else str(value)
        )
    else:
        text = str(value)
    return to_halfwidth(text).strip().strip(_EXTRA_STRIP).strip()


def _from_serial(serial: float) -> datetime.date:
    if math.isnan(serial) or math.isinf(serial):
        raise CellError("date_format")
    day = math.floor(serial)  # the fractional part is the time of day
    if day < 1 or day > _EXCEL_MAX_SERIAL:
        raise CellError("date_format")
    if day == 60:  # 1900-02-29 never existed
        raise CellError("impossible_date")
    if day < 60:
        return _EXCEL_BASE + datetime.timedelta(days=day + 1)
    return _EXCEL_BASE + datetime.timedelta(days=day)


def _make_date(year: str, month: str, day: str) -> datetime.date:
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        raise CellError("impossible_date") from None


def parse_date(value: object) -> datetime.date | None:
    """Parse a date cell.

    Accepts ``datetime``/``date`` objects, Excel serial numbers (numbers, or digit
    strings of at most 5 digits), and text such as "1980-1-2", "1980/01/02",
    "1980.1.2", "1980年1月2日", "19800102", "1980-01-02 00:00:00" (full-width digits
    allowed). Empty cells give ``None``.

    Raises ``CellError("impossible_date")`` for dates that do not exist (Feb 30,
    month 13, Excel serial 60) and ``CellError("date_format")`` for anything else.
    """
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        raise CellError("date_format")
    if isinstance(value, int | float | Decimal):
        return _from_serial(float(value))

    text = clean_text(value)
    if not text:
        return None
    if _SERIAL_RE.match(text):
        return _from_serial(float(text))
    m = _COMPACT_RE.match(text) or _DATE_RE.match(text)
    if m:
        return _make_date(m.group(1), m.group(2), m.group(3))
    raise CellError("date_format")


def parse_sex(value: object) -> str | None:
    """Parse a sex cell: 男/男性/M/Male -> "M", 女/女性/F/Female -> "F", empty -> None."""
    text = clean_text(value).lower()
    if not text:
        return None
    if text in _MALE:
        return "M"
    if text in _FEMALE:
        return "F"
    raise CellError("sex")

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from linli.lib.normalize import CellError, clean_text, parse_date, parse_sex, to_halfwidth

D = datetime.date


def test_to_halfwidth() -> None:
    assert to_halfwidth("ＡＢＣ１２３！～\u3000") == "ABC123!~ "
    assert to_halfwidth("张三") == "张三"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("  张三\u3000", "张三"),
        ("\xa0abc\xa0", "abc"),
        ("\ufeff１２３", "123"),
        (12, "12"),
        (12.0, "12"),
        (12.5, "12.5"),
        (Decimal("7.00"), "7"),
        (float("nan"), ""),
    ],
)
def test_clean_text(value: object, expected: str) -> None:
    assert clean_text(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "1980-1-2",
        "1980-01-02",
        "1980/01/02",
        "1980/1/2",
        "1980.1.2",
        "1980年1月2日",
        "1980 年 1 月 2 日",
        "19800102",
        "1980-01-02 00:00:00",
        "1980-01-02T08:30",
        "１９８０－０１－０２",
        "１９８０年１月２日",
        datetime.datetime(1980, 1, 2, 13, 45),
        D(1980, 1, 2),
        29222,
        29222.75,
        "29222",
        "29222.0",
    ],
)
def test_parse_date_forms(value: object) -> None:
    assert parse_date(value) == D(1980, 1, 2)


def test_excel_serials() -> None:
    assert parse_date(29221) == D(1980, 1, 1)
    assert parse_date(1) == D(1900, 1, 1)
    assert parse_date(59) == D(1900, 2, 28)
    assert parse_date(61) == D(1900, 3, 1)
    assert parse_date(45658) == D(2025, 1, 1)


@pytest.mark.parametrize("value", [None, "", "   ", "\u3000"])
def test_parse_date_empty(value: object) -> None:
    assert parse_date(value) is None


@pytest.mark.parametrize("value", ["1980-02-30", "1980-13-01", "1981年2月29日", "19800230", 60])
def test_impossible_dates(value: object) -> None:
    with pytest.raises(CellError) as info:
        parse_date(value)
    assert info.value.code == "impossible_date"


@pytest.mark.parametrize(
    "value", ["abc", "80-1-2", "1980年1月", "2/1/1980", "1980-01-02x", 0, -5, True, "123456"]
)
def test_unparseable_dates(value: object) -> None:
    with pytest.raises(CellError) as info:
        parse_date(value)
    assert info.value.code == "date_format"


def test_date_error_does_not_leak() -> None:
    with pytest.raises(CellError) as info:
        parse_date("1980-02-30")
    assert "1980" not in str(info.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("男", "M"),
        ("男性", "M"),
        ("M", "M"),
        ("m", "M"),
        ("Male", "M"),
        ("MALE", "M"),
        (" 男 ", "M"),
        ("女", "F"),
        ("女性", "F"),
        ("F", "F"),
        ("f", "F"),
        ("female", "F"),
        ("Ｆ", "F"),
        ("", None),
        (None, None),
    ],
)
def test_parse_sex(value: object, expected: str | None) -> None:
    assert parse_sex(value) == expected


@pytest.mark.parametrize("value", ["1", "2", 1, "男女", "unknown", "x"])
def test_parse_sex_rejects(value: object) -> None:
    with pytest.raises(CellError) as info:
        parse_sex(value)
    assert info.value.code == "sex"

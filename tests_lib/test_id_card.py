from __future__ import annotations

import datetime

import pytest

from linli.lib.id_card import (
    IdNumber,
    IdNumberError,
    check_char,
    is_valid_id_number,
    make_id_number,
    mask_id_number,
    parse_id_number,
)

PUBLIC_EXAMPLE = "11010519491231002X"  # the example printed in GB 11643-1999
TODAY = datetime.date(2025, 6, 1)


def code_of(raw: str | int | float) -> str:
    with pytest.raises(IdNumberError) as info:
        parse_id_number(raw, today=TODAY)
    return info.value.code


def test_public_example_is_valid() -> None:
    parsed = parse_id_number(PUBLIC_EXAMPLE)
    assert parsed == IdNumber(
        number=PUBLIC_EXAMPLE,
        birth_date=datetime.date(1949, 12, 31),
        sex="F",
        kind="resident",
    )
    assert is_valid_id_number(PUBLIC_EXAMPLE)


def test_check_char() -> None:
    assert check_char("11010519491231002") == "X"
    with pytest.raises(ValueError):
        check_char("1101051949123100")
    with pytest.raises(ValueError):
        check_char("1101051949123100A")


@pytest.mark.parametrize("sex", ["M", "F"])
@pytest.mark.parametrize("seq", [0, 7, 42, 99])
def test_make_id_number_round_trip(sex: str, seq: int) -> None:
    born = datetime.date(1985, 2, 28)
    number = make_id_number("440305", born, seq, sex)
    assert len(number) == 18
    parsed = parse_id_number(number)
    assert parsed.number == number
    assert parsed.birth_date == born
    assert parsed.sex == sex
    assert parsed.kind == "resident"
    assert number[14:16] == f"{seq:02d}"


def test_make_id_number_rejects_bad_input() -> None:
    born = datetime.date(1985, 2, 28)
    with pytest.raises(ValueError):
        make_id_number("44030", born, 1, "M")
    with pytest.raises(ValueError):
        make_id_number("440305", born, 100, "M")
    with pytest.raises(ValueError):
        make_id_number("440305", born, 1, "X")


def test_normalisation_lowercase_x_spaces_and_fullwidth() -> None:
    assert parse_id_number("11010519491231002x").number == PUBLIC_EXAMPLE
    assert parse_id_number(" 110105 19491231 002X\u3000").number == PUBLIC_EXAMPLE
    fullwidth = "１１０１０５１９４９１２３１００２ｘ"
    assert parse_id_number(fullwidth).number == PUBLIC_EXAMPLE


def test_int_input() -> None:
    numbers = [make_id_number("310104", datetime.date(1990, 5, 17), seq, "M") for seq in range(20)]
    number = next(n for n in numbers if not n.endswith("X"))
    assert parse_id_number(int(number)).number == number
    assert code_of(-1) == "format"
    assert code_of(True) == "format"


def test_15_digit_upgrade() -> None:
    parsed = parse_id_number("110105491231002")
    assert parsed.number == PUBLIC_EXAMPLE
    assert parsed.birth_date == datetime.date(1949, 12, 31)
    assert parsed.sex == "F"
    assert code_of("110105491331002") == "birth_date"


@pytest.mark.parametrize(
    "raw",
    [1.10105194912310e17, 110105194912310000.0, "1.10105E+17", "1.10105194912310e+17", "1.1E17"],
)
def test_precision_lost(raw: str | float) -> None:
    assert code_of(raw) == "precision_lost"


def test_excel_float_turned_back_into_text() -> None:
    # str(int(1.10105194912310e17)) -- checksum fails and the tail is "000".
    assert code_of("110105194912310000") == "precision_lost"
    assert code_of("110105194912310016.0") == "precision_lost"


def test_error_codes() -> None:
    assert code_of("") == "empty"
    assert code_of(" \u3000 ") == "empty"
    assert code_of("1101051949123100") == "format"
    assert code_of("11010519491231002Y") == "format"
    assert code_of("1101051949123100X2") == "format"
    assert code_of("110105194912310021") == "checksum"


def test_birth_date_errors() -> None:
    bad_day = "11010519490231002"  # 1949-02-31
    assert code_of(bad_day + check_char(bad_day)) == "birth_date"
    bad_month = "11010519491331002"
    assert code_of(bad_month + check_char(bad_month)) == "birth_date"
    too_old = "11010518791231002"
    assert code_of(too_old + check_char(too_old)) == "birth_date"
    future = make_id_number("110105", TODAY + datetime.timedelta(days=1), 1, "M")
    assert code_of(future) == "birth_date"
    assert parse_id_number(make_id_number("110105", TODAY, 1, "M"), today=TODAY)


def test_region() -> None:
    assert code_of(make_id_number("190105", datetime.date(1980, 1, 1), 1, "M")) == "region"
    assert code_of(make_id_number("000000", datetime.date(1980, 1, 1), 1, "M")) == "region"
    for region in ("710000", "810000", "820000", "830000", "650102"):
        assert is_valid_id_number(make_id_number(region, datetime.date(1980, 1, 1), 1, "F"))


def test_foreign_permanent_resident() -> None:
    number = make_id_number("931586", datetime.date(1975, 3, 9), 3, "M")
    parsed = parse_id_number(number)
    assert parsed.kind == "foreign_permanent"
    assert parsed.sex == "M"


def test_is_valid_id_number() -> None:
    assert not is_valid_id_number("not an id")
    assert not is_valid_id_number(1.5)


def test_errors_do_not_leak_the_number() -> None:
    for raw in ("110105194912310021", "11010519491231002Y", "1.10105E+17"):
        with pytest.raises(IdNumberError) as info:
            parse_id_number(raw)
        assert raw not in str(info.value)
        assert "1101051949" not in str(info.value)


def test_repr_is_masked() -> None:
    parsed = parse_id_number(PUBLIC_EXAMPLE)
    assert PUBLIC_EXAMPLE not in repr(parsed)
    assert PUBLIC_EXAMPLE not in str(parsed)
    assert parsed.masked == "110105********002X"


def test_mask_id_number() -> None:
    assert mask_id_number(PUBLIC_EXAMPLE) == "110105********002X"
    assert mask_id_number("110105491231002") == "110**********02"
    assert mask_id_number("12345") == "*****"
    assert mask_id_number("") == ""

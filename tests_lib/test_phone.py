from __future__ import annotations

import pytest

from linli.lib.phone import PhoneError, display_phone, mask_phone, normalize_phone


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        13812345678,
        " 138 1234 5678 ",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+8613812345678",
        "86 13812345678",
        "8613812345678",
        "0086 138-1234-5678",
        "(+86) 138 1234 5678",
        "１３８１２３４５６７８",
        "１３８\u3000１２３４\u3000５６７８",
    ],
)
def test_mobile_forms(raw: str | int) -> None:
    assert normalize_phone(raw) == "+8613812345678"
    assert normalize_phone(raw, allow_landline=True) == "+8613812345678"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("010-12345678", "+861012345678"),
        ("01012345678", "+861012345678"),
        ("(010) 1234 5678", "+861012345678"),
        ("010-1234-5678", "+861012345678"),
        ("0755-81234567", "+8675581234567"),
        ("(0755)8123 4567", "+8675581234567"),
        ("0571-8123456", "+865718123456"),
        ("+86 10 1234 5678", "+861012345678"),
        ("+86 010 1234 5678", "+861012345678"),
        ("0086-755-81234567", "+8675581234567"),
        ("０２０－８１２３４５６７", "+862081234567"),
    ],
)
def test_landline_forms(raw: str, expected: str) -> None:
    assert normalize_phone(raw, allow_landline=True) == expected


def test_landline_refused_by_default() -> None:
    with pytest.raises(PhoneError) as info:
        normalize_phone("010-12345678")
    assert info.value.code == "format"


@pytest.mark.parametrize(
    "raw",
    [
        "12812345678",  # 12x is not a mobile prefix
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "23812345678",
        "+1 415 555 0100",
        "+85291234567",  # Hong Kong
        "138abc45678",
        "138-1234-5678 转 12",
        "010-12345678-123",
        "010-12345678转123",
        "010-12345678 ext 12",
        "010-12345678#12",
        "010-1234567",  # Beijing numbers have 8 digits
        "12345678",  # no area code
        "0755-012345",
        "0755-812345678",
        "+86+8613812345678",
        "13812345678-12",
    ],
)
def test_refused(raw: str) -> None:
    with pytest.raises(PhoneError) as info:
        normalize_phone(raw, allow_landline=True)
    assert info.value.code == "format"
    assert raw not in str(info.value)


@pytest.mark.parametrize("raw", ["", "  ", "\u3000"])
def test_empty(raw: str) -> None:
    with pytest.raises(PhoneError) as info:
        normalize_phone(raw)
    assert info.value.code == "empty"


def test_mask_phone() -> None:
    assert mask_phone("+8613812345678") == "138****5678"
    assert mask_phone("+861012345678") == "010****5678"
    assert mask_phone("+8675581234567") == "0755****4567"
    assert mask_phone("+865718123456") == "0571****3456"
    assert mask_phone("garbage-value") == "gar********ue"
    assert mask_phone("123") == "***"


def test_display_phone() -> None:
    assert display_phone("+8613812345678") == "13812345678"
    assert display_phone("+861012345678") == "010-12345678"
    assert display_phone("+8675581234567") == "0755-81234567"
    assert display_phone("whatever") == "whatever"


def test_round_trip_through_display() -> None:
    for e164 in ("+8613812345678", "+861012345678", "+8675581234567"):
        assert normalize_phone(display_phone(e164), allow_landline=True) == e164

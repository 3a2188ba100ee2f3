"""Mainland China phone numbers: normalisation to E.164, masking and display.

Pure Python, no Django. Error messages never contain the number itself.
"""

from __future__ import annotations

import re

from linli.lib.normalize import to_halfwidth

__all__ = ["PhoneError", "display_phone", "mask_phone", "normalize_phone"]

_MESSAGES = {
    "empty": "Phone number is empty.",
    "format": "Not a valid mainland mobile or landline number.",
}

_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# Trunk 0 + area code (2 digits: 10, 20-29; 3 digits: 3xx-9xx) + local number (7-8
# digits, not starting with 0). Two-digit areas always have 8-digit numbers.
_LANDLINE_RE = re.compile(r"^0(?:(?:10|2\d)[1-9]\d{7}|[3-9]\d{2}[1-9]\d{6,7})$")
_ALLOWED_RE = re.compile(r"^[\d\-()\s+]+$")
_SEPARATORS_RE = re.compile(r"[\s\-()\u200b\ufeff]+")
_EXTENSION_RE = re.compile(r"转|分机|ext|[x#*]", re.IGNORECASE)
_E164_MOBILE_RE = re.compile(r"^\+86(1[3-9]\d{9})$")
_E164_LANDLINE_RE = re.compile(r"^\+86((?:10|2\d)|[3-9]\d{2})(\d{7,8})$")


class PhoneError(ValueError):
    """Invalid phone number; ``code`` is "empty" or "format"."""

    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        super().__init__(message or _MESSAGES.get(code, "Invalid phone number."))


def _strip_country_code(digits: str) -> tuple[str, bool]:
    """Remove +86 / 0086 / 86; returns (rest, had_country_code)."""
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            return digits[len(prefix) :], True
    if digits.startswith("+"):
        raise PhoneError("format")  # some other country
    if digits.startswith("86") and len(digits) > 11:
        return digits[2:], True
    return digits, False


def _national(digits: str, *, allow_landline: bool) -> str:
    """Validated national form: "13812345678" or "01012345678"."""
    rest, international = _strip_country_code(digits)
    if _MOBILE_RE.match(rest):
        return rest
    if not allow_landline:
        raise PhoneError("format")
    if international and not rest.startswith("0"):
        rest = "0" + rest  # the trunk 0 is dropped after +86
    if _LANDLINE_RE.match(rest):
        return rest
    raise PhoneError("format")


def normalize_phone(raw: str | int, *, allow_landline: bool = False) -> str:
    """Normalise a mainland mobile (or, if ``allow_landline``, landline) number to
    E.164, e.g. "+8613812345678" or "+861012345678".

    Full-width characters, spaces, dashes, parentheses and a leading "+86"/"86"/"0086"
    are tolerated. Extensions ("-123", "转123") are refused.
    """
    if isinstance(raw, bool):
        raise PhoneError("format")
    text = str(raw) if isinstance(raw, int) else to_halfwidth(raw).strip()
    if not text:
        raise PhoneError("empty")
    if _EXTENSION_RE.search(text) or not _ALLOWED_RE.match(text):
        raise PhoneError("format")
    digits = _SEPARATORS_RE.sub("", text)
    if not digits or "+" in digits[1:]:
        raise PhoneError("format")

    national = _national(digits, allow_landline=allow_landline)

    # "010-12345678-123": an extension after a complete number would otherwise
    # sometimes still be accepted once the dashes are gone.
    groups = [g for g in re.split(r"-", text) if g.strip()]
    if len(groups) >= 2:
        head = _SEPARATORS_RE.sub("", "".join(groups[:-1]))
        try:
            _national(head, allow_landline=allow_landline)
        except PhoneError:
            pass
        else:
            raise PhoneError("format")

    return "+86" + (national if national.startswith("1") else national[1:])


def _split_e164(e164: str) -> tuple[str, str, str] | None:
    """("mobile"|"landline", area-or-prefix, local) for a +86 number, else None."""
    m = _E164_MOBILE_RE.match(e164)
    if m:
        return "mobile", m.group(1)[:3], m.group(1)[3:]
    m = _E164_LANDLINE_RE.match(e164)
    if m:
        return "landline", "0" + m.group(1), m.group(2)
    return None


def mask_phone(e164: str) -> str:
    """ "+8613812345678" -> "138****5678"; "+861012345678" -> "010****5678".

    Anything unrecognised keeps only its first 3 and last 2 characters.
    """
    parts = _split_e164(e164)
    if parts is not None:
        _, head, local = parts
        return f"{head}****{local[-4:]}"
    n = len(e164)
    if n <= 5:
        return "*" * n
    return e164[:3] + "*" * (n - 5) + e164[-2:]


def display_phone(e164: str) -> str:
    """National form: "13812345678" or "010-12345678"; unrecognised input unchanged."""
    parts = _split_e164(e164)
    if parts is None:
        return e164
    kind, head, local = parts
    if kind == "mobile":
        return head + local
    return f"{head}-{local}"

"""Turn raw input (a form, an API body, a spreadsheet row) into clean resident data.

One place decides what a valid resident is, so the page, the API and the importer agree. Errors
name the field and say why, in the user's language, and never repeat the personal value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core.errors import DomainError
from linli.lib.id_card import IdNumberError, parse_id_number
from linli.lib.normalize import CellError, clean_text, parse_date, parse_sex
from linli.lib.phone import PhoneError, normalize_phone
from linli.registry.models import Resident

FIELD_LABELS = {
    "name": gettext_lazy("name"),
    "sex": gettext_lazy("sex"),
    "birth_date": gettext_lazy("birth date"),
    "id_number": gettext_lazy("ID number"),
    "phone": gettext_lazy("phone"),
    "hukou_type": gettext_lazy("hukou type"),
    "ethnicity": gettext_lazy("ethnicity"),
    "education": gettext_lazy("education"),
    "employment": gettext_lazy("employment"),
    "marital_status": gettext_lazy("marital status"),
    "disability_kind": gettext_lazy("disability kind"),
    "disability_grade": gettext_lazy("disability grade"),
    "notes": gettext_lazy("notes"),
    "building": gettext_lazy("building"),
    "entrance": gettext_lazy("entrance"),
    "room": gettext_lazy("room"),
    "relation": gettext_lazy("relation to head"),
    "tags": gettext_lazy("special groups"),
}


class InvalidInput(DomainError):
    """One or more fields are wrong: `errors` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        first = next(iter(errors.items()))
        super().__init__(f"{FIELD_LABELS.get(first[0], first[0])}: {first[1][0]}", field=first[0])


def id_error_message(exc: IdNumberError) -> str:
    return {
        "empty": _("the ID number is missing"),
        "format": _("an ID number has 18 characters: 17 digits and a digit or X"),
        "checksum": _("the check character does not match; a digit is probably mistyped"),
        "birth_date": _("the birth date inside the ID number is not a real date"),
        "precision_lost": _(
            "Excel turned the ID number into a number and lost its last digits; "
            "format the column as text and type it again"
        ),
        "region": _("the ID number does not start with a valid region code"),
    }.get(exc.code, _("not a valid ID number"))


def phone_error_message(exc: PhoneError) -> str:
    if exc.code == "empty":
        return _("the phone number is missing")
    return _("a mobile number has 11 digits starting with 1; a landline needs its area code")


def cell_error_message(exc: CellError) -> str:
    return {
        "impossible_date": _("this date does not exist"),
        "date_format": _("write the date as 1980-01-02"),
        "sex": _("write 男 or 女"),
    }.get(exc.code, _("not understood"))


def _choice_lookup(choices: Any) -> dict[str, str]:
    """Accept the code, the English label or the Chinese label of a choice (any case)."""
    from django.utils import translation

    table: dict[str, str] = {}
    for value, label in choices:
        table[str(value).lower()] = value
        table[str(label).lower()] = value
        with translation.override("zh-hans"):
            table[str(label).lower()] = value
            table[str(translation.gettext(str(label))).lower()] = value
    return table


_LOOKUPS: dict[str, dict[str, str]] = {}

HUKOU_ALIASES = {
    "本地": "local",
    "本地户籍": "local",
    "本市户籍": "local",
    "户籍人口": "local",
    "外地": "nonlocal",
    "外地户籍": "nonlocal",
    "非本地户籍": "nonlocal",
    "流动人口": "nonlocal",
    "人户分离": "separated",
}


def _lookup(field: str) -> dict[str, str]:
    if field not in _LOOKUPS:
        choices = {
            "hukou_type": Resident.HukouType.choices,
            "education": Resident.Education.choices,
            "employment": Resident.Employment.choices,
            "marital_status": Resident.Marital.choices,
            "disability_kind": Resident.DisabilityKind.choices,
        }[field]
        table = _choice_lookup(choices)
        if field == "hukou_type":
            table.update(HUKOU_ALIASES)
        _LOOKUPS[field] = table
    return _LOOKUPS[field]


@dataclass
class ResidentData:
    name: str
    sex: str
    birth_date: date
    id_number: str
    id_kind: str
    phone: str
    hukou_type: str
    ethnicity: str = "汉族"
    education: str = ""
    employment: str = ""
    marital_status: str = ""
    disability_kind: str = ""
    disability_grade: int | None = None
    notes: str = ""


def clean_resident(raw: Mapping[str, object], *, require_id: bool = True) -> ResidentData:
    """Validate one resident's fields; raise InvalidInput naming every bad field."""
    errors: dict[str, list[str]] = {}

    def err(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    name = clean_text(raw.get("name"))
    if not name:
        err("name", _("the name is missing"))
    elif len(name) > 50:
        err("name", _("the name is longer than 50 characters"))

    id_info = None
    raw_id = raw.get("id_number")
    if raw_id is None or clean_text(raw_id) == "":
        if require_id:
            err("id_number", _("the ID number is missing"))
    else:
        try:
            id_info = parse_id_number(raw_id if isinstance(raw_id, int | float) else str(raw_id))
        except IdNumberError as exc:
            err("id_number", id_error_message(exc))

    birth: date | None = None
    try:
        birth = parse_date(raw.get("birth_date"))
    except CellError as exc:
        err("birth_date", cell_error_message(exc))
    sex: str | None = None
    try:
        sex = parse_sex(raw.get("sex"))
    except CellError as exc:
        err("sex", cell_error_message(exc))

    if id_info is not None:
        if birth is None and "birth_date" not in errors:
            birth = id_info.birth_date
        elif birth is not None and birth != id_info.birth_date:
            err("birth_date", _("the birth date does not match the ID number"))
        if sex is None and "sex" not in errors:
            sex = id_info.sex
        elif sex is not None and sex != id_info.sex:
            err("sex", _("the sex does not match the ID number"))
    if birth is None and "birth_date" not in errors:
        err("birth_date", _("the birth date is missing"))
    if sex is None and "sex" not in errors:
        err("sex", _("the sex is missing"))

    phone = ""
    raw_phone = raw.get("phone")
    if raw_phone is not None and clean_text(raw_phone) != "":
        try:
            phone = normalize_phone(clean_text(raw_phone), allow_landline=True)
        except PhoneError as exc:
            err("phone", phone_error_message(exc))

    values: dict[str, str] = {}
    for field in ("hukou_type", "education", "employment", "marital_status", "disability_kind"):
        text = clean_text(raw.get(field))
        if not text:
            values[field] = ""
            continue
        code = _lookup(field).get(text.lower())
        if code is None:
            err(field, _("“%(value)s” is not one of the allowed values") % {"value": text[:20]})
        else:
            values[field] = code
    if not values.get("hukou_type") and "hukou_type" not in errors:
        err("hukou_type", _("the hukou type is missing (本地户籍, 外地户籍 or 人户分离)"))

    grade: int | None = None
    grade_text = clean_text(raw.get("disability_grade")).rstrip("级")
    if grade_text:
        grade_map = {"一": 1, "二": 2, "三": 3, "四": 4}
        grade = grade_map.get(grade_text) or (int(grade_text) if grade_text.isdigit() else None)
        if grade not in (1, 2, 3, 4):
            err("disability_grade", _("the disability grade is 1, 2, 3 or 4"))
            grade = None

    ethnicity = clean_text(raw.get("ethnicity")) or "汉族"
    if len(ethnicity) > 20:
        err("ethnicity", _("too long"))
    notes = clean_text(raw.get("notes"))

    if errors:
        raise InvalidInput(errors)
    assert birth is not None and sex is not None
    return ResidentData(
        name=name,
        sex=sex,
        birth_date=birth,
        id_number=id_info.number if id_info else "",
        id_kind=id_info.kind if id_info else "",
        phone=phone,
        hukou_type=values["hukou_type"],
        ethnicity=ethnicity,
        education=values["education"],
        employment=values["employment"],
        marital_status=values["marital_status"],
        disability_kind=values["disability_kind"],
        disability_grade=grade,
        notes=notes,
    )

"""The resident spreadsheet: template, import (dry run and commit) and the error report.

Reading uses python-calamine; the sheet's size is checked from the file's own metadata before
anything is parsed. Every row is cleaned by `validation.clean_resident` (the one validator),
then checked against the community's buildings, the actor's scope and the ID numbers already
in the file and in the database. Only a file without a single bad row is written, in one
transaction, with bulk inserts. Error messages name the row and field, never the value.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple, cast

import xlsxwriter
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

from linli.core import audit
from linli.core.access import OPERATOR, Scope, get_scope
from linli.core.bulk import bulk_insert_rows
from linli.core.errors import DomainError, NotInScope
from linli.core.keys import blind
from linli.lib.id_card import make_id_number, mask_id_number
from linli.lib.normalize import clean_text
from linli.org.models import Community
from linli.registry.models import (
    DERIVED_TAGS,
    RESTRICTED_TAGS,
    YEARLY_REVIEW_TAGS,
    Building,
    Dwelling,
    Household,
    Membership,
    Resident,
    ResidentTag,
    Tag,
)
from linli.registry.services import apply_resident_data, resident_values
from linli.registry.validation import FIELD_LABELS, InvalidInput, ResidentData, clean_resident

Source = str | os.PathLike[str] | bytes


class Column(NamedTuple):
    field: str
    header: str
    example: str
    note: str


EXAMPLE_ID = make_id_number("440305", date(1980, 1, 2), 1, "M")

# The template's columns, in order. Headers, examples and notes are Chinese data, not UI text.
TEMPLATE_COLUMNS: list[Column] = [
    Column("name", "姓名", "张三", "必填"),
    Column("sex", "性别", "男", "男/女；可不填，按身份证号"),
    Column("birth_date", "出生日期", "1980-01-02", "如 1980-01-02；可不填，按身份证号"),
    Column("id_number", "公民身份号码", EXAMPLE_ID, "必填；18位，请设为文本格式"),
    Column("phone", "联系电话", "13800138000", "手机11位或带区号的固话"),
    Column("hukou_type", "户籍类别", "本地户籍", "必填：本地户籍/外地户籍/人户分离"),
    Column("ethnicity", "民族", "汉族", "默认汉族"),
    Column("education", "文化程度", "本科", "未上学/小学/初中/高中/大专/本科/研究生"),
    Column("employment", "就业状况", "在职", "在职/个体/失业/退休/学生/学龄前/其他"),
    Column("marital_status", "婚姻状况", "已婚", "未婚/已婚/离婚/丧偶"),
    Column("building", "楼栋", "1栋", "必填：本社区已登记的楼栋，如 7栋 或 7"),
    Column("entrance", "单元", "1", "数字，默认1"),
    Column("room", "房号", "101", "必填，如 101"),
    Column(
        "relation",
        "与户主关系",
        "户主",
        "户主/配偶/子女/父母/孙子女/祖父母/兄弟姐妹/儿媳女婿/租户/其他",
    ),
    Column("tags", "重点人群", "", "可多个，用顿号或逗号分隔，如 独居老人、低保户"),
    Column("disability_kind", "残疾类别", "", "视力/听力/言语/肢体/智力/精神/多重"),
    Column("disability_grade", "残疾等级", "", "1-4 级"),
    Column("notes", "备注", "", ""),
]
TEMPLATE_TITLE = "居民信息导入模板"
ERROR_HEADER = "错误原因"
REQUIRED_HEADERS = ("name", "id_number", "hukou_type", "building", "room")
HEADER_SEARCH_ROWS = 10

HEADER_ALIASES: dict[str, str] = {
    **{c.header: c.field for c in TEMPLATE_COLUMNS},
    "身份证号": "id_number",
    "身份证号码": "id_number",
    "公民身份证号码": "id_number",
    "身份证": "id_number",
    "证件号码": "id_number",
    "电话": "phone",
    "手机": "phone",
    "手机号": "phone",
    "手机号码": "phone",
    "联系方式": "phone",
    "户籍类型": "hukou_type",
    "户口类型": "hukou_type",
    "户口性质": "hukou_type",
    "学历": "education",
    "婚姻": "marital_status",
    "楼号": "building",
    "楼栋号": "building",
    "单元号": "entrance",
    "房间号": "room",
    "门牌号": "room",
    "房屋": "room",
    "与户主关系": "relation",
    "关系": "relation",
    "重点人群类别": "tags",
    "人群类别": "tags",
    "残疾类型": "disability_kind",
    "残疾级别": "disability_grade",
}

# Chinese words for choice values: what the export writes and what the import accepts.
CHOICE_LABELS_ZH: dict[str, dict[str, str]] = {
    "sex": {"M": "男", "F": "女"},
    "hukou_type": {"local": "本地户籍", "nonlocal": "外地户籍", "separated": "人户分离"},
    "education": {
        "none": "未上学",
        "primary": "小学",
        "junior": "初中",
        "senior": "高中",
        "college": "大专",
        "bachelor": "本科",
        "postgraduate": "研究生",
    },
    "employment": {
        "employed": "在职",
        "self_employed": "个体",
        "unemployed": "失业",
        "retired": "退休",
        "student": "学生",
        "preschool": "学龄前",
        "other": "其他",
    },
    "marital_status": {"single": "未婚", "married": "已婚", "divorced": "离婚", "widowed": "丧偶"},
    "disability_kind": {
        "visual": "视力残疾",
        "hearing": "听力残疾",
        "speech": "言语残疾",
        "physical": "肢体残疾",
        "intellectual": "智力残疾",
        "mental": "精神残疾",
        "multiple": "多重残疾",
    },
    "relation": {
        "head": "户主",
        "spouse": "配偶",
        "child": "子女",
        "parent": "父母",
        "grandchild": "孙子女",
        "grandparent": "祖父母",
        "sibling": "兄弟姐妹",
        "child_in_law": "儿媳女婿",
        "tenant": "租户",
        "other": "其他",
    },
    "status": {"active": "在住", "moved_out": "迁出", "deceased": "死亡"},
    "tags": {
        "elderly_alone": "独居老人",
        "elderly_empty_nest": "空巢老人",
        "elderly_80": "高龄老人",
        "disabled": "残疾人",
        "dibao": "低保户",
        "tekun": "特困",
        "veteran": "优抚对象",
        "left_behind_child": "留守儿童",
        "child_in_difficulty": "困境儿童",
        "unemployed": "失业人员",
        "floating": "流动人口",
        "corrections": "社区矫正",
    },
}
_EXTRA_ALIASES: dict[str, dict[str, str]] = {
    "education": {
        "文盲": "none",
        "无": "none",
        "中专": "senior",
        "职高": "senior",
        "技校": "senior",
        "高中/中专": "senior",
        "专科": "college",
        "大学": "bachelor",
        "大学本科": "bachelor",
        "硕士": "postgraduate",
        "博士": "postgraduate",
    },
    "employment": {
        "就业": "employed",
        "在业": "employed",
        "个体户": "self_employed",
        "自由职业": "self_employed",
        "无业": "unemployed",
        "离退休": "retired",
        "在校学生": "student",
        "在校": "student",
    },
    "marital_status": {"初婚": "married", "再婚": "married", "离异": "divorced"},
    "disability_kind": {
        "视力": "visual",
        "听力": "hearing",
        "言语": "speech",
        "肢体": "physical",
        "智力": "intellectual",
        "精神": "mental",
        "多重": "multiple",
    },
    "relation": {
        "本人": "head",
        "妻子": "spouse",
        "丈夫": "spouse",
        "妻": "spouse",
        "夫": "spouse",
        "子": "child",
        "女": "child",
        "儿子": "child",
        "女儿": "child",
        "长子": "child",
        "长女": "child",
        "次子": "child",
        "次女": "child",
        "父亲": "parent",
        "母亲": "parent",
        "孙子": "grandchild",
        "孙女": "grandchild",
        "外孙子": "grandchild",
        "外孙女": "grandchild",
        "祖父": "grandparent",
        "祖母": "grandparent",
        "外祖父": "grandparent",
        "外祖母": "grandparent",
        "兄弟": "sibling",
        "姐妹": "sibling",
        "兄": "sibling",
        "弟": "sibling",
        "姐": "sibling",
        "妹": "sibling",
        "儿媳": "child_in_law",
        "女婿": "child_in_law",
        "租客": "tenant",
        "租住": "tenant",
    },
    "tags": {
        "独居": "elderly_alone",
        "空巢": "elderly_empty_nest",
        "高龄": "elderly_80",
        "残疾": "disabled",
        "低保": "dibao",
        "特困供养": "tekun",
        "退役军人": "veteran",
        "优抚": "veteran",
        "失业": "unemployed",
        "安置帮教": "corrections",
        "矫正": "corrections",
    },
}


def _aliases(name: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for code, label in CHOICE_LABELS_ZH.get(name, {}).items():
        table[code.lower()] = code
        table[label] = code
    table.update(_EXTRA_ALIASES.get(name, {}))
    return table


_CHOICE_FIELDS = ("hukou_type", "education", "employment", "marital_status", "disability_kind")
_ALIASES = {name: _aliases(name) for name in (*_CHOICE_FIELDS, "relation", "tags")}
_TAG_SPLIT = re.compile(r"[,，、;；/\s]+")
_HEADER_JUNK = re.compile(r"\(.*?\)|[\s*:]")
_BUILDING_SUFFIX = re.compile(r"(栋|号楼|幢|座|楼)$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CHUNK = 500  # ids per IN (...) query
_WRITE_CHUNK = 500  # residents written per round


class ImportRefused(DomainError):
    """The whole file is refused (wrong type, too big, no header row)."""


class RowError(NamedTuple):
    row: int  # as Excel numbers it
    field: str
    label: str
    reason: str


@dataclass
class ImportReport:
    rows_read: int = 0
    valid: int = 0
    to_create: int = 0
    to_update: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = True
    committed: bool = False
    # Row number -> a short description for the preview (name and masked ID, never the full ID).
    row_labels: dict[int, str] = field(default_factory=dict)

    @property
    def invalid_rows(self) -> int:
        return len({e.row for e in self.errors})

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        return {
            "rows_read": self.rows_read,
            "valid": self.valid,
            "to_create": self.to_create,
            "to_update": self.to_update,
            "errors": [list(e) for e in self.errors],
            "dry_run": self.dry_run,
            "committed": self.committed,
            "row_labels": {str(k): v for k, v in self.row_labels.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ImportReport:
        return cls(
            rows_read=int(data["rows_read"]),
            valid=int(data["valid"]),
            to_create=int(data["to_create"]),
            to_update=int(data["to_update"]),
            errors=[RowError(int(e[0]), str(e[1]), str(e[2]), str(e[3])) for e in data["errors"]],
            dry_run=bool(data["dry_run"]),
            committed=bool(data["committed"]),
            row_labels={int(k): str(v) for k, v in data.get("row_labels", {}).items()},
        )


# --- cells -------------------------------------------------------------------------------------
def safe_cell(value: str) -> str:
    """A cell text a spreadsheet will never run as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _unescape(text: str) -> str:
    """Undo `safe_cell` on the way back in."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        return text[1:]
    return text


def _norm_header(value: object) -> str:
    return _HEADER_JUNK.sub("", clean_text(value))


# --- template ---------------------------------------------------------------------------------
def build_template() -> bytes:
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    ws = wb.add_worksheet("居民")
    text = wb.add_format({"num_format": "@"})
    title = wb.add_format({"bold": True, "font_size": 14})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "num_format": "@"})
    note = wb.add_format(
        {"italic": True, "font_color": "#808080", "text_wrap": True, "num_format": "@"}
    )
    ws.write_string(0, 0, TEMPLATE_TITLE, title)
    for col, c in enumerate(TEMPLATE_COLUMNS):
        ws.set_column(col, col, 22 if c.field == "id_number" else 14, text)
        ws.write_string(1, col, c.header, head)
        ws.write_string(2, col, c.note, note)
        ws.write_string(3, col, c.example, text)
    lists = {
        "sex": ["男", "女"],
        "hukou_type": list(CHOICE_LABELS_ZH["hukou_type"].values()),
        "marital_status": list(CHOICE_LABELS_ZH["marital_status"].values()),
        "relation": list(CHOICE_LABELS_ZH["relation"].values()),
    }
    for col, c in enumerate(TEMPLATE_COLUMNS):
        if c.field in lists:
            ws.data_validation(
                4,
                col,
                10000,
                col,
                {"validate": "list", "source": lists[c.field], "ignore_blank": True},
            )
    ws.freeze_panes(2, 0)
    wb.close()
    return out.getvalue()


_TEMPLATE_CELLS = {
    attr: frozenset(clean_text(getattr(c, attr)) for c in TEMPLATE_COLUMNS) - {""}
    for attr in ("note", "example")
}
_TEMPLATE_NAMES = frozenset({TEMPLATE_COLUMNS[0].note, TEMPLATE_COLUMNS[0].example})


def _is_template_row(cells: Sequence[object]) -> bool:
    """The template's own notes row or its unchanged example row."""
    given = [t for t in (clean_text(c) for c in cells) if t]
    return len(given) >= 3 and any(all(t in ok for t in given) for ok in _TEMPLATE_CELLS.values())


def _is_blank(cells: Sequence[object]) -> bool:
    return all(c == "" or c is None or (isinstance(c, str) and not clean_text(c)) for c in cells)


# --- reading ----------------------------------------------------------------------------------
def _open(source: Source) -> tuple[int, Any]:
    if isinstance(source, bytes):
        return len(source), io.BytesIO(source)
    path = Path(source)
    return path.stat().st_size, path


_DIM_RE = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+)?(\d+)(?::([A-Z]+)(\d+))?"')
_SHEET_RE = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?r:id="([^"]+)"')


def _first_sheet_member(z: zipfile.ZipFile) -> str | None:
    try:
        workbook = z.read("xl/workbook.xml")
        rels = z.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    m = _SHEET_RE.search(workbook)
    if not m:
        return None
    rid = m.group(1).decode()
    for rel in re.finditer(rb"<Relationship\b[^>]*>", rels):
        tag = rel.group(0)
        if f'Id="{rid}"'.encode() in tag:
            t = re.search(rb'Target="([^"]+)"', tag)
            if t:
                target = t.group(1).decode().lstrip("/")
                return target if target.startswith("xl/") else "xl/" + target
    return None


def check_size(source: Source) -> None:
    """Refuse a file that is not an .xlsx, or too big, before it is parsed."""
    size, handle = _open(source)
    if size > settings.LINLI_IMPORT_MAX_BYTES:
        raise ImportRefused(
            _("The file is larger than %(mb)s MB; split it into smaller files.")
            % {"mb": settings.LINLI_IMPORT_MAX_BYTES // (1024 * 1024) or 1}
        )
    try:
        z = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportRefused(_("This is not an .xlsx file; save it from Excel as .xlsx.")) from exc
    with z:
        names = set(z.namelist())
        if "xl/workbook.xml" not in names:
            raise ImportRefused(_("This is not an .xlsx file; save it from Excel as .xlsx."))
        # A zip bomb would unpack far beyond any real spreadsheet of the allowed size.
        if sum(i.file_size for i in z.infolist()) > 40 * max(
            settings.LINLI_IMPORT_MAX_BYTES, 1 << 20
        ):
            raise ImportRefused(_("The file unpacks to an implausible size and is refused."))
        member = _first_sheet_member(z) or "xl/worksheets/sheet1.xml"
        if member in names:
            with z.open(member) as f:
                head = f.read(4096)
            m = _DIM_RE.search(head)
            if m and m.group(4):
                _check_rows(int(m.group(4)))


def _check_rows(rows: int) -> None:
    if rows > settings.LINLI_IMPORT_MAX_ROWS + HEADER_SEARCH_ROWS:
        raise ImportRefused(
            _("The sheet has more than %(n)s rows; split it into smaller files.")
            % {"n": settings.LINLI_IMPORT_MAX_ROWS}
        )


@dataclass
class _Sheet:
    header_row: int  # 0-based index of the header row
    columns: dict[str, int]  # field -> column index
    header_cells: list[Any]
    rows: Iterator[tuple[int, list[Any]]]  # (Excel row number, cells) after the header


def _read(source: Source) -> _Sheet:
    check_size(source)
    _size, handle = _open(source)
    try:
        wb = (
            CalamineWorkbook.from_path(str(handle))
            if isinstance(handle, Path)
            else CalamineWorkbook.from_filelike(handle)
        )
        sheet = wb.get_sheet_by_index(0)
    except (CalamineError, ValueError, OSError) as exc:
        raise ImportRefused(_("The file could not be read as an .xlsx workbook.")) from exc
    _check_rows(sheet.height)
    # iter_rows() starts at row 1 but at the first used column.
    start_col = sheet.start[1] if sheet.start else 0
    it = iter(sheet.iter_rows())
    first: list[tuple[int, list[Any]]] = []
    for i, row in enumerate(it):
        first.append((i + 1, [""] * start_col + list(row)))
        if i + 1 >= HEADER_SEARCH_ROWS:
            break
    header_at = None
    columns: dict[str, int] = {}
    for idx, (_n, cells) in enumerate(first):
        found: dict[str, int] = {}
        for col, cell in enumerate(cells):
            key = HEADER_ALIASES.get(_norm_header(cell))
            if key and key not in found:
                found[key] = col
        if "name" in found and len(found) >= 3:
            header_at, columns = idx, found
            break
    if header_at is None:
        raise ImportRefused(
            _(
                "No header row found: one of the first ten rows must hold the column names "
                "of the template (姓名, 公民身份号码, 户籍类别, 楼栋, 房号 …)."
            )
        )
    missing = [
        c.header for c in TEMPLATE_COLUMNS if c.field in REQUIRED_HEADERS and c.field not in columns
    ]
    if missing:
        raise ImportRefused(
            _("These required columns are missing: %(cols)s.") % {"cols": "、".join(missing)}
        )

    def rest() -> Iterator[tuple[int, list[Any]]]:
        yield from first[header_at + 1 :]
        n = len(first)
        for row in it:
            n += 1
            yield n, [""] * start_col + list(row) if start_col else list(row)

    return _Sheet(header_at, columns, first[header_at][1], rest())


# --- validation -------------------------------------------------------------------------------
@dataclass
class _Row:
    number: int
    data: ResidentData
    hash: str
    building: Building
    entrance: int
    room: str
    relation: str  # "" = decide later
    tags: list[str]
    existing_pk: int | None = None


class _BuildingIndex:
    def __init__(self, community: Community) -> None:
        self.by_key: dict[str, Building] = {}
        for b in Building.objects.filter(community=community):
            for key in (b.name, b.code):
                k = clean_text(key).replace(" ", "")
                self.by_key.setdefault(k, b)
                self.by_key.setdefault(_BUILDING_SUFFIX.sub("", k), b)

    def find(self, text: str) -> Building | None:
        k = text.replace(" ", "")
        return self.by_key.get(k) or self.by_key.get(_BUILDING_SUFFIX.sub("", k))


def _actor_scope(actor: Any) -> Scope:
    return OPERATOR if actor is None else get_scope(actor)


def _label(field_name: str) -> str:
    return str(FIELD_LABELS.get(field_name, field_name))


def _validate(
    sheet: _Sheet,
    *,
    community: Community,
    scope: Scope,
    update_existing: bool,
    report: ImportReport,
) -> list[_Row]:
    buildings = _BuildingIndex(community)
    cols = sheet.columns
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    head_rows: dict[tuple[int, int, str], int] = {}
    errors = report.errors
    valid_tags = set(Tag.values)

    def add(n: int, field_name: str, reason: str) -> None:
        errors.append(RowError(n, field_name, _label(field_name), reason))

    for number, cells in sheet.rows:
        raw: dict[str, Any] = {}
        for name, col in cols.items():
            raw[name] = cells[col] if col < len(cells) else ""
        if _is_blank(cells):
            continue
        if clean_text(raw.get("name")) in _TEMPLATE_NAMES and _is_template_row(cells):
            continue
        report.rows_read += 1
        if report.rows_read > settings.LINLI_IMPORT_MAX_ROWS:
            raise ImportRefused(
                _("The sheet has more than %(n)s rows; split it into smaller files.")
                % {"n": settings.LINLI_IMPORT_MAX_ROWS}
            )
        for key in ("name", "notes", "ethnicity"):
            if isinstance(raw.get(key), str):
                raw[key] = _unescape(raw[key].strip())
        for key in _CHOICE_FIELDS:
            value = raw.get(key)
            table = _ALIASES[key]
            if isinstance(value, str) and value in table:
                raw[key] = table[value]
            else:
                text = clean_text(value)
                raw[key] = table.get(text.replace(" ", ""), text)
        n_before = len(errors)
        data: ResidentData | None = None
        try:
            data = clean_resident(raw)
        except InvalidInput as exc:
            for field_name, messages in exc.errors.items():
                # A bad ID number hides the birth date and sex it would have given: do not
                # report those as missing too.
                if (
                    field_name in ("birth_date", "sex")
                    and "id_number" in exc.errors
                    and not clean_text(raw.get(field_name))
                ):
                    continue
                add(number, field_name, "；".join(messages))

        building_text = clean_text(raw.get("building"))
        building = None
        if not building_text:
            add(number, "building", _("the building is missing"))
        else:
            building = buildings.find(building_text)
            if building is None:
                add(number, "building", _("no such building is registered in this community"))
            elif not scope.covers(building.community_id, building.grid_id):
                add(number, "building", _("this building is outside the area you are assigned to"))
                building = None
        entrance_text = clean_text(raw.get("entrance")).removesuffix("单元")
        entrance = 1
        if entrance_text:
            if entrance_text.isdigit() and 0 < int(entrance_text) < 100:
                entrance = int(entrance_text)
            else:
                add(number, "entrance", _("the entrance is a number such as 1"))
        room = clean_text(raw.get("room")).removesuffix("室").replace(" ", "")
        if not room:
            add(number, "room", _("the room is missing"))
        elif len(room) > 12:
            add(number, "room", _("the room is longer than 12 characters"))
        relation_text = clean_text(raw.get("relation")).replace(" ", "")
        relation = ""
        if relation_text:
            relation = _ALIASES["relation"].get(relation_text.lower(), "")
            if not relation:
                add(
                    number,
                    "relation",
                    _(
                        "not one of 户主, 配偶, 子女, 父母, 孙子女, 祖父母, 兄弟姐妹, "
                        "儿媳女婿, 租户, 其他"
                    ),
                )
        tags: list[str] = []
        for part in _TAG_SPLIT.split(clean_text(raw.get("tags"))):
            if not part:
                continue
            code = _ALIASES["tags"].get(part.lower()) or (part if part in valid_tags else None)
            if code is None:
                add(
                    number,
                    "tags",
                    _("“%(value)s” is not a known special group") % {"value": part[:20]},
                )
            elif code in DERIVED_TAGS:
                continue
            elif code in RESTRICTED_TAGS and not scope.can_see_restricted:
                add(number, "tags", _("your post may not record this special group"))
            elif code not in tags:
                tags.append(code)

        row_hash = ""
        if data is not None:
            row_hash = blind(data.id_number)
            first = seen.get(row_hash)
            if first is not None:
                add(
                    number,
                    "id_number",
                    _("the same ID number is already in row %(row)s") % {"row": first},
                )
            else:
                seen[row_hash] = number
        if len(errors) > n_before:
            report.row_labels[number] = _row_label(raw)
            continue
        assert data is not None and building is not None
        if relation == Membership.Relation.HEAD:
            place = (building.pk, entrance, room)
            other = head_rows.get(place)
            if other is not None:
                add(
                    number,
                    "relation",
                    _("row %(row)s already names the head of this household") % {"row": other},
                )
                report.row_labels[number] = _row_label(raw)
                continue
            head_rows[place] = number
        rows.append(_Row(number, data, row_hash, building, entrance, room, relation, tags))

    # Against the database, in chunks.
    by_hash = {r.hash: r for r in rows}
    hashes = list(by_hash)
    for i in range(0, len(hashes), _CHUNK):
        found = Resident.objects.filter(id_number_hash__in=hashes[i : i + _CHUNK]).values_list(
            "id_number_hash", "pk", "community_id", "grid_id"
        )
        for h, pk, community_id, grid_id in found:
            row = by_hash[str(h)]
            if update_existing and scope.covers(community_id, grid_id):
                row.existing_pk = pk
            elif update_existing:
                add(
                    row.number,
                    "id_number",
                    _("this person is registered in a place outside your area"),
                )
            else:
                add(
                    row.number,
                    "id_number",
                    _(
                        "a resident with this ID number is already registered "
                        "(choose “update existing”)"
                    ),
                )
    # A 户主 row where the dwelling's household already has another head.
    if head_rows:
        heads = Household.objects.filter(
            dissolved_on__isnull=True,
            head__isnull=False,
            dwelling__building_id__in={k[0] for k in head_rows},
        ).values_list(
            "dwelling__building_id", "dwelling__entrance", "dwelling__room", "head__id_number_hash"
        )
        head_by_key = {(b, e, r): h for b, e, r, h in heads}
        for r in rows:
            if r.relation == Membership.Relation.HEAD:
                h = head_by_key.get((r.building.pk, r.entrance, r.room))
                if h is not None and h != r.hash:
                    add(
                        r.number,
                        "relation",
                        _("this household already has a head; write another relation"),
                    )
    bad = {e.row for e in errors}
    for r in rows:
        if r.number in bad and r.number not in report.row_labels:
            report.row_labels[r.number] = f"{r.data.name[:20]} {mask_id_number(r.data.id_number)}"
    errors.sort(key=lambda e: e.row)
    good = [r for r in rows if r.number not in bad]
    report.valid = report.rows_read - len(bad)
    report.to_update = sum(1 for r in good if r.existing_pk is not None)
    report.to_create = len(good) - report.to_update
    return good


def _row_label(raw: Mapping[str, Any]) -> str:
    """Name and masked ID number of a row, for the preview table."""
    number = clean_text(raw.get("id_number")).replace(" ", "")
    return f"{clean_text(raw.get('name'))[:20]} {mask_id_number(number) if number else ''}".strip()


# --- writing ----------------------------------------------------------------------------------
def _floor_of(room: str) -> int:
    digits = "".join(ch for ch in room if ch.isdigit())
    return int(digits[:-2]) if len(digits) > 2 else 1


def _write(rows: list[_Row], *, actor: Any, community: Community) -> None:
    today = timezone.localdate()
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    # Dwellings: get or create in bulk.
    keys = {(r.building.pk, r.entrance, r.room) for r in rows}
    building_ids = {k[0] for k in keys}

    def dwelling_map() -> dict[tuple[int, int, str], int]:
        return {
            (b, e, room): pk
            for pk, b, e, room in Dwelling.objects.filter(building_id__in=building_ids).values_list(
                "pk", "building_id", "entrance", "room"
            )
        }

    dwellings = dwelling_map()
    missing = [k for k in keys if k not in dwellings]
    if missing:
        new_ids = bulk_insert_rows(
            Dwelling,
            [
                {"building_id": b, "entrance": e, "room": room, "floor": _floor_of(room)}
                for b, e, room in missing
            ],
        )
        dwellings.update(zip(missing, new_ids, strict=True))
    # One open household per dwelling, unless one exists.
    wanted = {dwellings[k] for k in keys}

    def household_map() -> dict[int, tuple[int, int | None]]:
        out: dict[int, tuple[int, int | None]] = {}
        ids = list(wanted)
        for i in range(0, len(ids), _CHUNK):
            for pk, d, head in (
                Household.objects.filter(
                    dwelling_id__in=ids[i : i + _CHUNK], dissolved_on__isnull=True
                )
                .order_by("-id")
                .values_list("pk", "dwelling_id", "head_id")
            ):
                out[d] = (pk, head)  # the lowest id wins (ordered descending)
        return out

    households = household_map()
    new = [d for d in wanted if d not in households]
    if new:
        new_ids = bulk_insert_rows(Household, [{"dwelling_id": d} for d in new])
        households.update((d, (pk, None)) for d, pk in zip(new, new_ids, strict=True))

    # Relation when the row leaves it blank: head if the household has none yet, else other.
    has_head = {d for d, (_pk, head) in households.items() if head is not None}
    for r in rows:
        if r.relation == Membership.Relation.HEAD:
            has_head.add(dwellings[(r.building.pk, r.entrance, r.room)])
    for r in rows:
        if not r.relation:
            d = dwellings[(r.building.pk, r.entrance, r.room)]
            r.relation = Membership.Relation.OTHER if d in has_head else Membership.Relation.HEAD
            has_head.add(d)

    # Residents, memberships and tags, a chunk at a time (bounded memory).
    review = date(today.year + 1, today.month, min(today.day, 28))
    heads: dict[int, int] = {}  # household → its first new 户主, in membership id order
    for i in range(0, len(rows), _WRITE_CHUNK):
        _write_chunk(
            rows[i : i + _WRITE_CHUNK],
            user=user,
            today=today,
            review=review,
            dwellings=dwellings,
            households=households,
            heads=heads,
        )

    # Each household without a head gets its first new 户主. The pairs are known here: no
    # subquery against rows inserted in this transaction, for which PostgreSQL has no statistics.
    table = connection.ops.quote_name(Household._meta.db_table)
    pairs = list(heads.items())
    with connection.cursor() as cur:
        if connection.vendor != "postgresql":
            cur.executemany(
                f"UPDATE {table} SET head_id = %s WHERE id = %s AND head_id IS NULL",  # noqa: S608
                [(resident_id, household_id) for household_id, resident_id in pairs],
            )
            return
        for i in range(0, len(pairs), 5000):  # one statement per 5,000 households
            chunk = pairs[i : i + 5000]
            values = ", ".join(["(%s::bigint, %s::bigint)"] * len(chunk))
            cur.execute(
                f"UPDATE {table} AS h SET head_id = v.r FROM (VALUES {values}) AS v(h, r) "  # noqa: S608
                "WHERE h.id = v.h AND h.head_id IS NULL",
                [x for pair in chunk for x in pair],
            )


_UPDATED_FIELDS = [
    "name",
    "name_pinyin",
    "name_initials",
    "sex",
    "birth_date",
    "id_number",
    "id_number_hash",
    "id_kind",
    "phone",
    "phone_hash",
    "hukou_type",
    "ethnicity",
    "education",
    "employment",
    "marital_status",
    "disability_kind",
    "disability_grade",
    "notes",
    "status",
    "updated_by",
    "community",
    "grid",
    "building",
    "dwelling",
    "household",
]


def _write_chunk(
    rows: list[_Row],
    *,
    user: Any,
    today: date,
    review: date,
    dwellings: dict[tuple[int, int, str], int],
    households: dict[int, tuple[int, int | None]],
    heads: dict[int, int],
) -> None:
    existing_ids = [r.existing_pk for r in rows if r.existing_pk is not None]
    existing = {res.pk: res for res in Resident.objects.filter(pk__in=existing_ids)}
    user_id = user.pk if user is not None else None
    new: list[dict[str, Any]] = []  # new residents as rows: no model instances to build
    new_rows: list[_Row] = []
    updated: list[tuple[Resident, _Row]] = []
    moved: list[tuple[Resident, _Row]] = []
    for r in rows:
        d = dwellings[(r.building.pk, r.entrance, r.room)]
        h = households[d][0]
        place = {
            "community_id": r.building.community_id,
            "grid_id": r.building.grid_id,
            "building_id": r.building.pk,
            "dwelling_id": d,
            "household_id": h,
        }
        if r.existing_pk is not None:
            res = existing[r.existing_pk]
            apply_resident_data(res, r.data)
            res.updated_by = user
            res.status = Resident.Status.ACTIVE
            if res.household_id != h:
                moved.append((res, r))
            updated.append((res, r))
            for key, value in place.items():
                setattr(res, key, value)
        else:
            values = resident_values(r.data, id_hash=r.hash or None)
            values.update(place, created_by_id=user_id, updated_by_id=user_id)
            new.append(values)
            new_rows.append(r)

    try:
        with transaction.atomic():
            bulk_insert_rows(Resident, new)
    except IntegrityError as exc:
        raise DomainError(
            _("Someone registered one of these ID numbers meanwhile; run the preview again.")
        ) from exc
    if updated:
        Resident.objects.bulk_update([res for res, _r in updated], _UPDATED_FIELDS)
        moved_ids = [res.pk for res, _r in moved]
        Membership.objects.filter(resident_id__in=moved_ids, left_on__isnull=True).update(
            left_on=today, left_reason="import"
        )
        Household.objects.filter(head_id__in=moved_ids).update(head=None)

    # (resident id, household id, row) of every resident who joins a household here.
    joining = [(v["id"], v["household_id"], r) for v, r in zip(new, new_rows, strict=True)]
    joining += [(res.pk, cast(int, res.household_id), r) for res, r in moved]
    memberships: list[dict[str, Any]] = [
        {"household_id": h, "resident_id": pk, "relation": r.relation, "joined_on": today}
        for pk, h, r in joining
    ]
    bulk_insert_rows(Membership, memberships)
    for m in memberships:
        if m["relation"] == Membership.Relation.HEAD:
            heads.setdefault(m["household_id"], m["resident_id"])

    held: set[tuple[int, str]] = set()
    if existing_ids:
        held.update(
            ResidentTag.objects.current(today)
            .filter(resident_id__in=existing_ids)
            .values_list("resident_id", "tag")
        )
    tagged = [(v["id"], r) for v, r in zip(new, new_rows, strict=True)]
    tagged += [(res.pk, r) for res, r in updated]
    tags = [
        {
            "resident_id": pk,
            "tag": t,
            "valid_from": today,
            "review_date": review if t in YEARLY_REVIEW_TAGS else None,
            "created_by_id": user_id,
            "evidence": "import",
        }
        for pk, r in tagged
        for t in r.tags
        if (pk, t) not in held
    ]
    bulk_insert_rows(ResidentTag, tags)


@contextmanager
def _sqlite_page_cache(rows: int) -> Iterator[None]:
    """A big import into SQLite updates a dozen indexes of a growing table: give this connection
    a larger page cache for the write (about 1 KB per row, 64 MB at most), then the default."""
    if connection.vendor != "sqlite" or rows < 10_000:
        yield
        return
    with connection.cursor() as cur:
        cur.execute("PRAGMA cache_size")
        before = int(cur.fetchone()[0])
        cur.execute(f"PRAGMA cache_size = -{min(65536, rows // 1000 * 1024)}")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA cache_size = {before}")


def import_residents(
    *,
    actor: Any,
    community: Community,
    source: Source,
    dry_run: bool,
    update_existing: bool = False,
    username: str = "",
) -> ImportReport:
    """Validate a resident sheet and, if every row is valid and not `dry_run`, write it all.

    `actor` None is the system (manage.py) acting with full scope. Raises NotInScope when the
    actor may not import into this community, ImportRefused for a file refused as a whole.
    """
    scope = _actor_scope(actor)
    visible = scope.visible_community_ids()
    if not scope.can_import or (visible is not None and community.pk not in visible):
        audit.record(
            audit.Action.IMPORT,
            actor=actor,
            object_type="registry.resident",
            community_id=community.pk,
            outcome=audit.Outcome.DENIED,
            username=username,
        )
        raise NotInScope(_("Your post may not import residents into this community."))
    report = ImportReport(dry_run=dry_run)
    try:
        sheet = _read(source)
        rows = _validate(
            sheet, community=community, scope=scope, update_existing=update_existing, report=report
        )
        if not dry_run and report.ok:
            with transaction.atomic(), _sqlite_page_cache(len(rows)):
                _write(rows, actor=actor, community=community)
            report.committed = True
    except ImportRefused as exc:
        _audit(actor, community, report, username, outcome=audit.Outcome.FAILURE, note=exc.message)
        raise
    _audit(
        actor,
        community,
        report,
        username,
        outcome=audit.Outcome.SUCCESS if (dry_run or report.committed) else audit.Outcome.FAILURE,
    )
    return report


def _audit(
    actor: Any,
    community: Community,
    report: ImportReport,
    username: str,
    *,
    outcome: str,
    note: str = "",
) -> None:
    counts = {
        "dry_run": report.dry_run,
        "rows": report.rows_read,
        "valid": report.valid,
        "create": report.to_create,
        "update": report.to_update,
        "invalid_rows": report.invalid_rows,
        "committed": report.committed,
    }
    summary = (
        f"{'dry run' if report.dry_run else 'commit'}: rows {report.rows_read}, "
        f"create {report.to_create}, update {report.to_update}, invalid {report.invalid_rows}"
    )
    if note:
        summary += " (file refused)"
    audit.record(
        audit.Action.IMPORT,
        actor=actor,
        object_type="registry.resident",
        community_id=community.pk,
        summary=summary,
        changes=counts,
        outcome=outcome,
        username=username or ("manage.py" if actor is None else ""),
    )


# --- error report -----------------------------------------------------------------------------
def errors_workbook(source: Source, report: ImportReport) -> bytes:
    """The header and every invalid row as uploaded, with a 错误原因 column."""
    sheet = _read(source)
    reasons: dict[int, list[str]] = {}
    for e in report.errors:
        reasons.setdefault(e.row, []).append(f"{e.label}：{e.reason}")
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    ws = wb.add_worksheet("错误")
    bold = wb.add_format({"bold": True})
    red = wb.add_format({"font_color": "#C00000", "text_wrap": True})
    header = [clean_text(c) for c in sheet.header_cells]
    width = len(header)
    ws.write_string(0, 0, "行号", bold)
    for col, text in enumerate(header):
        ws.write_string(0, col + 1, safe_cell(text), bold)
    ws.write_string(0, width + 1, ERROR_HEADER, bold)
    ws.set_column(width + 1, width + 1, 60)
    out_row = 1
    for number, cells in sheet.rows:
        if number not in reasons:
            continue
        ws.write_string(out_row, 0, str(number))
        for col in range(width):
            value = cells[col] if col < len(cells) else ""
            ws.write_string(out_row, col + 1, safe_cell(_cell_text(value)))
        ws.write_string(out_row, width + 1, safe_cell("；".join(reasons[number])), red)
        out_row += 1
    wb.close()
    return out.getvalue()


def _cell_text(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()[:10]
    return clean_text(value) if not isinstance(value, str) else value.strip()

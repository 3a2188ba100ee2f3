"""Export the user's filtered resident list as .xlsx, in constant memory.

The columns are the import template's (so an edited export can be imported again) plus 社区,
网格 and 状态. ID and phone numbers are masked unless the user's post may reveal them. Every
cell is written as a string and a value a spreadsheet could take for a formula is prefixed with
an apostrophe.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import xlsxwriter
from django.utils import timezone

from linli.core import audit
from linli.core.access import get_scope
from linli.core.errors import NotInScope
from linli.lib.id_card import mask_id_number
from linli.lib.phone import display_phone, mask_phone
from linli.registry import selectors
from linli.registry.importer import CHOICE_LABELS_ZH, TEMPLATE_COLUMNS, safe_cell
from linli.registry.models import RESTRICTED_TAGS, Membership, Resident, ResidentTag

EXTRA_HEADERS = ["社区", "网格", "状态"]
CHUNK = 2000


def _chunks(qs: Any) -> Iterator[list[Resident]]:
    buf: list[Resident] = []
    for r in qs.iterator(chunk_size=CHUNK):
        buf.append(r)
        if len(buf) >= CHUNK:
            yield buf
            buf = []
    if buf:
        yield buf


def export_residents(*, actor: Any, filters: selectors.ResidentFilters, stream: IO[bytes]) -> int:
    """Write the residents `filtered_residents(actor, filters)` returns to `stream`; the count."""
    scope = get_scope(actor)
    if not scope.can_export:
        audit.record(
            audit.Action.EXPORT,
            actor=actor,
            object_type="registry.resident",
            outcome=audit.Outcome.DENIED,
        )
        raise NotInScope("export")
    reveal = scope.can_reveal
    qs = (
        selectors.filtered_residents(actor, filters)
        .select_related("community", "grid", "building", "dwelling")
        .order_by("community_id", "building_id", "dwelling_id", "pk")
    )
    wb = xlsxwriter.Workbook(
        stream, {"constant_memory": True, "strings_to_formulas": False, "in_memory": False}
    )
    ws = wb.add_worksheet("居民")
    bold = wb.add_format({"bold": True})
    headers = [c.header for c in TEMPLATE_COLUMNS] + EXTRA_HEADERS
    for col, text in enumerate(headers):
        ws.write_string(0, col, text, bold)
        ws.set_column(col, col, 20 if col == 3 else 12)
    labels = CHOICE_LABELS_ZH
    today = timezone.localdate()
    count = 0
    row_no = 1
    for chunk in _chunks(qs):
        ids = [r.pk for r in chunk]
        relations = dict(
            Membership.objects.filter(resident_id__in=ids, left_on__isnull=True).values_list(
                "resident_id", "relation"
            )
        )
        tags: dict[int, list[str]] = {}
        for rid, tag in (
            ResidentTag.objects.current(today)
            .filter(resident_id__in=ids)
            .order_by("id")
            .values_list("resident_id", "tag")
        ):
            if tag in RESTRICTED_TAGS and not scope.can_see_restricted:
                continue
            tags.setdefault(rid, []).append(labels["tags"].get(tag, tag))
        for r in chunk:
            if r.id_number:
                id_text = r.id_number if reveal else mask_id_number(r.id_number)
            else:
                id_text = ""
            if r.phone:
                phone_text = display_phone(r.phone) if reveal else mask_phone(r.phone)
            else:
                phone_text = ""
            values = {
                "name": r.name,
                "sex": labels["sex"].get(r.sex, r.sex),
                "birth_date": r.birth_date.isoformat(),
                "id_number": id_text,
                "phone": phone_text,
                "hukou_type": labels["hukou_type"].get(r.hukou_type, r.hukou_type),
                "ethnicity": r.ethnicity,
                "education": labels["education"].get(r.education, r.education),
                "employment": labels["employment"].get(r.employment, r.employment),
                "marital_status": labels["marital_status"].get(r.marital_status, r.marital_status),
                "building": r.building.name if r.building else "",
                "entrance": str(r.dwelling.entrance) if r.dwelling else "",
                "room": r.dwelling.room if r.dwelling else "",
                "relation": labels["relation"].get(relations.get(r.pk, ""), ""),
                "tags": "、".join(tags.get(r.pk, [])),
                "disability_kind": labels["disability_kind"].get(
                    r.disability_kind, r.disability_kind
                ),
                "disability_grade": str(r.disability_grade) if r.disability_grade else "",
                "notes": r.notes,
            }
            cells = [values[c.field] for c in TEMPLATE_COLUMNS] + [
                r.community.name,
                r.grid.name if r.grid else "",
                labels["status"].get(r.status, r.status),
            ]
            for col, text in enumerate(cells):
                if text:
                    ws.write_string(row_no, col, safe_cell(text))
            row_no += 1
            count += 1
    wb.close()
    audit.record(
        audit.Action.EXPORT,
        actor=actor,
        object_type="registry.resident",
        community_id=filters.community,
        summary=f"rows {count}, {'full' if reveal else 'masked'}",
        changes={
            "rows": count,
            "masked": not reveal,
            "filters": {k: v for k, v in vars(filters).items() if k != "q" and v not in (None, "")}
            | ({"search": True} if filters.q else {}),
        },
    )
    return count

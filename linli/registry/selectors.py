"""Reads of the registry, always through the user's scope."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit, keys
from linli.core.access import Scope, get_scope
from linli.core.errors import DomainError, NotInScope
from linli.core.keys import blind
from linli.lib.id_card import IdNumberError, parse_id_number
from linli.lib.normalize import to_halfwidth
from linli.lib.phone import PhoneError, normalize_phone
from linli.lib.pinyin import looks_like_pinyin, search_key
from linli.org.models import Community, Grid
from linli.registry.models import (
    RESTRICTED_TAGS,
    Building,
    Household,
    Membership,
    Resident,
    ResidentTag,
    Tag,
)

PAGE_SIZE = 50


def years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def visible_residents(user: Any) -> QuerySet[Resident]:
    return get_scope(user).filter(Resident.objects.all())


def visible_buildings(user: Any) -> QuerySet[Building]:
    return get_scope(user).filter(Building.objects.all())


def visible_households(user: Any) -> QuerySet[Household]:
    return get_scope(user).filter(
        Household.objects.all(), "dwelling__building__community", "dwelling__building__grid"
    )


def visible_communities(user: Any) -> QuerySet[Community]:
    ids = get_scope(user).visible_community_ids()
    qs = Community.objects.all()
    return qs if ids is None else qs.filter(id__in=ids)


def visible_grids(user: Any) -> QuerySet[Grid]:
    scope = get_scope(user)
    qs = Grid.objects.select_related("community")
    if scope.is_operator:
        return qs
    return qs.filter(Q(community_id__in=scope.community_ids) | Q(id__in=scope.grid_ids))


def visible_tags(user: Any) -> list[tuple[str, str]]:
    scope = get_scope(user)
    return [
        (value, str(label))
        for value, label in Tag.choices
        if value not in RESTRICTED_TAGS or scope.can_see_restricted
    ]


# --- search ---------------------------------------------------------------------------------
_ID_LIKE = re.compile(r"^[0-9]{14}[0-9xX]$|^[0-9]{17}[0-9xX]$")
_PHONE_LIKE = re.compile(r"^[0-9()+\- ]{7,20}$")
_ADDRESS = re.compile(
    r"^(?P<building>\d+(?:栋|号楼|幢|座)?|[^\d\s]+\d*(?:栋|号楼|幢|座))"
    r"\s*(?:(?P<entrance>\d+)(?:单元|-))?\s*-?(?P<room>\d{3,4})?室?$"
)


def classify_query(text: str) -> tuple[str, str]:
    """What a search box query is: ('id'|'phone'|'pinyin'|'address'|'name', normalised value)."""
    q = to_halfwidth(text).strip()
    compact = q.replace(" ", "")
    if _ID_LIKE.match(compact):
        try:
            return "id", parse_id_number(compact).number
        except IdNumberError:
            return "id", ""
    if _PHONE_LIKE.match(q) and sum(ch.isdigit() for ch in q) >= 7:
        try:
            return "phone", normalize_phone(q, allow_landline=True)
        except PhoneError:
            return "phone", ""
    if looks_like_pinyin(compact):
        return "pinyin", search_key(compact)
    m = _ADDRESS.match(compact)
    if m and (m.group("room") or any(ch.isdigit() for ch in m.group("building"))):
        return "address", compact
    return "name", compact


# Longer pinyin queries are taken as full pinyin only (a compound surname and two given
# characters make four initials; five leaves room for longer names).
MAX_INITIALS = 5


def search_condition(text: str) -> Q:
    kind, value = classify_query(text)
    if kind == "id":
        return Q(id_number_hash=blind(value)) if value else Q(pk__in=[])
    if kind == "phone":
        return Q(phone_hash=blind(value)) if value else Q(pk__in=[])
    if kind == "pinyin":
        if len(value) > MAX_INITIALS:  # too long for initials: full pinyin, one index range
            return _prefix_range("name_pinyin", value)
        # Initials and full pinyin both start with the first letter: the range on name_pinyin
        # lets PostgreSQL walk one slice of the (name_pinyin, id) index instead of all of it.
        return _prefix_range("name_pinyin", value[0]) & (
            _prefix_range("name_initials", value) | _prefix_range("name_pinyin", value)
        )
    if kind == "address":
        m = _ADDRESS.match(value)
        assert m is not None
        building = m.group("building")
        if building.isdigit():
            cond = Q(building__name=f"{building}栋") | Q(building__code=building)
        else:
            cond = Q(building__name=building)
        if m.group("entrance"):
            cond &= Q(dwelling__entrance=int(m.group("entrance")))
        if m.group("room"):
            cond &= Q(dwelling__room=m.group("room"))
        return cond | Q(name__startswith=value)
    if len(value) == 1:
        return _surname_condition(value)
    return Q(name__startswith=value)


def _surname_condition(char: str) -> Q:
    """A one-character query is a surname; the res_surname index serves it in list order."""
    return Q(Exact(Substr("name", 1, 1), char))


def _prefix_range(field: str, prefix: str) -> Q:
    """`field` starts with the lower-case ASCII `prefix`, written as a range: unlike LIKE, a range
    can use an ordinary b-tree index under any collation, and keeps the index's order."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": upper})


# --- lists ----------------------------------------------------------------------------------
@dataclass
class ResidentFilters:
    q: str = ""
    community: int | None = None
    grid: int | None = None
    building: int | None = None
    tag: str = ""
    age_min: int | None = None
    age_max: int | None = None
    sex: str = ""
    hukou_type: str = ""
    status: str = Resident.Status.ACTIVE

    @classmethod
    def from_params(cls, params: Any) -> ResidentFilters:
        def number(key: str) -> int | None:
            value = str(params.get(key, "") or "").strip()
            return int(value) if value.isdigit() else None

        status = str(params.get("status", Resident.Status.ACTIVE) or "")
        return cls(
            q=str(params.get("q", "") or "").strip(),
            community=number("community"),
            grid=number("grid"),
            building=number("building"),
            tag=str(params.get("tag", "") or "").strip(),
            age_min=number("age_min"),
            age_max=number("age_max"),
            sex=str(params.get("sex", "") or "").strip(),
            hukou_type=str(params.get("hukou_type", "") or "").strip(),
            status=status if status in {*Resident.Status.values, "all"} else "active",
        )


def filtered_residents(user: Any, filters: ResidentFilters) -> QuerySet[Resident]:
    scope = get_scope(user)
    qs = scope.filter(Resident.objects.all())
    today = timezone.localdate()
    if filters.status and filters.status != "all":
        qs = qs.filter(status=filters.status)
    if filters.community:
        qs = qs.filter(community_id=filters.community)
    if filters.grid:
        qs = qs.filter(grid_id=filters.grid)
    if filters.building:
        qs = qs.filter(building_id=filters.building)
    if filters.sex in Resident.Sex.values:
        qs = qs.filter(sex=filters.sex)
    if filters.hukou_type in Resident.HukouType.values:
        qs = qs.filter(hukou_type=filters.hukou_type)
    if filters.age_min is not None:
        qs = qs.filter(birth_date__lte=years_ago(today, filters.age_min))
    if filters.age_max is not None:
        qs = qs.filter(birth_date__gt=years_ago(today, filters.age_max + 1))
    if filters.tag:
        if filters.tag in RESTRICTED_TAGS and not scope.can_see_restricted:
            audit.refused(
                actor=user, object_type="registry.resident", summary=f"list tag {filters.tag}"
            )
            raise NotInScope(_("Your post may not list this group."))
        if filters.tag == Tag.ELDERLY_80:
            qs = qs.filter(birth_date__lte=years_ago(today, 80))
        elif filters.tag in Tag.values:
            qs = qs.filter(
                Exists(
                    ResidentTag.objects.current(today).filter(
                        resident=OuterRef("pk"), tag=filters.tag
                    )
                )
            )
        else:
            raise DomainError(_("Unknown special group."))
    if filters.q:
        qs = qs.filter(search_condition(filters.q))
    return qs


@dataclass
class ResidentPage:
    rows: list[Resident]
    next_cursor: str | None
    is_first: bool
    tags: dict[int, list[str]] = field(default_factory=dict)


CURSOR_CONTEXT = "residents"


def encode_cursor(resident: Resident) -> str:
    """The position after `resident`, encrypted: it holds the name's pinyin, which must not reach
    a URL or an access log, and a client cannot forge one."""
    raw = json.dumps([CURSOR_CONTEXT, resident.name_pinyin, resident.pk], ensure_ascii=True)
    return keys.encrypt(raw).removeprefix("v1:")


def decode_cursor(cursor: str) -> tuple[str, int] | None:
    try:
        context, key, pk = json.loads(keys.decrypt(f"v1:{cursor}"))
        if context != CURSOR_CONTEXT:
            return None
        return str(key), int(pk)
    except (ValueError, TypeError):
        return None


def resident_page(
    user: Any, filters: ResidentFilters, *, after: str = "", limit: int = PAGE_SIZE
) -> ResidentPage:
    """One page of residents in (pinyin, id) order; keyset pagination, no COUNT(*)."""
    qs = filtered_residents(user, filters)
    position = decode_cursor(after) if after else None
    if after and position is None:
        raise DomainError(_("The cursor is not valid; start again from the first page."))
    if position is not None:
        key, pk = position
        # The leading >= lets the database seek in the (name_pinyin, id) index rather than scan.
        qs = qs.filter(
            Q(name_pinyin__gte=key) & (Q(name_pinyin__gt=key) | Q(name_pinyin=key, pk__gt=pk))
        )
    rows = list(
        qs.select_related("building", "dwelling", "grid").order_by("name_pinyin", "pk")[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    page = ResidentPage(
        rows=rows,
        next_cursor=encode_cursor(rows[-1]) if more and rows else None,
        is_first=position is None,
    )
    page.tags = current_tags(user, [r.pk for r in rows], rows)
    return page


def current_tags(
    user: Any, ids: list[int], rows: list[Resident] | None = None
) -> dict[int, list[str]]:
    """Tag codes per resident for display; restricted tags only for those who may see them."""
    scope = get_scope(user)
    out: dict[int, list[str]] = {pk: [] for pk in ids}
    tags = (
        ResidentTag.objects.current().filter(resident_id__in=ids).values_list("resident_id", "tag")
    )
    for rid, tag in tags:
        if tag in RESTRICTED_TAGS and not scope.can_see_restricted:
            continue
        out[rid].append(tag)
    today = timezone.localdate()
    for r in rows or []:
        if r.age(today) >= 80:
            out[r.pk].append(Tag.ELDERLY_80.value)
    return out


def get_resident(user: Any, pk: int) -> Resident:
    """A resident in the user's scope, or NotInScope (the caller answers 404 and logs it)."""
    resident = (
        visible_residents(user)
        .select_related("community", "grid", "building", "dwelling", "household")
        .filter(pk=pk)
        .first()
    )
    if resident is None:
        raise NotInScope(_("No such resident in your area."))
    return resident


@dataclass
class ResidentDetail:
    resident: Resident
    tags: list[ResidentTag]
    derived_tags: list[str]
    memberships: list[Membership]
    household_members: list[Membership]
    viewers: list[Any]


def resident_detail(user: Any, pk: int) -> ResidentDetail:
    from linli.core.models import AuditLog

    scope = get_scope(user)
    resident = get_resident(user, pk)
    tags = list(resident.tags.all().order_by("-valid_from", "-id"))
    if not scope.can_see_restricted:
        tags = [t for t in tags if t.tag not in RESTRICTED_TAGS]
    members: list[Membership] = []
    if resident.household_id:
        members = list(
            Membership.objects.filter(household_id=resident.household_id, left_on__isnull=True)
            .select_related("resident")
            .order_by("joined_on", "id")
        )
    viewers = list(
        AuditLog.objects.filter(
            object_type="registry.resident",
            object_id=str(resident.pk),
            action__in=["view", "reveal", "update", "create"],
        ).order_by("-id")[:20]
    )
    return ResidentDetail(
        resident=resident,
        tags=tags,
        derived_tags=[Tag.ELDERLY_80.value] if resident.is_elderly_80 else [],
        memberships=list(
            resident.memberships.select_related("household__dwelling__building").order_by(
                "-joined_on", "-id"
            )
        ),
        household_members=members,
        viewers=viewers,
    )


def household_detail(user: Any, pk: int) -> tuple[Household, list[Membership]]:
    household = (
        visible_households(user).select_related("dwelling__building", "head").filter(pk=pk).first()
    )
    if household is None:
        raise NotInScope(_("No such household in your area."))
    memberships = list(
        household.memberships.select_related("resident").order_by("left_on", "joined_on", "id")
    )
    return household, memberships


def building_detail(user: Any, pk: int) -> tuple[Building, list[dict[str, Any]]]:
    building = visible_buildings(user).select_related("grid", "community").filter(pk=pk).first()
    if building is None:
        raise NotInScope(_("No such building in your area."))
    scope = get_scope(user)
    dwellings = []
    residents = Resident.objects.filter(building=building, status=Resident.Status.ACTIVE)
    by_dwelling: dict[int, list[Resident]] = {}
    for r in residents.order_by("dwelling_id", "birth_date"):
        if r.dwelling_id is not None:
            by_dwelling.setdefault(r.dwelling_id, []).append(r)
    for d in building.dwellings.all().order_by("entrance", "floor", "room"):
        dwellings.append({"dwelling": d, "residents": by_dwelling.get(d.pk, [])})
    assert scope.covers(building.community_id, building.grid_id)
    return building, dwellings


def building_list(user: Any, community: int | None = None) -> list[dict[str, Any]]:
    qs = visible_buildings(user).select_related("grid", "community")
    if community:
        qs = qs.filter(community_id=community)
    counts = dict(
        Resident.objects.filter(status=Resident.Status.ACTIVE, building__in=qs)
        .values_list("building_id")
        .annotate(n=Count("id"))
        .values_list("building_id", "n")
    )
    dwellings = dict(qs.annotate(n=Count("dwellings")).values_list("id", "n"))
    return [
        {"building": b, "residents": counts.get(b.pk, 0), "dwellings": dwellings.get(b.pk, 0)}
        for b in qs.order_by("community_id", "code")
    ]


# --- community profile ----------------------------------------------------------------------
AGE_BANDS = [(0, 6), (7, 17), (18, 34), (35, 59), (60, 69), (70, 79), (80, 200)]


def community_profile(user: Any, community: int | None = None) -> dict[str, Any]:
    scope: Scope = get_scope(user)
    residents = scope.filter(Resident.objects.filter(status=Resident.Status.ACTIVE))
    buildings = scope.filter(Building.objects.all())
    if community:
        residents = residents.filter(community_id=community)
        buildings = buildings.filter(community_id=community)
    today = timezone.localdate()

    band_sex: dict[str, dict[str, int]] = {}
    aggregates: dict[str, Any] = {}
    for low, high in AGE_BANDS:
        label = f"{low}-{high}" if high < 200 else f"{low}+"
        for sex in ("M", "F"):
            aggregates[f"{label}|{sex}"] = Count(
                "id",
                filter=Q(
                    sex=sex,
                    birth_date__lte=years_ago(today, low),
                    birth_date__gt=years_ago(today, high + 1),
                ),
            )
    aggregates["total"] = Count("id")
    for value in Resident.HukouType.values:
        aggregates[f"hukou|{value}"] = Count("id", filter=Q(hukou_type=value))
    result = residents.aggregate(**aggregates)
    for low, high in AGE_BANDS:
        label = f"{low}-{high}" if high < 200 else f"{low}+"
        band_sex[label] = {sex: result[f"{label}|{sex}"] for sex in ("M", "F")}

    tag_counts = dict(
        ResidentTag.objects.current(today)
        .filter(resident__in=residents)
        .values_list("tag")
        .annotate(n=Count("resident_id", distinct=True))
        .values_list("tag", "n")
    )
    groups = []
    for value, tag_label in Tag.choices:
        if value in RESTRICTED_TAGS and not scope.can_see_restricted:
            continue
        if value == Tag.ELDERLY_80:
            n = sum(band_sex["80+"].values())
        else:
            n = tag_counts.get(value, 0)
        groups.append({"tag": value, "label": str(tag_label), "count": n})

    households = scope.filter(
        Household.objects.filter(dissolved_on__isnull=True),
        "dwelling__building__community",
        "dwelling__building__grid",
    )
    if community:
        households = households.filter(dwelling__building__community_id=community)
    return {
        "total": result["total"],
        "age_sex": band_sex,
        "hukou": [
            {"value": v, "label": str(label), "count": result[f"hukou|{v}"]}
            for v, label in Resident.HukouType.choices
        ],
        "groups": groups,
        "buildings": buildings.count(),
        "dwellings": buildings.aggregate(n=Count("dwellings"))["n"] or 0,
        "households": households.count(),
    }

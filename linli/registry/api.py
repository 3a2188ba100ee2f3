"""The registry's staff API: residents and households, list, detail and search.

Every read goes through linli.registry.selectors (the same scoping as the pages) and every
audited event through linli.registry.services or linli.core.audit, exactly as the views do.
Full ID and phone numbers never appear in a response except from the audited reveal endpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Literal, TypeVar

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from linli.core import audit
from linli.core.errors import DomainError, NotInScope
from linli.registry import selectors, services
from linli.registry.models import Household, Membership, Resident, ResidentTag

router = Router(tags=["registry"])

T = TypeVar("T")
MAX_LIMIT = 200
DEFAULT_LIMIT = 50

Sex = Literal["M", "F"]
HukouType = Literal["local", "nonlocal", "separated"]
Status = Literal["active", "moved_out", "deceased", "all"]


# --- schemas ----------------------------------------------------------------------------------
class Error(Schema):
    detail: str


class ResidentFiltersIn(Schema):
    """Filters shared by the list and the search (the same as the resident list page)."""

    community: int | None = Field(None, ge=1, description="Community id.")
    grid: int | None = Field(None, ge=1, description="Grid id.")
    building: int | None = Field(None, ge=1, description="Building id.")
    tag: str = Field("", max_length=40, description="Special-group code, e.g. dibao, elderly_80.")
    age_min: int | None = Field(None, ge=0, le=150)
    age_max: int | None = Field(None, ge=0, le=150)
    sex: Sex | None = None
    hukou_type: HukouType | None = None
    status: Status = "active"


class PageIn(Schema):
    after: str = Field("", max_length=500, description="The next_cursor of the previous page.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class ResidentListIn(ResidentFiltersIn, PageIn):
    pass


class ResidentSearchIn(ResidentFiltersIn, PageIn):
    q: str = Field(
        ...,
        min_length=1,
        max_length=100,
        description="A name, pinyin, initials, address (7栋2单元301), ID or phone number.",
    )


class ResidentOut(Schema):
    id: int
    name: str
    sex: str
    birth_date: date
    age: int
    id_number_masked: str
    phone_masked: str
    hukou_type: str
    status: str
    community_id: int
    grid_id: int | None
    building_id: int | None
    building: str | None
    dwelling_id: int | None
    dwelling: str | None
    household_id: int | None
    tags: list[str]


class ResidentPageOut(Schema):
    items: list[ResidentOut]
    next_cursor: str | None


class TagOut(Schema):
    id: int
    tag: str
    evidence: str
    valid_from: date
    valid_to: date | None
    review_date: date | None
    end_reason: str
    is_current: bool


class MemberOut(Schema):
    resident_id: int
    name: str
    relation: str
    joined_on: date
    left_on: date | None


class MembershipOut(Schema):
    household_id: int
    building: str
    dwelling: str
    relation: str
    joined_on: date
    left_on: date | None
    left_reason: str


class ResidentDetailOut(ResidentOut):
    ethnicity: str
    education: str
    employment: str
    marital_status: str
    disability_kind: str
    disability_grade: int | None
    notes: str
    created_at: datetime
    updated_at: datetime
    tag_history: list[TagOut]
    household_members: list[MemberOut]
    memberships: list[MembershipOut]


class RevealIn(Schema):
    field: Literal["id_number", "phone"]


class RevealOut(Schema):
    field: str
    value: str


class HouseholdListIn(PageIn):
    community: int | None = Field(None, ge=1)
    building: int | None = Field(None, ge=1)


class HouseholdOut(Schema):
    id: int
    number: str
    community_id: int
    grid_id: int
    building_id: int
    building: str
    dwelling_id: int
    dwelling: str
    head_id: int | None
    head_name: str | None
    member_count: int
    dissolved_on: date | None


class HouseholdPageOut(Schema):
    items: list[HouseholdOut]
    next_cursor: str | None


class HouseholdMemberOut(MemberOut):
    left_reason: str
    is_current: bool


class HouseholdDetailOut(HouseholdOut):
    created_at: datetime
    members: list[HouseholdMemberOut]


# --- helpers ----------------------------------------------------------------------------------
def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def in_scope_or_404(request: HttpRequest, object_type: str, pk: int, fn: Callable[[], T]) -> T:
    """Run a scoped read; a miss is a 404 and an audited refusal (as the pages do)."""
    try:
        return fn()
    except NotInScope as exc:
        audit.refused(actor=_user(request), object_type=object_type, object_id=pk)
        raise HttpError(404, exc.message) from exc


def _filters(data: ResidentFiltersIn, q: str = "") -> selectors.ResidentFilters:
    if data.age_min is not None and data.age_max is not None and data.age_min > data.age_max:
        raise HttpError(400, _("age_min is greater than age_max."))
    return selectors.ResidentFilters(
        q=q,
        community=data.community,
        grid=data.grid,
        building=data.building,
        tag=data.tag.strip(),
        age_min=data.age_min,
        age_max=data.age_max,
        sex=data.sex or "",
        hukou_type=data.hukou_type or "",
        status=data.status,
    )


def _resident_out(r: Resident, tags: list[str], today: date) -> dict[str, Any]:
    return {
        "id": r.pk,
        "name": r.name,
        "sex": r.sex,
        "birth_date": r.birth_date,
        "age": r.age(today),
        "id_number_masked": r.id_number_masked,
        "phone_masked": r.phone_masked,
        "hukou_type": r.hukou_type,
        "status": r.status,
        "community_id": r.community_id,
        "grid_id": r.grid_id,
        "building_id": r.building_id,
        "building": r.building.name if r.building_id and r.building else None,
        "dwelling_id": r.dwelling_id,
        "dwelling": str(r.dwelling.label) if r.dwelling_id and r.dwelling else None,
        "household_id": r.household_id,
        "tags": tags,
    }


def _resident_page(
    request: HttpRequest, data: ResidentListIn | ResidentSearchIn, q: str = ""
) -> Any:
    user = _user(request)
    filters = _filters(data, q)
    try:
        page = selectors.resident_page(user, filters, after=data.after, limit=data.limit)
    except NotInScope as exc:
        raise HttpError(403, exc.message) from exc
    except DomainError as exc:
        raise HttpError(400, exc.message) from exc
    today = timezone.localdate()
    return {
        "items": [_resident_out(r, page.tags.get(r.pk, []), today) for r in page.rows],
        "next_cursor": page.next_cursor,
    }


ERRORS = {400: Error, 401: Error, 403: Error}


# --- residents --------------------------------------------------------------------------------
@router.get("/residents", response={200: ResidentPageOut, **ERRORS}, summary="List residents")
def resident_list(request: HttpRequest, filters: Query[ResidentListIn]) -> Any:
    """Residents in your area, in pinyin order, one page at a time (keyset pagination).

    Masked ID and phone only. Search by name, ID or phone is `POST /residents/search`.
    """
    return _resident_page(request, filters)


@router.post(
    "/residents/search", response={200: ResidentPageOut, **ERRORS}, summary="Search residents"
)
def resident_search(request: HttpRequest, body: ResidentSearchIn) -> Any:
    """Search by name, pinyin, address, ID or phone. A POST, so that the query never appears in a
    URL or an access log. Searches by ID or phone number are written to the audit log."""
    q = body.q.strip()
    if not q:
        raise HttpError(400, _("The search text is empty."))
    kind, _value = selectors.classify_query(q)
    if kind in {"id", "phone"}:
        audit.record(audit.Action.SEARCH, actor=_user(request), summary=kind)
    return _resident_page(request, body, q)


@router.get(
    "/residents/{resident_id}",
    response={200: ResidentDetailOut, 401: Error, 404: Error},
    summary="A resident's full record",
)
def resident_detail(request: HttpRequest, resident_id: int) -> Any:
    """The full record (masked ID and phone). Every call is written to the audit log."""
    user = _user(request)
    detail = in_scope_or_404(
        request,
        "registry.resident",
        resident_id,
        lambda: selectors.resident_detail(user, resident_id),
    )
    r = detail.resident
    services.resident_viewed(actor=user, resident=r)
    today = timezone.localdate()
    tags = selectors.current_tags(user, [r.pk], [r]).get(r.pk, [])
    out = _resident_out(r, tags, today)
    out.update(
        ethnicity=r.ethnicity,
        education=r.education,
        employment=r.employment,
        marital_status=r.marital_status,
        disability_kind=r.disability_kind,
        disability_grade=r.disability_grade,
        notes=r.notes,
        created_at=r.created_at,
        updated_at=r.updated_at,
        tag_history=[_tag_out(t, today) for t in detail.tags],
        household_members=[
            {
                "resident_id": m.resident_id,
                "name": m.resident.name,
                "relation": m.relation,
                "joined_on": m.joined_on,
                "left_on": m.left_on,
            }
            for m in detail.household_members
        ],
        memberships=[
            {
                "household_id": m.household_id,
                "building": m.household.dwelling.building.name,
                "dwelling": str(m.household.dwelling.label),
                "relation": m.relation,
                "joined_on": m.joined_on,
                "left_on": m.left_on,
                "left_reason": m.left_reason,
            }
            for m in detail.memberships
        ],
    )
    return out


def _tag_out(t: ResidentTag, today: date) -> dict[str, Any]:
    return {
        "id": t.pk,
        "tag": t.tag,
        "evidence": t.evidence,
        "valid_from": t.valid_from,
        "valid_to": t.valid_to,
        "review_date": t.review_date,
        "end_reason": t.end_reason,
        "is_current": t.is_current(today),
    }


@router.post(
    "/residents/{resident_id}/reveal",
    response={200: RevealOut, 400: Error, 401: Error, 403: Error, 404: Error},
    summary="Reveal a full ID or phone number",
)
def resident_reveal(request: HttpRequest, resident_id: int, body: RevealIn) -> Any:
    """The full value of one masked field, for posts that may see it. Always audited, also when
    refused (403)."""
    user = _user(request)
    resident = in_scope_or_404(
        request,
        "registry.resident",
        resident_id,
        lambda: selectors.get_resident(user, resident_id),
    )
    try:
        value = services.resident_reveal(actor=user, resident=resident, field=body.field)
    except NotInScope as exc:
        raise HttpError(403, exc.message) from exc
    except DomainError as exc:
        raise HttpError(400, exc.message) from exc
    return {"field": body.field, "value": value}


# --- households -------------------------------------------------------------------------------
def _household_out(h: Household, member_count: int) -> dict[str, Any]:
    dwelling = h.dwelling
    building = dwelling.building
    return {
        "id": h.pk,
        "number": h.number,
        "community_id": building.community_id,
        "grid_id": building.grid_id,
        "building_id": building.pk,
        "building": building.name,
        "dwelling_id": dwelling.pk,
        "dwelling": str(dwelling.label),
        "head_id": h.head_id,
        "head_name": h.head.name if h.head_id and h.head else None,
        "member_count": member_count,
        "dissolved_on": h.dissolved_on,
    }


@router.get("/households", response={200: HouseholdPageOut, **ERRORS}, summary="List households")
def household_list(request: HttpRequest, filters: Query[HouseholdListIn]) -> Any:
    """Households in your area, ordered by id (keyset pagination)."""
    user = _user(request)
    qs = selectors.visible_households(user)
    if filters.community:
        qs = qs.filter(dwelling__building__community_id=filters.community)
    if filters.building:
        qs = qs.filter(dwelling__building_id=filters.building)
    if filters.after:
        if not filters.after.isdigit():
            raise HttpError(400, _("The cursor is not valid; start again from the first page."))
        qs = qs.filter(pk__gt=int(filters.after))
    rows = list(
        qs.select_related("dwelling__building", "head")
        .annotate(member_count=Count("memberships", filter=Q(memberships__left_on__isnull=True)))
        .order_by("pk")[: filters.limit + 1]
    )
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    return {
        "items": [_household_out(h, h.member_count) for h in rows],  # type: ignore[attr-defined]
        "next_cursor": str(rows[-1].pk) if more and rows else None,
    }


@router.get(
    "/households/{household_id}",
    response={200: HouseholdDetailOut, 401: Error, 404: Error},
    summary="A household and its members",
)
def household_detail(request: HttpRequest, household_id: int) -> Any:
    """The household with its current and past memberships."""
    user = _user(request)
    household, memberships = in_scope_or_404(
        request,
        "registry.household",
        household_id,
        lambda: selectors.household_detail(user, household_id),
    )
    members = [_member_out(m) for m in memberships]
    out = _household_out(household, sum(1 for m in memberships if m.left_on is None))
    out.update(created_at=household.created_at, members=members)
    return out


def _member_out(m: Membership) -> dict[str, Any]:
    return {
        "resident_id": m.resident_id,
        "name": m.resident.name,
        "relation": m.relation,
        "joined_on": m.joined_on,
        "left_on": m.left_on,
        "left_reason": m.left_reason,
        "is_current": m.left_on is None,
    }

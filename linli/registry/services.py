"""Every write to the registry: atomic, audited, refused outside the actor's scope."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit
from linli.core.access import get_scope
from linli.core.errors import DomainError, NotInScope
from linli.core.keys import blind
from linli.lib.pinyin import name_pinyin
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
from linli.registry.validation import InvalidInput, ResidentData

AUDITED_FIELDS = (
    "name",
    "sex",
    "birth_date",
    "id_number",
    "phone",
    "hukou_type",
    "ethnicity",
    "education",
    "employment",
    "marital_status",
    "disability_kind",
    "disability_grade",
    "notes",
    "status",
    "household_id",
    "dwelling_id",
)


def _snapshot(resident: Resident) -> dict[str, Any]:
    return {f: getattr(resident, f) for f in AUDITED_FIELDS}


def _check_place(actor: Any, community_id: int, grid_id: int | None) -> None:
    if not get_scope(actor).covers(community_id, grid_id):
        audit.refused(actor=actor, object_type="registry.resident", community_id=community_id)
        raise NotInScope(_("This place is outside the area you are assigned to."))


def resident_values(data: ResidentData, *, id_hash: str | None = None) -> dict[str, Any]:
    """A resident's field values from clean data, with the derived search and lookup fields
    (`id_hash`: the ID number's keyed hash when the caller has computed it already)."""
    values = {field.name: getattr(data, field.name) for field in fields(data)}
    values["name_pinyin"], values["name_initials"] = name_pinyin(data.name)
    values["id_number_hash"] = (id_hash or blind(data.id_number)) if data.id_number else None
    values["phone_hash"] = blind(data.phone) if data.phone else ""
    return values


def apply_resident_data(resident: Resident, data: ResidentData) -> None:
    """Copy clean data onto a resident, with the derived search and lookup fields."""
    for key, value in resident_values(data).items():
        setattr(resident, key, value)


def _place_fields(resident: Resident, household: Household | None) -> None:
    if household is None:
        resident.household = None
        resident.dwelling = None
        resident.building = None
        resident.grid = None
        return
    dwelling = household.dwelling
    building = dwelling.building
    resident.household = household
    resident.dwelling = dwelling
    resident.building = building
    resident.grid_id = building.grid_id
    resident.community_id = building.community_id


def _id_taken(data: ResidentData, exclude_pk: int | None = None) -> bool:
    if not data.id_number:
        return False
    qs = Resident.objects.filter(id_number_hash=blind(data.id_number))
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


@transaction.atomic
def resident_create(
    *,
    actor: Any,
    community: Community,
    data: ResidentData,
    household: Household | None = None,
    relation: str = Membership.Relation.HEAD,
    on: date | None = None,
) -> Resident:
    on = on or timezone.localdate()
    grid_id = household.dwelling.building.grid_id if household else None
    _check_place(actor, community.pk, grid_id)
    if _id_taken(data):
        raise InvalidInput(
            {"id_number": [_("a resident with this ID number is already registered")]}
        )
    resident = Resident(community=community, created_by=actor, updated_by=actor)
    apply_resident_data(resident, data)
    _place_fields(resident, household)
    try:
        with transaction.atomic():
            resident.save()
    except IntegrityError as exc:
        raise InvalidInput(
            {"id_number": [_("a resident with this ID number is already registered")]}
        ) from exc
    if household is not None:
        Membership.objects.create(
            household=household, resident=resident, relation=relation, joined_on=on
        )
        if relation == Membership.Relation.HEAD and household.head_id is None:
            household.head = resident
            household.save(update_fields=["head"])
    audit.record(
        audit.Action.CREATE,
        actor=actor,
        obj=resident,
        changes=audit.diff({}, _snapshot(resident), secret=Resident.SECRET_FIELDS),
    )
    return resident


@transaction.atomic
def resident_update(*, actor: Any, resident: Resident, data: ResidentData) -> Resident:
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    _check_place(actor, resident.community_id, resident.grid_id)
    if _id_taken(data, exclude_pk=resident.pk):
        raise InvalidInput(
            {"id_number": [_("a resident with this ID number is already registered")]}
        )
    before = _snapshot(resident)
    apply_resident_data(resident, data)
    resident.updated_by = actor
    resident.save()
    changes = audit.diff(before, _snapshot(resident), secret=Resident.SECRET_FIELDS)
    if changes:
        audit.record(audit.Action.UPDATE, actor=actor, obj=resident, changes=changes)
    return resident


def _close_membership(resident: Resident, on: date, reason: str) -> None:
    Membership.objects.filter(resident=resident, left_on__isnull=True).update(
        left_on=on, left_reason=reason[:200]
    )


@transaction.atomic
def resident_move(
    *,
    actor: Any,
    resident: Resident,
    household: Household,
    relation: str,
    on: date | None = None,
    reason: str = "",
) -> Resident:
    """Move a resident into another household (in the same or another dwelling); history kept."""
    on = on or timezone.localdate()
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    _check_place(actor, resident.community_id, resident.grid_id)
    building = household.dwelling.building
    _check_place(actor, building.community_id, building.grid_id)
    if resident.household_id == household.pk:
        raise DomainError(_("The resident already belongs to this household."))
    before = _snapshot(resident)
    _close_membership(resident, on, reason or _("moved to another household"))
    old_household_id = resident.household_id
    Membership.objects.create(
        household=household, resident=resident, relation=relation, joined_on=on
    )
    _place_fields(resident, household)
    resident.status = Resident.Status.ACTIVE
    resident.updated_by = actor
    resident.save()
    if old_household_id:
        Household.objects.filter(pk=old_household_id, head=resident).update(head=None)
    if relation == Membership.Relation.HEAD:
        Household.objects.filter(pk=household.pk).update(head=resident)
    audit.record(
        audit.Action.UPDATE,
        actor=actor,
        obj=resident,
        summary="move",
        changes=audit.diff(before, _snapshot(resident), secret=Resident.SECRET_FIELDS),
    )
    return resident


@transaction.atomic
def resident_move_out(
    *,
    actor: Any,
    resident: Resident,
    on: date | None = None,
    reason: str = "",
    deceased: bool = False,
) -> Resident:
    """The resident leaves the community (or has died); the record and its history stay."""
    on = on or timezone.localdate()
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    _check_place(actor, resident.community_id, resident.grid_id)
    before = _snapshot(resident)
    _close_membership(resident, on, reason or (_("deceased") if deceased else _("moved out")))
    if resident.household_id:
        Household.objects.filter(pk=resident.household_id, head=resident).update(head=None)
    resident.household = None
    resident.dwelling = None
    resident.status = Resident.Status.DECEASED if deceased else Resident.Status.MOVED_OUT
    resident.updated_by = actor
    resident.save()
    audit.record(
        audit.Action.UPDATE,
        actor=actor,
        obj=resident,
        summary="move_out",
        changes=audit.diff(before, _snapshot(resident), secret=Resident.SECRET_FIELDS),
    )
    return resident


@transaction.atomic
def household_create(*, actor: Any, dwelling: Dwelling, number: str = "") -> Household:
    building = dwelling.building
    _check_place(actor, building.community_id, building.grid_id)
    household = Household.objects.create(dwelling=dwelling, number=number)
    audit.record(
        audit.Action.CREATE, actor=actor, obj=household, community_id=building.community_id
    )
    return household


@transaction.atomic
def dwelling_get_or_create(
    *, actor: Any, building: Building, entrance: int, room: str, floor: int | None = None
) -> Dwelling:
    _check_place(actor, building.community_id, building.grid_id)
    if floor is None:
        digits = "".join(ch for ch in room if ch.isdigit())
        floor = int(digits[:-2]) if len(digits) > 2 else 1
    dwelling, created = Dwelling.objects.get_or_create(
        building=building, entrance=entrance, room=room, defaults={"floor": floor}
    )
    if created:
        audit.record(
            audit.Action.CREATE, actor=actor, obj=dwelling, community_id=building.community_id
        )
    return dwelling


@transaction.atomic
def tag_add(
    *,
    actor: Any,
    resident: Resident,
    tag: str,
    evidence: str = "",
    valid_from: date | None = None,
    valid_to: date | None = None,
    review_date: date | None = None,
) -> ResidentTag:
    scope = get_scope(actor)
    _check_place(actor, resident.community_id, resident.grid_id)
    if tag not in Tag.values:
        raise InvalidInput({"tag": [_("unknown special group")]})
    if tag in DERIVED_TAGS:
        raise InvalidInput({"tag": [_("this group follows from the birth date by itself")]})
    if tag in RESTRICTED_TAGS and not scope.can_see_restricted:
        raise NotInScope(_("Only the governance post and the head may record this group."))
    valid_from = valid_from or timezone.localdate()
    if valid_to is not None and valid_to < valid_from:
        raise InvalidInput({"valid_to": [_("the end date is before the start date")]})
    if ResidentTag.objects.filter(resident=resident, tag=tag).current(valid_from).exists():
        raise InvalidInput({"tag": [_("the resident already belongs to this group")]})
    if review_date is None and tag in YEARLY_REVIEW_TAGS:
        review_date = valid_from + timedelta(days=365)
    item = ResidentTag.objects.create(
        resident=resident,
        tag=tag,
        evidence=evidence[:300],
        valid_from=valid_from,
        valid_to=valid_to,
        review_date=review_date,
        created_by=actor,
    )
    audit.record(
        audit.Action.CREATE,
        actor=actor,
        obj=item,
        community_id=resident.community_id,
        summary=f"tag {tag}",
    )
    return item


@transaction.atomic
def tag_end(
    *, actor: Any, item: ResidentTag, on: date | None = None, reason: str = ""
) -> ResidentTag:
    scope = get_scope(actor)
    resident = item.resident
    _check_place(actor, resident.community_id, resident.grid_id)
    if item.tag in RESTRICTED_TAGS and not scope.can_see_restricted:
        raise NotInScope(_("Only the governance post and the head may change this group."))
    on = on or timezone.localdate()
    if item.valid_to is not None and item.valid_to < on:
        raise DomainError(_("This membership has already ended."))
    if on < item.valid_from:
        raise InvalidInput({"valid_to": [_("the end date is before the start date")]})
    item.valid_to = on
    item.end_reason = reason[:200]
    item.save(update_fields=["valid_to", "end_reason"])
    audit.record(
        audit.Action.UPDATE,
        actor=actor,
        obj=item,
        community_id=resident.community_id,
        summary=f"tag {item.tag} ended",
    )
    return item


def resident_reveal(*, actor: Any, resident: Resident, field: str) -> str:
    """The full value of a masked field, for a post that may see it; always audited."""
    if field not in Resident.SECRET_FIELDS:
        raise DomainError(_("This field cannot be revealed."))
    scope = get_scope(actor)
    if not scope.covers(resident.community_id, resident.grid_id) or not scope.can_reveal:
        audit.record(
            audit.Action.REVEAL,
            actor=actor,
            obj=resident,
            summary=field,
            outcome=audit.Outcome.DENIED,
        )
        raise NotInScope(_("Your post may not see full ID or phone numbers."))
    audit.record(audit.Action.REVEAL, actor=actor, obj=resident, summary=field)
    value: str = getattr(resident, field)
    return value


def resident_viewed(*, actor: Any, resident: Resident) -> None:
    audit.record(audit.Action.VIEW, actor=actor, obj=resident)


@transaction.atomic
def household_at(*, actor: Any, building: Building, entrance: int, room: str) -> Household:
    """The open household living at building/entrance/room, creating the dwelling and household."""
    dwelling = dwelling_get_or_create(actor=actor, building=building, entrance=entrance, room=room)
    return household_for_dwelling(actor=actor, dwelling=dwelling)


@transaction.atomic
def household_for_dwelling(*, actor: Any, dwelling: Dwelling) -> Household:
    """The dwelling's open household, or a new one."""
    existing = (
        Household.objects.filter(dwelling=dwelling, dissolved_on__isnull=True)
        .order_by("id")
        .first()
    )
    return existing or household_create(actor=actor, dwelling=dwelling)

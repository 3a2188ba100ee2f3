from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from linli.core.access import get_scope
from linli.core.models import AuditLog

PAGE_SIZE = 50


@dataclass
class AuditPage:
    entries: list[AuditLog]
    next_before: int | None


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def audit_entries(
    user: Any,
    *,
    username: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    date_from: str = "",
    date_to: str = "",
    before: str = "",
) -> AuditPage:
    """Audit entries a head may search: their communities' entries, and their staff's actions."""
    scope = get_scope(user)
    qs = AuditLog.objects.all()
    if not scope.is_operator:
        from linli.org.models import Staff

        staff_user_ids = Staff.objects.filter(
            Q(communities__in=scope.community_ids) | Q(grids__community__in=scope.community_ids)
        ).values_list("user_id", flat=True)
        qs = qs.filter(Q(community_id__in=scope.community_ids) | Q(actor_id__in=staff_user_ids))
    if username:
        qs = qs.filter(actor_username=username)
    if action:
        qs = qs.filter(action=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    tz = timezone.get_current_timezone()
    if (d := _parse_day(date_from)) is not None:
        qs = qs.filter(created_at__gte=datetime.combine(d, time.min, tzinfo=tz))
    if (d := _parse_day(date_to)) is not None:
        qs = qs.filter(created_at__lt=datetime.combine(d + timedelta(days=1), time.min, tzinfo=tz))
    if before.isdigit():
        qs = qs.filter(id__lt=int(before))
    rows = list(qs.order_by("-id")[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return AuditPage(entries=rows, next_before=rows[-1].id if more and rows else None)

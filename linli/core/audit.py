"""Write audit entries. Values of personal fields never reach the log: only their names."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models

from linli.core.context import client_ip
from linli.core.models import AuditLog

Action = AuditLog.Action
Outcome = AuditLog.Outcome


def record(
    action: str,
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    community_id: int | None = None,
    summary: str = "",
    changes: dict[str, Any] | None = None,
    outcome: str = Outcome.SUCCESS,
    username: str = "",
) -> AuditLog:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        if community_id is None:
            community_id = getattr(obj, "community_id", None)
    actor_id = None
    if actor is not None and actor.is_authenticated:
        actor_id = actor.pk
        username = username or actor.get_username()
    return AuditLog.objects.create(
        action=action,
        outcome=outcome,
        actor_id=actor_id,
        actor_username=username[:150],
        object_type=object_type,
        object_id=str(object_id)[:40],
        community_id=community_id,
        summary=summary[:300],
        changes=changes or {},
        ip=client_ip.get(),
    )


def refused(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    object_type: str,
    object_id: str | int = "",
    community_id: int | None = None,
    summary: str = "",
) -> AuditLog:
    """Record that access was refused (the one shape every refusal takes in the log)."""
    return record(
        Action.DENIED,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        community_id=community_id,
        summary=summary,
        outcome=Outcome.DENIED,
    )


def diff(
    before: dict[str, Any], after: dict[str, Any], *, secret: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Field changes for the log; `secret` fields are recorded as changed, values hidden."""
    out: dict[str, Any] = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if key in secret:
            out[key] = ["***", "***"]
        else:
            out[key] = [_plain(old), _plain(new)]
    return out


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)

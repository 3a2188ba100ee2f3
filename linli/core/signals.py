from __future__ import annotations

from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from linli.core import audit


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record(audit.Action.LOGIN, actor=user)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record(audit.Action.LOGOUT, actor=user)


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username", ""))
    audit.record(
        audit.Action.LOGIN_FAILED,
        actor=None,
        username=username,
        outcome=audit.Outcome.FAILURE,
    )


@receiver(post_save, sender=LogEntry)
def _admin_change(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """Changes made in the admin are in the audit log too (field names only, never values)."""
    if not created:
        return
    action = {
        ADDITION: audit.Action.CREATE,
        CHANGE: audit.Action.UPDATE,
        DELETION: audit.Action.DELETE,
    }
    content_type = instance.content_type
    audit.record(
        action.get(instance.action_flag, audit.Action.UPDATE),
        actor=instance.user,
        object_type=f"{content_type.app_label}.{content_type.model}" if content_type else "",
        object_id=instance.object_id or "",
        summary=f"admin: {instance.get_change_message()}"[:300],
    )

"""The append-only audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NoReturn

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditLogQuerySet(models.QuerySet["AuditLog"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise PermissionError("The audit log is append-only.")

    def delete(self) -> NoReturn:
        raise PermissionError("The audit log is append-only; use purge_older_than().")

    def purge_older_than(self, cutoff: datetime) -> int:
        """Delete entries created before `cutoff` (callers enforce the retention minimum)."""
        qs = AuditLog.objects.filter(created_at__lt=cutoff)
        count = qs.count()
        qs._raw_delete(qs.db)  # type: ignore[attr-defined]
        return count


class AuditLog(models.Model):
    class Action(models.TextChoices):
        LOGIN = "login", _("log in")
        LOGIN_FAILED = "login_failed", _("failed login")
        LOGOUT = "logout", _("log out")
        DENIED = "denied", _("access refused")
        VIEW = "view", _("view full record")
        REVEAL = "reveal", _("reveal masked value")
        CREATE = "create", _("create")
        UPDATE = "update", _("update")
        DELETE = "delete", _("delete")
        IMPORT = "import", _("import")
        EXPORT = "export", _("export")
        SEARCH = "search", _("search by ID or phone")

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("success")
        FAILURE = "failure", _("failure")
        DENIED = "denied", _("refused")

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True, db_index=True)
    actor_username = models.CharField(_("user"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, db_index=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS
    )
    object_type = models.CharField(_("object type"), max_length=60, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=40, blank=True, db_index=True)
    community_id = models.BigIntegerField(_("community"), null=True, blank=True, db_index=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip = models.CharField(_("from"), max_length=45, blank=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_username} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("The audit log is append-only.")

"""Delete audit entries older than the retention period (never younger than 180 days)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from linli.core.models import AuditLog

MINIMUM_DAYS = 180


class Command(BaseCommand):
    help = "Delete audit entries older than --days (default LINLI_AUDIT_RETENTION_DAYS, >= 180)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=settings.LINLI_AUDIT_RETENTION_DAYS)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, days: int, dry_run: bool, **options: Any) -> None:
        if days < MINIMUM_DAYS:
            raise CommandError(f"Audit entries are kept at least {MINIMUM_DAYS} days; got {days}.")
        cutoff = timezone.now() - timedelta(days=days)
        if dry_run:
            n = AuditLog.objects.filter(created_at__lt=cutoff).count()
            self.stdout.write(f"{n} audit entries are older than {days} days (dry run).")
            return
        n = AuditLog.objects.purge_older_than(cutoff)
        self.stdout.write(f"Deleted {n} audit entries older than {days} days.")

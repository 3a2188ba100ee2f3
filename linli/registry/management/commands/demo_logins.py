"""`manage.py demo_logins`: one demo login per post, printed as a table (demo credentials only)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.registry import demo


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = "Create (if missing) and list the demo logins, one per post. Never in production."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "Demo logins are never created in production (LINLI_ENV=production)."
            )
        try:
            logins = demo.ensure_demo_logins(options["database"])
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        rows = [("username", "name", "post", "scope", "password")]
        rows += [(x.username, x.name, x.post, x.scope, demo.DEMO_PASSWORD) for x in logins]
        widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
        self.stdout.write("Demo logins (demo data only):")
        for i, row in enumerate(rows):
            self.stdout.write(
                "  " + "  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True))
            )
            if i == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in widths))
        created = sum(x.created for x in logins)
        if created:
            self.stdout.write(f"Created {created} login(s).")

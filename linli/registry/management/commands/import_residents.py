"""manage.py import_residents FILE --community CODE [--dry-run] [--update-existing] [--user NAME]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.core.errors import DomainError
from linli.org.models import Community
from linli.registry.importer import import_residents


class Command(BaseCommand):
    help = "Import residents from an .xlsx file (the import template's columns)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path to the .xlsx file")
        parser.add_argument("--community", required=True, help="community code")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument(
            "--update-existing",
            action="store_true",
            help="update residents whose ID number is already registered",
        )
        parser.add_argument(
            "--user", default="", help="act as this staff user (default: the system, full scope)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        community = Community.objects.filter(code=options["community"]).first()
        if community is None:
            raise CommandError(f"No community with code {options['community']!r}.")
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"No user {options['user']!r}.")
        try:
            report = import_residents(
                actor=actor,
                community=community,
                source=path,
                dry_run=options["dry_run"],
                update_existing=options["update_existing"],
                username="manage.py" if actor is None else "",
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        out = self.stdout
        out.write(
            f"rows read: {report.rows_read}  valid: {report.valid}  to create: {report.to_create}  "
            f"to update: {report.to_update}  invalid rows: {report.invalid_rows}"
        )
        for e in report.errors:
            out.write(f"row {e.row}  {e.label}: {e.reason}")
        if report.errors:
            raise CommandError(
                f"{report.invalid_rows} invalid rows; nothing was written.", returncode=1
            )
        if report.committed:
            out.write(self.style.SUCCESS("Imported."))
        else:
            out.write("Dry run: nothing was written.")

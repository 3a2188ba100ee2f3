"""`manage.py demo_data`: a demo subdistrict with communities, grids, buildings and residents."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.registry import demo


class Command(BaseCommand):
    help = (
        "Load realistic demo data: 南头街道 with its communities, grids, buildings, households and "
        "residents (names, valid ID numbers, special groups). Never in production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--residents", type=int, default=3000, help="how many (default 3000)")
        parser.add_argument(
            "--communities", type=int, default=2, help="how many communities (default 2)"
        )
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
        parser.add_argument(
            "--once", action="store_true", help="do nothing if the demo data is already loaded"
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Demo data is never loaded in production (LINLI_ENV=production).")
        using = options["database"]
        if demo.demo_exists(using):
            if options["once"]:
                self.stdout.write("Demo data is already loaded.")
                return
            raise CommandError(
                "Demo data is already loaded; use a fresh database (or --once to skip)."
            )
        n = options["residents"]
        if n < 1:
            raise CommandError("--residents must be at least 1.")
        result = demo.load(n, seed=options["seed"], communities=options["communities"], using=using)
        self.stdout.write(
            f"Loaded {result.residents:,} demo residents in {result.seconds:.1f} s "
            f"({result.rate:,.0f}/s)."
        )

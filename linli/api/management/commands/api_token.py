"""Issue, list and revoke staff API tokens.

manage.py api_token create USERNAME --name NAME   prints the token once
manage.py api_token list [--all]
manage.py api_token revoke PREFIX
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.api.auth import api_token_create, api_token_revoke
from linli.api.models import ApiToken


class Command(BaseCommand):
    help = "Issue, list and revoke staff API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Issue a token for a staff user; printed once.")
        create.add_argument("username")
        create.add_argument("--name", required=True, help="What the token is for.")
        listing = sub.add_parser("list", help="List tokens (prefix only, never the token).")
        listing.add_argument("--all", action="store_true", help="Include revoked tokens.")
        revoke = sub.add_parser("revoke", help="Revoke the token with this prefix.")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            self._create(options["username"], options["name"])
        elif action == "list":
            self._list(options["all"])
        else:
            self._revoke(options["prefix"])

    def _create(self, username: str, name: str) -> None:
        User = get_user_model()
        user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not name.strip():
            raise CommandError("Give the token a --name saying what it is for.")
        try:
            row, token = api_token_create(actor=None, user=user, name=name.strip())
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"Token {row.prefix}… for {username} ({row.name}):")
        self.stdout.write(token)
        self.stdout.write("Store it now: it is not kept and cannot be shown again.")

    def _list(self, include_revoked: bool) -> None:
        qs = ApiToken.objects.select_related("user").order_by("created_at", "id")
        if not include_revoked:
            qs = qs.active()
        for row in qs:
            used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never"
            state = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "active"
            self.stdout.write(
                f"{row.prefix}  {row.user.get_username():<20} {row.name:<30} "
                f"created {row.created_at:%Y-%m-%d %H:%M}  last used {used}  {state}"
            )

    def _revoke(self, prefix: str) -> None:
        prefix = prefix.rstrip("…").strip()
        matches = list(ApiToken.objects.active().filter(prefix=prefix))
        if not matches:
            raise CommandError(f"No active token with prefix {prefix!r}.")
        if len(matches) > 1:
            raise CommandError(
                f"{len(matches)} active tokens share the prefix {prefix!r}; revoke them in the "
                "admin instead."
            )
        api_token_revoke(actor=None, token=matches[0])
        self.stdout.write(f"Token {prefix}… revoked.")

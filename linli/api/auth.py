"""Who may call the API: staff (or operators) with a bearer token, or with their browser session.

A token is looked up by the SHA-256 of its text; the text itself is never stored, logged or
audited. Unknown and revoked tokens, and tokens of users who are no longer active staff, get 401
and leave a `login_failed` entry (outcome "refused") in the audit log without the token.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from linli.api.models import ApiToken, hash_token
from linli.core import audit

# last_used_at is refreshed at most this often, so reads do not turn into a write per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_TOKEN_LENGTH = 200


def is_api_user(user: Any) -> bool:
    """Active staff members and superusers (operators); nobody else."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    from linli.org.models import Staff

    return Staff.objects.filter(user_id=user.pk).exists()


def _refused(reason: str, *, token: ApiToken | None = None) -> None:
    audit.record(
        audit.Action.LOGIN_FAILED,
        actor=None,
        object_type="api.apitoken",
        object_id=token.pk if token is not None else "",
        username=token.user.get_username() if token is not None else "",
        summary=f"api token: {reason}",
        outcome=audit.Outcome.DENIED,
    )


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`."""

    def __call__(self, request: HttpRequest) -> Any | None:
        # Overrides HttpBearer.__call__, which logs the whole header (token included) in DEBUG
        # when the scheme is not "Bearer".
        value = request.headers.get(self.header, "")
        scheme, _sep, token = value.partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            _refused("malformed")
            return None
        row = ApiToken.objects.select_related("user").filter(key_hash=hash_token(token)).first()
        if row is None:
            _refused("unknown")
            return None
        if row.revoked_at is not None:
            _refused("revoked", token=row)
            return None
        user = row.user
        if not is_api_user(user):
            _refused("not active staff", token=row)
            return None
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = user
        return user


class StaffSessionAuth(APIKeyCookie):
    """The logged-in browser (Django session cookie); unsafe methods need the CSRF token."""

    def __init__(self) -> None:
        from django.conf import settings

        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a session cookie this is not a browser call: no CSRF check, so a request with a
        # bad bearer token gets 401 rather than a CSRF 403.
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        if key is None:
            return None
        user = getattr(request, "user", None)
        return user if is_api_user(user) else None


token_auth = TokenAuth()
session_auth = StaffSessionAuth()


# --- writes: token issue and revoke, audited ------------------------------------------------
@transaction.atomic
def api_token_create(*, actor: Any, user: Any, name: str) -> tuple[ApiToken, str]:
    """Issue a token for `user`; returns the row and the plain token, which is shown once."""
    if not is_api_user(user):
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext as _

        raise ValidationError(_("Only active staff members and operators may have API tokens."))
    row, token = ApiToken.issue(user=user, name=name)
    audit.record(
        audit.Action.CREATE,
        actor=actor,
        obj=row,
        summary=f"api token {row.prefix} for user {user.pk}",
    )
    return row, token


@transaction.atomic
def api_token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoke()
        audit.record(
            audit.Action.UPDATE, actor=actor, obj=token, summary=f"api token {token.prefix} revoked"
        )
    return token

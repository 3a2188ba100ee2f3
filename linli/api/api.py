"""The django-ninja API root; each app's router is mounted here.

Authentication for every endpoint: a staff bearer token (`manage.py api_token create`) or the
logged-in staff browser session (with CSRF on unsafe methods). Errors are always
`{"detail": "..."}`; invalid input is 400 (with `errors` naming the fields), unauthenticated 401,
refused 403, missing or outside your area 404. See docs/api.md.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from linli.api.auth import session_auth, token_auth
from linli.core.errors import DomainError, NotInScope
from linli.registry.api import router as registry_router
from linli.registry.validation import InvalidInput

api = NinjaAPI(
    title="Linli API",
    version="1",
    description="The staff API of Linli (邻里). Authenticate with `Authorization: Bearer <token>`.",
    urls_namespace="api",
    auth=[token_auth, session_auth],
    # "ninja" is in INSTALLED_APPS, so the docs page uses the Swagger UI bundled with ninja
    # (government intranets have no outside network; test_openapi checks for no CDN).
    docs_url="/docs",
)


def _field_name(loc: Any) -> str:
    parts = [str(p) for p in (loc or ()) if p not in ("body", "query", "path", "header", "cookie")]
    # A body schema's own parameter name (e.g. "body") is not a field the client knows.
    return ".".join(parts[1:] if len(parts) > 1 and parts[0] in ("body", "filters") else parts)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"field": _field_name(e.get("loc")), "message": str(e.get("msg", ""))} for e in exc.errors
    ]
    fields = ", ".join(sorted({e["field"] for e in errors if e["field"]})) or "?"
    return api.create_response(
        request,
        {"detail": _("Invalid input: %(fields)s.") % {"fields": fields}, "errors": errors},
        status=400,
    )


def _ninja_message(message: str) -> str:
    """Translations for the few fixed messages ninja raises itself."""
    known = {
        "Cannot parse request body": _("The request body is not valid JSON."),
        "CSRF check Failed": _("CSRF check failed: send the X-CSRFToken header."),
    }
    return known.get(message, message)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(
        request, {"detail": _ninja_message(str(exc))}, status=exc.status_code
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request, {"detail": _("Authentication required: a valid staff API token.")}, status=401
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(AuthorizationError)
def _forbidden(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
    return api.create_response(request, {"detail": _("Not allowed.")}, status=403)


@api.exception_handler(InvalidInput)
def _invalid_input(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    errors = [{"field": f, "message": m} for f, msgs in exc.errors.items() for m in msgs]
    return api.create_response(request, {"detail": exc.message, "errors": errors}, status=400)


@api.exception_handler(NotInScope)
def _not_in_scope(request: HttpRequest, exc: NotInScope) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message}, status=403)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message}, status=400)


api.add_router("/", registry_router)

"""Import and export pages (placeholder until the importer lands)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=501)


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=501)


@login_required
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    return HttpResponse(status=501)


@login_required
def import_errors(request: HttpRequest, token: str) -> HttpResponse:
    return HttpResponse(status=501)


@login_required
def resident_export(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=501)

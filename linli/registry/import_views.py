"""Import and export pages: upload → preview (dry run) → confirm; template; error report; export."""

from __future__ import annotations

import json
import re
import secrets
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit
from linli.core.access import get_scope
from linli.core.errors import DomainError, NotInScope
from linli.registry import selectors
from linli.registry.exporter import export_residents
from linli.registry.importer import (
    ImportRefused,
    ImportReport,
    build_template,
    errors_workbook,
    import_residents,
)
from linli.registry.views import _stored_query

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_KEY = "registry_imports"
PREVIEW_ERRORS = 500
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _upload_dir() -> Path:
    path = Path(settings.PRIVATE_UPLOAD_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _forbidden(request: HttpRequest, action: str) -> HttpResponse:
    audit.refused(actor=request.user, object_type="registry.resident", summary=action)
    return HttpResponseForbidden(_("Your post may not do this."))


class _Upload:
    """An uploaded file waiting for confirmation, owned by one user."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.path = _upload_dir() / f"{token}.xlsx"
        self.meta_path = _upload_dir() / f"{token}.json"

    @classmethod
    def get(cls, request: HttpRequest, token: str) -> _Upload:
        if not _TOKEN_RE.match(token):
            raise Http404
        upload = cls(token)
        owned = request.session.get(SESSION_KEY, {}).get(token)
        if owned != request.user.pk or not upload.meta_path.exists() or not upload.path.exists():
            raise Http404
        if upload.meta.get("owner") != request.user.pk:
            raise Http404
        return upload

    @property
    def meta(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.meta_path.read_text())
        return data

    def save_meta(self, meta: dict[str, Any]) -> None:
        self.meta_path.write_text(json.dumps(meta, ensure_ascii=False))

    def delete(self) -> None:
        self.path.unlink(missing_ok=True)
        self.meta_path.unlink(missing_ok=True)


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request.user)
    if not scope.can_import:
        return _forbidden(request, "import")
    communities = list(selectors.visible_communities(request.user))
    error = ""
    if request.method == "POST":
        community = next(
            (c for c in communities if str(c.pk) == request.POST.get("community", "")), None
        )
        upload = request.FILES.get("file")
        update_existing = request.POST.get("update_existing") == "1"
        if community is None:
            error = _("Choose a community.")
        elif upload is None:
            error = _("Choose an .xlsx file.")
        elif not (upload.name or "").lower().endswith(".xlsx"):
            error = _("Only .xlsx files can be imported; save the sheet from Excel as .xlsx.")
        elif (upload.size or 0) > settings.LINLI_IMPORT_MAX_BYTES:
            error = _("The file is larger than %(mb)s MB; split it into smaller files.") % {
                "mb": settings.LINLI_IMPORT_MAX_BYTES // (1024 * 1024) or 1
            }
        else:
            token = secrets.token_urlsafe(24)
            stored = _Upload(token)
            with stored.path.open("wb") as f:
                for chunk in upload.chunks():
                    f.write(chunk)
            stored.path.chmod(0o600)
            try:
                report = import_residents(
                    actor=request.user,
                    community=community,
                    source=stored.path,
                    dry_run=True,
                    update_existing=update_existing,
                )
            except DomainError as exc:
                stored.delete()
                error = exc.message
            else:
                stored.save_meta(
                    {
                        "owner": request.user.pk,
                        "community": community.pk,
                        "update_existing": update_existing,
                        "filename": (upload.name or "")[:100],
                        "uploaded": timezone.now().isoformat(),
                        "report": report.to_json(),
                    }
                )
                imports = dict(request.session.get(SESSION_KEY, {}))
                imports[token] = request.user.pk
                request.session[SESSION_KEY] = imports
                return redirect("registry:import_preview", token=token)
    return render(
        request,
        "registry/import_upload.html",
        {
            "communities": communities,
            "error": error,
            "max_mb": settings.LINLI_IMPORT_MAX_BYTES // (1024 * 1024),
            "max_rows": settings.LINLI_IMPORT_MAX_ROWS,
        },
        status=400 if error else 200,
    )


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    if not get_scope(request.user).can_import:
        return _forbidden(request, "import template")
    response = HttpResponse(build_template(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="residents-template.xlsx"'
    return response


@login_required
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    if not get_scope(request.user).can_import:
        return _forbidden(request, "import")
    upload = _Upload.get(request, token)
    meta = upload.meta
    community = selectors.visible_communities(request.user).filter(pk=meta["community"]).first()
    if community is None:
        raise Http404
    report = ImportReport.from_json(meta["report"])
    if request.method == "POST":
        try:
            report = import_residents(
                actor=request.user,
                community=community,
                source=upload.path,
                dry_run=False,
                update_existing=bool(meta["update_existing"]),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            if report.committed:
                upload.delete()
                imports = dict(request.session.get(SESSION_KEY, {}))
                imports.pop(token, None)
                request.session[SESSION_KEY] = imports
                messages.success(
                    request,
                    _("Import done: %(created)s residents added, %(updated)s updated.")
                    % {"created": report.to_create, "updated": report.to_update},
                )
                return redirect(f"{reverse('registry:resident_list')}?community={community.pk}")
            meta["report"] = report.to_json()
            upload.save_meta(meta)
            messages.error(request, _("Nothing was saved: some rows are not valid."))
    rows = [
        {
            "row": e.row,
            "who": report.row_labels.get(e.row, ""),
            "label": e.label,
            "reason": e.reason,
        }
        for e in report.errors[:PREVIEW_ERRORS]
    ]
    return render(
        request,
        "registry/import_preview.html",
        {
            "token": token,
            "community": community,
            "filename": meta.get("filename", ""),
            "update_existing": meta["update_existing"],
            "report": report,
            "rows": rows,
            "more_errors": max(0, len(report.errors) - PREVIEW_ERRORS),
        },
    )


@login_required
def import_errors(request: HttpRequest, token: str) -> HttpResponse:
    if not get_scope(request.user).can_import:
        return _forbidden(request, "import")
    upload = _Upload.get(request, token)
    report = ImportReport.from_json(upload.meta["report"])
    try:
        content = errors_workbook(upload.path, report)
    except ImportRefused as exc:
        messages.error(request, exc.message)
        return redirect("registry:import")
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="import-errors.xlsx"'
    return response


@login_required
def resident_export(request: HttpRequest) -> HttpResponseBase:
    if not get_scope(request.user).can_export:
        return _forbidden(request, "export")
    filters = selectors.ResidentFilters.from_params(request.GET)
    filters.q = _stored_query(request)
    stream = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    try:
        export_residents(actor=request.user, filters=filters, stream=stream)
    except NotInScope:
        stream.close()
        return _forbidden(request, "export")
    except DomainError as exc:
        stream.close()
        messages.error(request, exc.message)
        return redirect("registry:resident_list")
    stream.seek(0)
    name = f"residents-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(stream, as_attachment=True, filename=name, content_type=XLSX)

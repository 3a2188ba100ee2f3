from __future__ import annotations

from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from linli.core import audit
from linli.core.access import get_scope
from linli.core.selectors import audit_entries


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("registry:profile")


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("login")


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request.user)
    if not scope.can_audit:
        audit.refused(actor=request.user, object_type="core.auditlog")
        raise PermissionDenied
    page = audit_entries(
        request.user,
        username=request.GET.get("user", "").strip(),
        action=request.GET.get("action", "").strip(),
        object_type=request.GET.get("object_type", "").strip(),
        object_id=request.GET.get("object_id", "").strip(),
        date_from=request.GET.get("from", "").strip(),
        date_to=request.GET.get("to", "").strip(),
        before=request.GET.get("before", "").strip(),
    )
    return render(
        request,
        "core/audit_log.html",
        {"page": page, "actions": audit.Action.choices, "filters": request.GET},
    )

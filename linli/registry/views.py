"""Registry pages: thin views that parse, check access, call a service or selector, render."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core import audit
from linli.core.access import get_scope
from linli.core.errors import DomainError, NotInScope
from linli.registry import selectors, services
from linli.registry.forms import EndTagForm, MoveForm, ResidentForm, TagForm
from linli.registry.models import Resident, ResidentTag, Tag
from linli.registry.validation import InvalidInput

T = TypeVar("T")
SEARCH_SESSION_KEY = "registry_searches"


def in_scope_or_404(request: HttpRequest, object_type: str, pk: int, fn: Callable[[], T]) -> T:
    """Run a scoped read; a miss is a 404 and an audited refusal."""
    try:
        return fn()
    except NotInScope as exc:
        audit.refused(actor=request.user, object_type=object_type, object_id=pk)
        raise Http404(exc.message) from exc


def _community_param(request: HttpRequest) -> int | None:
    value = request.GET.get("community", "")
    return int(value) if value.isdigit() else None


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    community = _community_param(request)
    data = selectors.community_profile(request.user, community)
    chart = {
        "bands": list(data["age_sex"].keys()),
        "male": [v["M"] for v in data["age_sex"].values()],
        "female": [v["F"] for v in data["age_sex"].values()],
        "hukou": [{"name": h["label"], "value": h["count"]} for h in data["hukou"]],
        "groups": [{"name": g["label"], "value": g["count"]} for g in data["groups"]],
        "labels": {"male": _("male"), "female": _("female")},
    }
    return render(
        request,
        "registry/profile.html",
        {
            "data": data,
            "chart": chart,
            "communities": selectors.visible_communities(request.user),
            "community": community,
        },
    )


def _stored_query(request: HttpRequest) -> str:
    token = request.GET.get("s", "")
    return str(request.session.get(SEARCH_SESSION_KEY, {}).get(token, "")) if token else ""


@login_required
@require_POST
def resident_search(request: HttpRequest) -> HttpResponse:
    """Keep the search text out of URLs (and so out of access logs): store it in the session."""
    q = request.POST.get("q", "").strip()[:100]
    params = request.POST.copy()
    params.pop("q", None)
    params.pop("csrfmiddlewaretoken", None)
    params.pop("after", None)
    if q:
        searches = dict(request.session.get(SEARCH_SESSION_KEY, {}))
        if len(searches) > 20:
            searches = dict(list(searches.items())[-20:])
        token = secrets.token_urlsafe(6)
        searches[token] = q
        request.session[SEARCH_SESSION_KEY] = searches
        params["s"] = token
        kind, _value = selectors.classify_query(q)
        if kind in {"id", "phone"}:
            audit.record(audit.Action.SEARCH, actor=request.user, summary=kind)
    query = params.urlencode()
    url = redirect("registry:resident_list").url
    return redirect(f"{url}?{query}" if query else url)


@login_required
def resident_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.ResidentFilters.from_params(request.GET)
    filters.q = _stored_query(request)
    try:
        page = selectors.resident_page(request.user, filters, after=request.GET.get("after", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("registry:resident_list")
    params = request.GET.copy()
    params.pop("after", None)
    tag_labels = dict(Tag.choices)
    rows = [
        {"r": r, "tags": [(t, tag_labels.get(t, t)) for t in page.tags.get(r.pk, [])]}
        for r in page.rows
    ]
    return render(
        request,
        "registry/resident_list.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "params": params.urlencode(),
            "communities": selectors.visible_communities(request.user),
            "grids": selectors.visible_grids(request.user),
            "tags": selectors.visible_tags(request.user),
            "sexes": Resident.Sex.choices,
            "hukou_types": Resident.HukouType.choices,
            "statuses": Resident.Status.choices,
            "template": "registry/_resident_rows.html",
        },
    )


@login_required
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    resident = in_scope_or_404(
        request, "registry.resident", pk, lambda: selectors.get_resident(request.user, pk)
    )
    services.resident_viewed(actor=request.user, resident=resident)
    detail = selectors.resident_detail(request.user, pk)
    scope = get_scope(request.user)
    return render(
        request,
        "registry/resident_detail.html",
        {
            "d": detail,
            "r": detail.resident,
            "can_reveal": scope.can_reveal,
            "tag_form": TagForm(
                tag_choices=selectors.visible_tags(request.user),
                initial={"valid_from": timezone.localdate()},
            ),
            "end_form": EndTagForm(initial={"on": timezone.localdate()}),
            "derived_labels": [dict(Tag.choices)[t] for t in detail.derived_tags],
        },
    )


@login_required
@require_POST
def resident_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    resident = in_scope_or_404(
        request, "registry.resident", pk, lambda: selectors.get_resident(request.user, pk)
    )
    try:
        value = services.resident_reveal(actor=request.user, resident=resident, field=field)
    except DomainError as exc:
        return HttpResponse(exc.message, status=403)
    if field == "phone":
        value = resident.phone_display
    return render(request, "registry/_revealed.html", {"value": value})


@login_required
def resident_create(request: HttpRequest) -> HttpResponse:
    communities = list(selectors.visible_communities(request.user))
    buildings = list(selectors.visible_buildings(request.user).order_by("community_id", "code"))
    form = ResidentForm(request.POST or None)
    move_form = MoveForm(
        request.POST or None,
        buildings=[(b.pk, f"{b.community.name} {b.name}") for b in buildings],
        initial={"on": timezone.localdate(), "relation": "head"},
    )
    if request.method == "POST" and form.is_valid() and move_form.is_valid():
        building = next(b for b in buildings if str(b.pk) == move_form.cleaned_data["building"])
        try:
            household = services.household_at(
                actor=request.user,
                building=building,
                entrance=move_form.cleaned_data["entrance"],
                room=move_form.cleaned_data["room"],
            )
            resident = services.resident_create(
                actor=request.user,
                community=building.community,
                data=form.resident_data,
                household=household,
                relation=move_form.cleaned_data["relation"],
                on=move_form.cleaned_data["on"],
            )
        except InvalidInput as exc:
            for field, errs in exc.errors.items():
                for e in errs:
                    form.add_error(field if field in form.fields else None, e)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Resident registered."))
            return redirect("registry:resident_detail", pk=resident.pk)
    return render(
        request,
        "registry/resident_form.html",
        {"form": form, "move_form": move_form, "r": None, "communities": communities},
    )


@login_required
def resident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resident = in_scope_or_404(
        request, "registry.resident", pk, lambda: selectors.get_resident(request.user, pk)
    )
    scope = get_scope(request.user)
    if request.method == "POST":
        data = request.POST.copy()
        # ID and phone are write-only for posts that may not see them: empty means "unchanged".
        if not data.get("id_number"):
            data["id_number"] = resident.id_number
        if not data.get("phone") and not data.get("clear_phone"):
            data["phone"] = resident.phone_display
        form = ResidentForm(data)
        if form.is_valid():
            try:
                services.resident_update(
                    actor=request.user, resident=resident, data=form.resident_data
                )
            except InvalidInput as exc:
                for field, errs in exc.errors.items():
                    for e in errs:
                        form.add_error(field if field in form.fields else None, e)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Changes saved."))
                return redirect("registry:resident_detail", pk=resident.pk)
    else:
        form = ResidentForm(initial=ResidentForm.initial_for(resident))
    return render(
        request,
        "registry/resident_form.html",
        {"form": form, "r": resident, "can_reveal": scope.can_reveal},
    )


@login_required
@require_POST
def tag_add(request: HttpRequest, pk: int) -> HttpResponse:
    resident = in_scope_or_404(
        request, "registry.resident", pk, lambda: selectors.get_resident(request.user, pk)
    )
    form = TagForm(request.POST, tag_choices=selectors.visible_tags(request.user))
    if form.is_valid():
        try:
            services.tag_add(actor=request.user, resident=resident, **form.cleaned_data)
        except InvalidInput as exc:
            messages.error(request, exc.message)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Special group recorded."))
    else:
        for field, errs in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(str(e) for e in errs)}")
    return redirect("registry:resident_detail", pk=resident.pk)


@login_required
@require_POST
def tag_end(request: HttpRequest, pk: int) -> HttpResponse:
    item = ResidentTag.objects.select_related("resident").filter(pk=pk).first()
    if item is None:
        raise Http404
    resident = in_scope_or_404(
        request,
        "registry.resident",
        item.resident_id,
        lambda: selectors.get_resident(request.user, item.resident_id),
    )
    form = EndTagForm(request.POST)
    if form.is_valid():
        try:
            services.tag_end(
                actor=request.user,
                item=item,
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Special group ended; the history is kept."))
    else:
        messages.error(request, _("Give the date the membership ended."))
    return redirect("registry:resident_detail", pk=resident.pk)


@login_required
def resident_move(request: HttpRequest, pk: int) -> HttpResponse:
    resident = in_scope_or_404(
        request, "registry.resident", pk, lambda: selectors.get_resident(request.user, pk)
    )
    buildings = list(selectors.visible_buildings(request.user).order_by("community_id", "code"))
    form = MoveForm(
        request.POST or None,
        buildings=[(b.pk, f"{b.community.name} {b.name}") for b in buildings],
        initial={"on": timezone.localdate()},
    )
    if request.method == "POST" and request.POST.get("action") == "move_out":
        try:
            services.resident_move_out(
                actor=request.user,
                resident=resident,
                reason=request.POST.get("reason", "")[:200],
                deceased=request.POST.get("deceased") == "1",
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The resident is recorded as no longer living here."))
        return redirect("registry:resident_detail", pk=resident.pk)
    if request.method == "POST" and form.is_valid():
        building = next(b for b in buildings if str(b.pk) == form.cleaned_data["building"])
        try:
            household = services.household_at(
                actor=request.user,
                building=building,
                entrance=form.cleaned_data["entrance"],
                room=form.cleaned_data["room"],
            )
            services.resident_move(
                actor=request.user,
                resident=resident,
                household=household,
                relation=form.cleaned_data["relation"],
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Move recorded."))
            return redirect("registry:resident_detail", pk=resident.pk)
    return render(request, "registry/resident_move.html", {"form": form, "r": resident})


@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household, memberships = in_scope_or_404(
        request, "registry.household", pk, lambda: selectors.household_detail(request.user, pk)
    )
    return render(
        request,
        "registry/household_detail.html",
        {"h": household, "memberships": memberships},
    )


@login_required
def building_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.building_list(request.user, _community_param(request))
    return render(request, "registry/building_list.html", {"rows": rows})


@login_required
def building_detail(request: HttpRequest, pk: int) -> HttpResponse:
    building, dwellings = in_scope_or_404(
        request, "registry.building", pk, lambda: selectors.building_detail(request.user, pk)
    )
    return render(request, "registry/building_detail.html", {"b": building, "dwellings": dwellings})

"""One scoping mechanism for every way in: pages, search, exports, imports and the API.

A user's `Scope` is computed once per request from their staff posts and assignments:
- a subdistrict assignment covers every community of that subdistrict;
- a community assignment covers the whole community;
- a grid assignment covers only that grid.
Post flags add what a user may do inside that scope (reveal, see restricted groups, audit, import,
export). Superusers (operators) see everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.db.models import Q

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Scope:
    is_operator: bool = False
    community_ids: frozenset[int] = field(default_factory=frozenset)
    grid_ids: frozenset[int] = field(default_factory=frozenset)
    post_codes: frozenset[str] = field(default_factory=frozenset)
    can_reveal: bool = False
    can_see_restricted: bool = False
    can_audit: bool = False
    can_import: bool = False
    can_export: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.is_operator or self.community_ids or self.grid_ids)

    def q(self, community: str = "community", grid: str | None = "grid") -> Q:
        """A filter for objects that carry a community and (optionally) a grid."""
        if self.is_operator:
            return Q()
        cond = Q(**{f"{community}__in": sorted(self.community_ids)})
        if grid is not None and self.grid_ids:
            cond |= Q(**{f"{grid}__in": sorted(self.grid_ids)})
        return cond

    def filter(
        self, qs: models.QuerySet[M], community: str = "community", grid: str | None = "grid"
    ) -> models.QuerySet[M]:
        if self.is_empty:
            return qs.none()
        return qs.filter(self.q(community, grid))

    def covers(self, community_id: int | None, grid_id: int | None = None) -> bool:
        if self.is_operator:
            return True
        if community_id is not None and community_id in self.community_ids:
            return True
        return grid_id is not None and grid_id in self.grid_ids

    def covers_whole_community(self, community_id: int) -> bool:
        return self.is_operator or community_id in self.community_ids

    def visible_community_ids(self) -> frozenset[int] | None:
        """Communities the user sees at least part of; None means all (operator)."""
        if self.is_operator:
            return None
        from linli.org.models import Grid

        grid_communities = Grid.objects.filter(id__in=self.grid_ids).values_list(
            "community_id", flat=True
        )
        return self.community_ids | frozenset(grid_communities)


EMPTY = Scope()
OPERATOR = Scope(
    is_operator=True,
    can_reveal=True,
    can_see_restricted=True,
    can_audit=True,
    can_import=True,
    can_export=True,
)


def get_scope(user: AbstractBaseUser | AnonymousUser | Any) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active:
        return EMPTY
    cached: Scope | None = getattr(user, "_linli_scope", None)
    if cached is not None:
        return cached
    scope = _compute(user)
    setattr(user, "_linli_scope", scope)  # noqa: B010
    return scope


def _compute(user: Any) -> Scope:
    from linli.org.models import Community, Staff

    if user.is_superuser:
        return OPERATOR
    try:
        staff = Staff.objects.get(user=user)
    except Staff.DoesNotExist:
        return EMPTY
    posts = list(staff.posts.all())
    community_ids = set(staff.communities.values_list("id", flat=True))
    community_ids |= set(
        Community.objects.filter(subdistrict__in=staff.subdistricts.all()).values_list(
            "id", flat=True
        )
    )
    grid_ids = set(staff.grids.values_list("id", flat=True))
    return Scope(
        community_ids=frozenset(community_ids),
        grid_ids=frozenset(grid_ids),
        post_codes=frozenset(p.code for p in posts),
        can_reveal=any(p.can_reveal for p in posts),
        can_see_restricted=any(p.can_see_restricted for p in posts),
        can_audit=any(p.can_audit for p in posts),
        can_import=any(p.can_import for p in posts),
        can_export=any(p.can_export for p in posts),
    )

"""The posts (岗位) a worker may hold, and what each allows by default (the head can change it)."""

from __future__ import annotations

# code, Chinese name, reveal, restricted groups, audit, import, export
DEFAULT_POSTS: list[tuple[str, str, bool, bool, bool, bool, bool]] = [
    ("head", "站长/主任", True, True, True, True, True),
    ("civil_affairs", "民政", True, False, False, True, True),
    ("family_planning", "计划生育", True, False, False, True, True),
    ("floating_population", "流动人口协查", True, False, False, True, True),
    ("disability", "残联", True, False, False, True, True),
    ("governance", "综合治理", True, True, False, True, True),
    ("labour", "劳动保障", True, False, False, True, True),
    ("urban_management", "城管", False, False, False, False, False),
    ("party", "党建", False, False, False, False, False),
    ("grid_worker", "网格员", False, False, False, True, False),
]


def ensure_default_posts() -> None:
    """Create any missing default post (the migration does this; tests that flush need it again)."""
    from linli.org.models import Post

    for code, name, reveal, restricted, audit, imp, exp in DEFAULT_POSTS:
        Post.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "can_reveal": reveal,
                "can_see_restricted": restricted,
                "can_audit": audit,
                "can_import": imp,
                "can_export": exp,
            },
        )

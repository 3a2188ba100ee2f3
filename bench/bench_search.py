"""Resident search and the resident list on PostgreSQL with a million residents.

    .venv/bin/python bench/bench_search.py [--residents 1000000] [--queries 200] [--explain]

Loads N residents made by linli.registry.demo (the demo generator; written with COPY) into
$BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/linli_bench, created if absent;
linli_bench_<N> for other sizes than a million)
and keeps them for the next run (a marker records count, seed and key). Then, as the head of one
community (scope filter) and as the operator (no filter), it times:
- search through selectors.filtered_residents(q=...), first 51 in list order (a slow case stops
  after 30 s and at least 30 queries: n is printed): by full name, by
  surname only (the worst name prefix), by pinyin initials, by full pinyin, by ID number, by phone;
- the list page: selectors.resident_page (keyset pagination) against Django's Paginator(qs, 50)
  .page(n) on the same filtered queryset, for page 1 and for random deep pages (the same pages);
- the rendered page (GET /registry/residents/ with the test Client), if its template exists.
Targets: search p95 ≤ 20 ms; list page p95 ≤ 100 ms. Baseline: Django's Paginator.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

from common import (  # noqa: E402
    Skip,
    Timing,
    configure,
    copy_writer,
    migrate,
    peak_memory_mb,
    pg_url,
    print_table,
    quick,
    time_calls,
)

SEARCH_TARGET_MS = 20.0
PAGE_TARGET_MS = 100.0
MARKER_VERSION = "v1"
RESIDENTS_PER_COMMUNITY = 15_000  # a large Shenzhen community; 1M residents → 66 communities
SKIPPED = 77
# A slow case stops after 30 s once it has 30 samples (n is printed beside each figure).
CAP: dict[str, Any] = {"max_seconds": 30.0, "min_samples": 30}


# --- data ----------------------------------------------------------------------------------------
def _marker_value(residents: int, seed: int) -> str:
    from linli.core.keys import blind

    return f"{residents}|{seed}|{blind('linli-bench-marker')[:16]}|{MARKER_VERSION}"


def ensure_loaded(residents: int, seed: int, *, reload: bool = False) -> None:
    from django.db import connection

    from linli.registry import demo
    from linli.registry.models import Resident

    wanted = _marker_value(residents, seed)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_marker (name text PRIMARY KEY, value text NOT NULL)"
        )
        cursor.execute("SELECT value FROM bench_marker WHERE name = 'search'")
        row = cursor.fetchone()
    if not reload and row and row[0] == wanted and Resident.objects.count() == residents:
        print(f"Reusing {residents:,} residents already loaded (bench_marker).")
        return
    print(f"Loading {residents:,} demo residents with COPY …", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM bench_marker WHERE name = 'search'")
        cursor.execute(
            "TRUNCATE registry_residenttag, registry_membership, registry_resident, "
            "registry_household, registry_dwelling, registry_building, org_grid, org_community, "
            "org_subdistrict RESTART IDENTITY CASCADE"
        )
        cursor.execute("SET synchronous_commit TO off")
    communities = max(2, residents // RESIDENTS_PER_COMMUNITY)
    result = demo.load(residents, seed=seed, communities=communities, writer=copy_writer)
    print(f"Loaded in {result.seconds:.0f} s ({result.rate:,.0f} residents/s).", flush=True)
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        for table in ("registry_resident", "registry_residenttag", "registry_membership",
                      "registry_household", "registry_dwelling", "registry_building"):  # fmt: skip
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("INSERT INTO bench_marker VALUES ('search', %s)", [wanted])
    print(f"VACUUM ANALYZE in {time.perf_counter() - t0:.0f} s.")


def server_version() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def bench_users() -> tuple[Any, Any, Any]:
    """(head of the first community, operator, that community)."""
    from django.contrib.auth import get_user_model

    from linli.org.models import Community, Post, Staff

    User = get_user_model()
    community = Community.objects.order_by("code").first()
    assert community is not None
    head, _ = User.objects.get_or_create(username="bench_head")
    staff, _ = Staff.objects.get_or_create(user=head, defaults={"name": "陈志华"})
    staff.posts.set(Post.objects.filter(code="head"))
    staff.communities.set([community])
    operator, _ = User.objects.get_or_create(
        username="bench_operator", defaults={"is_superuser": True, "is_staff": True}
    )
    if not operator.is_superuser:
        operator.is_superuser = True
        operator.save()
    return User.objects.get(pk=head.pk), User.objects.get(pk=operator.pk), community


# --- measurements -------------------------------------------------------------------------
def sample_residents(community_id: int | None, n: int, rng: random.Random) -> list[Any]:
    from linli.registry.models import Resident

    qs = Resident.objects.all()
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    bounds = list(qs.order_by("pk").values_list("pk", flat=True)[:1]) + list(
        qs.order_by("-pk").values_list("pk", flat=True)[:1]
    )
    ids = [rng.randint(bounds[0], bounds[1]) for _ in range(n * 2)]
    found = list(qs.filter(pk__in=ids))
    rng.shuffle(found)
    return found[:n]


def search_queries(people: list[Any]) -> dict[str, list[str]]:
    from linli.lib.phone import display_phone

    with_phone = [p for p in people if p.phone][: len(people) // 2 * 2] or people
    return {
        "name (full)": [p.name for p in people],
        "surname only": [p.name[0] for p in people],
        "pinyin initials": [p.name_initials for p in people],
        "pinyin (full)": [p.name_pinyin for p in people],
        "ID number": [p.id_number for p in people],
        "phone": [display_phone(p.phone) for p in with_phone],
    }


def run_search(user: Any, q: str) -> list[Any]:
    from linli.registry import selectors

    qs = selectors.filtered_residents(user, selectors.ResidentFilters(q=q))
    return list(qs.order_by("name_pinyin", "pk")[: selectors.PAGE_SIZE + 1])


def explain(user: Any, q: str | None = None, page: int | None = None) -> str:
    from linli.registry import selectors

    qs = selectors.filtered_residents(user, selectors.ResidentFilters(q=q or ""))
    qs = qs.order_by("name_pinyin", "pk")
    if page is not None:
        qs = qs[(page - 1) * 50 : page * 50]
    else:
        qs = qs[:51]
    return qs.explain(analyze=True, buffers=True)


def cursors(user: Any) -> list[str]:
    """The keyset cursor that starts each page (index 0: page 2), in one pass over the list."""
    from linli.registry import selectors

    qs = selectors.filtered_residents(user, selectors.ResidentFilters())
    out: list[str] = []

    class Row:
        pass

    for i, (key, pk) in enumerate(
        qs.order_by("name_pinyin", "pk").values_list("name_pinyin", "pk").iterator(10_000)
    ):
        if i % selectors.PAGE_SIZE == selectors.PAGE_SIZE - 1:
            row: Any = Row()
            row.name_pinyin, row.pk = key, pk
            out.append(selectors.encode_cursor(row))
    return out


def keyset_page(user: Any, cursor: str) -> Any:
    from linli.registry import selectors

    return selectors.resident_page(user, selectors.ResidentFilters(), after=cursor)


def paginator_page(user: Any, number: int) -> Any:
    """resident_page's work with Django's Paginator (COUNT(*) and OFFSET) instead of a keyset."""
    from django.core.paginator import Paginator

    from linli.registry import selectors

    qs = selectors.filtered_residents(user, selectors.ResidentFilters())
    qs = qs.select_related("building", "dwelling", "grid").order_by("name_pinyin", "pk")
    page = Paginator(qs, selectors.PAGE_SIZE).page(number)
    rows = list(page.object_list)
    selectors.current_tags(user, [r.pk for r in rows], rows)
    return rows


def render_timings(user: Any, cursor_list: list[str], n: int) -> tuple[Timing, Timing] | str:
    from django.template import TemplateDoesNotExist
    from django.test import Client

    client = Client()
    client.force_login(user)
    try:
        response = client.get("/registry/residents/")
    except TemplateDoesNotExist as exc:
        return f"template {exc} is missing: the rendered page is not measured"
    if response.status_code != 200:
        return f"GET /registry/residents/ answered {response.status_code}: not measured"

    def get(path: str) -> None:
        r = client.get(path)
        assert r.status_code == 200, r.status_code

    first = time_calls(get, ["/registry/residents/"] * n, **CAP)
    rng = random.Random(5)
    urls = [f"/registry/residents/?after={rng.choice(cursor_list)}" for _ in range(n)]
    deep = time_calls(get, urls, **CAP)
    return first, deep


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--residents", type=int, default=20_000 if quick() else 1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reload", action="store_true", help="load the data again")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE plans")
    parser.add_argument("--quick", action="store_true", help="20,000 residents")
    args = parser.parse_args(argv)
    if args.quick and args.residents == 1_000_000:
        args.residents = 20_000
    try:
        configure(pg_url("" if args.residents == 1_000_000 else f"_{args.residents}"))
    except Skip as exc:
        print(f"SKIPPED bench_search: {exc}")
        return SKIPPED
    from django.db import connection

    if connection.vendor != "postgresql":
        print("SKIPPED bench_search: needs PostgreSQL (BENCH_DATABASE_URL)")
        return SKIPPED
    migrate()
    ensure_loaded(args.residents, args.seed, reload=args.reload)
    head, operator, community = bench_users()
    from linli.registry.models import Resident

    in_community = Resident.objects.filter(community=community).count()
    print(
        f"\nSearch and list benchmark on PostgreSQL {server_version() // 10000}: "
        f"{Resident.objects.count():,} residents; the head sees {community.name} "
        f"({in_community:,} residents); {args.queries} queries per case."
    )
    rng = random.Random(args.seed)
    all_ok = True
    plans: list[tuple[str, str]] = []

    # --- search -----------------------------------------------------------------------------
    rows: list[list[Any]] = []
    for who, user, cid in (("head", head, community.pk), ("operator", operator, None)):
        queries = search_queries(sample_residents(cid, args.queries, rng))
        for case, qs in queries.items():
            t = time_calls(partial(run_search, user), qs, **CAP)
            ok = t.p95 <= SEARCH_TARGET_MS
            all_ok &= ok
            rows.append([case, who, t.n, t.p50, t.p95, "ok" if ok else "MISSED"])
            if not ok or args.explain:
                plans.append((f"search {case} as {who}", explain(user, q=qs[0])))
    print(f"\nSearch, first page of matches (ms; target p95 ≤ {SEARCH_TARGET_MS:.0f} ms)")
    print_table(["query", "as", "n", "p50", "p95", "target"], rows)

    # --- list pages -------------------------------------------------------------------------
    rows = []
    render_rows: list[list[Any]] = []
    render_note = ""
    for who, user in (("head", head), ("operator", operator)):
        cursor_list = cursors(user)
        pages = len(cursor_list) + 1
        first_k = time_calls(partial(keyset_page, user), [""] * args.queries, **CAP)
        first_p = time_calls(partial(paginator_page, user), [1] * args.queries, **CAP)
        deep_numbers = [rng.randint(2, pages) for _ in range(args.queries)]
        deep_cursors = [cursor_list[n - 2] for n in deep_numbers]
        deep_k = time_calls(partial(keyset_page, user), deep_cursors, **CAP)
        deep_p = time_calls(partial(paginator_page, user), deep_numbers, **CAP)
        for label, k, p in (("page 1", first_k, first_p), (f"random of {pages:,}", deep_k, deep_p)):
            ok = k.p95 <= PAGE_TARGET_MS
            all_ok &= ok
            rows.append(
                [
                    label,
                    who,
                    k.p50,
                    k.p95,
                    p.p50,
                    p.p95,
                    f"{p.p95 / k.p95:.1f}×",
                    p.n,
                    "ok" if ok else "MISSED",
                ]
            )
        if args.explain:
            plans.append((f"Paginator deep page as {who}", explain(user, page=pages // 2)))
        rendered = render_timings(user, cursor_list, min(args.queries, 100))
        if isinstance(rendered, str):
            render_note = rendered
        else:
            for label, t in (("page 1", rendered[0]), ("random deep page", rendered[1])):
                ok = t.p95 <= PAGE_TARGET_MS
                all_ok &= ok
                render_rows.append([label, who, t.n, t.p50, t.p95, "ok" if ok else "MISSED"])
    print(
        f"\nResident list page, selector (ms; target p95 ≤ {PAGE_TARGET_MS:.0f} ms); "
        "baseline: Django Paginator on the same queryset"
    )
    print_table(
        [
            "page",
            "as",
            "keyset p50",
            "keyset p95",
            "Paginator p50",
            "Paginator p95",
            "Paginator/keyset (p95)",
            "Paginator n",
            "target",
        ],
        rows,
    )
    print("\nResident list page, rendered (GET /registry/residents/, ms)")
    if render_rows:
        print_table(["page", "as", "n", "p50", "p95", "target"], render_rows)
    else:
        print(f"  {render_note}")
    for title, plan in plans:
        print(f"\nEXPLAIN ANALYZE — {title}\n{plan}")
    print(f"\nPeak memory {peak_memory_mb():,.0f} MB.")
    print(f"bench_search: targets {'met' if all_ok else 'MISSED'}")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())

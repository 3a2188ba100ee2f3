"""Helpers shared by the benchmarks: Django on a chosen database, timing, memory, a fast loader.

Call `configure(url)` before anything imports Django models: it sets DATABASE_URL (and DEBUG=0, so
queries are not recorded) and runs `django.setup()`. PostgreSQL benchmarks use
`$BENCH_DATABASE_URL`, default postgres://postgres@127.0.0.1:5432/linli_bench, created if absent.
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/linli_bench"


class Skip(Exception):
    """The benchmark cannot run here (e.g. PostgreSQL is not reachable); the message says why."""


def quick() -> bool:
    """Small sizes: `run_all.py --quick` or BENCH_QUICK=1."""
    return os.environ.get("BENCH_QUICK", "") in {"1", "true", "yes"} or "--quick" in sys.argv


def pg_url(suffix: str = "") -> str:
    """$BENCH_DATABASE_URL, else the default database, its name + `suffix` (e.g. "_20000", so a
    small run does not replace the big data set of another)."""
    return os.environ.get("BENCH_DATABASE_URL", "").strip() or DEFAULT_PG_URL + suffix


def ensure_pg_database(url: str) -> None:
    """Create the PostgreSQL database of `url` if it does not exist; Skip if unreachable."""
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - psycopg is a dependency
        raise Skip("psycopg is not installed") from exc
    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = urlunparse(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        host = parts.hostname or "localhost"
        raise Skip(
            f"PostgreSQL is not reachable at {host}:{parts.port or 5432} "
            f"(set BENCH_DATABASE_URL): {str(exc).strip().splitlines()[0]}"
        ) from exc


_configured: str | None = None


def configure(url: str | None = None) -> str:
    """Point Django at `url` (default: a fresh SQLite file under var/bench) and set it up."""
    global _configured
    if _configured is not None:
        if url is not None and url != _configured:
            raise RuntimeError("Django is already configured for another database in this process.")
        return _configured
    if url is None:
        path = ROOT / "var" / "bench" / "bench.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{path}"
    if url.startswith(("postgres://", "postgresql://")):
        ensure_pg_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    import django

    django.setup()
    _configured = url
    return url


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


# --- timing -----------------------------------------------------------------------------------
@dataclass
class Timing:
    samples_ms: list[float]

    @property
    def n(self) -> int:
        return len(self.samples_ms)

    def pct(self, p: float) -> float:
        data = sorted(self.samples_ms)
        if not data:
            return float("nan")
        k = (len(data) - 1) * p / 100
        lo = int(k)
        hi = min(lo + 1, len(data) - 1)
        return data[lo] + (data[hi] - data[lo]) * (k - lo)

    @property
    def p50(self) -> float:
        return self.pct(50)

    @property
    def p95(self) -> float:
        return self.pct(95)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.samples_ms) if self.samples_ms else float("nan")


def time_calls(
    fn: Callable[[Any], object],
    args: Iterable[Any],
    *,
    warmup: int = 3,
    max_seconds: float | None = None,
    min_samples: int = 30,
) -> Timing:
    """Call fn(arg) for each arg and time each call; the first `warmup` calls are not counted.
    With `max_seconds`, stop early (after `min_samples` at least) when a case is slow."""
    items = list(args)
    for arg in items[:warmup]:
        fn(arg)
    samples: list[float] = []
    started = time.perf_counter()
    for arg in items:
        t0 = time.perf_counter()
        fn(arg)
        samples.append((time.perf_counter() - t0) * 1000)
        if (
            max_seconds is not None
            and len(samples) >= min_samples
            and time.perf_counter() - started > max_seconds
        ):
            break
    return Timing(samples)


def peak_memory_mb() -> float:
    """This process's peak resident memory in MB: VmHWM on Linux (which exec resets, so a child
    process reports its own; ru_maxrss would keep the parent's), else ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 if sys.platform != "darwin" else rss / 1024 / 1024


def print_table(headers: list[str], rows: list[list[Any]]) -> None:
    cells = [[str(h) for h in headers]] + [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for i, row in enumerate(cells):
        print("  " + "  ".join(c.rjust(w) if j else c.ljust(w) for j, (c, w) in
                               enumerate(zip(row, widths, strict=True))))  # fmt: skip
        if i == 0:
            print("  " + "  ".join("-" * w for w in widths))


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if value >= 10 else f"{value:.2f}"
    return str(value)


# --- loading demo data fast on PostgreSQL ---------------------------------------------------------
def copy_writer(batch: Any, using: str = "default") -> None:
    """Write one `linli.registry.demo.Batch` with PostgreSQL COPY instead of INSERT.

    Values go through each field's `pre_save` and `get_db_prep_save`, as in bulk_create, so
    encrypted fields are encrypted with the configured key and auto_now_add fields are filled.
    Models without explicit primary keys take theirs from the table's sequence."""
    from django.db import connections, transaction

    from linli.registry.demo import EXPLICIT_PK_MODELS, MODEL_ORDER

    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        raw = cursor.cursor
        for model in MODEL_ORDER:
            objs = batch.objects[model]
            if not objs:
                continue
            fields = [
                f
                for f in model._meta.concrete_fields
                if not (f.primary_key and model not in EXPLICIT_PK_MODELS)
            ]
            columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
            table = connection.ops.quote_name(model._meta.db_table)
            plain = [type(f) in _plain_fields() for f in fields]
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for obj in objs:
                    copy.write_row(
                        [
                            getattr(obj, f.attname)
                            if is_plain
                            else f.get_db_prep_save(f.pre_save(obj, True), connection=connection)
                            for f, is_plain in zip(fields, plain, strict=True)
                        ]
                    )


@cache
def _plain_fields() -> frozenset[type]:
    """Field classes whose Python value is already what PostgreSQL stores (no conversion)."""
    from django.db import models

    return frozenset(
        {
            models.AutoField,
            models.BigAutoField,
            models.CharField,
            models.TextField,
            models.SlugField,
            models.DateField,
            models.BooleanField,
            models.IntegerField,
            models.SmallIntegerField,
            models.PositiveSmallIntegerField,
            models.ForeignKey,
        }
    )

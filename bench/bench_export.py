"""Export of 100,000 residents to .xlsx: time and peak memory (target: peak ≤ 100 MB).

    .venv/bin/python bench/bench_export.py [--rows 100000]

The database (bench/out/bench_export.sqlite3, or DATABASE_URL) is filled once with the Linli
importer from the benchmark sheet. The export then runs in a fresh process, twice: once for the
time, once under tracemalloc for the peak of Python memory allocated by the export. The process's
peak RSS is printed too (it includes Django itself; the baseline printed beside it is the
process after setup). Baseline for the ratio: the same residents read with .iterator() and
nothing written (the cost of the query and decryption alone).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
sys.path[:0] = [str(ROOT), str(HERE)]
DB = "bench_export.sqlite3"
TARGET_MB = 100


from common import configure, peak_memory_mb  # noqa: E402


def setup_django() -> None:
    """Django on $DATABASE_URL, or on a SQLite file of this benchmark's own under bench/out/."""
    OUT.mkdir(exist_ok=True)
    configure(os.environ.get("DATABASE_URL") or f"sqlite:///{OUT / DB}")


def _user() -> Any:
    from django.contrib.auth import get_user_model

    User = get_user_model()
    user = User.objects.filter(username="bench").first()
    return user or User.objects.create_superuser("bench", password=None)


def child(mode: str) -> None:
    setup_django()
    from linli.registry import selectors
    from linli.registry.exporter import export_residents

    user = _user()
    filters = selectors.ResidentFilters()
    base = peak_memory_mb()
    if mode == "read":  # the baseline: query, decrypt, nothing written
        t0 = time.perf_counter()
        n = 0
        qs = selectors.filtered_residents(user, filters).select_related(
            "community", "grid", "building", "dwelling"
        )
        for r in qs.iterator(chunk_size=2000):
            _ = (r.id_number, r.phone, r.name)
            n += 1
        seconds = time.perf_counter() - t0
        print(json.dumps({"rows": n, "seconds": seconds, "rss": peak_memory_mb(), "base": base}))
        return
    with tempfile.TemporaryFile() as stream:
        if mode == "mem":
            tracemalloc.start()
        t0 = time.perf_counter()
        n = export_residents(actor=user, filters=filters, stream=stream)
        seconds = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024 if mode == "mem" else 0.0
        size = stream.tell()
    print(
        json.dumps(
            {
                "rows": n,
                "seconds": seconds,
                "peak_py": peak,
                "rss": peak_memory_mb(),
                "base": base,
                "size": size,
            }
        )
    )


def _run(mode: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", mode],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child)
        return 0

    setup_django()
    from django.core.management import call_command
    from residents_xlsx import clear_registry, generate, make_place

    from linli.registry.importer import import_residents
    from linli.registry.models import Resident

    call_command("migrate", verbosity=0)
    community, _ = make_place()
    _user()
    if Resident.objects.count() != args.rows:
        clear_registry()
        path = OUT / f"residents_{args.rows}.xlsx"
        if not path.exists():
            generate(path, args.rows)
        t0 = time.perf_counter()
        report = import_residents(actor=None, community=community, source=path, dry_run=False)
        if not report.committed:
            raise SystemExit(f"loading failed: {report.errors[:3]}")
        print(f"Loaded {report.rows_read:,} residents in {time.perf_counter() - t0:.1f} s")
    from django.db import connection

    print(f"Export benchmark: {args.rows:,} residents, database {connection.vendor}")
    read = _run("read")
    timed = _run("time")
    mem = _run("mem")
    for label, r in (("read only (baseline)", read), ("export", timed)):
        print(f"  {label:<21} {r['seconds']:7.2f} s  {r['rows'] / r['seconds']:9,.0f} rows/s")
    print(f"  file {timed['size'] / 1e6:.1f} MB, {timed['rows']:,} rows")
    print(
        f"  peak memory of the export (tracemalloc): {mem['peak_py']:.1f} MB; "
        f"process peak RSS {timed['rss']:.0f} MB (after setup {timed['base']:.0f} MB, "
        f"growth {timed['rss'] - timed['base']:.0f} MB)"
    )
    ratio = timed["seconds"] / read["seconds"]
    print(f"export / read-only: {ratio:.2f}×")
    ok = mem["peak_py"] <= TARGET_MB and timed["rss"] - timed["base"] <= TARGET_MB
    print(f"peak memory ≤ {TARGET_MB} MB: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Run every benchmark in bench/ (each bench_*.py with a main()), then print a summary.

    .venv/bin/python bench/run_all.py [--quick] [--only search,import] [--list]

Each benchmark runs in its own process (Django is configured once per process, and benchmarks use
different databases): this script imports the file by its path and calls its main(argv), which
returns 0 (ran, targets met), 77 (skipped, e.g. PostgreSQL not reachable) or anything else (a
target missed, or an error). `--quick` runs small sizes (BENCH_QUICK=1 and per-benchmark options).
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SKIPPED = 77

# Options for --quick, per benchmark (the others read BENCH_QUICK=1).
QUICK_ARGS: dict[str, list[str]] = {
    "bench_import": ["--rows", "5000", "--skip-iex"],
    "bench_export": ["--rows", "5000"],
    "bench_search": ["--residents", "20000", "--queries", "50"],
}
# The order benchmarks run in; any other bench_*.py files follow, alphabetically.
ORDER = ["bench_import", "bench_export", "bench_search"]


def discover() -> list[str]:
    found = sorted(p.stem for p in HERE.glob("bench_*.py"))
    return [n for n in ORDER if n in found] + [n for n in found if n not in ORDER]


def run_child(path: Path, argv: list[str]) -> int:
    """Import the benchmark file by path and call its main()."""
    sys.path[:0] = [str(ROOT), str(HERE)]
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        print(f"cannot import {path}")
        return 2
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    main = getattr(module, "main", None)
    if main is None:
        print(f"{path.name} has no main()")
        return 2
    sys.argv = [str(path), *argv]
    result = main(argv) if inspect.signature(main).parameters else main()
    return int(result or 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--only", default="", help="comma-separated names, e.g. search,import")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and stop")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args(argv)
    if args.child:
        return run_child(Path(args.child), rest)

    names = discover()
    for expected in ORDER:
        if expected not in names:
            print(f"{expected}.py: not found, skipped")
    if args.only:
        wanted = {w.strip().removeprefix("bench_") for w in args.only.split(",") if w.strip()}
        names = [n for n in names if n.removeprefix("bench_") in wanted]
    if args.list:
        print("\n".join(names))
        return 0

    env = os.environ.copy()
    if args.quick:
        env["BENCH_QUICK"] = "1"
    summary: list[tuple[str, str, float, list[str]]] = []
    for name in names:
        path = HERE / f"{name}.py"
        extra = QUICK_ARGS.get(name, []) if args.quick else []
        print(f"\n=== {name} {' '.join(extra)}".rstrip(), flush=True)
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, __file__, "--child", str(path), *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=ROOT,
        )
        verdicts: list[str] = []
        assert proc.stdout is not None
        for line in proc.stdout:
            print(line, end="", flush=True)
            low = line.lower()
            if "target" in low and any(w in line for w in ("PASS", "FAIL", "MISS", "met")):
                verdicts.append(line.strip())
        code = proc.wait()
        seconds = time.perf_counter() - t0
        status = {0: "ok", SKIPPED: "skipped"}.get(code, f"exit {code}")
        summary.append((name, status, seconds, verdicts))

    print("\n=== Summary")
    for name, status, seconds, verdicts in summary:
        print(f"  {name:<16} {status:<8} {seconds:7.1f} s")
        for v in verdicts:
            print(f"      {v}")
    failed = [s for s in summary if s[1] not in {"ok", "skipped"}]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

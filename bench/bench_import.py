"""Import of a large messy resident sheet: Linli against django-import-export and the floor.

    .venv/bin/python bench/bench_import.py [--rows 100000] [--skip-iex]

Contenders, each in its own process on the same file and database (so peak RSS is its own):
- floor: python-calamine reads the sheet, Resident rows built from the raw cells (no validation,
  no households), bulk_create. Nothing can be faster and still store the rows.
- linli: linli.registry.importer.import_residents (full validation, dwellings, households,
  memberships, tags, one transaction).
- linli-dry: the same, validation only.
- django-import-export 4.4.3 ("iex"): a ModelResource as the library documents it: use_bulk=True,
  skip_diff=True, reading the file with its XLSX format, clean_model_instances=True (full_clean per
  row), the building looked up per row as its ForeignKeyWidget does; the rows are validated by the
  same clean_resident (same rules); no dwellings or households (generous to it).
- "iex-tuned": the same with the building from a cache and without full_clean, for information.
Targets: linli ≥ 10× faster than django-import-export; linli ≤ 2× the floor.
Database: DATABASE_URL if given (e.g. PostgreSQL), else bench/out/bench_import.sqlite3.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
sys.path[:0] = [str(ROOT), str(HERE)]


# --- contenders (run in a child process) ---------------------------------------------------------

from common import configure, peak_memory_mb  # noqa: E402


def setup_django() -> None:
    """Django on $DATABASE_URL, or on a SQLite file of this benchmark's own under bench/out/."""
    OUT.mkdir(exist_ok=True)
    configure(os.environ.get("DATABASE_URL") or f"sqlite:///{OUT / 'bench_import.sqlite3'}")


def run_floor(path: Path, community: Any) -> int:
    from datetime import date

    from python_calamine import CalamineWorkbook

    from linli.registry.models import Building, Resident

    buildings = {b.name: b for b in Building.objects.filter(community=community)}
    for b in list(buildings.values()):
        buildings[b.code] = b
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    rows = iter(sheet.iter_rows())
    next(rows)
    batch: list[Resident] = []
    n = 0
    born = date(1980, 1, 1)
    for cells in rows:
        text = str(cells[10]).removesuffix(".0")
        b = buildings.get(text) or buildings[text.removesuffix("栋")]
        batch.append(
            Resident(
                community_id=community.pk,
                grid_id=b.grid_id,
                building_id=b.pk,
                name=str(cells[0]),
                sex="M",
                birth_date=born,
                id_number=str(cells[3]),
                id_number_hash=str(n),
                phone=str(cells[4]),
                hukou_type=str(cells[5])[:12],
            )
        )
        n += 1
        if len(batch) >= 5000:
            Resident.objects.bulk_create(batch, batch_size=1000)
            batch = []
    Resident.objects.bulk_create(batch, batch_size=1000)
    return n


def run_linli(path: Path, community: Any, *, dry_run: bool) -> int:
    from linli.registry.importer import import_residents

    report = import_residents(actor=None, community=community, source=path, dry_run=dry_run)
    if report.errors:
        raise SystemExit(f"linli reported {len(report.errors)} errors, e.g. {report.errors[:3]}")
    return report.rows_read


def run_iex(path: Path, community: Any, *, tuned: bool = False) -> int:
    import tablib
    from import_export import fields, resources, widgets

    from linli.core.keys import blind
    from linli.lib.normalize import clean_text
    from linli.registry.importer import _ALIASES, _CHOICE_FIELDS
    from linli.registry.models import Building, Resident
    from linli.registry.services import apply_resident_data
    from linli.registry.validation import ResidentData, clean_resident

    buildings: dict[str, Any] = {}
    for b in Building.objects.filter(community=community):
        buildings[b.name] = buildings[b.code] = b
    columns = {
        "name": "姓名",
        "sex": "性别",
        "birth_date": "出生日期",
        "id_number": "公民身份号码",
        "phone": "联系电话",
        "hukou_type": "户籍类别",
        "ethnicity": "民族",
        "education": "文化程度",
        "employment": "就业状况",
        "marital_status": "婚姻状况",
        "disability_kind": "残疾类别",
        "disability_grade": "残疾等级",
        "notes": "备注",
    }

    class ResidentResource(resources.ModelResource):
        id_number_hash = fields.Field(attribute="id_number_hash", column_name="id_number_hash")
        name = fields.Field(attribute="name", column_name="姓名")
        sex = fields.Field(attribute="sex", column_name="性别")
        birth_date = fields.Field(
            attribute="birth_date", column_name="出生日期", widget=widgets.DateWidget()
        )
        id_number = fields.Field(attribute="id_number", column_name="公民身份号码")
        phone = fields.Field(attribute="phone", column_name="联系电话")
        hukou_type = fields.Field(attribute="hukou_type", column_name="户籍类别")
        ethnicity = fields.Field(attribute="ethnicity", column_name="民族")
        education = fields.Field(attribute="education", column_name="文化程度")
        employment = fields.Field(attribute="employment", column_name="就业状况")
        marital_status = fields.Field(attribute="marital_status", column_name="婚姻状况")
        disability_kind = fields.Field(attribute="disability_kind", column_name="残疾类别")
        disability_grade = fields.Field(
            attribute="disability_grade", column_name="残疾等级", widget=widgets.IntegerWidget()
        )
        notes = fields.Field(attribute="notes", column_name="备注")

        class Meta:
            model = Resident
            use_bulk = True
            skip_diff = True
            # The library's documented way to validate: Model.full_clean() on every row (field
            # checks and the unique check of the ID number's hash). The tuned run leaves it out.
            clean_model_instances = not tuned
            batch_size = 1000
            import_id_fields = ("id_number_hash",)
            fields = ("id_number_hash", *columns)

        def before_import(self, dataset: Any, **kwargs: Any) -> None:
            dataset.append_col([""] * dataset.height, header="id_number_hash")

        def before_import_row(self, row: Any, **kwargs: Any) -> None:
            raw = {f: row.get(h) for f, h in columns.items()}
            for key in _CHOICE_FIELDS:
                text = clean_text(raw.get(key))
                raw[key] = _ALIASES[key].get(text, text)
            data = clean_resident(raw)  # raises: the row is reported as an error
            text = clean_text(row.get("楼栋"))
            if tuned:
                self._building = buildings.get(text) or buildings[text.removesuffix("栋")]
            else:  # as ForeignKeyWidget does: one lookup per row
                name = text if text.endswith("栋") else f"{text}栋"
                self._building = Building.objects.get(community=community, name=name)
            self._data = data
            for f, h in columns.items():
                row[h] = getattr(data, f)
            row["id_number_hash"] = blind(data.id_number)

        def after_init_instance(self, instance: Any, new: Any, row: Any, **kwargs: Any) -> None:
            data: ResidentData = self._data
            apply_resident_data(instance, data)
            instance.community_id = community.pk
            instance.building_id = self._building.pk
            instance.grid_id = self._building.grid_id

    with path.open("rb") as f:
        dataset = tablib.Dataset().load(f, format="xlsx")
    result = ResidentResource().import_data(dataset, dry_run=False, use_transactions=True)
    if result.has_errors() or result.has_validation_errors():
        rows = result.row_errors()[:2] if result.has_errors() else result.invalid_rows[:2]
        raise SystemExit(f"django-import-export reported errors: {rows}")
    return int(result.totals.get("new", 0)) + int(result.totals.get("update", 0))


def child(name: str, path: Path) -> None:
    setup_django()
    from residents_xlsx import clear_registry, make_place

    from linli.registry.models import Resident

    community, _ = make_place()
    clear_registry()
    base = peak_memory_mb()
    t0 = time.perf_counter()
    if name == "floor":
        n = run_floor(path, community)
    elif name == "linli":
        n = run_linli(path, community, dry_run=False)
    elif name == "linli-dry":
        n = run_linli(path, community, dry_run=True)
    elif name == "iex":
        n = run_iex(path, community)
    elif name == "iex-tuned":
        n = run_iex(path, community, tuned=True)
    else:
        raise SystemExit(f"unknown contender {name}")
    seconds = time.perf_counter() - t0
    stored = Resident.objects.count()
    clear_registry()
    print(
        json.dumps(
            {
                "name": name,
                "rows": n,
                "stored": stored,
                "seconds": seconds,
                "rss": peak_memory_mb(),
                "base": base,
            }
        )
    )


# --- the parent -------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--skip-iex", action="store_true", help="leave out django-import-export")
    parser.add_argument(
        "--repeat", type=int, default=2, help="runs of floor and linli; the best counts"
    )
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    parser.add_argument("--file", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, Path(args.file))
        return 0

    OUT.mkdir(exist_ok=True)
    if "DATABASE_URL" not in os.environ:
        for suffix in ("", "-wal", "-shm"):
            (OUT / f"bench_import.sqlite3{suffix}").unlink(missing_ok=True)
    setup_django()
    from django.core.management import call_command
    from residents_xlsx import generate, make_place

    call_command("migrate", verbosity=0)
    make_place()
    path = OUT / f"residents_{args.rows}.xlsx"
    t0 = time.perf_counter()
    generate(path, args.rows)
    from django.db import connection

    print(
        f"Import benchmark: {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB .xlsx "
        f"(generated in {time.perf_counter() - t0:.1f} s), database {connection.vendor}"
    )
    names = ["floor", "linli", "linli-dry"] + ([] if args.skip_iex else ["iex", "iex-tuned"])
    results: dict[str, dict[str, Any]] = {}
    for name in names:
        runs = []
        for _ in range(max(1, args.repeat) if name in ("floor", "linli") else 1):
            proc = subprocess.run(
                [sys.executable, __file__, "--child", name, "--file", str(path)],
                capture_output=True,
                text=True,
                env=os.environ.copy(),
                check=False,
            )
            if proc.returncode != 0:
                print(f"{name}: failed\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
                return 1
            runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        results[name] = r = min(runs, key=lambda x: x["seconds"])
        if len(runs) > 1:
            times = ", ".join(f"{x['seconds']:.2f}" for x in runs)
            print(f"  ({name}: {times} s; the best counts)")
        print(
            f"  {name:<10} {r['seconds']:8.2f} s  {r['rows'] / r['seconds']:10,.0f} rows/s  "
            f"peak RSS {r['rss']:6.0f} MB (after setup {r['base']:.0f} MB)  "
            f"stored {r['stored']:,}"
        )
    linli = results["linli"]["seconds"]
    floor = results["floor"]["seconds"]
    ok = True
    ratio = linli / floor
    ok &= ratio <= 2
    print(f"linli / floor: {ratio:.2f}× (target ≤ 2×) {'PASS' if ratio <= 2 else 'FAIL'}")
    if "iex" in results:
        speedup = results["iex"]["seconds"] / linli
        ok &= speedup >= 10
        print(
            f"django-import-export / linli: {speedup:.1f}× (target ≥ 10×) "
            f"{'PASS' if speedup >= 10 else 'FAIL'}"
        )
        tuned = results["iex-tuned"]["seconds"] / linli
        print(
            f"django-import-export tuned (cached lookups, no full_clean) / linli: {tuned:.1f}× "
            "(for information)"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

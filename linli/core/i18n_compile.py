"""Compile the .po translation catalogues to .mo without GNU gettext, and check them.

python -m linli.core.i18n_compile          compile every linli/locale/*/LC_MESSAGES/*.po
python -m linli.core.i18n_compile --check  also fail on untranslated or fuzzy entries
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib  # type: ignore[import-untyped]

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def problems(po_path: Path) -> list[str]:
    po = polib.pofile(str(po_path))
    out: list[str] = []
    if po.metadata_is_fuzzy:
        out.append(f"{po_path.name}: the header is marked fuzzy")
    for entry in po:
        if entry.obsolete:
            continue
        where = f"{po_path.name}:{entry.linenum}"
        if "fuzzy" in entry.flags:
            out.append(f"{where}: fuzzy entry {entry.msgid!r}")
        elif not entry.translated():
            out.append(f"{where}: untranslated {entry.msgid!r}")
    return out


def compile_all(check: bool = False) -> int:
    found = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))
    errors: list[str] = []
    for po_path in found:
        if check:
            errors.extend(problems(po_path))
        polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
    if errors:
        print("Translations are incomplete:", file=sys.stderr)
        for line in errors:
            print("  " + line, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(compile_all(check="--check" in sys.argv[1:]))

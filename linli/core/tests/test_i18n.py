"""Every user-facing string has a zh-hans translation, and Chinese is the default."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib  # type: ignore[import-untyped]
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from linli.core.i18n_compile import problems

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "linli" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_catalogue_has_no_untranslated_or_fuzzy_entries() -> None:
    assert PO.exists()
    assert problems(PO) == []


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_catalogue_covers_every_marked_string(tmp_path: Path) -> None:
    """Extract the strings afresh from a copy of the source; each must be in the catalogue."""
    shutil.copytree(
        ROOT / "linli",
        tmp_path / "linli",
        ignore=shutil.ignore_patterns("vendor", "__pycache__", "*.mo", "tests"),
    )
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "LINLI_VAR_DIR": str(tmp_path / "var")},
        timeout=300,
    )
    fresh = {e.msgid for e in polib.pofile(str(tmp_path / PO.relative_to(ROOT)))}
    ours = {e.msgid for e in polib.pofile(str(PO)) if e.translated() and not e.obsolete}
    missing = sorted(fresh - ours)
    assert missing == [], f"run `make messages` and translate: {missing[:20]}"


@pytest.mark.django_db
def test_chinese_by_default_and_english_on_request() -> None:
    page = Client().get(reverse("login")).content.decode()
    assert "登录" in page
    english = Client(headers={"accept-language": "en"}).get(reverse("login")).content.decode()
    assert "Log in" in english
    client = Client()
    client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    assert "Log in" in client.get(reverse("login")).content.decode()

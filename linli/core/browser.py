"""Where the headless Chromium for browser tests and screenshots is."""

from __future__ import annotations

import os
import shutil


def find_chromium() -> str | None:
    explicit = os.environ.get("LINLI_CHROMIUM")
    if explicit and os.path.exists(explicit):
        return explicit
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

"""Printed at the end of `make test`: say loudly when the browser tests could not run."""

from __future__ import annotations

from linli.core.browser import find_chromium

if __name__ == "__main__":
    path = find_chromium()
    if path is None:
        bar = "!" * 72
        print(f"\n{bar}\n!! BROWSER TESTS WERE SKIPPED: no Chromium found.")
        print("!! Install it with: apt-get install chromium fonts-noto-cjk")
        print(f"!! (or set LINLI_CHROMIUM=/path/to/chromium)\n{bar}\n")
    else:
        print(f"Browser tests ran in {path}.")

"""Screenshots of the running demo, as a user sees it (for docs and for checking pages).

    .venv/bin/python scripts/screenshots.py [--base http://127.0.0.1:8000] [--user head] \
        [--out var/screenshots] [--mobile] PATH [PATH ...]
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from playwright.sync_api import sync_playwright

from linli.core.browser import CHROMIUM_ARGS, find_chromium


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="head")
    parser.add_argument("--password", default="Linli-demo-2026")
    parser.add_argument("--out", default="var/screenshots")
    parser.add_argument("--mobile", action="store_true")
    parser.add_argument("--lang", default="zh-CN")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    chromium = find_chromium()
    if chromium is None:
        raise SystemExit("no Chromium found: apt-get install chromium fonts-noto-cjk")
    viewport = {"width": 390, "height": 844} if args.mobile else {"width": 1366, "height": 900}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=viewport, locale=args.lang)
        page = context.new_page()
        page.goto(args.base + "/login/")
        page.fill("#id_username", args.user)
        page.fill("#id_password", args.password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        for path in args.paths:
            page.goto(args.base + path)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(600)
            name = re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "home"
            suffix = "_mobile" if args.mobile else ""
            target = out / f"{args.user}_{name}{suffix}.png"
            page.screenshot(path=str(target), full_page=True)
            print(target)
        browser.close()


if __name__ == "__main__":
    main()

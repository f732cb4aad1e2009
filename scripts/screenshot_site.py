"""Screenshots of each kind of page dj site writes, for the README: docs/网页-*.png.

    python scripts/screenshot_site.py [--today 2026-06-01]

Builds the demo repository in a temporary folder, writes its site, and photographs the pages in Debian's
headless Chromium (apt-get install chromium) through playwright (pip install playwright; no browser download).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PAGES = {  # file in the site → picture in docs/
    "index.html": "网页-概览.png",
    "projects.html": "网页-全部项目.png",
    "p/2025-外语-002.html": "网页-项目.png",
    "todo.html": "网页-待办事项.png",
    "grading.html": "网页-分类定级.png",
}


def dj(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "dangjian_cli", *args], check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--today", default="2026-06-01", help="the day the site counts deadlines from")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        demo, site = Path(tmp) / "demo", Path(tmp) / "site"
        dj("demo", str(demo))
        dj("--repo", str(demo), "site", "--out", str(site), "--today", args.today)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=ARGS)
            page = browser.new_page(viewport={"width": 1200, "height": 900}, device_scale_factor=1)
            for name, picture in PAGES.items():
                page.goto((site / name).as_uri())
                out = ROOT / "docs" / picture
                # the overview and the lists are long: the first screens say what the page is
                page.screenshot(path=str(out), full_page=True, clip={"x": 0, "y": 0, "width": 1200, "height": 1600})
                print(f"已生成 {out.relative_to(ROOT)}")
            browser.close()


if __name__ == "__main__":
    main()

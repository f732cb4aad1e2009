"""dj site in a real headless Chromium (Debian's chromium, driven by playwright): every page kind loads with no
console error, and the numbers a leader reads are the ones `dj stats --json` prints."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from conftest import Dj

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
TODAY = "2026-06-01"


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "没有 playwright：pip install '.[test]'"
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        return "没有 Chromium：apt-get install chromium（.ci/run 会安装）"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = _missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")),
                                     args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The demo's year and its site, built once for the module."""
    from typer.testing import CliRunner

    from dangjian_cli.cli import app

    base = tmp_path_factory.mktemp("browser")
    runner = CliRunner()
    for args in (["demo", str(base / "demo")],
                 ["--repo", str(base / "demo"), "site", "--out", str(base / "site"), "--today", TODAY]):
        r = runner.invoke(app, args, catch_exceptions=False)
        assert r.exit_code == 0, r.stderr
    return base / "demo", base / "site"


def visit(browser: Any, page_file: Path) -> tuple[Any, list[str]]:
    """The page as Chromium shows it, and every console message and script error it raised."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"requestfailed: {r.url}"))
    page.goto(page_file.as_uri())
    return page, problems


KINDS = ["index.html", "projects.html", "todo.html", "grading.html", f"p/{quote('2025-外语-002')}.html"]


@pytest.mark.parametrize("name", KINDS)
def test_each_page_kind_loads_without_a_console_error(browser: Any, demo: tuple[Path, Path], name: str) -> None:
    _, site = demo
    from urllib.parse import unquote

    page, problems = visit(browser, site / unquote(name))
    try:
        assert page.title().endswith("中共彩神学院委员会")
        assert page.locator("h2").count() >= 1 and page.locator("nav a").count() == 4
        assert problems == []
    finally:
        page.close()


def test_the_numbers_on_the_overview_are_dj_stats(browser: Any, demo: tuple[Path, Path], dj: Dj) -> None:
    repo, site = demo
    r = dj("--repo", str(repo), "stats", "--cycle", "2025", "--json")
    assert r.exit_code == 0, r.stderr
    stats = json.loads(r.stdout)["projects"]
    page, problems = visit(browser, site / "index.html")
    try:
        shown = {e.get_attribute("data-stat"): e.inner_text() for e in page.locator("[data-stat]").all()}
    finally:
        page.close()
    expected = {f"{heading}/{label}": value for heading, rows in stats.items() for label, value in rows.items()}
    assert set(expected) <= set(shown)
    for key, value in expected.items():
        text = shown[key].replace(",", "")
        assert (Decimal(text) == Decimal(value)) if isinstance(value, str) else int(text) == value, key
    assert problems == []


def test_the_project_page_shows_its_history_and_who_is_next(browser: Any, demo: tuple[Path, Path]) -> None:
    _, site = demo
    page, _ = visit(browser, site / "p" / "2025-外语-002.html")
    try:
        text = page.locator("main").inner_text()
    finally:
        page.close()
    # 2025-外语-002 in the demo: applied, approved, recommended, mid-checked, closed, two sheets (钱评委, 周评委)
    for step in ("申报", "立项", "推荐参评", "中期检查", "结题", "验收评分"):
        assert step in text
    assert "‘党员+志愿者’<服务队>&结对帮扶" in text  # the title's < > & as text
    assert "dj accept 2025-外语-002" in text and "孙评委" not in text  # 孙评委 is of 外国语学院党委: recused


def test_the_page_prints(browser: Any, demo: tuple[Path, Path]) -> None:
    _, site = demo
    page, _ = visit(browser, site / "index.html")
    try:
        page.emulate_media(media="print")
        assert page.locator("nav").is_hidden()
        pdf = page.pdf(format="A4")
    finally:
        page.close()
    assert pdf.startswith(b"%PDF")

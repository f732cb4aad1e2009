"""dj site: the pages a leader opens, written from the repository by the real CLI (the browser's view is in
test_site_browser.py)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

from conftest import DATA, Dj, apply_sample, git, ok

HOSTILE = "<script>alert(1)</script>{{ 7*7 }}&amp;"


pytestmark = pytest.mark.usefixtures("no_forms")


@pytest.fixture
def year(repo: Path, dj: Dj, tmp_path: Path) -> Path:
    """Three projects: one applied, one approved (1000 granted, 380.50 and 0.25 spent), one with a hostile title."""
    first = apply_sample(dj)
    second = apply_sample(dj)
    ok(dj, "approve", second, "--date", "2025-05-20")
    ok(dj, "spend", second, "380.50", "公示栏", "--date", "2025-06-20")
    ok(dj, "spend", second, "0.25", "胶水", "--date", "2025-06-21")
    application = yaml.safe_load((DATA / "application.yaml").read_text(encoding="utf-8"))
    application["title"] = HOSTILE
    hostile = tmp_path / "hostile.yaml"
    hostile.write_text(yaml.safe_dump(application, allow_unicode=True), encoding="utf-8")
    ok(dj, "apply", "--from", str(hostile), "--date", "2025-05-07")
    assert [first, second] == ["2025-机电-001", "2025-机电-002"]
    return repo


def page(site: Path, name: str) -> str:
    return (site / name).read_text(encoding="utf-8")


def stat(html: str, name: str) -> str:
    found = re.findall(rf'data-stat="{re.escape(name)}">([^<]*)<', html)
    assert found, name
    return found[0]


def test_the_overview_counts_the_year_and_its_money_to_the_cent(year: Path, dj: Dj, tmp_path: Path) -> None:
    out = ok(dj, "site", "--out", str(tmp_path / "网站"), "--today", "2025-06-25")
    assert "已生成网站（6 个页面，3 个项目）" in out  # 概览、全部项目、待办事项 and one page per project
    html = page(tmp_path / "网站", "index.html")
    assert stat(html, "按状态/已申报") == "2" and stat(html, "按状态/已立项") == "1"
    assert stat(html, "按单位/机电学院党委") == "3" and stat(html, "按单位/外国语学院党委") == "0"
    assert stat(html, "经费/资助经费合计（元）") == "1,000.00"
    assert stat(html, "经费/已支出合计（元）") == "380.75"
    assert stat(html, "经费/结余合计（元）") == "619.25"
    assert "<svg" in html and "<script" not in html.replace("&lt;script", "")
    assert 'href="http' not in html and "src=" not in html  # nothing fetched from anywhere


def test_a_hostile_title_comes_out_as_text(year: Path, dj: Dj, tmp_path: Path) -> None:
    ok(dj, "site", "--out", str(tmp_path / "site"))
    for name in ("index.html", "projects.html", "todo.html", "p/2025-机电-003.html"):
        html = page(tmp_path / "site", name)
        assert "<script>" not in html, name
        assert "&lt;script&gt;alert(1)&lt;/script&gt;{{ 7*7 }}&amp;amp;" in html or name == "index.html", name
    assert "49" not in page(tmp_path / "site", "p/2025-机电-003.html")


def test_each_project_has_its_history_with_the_commit(year: Path, dj: Dj, tmp_path: Path) -> None:
    ok(dj, "site", "--out", str(tmp_path / "site"))
    html = page(tmp_path / "site", "p/2025-机电-002.html")
    commits = git(year, "log", "--format=%h %s", "--reverse", "--", "projects/2025/2025-机电-002.yaml").splitlines()
    assert len(commits) == 4  # apply, approve, two spends
    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td><code>(\w+)</code>",
                      html)
    assert [(r[0], r[1], r[2], r[4]) for r in rows] == [
        ("2025-05-06", "王干事", "申报", commits[0].split()[0]),
        ("2025-05-20", "王干事", "立项", commits[1].split()[0]),
        ("2025-06-20", "王干事", "经费支出", commits[2].split()[0]),
        ("2025-06-21", "王干事", "经费支出", commits[3].split()[0]),
    ]
    assert rows[1][3] == "已申报 → 已立项"


def test_links_are_relative_and_lead_to_pages_that_exist(year: Path, dj: Dj, tmp_path: Path) -> None:
    site = tmp_path / "site"
    ok(dj, "site", "--out", str(site))
    listing = page(site, "projects.html")
    assert f'href="p/{quote("2025-机电-001")}.html"' in listing
    for html_file in [site / "index.html", site / "projects.html", site / "todo.html", *site.glob("p/*.html")]:
        for href in re.findall(r'href="([^"#]+)', html_file.read_text(encoding="utf-8")):
            if href.startswith("data:"):
                continue
            assert not href.startswith(("/", "http")), href
            from urllib.parse import unquote

            assert (html_file.parent / unquote(href)).is_file(), (html_file, href)


def test_todo_page_is_dj_todo_all(year: Path, dj: Dj, tmp_path: Path) -> None:
    ok(dj, "site", "--out", str(tmp_path / "site"), "--today", "2025-06-25")
    html = page(tmp_path / "site", "todo.html")
    # two applications wait on the approvers: 王干事 (clerk and approver) and 李部长; the approved one's mid-check too
    assert re.search(r'id="p0">王干事（组织部）：3 项<', html) and re.search(r'id="p1">李部长（组织部）：3 项<', html)
    assert html.count("dj approve 2025-机电-001") == 2


def test_the_site_replaces_only_a_site(year: Path, dj: Dj, tmp_path: Path) -> None:
    site = tmp_path / "site"
    ok(dj, "site", "--out", str(site))
    (site / "p" / "stale.html").write_text("old", encoding="utf-8")
    ok(dj, "site", "--out", str(site))
    assert not (site / "p" / "stale.html").exists()  # the whole folder is written anew
    mine = tmp_path / "我的文件"
    mine.mkdir()
    (mine / "总结.docx").write_bytes(b"keep")
    r = dj("site", "--out", str(mine))
    assert r.exit_code == 1 and "不是 dj site 生成的" in r.stderr
    assert (mine / "总结.docx").read_bytes() == b"keep" and not (mine / "index.html").exists()
    r = dj("site", "--out", str(year))
    assert r.exit_code == 1 and "数据仓库本身" in r.stderr


def test_branch_grades_get_their_page_once_they_exist(tmp_path: Path, dj: Dj) -> None:
    ok(dj, "demo", str(tmp_path / "demo"))
    ok(dj, "--repo", str(tmp_path / "demo"), "site", "--out", str(tmp_path / "site"), "--today", "2026-06-01")
    html = page(tmp_path / "site", "grading.html")
    # the demo's 2026 round: 14 branches, 2 A, 9 B, 2 C, 1 D (demo/scenario.yaml)
    assert re.search(r"<td>合计</td><td>14</td><td>2</td><td>9</td><td>2</td><td>1</td><td>0</td>", html)
    assert 'href="grading.html"' in page(tmp_path / "site", "index.html")


def test_dj_init_publishes_the_site_on_both_forges(tmp_path: Path, dj: Dj) -> None:
    git(tmp_path, "config", "--global", "user.name", "王干事")
    git(tmp_path, "config", "--global", "user.email", "wang@zzb.example")
    ok(dj, "init", str(tmp_path / "data"), "--preset", "county", "--org", "中共测试县委组织部")
    github = yaml.safe_load((tmp_path / "data" / ".github" / "workflows" / "dj.yml").read_text(encoding="utf-8"))
    job = github["jobs"]["site"]
    runs = [s.get("run", "") for s in job["steps"]]
    assert any(r.startswith("dj site --out _site") for r in runs)
    assert any(s.get("uses", "").startswith("actions/deploy-pages@") for s in job["steps"])
    assert job["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    gitlab = yaml.safe_load((tmp_path / "data" / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    assert any(line.startswith("dj site --out public") for line in gitlab["pages"]["script"])
    assert gitlab["pages"]["artifacts"]["paths"] == ["public"]

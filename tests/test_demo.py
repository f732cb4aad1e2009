"""`dj demo` as a newcomer runs it, and the sample projects this repository ships."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Dj, git
from dangjian_cli.model import Status

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run the real console entry point with a relative directory, as the README does."""
    cwd = tmp_path_factory.mktemp("demo")
    home = cwd / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"), "GIT_CONFIG_NOSYSTEM": "1"}
    r = subprocess.run([sys.executable, "-m", "dangjian_cli", "demo", "dj-demo"], cwd=cwd, env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "15 个项目" in r.stdout
    return cwd / "dj-demo"


def test_demo_covers_every_status_and_checks_clean(demo_repo: Path, dj: Dj) -> None:
    listed = json.loads(dj("--repo", str(demo_repo), "list", "--json").stdout)
    assert len(listed) == 15
    assert {p["status"] for p in listed} == {s.value for s in Status}
    r = dj("--repo", str(demo_repo), "check")
    assert r.exit_code == 0, r.stdout
    assert "15 个项目文件、14 个党支部定级记录都没有问题" in r.stdout


def test_demo_history_reads_like_a_year_of_work(demo_repo: Path, dj: Dj) -> None:
    subjects = git(demo_repo, "log", "--reverse", "--format=%an|%ad|%s", "--date=short").splitlines()
    assert subjects[0].split("|")[2].startswith("init:")
    assert subjects[1].split("|")[1] == "2025-05-06"  # the first application, on its own date
    authors = {line.split("|")[0] for line in subjects}
    assert {"王干事", "张建国", "钱评委"} <= authors  # clerk, branch secretary, reviewer
    assert git(demo_repo, "status", "--porcelain") == ""  # every step was committed

    log = dj("--repo", str(demo_repo), "log", "2025-机电-001")
    assert log.exit_code == 0
    for words in ("张建国", "申报", "王干事", "立项", "中期检查", "结题", "验收评分", "已验收"):
        assert words in log.stdout


def test_demo_refuses_a_folder_that_is_not_empty(tmp_path: Path, dj: Dj) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "note.txt").write_text("别动", encoding="utf-8")
    r = dj("demo", str(tmp_path / "busy"))
    assert r.exit_code == 1
    assert "不是空的" in r.stderr
    assert [p.name for p in (tmp_path / "busy").iterdir()] == ["note.txt"]


def test_this_repository_is_a_data_repository_with_the_demo_projects(demo_repo: Path, dj: Dj) -> None:
    r = dj("--repo", str(ROOT), "check")
    assert r.exit_code == 0, r.stdout
    shipped = sorted(p.relative_to(ROOT) for p in (ROOT / "projects").rglob("*.yaml"))
    built = sorted(p.relative_to(demo_repo) for p in (demo_repo / "projects").rglob("*.yaml"))
    assert shipped == built and len(shipped) >= 12
    stale = [str(p) for p in shipped if (ROOT / p).read_bytes() != (demo_repo / p).read_bytes()]
    assert not stale, f"projects/ 与 dj demo 的结果不同：{stale}；请用 dj demo 重新生成后复制 projects/。"
    assert (ROOT / "dj.yaml").read_bytes() == (demo_repo / "dj.yaml").read_bytes()


def test_demo_walks_the_cycle_to_its_award_list_and_ledger(demo_repo: Path, dj: Dj) -> None:
    listed = {p["id"]: p for p in json.loads(dj("--repo", str(demo_repo), "list", "--json").stdout)}
    # 001: 85 points or more → 优秀成果. In June 2026 only 机电-001 (88.25) and 外语-001 (86.40) were
    # accepted above 85; 机关-001 was then in its second stage.
    winners = sorted(pid for pid, p in listed.items() if p.get("result", {}).get("award"))
    assert winners == ["2025-外语-001", "2025-机电-001"]
    # 002: five judges, so the highest and lowest totals are dropped before averaging:
    # 机关-001 89 89 91 94 96 → (89+91+94)/3 = 91.33; 机电-001 84 85 87 90 92 → 87.33;
    # 外语-001 79 81 82 84 87 → 82.33; 经管-001 69 71 73 75 77 → 73.00, below the demo's 80.
    contest = {pid: (p["competition"]["total"], p["competition"].get("award", ""))
               for pid, p in listed.items() if p.get("competition", {}).get("total")}
    prize = "基层党建工作创新项目奖"
    assert contest == {"2025-机关-001": ("91.33", prize), "2025-机电-001": ("87.33", prize),
                       "2025-外语-001": ("82.33", prize), "2025-经管-001": ("73.00", "")}

    from docx import Document

    honours = Document(str(demo_repo / "out" / "2025-党建工作项目评比-表彰名单.docx")).tables[0]
    assert [[c.text for c in row.cells][:3] for row in honours.rows][1:] == [
        ["1", "优秀成果", "2025-机电-001"], ["2", "优秀成果", "2025-外语-001"]]

    from openpyxl import load_workbook

    sheet = load_workbook(demo_repo / "out" / "台账-2025.xlsx")["台账"]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + 15
    jd001 = next(r for r in rows if r[0] == "2025-机电-001")
    # granted 1000, spent 380 + 260 + 296 = 936, balance 64
    assert (jd001[9], jd001[10], jd001[11]) == (1000, 936, 64)


def test_check_finds_totals_and_money_that_do_not_add_up(tmp_path: Path, dj: Dj) -> None:
    """A hand-edited score or spending line is caught even when the file itself is well-formed."""
    shutil.copytree(ROOT / "projects", tmp_path / "projects")
    shutil.copy(ROOT / "dj.yaml", tmp_path / "dj.yaml")
    path = tmp_path / "projects" / "2025" / "2025-机电-001.yaml"
    text = path.read_text(encoding="utf-8")
    # 孙评委's sheet is 19 + 18 + 18 + 19 + 18 = 92; claim 95. The first receipt 380 becomes 800,
    # so 800 + 260 + 296 = 1356 > the 1000 granted.
    text = text.replace("total: 92.00", "total: 95.00", 1).replace(
        "- date: 2025-06-20\n    amount: 380.00", "- date: 2025-06-20\n    amount: 800.00")
    path.write_text(text, encoding="utf-8")
    r = dj("--repo", str(tmp_path), "check", "--json")
    assert r.exit_code == 1
    messages = [p["message"] for p in json.loads(r.stdout)]
    assert any("孙评委 的合计 95.00 与各项得分算出的 92.00 不符" in m for m in messages)
    assert any("已支出 1356.00 元，超过资助经费 1000.00 元" in m for m in messages)


def test_the_demo_history_replays_step_by_step(demo_repo: Path, dj: Dj, tmp_path: Path) -> None:
    """Every commit of a whole year (sheets, --as entries, awards, a promotion, the competition) re-runs clean,
    and one amount changed inside an honest-looking spend commit is found."""
    r = dj("--repo", str(demo_repo), "audit", "--json")
    assert r.exit_code == 0, r.stdout
    assert json.loads(r.stdout) == []

    def cheaper(text: str, args: dict[str, str]) -> str:
        assert f"amount: {args['amount']}" in text
        return text.replace(f"amount: {args['amount']}", "amount: 1.00")

    copy, path = _amend_last(demo_repo, tmp_path, "spend", cheaper)
    found = json.loads(dj("--repo", str(copy), "audit", "--json").stdout)
    assert [(f["file"], f["field"], f["rule"]) for f in found] == [(path, "spending", "replay")]


def _amend_last(demo_repo: Path, tmp_path: Path, action: str, change: Callable[[str, dict[str, str]], str]
                ) -> tuple[Path, str]:
    """A clone whose HEAD is the demo's last `action` commit, its record changed and the commit amended."""
    copy = tmp_path / "copy"
    git(tmp_path, "clone", "-q", str(demo_repo), str(copy))
    step = git(copy, "log", "-1", "--format=%H", "--all-match", f"--grep=Dj-Action: {action}$",
               "--grep=^Dj-Project: ").strip()  # a project's step, not the grading's of the same name
    path = git(copy, "show", "--name-only", "--format=", step).split()[0]
    git(copy, "switch", "-q", "--detach", step)
    args = json.loads(git(copy, "log", "-1", "--format=%(trailers:key=Dj-Args,valueonly)").strip() or "{}")
    record = copy / path
    record.write_text(change(record.read_text(encoding="utf-8"), args), encoding="utf-8")
    message = git(copy, "log", "-1", "--format=%B")
    git(copy, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-q", "--amend", "-a", "-m", message)
    return copy, path


def test_a_recommendation_that_also_writes_a_shortlist_and_an_award_is_found(demo_repo: Path, dj: Dj,
                                                                           tmp_path: Path) -> None:
    def promoted(text: str, args: dict[str, str]) -> str:
        assert text.rstrip().endswith("recommended_by: 施磊")  # the step appended the entry
        return text + "  shortlisted: 2025-06-01\n  award: 一等奖\n"

    copy, path = _amend_last(demo_repo, tmp_path, "recommend", promoted)
    found = json.loads(dj("--repo", str(copy), "audit", "--json").stdout)
    assert [(f["file"], f["field"], f["rule"]) for f in found] == [(path, "competition", "replay")]


def test_demo_grades_its_branches_through_a_round(demo_repo: Path, dj: Dj) -> None:
    """004: survey → self-assessment → unit review → the committee's decision, the A cap kept, a D with its
    consequences, rectification, an A recommended; the round's forms and xlsx read back."""
    graded = {b["id"]: b for b in json.loads(dj("--repo", str(demo_repo), "branch", "list", "--json").stdout)}
    assert len(graded) == 14
    grades = [b["decision"]["grade"] for b in graded.values()]
    assert (grades.count("A"), grades.count("B"), grades.count("C"), grades.count("D")) == (2, 9, 2, 1)
    top = graded["2026-机电-支01"]  # 95 × 40% + 93 × 20% + 94 × 40% = 38 + 18.6 + 37.6
    assert (top["decision"]["final"], top["decision"]["grade"]) == ("94.20", "A")
    assert top["recommendation"]["title"] == "院系级以上先进党支部"
    # 92 × 40% + 90 × 20% + 90 × 40% = 90.80: A by the band, the third A of 14 (at most 2): B with the reason
    third = graded["2026-外语-支01"]["decision"]
    assert (third["final"], third["band"], third["grade"]) == ("90.80", "A", "B") and "20%" in third["reason"]
    # D last year: B by the band (76.00), one level up at most: C
    risen = graded["2026-外语-支03"]
    assert (risen["last_grade"], risen["decision"]["band"], risen["decision"]["grade"]) == ("D", "B", "C")
    low = graded["2026-机关-支03"]  # 62 × 40% + 56 × 20% + 52 × 40% = 24.8 + 11.2 + 20.8 = 56.80
    assert (low["decision"]["final"], low["decision"]["grade"], low["last_grade"]) == ("56.80", "D", "B")
    assert [c["until"] for c in low["consequences"]] == ["2027-04-06", "2027-04-06"]
    assert low["rectifications"][0]["done"] == "2026-06-24" and low["status"] == "graded"
    assert graded["2026-离退-支02"]["status"] == "rectifying"  # its deadline is at the year's end
    authors = set(git(demo_repo, "log", "--format=%an", "--", "branches").split())
    assert {"王干事", "张建国", "曹瑞", "喻芳"} <= authors  # clerk, a secretary, the units' reviewers

    from docx import Document
    from openpyxl import load_workbook

    out = demo_repo / "out"
    for name in ("学生党支部分类定级评分参考标准", "教工党支部分类定级评分参考标准"):  # 附表1、附表2
        assert name in [p.text for p in Document(str(out / f"2026-{name}.docx")).paragraphs]
    form3 = Document(str(out / "2026-机关-支03" / "2026-机关-支03-调查摸底与分类定级表.docx"))
    decision = {row.cells[0].text: row.cells[1].text for row in form3.tables[4].rows}
    assert decision["评定等级"] == "D 级（后进）" and "不能提拔使用" in decision["定级后果"]
    summary = [[c.text for c in row.cells] for row in Document(str(out / "2026-分类定级汇总表.docx")).tables[0].rows]
    assert summary[-1] == ["合计", "14", "2", "14.3%", "9", "64.3%", "2", "14.3%", "1", "7.1%", "0"]
    rect = [[c.text for c in row.cells] for row in Document(str(out / "2026-整改汇总表.docx")).tables[0].rows]
    assert [r[2] for r in rect[1:]] == ["外国语学院学生第二党支部", "后勤保卫处党支部", "离退休第二党支部"]
    sheet = load_workbook(out / "2026-分类定级汇总表.xlsx")["汇总"]
    total = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "合计")
    assert total[:4] == ("合计", 14, 2, 0.143)  # 2 of 14 is 14.3 % (one place, half up), held as a fraction
    rows = list(load_workbook(out / "2026-整改汇总表.xlsx")["整改汇总"].iter_rows(min_row=3, values_only=True))
    assert [(r[2], r[9]) for r in rows] == [
        ("2026-外语-支03", "会议记录已补齐，支委联系宿舍制度已建立"),
        ("2026-机关-支03", "已补选支委 2 人，4—6 月每月开展主题党日，书记已参加轮训"), ("2026-离退-支02", "未完成")]
    ledger = load_workbook(out / "台账-2025.xlsx")["分类定级"]
    assert ("全部党支部", 14, 2, "14.3%", "20.0%", 2, "未超过") in list(ledger.iter_rows(values_only=True))


def test_this_repository_holds_the_demo_branch_records(demo_repo: Path) -> None:
    shipped = sorted(p.relative_to(ROOT) for p in (ROOT / "branches").rglob("*.yaml"))
    built = sorted(p.relative_to(demo_repo) for p in (demo_repo / "branches").rglob("*.yaml"))
    assert shipped == built and len(shipped) == 14
    stale = [str(p) for p in shipped if (ROOT / p).read_bytes() != (demo_repo / p).read_bytes()]
    assert not stale, f"branches/ 与 dj demo 的结果不同：{stale}；请用 dj demo 重新生成后复制 branches/。"

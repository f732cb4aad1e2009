"""No walls in the steps: retrying is harmless, a changed score sheet needs --replace, a wrong date has a way out.

Each story drives the real CLI on a real git repository, as a clerk would, and checks what the clerk sees
(the sentence, the exit code, `dj log`, `dj show`) and what the repository holds (commits, the record).
"""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from conftest import DATA, Dj, git, ok, points

P = "2025-机电-001"
SHEET = ("18", "17", "16", "18", "17")  # 86
LOWER = ("18", "10", "16", "18", "17")  # 79


pytestmark = pytest.mark.usefixtures("no_forms")


def commits(repo: Path) -> int:
    return int(git(repo, "rev-list", "--count", "HEAD"))


def record(repo: Path, pid: str = P) -> str:
    return (repo / "projects" / pid[:4] / f"{pid}.yaml").read_text(encoding="utf-8")


def closed(dj: Dj) -> str:
    """A project applied, approved, checked and closed on its real days."""
    ok(dj, "apply", "--from", str(DATA / "application.yaml"), "--date", "2025-05-06")
    ok(dj, "approve", P, "--date", "2025-05-20")
    ok(dj, "mid-check", P, "--result", "pass", "--date", "2026-03-10")
    ok(dj, "close", P, "--report", str(DATA / "report.md"), "--date", "2026-05-25")
    return P


def audit_findings(dj: Dj) -> list[dict[str, str]]:
    r = dj("audit", "--json")
    assert r.exit_code in (0, 1), r.stderr
    found: list[dict[str, str]] = json.loads(r.stdout)
    return found


# --- 1. retrying is harmless -------------------------------------------------------------------


def test_the_same_score_sheet_entered_again_changes_nothing_and_says_so(repo: Path, dj: Dj) -> None:
    pid = closed(dj)
    ok(dj, "score", pid, "--reviewer", "钱评委", *points(*SHEET), "--date", "2026-06-01")
    before, text = commits(repo), record(repo)
    for again in (("--date", "2026-06-01"), ()):  # the same day, or today: the same sheet either way
        r = dj("score", pid, "--reviewer", "钱评委", *points(*SHEET), *again)
        assert r.exit_code == 0, r.stderr
        assert "评分与记录相同，无需修改" in r.stdout
    assert commits(repo) == before
    assert record(repo) == text  # the sheet keeps its day, 2026-06-01
    assert git(repo, "status", "--porcelain") == ""


def test_a_step_run_twice_is_done_once(repo: Path, dj: Dj) -> None:
    ok(dj, "apply", "--from", str(DATA / "application.yaml"), "--date", "2025-05-06")
    ok(dj, "approve", P, "--date", "2025-05-20", "--doc-no", "彩党组〔2025〕12号")
    before = commits(repo)
    r = dj("approve", P, "--date", "2025-05-20", "--doc-no", "彩党组〔2025〕12号")
    assert r.exit_code == 0, r.stderr
    assert "已经办理过" in r.stdout and "无需修改" in r.stdout
    assert commits(repo) == before
    # Not the same step: another document number is a second approval, refused as before.
    r = dj("approve", P, "--date", "2025-05-20", "--doc-no", "彩党组〔2025〕13号")
    assert r.exit_code == 1 and "不能立项" in r.stderr


def test_a_spending_retried_is_not_counted_twice(repo: Path, dj: Dj) -> None:
    ok(dj, "apply", "--from", str(DATA / "application.yaml"), "--date", "2025-05-06")
    ok(dj, "approve", P, "--date", "2025-05-20")
    ok(dj, "spend", P, "380", "公示栏制作", "--date", "2025-07-02")
    before = commits(repo)
    r = dj("spend", P, "380", "公示栏制作", "--date", "2025-07-02")
    assert r.exit_code == 0, r.stderr
    assert "已经登记过" in r.stdout and "结余 620.00 元" in r.stdout  # 1000 − 380, once
    assert commits(repo) == before
    # A second, real purchase has its own receipt.
    assert "结余 240.00 元" in ok(dj, "spend", P, "380", "公示栏制作", "--date", "2025-07-02", "--receipt", "0012")


def test_a_step_whose_commit_never_happened_is_committed_by_the_retry(repo: Path, dj: Dj) -> None:
    ok(dj, "apply", "--from", str(DATA / "application.yaml"), "--date", "2025-05-06")
    ok(dj, "approve", P, "--date", "2025-05-20", "--no-commit")  # the file written, the commit lost
    assert git(repo, "status", "--porcelain").strip()
    out = ok(dj, "approve", P, "--date", "2025-05-20")
    assert "已立项" in out and "已提交" in out
    assert git(repo, "status", "--porcelain") == ""
    assert "approve" in git(repo, "log", "-1", "--format=%B")
    assert audit_findings(dj) == []


def test_a_real_hand_edit_is_still_refused(repo: Path, dj: Dj) -> None:
    ok(dj, "apply", "--from", str(DATA / "application.yaml"), "--date", "2025-05-06")
    path = repo / "projects" / "2025" / f"{P}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("status: applied", "status: approved"),
                    encoding="utf-8")
    r = dj("approve", P, "--date", "2025-05-20")
    assert r.exit_code == 1 and "尚未提交的手工修改" in r.stderr


# --- 2. a different sheet replaces the old one only with --replace ---------------------------------


def test_rescoring_needs_replace_and_history_shows_the_earlier_sheet(repo: Path, dj: Dj) -> None:
    pid = closed(dj)
    ok(dj, "score", pid, "--reviewer", "钱评委", *points(*SHEET), "--date", "2026-06-01")
    before, text = commits(repo), record(repo)
    r = dj("score", pid, "--reviewer", "钱评委", *points(*LOWER), "--date", "2026-06-02")
    assert r.exit_code == 1
    assert "--replace" in r.stderr and "86.00" in r.stderr and "79.00" in r.stderr
    assert commits(repo) == before and record(repo) == text

    ok(dj, "score", pid, "--reviewer", "钱评委", *points(*LOWER), "--date", "2026-06-02", "--replace")
    assert "total: 79.00" in record(repo) and "86.00" not in record(repo)
    log = ok(dj, "log", pid)
    assert "验收评分（评审：钱评委）" in log and "验收评分（评审：钱评委，替换原评分）" in log
    assert "钱评委：79.00 分（替换了先前的评分" in ok(dj, "show", pid)
    assert "86.00" in git(repo, "show", f"HEAD^:projects/2025/{pid}.yaml")  # the earlier sheet, kept by git
    assert audit_findings(dj) == []


def test_a_replacement_without_replace_is_caught_by_the_audit(repo: Path, dj: Dj) -> None:
    pid = closed(dj)
    ok(dj, "score", pid, "--reviewer", "钱评委", *points(*SHEET), "--date", "2026-06-01")
    ok(dj, "score", pid, "--reviewer", "钱评委", *points(*LOWER), "--date", "2026-06-02", "--replace")
    message = git(repo, "log", "-1", "--format=%B")
    assert '"replace": true' in message
    # The same change, committed as if dj had replaced the sheet without being asked to.
    git(repo, "commit", "-q", "--amend", "-m", message.replace('"replace": true, ', ""))
    found = audit_findings(dj)
    assert any(f["file"] == f"projects/2025/{pid}.yaml" and "--replace" in f["message"] for f in found), found


def test_a_forged_replace_that_changes_another_sheet_is_caught(repo: Path, dj: Dj) -> None:
    pid = closed(dj)
    ok(dj, "score", pid, "--reviewer", "钱评委", *points(*SHEET), "--date", "2026-06-01")
    ok(dj, "score", pid, "--reviewer", "孙评委", *points(*SHEET), "--date", "2026-06-01")
    ok(dj, "score", pid, "--reviewer", "钱评委", *points(*LOWER), "--date", "2026-06-02", "--replace")
    path = repo / "projects" / "2025" / f"{pid}.yaml"
    text = path.read_text(encoding="utf-8")
    # 孙评委's sheet (the second) is lowered too, under the replacement of 钱评委's
    head, tail = text.split("孙评委", 1)
    path.write_text(head + "孙评委" + tail.replace("total: 86.00", "total: 60.00", 1), encoding="utf-8")
    git(repo, "commit", "-q", "--amend", "--no-edit", "--", str(path))
    found = audit_findings(dj)
    assert any(f["field"] == "scores" and f["rule"] == "replay" for f in found), found


# --- 3. one --item per criterion -----------------------------------------------------------------


def test_a_repeated_item_is_refused(repo: Path, dj: Dj) -> None:
    pid = closed(dj)
    before = commits(repo)
    r = dj("score", pid, "--reviewer", "钱评委", *points(*SHEET), "--item", "process=10", "--date", "2026-06-01")
    assert r.exit_code == 1
    assert "process 写了两次" in r.stderr and "process=17" in r.stderr and "process=10" in r.stderr
    assert commits(repo) == before


# --- 4. dj log says whose sheet each score entry is ------------------------------------------------


def test_log_names_the_reviewer_of_each_score(repo: Path, dj: Dj) -> None:
    pid = closed(dj)
    panel = ["钱评委", "孙评委", "周评委"]
    for who in panel:
        ok(dj, "score", pid, "--reviewer", who, *points(*SHEET), "--date", "2026-06-01")
    rows = [line for line in ok(dj, "log", pid).splitlines() if "验收评分" in line]
    assert len(rows) == 3
    for row, who in zip(rows, panel, strict=True):
        assert f"验收评分（评审：{who}）" in row


# --- 5. dj show offers what dj would accept now -----------------------------------------------------


def _next_steps(card: str) -> str:
    return card.split("下一步可以：", 1)[1] if "下一步可以：" in card else ""


def test_show_offers_accept_only_after_a_score(repo: Path, dj: Dj) -> None:
    pid = closed(dj)
    offered = _next_steps(ok(dj, "show", pid))
    assert "dj score" in offered and "dj accept" not in offered
    ok(dj, "score", pid, "--reviewer", "钱评委", *points(*SHEET), "--date", "2026-06-01")
    assert "dj accept" in _next_steps(ok(dj, "show", pid))


def test_show_offers_award_and_no_promotion_the_type_does_not_have(repo: Path, dj: Dj) -> None:
    (repo / "dj.yaml").write_text((repo / "dj.yaml").read_text(encoding="utf-8")
                                  + "awards: {min_total: 85, tiers: [{name: 优秀成果, max: 2}]}\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "评比表彰配置")
    application = (DATA / "application.yaml").read_text(encoding="utf-8").replace("创新探索型", "制度推广型")
    (repo.parent / "制度.yaml").write_text(application, encoding="utf-8")
    ok(dj, "apply", "--from", str(repo.parent / "制度.yaml"), "--date", "2025-05-06")
    ok(dj, "approve", P, "--date", "2025-05-20")
    ok(dj, "mid-check", P, "--result", "pass", "--date", "2025-09-10")
    ok(dj, "close", P, "--report", str(DATA / "report.md"), "--date", "2025-11-25")
    ok(dj, "score", P, "--reviewer", "钱评委", *points(*SHEET), "--date", "2025-12-01")
    ok(dj, "accept", P, "--date", "2025-12-05")
    offered = _next_steps(ok(dj, "show", P))
    assert "dj promote" not in offered  # 制度推广型 has no next type: promote would be refused
    assert dj("promote", P).exit_code == 1
    assert "评比表彰：dj award --cycle 2025 --dry-run" in offered  # 86 ≥ 85, not yet placed
    ok(dj, "award", "--date", "2025-12-10")
    assert "dj award" not in _next_steps(ok(dj, "show", P))


# --- 6. promotion: a new application for a later round ------------------------------------------------


def test_promotion_files_a_new_round_and_a_new_period(repo: Path, dj: Dj) -> None:
    pid = closed(dj)
    for who in ("钱评委", "孙评委", "周评委"):
        ok(dj, "score", pid, "--reviewer", who, *points(*SHEET), "--date", "2026-06-01")
    ok(dj, "accept", pid, "--date", "2026-06-05")
    broken = repo / "projects" / "2025" / "2025-机电-099.yaml"  # a sibling a clerk broke: not this card's business
    broken.write_text("id: 2025-机电-099\ntitle: [未写完\n", encoding="utf-8")
    assert "dj promote" in _next_steps(ok(dj, "show", pid))
    broken.unlink()
    out = ok(dj, "promote", pid, "--date", "2026-06-10")
    child = "2026-机电-001"  # dj.yaml still says 2025, the parent's own round: the 中试 is next year's
    assert child in out
    text = record(repo, child)
    assert "cycle: '2026'" in text and f"parent: {pid}" in text
    assert "start: 2026-06-10" in text and "end: 2027-06-09" in text  # a year from the promotion
    assert "2025-05-01" not in text and "2026-06-30" not in text  # not the parent's past period
    assert "设岗定责" not in text  # nor its past milestones
    assert "dj promote" not in _next_steps(ok(dj, "show", pid))  # promoted once: a second is refused
    assert audit_findings(dj) == []


# --- 7. a wrong date has a legal way out ------------------------------------------------------------


def test_a_forgotten_date_is_corrected_and_the_audit_accepts_it(repo: Path, dj: Dj) -> None:
    ok(dj, "apply", "--from", str(DATA / "application.yaml"), "--date", "2025-05-06")
    ok(dj, "approve", P, "--date", "2025-05-20")  # entered late, with its real date
    r = dj("mid-check", P, "--result", "pass")  # --date forgotten: recorded today
    assert r.exit_code == 0, r.stderr
    assert "注意" in r.stderr and "没有写 --date" in r.stderr and f"dj correct {P}" in r.stderr
    wall = dj("close", P, "--report", str(DATA / "report.md"), "--date", "2026-05-25")
    assert wall.exit_code == 1 and "早于该项目上一步的日期" in wall.stderr

    before = commits(repo)
    out = ok(dj, "correct", P, "--date", "2026-03-10", "--reason", "补录时漏写日期")
    assert "已更正日期" in out and commits(repo) == before + 1
    assert "date: 2026-03-10" in record(repo)
    message = git(repo, "log", "-1", "--format=%B")
    assert "Dj-Action: correct" in message and "补录时漏写日期" in message
    assert "更正日期（上一步日期改为 2026-03-10：补录时漏写日期）" in ok(dj, "log", P)
    ok(dj, "close", P, "--report", str(DATA / "report.md"), "--date", "2026-05-25")  # the wall is gone
    assert audit_findings(dj) == []


def test_no_warning_when_the_previous_step_was_entered_on_its_day(repo: Path, dj: Dj) -> None:
    today = date.today()
    ok(dj, "apply", "--from", str(DATA / "application.yaml"), "--date", str(today - timedelta(days=1)))
    ok(dj, "approve", P)
    r = dj("spend", P, "50", "资料")
    assert r.exit_code == 0 and r.stderr == ""
    r = dj("mid-check", P, "--result", "pass")
    assert r.exit_code == 0 and r.stderr == ""


@pytest.mark.parametrize("args, words", [
    (("--date", "2025-05-01", "--reason", "写错"), "早于该项目再前一步的日期"),  # before the approval
    (("--date", "2099-01-01", "--reason", "写错"), "晚于今天"),
    (("--date", "2026-03-10",), "--reason"),
])
def test_a_correction_keeps_the_rules(repo: Path, dj: Dj, args: tuple[str, ...], words: str) -> None:
    ok(dj, "apply", "--from", str(DATA / "application.yaml"), "--date", "2025-05-06")
    ok(dj, "approve", P, "--date", "2025-05-20")
    ok(dj, "mid-check", P, "--result", "pass")
    before = commits(repo)
    r = dj("correct", P, *args)
    assert r.exit_code == 1 and words in r.stderr
    assert commits(repo) == before


def test_only_a_clerk_corrects_a_date(repo: Path, dj: Dj) -> None:
    ok(dj, "apply", "--from", str(DATA / "application.yaml"), "--date", "2025-05-06")
    ok(dj, "approve", P)
    git(repo, "config", "user.name", "李部长")
    git(repo, "config", "user.email", "li@zzb.example")
    r = dj("correct", P, "--date", "2025-05-20", "--reason", "写错")
    assert r.exit_code == 1 and "组织部干事" in r.stderr


def test_a_correction_that_changes_anything_else_is_caught(repo: Path, dj: Dj) -> None:
    ok(dj, "apply", "--from", str(DATA / "application.yaml"), "--date", "2025-05-06")
    ok(dj, "approve", P)
    ok(dj, "correct", P, "--date", "2025-05-20", "--reason", "漏写日期")
    assert audit_findings(dj) == []
    path = repo / "projects" / "2025" / f"{P}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("funding: 1000.00", "funding: 3000.00"),
                    encoding="utf-8")
    git(repo, "commit", "-q", "--amend", "--no-edit", "--", str(path))
    found = audit_findings(dj)
    assert any(f["field"] == "approval" and f["rule"] == "replay" for f in found), found


def test_a_correction_by_someone_not_a_clerk_is_caught(repo: Path, dj: Dj) -> None:
    ok(dj, "apply", "--from", str(DATA / "application.yaml"), "--date", "2025-05-06")
    ok(dj, "approve", P)
    ok(dj, "correct", P, "--date", "2025-05-20", "--reason", "漏写日期")
    message = git(repo, "log", "-1", "--format=%B").replace("王干事 <wang@zzb.example>", "李部长 <li@zzb.example>")
    git(repo, "-c", "user.name=李部长", "-c", "user.email=li@zzb.example", "commit", "-q", "--amend",
        "--reset-author", "-m", message)
    found = audit_findings(dj)
    assert any(f["rule"] == "role" for f in found), found


def test_a_correction_cannot_close_a_project_before_its_time(repo: Path, dj: Dj) -> None:
    ok(dj, "apply", "--from", str(DATA / "application.yaml"), "--date", "2025-05-06")
    ok(dj, "approve", P, "--date", "2025-05-20")
    ok(dj, "mid-check", P, "--result", "pass", "--date", "2026-03-10")
    ok(dj, "close", P, "--report", str(DATA / "report.md"))  # today, more than a year after 2025-05-20
    # 创新探索型 runs twelve months (003): a close on 2026-04-01 would not have been allowed, nor is the correction
    r = dj("correct", P, "--date", "2026-04-01", "--reason", "漏写日期")
    assert r.exit_code == 1 and "至少要实施 12 个月" in r.stderr and "2026-05-20" in r.stderr
    ok(dj, "correct", P, "--date", "2026-05-25", "--reason", "漏写日期")
    assert "date: 2026-05-25" in record(repo)


@pytest.fixture
def college(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data repository that grades branches (seed 004), the clerk at the keyboard."""
    path = tmp_path / "college"
    path.mkdir()
    shutil.copy(DATA / "grading.yaml", path / "dj.yaml")
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.name", "王干事")
    git(path, "config", "user.email", "wang@zzb.example")
    git(path, "add", "dj.yaml")
    git(path, "commit", "-q", "-m", "配置")
    monkeypatch.chdir(path)
    return path


def test_a_grading_step_entered_again_changes_nothing(college: Path, dj: Dj, tmp_path: Path) -> None:
    from test_grading_story import FACTS, SECRETARY, UNITS, items

    facts = [x for fact in FACTS for x in ("--fact", fact)]
    r = dj("--as", SECRETARY["机电"], "branch", "survey", "--unit", UNITS["机电"], "--name", "机电学生第一党支部",
           "--kind", "student", "--members", "30", "--committee", "甲、乙、丙", "--secretary", "甲", *facts,
           "--date", "2026-03-25")
    assert r.exit_code == 0, r.stderr
    bid = r.stdout.strip().splitlines()[-1]
    report = tmp_path / "自我评价报告.md"
    report.write_text("一年来，支部认真落实“三会一课”制度……\n", encoding="utf-8")
    step = ("--as", SECRETARY["机电"], "branch", "self-assess", bid, *items("student", 95), "--report", str(report),
            "--date", "2026-03-28")
    assert dj(*step).exit_code == 0
    before = commits(college)
    r = dj(*step)
    assert r.exit_code == 0, r.stderr
    assert "无需修改" in r.stdout and commits(college) == before

"""Black-box attacks on the audit: forged steps, doctored merges, guarded files, signatures, races, renumbering.

The forge is a bare repository holding `main`. Every person works in a clone of their own and
pushes pull branches; `dj check --base origin/main` runs on the branch, `dj audit` on main after
the forge merged it. Each attack asserts that it is flagged (a finding naming the file, and the
field where it is obvious) or refused by the command (exit 1, nothing written). The legitimate
flows at the end must pass both `check --base` and `audit` untouched.

Forged commits carry trailers exactly as dj writes them unless the point is their absence; the
easiest forgery is a real dj step whose file is then doctored and amended under the same message.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import conftest
from conftest import CLERK, DATA, Dj, git, points

SECRETARY = ("张书记", "zhang@jd.example")  # applicant of 机电学院党委
APPROVER = ("李部长", "li@zzb.example")
REVIEWER = ("钱评委", "qian@x.example")
RECUSED = ("机电评委", "jdpw@x.example")  # a reviewer of 机电学院党委 itself: recused from its projects
PANEL = [("钱评委", "qian@x.example"), ("孙评委", "sun@x.example"), ("周评委", "zhou@x.example"),
         ("吴评委", "wu@x.example"), ("郑评委", "zheng@x.example")]
REPORT = "## 项目概况\n概况\n## 实施情况\n实施\n## 成果经验\n成果\n## 评价建议\n建议\n"
CONTEST = """
calendar: {recommend_by: 2026-12-31}
competition:
  name: 基层党建工作创新项目奖
  recommend: [{kind: college, min: 1}, {kind: "*", min: 1}]
  defense:
    criteria:
      - {key: innovation, name: 创新性, max: 50}
      - {key: effect, name: 实施效果, max: 50}
    trim_from: 5
  awards:
    min_total: 60
    tiers: [{name: 基层党建工作创新项目奖, max: 1}]
"""

Finding = dict[str, str]


@pytest.fixture(autouse=True)
def _no_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJ_NO_FORMS", "1")


# --- the forge and the people at it ------------------------------------------------------------


def clone(forge: Path, name: str, user: tuple[str, str]) -> Path:
    """`forge` is conftest's: a bare repository whose main holds the test dj.yaml."""
    return conftest.clone(forge, forge.parent / name, user)


def be(repo: Path, user: tuple[str, str]) -> None:
    git(repo, "config", "user.name", user[0])
    git(repo, "config", "user.email", user[1])


def ok(dj: Dj, repo: Path, *args: str) -> str:
    r = dj("--repo", str(repo), *args)
    assert r.exit_code == 0, r.stderr
    return r.stdout


def apply(dj: Dj, repo: Path, *extra: str, date: str = "2025-05-06") -> str:
    out = ok(dj, repo, "apply", "--from", str(DATA / "application.yaml"), "--date", date, "--json", *extra)
    return str(json.loads(out)["id"])


def report_file(repo: Path) -> str:
    path = repo.parent / f"{repo.name}-结题报告.md"
    path.write_text(REPORT, encoding="utf-8")
    return str(path)


def findings(dj: Dj, repo: Path, *args: str) -> list[Finding]:
    r = dj("--repo", str(repo), *args, "--json")
    assert r.exit_code in (0, 1), r.stderr
    assert r.stdout.lstrip().startswith("["), f"没有输出发现列表，而是：{r.stderr.strip()}"
    result: list[Finding] = json.loads(r.stdout)
    assert (r.exit_code == 1) == bool(result), (r.exit_code, result)
    return result


def check(dj: Dj, repo: Path) -> list[Finding]:
    return findings(dj, repo, "check", "--base", "origin/main")


def audit(dj: Dj, repo: Path) -> list[Finding]:
    return findings(dj, repo, "audit")


def flagged(found: list[Finding], file: str, field: str | None = None, rule: str | None = None,
            commit: str | None = None) -> list[Finding]:
    """The findings on `file` (and field/rule/commit when given); the test fails when there is none."""
    hits = [f for f in found if f["file"] == file and (field is None or f["field"] == field)
            and (rule is None or f["rule"] == rule) and (commit is None or f["commit"] == commit)]
    assert hits, f"没有关于 {file} {field or ''} {rule or ''} 的发现：{found}"
    return hits


def rel(pid: str) -> str:
    return f"projects/{pid[:4]}/{pid}.yaml"


def record(repo: Path, pid: str) -> Path:
    return repo / rel(pid)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (old, text)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def trailers(action: str, pid: str, before: str, after: str, actor: tuple[str, str], date: str,
             args: dict[str, object] | None = None, entered_by: tuple[str, str] | None = None) -> str:
    """A commit message in dj's own shape."""
    lines = [f"{action} {pid}: 办理", "", f"Dj-Action: {action}", f"Dj-Project: {pid}", f"Dj-From: {before}",
             f"Dj-To: {after}", f"Dj-Actor: {actor[0]} <{actor[1]}>"]
    if entered_by:
        lines.append(f"Dj-Entered-By: {entered_by[0]} <{entered_by[1]}>")
    lines.append(f"Dj-Date: {date}")
    if args:
        lines.append("Dj-Args: " + json.dumps(args, ensure_ascii=False, sort_keys=True))
    return "\n".join(lines) + "\n"


def commit(repo: Path, message: str, env: dict[str, str] | None = None) -> str:
    git(repo, "add", "-A")
    subprocess.run(["git", "commit", "-q", "-m", message], cwd=repo, check=True, capture_output=True,
                   env={**os.environ, **(env or {})})
    return head(repo)


def amend(repo: Path) -> str:
    """Keep the last commit's message (a real dj step's trailers) over the doctored work tree."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--amend", "--no-edit")
    return head(repo)


def head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").strip()


def push(repo: Path, branch: str) -> None:
    git(repo, "push", "-q", "-f", "origin", f"HEAD:refs/heads/{branch}")


def merge_on_forge(forge: Path, branch: str, keep_both: bool = False) -> Path:
    """The clerk merges a pull branch (a merge commit, as the forge's button makes). Returns that clone of main.

    With `keep_both`, a conflict in a record (both sides appended at its end) is resolved as a clerk
    would: main's side, then the branch's appended lines.
    """
    main = clone(forge, f"main-after-{branch}", CLERK)
    git(main, "fetch", "-q", "origin", branch)
    merged = subprocess.run(["git", "merge", "-q", "--no-ff", "--no-edit", "FETCH_HEAD"], cwd=main,
                            capture_output=True, text=True)
    if merged.returncode:
        assert keep_both, merged.stdout + merged.stderr
        for path in git(main, "diff", "--name-only", "--diff-filter=U").split():
            ours, base, theirs = (git(main, "show", f":{n}:{path}") for n in (2, 1, 3))
            (main / path).write_text(ours + theirs[len(base):], encoding="utf-8")
            git(main, "add", path)
        git(main, "commit", "-q", "--no-edit")
    git(main, "push", "-q", "origin", "main")
    return main


def refused(dj: Dj, repo: Path, *args: str) -> str:
    """The command fails with exit 1 and leaves neither a commit nor a changed file behind."""
    before = head(repo)
    r = dj("--repo", str(repo), *args)
    assert r.exit_code == 1, (r.stdout, r.stderr)
    assert head(repo) == before
    assert git(repo, "status", "--porcelain", "--untracked-files=all").strip() == ""
    return r.stderr


# --- projects at the stages the attacks start from ---------------------------------------------


@pytest.fixture
def approved(forge: Path, dj: Dj) -> str:
    """On main: 张书记's application of 2025-05-06, approved by 李部长 on 2025-05-20."""
    secretary = clone(forge, "secretary-seed", SECRETARY)
    pid = apply(dj, secretary)
    git(secretary, "push", "-q", "origin", "main")
    approver = clone(forge, "approver-seed", APPROVER)
    ok(dj, approver, "approve", pid, "--date", "2025-05-20", "--doc-no", "彩党组〔2025〕12号")
    git(approver, "push", "-q", "origin", "main")
    return pid


@pytest.fixture
def closed(forge: Path, dj: Dj, approved: str) -> str:
    """On main: mid-checked in November, closed a year after approval (entered by the clerk for 张书记)."""
    clerk = clone(forge, "clerk-close", CLERK)
    ok(dj, clerk, "mid-check", approved, "--result", "pass", "--date", "2025-11-20")
    ok(dj, clerk, "--as", f"{SECRETARY[0]} <{SECRETARY[1]}>", "close", approved, "--report", report_file(clerk),
       "--date", "2026-06-01")
    git(clerk, "push", "-q", "origin", "main")
    return approved


@pytest.fixture
def scored(forge: Path, dj: Dj, closed: str) -> str:
    """On main: five sheets, each reviewer scoring himself (totals 80, 78, 76, 74, 72: trimmed mean 76.00, 较好)."""
    for i, (name, email) in enumerate(PANEL):
        reviewer = clone(forge, f"reviewer-{i}", (name, email))
        ok(dj, reviewer, "score", closed, "--reviewer", name, *points(str(16 - i), "16", "16", "16", str(16 - i)),
           "--date", "2026-06-10")
        git(reviewer, "push", "-q", "origin", "main")
    return closed


# --- new records that dj apply did not write ---------------------------------------------------


def test_a_hand_written_approved_record_with_apply_trailers_is_flagged(forge: Path, dj: Dj) -> None:
    branch = clone(forge, "forger", SECRETARY)
    pid = "2025-机电-001"
    text = (DATA / "application.yaml").read_text(encoding="utf-8")
    record(branch, pid).parent.mkdir(parents=True)
    record(branch, pid).write_text(f"schema_version: 1\nid: {pid}\ncycle: '2025'\n{text}status: approved\n"
                                   f"applied: 2025-05-06\napplicant: 张书记\napproval: {{date: 2025-05-20, "
                                   f"by: 李部长, funding: '1000.00'}}\n", encoding="utf-8")
    commit(branch, trailers("apply", pid, "new", "approved", SECRETARY, "2025-05-06"))
    assert {f["field"] for f in flagged(check(dj, branch), rel(pid))} & {"status", "approval", ""}
    push(branch, "forged-apply")
    flagged(audit(dj, merge_on_forge(forge, "forged-apply")), rel(pid))


def test_an_approved_record_copied_under_a_new_id_with_apply_trailers_is_flagged(forge: Path, dj: Dj,
                                                                                 approved: str) -> None:
    branch = clone(forge, "copier", SECRETARY)
    copy = "2025-机电-002"
    record(branch, copy).write_text(record(branch, approved).read_text(encoding="utf-8").replace(approved, copy),
                                    encoding="utf-8")
    commit(branch, trailers("apply", copy, "new", "approved", SECRETARY, "2025-05-06"))
    flagged(check(dj, branch), rel(copy))


def test_a_new_record_committed_as_a_spend_is_flagged(forge: Path, dj: Dj, approved: str) -> None:
    branch = clone(forge, "spend-new", SECRETARY)
    copy = "2025-机电-003"
    shutil.copy(record(branch, approved), record(branch, copy))
    edit(record(branch, copy), f"id: {approved}", f"id: {copy}")
    commit(branch, trailers("spend", copy, "approved", "approved", SECRETARY, "2025-06-01",
                            {"amount": "100", "item": "资料"}))
    flagged(check(dj, branch), rel(copy))


def test_a_promotion_of_a_project_that_was_never_accepted_is_flagged(forge: Path, dj: Dj, approved: str) -> None:
    clerk = clone(forge, "promoter", CLERK)
    child = "2025-机电-002"
    text = record(clerk, approved).read_text(encoding="utf-8")
    start = text.index("status: approved")
    head_part = text[:start].replace(approved, child).replace("type: 创新探索型", "type: 典型示范型")
    tail = f"parent: {approved}\nstatus: applied\napplied: 2025-06-01\napplicant: 王干事\n"
    record(clerk, child).write_text(head_part + tail, encoding="utf-8")
    commit(clerk, trailers("promote", child, "new", "applied", CLERK, "2025-06-01", {"parent": approved}))
    flagged(check(dj, clerk), rel(child))


def test_an_applicant_filing_by_hand_for_another_unit_is_flagged(forge: Path, dj: Dj) -> None:
    """张书记 (机电) writes an application of 外国语学院党委 himself, with apply trailers."""
    branch = clone(forge, "other-unit", SECRETARY)
    pid = "2025-外语-001"
    text = (DATA / "application.yaml").read_text(encoding="utf-8").replace("unit: 机电学院党委", "unit: 外国语学院党委")
    text = text.replace("branch: 机电学院教工第一党支部", "branch: 外国语学院教工党支部")
    record(branch, pid).parent.mkdir(parents=True)
    record(branch, pid).write_text(f"schema_version: 1\nid: {pid}\ncycle: '2025'\n{text}status: applied\n"
                                   f"applied: 2025-05-06\napplicant: 张书记\n", encoding="utf-8")
    commit(branch, trailers("apply", pid, "new", "applied", SECRETARY, "2025-05-06"))
    flagged(check(dj, branch), rel(pid))


def test_an_application_numbered_under_another_units_code_is_flagged(forge: Path, dj: Dj) -> None:
    """A 机电 application filed as 2025-外语-001: dj numbers by the unit's code, so the id is not dj's."""
    branch = clone(forge, "wrong-code", SECRETARY)
    pid = apply(dj, branch)
    git(branch, "mv", rel(pid), rel("2025-外语-001"))
    edit(record(branch, "2025-外语-001"), f"id: {pid}", "id: 2025-外语-001")
    message = git(branch, "log", "-1", "--format=%B").replace(pid, "2025-外语-001")
    git(branch, "reset", "-q", "--soft", "HEAD~1")
    commit(branch, message)
    flagged(check(dj, branch), rel("2025-外语-001"), field="id")


# --- step trailers over a diff dj would not write ----------------------------------------------


def test_approve_trailers_over_a_jump_to_midchecked_fail_the_pull_request(forge: Path, dj: Dj) -> None:
    approver = clone(forge, "jumper", APPROVER)
    secretary = clone(forge, "jump-sec", SECRETARY)
    pid = apply(dj, secretary)
    git(secretary, "push", "-q", "origin", "main")
    git(approver, "pull", "-q")
    ok(dj, approver, "approve", pid, "--date", "2025-05-20")
    edit(record(approver, pid), "status: approved", "status: midchecked")
    amend(approver)
    flagged(check(dj, approver), rel(pid), field="status")


def test_an_approval_whose_date_differs_from_its_dj_date_is_flagged(forge: Path, dj: Dj) -> None:
    clerk = clone(forge, "redate", CLERK)
    pid = apply(dj, clerk)
    ok(dj, clerk, "approve", pid, "--date", "2025-05-20")
    edit(record(clerk, pid), "date: 2025-05-20", "date: 2025-05-08")
    amend(clerk)
    flagged(check(dj, clerk), rel(pid), field="approval")


def test_a_spend_commit_that_also_raises_the_grant_is_flagged(forge: Path, dj: Dj, approved: str) -> None:
    branch = clone(forge, "raise", SECRETARY)
    ok(dj, branch, "spend", approved, "100", "资料", "--date", "2025-06-01")
    edit(record(branch, approved), "funding: 1000.00", "funding: 3000.00")
    amend(branch)
    flagged(check(dj, branch), rel(approved), field="approval")


def test_a_spend_beyond_the_balance_written_by_hand_is_flagged(forge: Path, dj: Dj, approved: str) -> None:
    branch = clone(forge, "overspend", SECRETARY)
    ok(dj, branch, "spend", approved, "900", "资料", "--date", "2025-06-01")
    edit(record(branch, approved), "amount: 900.00", "amount: 1900.00")
    git(branch, "add", "-A")
    git(branch, "commit", "-q", "--amend", "-m", git(branch, "log", "-1", "--format=%B").replace(
        '"amount": "900"', '"amount": "1900"'))
    flagged(check(dj, branch), rel(approved))


def test_a_spend_dated_before_the_approval_is_flagged(forge: Path, dj: Dj, approved: str) -> None:
    branch = clone(forge, "early-spend", SECRETARY)
    ok(dj, branch, "spend", approved, "100", "资料", "--date", "2025-06-01")
    edit(record(branch, approved), "date: 2025-06-01", "date: 2025-05-10")
    git(branch, "add", "-A")
    git(branch, "commit", "-q", "--amend", "-m", git(branch, "log", "-1", "--format=%B").replace(
        "Dj-Date: 2025-06-01", "Dj-Date: 2025-05-10"))
    flagged(check(dj, branch), rel(approved))


def test_an_approver_raising_the_standard_grant_in_his_approve_commit_is_flagged(forge: Path, dj: Dj) -> None:
    secretary = clone(forge, "grant-sec", SECRETARY)
    pid = apply(dj, secretary)
    git(secretary, "push", "-q", "origin", "main")
    approver = clone(forge, "grant-approver", APPROVER)
    edit(approver / "dj.yaml", "funding: {standard: 1000}", "funding: {standard: 5000}")
    ok(dj, approver, "approve", pid, "--date", "2025-05-20")  # grants 5000 by his uncommitted dj.yaml ...
    assert "funding: 5000.00" in record(approver, pid).read_text(encoding="utf-8")
    amend(approver)  # ... and he slips that dj.yaml into the same commit
    found = check(dj, approver)
    flagged(found, "dj.yaml", rule="config")
    flagged(found, rel(pid), field="approval")


def test_a_later_mid_check_that_rewrites_the_earlier_one_is_flagged(forge: Path, dj: Dj, approved: str) -> None:
    clerk = clone(forge, "midcheck", CLERK)
    ok(dj, clerk, "mid-check", approved, "--result", "rectify", "--deadline", "2025-12-31", "--issues", "台账不全",
       "--opinion", "台账不全，限期整改", "--date", "2025-11-20")
    ok(dj, clerk, "mid-check", approved, "--result", "pass", "--date", "2025-12-20")
    edit(record(clerk, approved), "opinion: 台账不全，限期整改", "opinion: 良好")
    amend(clerk)
    flagged(check(dj, clerk), rel(approved), field="mid_checks")


def test_a_resubmission_that_erases_the_return_is_flagged(forge: Path, dj: Dj) -> None:
    clerk = clone(forge, "returner", CLERK)
    pid = apply(dj, clerk, "--as", f"{SECRETARY[0]} <{SECRETARY[1]}>")
    ok(dj, clerk, "return", pid, "--reason", "预算不细", "--date", "2025-05-10")
    git(clerk, "push", "-q", "origin", "main")
    secretary = clone(forge, "resubmitter", SECRETARY)
    ok(dj, secretary, "apply", pid, "--from", str(DATA / "application.yaml"), "--date", "2025-05-12")
    text = record(secretary, pid).read_text(encoding="utf-8")
    start = text.index("returns:")
    end = text.index("\n", text.index("reason: 预算不细")) + 1
    record(secretary, pid).write_text(text[:start] + text[end:], encoding="utf-8")
    amend(secretary)
    flagged(check(dj, secretary), rel(pid), field="returns")


def test_a_recommendation_that_also_writes_shortlist_and_prize_is_flagged(forge: Path, dj: Dj,
                                                                         approved: str) -> None:
    clerk = clone(forge, "contest", CLERK)
    (clerk / "dj.yaml").write_text((clerk / "dj.yaml").read_text(encoding="utf-8") + CONTEST, encoding="utf-8")
    commit(clerk, "评比")
    git(clerk, "push", "-q", "origin", "main")
    branch = clone(forge, "recommender", SECRETARY)
    ok(dj, branch, "recommend", approved, "--date", "2025-06-01")
    edit(record(branch, approved), "recommended_by: 张书记", "recommended_by: 张书记\n  shortlisted: 2025-06-01\n"
         "  total: '99.00'\n  award: 基层党建工作创新项目奖")
    amend(branch)
    flagged(check(dj, branch), rel(approved), field="competition")


# --- the acceptance panel ----------------------------------------------------------------------


def test_a_reviewer_raising_a_colleagues_sheet_under_his_own_name_is_flagged(forge: Path, dj: Dj,
                                                                             scored: str) -> None:
    """钱评委 re-scores himself (a real step) and, in the same commit, lifts 郑评委's sheet."""
    reviewer = clone(forge, "raiser", REVIEWER)
    ok(dj, reviewer, "score", scored, "--reviewer", REVIEWER[0], *points("18", "18", "18", "18", "18"),
       "--date", "2026-06-11", "--replace")
    text = record(reviewer, scored).read_text(encoding="utf-8")
    start = text.index("reviewer: 郑评委")
    block = text[start:text.index("total:", start)]
    raised = block.replace("completeness: 12", "completeness: 20").replace("strengthening: 12", "strengthening: 20")
    assert raised != block
    record(reviewer, scored).write_text(text.replace(block, raised).replace("total: 72.00", "total: 88.00"),
                                        encoding="utf-8")
    amend(reviewer)
    flagged(check(dj, reviewer), rel(scored), field="scores")


def test_a_hand_added_sheet_by_a_recused_reviewer_is_flagged(forge: Path, dj: Dj, closed: str) -> None:
    insider = clone(forge, "insider-hand", RECUSED)
    path = record(insider, closed)
    path.write_text(path.read_text(encoding="utf-8") + (
        "scores:\n  - reviewer: 机电评委\n    email: jdpw@x.example\n    date: 2026-06-10\n    points: "
        "{completeness: 20, process: 20, participation: 20, education: 20, strengthening: 20}\n    total: 100.00\n"),
        encoding="utf-8")
    commit(insider, "补录评分")
    flagged(check(dj, insider), rel(closed), field="scores")


def test_a_recused_reviewers_sheet_with_score_trailers_is_flagged(forge: Path, dj: Dj, closed: str) -> None:
    reviewer = clone(forge, "insider-step", REVIEWER)
    ok(dj, reviewer, "score", closed, "--reviewer", REVIEWER[0], *points("18", "18", "18", "18", "18"),
       "--date", "2026-06-10")
    edit(record(reviewer, closed), "reviewer: 钱评委\n    email: qian@x.example",
         "reviewer: 机电评委\n    email: jdpw@x.example")
    message = git(reviewer, "log", "-1", "--format=%B").replace("钱评委 <qian@x.example>", "机电评委 <jdpw@x.example>")
    git(reviewer, "add", "-A")
    git(reviewer, "commit", "-q", "--amend", "--author", "机电评委 <jdpw@x.example>",
        "-m", message.replace('"reviewer": "qian@x.example"', '"reviewer": "jdpw@x.example"'))
    assert any("回避" in f["message"] for f in flagged(check(dj, reviewer), rel(closed)))


def test_the_clerk_cannot_enter_a_sheet_for_a_recused_reviewer(forge: Path, dj: Dj, closed: str) -> None:
    clerk = clone(forge, "clerk-recused", CLERK)
    err = refused(dj, clerk, "score", closed, "--reviewer", RECUSED[0], *points("18", "18", "18", "18", "18"),
                  "--date", "2026-06-10")
    assert "回避" in err


def test_a_reviewer_cannot_enter_a_colleagues_sheet(forge: Path, dj: Dj, closed: str) -> None:
    reviewer = clone(forge, "for-colleague", REVIEWER)
    err = refused(dj, reviewer, "score", closed, "--reviewer", "冯评委", *points("20", "20", "20", "20", "20"),
                  "--date", "2026-06-10")
    assert "冯评委" in err


def test_a_colleagues_sheet_committed_with_score_trailers_in_his_own_name_is_flagged(forge: Path, dj: Dj,
                                                                                    closed: str) -> None:
    """钱评委 writes 冯评委's sheet and commits it as his own scoring step."""
    reviewer = clone(forge, "colleague-sheet", REVIEWER)
    path = record(reviewer, closed)
    path.write_text(path.read_text(encoding="utf-8") + (
        "scores:\n  - reviewer: 冯评委\n    email: feng@x.example\n    date: 2026-06-10\n    points: "
        "{completeness: 20, process: 20, participation: 20, education: 20, strengthening: 20}\n    total: 100.00\n"),
        encoding="utf-8")
    commit(reviewer, trailers("score", closed, "closed", "closed", REVIEWER, "2026-06-10",
                              {"reviewer": "feng@x.example"}))
    flagged(check(dj, reviewer), rel(closed))


def test_a_score_beyond_the_rubric_written_by_hand_with_trailers_is_flagged(forge: Path, dj: Dj,
                                                                           closed: str) -> None:
    reviewer = clone(forge, "beyond", REVIEWER)
    ok(dj, reviewer, "score", closed, "--reviewer", REVIEWER[0], *points("18", "18", "18", "18", "18"),
       "--date", "2026-06-10")
    edit(record(reviewer, closed), "completeness: 18", "completeness: 28")
    edit(record(reviewer, closed), "total: 90.00", "total: 100.00")  # the sum still adds up
    amend(reviewer)
    assert any("超出范围" in f["message"] for f in flagged(check(dj, reviewer), rel(closed)))


def test_a_sheet_total_that_is_not_its_points_is_flagged(forge: Path, dj: Dj, closed: str) -> None:
    reviewer = clone(forge, "total", REVIEWER)
    ok(dj, reviewer, "score", closed, "--reviewer", REVIEWER[0], *points("18", "18", "18", "18", "18"),
       "--date", "2026-06-10")
    edit(record(reviewer, closed), "total: 90.00", "total: 98.00")
    amend(reviewer)
    flagged(check(dj, reviewer), rel(closed), field="scores")


def test_a_sheet_on_a_project_not_yet_closed_is_flagged(forge: Path, dj: Dj, approved: str) -> None:
    reviewer = clone(forge, "too-soon", REVIEWER)
    path = record(reviewer, approved)
    path.write_text(path.read_text(encoding="utf-8") + (
        "scores:\n  - reviewer: 钱评委\n    email: qian@x.example\n    date: 2025-06-10\n    points: "
        "{completeness: 18, process: 18, participation: 18, education: 18, strengthening: 18}\n    total: 90.00\n"),
        encoding="utf-8")
    commit(reviewer, trailers("score", approved, "approved", "approved", REVIEWER, "2025-06-10",
                              {"reviewer": REVIEWER[1]}))
    flagged(check(dj, reviewer), rel(approved))


def test_accept_trailers_over_rewritten_scores_are_flagged(forge: Path, dj: Dj, scored: str) -> None:
    clerk = clone(forge, "accept-scores", CLERK)
    ok(dj, clerk, "accept", scored, "--date", "2026-06-20")
    text = record(clerk, scored).read_text(encoding="utf-8")
    assert "total: 72.00" in text  # 郑评委's sheet: the lowest, trimmed away
    record(clerk, scored).write_text(text.replace("total: 72.00", "total: 92.00"), encoding="utf-8")
    amend(clerk)
    flagged(check(dj, clerk), rel(scored), field="scores")


def test_an_acceptance_grade_the_total_does_not_give_is_flagged(forge: Path, dj: Dj, scored: str) -> None:
    clerk = clone(forge, "accept-grade", CLERK)
    ok(dj, clerk, "accept", scored, "--date", "2026-06-20")
    edit(record(clerk, scored), "grade: 较好", "grade: 优秀")  # 76.00 is 较好, not 优秀
    amend(clerk)
    flagged(check(dj, clerk), rel(scored), field="result")


def test_an_acceptance_total_the_sheets_do_not_give_is_flagged(forge: Path, dj: Dj, scored: str) -> None:
    clerk = clone(forge, "accept-total", CLERK)
    ok(dj, clerk, "accept", scored, "--date", "2026-06-20")
    text = record(clerk, scored).read_text(encoding="utf-8")
    result = text[text.index("\nresult:\n"):]
    assert "total: 76.00" in result
    record(clerk, scored).write_text(text.replace(result, result.replace("total: 76.00", "total: 88.00")
                                                  .replace("grade: 较好", "grade: 优秀")), encoding="utf-8")
    amend(clerk)
    flagged(check(dj, clerk), rel(scored), field="result")


# --- who acted ---------------------------------------------------------------------------------


def test_the_clerk_named_as_actor_by_the_applicant_is_flagged(forge: Path, dj: Dj) -> None:
    branch = clone(forge, "impostor", SECRETARY)
    pid = apply(dj, branch)
    edit(record(branch, pid), "status: applied", "status: approved\napproval: {date: 2025-05-20, by: 王干事, "
         "funding: '1000.00'}")
    sha = commit(branch, trailers("approve", pid, "applied", "approved", CLERK, "2025-05-20"))
    flagged(check(dj, branch), rel(pid), rule="identity", commit=sha)
    push(branch, "impostor")
    flagged(audit(dj, merge_on_forge(forge, "impostor")), rel(pid), rule="identity", commit=sha)


def test_a_forged_clerk_entry_is_flagged(forge: Path, dj: Dj) -> None:
    """张书记 commits an approval "by 李部长, entered by the clerk": he is neither."""
    branch = clone(forge, "fake-entry", SECRETARY)
    pid = apply(dj, branch)
    edit(record(branch, pid), "status: applied", "status: approved\napproval: {date: 2025-05-20, by: 李部长, "
         "funding: '1000.00'}")
    sha = commit(branch, trailers("approve", pid, "applied", "approved", APPROVER, "2025-05-20", entered_by=CLERK))
    flagged(check(dj, branch), rel(pid), rule="identity", commit=sha)


def test_only_a_clerk_may_enter_a_step_for_someone_else(forge: Path, dj: Dj, approved: str) -> None:
    branch = clone(forge, "as-clerk", SECRETARY)
    refused(dj, branch, "--as", f"{APPROVER[0]} <{APPROVER[1]}>", "mid-check", approved, "--result", "pass",
            "--date", "2025-11-20")


def test_an_approval_by_a_reviewer_is_flagged(forge: Path, dj: Dj) -> None:
    branch = clone(forge, "reviewer-approves", REVIEWER)
    secretary = clone(forge, "reviewer-approves-sec", SECRETARY)
    pid = apply(dj, secretary)
    git(secretary, "push", "-q", "origin", "main")
    git(branch, "pull", "-q")
    edit(record(branch, pid), "status: applied", "status: approved\napproval: {date: 2025-05-20, by: 钱评委, "
         "funding: '1000.00'}")
    commit(branch, trailers("approve", pid, "applied", "approved", REVIEWER, "2025-05-20"))
    flagged(check(dj, branch), rel(pid))


def test_the_unit_changed_by_hand_after_approval_by_the_applicant_is_flagged(forge: Path, dj: Dj,
                                                                             approved: str) -> None:
    branch = clone(forge, "mover", SECRETARY)
    edit(record(branch, approved), "unit: 机电学院党委", "unit: 外国语学院党委")
    edit(record(branch, approved), "branch: 机电学院教工第一党支部", "branch: 外国语学院教工党支部")
    commit(branch, "更正单位")
    flagged(check(dj, branch), rel(approved), field="unit")
    push(branch, "mover")
    flagged(audit(dj, merge_on_forge(forge, "mover")), rel(approved), field="unit")


def test_an_applicant_moving_his_fresh_application_to_another_unit_by_hand_is_flagged(forge: Path, dj: Dj) -> None:
    """Before a decision the application is his to edit, but only for his own unit: dj apply would refuse the move."""
    branch = clone(forge, "hop", SECRETARY)
    pid = apply(dj, branch)
    git(branch, "push", "-q", "origin", "main")
    edit(record(branch, pid), "unit: 机电学院党委", "unit: 外国语学院党委")
    edit(record(branch, pid), "branch: 机电学院教工第一党支部", "branch: 外国语学院教工党支部")
    commit(branch, "改到外国语学院")
    flagged(check(dj, branch), rel(pid), field="unit")


def test_even_the_clerk_cannot_set_a_status_by_hand(forge: Path, dj: Dj, approved: str) -> None:
    clerk = clone(forge, "clerk-hand", CLERK)
    edit(record(clerk, approved), "status: approved", "status: midchecked")
    commit(clerk, "直接改为已通过中期检查")
    flagged(check(dj, clerk), rel(approved), field="status")


def test_a_hand_edit_of_the_applicant_and_application_date_is_flagged(forge: Path, dj: Dj, approved: str) -> None:
    branch = clone(forge, "backdate", SECRETARY)
    edit(record(branch, approved), "applied: 2025-05-06", "applied: 2025-04-01")
    commit(branch, "更正申报日期")
    flagged(check(dj, branch), rel(approved), field="applied")


def test_trailers_naming_another_project_are_flagged(forge: Path, dj: Dj, approved: str) -> None:
    branch = clone(forge, "misnamed", SECRETARY)
    ok(dj, branch, "spend", approved, "100", "资料", "--date", "2025-06-01")
    git(branch, "commit", "-q", "--amend", "-m", git(branch, "log", "-1", "--format=%B").replace(
        f"Dj-Project: {approved}", "Dj-Project: 2025-机电-099"))
    flagged(check(dj, branch), rel(approved))


def test_one_approval_commit_that_also_approves_a_second_project_is_flagged(forge: Path, dj: Dj) -> None:
    secretary = clone(forge, "two-sec", SECRETARY)
    first, second = apply(dj, secretary), apply(dj, secretary)
    git(secretary, "push", "-q", "origin", "main")
    approver = clone(forge, "two-approver", APPROVER)
    ok(dj, approver, "approve", first, "--date", "2025-05-20")
    edit(record(approver, second), "status: applied", "status: approved\napproval:\n  date: 2025-05-20\n"
         "  by: 李部长\n  funding: 1000.00")
    amend(approver)
    flagged(check(dj, approver), rel(second))


def test_a_commit_claiming_an_unknown_step_is_flagged(forge: Path, dj: Dj, approved: str) -> None:
    branch = clone(forge, "unknown-step", SECRETARY)
    edit(record(branch, approved), "status: approved", "status: closed")
    commit(branch, trailers("fix", approved, "approved", "closed", SECRETARY, "2025-06-01"))
    flagged(check(dj, branch), rel(approved))


def test_a_record_renamed_by_hand_is_flagged(forge: Path, dj: Dj, approved: str) -> None:
    branch = clone(forge, "renamer", SECRETARY)
    git(branch, "mv", rel(approved), rel("2025-机电-009"))
    edit(record(branch, "2025-机电-009"), f"id: {approved}", "id: 2025-机电-009")
    commit(branch, "改编号")
    assert {f["file"] for f in check(dj, branch)} & {rel(approved), rel("2025-机电-009")}


# --- dates -------------------------------------------------------------------------------------


def test_an_approval_dated_before_the_application_fails_the_pull_request(forge: Path, dj: Dj) -> None:
    clerk = clone(forge, "backdated", CLERK)
    pid = apply(dj, clerk)
    ok(dj, clerk, "approve", pid, "--date", "2025-05-20")
    edit(record(clerk, pid), "date: 2025-05-20", "date: 2025-05-01")
    git(clerk, "add", "-A")
    git(clerk, "commit", "-q", "--amend", "-m", git(clerk, "log", "-1", "--format=%B").replace(
        "Dj-Date: 2025-05-20", "Dj-Date: 2025-05-01"))
    flagged(check(dj, clerk), rel(pid))


def test_an_approval_dated_after_its_own_commit_is_flagged(forge: Path, dj: Dj) -> None:
    """Committed on 2025-05-21 but recording an approval of 2025-06-30: the step has not happened yet."""
    clerk = clone(forge, "postdated", CLERK)
    pid = apply(dj, clerk)
    edit(record(clerk, pid), "status: applied", "status: approved\napproval:\n  date: 2025-06-30\n  by: 王干事\n"
         "  funding: 1000.00")
    when = {"GIT_AUTHOR_DATE": "2025-05-21T10:00:00+08:00", "GIT_COMMITTER_DATE": "2025-05-21T10:00:00+08:00"}
    commit(clerk, trailers("approve", pid, "applied", "approved", CLERK, "2025-06-30"), env=when)
    flagged(check(dj, clerk), rel(pid))


def test_a_commit_dated_in_the_future_is_flagged(forge: Path, dj: Dj) -> None:
    """A forged clock: committed "in 2099" with an approval of 2099, which no audit today can believe."""
    clerk = clone(forge, "future", CLERK)
    pid = apply(dj, clerk)
    edit(record(clerk, pid), "status: applied", "status: approved\napproval:\n  date: 2099-01-01\n  by: 王干事\n"
         "  funding: 1000.00")
    when = {"GIT_AUTHOR_DATE": "2099-01-02T10:00:00+08:00", "GIT_COMMITTER_DATE": "2099-01-02T10:00:00+08:00"}
    commit(clerk, trailers("approve", pid, "applied", "approved", CLERK, "2099-01-01"), env=when)
    flagged(check(dj, clerk), rel(pid))


# --- lists that only grow ------------------------------------------------------------------------


def test_a_spend_amended_to_delete_an_expense_already_on_main_is_flagged(forge: Path, dj: Dj,
                                                                         approved: str) -> None:
    """Rewritten history: the branch's own spend commit is amended to drop an expense main already holds."""
    first = clone(forge, "spend-first", SECRETARY)
    ok(dj, first, "spend", approved, "300", "安全标识", "--date", "2025-06-01")
    git(first, "push", "-q", "origin", "main")
    branch = clone(forge, "spend-rewrite", SECRETARY)
    git(branch, "switch", "-q", "-c", "receipts")
    ok(dj, branch, "spend", approved, "200", "培训资料", "--date", "2025-06-15")
    push(branch, "receipts")
    text = record(branch, approved).read_text(encoding="utf-8")
    start, end = text.index("  - date: 2025-06-01"), text.index("  - date: 2025-06-15")
    record(branch, approved).write_text(text[:start] + text[end:], encoding="utf-8")
    amend(branch)
    push(branch, "receipts")  # force-pushed over the reviewed version
    flagged(check(dj, branch), rel(approved), field="spending")


def test_an_expense_deleted_by_hand_is_flagged(forge: Path, dj: Dj, approved: str) -> None:
    branch = clone(forge, "unspend", SECRETARY)
    ok(dj, branch, "spend", approved, "300", "安全标识", "--date", "2025-06-01")
    git(branch, "push", "-q", "origin", "main")
    text = record(branch, approved).read_text(encoding="utf-8")
    record(branch, approved).write_text(text[:text.index("spending:")], encoding="utf-8")
    commit(branch, "撤销支出")
    flagged(check(dj, branch), rel(approved), field="spending")


# --- merges ------------------------------------------------------------------------------------


def test_a_record_edited_inside_a_merge_is_flagged(forge: Path, dj: Dj, approved: str) -> None:
    branch = clone(forge, "merge-edit", SECRETARY)
    git(branch, "switch", "-q", "-c", "side")
    ok(dj, branch, "spend", approved, "100", "资料", "--date", "2025-06-01")
    git(branch, "switch", "-q", "main")
    git(branch, "merge", "-q", "--no-ff", "--no-commit", "side")
    edit(record(branch, approved), "amount: 100.00", "amount: 10.00")  # the books now show 10 元
    git(branch, "add", "-A")
    git(branch, "commit", "-q", "--no-edit")
    sha = head(branch)
    flagged(check(dj, branch), rel(approved), commit=sha)
    git(branch, "push", "-q", "origin", "main")
    flagged(audit(dj, clone(forge, "after-merge-edit", CLERK)), rel(approved), commit=sha)


def test_a_non_clerk_granting_himself_approver_inside_a_merge_is_flagged(forge: Path, dj: Dj) -> None:
    branch = clone(forge, "merge-grant", SECRETARY)
    git(branch, "switch", "-q", "-c", "side")
    pid = apply(dj, branch)
    git(branch, "switch", "-q", "main")
    git(branch, "merge", "-q", "--no-ff", "--no-commit", "side")
    edit(branch / "dj.yaml", "roles: [applicant]", "roles: [applicant, approver]")
    git(branch, "add", "-A")
    git(branch, "commit", "-q", "--no-edit")
    sha = head(branch)
    ok(dj, branch, "approve", pid, "--date", "2025-05-20")
    flagged(check(dj, branch), "dj.yaml", commit=sha)
    git(branch, "push", "-q", "origin", "main")  # straight to main, no pull request
    flagged(audit(dj, clone(forge, "after-merge-grant", CLERK)), "dj.yaml", commit=sha)


def test_a_record_deleted_inside_a_merge_is_flagged(forge: Path, dj: Dj, approved: str) -> None:
    branch = clone(forge, "merge-delete", SECRETARY)
    git(branch, "switch", "-q", "-c", "side")
    (branch / "说明.txt").write_text("x\n", encoding="utf-8")
    commit(branch, "说明")
    git(branch, "switch", "-q", "main")
    git(branch, "merge", "-q", "--no-ff", "--no-commit", "side")
    git(branch, "rm", "-q", rel(approved))
    git(branch, "commit", "-q", "--no-edit")
    flagged(check(dj, branch), rel(approved))


def test_a_merge_that_keeps_ours_and_silently_undoes_a_termination_is_flagged(forge: Path, dj: Dj,
                                                                              approved: str) -> None:
    """main terminated the project; the branch merges main with `-s ours`, so its record never learns it."""
    branch = clone(forge, "ours", SECRETARY)
    ok(dj, branch, "spend", approved, "100", "资料", "--date", "2025-07-01")
    clerk = clone(forge, "ours-clerk", CLERK)
    ok(dj, clerk, "terminate", approved, "--reason", "支部撤并", "--date", "2025-06-20")
    git(clerk, "push", "-q", "origin", "main")
    git(branch, "fetch", "-q", "origin")
    git(branch, "merge", "-q", "-s", "ours", "--no-edit", "origin/main")
    assert "status: approved" in record(branch, approved).read_text(encoding="utf-8")
    flagged(check(dj, branch), rel(approved))
    git(branch, "push", "-q", "origin", "main")  # a fast-forward: main no longer shows the termination
    flagged(audit(dj, clone(forge, "after-ours", CLERK)), rel(approved))


def test_a_spend_on_a_project_main_terminated_meanwhile_is_flagged_after_the_merge(forge: Path, dj: Dj,
                                                                                   approved: str) -> None:
    branch = clone(forge, "late-spend", SECRETARY)
    git(branch, "switch", "-q", "-c", "late-spend")
    ok(dj, branch, "spend", approved, "100", "资料", "--date", "2025-07-01")
    push(branch, "late-spend")
    clerk = clone(forge, "terminator", CLERK)
    ok(dj, clerk, "terminate", approved, "--reason", "支部撤并", "--date", "2025-06-20")
    git(clerk, "push", "-q", "origin", "main")
    main = merge_on_forge(forge, "late-spend", keep_both=True)
    text = record(main, approved).read_text(encoding="utf-8")
    assert "status: terminated" in text and "资料" in text  # the merged record holds both
    flagged(audit(dj, main), rel(approved))


# --- guarded configuration -----------------------------------------------------------------------

GUARDED = {
    "templates/application.docx": b"PK\x03\x04 template",
    "schemas/project.schema.json": b'{"title": "Project"}\n',
    ".github/workflows/dj.yml": b"on: [pull_request]\njobs: {check: {runs-on: ubuntu-latest, steps: []}}\n",
    ".gitlab-ci.yml": b"dj-check:\n  script: [dj check --base origin/main]\n",
}


@pytest.fixture
def guarded(forge: Path) -> Path:
    """main also holds a template, a schema and both CI files, committed by the clerk."""
    clerk = clone(forge, "guard-clerk", CLERK)
    for path, content in GUARDED.items():
        (clerk / path).parent.mkdir(parents=True, exist_ok=True)
        (clerk / path).write_bytes(content)
    commit(clerk, "模板、schema 和 CI")
    git(clerk, "push", "-q", "origin", "main")
    return forge


def _delete(path: str) -> Callable[[Path], None]:
    return lambda repo: (repo / path).unlink()


def _overwrite(path: str, content: bytes) -> Callable[[Path], None]:
    def change(repo: Path) -> None:
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_bytes(content)
    return change


@pytest.mark.parametrize(("path", "change"), [
    ("templates/application.docx", _overwrite("templates/application.docx", b"PK\x03\x04 other")),
    ("templates/application.docx", _delete("templates/application.docx")),
    ("schemas/project.schema.json", _delete("schemas/project.schema.json")),
    (".github/workflows/dj.yml", _overwrite(".github/workflows/dj.yml", b"on: [workflow_dispatch]\n")),
    (".github/workflows/dj.yml", _delete(".github/workflows/dj.yml")),
    (".github/workflows/auto-merge.yml", _overwrite(".github/workflows/auto-merge.yml", b"on: [pull_request]\n")),
    (".gitlab-ci.yml", _delete(".gitlab-ci.yml")),
], ids=["template-changed", "template-deleted", "schema-deleted", "ci-weakened", "ci-deleted", "ci-added",
        "gitlab-ci-deleted"])
def test_a_guarded_file_touched_by_a_non_clerk_is_flagged(guarded: Path, dj: Dj, path: str,
                                                          change: Callable[[Path], None]) -> None:
    branch = clone(guarded, "guard-branch", SECRETARY)
    change(branch)
    sha = commit(branch, "顺手整理")
    flagged(check(dj, branch), path, rule="config", commit=sha)
    push(branch, "tidy")
    flagged(audit(dj, merge_on_forge(guarded, "tidy")), path, rule="config", commit=sha)


def test_dj_yaml_deleted_by_a_non_clerk_is_reported_as_a_finding(forge: Path, dj: Dj) -> None:
    """Without dj.yaml at HEAD, `--repo` still names the repository: the deletion is a finding, not a crash."""
    branch = clone(forge, "no-config", SECRETARY)
    git(branch, "rm", "-q", "dj.yaml")
    sha = commit(branch, "删除配置")
    flagged(check(dj, branch), "dj.yaml", rule="config", commit=sha)
    push(branch, "no-config")
    flagged(audit(dj, merge_on_forge(forge, "no-config")), "dj.yaml", rule="config", commit=sha)


def test_a_key_slipped_into_allowed_signers_is_still_found_after_the_file_moves(forge: Path, dj: Dj) -> None:
    """Audit must not only watch the signers file HEAD's dj.yaml names: the old one was guarded in its day."""
    branch = clone(forge, "slip-key", SECRETARY)
    (branch / "allowed_signers").write_text("wang@zzb.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI0000\n",
                                            encoding="utf-8")
    sha = commit(branch, "登记公钥")
    push(branch, "slip-key")
    main = merge_on_forge(forge, "slip-key")
    (main / "keys").mkdir()
    git(main, "mv", "allowed_signers", "keys/allowed_signers")
    edit(main / "dj.yaml", "schema_version: 1", "schema_version: 1\nallowed_signers: keys/allowed_signers")
    commit(main, "公钥清单移到 keys/")
    flagged(audit(dj, main), "allowed_signers", rule="config", commit=sha)


# --- signatures ----------------------------------------------------------------------------------


def keypair(tmp: Path, name: str) -> tuple[Path, str]:
    """A throw-away SSH key and its public line; skipped without ssh-keygen, except under CI."""
    if shutil.which("ssh-keygen") is None:
        if os.environ.get("CI"):
            pytest.fail("CI 上需要 ssh-keygen（apt install openssh-client）")
        pytest.skip("没有 ssh-keygen，无法生成签名密钥（Debian：apt install openssh-client）")
    key = tmp / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
    return key, (tmp / f"{name}.pub").read_text(encoding="utf-8").strip()


def sign_with(repo: Path, key: Path | None) -> None:
    if key is None:
        git(repo, "config", "commit.gpgsign", "false")
        return
    git(repo, "config", "gpg.format", "ssh")
    git(repo, "config", "user.signingkey", str(key))
    git(repo, "config", "commit.gpgsign", "true")


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    return {who: keypair(tmp_path, who) for who in ("clerk", "secretary", "approver", "jwang")}


@pytest.fixture
def signed(forge: Path, keys: dict[str, tuple[Path, str]]) -> Path:
    """main requires signatures; the clerk, 张书记, 李部长 and 蒋干事 (jwang@zzb.example) have keys."""
    clerk = clone(forge, "sign-clerk", CLERK)
    lines = [f"{CLERK[1]} {keys['clerk'][1]}", f"{SECRETARY[1]} {keys['secretary'][1]}",
             f"{APPROVER[1]} {keys['approver'][1]}", f"jwang@zzb.example {keys['jwang'][1]}"]
    (clerk / "allowed_signers").write_text("\n".join(lines) + "\n", encoding="utf-8")
    edit(clerk / "dj.yaml", "schema_version: 1", "schema_version: 1\nrequire_signed: true")
    edit(clerk / "dj.yaml", "  - {name: 李部长", "  - {name: 蒋干事, email: jwang@zzb.example, unit: 组织部, "
         "roles: [reviewer]}\n  - {name: 李部长")
    sign_with(clerk, keys["clerk"][0])
    commit(clerk, "要求签名提交")
    git(clerk, "push", "-q", "origin", "main")
    return clerk


def test_an_allowed_signers_change_on_a_branch_does_not_vouch_for_its_own_commits(
        forge: Path, dj: Dj, signed: Path, keys: dict[str, tuple[Path, str]], tmp_path: Path) -> None:
    mallory, mallory_pub = keypair(tmp_path, "mallory")
    branch = clone(forge, "sign-branch", SECRETARY)
    sign_with(branch, keys["secretary"][0])
    pid = apply(dj, branch)
    with (branch / "allowed_signers").open("a", encoding="utf-8") as f:
        f.write(f"{CLERK[1]} {mallory_pub}\n")
    commit(branch, "更新公钥")
    be(branch, CLERK)
    sign_with(branch, mallory)
    ok(dj, branch, "approve", pid, "--date", "2025-05-20")
    found = check(dj, branch)
    flagged(found, "allowed_signers", rule="config")
    flagged(found, rel(pid), rule="signature", commit=head(branch))


def test_a_key_registered_for_a_longer_address_does_not_sign_for_the_shorter(
        forge: Path, dj: Dj, signed: Path, keys: dict[str, tuple[Path, str]]) -> None:
    """蒋干事's key is registered for jwang@zzb.example; it must not pass for wang@zzb.example."""
    secretary = clone(forge, "substr-sec", SECRETARY)
    sign_with(secretary, keys["secretary"][0])
    pid = apply(dj, secretary)
    git(secretary, "push", "-q", "origin", "main")
    impostor = clone(forge, "substr", CLERK)
    sign_with(impostor, keys["jwang"][0])
    ok(dj, impostor, "approve", pid, "--date", "2025-05-20")
    flagged(check(dj, impostor), rel(pid), rule="signature", commit=head(impostor))


def test_turning_signing_off_at_head_checks_that_commit_and_the_ones_before(
        dj: Dj, signed: Path, keys: dict[str, tuple[Path, str]]) -> None:
    clerk = signed
    sign_with(clerk, None)
    pid = apply(dj, clerk)  # unsigned while signatures were required
    unsigned_step = head(clerk)
    edit(clerk / "dj.yaml", "require_signed: true", "require_signed: false")
    off = commit(clerk, "不再要求签名")  # itself unsigned, under a parent that required signatures
    found = audit(dj, clerk)
    flagged(found, rel(pid), rule="signature", commit=unsigned_step)
    flagged(found, "dj.yaml", rule="signature", commit=off)


def test_a_branch_that_turns_signing_off_still_needs_signatures(forge: Path, dj: Dj, signed: Path) -> None:
    branch = clone(forge, "unsign", SECRETARY)
    edit(branch / "dj.yaml", "require_signed: true", "require_signed: false")
    commit(branch, "关掉签名")
    pid = apply(dj, branch)
    found = check(dj, branch)
    flagged(found, "dj.yaml", rule="config")
    flagged(found, rel(pid), rule="signature")


def test_an_unsigned_config_change_by_the_clerk_is_flagged_when_signing_is_required(dj: Dj, signed: Path) -> None:
    clerk = signed
    sign_with(clerk, None)
    edit(clerk / "dj.yaml", "funding: {standard: 1000}", "funding: {standard: 2000}")
    sha = commit(clerk, "调整资助标准")
    flagged(audit(dj, clerk), "dj.yaml", rule="signature", commit=sha)


# --- races and renumbering ---------------------------------------------------------------------


def _dj_process(repo: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "dangjian_cli", "--repo", str(repo), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "DJ_NO_FORMS": "1", "DJ_LOCK_WAIT": "60"})


def test_two_applications_started_together_get_two_numbers_and_two_commits(forge: Path, dj: Dj) -> None:
    secretary = clone(forge, "race", SECRETARY)
    runs = [_dj_process(secretary, "apply", "--from", str(DATA / "application.yaml"), "--date", "2025-05-06",
                        "--json") for _ in range(2)]
    outputs = [r.communicate(timeout=120) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], outputs
    ids = sorted(json.loads(out)["id"] for out, _ in outputs)
    assert ids == ["2025-机电-001", "2025-机电-002"]
    committed = git(secretary, "log", "--format=%(trailers:key=Dj-Project,valueonly)", "--", "projects").split()
    assert sorted(committed) == ids  # both commits survive, one each
    assert check(dj, secretary) == []
    assert audit(dj, secretary) == []


def test_renumbering_a_finished_project_is_refused(repo: Path, dj: Dj) -> None:
    pid = apply(dj, repo)
    ok(dj, repo, "approve", pid, "--date", "2025-05-20")
    ok(dj, repo, "mid-check", pid, "--result", "pass", "--date", "2025-11-20")
    ok(dj, repo, "close", pid, "--report", report_file(repo), "--date", "2026-06-01")
    for name, _ in PANEL:
        ok(dj, repo, "score", pid, "--reviewer", name, *points("18", "18", "18", "18", "18"), "--date", "2026-06-10")
    ok(dj, repo, "accept", pid, "--date", "2026-06-20")
    refused(dj, repo, "renumber", pid, "--force")
    refused(dj, repo, "renumber", pid)
    assert record(repo, pid).exists()


def test_an_applicant_cannot_force_a_new_number_without_a_collision(repo: Path, dj: Dj) -> None:
    pid = apply(dj, repo, "--as", f"{SECRETARY[0]} <{SECRETARY[1]}>")
    be(repo, SECRETARY)
    refused(dj, repo, "renumber", pid, "--force")
    refused(dj, repo, "renumber", pid)


def test_a_forged_renumber_of_an_approved_project_by_the_applicant_is_flagged(forge: Path, dj: Dj,
                                                                              approved: str) -> None:
    branch = clone(forge, "renumber-forger", SECRETARY)
    new = "2025-机电-005"
    git(branch, "mv", rel(approved), rel(new))
    edit(record(branch, new), f"id: {approved}", f"id: {new}")
    commit(branch, trailers("renumber", new, "approved", "approved", SECRETARY, "2025-06-01",
                            {"collided": True, "from": approved}))
    assert {f["file"] for f in check(dj, branch)} & {rel(new), rel(approved)}


def test_a_renumber_claiming_a_collision_that_never_happened_is_flagged(forge: Path, dj: Dj,
                                                                        approved: str) -> None:
    """The clerk's renumber commit says "collided", but main holds this very project under the old number."""
    clerk = clone(forge, "renumber-claim", CLERK)
    new = "2025-机电-005"
    git(clerk, "mv", rel(approved), rel(new))
    edit(record(clerk, new), f"id: {approved}", f"id: {new}")
    commit(clerk, trailers("renumber", new, "approved", "approved", CLERK, "2025-06-01",
                           {"collided": True, "from": approved}))
    assert {f["file"] for f in check(dj, clerk)} & {rel(new), rel(approved)}


# --- legitimate work that must pass untouched ---------------------------------------------------


def test_a_long_pull_request_of_real_steps_by_several_people_passes(forge: Path, dj: Dj) -> None:
    work = clone(forge, "year", SECRETARY)
    git(work, "switch", "-q", "-c", "year")
    pid = apply(dj, work)
    be(work, APPROVER)
    ok(dj, work, "approve", pid, "--date", "2025-05-20", "--doc-no", "彩党组〔2025〕12号")
    be(work, SECRETARY)
    ok(dj, work, "spend", pid, "300", "安全标识", "--receipt", "0012345", "--date", "2025-06-01")
    be(work, APPROVER)
    ok(dj, work, "mid-check", pid, "--result", "rectify", "--deadline", "2025-12-31", "--issues", "台账不全",
       "--date", "2025-11-20")
    ok(dj, work, "rectified", pid, "--note", "已补齐", "--date", "2025-12-20")
    be(work, SECRETARY)
    ok(dj, work, "spend", pid, "450.50", "培训资料", "--date", "2026-01-10")
    ok(dj, work, "close", pid, "--report", report_file(work), "--date", "2026-06-01")
    for i, person in enumerate(PANEL):
        be(work, person)
        ok(dj, work, "score", pid, "--reviewer", person[0], *points(str(18 - i), "18", "17", "18", "16"),
           "--comment", f"{person[0]}意见", "--date", "2026-06-10")
    be(work, CLERK)
    ok(dj, work, "accept", pid, "--date", "2026-06-20")
    assert "status: accepted" in record(work, pid).read_text(encoding="utf-8")
    assert check(dj, work) == []
    push(work, "year")
    assert audit(dj, merge_on_forge(forge, "year")) == []


def test_clerk_entries_with_as_pass(forge: Path, dj: Dj) -> None:
    clerk = clone(forge, "entries", CLERK)
    git(clerk, "switch", "-q", "-c", "paper")
    as_secretary = ("--as", f"{SECRETARY[0]} <{SECRETARY[1]}>")
    pid = apply(dj, clerk, *as_secretary)
    ok(dj, clerk, "--as", f"{APPROVER[0]} <{APPROVER[1]}>", "approve", pid, "--date", "2025-05-20")
    ok(dj, clerk, *as_secretary, "spend", pid, "120", "资料", "--date", "2025-06-02")
    ok(dj, clerk, "mid-check", pid, "--result", "pass", "--date", "2025-11-20")
    ok(dj, clerk, *as_secretary, "close", pid, "--report", report_file(clerk), "--date", "2026-06-01")
    for name, email in PANEL:
        ok(dj, clerk, "--as", f"{name} <{email}>", "score", pid, "--reviewer", name,
           *points("18", "18", "18", "18", "18"), "--date", "2026-06-10")
    ok(dj, clerk, "accept", pid, "--date", "2026-06-20")
    assert "Dj-Entered-By: 王干事 <wang@zzb.example>" in git(clerk, "log", "--format=%B")
    assert check(dj, clerk) == []
    push(clerk, "paper")
    assert audit(dj, merge_on_forge(forge, "paper")) == []


def test_people_removed_from_dj_yaml_after_they_acted_pass(forge: Path, dj: Dj, scored: str) -> None:
    clerk = clone(forge, "leavers", CLERK)
    for line in ("  - {name: 李部长, email: li@zzb.example, unit: 组织部, roles: [approver]}\n",
                 "  - {name: 钱评委, email: qian@x.example, unit: 外国语学院党委, roles: [reviewer]}\n"):
        edit(clerk / "dj.yaml", line, "")
    commit(clerk, "李部长、钱评委调离")
    git(clerk, "push", "-q", "origin", "main")
    assert audit(dj, clerk) == []
    later = clone(forge, "after-leavers", CLERK)
    ok(dj, later, "accept", scored, "--date", "2026-06-20")  # the departed reviewer's sheet still counts
    assert check(dj, later) == []
    assert audit(dj, later) == []


def test_a_renumbered_collision_merges_clean_and_the_log_follows_it(forge: Path, dj: Dj) -> None:
    first = clone(forge, "collide-1", CLERK)
    second = clone(forge, "collide-2", SECRETARY)
    other = ("--as", f"{SECRETARY[0]} <{SECRETARY[1]}>", "--title", "党员示范岗")  # a different application
    assert apply(dj, first, *other) == apply(dj, second) == "2025-机电-001"
    git(first, "push", "-q", "origin", "main")
    git(second, "switch", "-q", "-c", "late")
    git(second, "fetch", "-q", "origin")
    flagged(check(dj, second), rel("2025-机电-001"), rule="duplicate-id")
    ok(dj, second, "renumber", "2025-机电-001", "--base", "origin/main")  # the applicant's own fresh application
    assert check(dj, second) == []
    push(second, "late")
    main = merge_on_forge(forge, "late")
    assert sorted(p.name for p in (main / "projects" / "2025").iterdir()) == ["2025-机电-001.yaml",
                                                                             "2025-机电-002.yaml"]
    assert audit(dj, main) == []
    log = ok(dj, main, "log", "2025-机电-002")
    assert "原编号 2025-机电-001" in log and "重新编号" in log


def test_hand_edits_of_the_application_before_the_decision_pass(forge: Path, dj: Dj) -> None:
    branch = clone(forge, "revise", SECRETARY)
    pid = apply(dj, branch)
    edit(record(branch, pid), "plan: 设立党员先锋岗，每周巡查。", "plan: 设立党员先锋岗，每周巡查两次。")
    edit(record(branch, pid), "amount: 450.50", "amount: 400.00")
    commit(branch, "修改实施方案和预算")
    assert check(dj, branch) == []
    push(branch, "revise")
    assert audit(dj, merge_on_forge(forge, "revise")) == []


def test_the_clerk_correcting_the_unit_after_approval_passes(forge: Path, dj: Dj, approved: str) -> None:
    clerk = clone(forge, "correct-unit", CLERK)
    edit(record(clerk, approved), "branch: 机电学院教工第一党支部", "branch: 机电学院学生第一党支部")
    commit(clerk, "更正党支部")
    assert check(dj, clerk) == []
    git(clerk, "push", "-q", "origin", "main")
    assert audit(dj, clerk) == []


def test_a_signed_history_by_several_people_passes_and_signing_can_be_turned_off(
        forge: Path, dj: Dj, signed: Path, keys: dict[str, tuple[Path, str]]) -> None:
    secretary = clone(forge, "signed-sec", SECRETARY)
    sign_with(secretary, keys["secretary"][0])
    pid = apply(dj, secretary)
    git(secretary, "push", "-q", "origin", "main")
    approver = clone(forge, "signed-approver", APPROVER)
    sign_with(approver, keys["approver"][0])
    ok(dj, approver, "approve", pid, "--date", "2025-05-20")
    assert check(dj, approver) == []
    git(approver, "push", "-q", "origin", "main")
    clerk = signed
    git(clerk, "pull", "-q")
    edit(clerk / "dj.yaml", "require_signed: true", "require_signed: false")
    commit(clerk, "不再要求签名")  # signed: the clerk's key is still configured
    sign_with(clerk, None)
    ok(dj, clerk, "--as", f"{SECRETARY[0]} <{SECRETARY[1]}>", "spend", pid, "100", "资料", "--date", "2025-06-01")
    assert audit(dj, clerk) == []


def test_a_pull_branch_rebased_onto_a_moved_main_passes(forge: Path, dj: Dj, approved: str) -> None:
    branch = clone(forge, "rebaser", SECRETARY)
    git(branch, "switch", "-q", "-c", "spend")
    ok(dj, branch, "spend", approved, "100", "资料", "--date", "2025-07-01")
    clerk = clone(forge, "mover-clerk", CLERK)
    other = apply(dj, clerk, "--as", f"{SECRETARY[0]} <{SECRETARY[1]}>", "--title", "党员示范岗")
    ok(dj, clerk, "approve", other, "--date", "2025-06-20")  # main moved on with another project
    git(clerk, "push", "-q", "origin", "main")
    git(branch, "fetch", "-q", "origin")
    git(branch, "rebase", "-q", "origin/main")
    assert check(dj, branch) == []
    push(branch, "spend")
    assert audit(dj, merge_on_forge(forge, "spend")) == []


@pytest.mark.parametrize("with_clerk_option", [False, True], ids=["git-identity", "clerk-option"])
def test_the_readme_onboarding_leaves_audit_clean(tmp_path: Path, dj: Dj, with_clerk_option: bool) -> None:
    """README step 1: dj init, register units and people in dj.yaml, git commit -am, then dj audit."""
    runner = ("刘干事", "liu@zzb.example")
    git(tmp_path, "config", "--global", "user.name", runner[0])
    git(tmp_path, "config", "--global", "user.email", runner[1])
    target = tmp_path / "党建项目"
    extra = ["--clerk", f"{CLERK[0]} <{CLERK[1]}>"] if with_clerk_option else []
    r = dj("init", str(target), "--org", "中共彩神学院委员会", "--cycle", "2025", *extra)
    assert r.exit_code == 0, r.stderr
    if with_clerk_option:
        be(target, CLERK)  # the named clerk takes over the repository
    edit(target / "dj.yaml", "units:\n", "units:\n  - {name: 外国语学院党委, code: 外语, kind: college, "
         "branches: [外国语学院教工党支部]}\n")
    edit(target / "dj.yaml", "people:\n", "people:\n  - {name: 张书记, email: zhang@jd.example, unit: 机电学院党委, "
         "roles: [applicant]}\n  - {name: 钱评委, email: qian@x.example, unit: 外国语学院党委, roles: [reviewer]}\n")
    git(target, "commit", "-q", "-am", "登记单位和人员")
    assert findings(dj, target, "audit") == []
    be(target, SECRETARY)
    r = dj("--repo", str(target), "apply", "--from", str(DATA / "application.yaml"), "--date", "2025-05-06")
    assert r.exit_code == 0, r.stderr
    assert findings(dj, target, "audit") == []

"""Tried as an attacker would: forged steps, merges, config and signatures must be found; real work must pass.

A bare repository is the forge. Attackers work in their own clones and push pull branches;
`dj check --base origin/main` runs on the branch, `dj audit` on main after a merge. Every forgery
here carries honest-looking dj trailers unless the point is their absence.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

import conftest
from conftest import CLERK, DATA, Dj, git, points

SECRETARY = ("张书记", "zhang@jd.example")  # applicant of 机电学院党委
APPROVER = ("李部长", "li@zzb.example")
REVIEWER = ("钱评委", "qian@x.example")
RECUSED = ("机电评委", "jdpw@x.example")  # a reviewer of 机电学院党委 itself
FIVE = [("钱评委", "88"), ("孙评委", "86"), ("周评委", "90"), ("吴评委", "84"), ("郑评委", "80")]


@pytest.fixture(autouse=True)
def _no_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJ_NO_FORMS", "1")


def clone(forge: Path, name: str, user: tuple[str, str]) -> Path:
    return conftest.clone(forge, forge.parent / name, user)


def run(dj: Dj, repo: Path, *args: str) -> str:
    r = dj("--repo", str(repo), *args, "--json") if args[0] == "apply" else dj("--repo", str(repo), *args)
    assert r.exit_code == 0, r.stderr
    return str(json.loads(r.stdout)["id"]) if args[0] == "apply" else r.stdout


def apply(dj: Dj, repo: Path, date: str = "2025-05-06") -> str:
    return run(dj, repo, "apply", "--from", str(DATA / "application.yaml"), "--date", date)


def found(dj: Dj, repo: Path, *args: str) -> list[dict[str, str]]:
    r = dj("--repo", str(repo), *args, "--json")
    assert r.exit_code in (0, 1), r.stderr
    result: list[dict[str, str]] = json.loads(r.stdout)
    assert (r.exit_code == 1) == bool(result)
    return result


def record(repo: Path, pid: str) -> Path:
    return repo / "projects" / pid[:4] / f"{pid}.yaml"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (old, text)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def forged(action: str, pid: str, before: str, after: str, actor: tuple[str, str], date: str,
           args: dict[str, object] | None = None) -> str:
    """A commit message exactly as dj writes it."""
    lines = [f"{action} {pid}: 办理", "", f"Dj-Action: {action}", f"Dj-Project: {pid}", f"Dj-From: {before}",
             f"Dj-To: {after}", f"Dj-Actor: {actor[0]} <{actor[1]}>", f"Dj-Date: {date}"]
    if args:
        lines.append("Dj-Args: " + json.dumps(args, ensure_ascii=False, sort_keys=True))
    return "\n".join(lines) + "\n"


def forge_approval(dj: Dj, forge: Path, status: str, date: str, funding: str = "1000.00",
                   args: dict[str, object] | None = None) -> Path:
    """The clerk's clone with a fresh application and an approval written by hand under approve trailers."""
    clerk = clone(forge, "clerk", CLERK)
    pid = apply(dj, clerk)
    edit(record(clerk, pid), "status: applied", f"status: {status}\napproval: {{date: {date}, by: 王干事, "
         f"funding: '{funding}'}}")
    commit(clerk, forged("approve", pid, "applied", status, CLERK, date, args))
    return clerk


def commit(repo: Path, message: str, *paths: str) -> str:
    git(repo, "add", "-A", *(paths or ["."]))
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def push_branch(repo: Path, name: str) -> None:
    git(repo, "push", "-q", "-f", "origin", f"HEAD:refs/heads/{name}")


def merge_into_main(forge: Path, branch: str, as_: tuple[str, str] = CLERK) -> Path:
    """The clerk merges a pull branch on the forge (a merge commit, as the forge's button makes)."""
    main = clone(forge, f"merge-{branch}", as_)
    git(main, "fetch", "-q", "origin", branch)
    git(main, "merge", "-q", "--no-ff", "--no-edit", "FETCH_HEAD")
    git(main, "push", "-q", "origin", "main")
    return main


@pytest.fixture
def approved(forge: Path, dj: Dj) -> str:
    """On main: 张书记's application, approved by 李部长."""
    secretary = clone(forge, "secretary0", SECRETARY)
    pid = apply(dj, secretary)
    git(secretary, "push", "-q", "origin", "main")
    approver = clone(forge, "approver0", APPROVER)
    run(dj, approver, "approve", pid, "--date", "2025-05-20", "--doc-no", "彩党组〔2025〕12号")
    git(approver, "push", "-q", "origin", "main")
    return pid


def _closed(forge: Path, dj: Dj, pid: str) -> Path:
    """Mid-checked and closed on main, a year after approval; returns the clerk's clone."""
    clerk = clone(forge, "clerk-closed", CLERK)
    run(dj, clerk, "mid-check", pid, "--result", "pass", "--date", "2025-11-20")
    report = clerk.parent / "结题报告.md"
    report.write_text("## 项目概况\n概况\n## 实施情况\n实施\n## 成果经验\n成果\n## 评价建议\n建议\n", encoding="utf-8")
    run(dj, clerk, "--as", f"{SECRETARY[0]} <{SECRETARY[1]}>", "close", pid, "--report", str(report),
        "--date", "2026-06-01")
    git(clerk, "push", "-q", "origin", "main")
    return clerk


def _scored(forge: Path, dj: Dj, pid: str) -> Path:
    clerk = _closed(forge, dj, pid)
    for name, value in FIVE:
        run(dj, clerk, "score", pid, "--reviewer", name, *points(value[0], "18", "18", "18", "18"),
            "--date", "2026-06-10")
    git(clerk, "push", "-q", "origin", "main")
    return clerk


def rules(findings: list[dict[str, str]]) -> set[str]:
    return {f["rule"] for f in findings}


# --- new records that did not come from apply --------------------------------------------------


def test_a_hand_made_approved_record_with_apply_trailers_is_found(forge: Path, dj: Dj, approved: str) -> None:
    branch = clone(forge, "forger", SECRETARY)
    original = record(branch, approved).read_text(encoding="utf-8")
    fake = "2025-机电-002"
    record(branch, fake).write_text(original.replace(approved, fake), encoding="utf-8")
    commit(branch, forged("apply", fake, "new", "approved", SECRETARY, "2025-05-06"))
    on_branch = found(dj, branch, "check", "--base", "origin/main")
    assert any(f["file"] == f"projects/2025/{fake}.yaml" and f["field"] == "approval" for f in on_branch)
    push_branch(branch, "forged")
    main = merge_into_main(forge, "forged")
    assert any(f["field"] == "approval" for f in found(dj, main, "audit"))


def test_a_copied_record_committed_by_hand_is_found(forge: Path, dj: Dj, approved: str) -> None:
    branch = clone(forge, "copier", SECRETARY)
    shutil.copy(record(branch, approved), record(branch, "2025-机电-007"))
    edit(record(branch, "2025-机电-007"), f"id: {approved}", "id: 2025-机电-007")
    commit(branch, "补一个项目")
    assert "hand-edit" in rules(found(dj, branch, "check", "--base", "origin/main"))


def test_a_status_change_by_hand_without_trailers_is_found(forge: Path, dj: Dj, approved: str) -> None:
    branch = clone(forge, "hand", SECRETARY)
    edit(record(branch, approved), "status: approved", "status: midchecked")
    commit(branch, "改状态")
    assert [(f["field"], f["rule"]) for f in found(dj, branch, "check", "--base", "origin/main")] == [
        ("status", "hand-edit")]


# --- steps whose diff is not what dj would write -----------------------------------------------


def test_approve_trailers_over_a_jump_to_midchecked(forge: Path, dj: Dj) -> None:
    clerk = forge_approval(dj, forge, "midchecked", "2025-05-20")
    assert any(f["field"] == "status" and f["rule"] == "replay" for f in found(dj, clerk, "audit"))


def test_funding_raised_beyond_what_the_recorded_arguments_give(forge: Path, dj: Dj) -> None:
    clerk = forge_approval(dj, forge, "approved", "2025-05-20", "5000.00", {"funding": "1000.00"})
    assert [(f["field"], f["rule"]) for f in found(dj, clerk, "audit")] == [("approval", "replay")]


def test_an_approval_dated_before_the_application(forge: Path, dj: Dj) -> None:
    clerk = forge_approval(dj, forge, "approved", "2025-05-01")
    found_now = found(dj, clerk, "audit")
    assert any(f["rule"] == "replay" and "早于" in f["message"] for f in found_now)


def test_an_approval_dated_in_the_future(forge: Path, dj: Dj) -> None:
    clerk = forge_approval(dj, forge, "approved", "2099-01-01")
    assert any(f["rule"] == "replay" and "晚于今天" in f["message"] for f in found(dj, clerk, "audit"))


def test_trailers_that_name_another_target_status(forge: Path, dj: Dj) -> None:
    clerk = clone(forge, "clerk", CLERK)
    pid = apply(dj, clerk)
    run(dj, clerk, "reject", pid, "--reason", "重复", "--date", "2025-05-20")
    message = git(clerk, "log", "-1", "--format=%B").replace("Dj-To: rejected", "Dj-To: approved")
    git(clerk, "commit", "-q", "--amend", "-m", message)
    assert "trailer" in rules(found(dj, clerk, "audit"))


def test_a_rejection_without_a_reason(forge: Path, dj: Dj) -> None:
    clerk = clone(forge, "clerk", CLERK)
    pid = apply(dj, clerk)
    edit(record(clerk, pid), "status: applied", "status: rejected\nrejection: {date: 2025-05-20, by: 王干事}")
    commit(clerk, forged("reject", pid, "applied", "rejected", CLERK, "2025-05-20"))
    assert [(f["rule"], "rejection.reason" in f["message"]) for f in found(dj, clerk, "audit")] == [("invalid", True)]


def test_closing_before_the_minimum_months(forge: Path, dj: Dj, approved: str) -> None:
    branch = clone(forge, "early", SECRETARY)
    edit(record(branch, approved), "status: approved", "status: closed\nclosing_report: {date: 2025-06-01, "
         "overview: 概况, implementation: 实施, achievements: 成果, evaluation: 建议}")
    commit(branch, forged("close", approved, "approved", "closed", SECRETARY, "2025-06-01"))
    assert rules(found(dj, branch, "check", "--base", "origin/main")) >= {"transition"}


def test_a_reviewer_raises_a_colleagues_sheet_under_his_own_name(forge: Path, dj: Dj, approved: str) -> None:
    clerk = _scored(forge, dj, approved)
    reviewer = clone(forge, "reviewer", REVIEWER)
    path = record(reviewer, approved)
    text = path.read_text(encoding="utf-8")
    start = text.index("reviewer: 郑评委")
    block = text[start:]
    raised = block.replace("completeness: 8", "completeness: 20", 1)  # 郑评委 gave 8
    assert raised != block
    path.write_text(text[:start] + raised, encoding="utf-8")
    commit(reviewer, forged("score", approved, "closed", "closed", REVIEWER, "2026-06-10",
                            {"reviewer": REVIEWER[1]}))
    assert any(f["field"] == "scores" for f in found(dj, reviewer, "check", "--base", "origin/main"))
    del clerk


def test_a_recused_reviewer_adds_a_sheet(forge: Path, dj: Dj, approved: str) -> None:
    clerk = _closed(forge, dj, approved)
    del clerk
    insider = clone(forge, "insider", RECUSED)
    path = record(insider, approved)
    path.write_text(path.read_text(encoding="utf-8") + (
        "scores:\n  - reviewer: 机电评委\n    email: jdpw@x.example\n    date: 2026-06-10\n"
        "    points: {completeness: '20', process: '20', participation: '20', education: '20', strengthening: '20'}\n"
        "    total: '100'\n"), encoding="utf-8")
    commit(insider, forged("score", approved, "closed", "closed", RECUSED, "2026-06-10", {"reviewer": RECUSED[1]}))
    assert any("回避" in f["message"] for f in found(dj, insider, "check", "--base", "origin/main"))


def test_a_sheet_total_that_is_not_the_sum_of_its_points(forge: Path, dj: Dj, approved: str) -> None:
    clerk = _closed(forge, dj, approved)
    run(dj, clerk, "score", approved, "--reviewer", "钱评委", *points("18", "18", "18", "18", "18"),
        "--date", "2026-06-10")
    message = git(clerk, "log", "-1", "--format=%B")
    edit(record(clerk, approved), "total: 90.00", "total: 99.00")
    git(clerk, "commit", "-q", "--amend", "-am", message)
    assert [(f["field"], f["rule"]) for f in found(dj, clerk, "audit")] == [("scores", "replay")]


def test_a_score_beyond_the_rubric(forge: Path, dj: Dj, approved: str) -> None:
    clerk = _closed(forge, dj, approved)
    run(dj, clerk, "score", approved, "--reviewer", "钱评委", *points("18", "18", "18", "18", "18"),
        "--date", "2026-06-10")
    message = git(clerk, "log", "-1", "--format=%B")
    edit(record(clerk, approved), "completeness: 18", "completeness: 38")
    edit(record(clerk, approved), "total: 90.00", "total: 110.00")
    git(clerk, "commit", "-q", "--amend", "-am", message)
    assert any(f["rule"] == "replay" and "超出范围" in f["message"] for f in found(dj, clerk, "audit"))


def test_accept_trailers_over_rewritten_scores(forge: Path, dj: Dj, approved: str) -> None:
    clerk = _scored(forge, dj, approved)
    run(dj, clerk, "accept", approved, "--date", "2026-06-20")
    message = git(clerk, "log", "-1", "--format=%B")
    path = record(clerk, approved)
    text = path.read_text(encoding="utf-8")
    assert "total: 80.00" in text  # 郑评委's sheet
    path.write_text(text.replace("total: 80.00", "total: 96.00", 1), encoding="utf-8")
    git(clerk, "commit", "-q", "--amend", "-am", message)
    assert "scores" in {f["field"] for f in found(dj, clerk, "audit")}


def test_an_acceptance_total_that_the_sheets_do_not_give(forge: Path, dj: Dj, approved: str) -> None:
    clerk = _scored(forge, dj, approved)
    run(dj, clerk, "accept", approved, "--date", "2026-06-20")
    message = git(clerk, "log", "-1", "--format=%B")
    text = record(clerk, approved).read_text(encoding="utf-8")
    total = json.loads(dj("--repo", str(clerk), "show", approved, "--json").stdout)["result"]["total"]
    result = text.index("\nresult:")
    assert f"total: {total}" in text[result:]
    record(clerk, approved).write_text(text[:result] + text[result:].replace(f"total: {total}", "total: 99.00", 1),
                                       encoding="utf-8")
    git(clerk, "commit", "-q", "--amend", "-am", message)
    assert [(f["field"], f["rule"]) for f in found(dj, clerk, "audit")] == [("result", "replay")]


def test_a_spend_amended_to_drop_an_earlier_expense(forge: Path, dj: Dj, approved: str) -> None:
    branch = clone(forge, "spender", SECRETARY)
    run(dj, branch, "spend", approved, "300", "安全标识", "--date", "2025-06-01")
    run(dj, branch, "spend", approved, "200", "培训资料", "--date", "2025-06-15")
    message = git(branch, "log", "-1", "--format=%B")
    path = record(branch, approved)
    text = path.read_text(encoding="utf-8")
    start, end = text.index("- date: 2025-06-01"), text.index("- date: 2025-06-15")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    git(branch, "commit", "-q", "--amend", "-am", message)
    assert any(f["field"] == "spending" for f in found(dj, branch, "check", "--base", "origin/main"))


# --- who acted --------------------------------------------------------------------------------


def test_the_clerk_named_as_actor_by_a_branch_secretary(forge: Path, dj: Dj) -> None:
    branch = clone(forge, "impostor", SECRETARY)
    pid = apply(dj, branch)
    edit(record(branch, pid), "status: applied", "status: approved\napproval: {date: 2025-05-20, by: 王干事, "
         "funding: '1000.00'}")
    commit(branch, forged("approve", pid, "applied", "approved", CLERK, "2025-05-20"))
    assert "identity" in rules(found(dj, branch, "check", "--base", "origin/main"))


def test_a_termination_by_an_applicant(forge: Path, dj: Dj, approved: str) -> None:
    branch = clone(forge, "quitter", SECRETARY)
    edit(record(branch, approved), "status: approved", "status: terminated\ntermination: {date: 2025-06-01, "
         "by: 张书记, reason: 不做了}")
    commit(branch, forged("terminate", approved, "approved", "terminated", SECRETARY, "2025-06-01",
                          {"reason": "不做了"}))
    assert "role" in rules(found(dj, branch, "check", "--base", "origin/main"))


def test_the_unit_changed_by_hand_after_approval_dodges_recusal(forge: Path, dj: Dj, approved: str) -> None:
    branch = clone(forge, "mover", SECRETARY)
    edit(record(branch, approved), "unit: 机电学院党委", "unit: 外国语学院党委")
    edit(record(branch, approved), "branch: 机电学院教工第一党支部", "branch: 外国语学院教工党支部")
    commit(branch, "改单位")
    assert {f["field"] for f in found(dj, branch, "check", "--base", "origin/main")} >= {"unit", "branch"}


def test_the_type_changed_by_hand_after_approval_dodges_the_minimum_months(forge: Path, dj: Dj,
                                                                            approved: str) -> None:
    branch = clone(forge, "typer", SECRETARY)
    edit(record(branch, approved), "type: 创新探索型", "type: 制度推广型")
    commit(branch, "改类型")
    assert [f["field"] for f in found(dj, branch, "check", "--base", "origin/main")] == ["type"]


# --- merges -----------------------------------------------------------------------------------


def test_a_change_made_inside_a_merge_commit(forge: Path, dj: Dj, approved: str) -> None:
    branch = clone(forge, "merger", SECRETARY)
    git(branch, "switch", "-q", "-c", "side")
    run(dj, branch, "spend", approved, "100", "资料", "--date", "2025-06-01")
    git(branch, "switch", "-q", "main")
    (branch / "说明.txt").write_text("主线上的其他改动\n", encoding="utf-8")
    commit(branch, "说明")
    git(branch, "merge", "-q", "--no-ff", "--no-commit", "side")
    edit(record(branch, approved), "funding: 1000.00", "funding: 9000.00")
    git(branch, "add", "-A")
    git(branch, "commit", "-q", "--no-edit")
    assert any(f["rule"] == "merge" for f in found(dj, branch, "check", "--base", "origin/main"))


def test_a_non_clerk_grants_himself_approver_in_a_merge(forge: Path, dj: Dj) -> None:
    branch = clone(forge, "grab", SECRETARY)
    git(branch, "switch", "-q", "-c", "side")
    (branch / "说明.txt").write_text("x\n", encoding="utf-8")
    commit(branch, "说明")
    git(branch, "switch", "-q", "main")
    git(branch, "merge", "-q", "--no-ff", "--no-commit", "side")
    edit(branch / "dj.yaml", "unit: 机电学院党委, roles: [applicant]",
         "unit: 机电学院党委, roles: [applicant, approver]")
    git(branch, "add", "-A")
    git(branch, "commit", "-q", "--no-edit")
    pid = apply(dj, branch)
    run(dj, branch, "approve", pid, "--date", "2025-05-20")
    push_branch(branch, "grab")
    assert rules(found(dj, branch, "check", "--base", "origin/main")) >= {"merge", "role"}
    git(branch, "push", "-q", "-f", "origin", "HEAD:main")  # even pushed straight to main
    main = clone(forge, "after-grab", CLERK)
    assert "merge" in rules(found(dj, main, "audit"))


def test_a_spend_on_a_project_main_terminated_meanwhile(forge: Path, dj: Dj, approved: str) -> None:
    branch = clone(forge, "late-spend", SECRETARY)
    run(dj, branch, "spend", approved, "100", "资料", "--date", "2025-07-01")
    clerk = clone(forge, "terminator", CLERK)
    run(dj, clerk, "terminate", approved, "--reason", "支部撤并", "--date", "2025-06-20")
    git(clerk, "push", "-q", "origin", "main")
    git(branch, "fetch", "-q", "origin")
    assert "overtaken" in rules(found(dj, branch, "check", "--base", "origin/main"))
    push_branch(branch, "late-spend")
    main = clone(forge, "merge-late", CLERK)
    git(main, "fetch", "-q", "origin", "late-spend")
    merged = subprocess.run(["git", "merge", "-q", "--no-ff", "--no-edit", "FETCH_HEAD"], cwd=main,
                            capture_output=True, text=True)
    if merged.returncode:  # both sides wrote at the end of the file: the clerk keeps both, as one would
        path = f"projects/2025/{approved}.yaml"
        ours, theirs = (git(main, "show", f":{n}:{path}") for n in (2, 3))
        record(main, approved).write_text(ours + theirs[theirs.index("spending:"):], encoding="utf-8")
        git(main, "add", path)
        git(main, "commit", "-q", "--no-edit")
    git(main, "push", "-q", "origin", "main")
    text = record(main, approved).read_text(encoding="utf-8")
    assert "status: terminated" in text and "资料" in text
    assert any(f["rule"] == "merge" and f["file"] == f"projects/2025/{approved}.yaml"
               for f in found(dj, main, "audit"))


def test_an_unrelated_history_merged_in(forge: Path, dj: Dj) -> None:
    branch = clone(forge, "orphan", SECRETARY)
    git(branch, "switch", "-q", "--orphan", "elsewhere")
    (branch / "projects" / "2025").mkdir(parents=True)
    (branch / "projects/2025/2025-机电-050.yaml").write_text("id: 2025-机电-050\n", encoding="utf-8")
    commit(branch, "另起炉灶", "projects")
    git(branch, "switch", "-q", "-f", "main")
    git(branch, "merge", "-q", "--allow-unrelated-histories", "--no-edit", "elsewhere")
    assert "root" in rules(found(dj, branch, "check", "--base", "origin/main"))


# --- guarded configuration ---------------------------------------------------------------------


@pytest.mark.parametrize("change", [
    lambda repo: (repo / "templates").mkdir() or (repo / "templates" / "application.docx").write_bytes(b"x"),
    lambda repo: (repo / "schemas").mkdir() or (repo / "schemas" / "project.schema.json").write_text("{}"),
    lambda repo: (repo / ".github" / "workflows").mkdir(parents=True)
    or (repo / ".github" / "workflows" / "dj.yml").write_text("on: push\n"),
    lambda repo: (repo / "allowed_signers").write_text("wang@zzb.example ssh-ed25519 AAAA\n"),
], ids=["template", "schema", "ci", "allowed_signers"])
def test_guarded_files_changed_by_a_branch_secretary(forge: Path, dj: Dj, change: Callable[[Path], object]) -> None:
    branch = clone(forge, "guard", SECRETARY)
    change(branch)
    commit(branch, "顺手改一下")
    assert rules(found(dj, branch, "check", "--base", "origin/main")) == {"config"}


def test_deleting_the_ci_check_is_found_after_the_merge(forge: Path, dj: Dj) -> None:
    clerk = clone(forge, "ci-clerk", CLERK)
    (clerk / ".github" / "workflows").mkdir(parents=True)
    (clerk / ".github" / "workflows" / "dj.yml").write_text("on: pull_request\n", encoding="utf-8")
    commit(clerk, "CI")
    git(clerk, "push", "-q", "origin", "main")
    branch = clone(forge, "ci-del", SECRETARY)
    git(branch, "rm", "-q", ".github/workflows/dj.yml")
    commit(branch, "删掉检查")
    push_branch(branch, "no-ci")
    main = merge_into_main(forge, "no-ci")
    assert rules(found(dj, main, "audit")) == {"config"}


def test_a_self_granted_role_is_judged_by_the_dj_yaml_before_it(forge: Path, dj: Dj) -> None:
    branch = clone(forge, "self-grant", SECRETARY)
    edit(branch / "dj.yaml", "unit: 机电学院党委, roles: [applicant]", "unit: 机电学院党委, roles: [applicant, clerk]")
    commit(branch, "加角色")
    push_branch(branch, "grant")
    main = merge_into_main(forge, "grant")
    assert rules(found(dj, main, "audit")) == {"config"}


# --- signatures -------------------------------------------------------------------------------


def _key(tmp: Path, name: str) -> tuple[Path, str]:
    if shutil.which("ssh-keygen") is None:
        pytest.fail("需要 ssh-keygen（apt install openssh-client）")
    key = tmp / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
    return key, (tmp / f"{name}.pub").read_text(encoding="utf-8").strip()


def _sign_as(repo: Path, key: Path) -> None:
    git(repo, "config", "gpg.format", "ssh")
    git(repo, "config", "user.signingkey", str(key))
    git(repo, "config", "commit.gpgsign", "true")


@pytest.fixture
def signed(forge: Path, tmp_path: Path) -> tuple[Path, Path, Path]:
    """main requires signed commits; the clerk's and 张书记's keys are registered. Returns the clerk clone and keys."""
    clerk_key, clerk_pub = _key(tmp_path, "clerk")
    sec_key, sec_pub = _key(tmp_path, "secretary")
    clerk = clone(forge, "signed-clerk", CLERK)
    (clerk / "allowed_signers").write_text(f"{CLERK[1]} {clerk_pub}\n{SECRETARY[1]} {sec_pub}\n", encoding="utf-8")
    edit(clerk / "dj.yaml", "schema_version: 1", "schema_version: 1\nrequire_signed: true")
    _sign_as(clerk, clerk_key)
    commit(clerk, "要求签名")
    git(clerk, "push", "-q", "origin", "main")
    return clerk, clerk_key, sec_key


def test_a_signed_history_passes_and_an_unsigned_step_does_not(signed: tuple[Path, Path, Path], dj: Dj,
                                                               forge: Path) -> None:
    clerk, _, sec_key = signed
    secretary = clone(forge, "signed-sec", SECRETARY)
    _sign_as(secretary, sec_key)
    pid = apply(dj, secretary)
    assert found(dj, secretary, "check", "--base", "origin/main") == []
    git(secretary, "config", "commit.gpgsign", "false")
    second = apply(dj, secretary)
    assert [(f["rule"], f["file"]) for f in found(dj, secretary, "check", "--base", "origin/main")] == [
        ("signature", f"projects/2025/{second}.yaml")]
    del clerk, pid


def test_a_key_registered_for_one_person_does_not_sign_for_another(signed: tuple[Path, Path, Path], dj: Dj,
                                                                   forge: Path) -> None:
    _, _, sec_key = signed
    impostor = clone(forge, "signed-impostor", CLERK)  # 张书记 commits as the clerk with his own key
    _sign_as(impostor, sec_key)
    pid = apply(dj, impostor)
    assert [f["rule"] for f in found(dj, impostor, "check", "--base", "origin/main")] == ["signature"]
    del pid


def test_a_branch_cannot_register_a_key_for_the_clerk(signed: tuple[Path, Path, Path], dj: Dj, forge: Path,
                                                      tmp_path: Path) -> None:
    _, _, sec_key = signed
    mallory_key, mallory_pub = _key(tmp_path, "mallory")
    branch = clone(forge, "signed-branch", SECRETARY)
    _sign_as(branch, sec_key)
    with (branch / "allowed_signers").open("a", encoding="utf-8") as f:
        f.write(f"{CLERK[1]} {mallory_pub}\n")
    commit(branch, "加钥匙")
    git(branch, "config", "user.name", CLERK[0])
    git(branch, "config", "user.email", CLERK[1])
    _sign_as(branch, mallory_key)
    pid = apply(dj, branch)
    assert rules(found(dj, branch, "check", "--base", "origin/main")) == {"config", "signature"}
    del pid


def test_turning_signing_off_later_does_not_unsign_the_past(signed: tuple[Path, Path, Path], dj: Dj,
                                                           forge: Path) -> None:
    clerk, _, _ = signed
    git(clerk, "config", "commit.gpgsign", "false")
    pid = apply(dj, clerk)  # unsigned while signing is required
    git(clerk, "config", "commit.gpgsign", "true")
    edit(clerk / "dj.yaml", "require_signed: true", "require_signed: false")
    commit(clerk, "不再要求签名")
    found_now = found(dj, clerk, "audit")
    assert [f["rule"] for f in found_now] == ["signature"]
    assert found_now[0]["file"] == f"projects/2025/{pid}.yaml"


# --- what must pass untouched -----------------------------------------------------------------


def test_a_long_pull_request_of_real_steps_by_many_people_passes(forge: Path, dj: Dj, approved: str) -> None:
    work = clone(forge, "year", CLERK)
    git(work, "switch", "-q", "-c", "year")
    people = {"钱评委": REVIEWER, "孙评委": ("孙评委", "sun@x.example"), "周评委": ("周评委", "zhou@x.example"),
              "吴评委": ("吴评委", "wu@x.example"), "郑评委": ("郑评委", "zheng@x.example")}

    def as_(user: tuple[str, str]) -> None:
        git(work, "config", "user.name", user[0])
        git(work, "config", "user.email", user[1])

    as_(SECRETARY)
    run(dj, work, "spend", approved, "300", "安全标识", "--date", "2025-06-01")
    as_(APPROVER)
    run(dj, work, "mid-check", approved, "--result", "rectify", "--deadline", "2025-12-31", "--issues", "台账不全",
        "--date", "2025-11-20")
    run(dj, work, "rectified", approved, "--date", "2025-12-20")
    as_(SECRETARY)
    report = work.parent / "report.md"
    report.write_text("## 项目概况\n概况\n## 实施情况\n实施\n## 成果经验\n成果\n## 评价建议\n建议\n", encoding="utf-8")
    run(dj, work, "close", approved, "--report", str(report), "--date", "2026-06-01")
    for name, value in FIVE:
        as_(people[name])
        run(dj, work, "score", approved, "--reviewer", name, *points(value[0], "18", "18", "18", "18"),
            "--date", "2026-06-10")
    as_(CLERK)
    run(dj, work, "accept", approved, "--date", "2026-06-20")
    assert found(dj, work, "check", "--base", "origin/main") == []
    push_branch(work, "year")
    main = merge_into_main(forge, "year")
    assert found(dj, main, "audit") == []


def test_clerk_entries_and_a_person_removed_after_acting_pass(forge: Path, dj: Dj, approved: str) -> None:
    clerk = clone(forge, "entries", CLERK)
    run(dj, clerk, "--as", f"{SECRETARY[0]} <{SECRETARY[1]}>", "spend", approved, "120", "资料", "--date", "2025-06-02")
    edit(clerk / "dj.yaml", "  - {name: 李部长, email: li@zzb.example, unit: 组织部, roles: [approver]}\n", "")
    commit(clerk, "李部长调离")
    git(clerk, "push", "-q", "origin", "main")
    assert found(dj, clerk, "audit") == []


def test_the_readme_onboarding_leaves_audit_green(tmp_path: Path, dj: Dj) -> None:
    git(tmp_path, "config", "--global", "user.name", "刘干事")
    git(tmp_path, "config", "--global", "user.email", "liu@zzb.example")
    r = dj("init", str(tmp_path / "党建项目"), "--preset", "college", "--org", "中共彩神学院委员会", "--cycle", "2025")
    assert r.exit_code == 0, r.stderr
    repo = tmp_path / "党建项目"
    edit(repo / "dj.yaml", "people:\n", "people:\n  - {name: 张书记, email: zhang@jd.example, unit: 机电学院党委, "
         "roles: [applicant]}\n")
    git(repo, "commit", "-q", "-am", "登记单位和人员")
    assert found(dj, repo, "audit") == []


def test_a_reviewer_the_clerk_registers_in_the_same_pull_request_may_score_in_it(forge: Path, dj: Dj,
                                                                                 approved: str) -> None:
    clerk = _closed(forge, dj, approved)
    git(clerk, "switch", "-q", "-c", "panel")
    edit(clerk / "dj.yaml", "people:\n", "people:\n  - {name: 新评委, email: new@x.example, unit: 组织部, "
         "roles: [reviewer]}\n")
    commit(clerk, "登记新评委")
    run(dj, clerk, "--as", "新评委 <new@x.example>", "score", approved, "--reviewer", "新评委",
        *points("18", "18", "18", "18", "18"), "--date", "2026-06-10")
    assert found(dj, clerk, "check", "--base", "origin/main") == []


def test_an_approver_removed_on_main_cannot_approve_from_an_old_clone(forge: Path, dj: Dj) -> None:
    old = clone(forge, "old-clone", APPROVER)  # cloned while 李部长 was still an approver
    secretary = clone(forge, "removed-sec", SECRETARY)
    pid = apply(dj, secretary)
    git(secretary, "push", "-q", "origin", "main")
    clerk = clone(forge, "remover", CLERK)
    edit(clerk / "dj.yaml", "  - {name: 李部长, email: li@zzb.example, unit: 组织部, roles: [approver]}\n", "")
    commit(clerk, "李部长调离")
    git(clerk, "push", "-q", "origin", "main")
    git(old, "pull", "-q", "--no-rebase", "origin", "main")
    git(old, "reset", "-q", "--hard", "HEAD~1")  # back to before the removal, the application present
    run(dj, old, "approve", pid, "--date", "2025-05-20")
    git(old, "fetch", "-q", "origin")
    found_now = found(dj, old, "check", "--base", "origin/main")
    assert [(f["rule"], "撤销" in f["message"]) for f in found_now] == [("role", True)]

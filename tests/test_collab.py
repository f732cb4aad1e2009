"""Several clones meet on a forge (a bare repository): pull requests are checked, history is audited."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import CLERK, DATA, Dj, clone, git

BRANCH_SECRETARY = ("张书记", "zhang@jd.example")  # applicant of 机电学院党委
APPROVER = ("李部长", "li@zzb.example")


def apply(dj: Dj, repo: Path, date: str = "2025-05-06") -> str:
    r = dj("--repo", str(repo), "apply", "--from", str(DATA / "application.yaml"), "--date", date, "--json")
    assert r.exit_code == 0, r.stderr
    return str(json.loads(r.stdout)["id"])


def findings(dj: Dj, repo: Path, *args: str) -> list[dict[str, str]]:
    r = dj("--repo", str(repo), *args, "--json")
    assert r.exit_code in (0, 1), r.stderr
    found: list[dict[str, str]] = json.loads(r.stdout)
    assert (r.exit_code == 1) == bool(found)
    return found


def commit_all(repo: Path, message: str) -> None:
    git(repo, "commit", "-q", "-am", message)


def test_an_application_on_a_pull_branch_passes(forge: Path, tmp_path: Path, dj: Dj) -> None:
    branch = clone(forge, tmp_path / "branch", BRANCH_SECRETARY)
    git(branch, "switch", "-q", "-c", "apply-lab-safety")
    apply(dj, branch)
    assert findings(dj, branch, "check", "--base", "origin/main") == []


def test_approval_on_a_review_branch_passes(forge: Path, tmp_path: Path, dj: Dj) -> None:
    clerk = clone(forge, tmp_path / "clerk", CLERK)
    pid = apply(dj, clerk)
    git(clerk, "push", "-q", "origin", "main")
    git(clerk, "switch", "-q", "-c", "review")
    r = dj("--repo", str(clerk), "approve", pid, "--date", "2025-05-20", "--doc-no", "彩党组〔2025〕12号")
    assert r.exit_code == 0, r.stderr
    assert findings(dj, clerk, "check", "--base", "origin/main") == []


@pytest.mark.parametrize(("field", "old", "new"), [
    ("status", "status: applied", "status: approved"),
    ("result", "status: applied", "status: applied\nresult: {date: 2026-06-01, total: '99', passed: 'yes'}"),
])
def test_a_hand_edit_of_a_workflow_field_fails_the_pull_request(forge: Path, tmp_path: Path, dj: Dj,
                                                                field: str, old: str, new: str) -> None:
    clerk = clone(forge, tmp_path / "clerk", CLERK)
    pid = apply(dj, clerk)
    git(clerk, "push", "-q", "origin", "main")
    branch = clone(forge, tmp_path / "branch", BRANCH_SECRETARY)
    git(branch, "switch", "-q", "-c", "shortcut")
    path = branch / "projects" / "2025" / f"{pid}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    commit_all(branch, "直接改成已立项")
    found = findings(dj, branch, "check", "--base", "origin/main")
    hand = [f for f in found if f["rule"] == "hand-edit"]
    assert [f["field"] for f in hand] == [field]
    assert hand[0]["file"] == f"projects/2025/{pid}.yaml"
    assert "张书记" in hand[0]["message"] and "王干事" in hand[0]["message"]  # who did it, who may


def test_an_approval_by_someone_without_the_role_fails_check_and_audit(forge: Path, tmp_path: Path,
                                                                       dj: Dj) -> None:
    branch = clone(forge, tmp_path / "branch", BRANCH_SECRETARY)
    pid = apply(dj, branch)
    git(branch, "switch", "-q", "-c", "self-approval")
    # The branch secretary makes herself an approver in the same pull request, then approves.
    config = branch / "dj.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "unit: 机电学院党委, roles: [applicant]", "unit: 机电学院党委, roles: [applicant, approver]"),
        encoding="utf-8")
    commit_all(branch, "补充角色")
    r = dj("--repo", str(branch), "approve", pid, "--date", "2025-05-20")
    assert r.exit_code == 0, r.stderr  # locally her own dj.yaml lets her

    found = findings(dj, branch, "check", "--base", "origin/main")
    assert {f["rule"] for f in found} == {"config", "role"}
    role = next(f for f in found if f["rule"] == "role")
    assert "张书记" in role["message"] and "dj approve" in role["message"]

    audited = findings(dj, branch, "audit")
    # the clerk-less change of dj.yaml is ignored after it is reported: the approval has no role either
    assert [f["rule"] for f in audited] == ["config", "role"]
    assert "dj.yaml" in audited[0]["file"] and "张书记" in audited[0]["message"]


def test_a_commit_whose_trailers_lie_is_caught_by_audit(repo: Path, dj: Dj) -> None:
    pid = apply(dj, repo)
    path = repo / "projects" / "2025" / f"{pid}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("status: applied", "status: approved"),
                    encoding="utf-8")
    git(repo, "commit", "-q", "-am", f"score {pid}: 录入评分\n\nDj-Action: score\nDj-Project: {pid}\n"
        f"Dj-From: closed\nDj-To: closed\nDj-Actor: 王干事 <wang@zzb.example>\n")
    found = findings(dj, repo, "audit")
    rules = sorted({f["rule"] for f in found})
    assert rules == ["trailer", "transition"]
    assert any(f["field"] == "status" and "applied → approved" in f["message"] for f in found)


def test_a_commit_by_neither_the_actor_nor_a_clerk_is_caught(repo: Path, dj: Dj) -> None:
    pid = apply(dj, repo)
    git(repo, "config", "user.name", BRANCH_SECRETARY[0])
    git(repo, "config", "user.email", BRANCH_SECRETARY[1])
    path = repo / "projects" / "2025" / f"{pid}.yaml"
    text = path.read_text(encoding="utf-8").replace("status: applied", "status: rejected\nrejection: "
                                                    "{date: 2025-05-20, by: 王干事, reason: 不符合条件}")
    path.write_text(text, encoding="utf-8")
    git(repo, "commit", "-q", "-am", f"reject {pid}: 不予立项\n\nDj-Action: reject\nDj-Project: {pid}\n"
        f"Dj-From: applied\nDj-To: rejected\nDj-Actor: 王干事 <wang@zzb.example>\nDj-Date: 2025-05-20\n"
        f'Dj-Args: {{"reason": "不符合条件"}}\n')
    found = findings(dj, repo, "audit")
    assert [f["rule"] for f in found] == ["identity"]
    assert "张书记" in found[0]["message"] and "王干事" in found[0]["message"]


def test_deleting_a_project_fails_the_pull_request(forge: Path, tmp_path: Path, dj: Dj) -> None:
    clerk = clone(forge, tmp_path / "clerk", CLERK)
    pid = apply(dj, clerk)
    git(clerk, "push", "-q", "origin", "main")
    git(clerk, "switch", "-q", "-c", "tidy")
    git(clerk, "rm", "-q", f"projects/2025/{pid}.yaml")
    git(clerk, "commit", "-q", "-m", "删掉")
    assert [f["rule"] for f in findings(dj, clerk, "check", "--base", "origin/main")] == ["deleted"]


def test_two_concurrent_applications_collide_and_renumber_fixes_it(forge: Path, tmp_path: Path, dj: Dj) -> None:
    first = clone(forge, tmp_path / "first", BRANCH_SECRETARY)
    second = clone(forge, tmp_path / "second", CLERK)
    assert apply(dj, first) == apply(dj, second) == "2025-机电-001"  # nobody holds a central counter
    git(first, "push", "-q", "origin", "main")

    git(second, "switch", "-q", "-c", "late")
    git(second, "fetch", "-q", "origin")
    found = findings(dj, second, "check", "--base", "origin/main")
    assert [(f["rule"], f["file"]) for f in found] == [("duplicate-id", "projects/2025/2025-机电-001.yaml")]
    assert "dj renumber 2025-机电-001" in found[0]["message"]

    r = dj("--repo", str(second), "renumber", "2025-机电-001", "--base", "origin/main")
    assert r.exit_code == 0, r.stderr
    assert "2025-机电-002" in r.stdout
    moved = second / "projects" / "2025" / "2025-机电-002.yaml"
    assert "id: 2025-机电-002" in moved.read_text(encoding="utf-8")
    assert not (second / "projects" / "2025" / "2025-机电-001.yaml").exists()
    assert findings(dj, second, "check", "--base", "origin/main") == []
    git(second, "merge", "-q", "--no-edit", "origin/main")
    assert sorted(p.name for p in (second / "projects" / "2025").iterdir()) == [
        "2025-机电-001.yaml", "2025-机电-002.yaml"]
    assert findings(dj, second, "check") == []
    assert findings(dj, second, "audit") == []


@pytest.fixture
def signing(tmp_path: Path) -> tuple[Path, str]:
    """A throw-away SSH key, and the allowed-signers line that names the clerk as its owner."""
    if shutil.which("ssh-keygen") is None:
        pytest.skip("没有 ssh-keygen，无法生成签名密钥（Debian：apt install openssh-client）")
    key = tmp_path / "clerk_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "clerk", "-f", str(key)], check=True)
    public = (tmp_path / "clerk_key.pub").read_text(encoding="utf-8").strip()
    return key, f"{CLERK[1]} namespaces=\"git\" {public}\n"


def test_a_signed_repository_passes_audit_and_an_unsigned_approval_is_caught(repo: Path, dj: Dj,
                                                                             signing: tuple[Path, str]) -> None:
    key, allowed = signing
    (repo / "allowed_signers").write_text(allowed, encoding="utf-8")
    config = repo / "dj.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "require_signed: true\n", encoding="utf-8")
    git(repo, "add", "allowed_signers")
    commit_all(repo, "要求签名提交")
    git(repo, "config", "gpg.format", "ssh")
    git(repo, "config", "user.signingkey", str(key))
    git(repo, "config", "commit.gpgsign", "true")

    pid = apply(dj, repo)
    r = dj("--repo", str(repo), "approve", pid, "--date", "2025-05-20")
    assert r.exit_code == 0, r.stderr
    assert "Good \"git\" signature" in subprocess.run(
        ["git", "-c", f"gpg.ssh.allowedSignersFile={repo / 'allowed_signers'}", "verify-commit", "HEAD"],
        cwd=repo, capture_output=True, text=True).stderr
    assert findings(dj, repo, "audit") == []

    second = apply(dj, repo)  # signed
    git(repo, "config", "commit.gpgsign", "false")
    r = dj("--repo", str(repo), "approve", second, "--date", "2025-05-20")  # not signed
    assert r.exit_code == 0, r.stderr
    found = findings(dj, repo, "audit")
    assert [(f["rule"], f["commit"]) for f in found] == [("signature", git(repo, "rev-parse", "HEAD").strip())]
    assert "签名" in found[0]["message"]

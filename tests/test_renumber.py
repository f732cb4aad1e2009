"""Renumbering: only for a real collision (or a clerk's --force on a fresh application), and history survives it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import CLERK, DATA, Dj, clone, git

SECRETARY = ("张书记", "zhang@jd.example")  # applicant of 机电学院党委


@pytest.fixture(autouse=True)
def _no_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJ_NO_FORMS", "1")


def _apply(dj: Dj, repo: Path) -> str:
    r = dj("--repo", str(repo), "apply", "--from", str(DATA / "application.yaml"), "--date", "2025-05-06", "--json")
    assert r.exit_code == 0, r.stderr
    return str(json.loads(r.stdout)["id"])


def _be(repo: Path, user: tuple[str, str]) -> None:
    git(repo, "config", "user.name", user[0])
    git(repo, "config", "user.email", user[1])


def _args(repo: Path) -> dict[str, object]:
    """The Dj-Args of the newest commit."""
    found: dict[str, object] = json.loads(git(repo, "log", "-1", "--format=%(trailers:key=Dj-Args,valueonly)"))
    return found


@pytest.fixture
def collided(forge: Path, dj: Dj) -> Path:
    """Two clones applied at once and both took 2025-机电-001; main has the first. Returns the second clone."""
    # different applicants, so different files
    clones = [clone(forge, forge.parent / name, user) for name, user in (("first", CLERK), ("second", SECRETARY))]
    assert _apply(dj, clones[0]) == _apply(dj, clones[1]) == "2025-机电-001"
    git(clones[0], "push", "-q", "origin", "main")
    git(clones[1], "switch", "-q", "-c", "late")
    git(clones[1], "fetch", "-q", "origin")
    return clones[1]


def test_the_applicant_renumbers_his_own_application_on_a_real_collision(collided: Path, dj: Dj) -> None:
    r = dj("--repo", str(collided), "renumber", "2025-机电-001", "--force")  # --force is the clerk's alone
    assert r.exit_code == 1 and "请由组织部干事加 --force" in r.stderr
    r = dj("--repo", str(collided), "renumber", "2025-机电-001", "--base", "origin/main")
    assert r.exit_code == 0, r.stderr
    assert (collided / "projects/2025/2025-机电-002.yaml").exists()
    assert _args(collided) == {"from": "2025-机电-001", "collided": True, "force": False}
    found = json.loads(dj("--repo", str(collided), "check", "--base", "origin/main", "--json").stdout)
    assert found == []


def test_without_a_collision_nobody_renumbers_without_force(repo: Path, dj: Dj) -> None:
    pid = _apply(dj, repo)
    r = dj("renumber", pid)
    assert r.exit_code == 1
    assert "没有冲突" in r.stderr and "--force" in r.stderr
    assert (repo / f"projects/2025/{pid}.yaml").exists()
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "2"  # the config and the application


@pytest.mark.parametrize("decision", [["approve"], ["reject", "--reason", "不符合要求"],
                                      ["terminate", "--reason", "支部撤并"]])
def test_a_clerk_may_force_a_fresh_application_but_not_a_decided_one(repo: Path, dj: Dj, decision: list[str]) -> None:
    fresh, decided = _apply(dj, repo), _apply(dj, repo)
    assert dj(decision[0], decided, *decision[1:], "--date", "2025-05-20").exit_code == 0
    r = dj("renumber", decided, "--force")
    assert r.exit_code == 1 and "已有决定" in r.stderr
    assert (repo / f"projects/2025/{decided}.yaml").exists()
    r = dj("renumber", fresh, "--force")
    assert r.exit_code == 0, r.stderr
    assert not (repo / f"projects/2025/{fresh}.yaml").exists()
    assert _args(repo) == {"from": fresh, "collided": False, "force": True}
    assert json.loads(dj("audit", "--json").stdout) == []


def test_a_decision_counts_even_when_the_status_was_set_back_by_hand(repo: Path, dj: Dj) -> None:
    pid = _apply(dj, repo)
    assert dj("approve", pid, "--date", "2025-05-20").exit_code == 0
    record = repo / f"projects/2025/{pid}.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("status: approved", "status: applied"),
                      encoding="utf-8")
    git(repo, "commit", "-qam", "手工改回已申报")
    r = dj("renumber", pid, "--force")
    assert r.exit_code == 1 and "已有决定" in r.stderr
    assert record.exists()


def test_once_decided_only_a_clerk_renumbers_and_only_on_a_real_collision(collided: Path, dj: Dj) -> None:
    _be(collided, CLERK)
    assert dj("--repo", str(collided), "approve", "2025-机电-001", "--date", "2025-05-20").exit_code == 0
    _be(collided, SECRETARY)
    r = dj("--repo", str(collided), "renumber", "2025-机电-001", "--base", "origin/main")
    assert r.exit_code == 1 and "申报人不能再改编号" in r.stderr
    _be(collided, CLERK)
    r = dj("--repo", str(collided), "renumber", "2025-机电-001", "--force")
    assert r.exit_code == 1 and "已有决定" in r.stderr
    r = dj("--repo", str(collided), "renumber", "2025-机电-001", "--base", "origin/main")
    assert r.exit_code == 0, r.stderr
    assert _args(collided) == {"from": "2025-机电-001", "collided": True, "force": False}


def test_an_applicant_of_another_unit_cannot_renumber(collided: Path, dj: Dj) -> None:
    config = collided / "dj.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "  - {name: 钱评委", "  - {name: 外语书记, email: wy@x.example, unit: 外国语学院党委, roles: [applicant]}\n"
        "  - {name: 钱评委"), encoding="utf-8")
    git(collided, "commit", "-qam", "登记外语书记")
    _be(collided, ("外语书记", "wy@x.example"))
    r = dj("--repo", str(collided), "renumber", "2025-机电-001", "--base", "origin/main")
    assert r.exit_code == 1 and "外国语学院党委的申报人" in r.stderr
    assert (collided / "projects/2025/2025-机电-001.yaml").exists()
    _be(collided, SECRETARY)  # the same collision, renumbered by the unit's own applicant
    assert dj("--repo", str(collided), "renumber", "2025-机电-001", "--base", "origin/main").exit_code == 0


def test_a_target_branch_that_already_has_this_project_is_no_collision(forge: Path, dj: Dj) -> None:
    clerk = clone(forge, forge.parent / "clerk", CLERK)
    pid = _apply(dj, clerk)
    git(clerk, "push", "-q", "origin", "main")
    git(clerk, "switch", "-q", "-c", "later")
    assert dj("--repo", str(clerk), "approve", pid, "--date", "2025-05-20").exit_code == 0
    # main's file differs from ours, but both sides had it when they split: it is this project, changed since
    r = dj("--repo", str(clerk), "renumber", pid, "--base", "origin/main")
    assert r.exit_code == 1 and "没有冲突" in r.stderr
    assert (clerk / f"projects/2025/{pid}.yaml").exists()


def test_an_application_squash_merged_into_the_target_is_no_collision(forge: Path, dj: Dj) -> None:
    clerk = clone(forge, forge.parent / "clerk", CLERK)
    git(clerk, "switch", "-q", "-c", "late")
    pid = _apply(dj, clerk)
    git(clerk, "switch", "-q", "main")
    git(clerk, "merge", "-q", "--squash", "late")  # as a forge's squash merge: new on both sides, the same file
    git(clerk, "commit", "-q", "-m", "申报 (#1)")
    git(clerk, "push", "-q", "origin", "main")
    git(clerk, "switch", "-q", "late")
    r = dj("--repo", str(clerk), "renumber", pid, "--base", "origin/main")
    assert r.exit_code == 1 and "没有冲突" in r.stderr


def test_log_show_and_verify_form_follow_a_project_through_its_new_number(collided: Path, dj: Dj) -> None:
    old_blob = git(collided, "rev-parse", "HEAD:projects/2025/2025-机电-001.yaml").strip()
    assert dj("--repo", str(collided), "renumber", "2025-机电-001", "--base", "origin/main").exit_code == 0

    log = dj("--repo", str(collided), "log", "2025-机电-002")
    assert log.exit_code == 0, log.stderr
    assert "申报（原编号 2025-机电-001）" in log.stdout and "重新编号" in log.stdout

    applied = git(collided, "log", "-1", "--format=%h", "HEAD~1").strip()  # the apply commit, under the old number
    assert applied[:7] in log.stdout

    shown = dj("--repo", str(collided), "show", "2025-机电-002")
    assert shown.exit_code == 0, shown.stderr
    assert "原编号" in shown.stdout and "2025-机电-001" in shown.stdout
    shown = dj("--repo", str(collided), "show", "2025-机电-001")
    assert shown.exit_code == 0, shown.stderr
    assert "已重新编号为 2025-机电-002" in shown.stdout

    r = dj("--repo", str(collided), "verify-form", "2025-机电-002", old_blob[:10])
    assert r.exit_code == 0, r.stderr
    assert "核对通过" in r.stdout and "2025-机电-001（现编号 2025-机电-002）" in r.stdout
    assert "不是最新版本" in r.stdout


def test_history_follows_two_renumberings(repo: Path, dj: Dj) -> None:
    first = _apply(dj, repo)
    blob = git(repo, "rev-parse", f"HEAD:projects/2025/{first}.yaml").strip()
    assert dj("renumber", first, "--force").exit_code == 0
    second = json.loads(dj("list", "--json").stdout)[0]["id"]
    assert dj("renumber", second, "--force").exit_code == 0
    third = json.loads(dj("list", "--json").stdout)[0]["id"]
    assert len({first, second, third}) == 3
    log = dj("log", third).stdout
    assert f"申报（原编号 {first}）" in log and log.count("重新编号") == 2
    assert dj("verify-form", third, blob[:10]).exit_code == 0


@pytest.mark.parametrize("claim", ["", "other"])
def test_history_follows_only_the_file_a_renumbering_deleted(repo: Path, dj: Dj, claim: str) -> None:
    """Without Dj-Args (an older dj) the deleted file is the old number; a "from" naming another project is not."""
    old, other = _apply(dj, repo), _apply(dj, repo)
    new = old[:-3] + "007"
    git(repo, "mv", f"projects/2025/{old}.yaml", f"projects/2025/{new}.yaml")
    moved = repo / f"projects/2025/{new}.yaml"
    moved.write_text(moved.read_text(encoding="utf-8").replace(f"id: {old}", f"id: {new}"), encoding="utf-8")
    args = f'\nDj-Args: {{"from": "{other}"}}' if claim else ""
    git(repo, "commit", "-qam", f"renumber {new}\n\nDj-Action: renumber\nDj-Project: {new}{args}")
    log = dj("log", new)
    assert log.exit_code == 0, log.stderr
    assert (f"申报（原编号 {old}）" in log.stdout) is not bool(claim)
    assert f"原编号 {other}" not in log.stdout


def test_a_renumbered_collision_audits_clean_after_the_merge(collided: Path, dj: Dj) -> None:
    assert dj("--repo", str(collided), "renumber", "2025-机电-001", "--base", "origin/main").exit_code == 0
    git(collided, "merge", "-q", "--no-edit", "origin/main")  # both applications now side by side
    names = sorted(p.name for p in (collided / "projects/2025").iterdir())
    assert names == ["2025-机电-001.yaml", "2025-机电-002.yaml"]
    assert json.loads(dj("--repo", str(collided), "audit", "--json").stdout) == []

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
    r = dj("--repo", str(collided), "renumber", "2025-机电-001", "--base", "origin/main")
    assert r.exit_code == 0, r.stderr
    assert (collided / "projects/2025/2025-机电-002.yaml").exists()
    found = json.loads(dj("--repo", str(collided), "check", "--base", "origin/main", "--json").stdout)
    assert found == []


def test_without_a_collision_nobody_renumbers_without_force(repo: Path, dj: Dj) -> None:
    pid = _apply(dj, repo)
    r = dj("renumber", pid)
    assert r.exit_code == 1
    assert "没有冲突" in r.stderr and "--force" in r.stderr
    assert (repo / f"projects/2025/{pid}.yaml").exists()
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "2"  # the config and the application


def test_a_clerk_may_force_a_fresh_application_but_not_a_decided_one(repo: Path, dj: Dj) -> None:
    fresh, decided = _apply(dj, repo), _apply(dj, repo)
    assert dj("approve", decided, "--date", "2025-05-20").exit_code == 0
    r = dj("renumber", decided, "--force")
    assert r.exit_code == 1 and "已有决定" in r.stderr
    r = dj("renumber", fresh, "--force")
    assert r.exit_code == 0, r.stderr
    assert not (repo / f"projects/2025/{fresh}.yaml").exists()
    assert json.loads(dj("audit", "--json").stdout) == []


def test_an_applicant_of_another_unit_cannot_renumber(repo: Path, dj: Dj) -> None:
    pid = _apply(dj, repo)
    config = repo / "dj.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "  - {name: 钱评委", "  - {name: 外语书记, email: wy@x.example, unit: 外国语学院党委, roles: [applicant]}\n"
        "  - {name: 钱评委"), encoding="utf-8")
    git(repo, "commit", "-qam", "登记外语书记")
    r = dj("--as", "外语书记 <wy@x.example>", "renumber", pid, "--force")
    assert r.exit_code == 1
    assert (repo / f"projects/2025/{pid}.yaml").exists()


def test_log_show_and_verify_form_follow_a_project_through_its_new_number(collided: Path, dj: Dj) -> None:
    old_blob = git(collided, "rev-parse", "HEAD:projects/2025/2025-机电-001.yaml").strip()
    assert dj("--repo", str(collided), "renumber", "2025-机电-001", "--base", "origin/main").exit_code == 0

    log = dj("--repo", str(collided), "log", "2025-机电-002")
    assert log.exit_code == 0, log.stderr
    assert "申报（原编号 2025-机电-001）" in log.stdout and "重新编号" in log.stdout

    shown = dj("--repo", str(collided), "show", "2025-机电-001")
    assert shown.exit_code == 0, shown.stderr
    assert "已重新编号为 2025-机电-002" in shown.stdout

    r = dj("--repo", str(collided), "verify-form", "2025-机电-002", old_blob[:10])
    assert r.exit_code == 0, r.stderr
    assert "核对通过" in r.stdout and "不是最新版本" in r.stdout


def test_a_renumbered_collision_audits_clean_after_the_merge(collided: Path, dj: Dj) -> None:
    assert dj("--repo", str(collided), "renumber", "2025-机电-001", "--base", "origin/main").exit_code == 0
    git(collided, "merge", "-q", "--no-edit", "origin/main")  # both applications now side by side
    names = sorted(p.name for p in (collided / "projects/2025").iterdir())
    assert names == ["2025-机电-001.yaml", "2025-机电-002.yaml"]
    assert json.loads(dj("--repo", str(collided), "audit", "--json").stdout) == []

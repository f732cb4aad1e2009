"""One writer at a time: real dj processes started together in one checkout."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from docx import Document

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
    subjects = git(repo, "log", "--format=%s", "--", "projects").splitlines()
    assert sorted(s.split(":")[0] for s in subjects) == [f"apply {i}" for i in ids]  # one commit each
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
    lock.lock_path(repo).write_text(json.dumps({"pid": dead.pid, "host": socket.gethostname(),
                                                "command": "dj apply", "started": "2025-05-06 09:00:00"}))
    stray = repo / "projects" / "2025" / ".2025-机电-009.yaml.abc.tmp"
    stray.parent.mkdir(parents=True)
    stray.write_text("half written", encoding="utf-8")
    os.utime(stray, (time.time() - 3600, time.time() - 3600))
    # Several at once: only one of them may clear the dead lock, or two would hold it together.
    runs = [_apply(repo, DJ_LOCK_WAIT="60") for _ in range(3)]
    outputs = [r.communicate(timeout=120) for r in runs]
    assert [r.returncode for r in runs] == [0, 0, 0], outputs
    assert sorted(json.loads(out)["id"] for out, _ in outputs) == ["2025-机电-001", "2025-机电-002", "2025-机电-003"]
    assert len(git(repo, "log", "--format=%H", "--", "projects").split()) == 3
    assert not stray.exists()
    assert not lock.lock_path(repo).exists()


def test_a_leftover_git_index_lock_gets_a_chinese_sentence(repo: Path) -> None:
    (repo / ".git" / "index.lock").write_text("", encoding="utf-8")
    run = _apply(repo)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 1
    assert "另一个 git 或 dj 进程正在使用这个仓库" in err and str(repo / ".git" / "index.lock") in err
    assert "manually" not in err and "Traceback" not in err
    assert not (repo / "projects" / "2025" / "2025-机电-001.yaml").exists()  # the rollback removed it


def _pool(pid: int) -> list[int]:
    """The processes below `pid` that run Python: the render pool's workers (and a forkserver, if any)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
    found, wanted = [], {pid}
    while wanted:
        below = [child for child, parent in parents.items() if parent in wanted]
        found += below
        wanted = set(below)
    return [p for p in found if _running(p) and b"python" in _cmdline(p)]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the worker check reads /proc")
@pytest.mark.parametrize("kill", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_render_all_killed_leaves_no_worker_behind(tmp_path: Path, kill: signal.Signals) -> None:
    demo = tmp_path / "demo"
    subprocess.run([sys.executable, "-m", "dangjian_cli", "demo", str(demo)], check=True, capture_output=True)
    shutil.rmtree(demo / "out")
    # A form that takes all night: render is surely still at work when the signal comes, however fast it got.
    slow = Document(str(demo / "templates" / "approval.docx"))
    slow.add_paragraph("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}")
    slow.save(str(demo / "templates" / "approval.docx"))
    # No pipes: a worker left behind would hold them open, and the test would hang instead of failing.
    run = subprocess.Popen([sys.executable, "-m", "dangjian_cli", "--repo", str(demo), "render", "--all"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    deadline = time.monotonic() + 60
    while not workers and time.monotonic() < deadline and run.poll() is None:
        workers = _pool(run.pid)
        time.sleep(0.02)
    assert workers, "render --all finished before its workers could be seen"
    run.send_signal(kill)
    if kill == signal.SIGTERM:  # dj stops the pool itself and exits the way a terminated program should
        assert run.wait(timeout=30) == 128 + signal.SIGTERM
    run.wait(timeout=30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_running(w) for w in workers):
        time.sleep(0.1)
    left = [w for w in workers if _running(w)]
    for w in left:  # not to leave them running after a failure either
        with contextlib.suppress(ProcessLookupError):
            os.kill(w, signal.SIGKILL)
    assert left == []


def test_a_failed_step_leaves_a_file_someone_else_wrote_meanwhile(repo: Path) -> None:
    record = repo / "projects" / "2025" / "2025-机电-001.yaml"
    theirs = "# 另一步在这期间写下的内容\n"
    # The commit fails after another writer (here git's pre-commit hook) replaced the step's file.
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\nprintf '%s' '{theirs}' > '{record}'\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    run = _apply(repo)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 1, err
    assert record.read_text(encoding="utf-8") == theirs  # the rollback did not delete it

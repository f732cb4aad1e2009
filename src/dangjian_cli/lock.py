"""One dj writes at a time in a checkout: a lock file of dj's own, in the git directory.

A second dj waits a few seconds and then refuses, naming the command that holds the lock; a lock
whose process is gone (a dj killed halfway) is cleared, with the temporary files it left.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dangjian_cli.errors import DjError

LOCK_FILE = "dj.lock"
_STRAYS = (".*.tmp", "projects/*/.*.tmp", "out/.dj-forms-*")  # store.atomic_write's, the forms' staging
_STRAY_AGE = 60.0  # seconds: a temporary file this old belongs to no running step


def lock_path(root: Path) -> Path:
    """`.git/dj.lock` (also in a worktree, whose .git is a file naming the real folder), else `.dj.lock`."""
    dot_git = root / ".git"
    if dot_git.is_dir():
        return dot_git / LOCK_FILE
    if dot_git.is_file():
        text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
        if text.startswith("gitdir:"):
            folder = Path(text.removeprefix("gitdir:").strip())
            return (folder if folder.is_absolute() else root / folder) / LOCK_FILE
    return root / f".{LOCK_FILE}"


def _holder(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, but alive
    return True


def _stale(path: Path, holder: dict[str, Any] | None) -> bool:
    if holder is None:  # half written by a dj that died at once, or garbage: stale once it is old
        try:
            return time.time() - path.stat().st_mtime > 2
        except FileNotFoundError:
            return True
    same_host = holder.get("host") == socket.gethostname()
    return same_host and not _alive(int(holder.get("pid", 0) or 0))


def _clean_strays(root: Path) -> None:
    """Temporary files of a dj that was killed halfway (only old ones: a live step's are young)."""
    now = time.time()
    for stray in (found for pattern in _STRAYS for found in root.glob(pattern)):
        try:
            if now - stray.stat().st_mtime < _STRAY_AGE:
                continue
            shutil.rmtree(stray) if stray.is_dir() else stray.unlink()
        except OSError:
            continue  # gone already, or not ours to remove: the next step tries again


@contextmanager
def hold(root: Path, command: str, wait: float | None = None) -> Iterator[None]:
    """Hold the checkout's lock while the block runs (the id is allocated, files written, the commit made)."""
    path = lock_path(root)
    patience = float(os.environ.get("DJ_LOCK_WAIT", "5")) if wait is None else wait
    deadline = time.monotonic() + patience
    me = {"pid": os.getpid(), "host": socket.gethostname(), "command": command,
          "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _holder(path)
            if _stale(path, holder):
                path.unlink(missing_ok=True)
                continue
            if time.monotonic() >= deadline:
                who = holder or {}
                raise DjError(f"另一个 dj 正在修改这个仓库（{who.get('command', '未知命令')}，"
                              f"进程 {who.get('pid', '?')}，开始于 {who.get('started', '?')}）；"
                              f"请等它结束后再试。如果确定那个进程已经不在了，删除 {path} 即可。") from None
            time.sleep(0.1)
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(me, f, ensure_ascii=False)
        break
    try:
        _clean_strays(root)
        yield
    finally:
        if (_holder(path) or {}).get("pid") == os.getpid():
            path.unlink(missing_ok=True)

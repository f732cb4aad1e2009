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
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from dangjian_cli.errors import DjError

LOCK_FILE = "dj.lock"
# atomic.write_bytes's temporary files where dj writes, and the staging folders of a step's forms.
_STRAYS = (".*.tmp", "projects/*/.*.tmp", "schemas/.*.tmp", "out/.*.tmp", "out/*/.*.tmp", "out/.dj-forms-*")
_STRAY_AGE = 60.0  # seconds: a temporary file this old belongs to no running step
_GUARD_AGE = 5.0  # seconds: clearing a dead lock takes microseconds; a guard this old lost its clearer
_held: set[Path] = set()  # locks this process holds, so a nested hold does not wait for itself


def lock_path(root: Path) -> Path:
    """`dj.lock` in the git directory of the checkout holding `root`, else `.dj.lock` beside dj.yaml."""
    for folder in (root, *root.parents):  # dj.yaml may sit in a subfolder of a bigger repository
        dot_git = folder / ".git"
        if dot_git.is_dir():
            return dot_git / LOCK_FILE
        if dot_git.is_file():  # a worktree: .git names its own folder inside the main repository's
            text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
            if text.startswith("gitdir:"):
                named = Path(text.removeprefix("gitdir:").strip())
                return (named if named.is_absolute() else folder / named) / LOCK_FILE
    return root / f".{LOCK_FILE}"


def _holder(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("pid"), int) and data["pid"] > 0 else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, but alive
    return True


def _stale(path: Path, holder: dict[str, Any] | None) -> bool:
    if holder is None:  # being written this instant, or left half written or garbled: stale once it is old
        try:
            return time.time() - path.stat().st_mtime > 2
        except FileNotFoundError:
            return True
    same_host = holder.get("host") == socket.gethostname()
    return same_host and not _alive(holder["pid"])


def _clear_stale(path: Path) -> bool:
    """Remove a dead dj's lock, one clearer at a time: two at once could remove the lock a third just took.

    False when another dj is clearing it right now.
    """
    guard = path.with_name(f"{path.name}.clearing")
    try:
        os.close(os.open(guard, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    except FileExistsError:
        with suppress(FileNotFoundError):
            if time.time() - guard.stat().st_mtime > _GUARD_AGE:
                guard.unlink()
        return False
    try:
        if _stale(path, _holder(path)):  # asked again under the guard: the lock may be a new one by now
            path.unlink(missing_ok=True)
    finally:
        guard.unlink(missing_ok=True)
    return True


def _patience() -> float:
    text = os.environ.get("DJ_LOCK_WAIT", "5")
    try:
        return max(float(text), 0.0)
    except ValueError:
        raise DjError(f"环境变量 DJ_LOCK_WAIT 应是等待的秒数（例如 5），现在是“{text}”；"
                      "请改正或删除它后再试。") from None


def _refusal(path: Path, holder: dict[str, Any] | None) -> DjError:
    who = holder or {}
    running = f"{who.get('command', '未知命令')}，进程 {who.get('pid', '?')}，开始于 {who.get('started', '?')}"
    host = who.get("host")
    if host and host != socket.gethostname():  # dj cannot see processes there, so cannot clear it itself
        return DjError(f"另一个 dj 正在修改这个仓库（{running}，在电脑 {host} 上）；"
                       f"请等它结束后再试，确定它已经不在运行时再删除 {path}。")
    return DjError(f"另一个 dj 正在修改这个仓库（{running}）；请等它结束后再试。")


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
    if path in _held:
        yield
        return
    deadline = time.monotonic() + (_patience() if wait is None else wait)
    me = {"pid": os.getpid(), "host": socket.gethostname(), "command": command,
          "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    dead_writer = False
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _holder(path)
            if _stale(path, holder):
                if _clear_stale(path):
                    dead_writer = True
                else:
                    time.sleep(0.05)
                continue
            if time.monotonic() >= deadline:
                raise _refusal(path, holder) from None
            time.sleep(0.1)
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(me, f, ensure_ascii=False)
        break
    _held.add(path)
    try:
        # Only a dj killed while it held the lock leaves temporary files, and its lock tells of it; looking
        # for them on every step would read a folder of 100,000 projects each time.
        if dead_writer:
            _clean_strays(root)
        yield
    finally:
        _held.discard(path)
        if (_holder(path) or {}).get("pid") == os.getpid():
            path.unlink(missing_ok=True)

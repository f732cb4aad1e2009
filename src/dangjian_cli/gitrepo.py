"""Every call to the `git` program: identity, dirty files, commits with trailers, history."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dangjian_cli.errors import DjError

TRAILERS = ("Dj-Action", "Dj-Project", "Dj-From", "Dj-To", "Dj-Actor", "Dj-Entered-By", "Dj-Date")
_FIELD = "\x1f"
_RECORD = "\x1e"


def _git(root: Path, *args: str, input: str | None = None, env: dict[str, str] | None = None,
         check: bool = True) -> subprocess.CompletedProcess[str]:
    if shutil.which("git") is None:
        raise DjError("找不到 git 程序；请先安装 git（例如 apt install git），或加 --no-commit 只写文件不提交。")
    result = subprocess.run(
        ["git", "-c", "core.quotepath=off", *args],
        cwd=root, input=input, capture_output=True, text=True, encoding="utf-8",
        env={**os.environ, **(env or {})},
    )
    if check and result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise DjError(f"git {args[0]} 失败：{detail[-1] if detail else '未知原因'}；请检查仓库状态后再试。")
    return result


def is_repo(root: Path) -> bool:
    if shutil.which("git") is None:
        return False
    return _git(root, "rev-parse", "--is-inside-work-tree", check=False).stdout.strip() == "true"


def init(root: Path) -> None:
    _git(root, "init", "--quiet")
    # Commit-graph with changed-path filters keeps `dj log` fast in a long history.
    _git(root, "config", "core.commitGraph", "true")
    _git(root, "config", "gc.writeCommitGraph", "true")
    _git(root, "config", "fetch.writeCommitGraph", "true")


def identity(root: Path) -> tuple[str, str] | None:
    """git's user.name and user.email, or None when either is unset."""
    name = _git(root, "config", "user.name", check=False).stdout.strip()
    email = _git(root, "config", "user.email", check=False).stdout.strip()
    return (name, email) if name and email else None


def dirty(root: Path, paths: Sequence[Path]) -> list[str]:
    """Those of `paths` with uncommitted changes (staged, unstaged or untracked)."""
    if not paths:
        return []
    out = _git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--",
               *(str(p) for p in paths)).stdout
    return [entry[3:] for entry in out.split("\0") if entry]


def has_head(root: Path) -> bool:
    return _git(root, "rev-parse", "--verify", "--quiet", "HEAD", check=False).returncode == 0


def message(subject: str, trailers: dict[str, str]) -> str:
    lines = [f"{k}: {v}" for k, v in trailers.items() if v]
    return f"{subject}\n\n" + "\n".join(lines) + "\n"


def commit(root: Path, paths: Sequence[Path], text: str, *, author: tuple[str, str] | None = None,
           when: str | None = None) -> str:
    """Commit exactly `paths` (nothing else the user staged) and return the new commit id."""
    env: dict[str, str] = {}
    if author is not None:
        env.update(GIT_AUTHOR_NAME=author[0], GIT_AUTHOR_EMAIL=author[1])
    if when is not None:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    names = [str(p) for p in paths]
    _git(root, "add", "--", *names)
    # `--only` with pathspecs: other staged changes stay staged and out of this commit.
    args = ["commit", "--quiet", "-F", "-"]
    if has_head(root):
        args.append("--only")
    try:
        _git(root, *args, "--", *names, input=text, env=env)
    except DjError:
        if has_head(root):  # leave the index as it was, too
            _git(root, "reset", "--quiet", "--", *names, check=False)
        raise
    return _git(root, "rev-parse", "HEAD").stdout.strip()


@dataclass(frozen=True)
class LogEntry:
    commit: str
    committed: str  # ISO time git recorded
    author: str
    email: str
    subject: str
    trailers: dict[str, str]


def history(root: Path, path: Path) -> list[LogEntry]:
    """Every commit that touched `path`, newest first, with its dj trailers."""
    keys = "".join(f"%(trailers:key={k},valueonly,separator=%x2C){_FIELD}" for k in TRAILERS)
    fmt = f"%H{_FIELD}%aI{_FIELD}%an{_FIELD}%ae{_FIELD}%s{_FIELD}{keys}{_RECORD}"
    out = _git(root, "log", f"--format={fmt}", "--", str(path)).stdout
    entries = []
    for record in out.split(_RECORD):
        record = record.strip("\n")
        if not record:
            continue
        parts = record.split(_FIELD)
        values = {k: v.strip() for k, v in zip(TRAILERS, parts[5:], strict=False) if v.strip()}
        entries.append(LogEntry(parts[0], parts[1], parts[2], parts[3], parts[4], values))
    return entries


def write_commit_graph(root: Path) -> None:
    """Refresh the commit-graph with changed-path Bloom filters (cheap when up to date)."""
    _git(root, "commit-graph", "write", "--reachable", "--changed-paths", "--split", check=False)


def set_identity(root: Path, name: str, email: str) -> None:
    """This repository's own user (the demo's clerk), leaving the global config alone."""
    _git(root, "config", "user.name", name)
    _git(root, "config", "user.email", email)

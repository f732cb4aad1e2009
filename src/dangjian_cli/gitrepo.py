"""Every call to the `git` program: identity, dirty files, commits with trailers, history (long walks: gitstream)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dangjian_cli.errors import DjError
from dangjian_cli.gitstream import FIELD, RECORD, TRAILER_FORMAT, ZERO, parse_trailers


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
        if "index.lock" in result.stderr or "Another git process" in result.stderr:
            # git's own advice ("remove the file manually") is wrong while the other process still runs.
            # git names the file in quotes; that is also right in a worktree, whose index lives elsewhere.
            named = [part for part in result.stderr.split("'") if part.endswith("index.lock")]
            where = named[0] if named else str(root / ".git" / "index.lock")
            raise DjError(f"另一个 git 或 dj 进程正在使用这个仓库（{where} 存在）；"
                          f"请等它结束后再试，确定没有 git 或 dj 在运行时再删除该文件。")
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
    # `git status` then shows 机电 as 机电, not as "\346\234\272\347\224\265".
    _git(root, "config", "core.quotepath", "false")


def identity(root: Path) -> tuple[str, str] | None:
    """git's user.name and user.email, or None when either is unset."""
    # One git call for both: every step asks, and a process is a hundredth of a second on a slow machine.
    found: dict[str, str] = {}
    out = _git(root, "config", "-z", "--get-regexp", r"^user\.(name|email)$", check=False).stdout
    for entry in out.split("\0"):
        key, _, value = entry.partition("\n")
        if key:
            found[key] = value.strip()  # system, global, then local: the last one counts, as git's own lookup
    name, email = found.get("user.name", ""), found.get("user.email", "")
    return (name, email) if name and email else None


def dirty(root: Path, paths: Sequence[Path]) -> list[str]:
    """Those of `paths` with uncommitted changes (staged, unstaged or untracked)."""
    if not paths or _clean(root, paths):
        return []
    out = _git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--",
               *(str(p) for p in paths)).stdout
    return [entry[3:] for entry in out.split("\0") if entry]


def _clean(root: Path, paths: Sequence[Path]) -> bool:
    """Surely clean: HEAD holds every path that exists, and neither the index nor the file differs from it.

    git status scans the folder for untracked files and rewrites the index, a tenth of a second at
    100,000 projects; these two reads take a hundredth. A file whose stat git has not yet refreshed
    looks changed here, and status then gives the exact answer.
    """
    names = [str(p) for p in paths]
    # Without --cached, diff-index compares HEAD with the files through the index: a staged change shows
    # (by the index's blob, or as stat-dirty), an unstaged one and a removed one too.
    if _git(root, "diff-index", "--quiet", "HEAD", "--", *names, check=False).returncode:
        return False
    existing = [name for name, p in zip(names, paths, strict=True) if p.exists()]
    if not existing:
        return True
    tracked = _git(root, "ls-tree", "-z", "--name-only", "HEAD", "--",
                   *(os.path.relpath(p, root) for p in existing), check=False).stdout
    return len([n for n in tracked.split("\0") if n]) == len(existing)


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
    found = _git(root, "rev-parse", "HEAD", "HEAD^{tree}", check=False)
    head, head_tree = found.stdout.split() if found.returncode == 0 else ("", "")
    # Whether the user staged anything: the index as a tree, before dj adds its files, against HEAD's.
    # git keeps the index's trees cached, so this reads the index and nothing more.
    staged = bool(head_tree) and _git(root, "write-tree", check=False).stdout.strip() != head_tree
    # Not `git add`: it scans the folder of each path for untracked files, a twentieth of a second at 100,000.
    _git(root, "update-index", "--add", "--remove", "--", *names)
    try:
        if head and not staged and not _commit_runs_more(root):
            return _commit_index(root, head, text, env)
        # A commit of named paths keeps other staged changes staged and out of it, but builds a second index
        # from HEAD, a second's work at 100,000 files: when nothing else is staged, the index itself is the commit.
        args = ["commit", "--quiet", "-F", "-"]
        if not head_tree:
            args += ["--", *names]
        elif staged:
            args += ["--only", "--", *names]
        _git(root, *args, input=text, env=env)
    except DjError:
        if head_tree:  # leave the index as it was, too
            _git(root, "reset", "--quiet", "--", *names, check=False)
        raise
    write_commit_graph(root)  # kept by every step, so `dj log` stays fast however long the history grows
    return _git(root, "rev-parse", "HEAD").stdout.strip()


def _commit_index(root: Path, head: str, text: str, env: dict[str, str]) -> str:
    """The index as the next commit on `head`, as `git commit` makes it, without its look at every file.

    `git commit` first refreshes the stat of every file in the work tree and compares the new tree with
    HEAD's for its summary: a third of a second at 100,000 projects, for nothing dj uses.
    """
    tree = _git(root, "write-tree").stdout.strip()
    new = _git(root, "commit-tree", tree, "-p", head, "-F", "-", input=text, env=env).stdout.strip()
    # With the old value, update-ref refuses when someone committed meanwhile, instead of dropping their work.
    _git(root, "update-ref", "-m", f"commit: {text.splitlines()[0]}", "HEAD", new, head)
    _git(root, "maintenance", "run", "--auto", "--quiet", check=False)  # what `git commit` runs after itself
    write_commit_graph(root)
    return new


def _commit_runs_more(root: Path) -> bool:
    """Whether `git commit` would do more here than write the commit: run the user's hooks or sign it."""
    found = _git(root, "config", "-z", "--get-regexp", r"^(core\.hookspath|commit\.gpgsign)$", check=False).stdout
    settings = dict(entry.partition("\n")[::2] for entry in found.split("\0") if entry)
    if "commit.gpgsign" in settings and settings["commit.gpgsign"].strip().lower() not in ("false", "no", "off", "0"):
        return True  # a bare `gpgsign` in a config file means true
    git = git_dir(root)
    if git is None or "core.hookspath" in settings:
        return True  # hooks kept elsewhere: let git find and run them
    hooks = ("pre-commit", "prepare-commit-msg", "commit-msg", "post-commit")
    common = _common_dir(git)
    return any(os.access(common / "hooks" / hook, os.X_OK) for hook in hooks)


def _common_dir(git: Path) -> Path:
    """The repository's own git directory, which a worktree's points to through `commondir`."""
    pointer = git / "commondir"
    if pointer.is_file():
        return (git / pointer.read_text(encoding="utf-8").strip()).resolve()
    return git


@dataclass(frozen=True)
class LogEntry:
    commit: str
    committed: str  # ISO time git recorded
    author: str
    email: str
    subject: str
    trailers: dict[str, str]
    blob: str  # the file's version after this commit ('' when the commit deleted it)
    path: Path | None = None  # the file the commit touched: the old number's, before a renumbering


def history(root: Path, path: Path, until: str = "HEAD") -> list[LogEntry]:
    """Every commit that touched `path`, newest first, with its dj trailers and the file's blob id.

    A project renumbered by dj goes on under its old path before the renumbering commit, so its
    history, and the forms signed under the old number, survive the new number.
    """
    return _entries(root, path, _git(root, *_log_args(path, until)).stdout)


def history_started(root: Path, path: Path) -> Callable[[], list[LogEntry]]:
    """history(root, path), started now and read when asked for: git walks while dj reads the record."""
    output = started(root, *_log_args(path, "HEAD"))
    return lambda: _entries(root, path, output())


def _log_args(path: Path, until: str) -> tuple[str, ...]:
    fmt = f"{RECORD}%H{FIELD}%aI{FIELD}%an{FIELD}%ae{FIELD}%s{FIELD}{TRAILER_FORMAT}"
    return ("log", "--raw", "--no-abbrev", f"--format={fmt}", until, "--", str(path))


def _entries(root: Path, path: Path, out: str) -> list[LogEntry]:
    entries = []
    for record in out.split(RECORD)[1:]:
        head, _, raw = record.partition("\n")
        parts = head.split(FIELD)
        values = parse_trailers(parts[5])
        lines = [line.split() for line in raw.splitlines() if line.startswith(":")]
        blob = lines[-1][3] if lines and lines[-1][3] != ZERO else ""
        entries.append(LogEntry(parts[0], parts[1], parts[2], parts[3], parts[4], values, blob, path))
        if values.get("Dj-Action") == "renumber" and lines and lines[-1][4] == "A":
            # The file was born here: what the path held before is another life. Go on under the old number.
            old = _renumbered_from(root, entries[-1], path)
            return entries + (history(root, old, f"{parts[0]}^") if old else [])
    return entries


def _renumbered_from(root: Path, renumbering: LogEntry, path: Path) -> Path | None:
    """The project file a renumbering commit moved to `path`: the one it deleted, named by its Dj-Args."""
    # Not --follow: its guess by similarity would also follow hand renames and unrelated look-alikes.
    projects = path.parent.parent
    out = _git(root, "diff-tree", "-r", "-z", "--no-commit-id", "--no-renames", "--name-status", "--relative",
               renumbering.commit, "--", str(projects)).stdout.split("\0")
    deleted = [projects / Path(name).parent.name / Path(name).name
               for kind, name in zip(out[::2], out[1::2], strict=False) if kind == "D"]
    try:
        claimed = json.loads(renumbering.trailers.get("Dj-Args") or "{}").get("from")
    except (ValueError, AttributeError):
        claimed = None
    if isinstance(claimed, str):
        return next((p for p in deleted if p.stem == claimed), None)
    return deleted[0] if len(deleted) == 1 else None  # an older dj's renumbering, without Dj-Args


def renumbered_to(root: Path, old_id: str) -> str | None:
    """The project's number now, when dj renumbered `old_id` (perhaps more than once), else None."""
    current, seen = old_id, {old_id}
    while True:
        result = _git(root, "log", "-1", "--fixed-strings", f'--grep="from": "{current}"',
                      "--format=%(trailers:key=Dj-Action,valueonly)%x1f%(trailers:key=Dj-Project,valueonly)",
                      check=False)
        action, _, new = result.stdout.strip().partition(FIELD)
        new = new.strip()
        if result.returncode != 0 or action.strip() != "renumber" or not new or new in seen:
            return current if current != old_id else None
        current = new
        seen.add(new)


def write_commit_graph(root: Path, *, wait: bool = True) -> None:
    """Bring the commit-graph and its changed-path Bloom filters up to date, or start doing so (`wait=False`).

    Missing, it is written whole (seconds at 20,000 commits); otherwise git adds one small layer for the
    commits it lacks (a few milliseconds). `git log -- path` then skips the commits that did not touch the path.
    """
    args = ("commit-graph", "write", "--reachable", "--changed-paths", "--split")
    if wait:
        _git(root, *args, check=False)  # another git writing it meanwhile holds its lock: that one will do
    elif shutil.which("git") is not None:  # in the background, like git's own gc --auto: nobody waits for it
        subprocess.Popen(["git", *args], cwd=root, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)


def has_commit_graph(root: Path) -> bool:
    """Whether the repository has a commit-graph, in one file or in layers."""
    out = _git(root, "rev-parse", "--git-path", "objects/info/commit-graph",
               "--git-path", "objects/info/commit-graphs/commit-graph-chain", check=False).stdout.split("\n")
    return any(line and (root / line).is_file() for line in out)


def set_identity(root: Path, name: str, email: str) -> None:
    """This repository's own user (the demo's clerk), leaving the global config alone."""
    _git(root, "config", "user.name", name)
    _git(root, "config", "user.email", email)


# --- reading history for check --base and audit -----------------------------------------


def rev_parse(root: Path, rev: str) -> str:
    result = _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False)
    if result.returncode != 0:
        raise DjError(f"找不到版本 {rev}；请检查分支名（例如 origin/main），必要时先 git fetch。")
    return result.stdout.strip()


def merge_base(root: Path, a: str, b: str) -> str | None:
    """The common ancestor of two revisions, or None when their histories never met."""
    result = _git(root, "merge-base", a, b, check=False)
    return result.stdout.strip() if result.returncode == 0 else None


def merges(root: Path, revisions: Sequence[str]) -> list[tuple[str, list[str]]]:
    """Every merge commit of `revisions` with its parents, first parent first."""
    out = _git(root, "rev-list", "--merges", "--parents", *revisions).stdout
    return [(ids[0], ids[1:]) for ids in (line.split() for line in out.splitlines()) if ids]


def changed_paths(root: Path, a: str, b: str, folder: str) -> list[str]:
    """The files under `folder` that differ between two revisions."""
    out = _git(root, "diff", "--name-only", "-z", "--no-renames", a, b, "--", folder).stdout
    return [p for p in out.split("\0") if p]


def file_at(root: Path, rev: str, path: str) -> str | None:
    """The blob id of `path` in `rev`, or None when the file is not there."""
    result = _git(root, "rev-parse", "--verify", "--quiet", f"{rev}:{path}", check=False)
    return result.stdout.strip() if result.returncode == 0 else None


def files_at(root: Path, rev: str, folder: str) -> dict[str, str]:
    """Every file under `folder` in `rev`: path → blob id."""
    out = _git(root, "ls-tree", "-r", "-z", rev, "--", folder).stdout
    files = {}
    for entry in out.split("\0"):
        if entry:
            meta, _, path = entry.partition("\t")
            files[path] = meta.split()[2]
    return files


def git_dir(root: Path) -> Path | None:
    """The git directory of the work tree holding `root` (a worktree's own), found without running git."""
    if shutil.which("git") is None:
        return None
    for folder in (root, *root.parents):
        dot_git = folder / ".git"
        if dot_git.is_dir():
            return dot_git
        if dot_git.is_file():
            text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
            return (folder / text.removeprefix("gitdir:").strip()).resolve() if text.startswith("gitdir:") else None
    return None


def ls_files_started(root: Path, *args: str) -> Callable[[], str]:
    """Start `git ls-files -z` for the folder given last; the call returned gives its output when done."""
    *options, folder = args
    return started(root, "ls-files", "-z", *options, "--", folder)


def started(root: Path, *args: str) -> Callable[[], str]:
    """Start a git command; the call returned gives its output when it is done.

    The output goes to a temporary file, so git finishes at its own speed while dj does other work.
    """
    import tempfile

    if shutil.which("git") is None:
        raise DjError("找不到 git 程序；请先安装 git（例如 apt install git），或加 --no-commit 只写文件不提交。")
    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()  # noqa: SIM115 (closed by result)
    child = subprocess.Popen(["git", "-c", "core.quotepath=off", *args], cwd=root, stdout=out, stderr=err,
                             stdin=subprocess.DEVNULL)

    text: list[str] = []  # the answer, once read: asking again gives it again

    def result() -> str:
        if not text:
            with out, err:
                if child.wait():
                    err.seek(0)
                    detail = err.read().decode("utf-8", "replace").strip().splitlines()
                    raise DjError(f"git {args[0]} 失败：{detail[-1] if detail else '未知原因'}；请检查仓库状态后再试。")
                out.seek(0)
                text.append(out.read().decode("utf-8", "surrogateescape"))
        return text[0]

    return result


"""Every call to the `git` program: identity, dirty files, commits with trailers, history."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from dangjian_cli.errors import DjError

TRAILERS = ("Dj-Action", "Dj-Project", "Dj-From", "Dj-To", "Dj-Actor", "Dj-Entered-By", "Dj-Date", "Dj-Args")
_FIELD = "\x1f"
_RECORD = "\x1e"
_ZERO = "0" * 40  # git's id for "no file"


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


def _staged_besides(root: Path, names: Sequence[str]) -> bool:
    """Whether git's index holds changes to files other than `names`."""
    others = ["--", ":(top)", *(f":(exclude){name}" for name in names)]
    return _git(root, "diff-index", "--cached", "--quiet", "HEAD", *others, check=False).returncode != 0


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
    # A commit of named paths keeps other staged changes staged and out of it, but builds a second index
    # from HEAD, a second's work at 100,000 files: when nothing else is staged, the index itself is the commit.
    args = ["commit", "--quiet", "-F", "-"]
    if not has_head(root):
        args += ["--", *names]
    elif _staged_besides(root, names):
        args += ["--only", "--", *names]
    try:
        _git(root, *args, input=text, env=env)
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
    blob: str  # the file's version after this commit ('' when the commit deleted it)
    path: Path | None = None  # the file the commit touched: the old number's, before a renumbering


def history(root: Path, path: Path, until: str = "HEAD") -> list[LogEntry]:
    """Every commit that touched `path`, newest first, with its dj trailers and the file's blob id.

    A project renumbered by dj goes on under its old path before the renumbering commit, so its
    history, and the forms signed under the old number, survive the new number.
    """
    keys = "".join(f"%(trailers:key={k},valueonly,separator=%x2C){_FIELD}" for k in TRAILERS)
    fmt = f"{_RECORD}%H{_FIELD}%aI{_FIELD}%an{_FIELD}%ae{_FIELD}%s{_FIELD}{keys}"
    out = _git(root, "log", "--raw", "--no-abbrev", f"--format={fmt}", until, "--", str(path)).stdout
    entries = []
    for record in out.split(_RECORD)[1:]:
        head, _, raw = record.partition("\n")
        parts = head.split(_FIELD)
        values = {k: v.strip() for k, v in zip(TRAILERS, parts[5:], strict=False) if v.strip()}
        lines = [line.split() for line in raw.splitlines() if line.startswith(":")]
        blob = lines[-1][3] if lines and lines[-1][3] != _ZERO else ""
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
        action, _, new = result.stdout.strip().partition(_FIELD)
        new = new.strip()
        if result.returncode != 0 or action.strip() != "renumber" or not new or new in seen:
            return current if current != old_id else None
        current = new
        seen.add(new)


def write_commit_graph(root: Path) -> None:
    """Refresh the commit-graph with changed-path Bloom filters (cheap when up to date)."""
    _git(root, "commit-graph", "write", "--reachable", "--changed-paths", "--split", check=False)


def set_identity(root: Path, name: str, email: str) -> None:
    """This repository's own user (the demo's clerk), leaving the global config alone."""
    _git(root, "config", "user.name", name)
    _git(root, "config", "user.email", email)


# --- reading history for check --base and audit -----------------------------------------


@dataclass(frozen=True)
class FileChange:
    kind: str  # A added, M modified, D deleted, R renamed
    old_path: str
    new_path: str
    old_blob: str | None  # None when the file did not exist
    new_blob: str | None


@dataclass(frozen=True)
class CommitChanges:
    commit: str
    author: str
    email: str
    trailers: dict[str, str]
    parents: tuple[str, ...]
    committed: str  # ISO time git recorded for the commit
    files: list[FileChange]
    message: str = ""  # the subject line


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


def changes(root: Path, revisions: Sequence[str], paths: Sequence[str],
            merges: bool = False) -> Iterator[CommitChanges]:
    """Each commit of `revisions` touching `paths`, oldest first, with the blobs it changed.

    Streamed, so memory does not grow with the history. With `merges`, merge commits come too,
    with their changes against the first parent.
    """
    keys = "".join(f"%(trailers:key={k},valueonly,separator=%x2C){_FIELD}" for k in TRAILERS)
    fmt = f"{_RECORD}%H{_FIELD}%an{_FIELD}%ae{_FIELD}%P{_FIELD}%cI{_FIELD}%s{_FIELD}{keys}"
    kind = ["--full-history", "--diff-merges=first-parent"] if merges else ["--no-merges"]
    args = ["git", "-c", "core.quotepath=off", "log", "--reverse", "--topo-order", *kind, "-M", "--raw",
            "--no-abbrev", "-z", f"--format={fmt}", *revisions, "--", *paths]
    with subprocess.Popen(args, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as proc:
        assert proc.stdout is not None
        buffer = b""
        for chunk in iter(lambda: proc.stdout.read(1 << 16), b""):  # type: ignore[union-attr]
            buffer += chunk
            *records, buffer = buffer.split(_RECORD.encode())
            yield from (_commit_changes(r.decode("utf-8", "replace")) for r in records if r)
        if buffer:
            yield _commit_changes(buffer.decode("utf-8", "replace"))
    if proc.returncode not in (0, None):
        raise DjError(f"git log 失败（{' '.join(revisions)}）；请检查仓库和版本名后再试。")


def _commit_changes(record: str) -> CommitChanges:
    head, _, raw = record.partition("\0")  # -z: the formatted header ends at the first NUL
    parts = head.split(_FIELD)
    trailers = {k: v.strip() for k, v in zip(TRAILERS, parts[6:], strict=False) if v.strip()}
    files = []
    fields = raw.strip("\n\0").split("\0")
    i = 0
    while i < len(fields):
        meta = fields[i].lstrip("\n")
        if not meta.startswith(":"):
            i += 1
            continue
        _, _, old, new, kind = meta.split()
        count = 2 if kind[0] in "RC" else 1
        names = fields[i + 1:i + 1 + count]
        i += 1 + count
        files.append(FileChange(kind[0], names[0], names[-1], None if old == _ZERO else old,
                                None if new == _ZERO else new))
    return CommitChanges(parts[0], parts[1], parts[2], trailers, tuple(parts[3].split()), parts[4], files, parts[5])


class Objects:
    """Blobs, commits and `rev:path` names read through one long-lived `git cat-file --batch-command`."""

    def __init__(self, root: Path) -> None:
        self._proc = subprocess.Popen(["git", "cat-file", "--batch-command"], cwd=root, stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def _ask(self, command: str, name: str) -> list[bytes]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(f"{command} {name}\n".encode())
        self._proc.stdin.flush()
        return self._proc.stdout.readline().split()

    def oid(self, name: str) -> str | None:
        """The id of the object `name` (a blob id or `rev:path`), or None when there is none."""
        header = self._ask("info", name)
        return header[0].decode() if len(header) == 3 else None

    def read(self, name: str) -> bytes | None:
        """The object's content, or None when there is no such object."""
        header = self._ask("contents", name)
        if len(header) != 3:
            return None
        assert self._proc.stdout is not None
        return self._proc.stdout.read(int(header[2]) + 1)[:-1]

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        self._proc.wait()

    def __enter__(self) -> Objects:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def blobs(root: Path, ids: Sequence[str]) -> dict[str, bytes]:
    """Many blobs' contents from one `git cat-file --batch`."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    result = subprocess.run(["git", "cat-file", "--batch"], cwd=root, input="\n".join(wanted).encode() + b"\n",
                            capture_output=True, check=True)
    data, out, pos = result.stdout, {}, 0
    for blob in wanted:
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        size = int(header[2])
        out[blob] = data[end + 1:end + 1 + size]
        pos = end + 1 + size + 1
    return out


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
    """Start `git ls-files -z` for the folder given last; the call returned gives its output when done.

    The output goes to a temporary file, so git finishes at its own speed while dj does other work.
    """
    import tempfile

    if shutil.which("git") is None:
        raise DjError("找不到 git 程序；请先安装 git（例如 apt install git），或加 --no-commit 只写文件不提交。")
    *options, folder = args
    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()  # noqa: SIM115 (closed by result)
    child = subprocess.Popen(["git", "-c", "core.quotepath=off", "ls-files", "-z", *options, "--", folder],
                             cwd=root, stdout=out, stderr=err, stdin=subprocess.DEVNULL)

    def result() -> str:
        with out, err:
            if child.wait():
                err.seek(0)
                detail = err.read().decode("utf-8", "replace").strip().splitlines()
                raise DjError(f"git ls-files 失败：{detail[-1] if detail else '未知原因'}；请检查仓库状态后再试。")
            out.seek(0)
            return out.read().decode("utf-8", "surrogateescape")

    return result


"""Long histories read from git as streams: dj's trailers, the log of changed files, objects by id.

What the audit walks through is never held whole: `git log` is read as it is written, objects are
asked for ahead and read while the commits before them are checked, and git's own caches are kept
small. Every other git call is in gitrepo.py.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from queue import SimpleQueue
from typing import IO

from dangjian_cli.errors import DjError

TRAILERS = ("Dj-Action", "Dj-Project", "Dj-Branch", "Dj-From", "Dj-To", "Dj-Actor", "Dj-Entered-By", "Dj-Date",
            "Dj-Args")
FIELD = "\x1f"
RECORD = "\x1e"
# Every trailer once, as git reads the message: one parse per commit instead of one per key.
TRAILER_FORMAT = "%(trailers:only,separator=%x1d,key_value_separator=%x1c)"
ZERO = "0" * 40  # git's id for "no file"


def blob_id(data: bytes, width: int = 40) -> str:
    """git's object id for a file's content (SHA-1, or SHA-256 in a repository that uses it)."""
    digest = hashlib.sha1 if width == 40 else hashlib.sha256
    return digest(b"blob %d\0" % len(data) + data).hexdigest()


_KEYS = {**{k.lower(): k for k in TRAILERS}, **{k: k for k in TRAILERS}}


def parse_trailers(text: str) -> dict[str, str]:
    """dj's trailers from git's list of a message's trailers; a key given twice, its values joined by commas."""
    found: dict[str, str] = {}
    for item in text.split("\x1d"):
        key, _, value = item.partition("\x1c")
        name = _KEYS.get(key) or _KEYS.get(key.strip().lower())  # git matches keys without regard to case
        if name is not None:
            value = value.strip()
            found[name] = f"{found[name]},{value}" if name in found else value
    return {k: v for k, v in found.items() if v}


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


# A long walk holds no more than it reads: git's caches otherwise grow to the pack's size (150 MB at 20,000 commits).
_LEAN = ("-c", "core.deltaBaseCacheLimit=8m", "-c", "core.packedGitWindowSize=1m", "-c", "core.packedGitLimit=16m")


def changes(root: Path, revisions: Sequence[str], paths: Sequence[str],
            merges: bool = False, whole_tree: bool = False) -> Iterator[CommitChanges]:
    """Each commit of `revisions` touching `paths`, oldest first, with the blobs it changed.

    Streamed, so memory does not grow with the history. With `merges`, merge commits come too,
    with their changes against the first parent. With `whole_tree`, git walks without a pathspec and
    `paths` are picked here: one tree diff per commit instead of two, for a walk over most commits.
    """
    fmt = f"{RECORD}%H{FIELD}%an{FIELD}%ae{FIELD}%P{FIELD}%cI{FIELD}%s{FIELD}{TRAILER_FORMAT}"
    kind = ["--full-history", "--diff-merges=first-parent"] if merges else ["--no-merges"]
    args = ["git", "-c", "core.quotepath=off", *_LEAN, "log", "--reverse", "--topo-order", *kind, "-M", "--raw",
            "--no-abbrev", "-z", f"--format={fmt}", *revisions, "--", *([] if whole_tree else paths)]
    pick = _Pick(paths) if whole_tree else None
    with subprocess.Popen(args, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as proc:
        assert proc.stdout is not None
        out, buffer = _widened(proc.stdout).fileno(), b""  # git runs ahead while dj checks what it has
        for chunk in iter(lambda: os.read(out, 1 << 20), b""):  # what git has written so far
            buffer += chunk
            *records, buffer = buffer.split(RECORD.encode())
            for r in records:
                if r and (c := _commit_changes(r.decode("utf-8", "replace"), pick)) is not None:
                    yield c
        if buffer and (c := _commit_changes(buffer.decode("utf-8", "replace"), pick)) is not None:
            yield c
    if proc.returncode not in (0, None):
        raise DjError(f"git log 失败（{' '.join(revisions)}）；请检查仓库和版本名后再试。")


def _widened(pipe: IO[bytes]) -> IO[bytes]:
    """The pipe, holding up to 1 MB where the system allows (Linux): fewer, larger reads, a writer further ahead."""
    try:
        import fcntl

        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)
    except (ImportError, AttributeError, OSError):
        pass
    return pipe


class _Pick:
    """The changes under some paths, as a pathspec would have shown them to git."""

    def __init__(self, paths: Sequence[str]) -> None:
        self.names = frozenset(paths)
        self.prefixes = tuple(p.rstrip("/") + "/" for p in paths)

    def inside(self, name: str) -> bool:
        return name in self.names or name.startswith(self.prefixes)

    def __call__(self, files: list[FileChange]) -> list[FileChange]:
        picked = []
        for f in files:
            old, new = self.inside(f.old_path), self.inside(f.new_path)
            if old and new:
                picked.append(f)
            elif old:  # moved out of sight: under the pathspec git shows a deletion
                picked.append(FileChange("D", f.old_path, f.old_path, f.old_blob, None))
            elif new:  # and a file moved in, an addition
                picked.append(FileChange("A", f.new_path, f.new_path, None, f.new_blob))
        return picked


def _commit_changes(record: str, pick: _Pick | None = None) -> CommitChanges | None:
    head, _, raw = record.partition("\0")  # -z: the formatted header ends at the first NUL
    parts = head.split(FIELD)
    trailers = parse_trailers(parts[6])
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
        files.append(FileChange(kind[0], names[0], names[-1], None if old == ZERO else old,
                                None if new == ZERO else new))
    if pick is not None and not (files := pick(files)):
        return None
    return CommitChanges(parts[0], parts[1], parts[2], trailers, tuple(parts[3].split()), parts[4], files, parts[5])


class _Drained:
    """A pipe emptied by a thread of its own as the writer fills it, so the writer never waits for dj."""

    def __init__(self, pipe: IO[bytes]) -> None:
        self._fd = _widened(pipe).fileno()
        self._chunks: SimpleQueue[bytes] = SimpleQueue()
        self._buffer, self._pos, self._ended = b"", 0, False
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while chunk := os.read(self._fd, 1 << 20):
            self._chunks.put(chunk)
        self._chunks.put(b"")

    def _more(self) -> bool:
        chunk = b"" if self._ended else self._chunks.get()
        self._ended = not chunk
        self._buffer, self._pos = self._buffer[self._pos:] + chunk, 0
        return bool(chunk)

    def line(self) -> bytes:
        while (end := self._buffer.find(b"\n", self._pos)) < 0:
            if not self._more():
                end = len(self._buffer)
                break
        line, self._pos = self._buffer[self._pos:end], end + 1
        return line

    def take(self, size: int) -> bytes:
        while len(self._buffer) - self._pos < size and self._more():
            pass
        data, self._pos = self._buffer[self._pos:self._pos + size], self._pos + size
        return data

    def wait(self) -> None:
        """Until the writer has closed its end."""
        self._thread.join()


class Objects:
    """Blobs, commits and `rev:path` names read through one long-lived `git cat-file --batch-command`.

    Objects can be asked for ahead (`ask`) and collected later (`answers`): git reads them while dj
    works on what it already has.
    """

    def __init__(self, root: Path) -> None:
        self._proc = subprocess.Popen(["git", *_LEAN, "cat-file", "--batch-command"], cwd=root,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert self._proc.stdout is not None
        self._out = _Drained(self._proc.stdout)
        self._asked: deque[str] = deque()  # asked ahead, answers still in the stream
        self._early: deque[tuple[str, bytes | None]] = deque()  # and taken off it for a question asked after them

    def _send(self, lines: Sequence[str]) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.write("".join(lines).encode())
        self._proc.stdin.flush()

    def _now(self, command: str, name: str) -> list[bytes]:
        """Ask one question and wait for its answer's first line; the answers asked ahead come first."""
        while self._asked:
            self._early.append((self._asked.popleft(), self._content()))
        self._send([f"{command} {name}\n"])
        return self._out.line().split()

    def oid(self, name: str) -> str | None:
        """The id of the object `name` (a blob id or `rev:path`), or None when there is none."""
        header = self._now("info", name)
        return header[0].decode() if len(header) == 3 and header[2].isdigit() else None

    def read(self, name: str) -> bytes | None:
        """The object's content, or None when there is no such object."""
        return self._body(self._now("contents", name))

    def ask(self, names: Sequence[str]) -> list[str]:
        """Ask for these objects without waiting; collect them, in the same order, with `answers`."""
        wanted = list(dict.fromkeys(names))
        if wanted:
            self._send([f"contents {name}\n" for name in wanted])
            self._asked.extend(wanted)
        return wanted

    def answers(self, asked: Sequence[str]) -> dict[str, bytes | None]:
        """The contents of what `ask` returned, collected in the order they were asked."""
        return dict(self._early.popleft() if self._early else (self._asked.popleft(), self._content())
                    for _ in asked)

    def _content(self) -> bytes | None:
        return self._body(self._out.line().split())

    def _body(self, header: list[bytes]) -> bytes | None:
        """The object after its header line, or None for "missing" (or "ambiguous")."""
        if len(header) != 3 or not header[2].isdigit():  # a name with spaces has more words before "missing"
            return None
        return self._out.take(int(header[2]) + 1)[:-1]

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        self._proc.wait()
        self._out.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()

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

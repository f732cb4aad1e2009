"""Summaries of the project files, keyed by path and git blob id, kept in SQLite under .git/dj/.

Whole-repository commands (list, due, stats, report, award, check) read a summary per file
instead of parsing every record. git says which blob each file holds (`git ls-files -s`) and
which files differ from it in the work tree (`git ls-files -m -o`); only blobs not seen before
are read. The whole listing also has an id: while it stays the same, the summaries of all the
files are one stored value. The database is a cache, never the record: it is made anew when
missing, damaged or written by another dj, and a work-tree file is summarized by what it holds.
"""

from __future__ import annotations

import json
import marshal
import os
import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from pathlib import Path
from typing import NamedTuple

from dangjian_cli import __version__, gitrepo, store
from dangjian_cli.errors import DjError
from dangjian_cli.gitstream import blob_id
from dangjian_cli.model import Project
from dangjian_cli.summary import Summary, summarize

FORMAT = 4  # the layout of the tables and of Summary: change it when either changes
_PROJECT_PATH = re.compile(rf"{store.PROJECTS_DIR}/[^/]+/[^/]+\.yaml")
_PARALLEL_FROM = 2000  # fewer new files than this are read in this process


# --- one file, read and judged -----------------------------------------------------------

# A stored row: the summary's fields, then the error (the fields between path and oid None when it is set).
Row = tuple[object, ...]
_WIDTH = len(Summary._fields) + 1
_OID = len(Summary._fields) - 1
Judge = Callable[[str, Project], tuple[str, ...]]  # (path, record) → what `dj check` finds in the file


class Read(NamedTuple):
    row: Row
    problems: tuple[str, ...] | None


def read_file(root: Path, path: str, width: int, judge: Judge | None) -> Read:
    """Read one file from the work tree; its id is that of what was read, so a file changing meanwhile is safe."""
    from pydantic import ValidationError

    from dangjian_cli.model import explain

    def failed(oid: str, message: str, problems: Sequence[str]) -> Read:
        return Read((path, *([None] * (_WIDTH - 3)), oid, message), tuple(problems) if judge else None)

    try:
        with open(os.path.join(root, path), "rb") as f:  # not root / path: a Path per file is a tenth of the read
            data = f.read()
    except OSError:
        problem = f"无法读取文件 {path}；请检查它是否存在、能否打开。"
        return failed("", problem, [problem])
    oid = blob_id(data, width)
    try:
        raw = store.parse_yaml(store.decode(data, path), path)
        store.check_version(raw, path)
        project = Project.model_validate(raw)
    except DjError as e:
        return failed(oid, e.message, [e.message])
    except ValidationError as e:
        problems = explain(e)
        return failed(oid, store.invalid(path, problems).message, problems)
    return Read((*summarize(path, project, oid), ""), judge(path, project) if judge else None)


def _read_all(root: Path, paths: Sequence[str], width: int, judge: Judge | None) -> list[Read]:
    if len(paths) < _PARALLEL_FROM or (os.cpu_count() or 1) < 2:
        return [read_file(root, p, width, judge) for p in paths]
    import multiprocessing

    global _job
    _job = (root, width, judge)  # forked children inherit it; a closure would not pickle
    try:
        # fork: the children start with dj already imported, which is most of their start-up
        with multiprocessing.get_context("fork").Pool(os.cpu_count()) as pool:
            return pool.map(_read_one, paths, chunksize=200)
    finally:
        _job = None


_job: tuple[Path, int, Judge | None] | None = None


def _read_one(path: str) -> Read:
    assert _job is not None
    root, width, judge = _job
    return read_file(root, path, width, judge)


# --- what the commands see ---------------------------------------------------------------


class Index:
    """The project files of one repository, in file order, as summaries."""

    def __init__(self, root: Path, rows: list[Row], problems: dict[str, tuple[str, ...]] | None = None) -> None:
        self.root = root
        self.rows = rows
        self.problems = problems or {}  # path → `dj check`'s findings, when asked for

    def summaries(self, cycle: str | None = None) -> list[Summary]:
        """Every record (of a cycle folder); the first broken file stops, as reading them would."""
        out = []
        make = tuple.__new__
        for row in self.rows:
            if cycle is not None and str(row[0]).split("/")[1] != cycle:
                continue
            if row[-1]:
                raise DjError(str(row[-1]))
            out.append(make(Summary, row[:-1]))
        return out

    def readable(self, cycle: str | None = None) -> tuple[list[Summary], list[tuple[str, str]]]:
        """The records that can be read (of a cycle folder), and each broken file with what is wrong with it."""
        rows = self.rows if cycle is None else [r for r in self.rows if str(r[0]).split("/")[1] == cycle]
        make = tuple.__new__  # a comprehension, not a loop of appends: 100,000 rows
        return ([make(Summary, r[:-1]) for r in rows if not r[-1]],
                [(str(r[0]), str(r[-1])) for r in rows if r[-1]])

    def cycles(self) -> set[str]:
        """The cycle folders that hold project files."""
        return {str(row[0]).split("/")[1] for row in self.rows}

    def units(self) -> set[str]:
        """The units the readable records name."""
        unit = Summary._fields.index("unit")
        return {str(row[unit]) for row in self.rows if not row[-1]}

    def files(self) -> Iterator[tuple[str, Summary | None]]:
        """Each file with its summary, or None when it cannot be read."""
        for row in self.rows:
            yield str(row[0]), None if row[-1] else tuple.__new__(Summary, row[:-1])

    def record(self, summary: Summary) -> Project:
        """The whole record a summary stands for, read from its file."""
        return store.validate(Project, store.read_yaml(self.root / summary.path, summary.path), summary.path)

    def projects(self, wanted: Callable[[Summary], bool], cycle: str | None = None) -> Iterator[Project]:
        """The whole records of the summaries `wanted` picks."""
        return (self.record(s) for s in self.summaries(cycle) if wanted(s))


def load(root: Path, judge: Judge | None = None, rules: str = "", *, problems: bool = False) -> Index:
    """The repository's project files, each summarized once per blob.

    With `judge`, each file read is also judged and the findings kept under `rules`; with `problems`,
    the findings of every file are wanted (those not yet judged under `rules` are read again).
    """
    database = _database(root)
    if database is None:
        return _without_git(root, judge)
    # git lists the files while the stored summaries are read: two cores, half the wait
    listing_of = gitrepo.ls_files_started(root, "-s", store.PROJECTS_DIR)
    changed_of = gitrepo.ls_files_started(root, "-m", "-o", store.PROJECTS_DIR)
    try:
        with closing(_open(database)) as db:
            stored = db.execute("SELECT key, rows FROM listing").fetchone()
            listing, changed = listing_of(), changed_of()
            dirty = {p for p in changed.split("\0") if _PROJECT_PATH.fullmatch(p)}
            return _Refresh(db, root, listing, dirty, judge, rules, problems).run(stored)
    except (sqlite3.Error, OSError):
        listing_of(), changed_of()  # not needed now, but git's processes are reaped and its files closed
        return _without_git(root, judge)  # a database failing midway (a full disk, a read-only .git) costs time only


def _without_git(root: Path, judge: Judge | None) -> Index:
    found = _read_all(root, [store.display(p, root) for p in store.project_files(root)], 40, judge)
    return Index(root, [r.row for r in found], {str(r.row[0]): r.problems for r in found if r.problems is not None})


def _order(path: str) -> tuple[str, ...]:
    return tuple(path.split("/"))  # as store.project_files sorts: by folder, then name


class _Refresh:
    """One look at the files: the stored listing when git's is unchanged, then the work tree's own edits."""

    def __init__(self, db: sqlite3.Connection, root: Path, listing: str, dirty: set[str], judge: Judge | None,
                 rules: str, problems: bool) -> None:
        self.db, self.root, self.listing, self.dirty, self.judge, self.rules = db, root, listing, dirty, judge, rules
        self.want_problems = problems and judge is not None
        self.width = 40
        self.new: list[Read] = []  # files read in this run
        self.changed = False  # the listing's summaries are to be stored anew

    def run(self, stored: tuple[str, bytes] | None) -> Index:
        key = blob_id(self.listing.encode("utf-8"))
        staged, odd = (self._stored(stored[1]) if stored and stored[0] == key else None) or self._staged(key)
        rows = {str(r[0]): r for r in staged}
        for path in sorted(self.dirty | set(odd)):
            if (self.root / path).is_file():
                rows[path] = self._current(path)
            else:
                rows.pop(path, None)  # deleted in the work tree
        problems = self._judged(rows) if self.want_problems else None
        self._save(key, staged, odd)
        ordered = list(rows.values()) if not self.dirty and not odd else [rows[p] for p in sorted(rows, key=_order)]
        return Index(self.root, ordered, problems)

    def _stored(self, packed: bytes) -> tuple[list[Row], list[str]] | None:
        """The summaries stored for this listing, unless damaged."""
        try:
            staged, odd = marshal.loads(packed)
            if isinstance(staged, list) and all(isinstance(r, tuple) and len(r) == _WIDTH for r in staged):
                self.width = len(str(staged[0][_OID])) if staged else 40
                return staged, list(odd)
        except (ValueError, EOFError, TypeError):
            pass
        return None  # damaged: worked out again from the listing

    def _staged(self, key: str) -> tuple[list[Row], list[str]]:
        """Each file's summary for the blob git's index holds, from the database or read from the file."""
        blobs: dict[str, str] = {}
        odd = []
        for line in self.listing.split("\0")[:-1]:
            meta, _, path = line.partition("\t")
            if not _PROJECT_PATH.fullmatch(path):
                continue
            mode, oid, stage = meta.split(" ")
            if mode in ("100644", "100755") and stage == "0":
                blobs[path] = oid
            else:
                odd.append(path)  # a link, or a file in the middle of a merge: what is on disk counts
        self.width = len(next(iter(blobs.values()), "0" * 40))
        known = {(str(r[0]), str(r[_OID])): r for r in self.db.execute("SELECT * FROM files")}
        rows: dict[str, Row] = {}
        wanted = []
        for path, oid in blobs.items():
            row = known.get((path, oid))
            if row is not None:
                rows[path] = row
            elif path in self.dirty:
                odd.append(path)  # the staged blob is not in the work tree: the file is read as it is, each time
            else:
                wanted.append(path)  # the file holds the staged blob: read it from the work tree
        for read in self._read(wanted):
            if read.row[_OID] == blobs[str(read.row[0])]:
                rows[str(read.row[0])] = read.row
            else:
                odd.append(str(read.row[0]))  # changed since git looked
        self.changed = True
        return [rows[p] for p in sorted(rows, key=_order)], sorted(set(odd))

    def _current(self, path: str) -> Row:
        """A file as it is in the work tree: found by its content's id, or read."""
        try:
            oid = blob_id((self.root / path).read_bytes(), self.width)
        except OSError:
            oid = ""
        row = self.db.execute("SELECT * FROM files WHERE path = ? AND oid = ?", (path, oid)).fetchone()
        return tuple(row) if row is not None else self._read([path])[0].row

    def _read(self, paths: Sequence[str]) -> list[Read]:
        found = _read_all(self.root, paths, self.width, self.judge)
        self.new += found
        return found

    def _judged(self, rows: dict[str, Row]) -> dict[str, tuple[str, ...]]:
        """`dj check`'s findings for each file under these rules, judging only files not judged before."""
        query = "SELECT path, oid, problems FROM checked WHERE rules = ?"
        stored = {(p, o): found for p, o, found in self.db.execute(query, (self.rules,))}
        out = {r.row[0]: r.problems for r in self.new if r.problems is not None}
        again = [p for p, row in rows.items() if p not in out and (p, row[_OID]) not in stored]
        for read in self._read(again):
            rows[str(read.row[0])] = read.row
            out[str(read.row[0])] = read.problems or ()
        for path, row in rows.items():
            if path not in out:
                out[path] = tuple(json.loads(stored[path, row[_OID]]))
        return {str(p): found for p, found in out.items()}

    def _save(self, key: str, staged: list[Row], odd: list[str]) -> None:
        """Store what was read, and the summaries of this listing, in one transaction."""
        if not self.new and not self.changed:
            return
        db = self.db
        try:
            db.execute("BEGIN IMMEDIATE")
            db.executemany(f"INSERT OR REPLACE INTO files VALUES ({', '.join('?' * _WIDTH)})",
                           [r.row for r in self.new if r.row[_OID]])
            if self.judge is not None:
                db.executemany("INSERT OR REPLACE INTO checked VALUES (?, ?, ?, ?)",
                               [(r.row[0], r.row[_OID], self.rules, json.dumps(r.problems, ensure_ascii=False))
                                for r in self.new if r.row[_OID] and r.problems is not None])
            db.execute("INSERT OR REPLACE INTO listing VALUES (1, ?, ?)", (key, _packed(staged, odd)))
            if db.execute("SELECT count(*) FROM files").fetchone()[0] > 2 * len(staged) + 1000:
                _forget_others(db, staged)
            db.execute("COMMIT")
        except sqlite3.OperationalError:
            db.rollback()  # another dj is writing the same: its entries will do


def _packed(staged: list[Row], odd: list[str]) -> bytes:
    """The listing's rows as one value; a text repeated on many rows (a unit, a status) is stored once."""
    same: dict[object, object] = {}
    rows = [tuple([same.setdefault(v, v) if type(v) is str else v for v in row]) for row in staged]
    return marshal.dumps((rows, odd))


def _forget_others(db: sqlite3.Connection, staged: list[Row]) -> None:
    """Old versions pile up as records change: keep those git's index holds now."""
    db.execute("CREATE TEMP TABLE keep (path TEXT, oid TEXT, PRIMARY KEY (path, oid)) WITHOUT ROWID")
    db.executemany("INSERT INTO keep VALUES (?, ?)", [(r[0], r[_OID]) for r in staged])
    db.execute("DELETE FROM files WHERE (path, oid) NOT IN (SELECT path, oid FROM keep)")
    db.execute("DELETE FROM checked WHERE (path, oid) NOT IN (SELECT path, oid FROM keep)")
    db.execute("DROP TABLE keep")


# --- the database ------------------------------------------------------------------------

_SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE files ({", ".join(Summary._fields)}, error TEXT NOT NULL, PRIMARY KEY (path, oid)) WITHOUT ROWID;
CREATE TABLE checked (path TEXT NOT NULL, oid TEXT NOT NULL, rules TEXT NOT NULL, problems TEXT NOT NULL,
                      PRIMARY KEY (path, oid, rules)) WITHOUT ROWID;
CREATE TABLE listing (one INTEGER PRIMARY KEY CHECK (one = 1), key TEXT NOT NULL, rows BLOB NOT NULL);
"""


def _stamp() -> dict[str, str]:
    return {"format": str(FORMAT), "dj": __version__}


def _database(root: Path) -> Path | None:
    """Where the index lives (inside the git directory), or None outside git."""
    git_dir = gitrepo.git_dir(root)
    if git_dir is None:
        return None
    try:
        (git_dir / "dj").mkdir(exist_ok=True)
    except OSError:
        return None
    return git_dir / "dj" / "index.sqlite3"


def _open(path: Path) -> sqlite3.Connection:
    """The database, made anew when it is missing, unreadable or not this dj's."""
    try:
        db = _connect(path)
        if dict(db.execute("SELECT key, value FROM meta").fetchall()) == _stamp():
            return db
        db.close()
    except sqlite3.DatabaseError:
        pass  # not a database, a damaged one, or one without our tables
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    db = _connect(path)
    stamp = ", ".join(f"('{k}', '{v}')" for k, v in _stamp().items())
    db.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} INSERT INTO meta VALUES {stamp}; COMMIT;")  # all or nothing
    return db


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    return db

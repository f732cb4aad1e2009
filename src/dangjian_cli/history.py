"""History as the audit reads it: records and configs by object id, and one commit's trailers."""

from __future__ import annotations

import datetime as dt
import json
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import ValidationError

from dangjian_cli import gitrepo, gitstream, store
from dangjian_cli.checks import Problem
from dangjian_cli.config import Config, name_email
from dangjian_cli.context import Actor, Context
from dangjian_cli.errors import DjError
from dangjian_cli.kinds import PROJECT, AnyRecord, RecordKind, kind_of
from dangjian_cli.model import Project, explain


def found(file: str, field: str, rule: str, message: str, commit: str = "") -> Problem:
    return Problem(file, message, field=field, rule=rule, commit=commit)


V = TypeVar("V")

# What the parsed records may take: ~7 times their YAML, so 6 MB of YAML is some 45 MB of objects, and
# room for the current version of a few thousand projects; a record that fell out is read again.
_RECORD_BYTES = 6 << 20


class Bounded(Generic[V]):
    """The most recently used entries, at most `budget` by their weights; the oldest go first."""

    def __init__(self, budget: int) -> None:
        self.budget, self.used = budget, 0
        self._items: OrderedDict[str, tuple[V, int]] = OrderedDict()

    def __contains__(self, key: str) -> bool:
        return key in self._items

    def __getitem__(self, key: str) -> V:
        self._items.move_to_end(key)
        return self._items[key][0]

    def put(self, key: str, value: V, weight: int = 1) -> V:
        items = self._items
        if key in items:
            self.used -= items.pop(key)[1]
        items[key] = (value, weight)
        self.used += weight
        while self.used > self.budget and len(items) > 1:
            self.used -= items.popitem(last=False)[1][1]
        return value

    def drop(self, key: str) -> None:
        if key in self._items:
            self.used -= self._items.pop(key)[1]


class History:
    """Records and configs by object id, each parsed once while it is in use; memory stays flat.

    What the next commits need is the record as it stands (a version the walk has moved past is let
    go) and the dj.yaml of each commit's parent, followed along the walk instead of asked of git.
    """

    def __init__(self, root: Path, objects: gitstream.Objects) -> None:
        self.root, self.objects = root, objects
        self._records: Bounded[AnyRecord | str] = Bounded(_RECORD_BYTES)  # by the size of their YAML
        self._data: Bounded[dict[str, Any] | None] = Bounded(64)  # configs and hand-edited records
        self._config_models: Bounded[Config | None] = Bounded(16)
        self._configs: Bounded[str | None] = Bounded(4096)  # commit → its dj.yaml's object id
        self._forks: Bounded[str | None] = Bounded(256)
        self._fetched: dict[str, bytes | None] = {}  # read ahead for the commits at hand

    def _raw(self, oid: str) -> bytes | None:
        return self._fetched.pop(oid) if oid in self._fetched else self.objects.read(oid)

    def ask(self, commits: Sequence[gitstream.CommitChanges], after: Sequence[gitstream.CommitChanges] = ()
            ) -> list[str]:
        """Ask git for the records `commits` changed, to be read while the commits before them (`after`) are checked."""
        # A version written by an earlier commit is read as it is written, and kept.
        made = {f.new_blob for c in after for f in c.files if f.new_blob is not None}
        wanted = []
        for c in commits:
            for f in c.files:
                old, new = f.old_blob, f.new_blob
                if old is not None and old not in made and old not in self._records and is_record(f.old_path):
                    wanted.append(old)
                if new is not None and is_record(f.new_path):
                    made.add(new)
                    wanted.append(new)
        return self.objects.ask(wanted)

    def collect(self, asked: Sequence[str]) -> None:
        """Take what `ask` asked for off git's answers: the commits it was asked for come next."""
        self._fetched = self.objects.answers(asked)

    def _parse(self, oid: str, raw: bytes | None) -> dict[str, Any] | None:
        try:
            return store.parse_yaml(store.decode(raw or b"", oid), oid)
        except DjError:
            return None

    def data(self, oid: str) -> dict[str, Any] | None:
        if oid in self._data:
            return self._data[oid]
        return self._data.put(oid, self._parse(oid, self._raw(oid)))

    def project(self, oid: str | None) -> Project | str | None:
        """The project, or why it is not one (a sentence), or None when there is no file."""
        found = self.record(oid, PROJECT)
        return found if isinstance(found, Project | str) or found is None else "记录无效：不是项目记录"

    def record(self, oid: str | None, kind: RecordKind) -> AnyRecord | str | None:
        """The record of this kind, or why it is not one (a sentence), or None when there is no file."""
        if oid is None:
            return None
        key = oid if kind is PROJECT else f"{kind.key}:{oid}"
        if key in self._records:
            return self._records[key]
        raw = self._raw(oid)
        data = self._parse(oid, raw)
        found: AnyRecord | str
        if data is None:
            found = "文件不是有效的 YAML"
        else:
            try:
                found = kind.model.model_validate(data)  # type: ignore[assignment]
            except ValidationError as e:
                found = f"记录无效：{explain(e)[0]}"
        return self._records.put(key, found, len(raw or b"") + 256)

    def written_by_dj(self, oid: str, relpath: str, record: AnyRecord, kind: RecordKind) -> bool:
        """Whether the blob `oid` is byte for byte what dj writes for `record`; if so it is kept as that record.

        Most versions in a history are dj's own: hashing what dj would write spares reading them back.
        """
        text = store.fresh_text(relpath, record)
        if text is None:
            return False
        data = text.encode("utf-8")
        if gitstream.blob_id(data, len(oid)) != oid:
            return False
        self._fetched.pop(oid, None)
        self._records.put(oid if kind is PROJECT else f"{kind.key}:{oid}", record, len(data) + 256)
        return True

    def records_at(self, rev: str, folder: str, kind: RecordKind) -> list[AnyRecord]:
        """The readable records of a folder as they stood at `rev`."""
        found = [self.record(oid, kind) for oid in gitrepo.files_at(self.root, rev, folder).values()]
        return [r for r in found if r is not None and not isinstance(r, str)]

    def fork(self, a: str, b: str) -> str | None:
        """Where two revisions parted (asked of git once per pair: a merge needs it twice)."""
        key = f"{a}{b}"
        if key not in self._forks:
            self._forks.put(key, gitrepo.merge_base(self.root, a, b))
        return self._forks[key]

    def walked(self, c: gitstream.CommitChanges, legal: bool = True) -> None:
        """Remember the dj.yaml after `c`, so its children need not ask git (most histories are a line).

        An illegal change of dj.yaml (not by a clerk) is reported once and then ignored: the steps after
        it are re-run under the dj.yaml from before it, so nobody acts on a role they granted themselves.
        A record's version before `c` is let go: the walk goes on from the version `c` wrote.
        """
        changed = None
        for f in c.files:
            if f.new_path == store.CONFIG_FILE or f.old_path == store.CONFIG_FILE:
                changed = changed or f
            elif len(c.parents) == 1 and f.old_blob is not None and f.old_blob != f.new_blob:
                kind = kind_of(f.old_path)  # not a record's? then it was never kept
                if kind is not None:
                    self._records.drop(f.old_blob if kind is PROJECT else f"{kind.key}:{f.old_blob}")
        if changed is not None and not legal and c.parents:
            self._configs.put(c.commit, self._config_oid(c.parents[0]))
        elif changed is not None:
            self._configs.put(c.commit, changed.new_blob if changed.new_path == store.CONFIG_FILE else None)
        elif c.parents and c.parents[0] in self._configs:
            self._configs.put(c.commit, self._configs[c.parents[0]])

    def _config_oid(self, rev: str) -> str | None:
        if rev not in self._configs:  # the walk's first commit, or a merge's other side
            self._configs.put(rev, self.objects.oid(f"{rev}:{store.CONFIG_FILE}"))
        return self._configs[rev]

    def config_at(self, rev: str | None) -> Config | None:
        if rev is None:
            return None
        oid = self._config_oid(rev)
        if oid is None:
            return None
        if oid not in self._config_models:
            data = self.data(oid)
            try:
                self._config_models.put(oid, Config.model_validate(data) if data else None)
            except ValidationError:
                self._config_models.put(oid, None)
        return self._config_models[oid]

    def project_at(self, rev: str, project_id: str) -> Project | None:
        found = self.project(self.objects.oid(f"{rev}:{store.project_relpath(project_id)}"))
        return found if isinstance(found, Project) else None


def is_record(path: str) -> bool:
    """Whether the path holds a record of any kind (a project, a branch's grading)."""
    return kind_of(path) is not None


def person_of(text: str) -> tuple[str, str] | None:
    """A trailer's `姓名 <email>`, the e-mail lower-cased for comparison."""
    person = name_email(text)
    return (person[0], person[1].lower()) if person else None


# --- one commit ------------------------------------------------------------------------


class Commit:
    """A commit under audit: its trailers read once, the rules in force, and where findings go."""

    def __init__(self, c: gitstream.CommitChanges, config: Config | None, rules_rev: str | None,
                 rules: Config | None = None) -> None:
        # `config`: the dj.yaml a step is re-run under (its parent's); `rules`, read at `rules_rev`: who may
        # change configuration and whether signatures are required (the target branch's, for a pull request).
        self.c, self.config, self.rules_rev = c, config, rules_rev
        self.rules = rules if rules_rev is not None and rules is not None else config
        self.fork: str | None = None  # for a pull request: where it left the target branch
        self.fork_config: Config | None = None  # and the dj.yaml there
        self.action = c.trailers.get("Dj-Action", "")
        actor = person_of(c.trailers.get("Dj-Actor", ""))
        self.actor = actor
        person = config.person(actor[1]) if config and actor else None
        self.ctx_actor = Actor(actor[0], actor[1], person) if actor else None
        # A step cannot be dated after its commit; nor can a commit be dated after today (its date is forgeable).
        committed = dt.date.fromisoformat(c.committed[:10]) if c.committed else dt.date.today()
        self.today = min(committed, dt.date.today())
        try:
            self.args: dict[str, Any] = json.loads(c.trailers.get("Dj-Args", "") or "{}")
        except ValueError:
            self.args = {}

    def found(self, file: str, field: str, rule: str, message: str) -> Problem:
        return found(file, field, rule, message, self.c.commit)

    def context(self) -> Context | None:
        if self.config is None or self.ctx_actor is None:
            return None
        try:
            on = dt.date.fromisoformat(self.c.trailers.get("Dj-Date", ""))
        except ValueError:
            return None
        return Context(self.config, self.ctx_actor, on, self.today)



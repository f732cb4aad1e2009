"""History as the audit reads it: records and configs by object id, and one commit's trailers."""

from __future__ import annotations

import datetime as dt
import json
from collections import OrderedDict
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from dangjian_cli import gitrepo, store
from dangjian_cli.checks import Problem
from dangjian_cli.config import Config, name_email
from dangjian_cli.errors import DjError
from dangjian_cli.model import Project, explain
from dangjian_cli.workflow import Actor, Context


def found(file: str, field: str, rule: str, message: str, commit: str = "") -> Problem:
    return Problem(file, message, field=field, rule=rule, commit=commit)


class History:
    """Records and configs by object id, parsed once; a bounded cache, so memory stays flat."""

    def __init__(self, root: Path, objects: gitrepo.Objects) -> None:
        self.root, self.objects = root, objects
        self._cache: OrderedDict[str, Any] = OrderedDict()
        self._configs: OrderedDict[str, str | None] = OrderedDict()  # commit → its dj.yaml's object id

    def _cached(self, key: str, make: Any) -> Any:
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        value = self._cache[key] = make()
        if len(self._cache) > 8192:
            self._cache.popitem(last=False)
        return value

    def data(self, oid: str) -> dict[str, Any] | None:
        def parse() -> dict[str, Any] | None:
            raw = self.objects.read(oid)
            try:
                return store.parse_yaml(store.decode(raw or b"", oid), oid)
            except DjError:
                return None
        result: dict[str, Any] | None = self._cached(f"d{oid}", parse)
        return result

    def project(self, oid: str | None) -> Project | str | None:
        """The record, or why it is not one (a sentence), or None when there is no file."""
        if oid is None:
            return None

        def parse() -> Project | str:
            data = self.data(oid)
            if data is None:
                return "文件不是有效的 YAML"
            try:
                return Project.model_validate(data)
            except ValidationError as e:
                return f"记录无效：{explain(e)[0]}"
        result: Project | str = self._cached(f"p{oid}", parse)
        return result

    def fork(self, a: str, b: str) -> str | None:
        """Where two revisions parted (asked of git once per pair: a merge needs it twice)."""
        key = f"f{a}{b}"
        found: str | None = self._cached(key, lambda: gitrepo.merge_base(self.root, a, b))
        return found

    def walked(self, c: gitrepo.CommitChanges, legal: bool = True) -> None:
        """Remember the dj.yaml after `c`, so its children need not ask git (most histories are a line).

        An illegal change of dj.yaml (not by a clerk) is reported once and then ignored: the steps after
        it are re-run under the dj.yaml from before it, so nobody acts on a role they granted themselves.
        """
        changed = next((f for f in c.files if f.new_path == store.CONFIG_FILE or f.old_path == store.CONFIG_FILE),
                       None)
        if changed is not None and not legal and c.parents:
            parent = c.parents[0]
            self._configs[c.commit] = (self._configs[parent] if parent in self._configs
                                       else self.objects.oid(f"{parent}:{store.CONFIG_FILE}"))
        elif changed is not None:
            self._configs[c.commit] = changed.new_blob if changed.new_path == store.CONFIG_FILE else None
        elif c.parents and c.parents[0] in self._configs:
            self._configs[c.commit] = self._configs[c.parents[0]]
        else:
            return
        if len(self._configs) > 4096:
            self._configs.popitem(last=False)

    def config_at(self, rev: str | None) -> Config | None:
        if rev is None:
            return None
        oid = self._configs[rev] if rev in self._configs else self.objects.oid(f"{rev}:{store.CONFIG_FILE}")
        if oid is None:
            return None

        def parse() -> Config | None:
            data = self.data(oid)
            try:
                return Config.model_validate(data) if data else None
            except ValidationError:
                return None
        config: Config | None = self._cached(f"c{oid}", parse)
        return config

    def project_at(self, rev: str, project_id: str) -> Project | None:
        found = self.project(self.objects.oid(f"{rev}:{record_path(project_id)}"))
        return found if isinstance(found, Project) else None


def record_path(project_id: str) -> str:
    return f"{store.PROJECTS_DIR}/{project_id[:4]}/{project_id}.yaml"


def person_of(text: str) -> tuple[str, str] | None:
    """A trailer's `姓名 <email>`, the e-mail lower-cased for comparison."""
    person = name_email(text)
    return (person[0], person[1].lower()) if person else None


# --- one commit ------------------------------------------------------------------------


class Commit:
    """A commit under audit: its trailers read once, the rules in force, and where findings go."""

    def __init__(self, c: gitrepo.CommitChanges, config: Config | None, rules_rev: str | None,
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



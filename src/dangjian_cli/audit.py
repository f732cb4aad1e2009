"""Was every change made through dj, by someone allowed to make it? `dj check --base` and `dj audit`.

Every commit that changes a record is re-run: the step its trailers name, with its recorded
arguments, date and actor, on the record as it was before, under the dj.yaml in force then (the
parent's for an audit, the target branch's for a pull request). What the commit holds must be what
dj would have written. A merge must equal its first parent with the other side's steps re-run on
top. Configuration (dj.yaml, allowed_signers, templates, schemas, CI files) changes only by a clerk.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from dangjian_cli import awards, gitrepo, replay, signing, store
from dangjian_cli.checks import Problem
from dangjian_cli.config import ROLE_LABELS, Config, Role
from dangjian_cli.errors import DjError
from dangjian_cli.model import Project
from dangjian_cli.transitions import TRANSITIONS, Transition
from dangjian_cli.workflow import APPLICATION_FIELDS, Actor, Context

_FREE = frozenset(APPLICATION_FIELDS) | {"schema_version"}  # what a branch may edit by hand
WORKFLOW_FIELDS = frozenset(Project.model_fields) - _FREE
_MOVES_DECISION = ("unit", "branch")  # after a decision, only a clerk may change these (they decide 回避)
_UNDECIDED = frozenset({"draft", "applied"})
_CI_FILES = (".github/", ".gitlab-ci.yml")
_GUARDED_DIRS = ("templates/", "schemas/", ".github/")
_RANKINGS = {"award": awards.award, "competition-award": awards.competition_award}


def _found(file: str, field: str, rule: str, message: str, commit: str = "") -> Problem:
    return Problem(file, message, field=field, rule=rule, commit=commit)


def _clerks(config: Config | None) -> str:
    names = "、".join(p.name for p in (config.people if config else []) if Role.clerk in p.roles)
    return f"组织部干事（clerk，{names or 'dj.yaml 中尚无'}）"


def _who_may(t: Transition, config: Config | None) -> str:
    roles = "或".join(ROLE_LABELS[r] for r in sorted(t.roles))
    names = "、".join(p.name for p in (config.people if config else []) if t.roles & set(p.roles))
    return f"应由{roles}（{names or 'dj.yaml 中尚无此角色的人'}）用 {t.command} 办理"


def _who_may_write(field: str, config: Config | None) -> str:
    steps = [t for t in TRANSITIONS.values() if field in t.writes]
    return "；".join(_who_may(t, config) for t in steps[:2]) or "这个字段只能由 dj 生成"


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "…"


def _is_record(path: str) -> bool:
    return path.startswith(f"{store.PROJECTS_DIR}/") and path.endswith(".yaml")


def _is_guarded(path: str, config: Config | None) -> bool:
    signers = config.allowed_signers if config else "allowed_signers"
    return path in (store.CONFIG_FILE, signers, ".gitlab-ci.yml") or path.startswith(_GUARDED_DIRS)


def _is_clerk(config: Config | None, email: str) -> bool:
    person = config.person(email) if config else None
    return person is not None and Role.clerk in person.roles


class _History:
    """Records and configs by object id, parsed once; a bounded cache, so memory stays flat."""

    def __init__(self, root: Path, objects: gitrepo.Objects) -> None:
        self.root, self.objects = root, objects
        self._cache: OrderedDict[str, Any] = OrderedDict()

    def _cached(self, key: str, make: Any) -> Any:
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        value = self._cache[key] = make()
        if len(self._cache) > 2048:
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
        data = self.data(oid)
        if data is None:
            return "文件不是有效的 YAML"
        try:
            return Project.model_validate(data)
        except ValidationError as e:
            from dangjian_cli.model import explain

            return f"记录无效：{explain(e)[0]}"

    def config_at(self, rev: str | None) -> Config | None:
        oid = self.objects.oid(f"{rev}:{store.CONFIG_FILE}") if rev else None
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
        found = self.project(self.objects.oid(f"{rev}:{_record_path(project_id)}"))
        return found if isinstance(found, Project) else None


def _record_path(project_id: str) -> str:
    return f"{store.PROJECTS_DIR}/{project_id[:4]}/{project_id}.yaml"


def _person(text: str) -> tuple[str, str] | None:
    name, sep, rest = text.partition("<")
    email = rest.rstrip().removesuffix(">").strip()
    return (name.strip(), email.lower()) if sep and name.strip() and "@" in email and rest.strip().endswith(">") \
        else None


# --- one commit ------------------------------------------------------------------------


class _Commit:
    """A commit under audit: its trailers read once, the rules in force, and where findings go."""

    def __init__(self, c: gitrepo.CommitChanges, config: Config | None, rules_rev: str | None) -> None:
        self.c, self.config, self.rules_rev = c, config, rules_rev
        self.action = c.trailers.get("Dj-Action", "")
        actor = _person(c.trailers.get("Dj-Actor", ""))
        self.actor = actor
        person = config.person(actor[1]) if config and actor else None
        self.ctx_actor = Actor(actor[0], actor[1], person) if actor else None
        self.today = dt.date.fromisoformat(c.committed[:10]) if c.committed else dt.date.today()
        try:
            self.args: dict[str, Any] = json.loads(c.trailers.get("Dj-Args", "") or "{}")
        except ValueError:
            self.args = {}

    def found(self, file: str, field: str, rule: str, message: str) -> Problem:
        return _found(file, field, rule, message, self.c.commit)

    def context(self) -> Context | None:
        if self.config is None or self.ctx_actor is None:
            return None
        try:
            on = dt.date.fromisoformat(self.c.trailers.get("Dj-Date", ""))
        except ValueError:
            return None
        return Context(self.config, self.ctx_actor, on, self.today)


def _identity_findings(k: _Commit, shown: str) -> list[Problem]:
    """The author is the actor, or a clerk who entered the step for them (--as)."""
    if k.actor is None:
        return [k.found(shown, "", "identity", "提交没有写明办理人（Dj-Actor: 姓名 <邮箱>）；dj 的每一步都写明办理人。")]
    try:
        dt.date.fromisoformat(k.c.trailers.get("Dj-Date", ""))
    except ValueError:
        return [k.found(shown, "", "trailer", "提交没有写明办理日期（Dj-Date: YYYY-MM-DD）；dj 的每一步都写明日期。")]
    name, email = k.actor
    author = k.c.email.lower()
    if author == email:
        return []
    entered = _person(k.c.trailers.get("Dj-Entered-By", ""))
    if _is_clerk(k.config, author) and entered is not None and entered[1] == author:
        return []
    return [k.found(shown, "", "identity", f"提交者 {k.c.author} <{k.c.email}> 既不是办理人 {name}，"
                    f"也不是代录的组织部干事；请由本人办理，或由组织部干事用 --as 代录。")]


def _trailer_findings(k: _Commit, shown: str, old: Project | None, new: Project) -> list[Problem]:
    said = {key: {v.strip() for v in k.c.trailers.get(key, "").split(",")} for key in ("Dj-Project", "Dj-From", "Dj-To")}
    before = old.status.value if old is not None else "new"
    if new.id in said["Dj-Project"] and before in said["Dj-From"] and new.status.value in said["Dj-To"]:
        return []
    return [k.found(shown, "status", "trailer",
                    f"提交说明写的是 {k.action} {k.c.trailers.get('Dj-Project', '')}"
                    f"（{k.c.trailers.get('Dj-From', '?')} → {k.c.trailers.get('Dj-To', '?')}），"
                    f"而文件实际是 {new.id}（{before} → {new.status.value}）；提交说明与改动不符。")]


def _compare(k: _Commit, shown: str, t: Transition, expected: Project, got: Project) -> list[Problem]:
    """Every field dj would have written differently is a finding."""
    want, have = expected.model_dump(), got.model_dump()
    return [k.found(shown, key, "replay",
                    f"提交自称“{t.label}”（{k.action}），但按当时的规则重做这一步，{key} 应为 {_short(want[key])}，"
                    f"提交中却是 {_short(have[key])}；这不是 dj 写出的结果，{_who_may_write(key, k.config)}。")
            for key in Project.model_fields if want.get(key) != have.get(key)]


def _rerun(k: _Commit, t: Transition, before: Project | None, after: Project, shown: str
           ) -> tuple[Project | None, list[Problem]]:
    """Re-run the step on `before`; what dj would have written, or why it would have refused."""
    status = before.status if before is not None else None
    if status not in t.sources:
        return None, [k.found(shown, "status", "transition", f"状态“{status.label if status else '尚未申报'}”不能办理"
                              f"{t.label}（{k.action}）；这不是一个合法的步骤。")]
    ctx = k.context()
    if ctx is None:
        return None, [k.found(shown, "", "replay", f"无法重做“{t.label}”：当时没有有效的 dj.yaml 或提交缺少办理人、日期。")]
    if t.roles and not ctx.actor.has(t.roles):
        return None, [k.found(shown, "", "role", f"{ctx.actor} 在当时的 dj.yaml 中没有相应角色，不能办理{t.label}；"
                              f"{_who_may(t, k.config)}。")]
    try:
        return replay.run(k.action, before, ctx, replay.read_back(k.action, after, k.args)), []
    except (DjError, KeyError, ValueError, TypeError, ArithmeticError) as e:
        why = e.message if isinstance(e, DjError) else f"提交记录的参数（Dj-Args）不完整或有误（{e}）"
        return None, [k.found(shown, "status", "replay", f"按当时的规则重做“{t.label}”（{k.action}）会被 dj 拒绝：{why}"
                              f"；{_who_may(t, k.config)}。")]


def _step_findings(h: _History, k: _Commit, f: gitrepo.FileChange, t: Transition) -> list[Problem]:
    shown = f.new_path
    old, new = h.project(f.old_blob), h.project(f.new_blob)
    if isinstance(old, str):
        old = None  # an unreadable record before: the commit that broke it was reported
    if not isinstance(new, Project):
        return [k.found(shown, "", "invalid", f"{new}；dj 不会写出这样的记录。")]
    out = _trailer_findings(k, shown, old, new)
    if f.new_path != _record_path(new.id):
        out.append(k.found(shown, "id", "path", f"文件名与编号 {new.id} 不符；项目文件应为 {_record_path(new.id)}。"))
    before = old
    if k.action == "promote":
        before = h.project_at(k.c.parents[0], str(k.args.get("parent", ""))) if k.c.parents else None
        if before is None:
            return out + [k.found(shown, "parent", "replay", f"升级申报所依据的项目“{k.args.get('parent', '')}”"
                                  f"在提交前不存在；新项目只能由 dj apply 或 dj promote 建立。")]
    elif f.kind == "A" and k.action != "apply":
        return out + [k.found(shown, "", "new-record", f"新项目文件只能由 dj apply 或 dj promote 建立，"
                              f"而提交自称“{t.label}”；{_who_may(TRANSITIONS['apply'], k.config)}。")]
    expected, refused = _rerun(k, t, before, new, shown)
    return out + refused + (_compare(k, shown, t, expected, new) if expected is not None else [])


def _hand_findings(h: _History, k: _Commit, f: gitrepo.FileChange) -> list[Problem]:
    """A commit without dj's trailers may edit the application only, and never move a decision."""
    shown, who = f.new_path, f"{k.c.author} <{k.c.email}>"
    if f.kind == "A":
        return [k.found(shown, "", "hand-edit", f"新项目文件不是用 dj apply 建立的（{who} 手工提交）；"
                        f"{_who_may(TRANSITIONS['apply'], k.config)}。")]
    old, new = h.data(f.old_blob or ""), h.data(f.new_blob or "")
    if old is None or new is None:
        return [k.found(shown, "", "invalid", f"{who} 手工提交的项目文件不是有效的 YAML；请改正。")]
    changed = sorted(key for key in set(old) | set(new) if old.get(key) != new.get(key))
    out = [k.found(shown, key, "hand-edit", f"流程字段被 {who} 手工修改；{_who_may_write(key, k.config)}。")
           for key in changed if key not in _FREE]
    if str(old.get("status")) not in _UNDECIDED and not _is_clerk(k.config, k.c.email):
        out += [k.found(shown, key, "hand-edit", f"项目已有决定（{old.get('status')}），{who} 却手工改了 {key}"
                        f"（这会绕开回避）；立项后改单位或党支部只能由{_clerks(k.config)}办理。")
                for key in changed if key in _MOVES_DECISION]
    return out


def _ranking_findings(h: _History, k: _Commit, files: Sequence[gitrepo.FileChange], t: Transition) -> list[Problem]:
    """An award commit: rank the cycle as it stood before, and the changed records must be exactly dj's."""
    shown = files[0].new_path
    ctx, cycle = k.context(), str(k.args.get("cycle", ""))
    if ctx is None or not k.c.parents or not cycle:
        return [k.found(shown, "", "replay", f"无法重做“{t.label}”：提交缺少办理人、日期或年度（Dj-Args cycle）。")]
    folder = f"{store.PROJECTS_DIR}/{cycle}"
    records = [h.project(oid) for oid in gitrepo.files_at(h.root, k.c.parents[0], folder).values()]
    projects = [p for p in records if isinstance(p, Project)]
    try:
        _, changed = _RANKINGS[k.action](projects, ctx, [str(i) for i in k.args.get("order", [])])
    except DjError as e:
        return [k.found(shown, "", "replay", f"按当时的规则重做“{t.label}”会被 dj 拒绝：{e.message}")]
    expected = {p.id: p for p in changed}
    out = []
    for f in files:
        got = h.project(f.new_blob)
        if not isinstance(got, Project) or got.id not in expected:
            out.append(k.found(f.new_path, "", "replay", f"“{t.label}”不会改动这个项目；{_who_may(t, k.config)}。"))
        else:
            out += _compare(k, f.new_path, t, expected.pop(got.id), got)
    return out + [k.found(_record_path(i), "result", "replay", f"“{t.label}”应当改动这个项目，提交中却没有。")
                  for i in expected]


def _record_findings(h: _History, k: _Commit, files: Sequence[gitrepo.FileChange]) -> list[Problem]:
    out = [k.found(f.old_path, "", "deleted", f"项目文件被 {k.c.author} 删除；项目一经申报不能删除，"
                   f"如需终止{_who_may(TRANSITIONS['terminate'], k.config)}。") for f in files if f.kind == "D"]
    files = [f for f in files if f.kind != "D"]
    if not files:
        return out
    if not k.action:
        return out + [p for f in files for p in _hand_findings(h, k, f)]
    t = TRANSITIONS.get(k.action)
    if t is None:
        return out + [k.found(files[0].new_path, "", "trailer", f"提交说明的操作“{k.action}”不是 dj 的步骤，却改动了项目文件。")]
    out += _identity_findings(k, files[0].new_path)
    renamed = [f for f in files if f.kind == "R" and k.action != "renumber"]
    out += [k.found(f.new_path, "", "renamed", f"项目文件由 {f.old_path} 改名而来（{k.c.author}）；编号只能用 dj renumber 更改。")
            for f in renamed]
    if k.action in _RANKINGS:
        return out + _ranking_findings(h, k, files, t)
    return out + [p for f in files if f not in renamed for p in _step_findings(h, k, f, t)]


def _config_findings(k: _Commit, files: Sequence[gitrepo.FileChange]) -> list[Problem]:
    if k.config is None or _is_clerk(k.config, k.c.email):
        return []  # the repository's first commit, or a clerk's
    return [k.found(f.new_path or f.old_path, "", "config",
                    f"{f.new_path or f.old_path} 被 {k.c.author} <{k.c.email}> {'删除' if f.kind == 'D' else '修改'}；"
                    f"配置、签名公钥、表格模板、schema 和 CI 文件只能由{_clerks(k.config)}修改。") for f in files]


def _signature_findings(h: _History, k: _Commit, shown: str) -> list[Problem]:
    assert k.config is not None
    signers = h.objects.read(f"{k.rules_rev}:{k.config.allowed_signers}") if k.rules_rev else None
    raw = h.objects.read(k.c.commit) or b""
    why = signing.verify(raw, signers, k.c.email.lower())
    if not why:
        return []
    return [k.found(shown, "", "signature", f"{why}；本仓库要求签名提交（require_signed），"
                    f"请提交者 {k.c.author} 用在 {k.config.allowed_signers} 中登记的本人密钥签名后重新提交。")]


# --- merges ------------------------------------------------------------------------------


def _merge_findings(h: _History, k: _Commit, files: Sequence[gitrepo.FileChange]) -> list[Problem]:
    """A merge must hold its first parent with the other side's steps re-run on top, and nothing else."""
    first, others = k.c.parents[0], k.c.parents[1:]
    out: list[Problem] = []
    for other in others:
        fork = gitrepo.merge_base(h.root, first, other)
        for f in files:
            path = f.new_path if f.new_blob else f.old_path
            theirs = h.objects.oid(f"{other}:{path}")
            if f.new_blob == theirs and f.old_blob == h.objects.oid(f"{fork}:{path}"):
                continue  # only the other side changed it: its own commits are audited one by one
            if not _is_record(path):
                if not _is_clerk(k.config, k.c.email):
                    out.append(k.found(path, "", "merge", f"合并提交 {k.c.commit[:7]}（{k.c.author}）改动了 {path}，"
                                       f"与合并的两边都不同；配置只能由{_clerks(k.config)}在普通提交中修改。"))
                continue
            out += _merged_record(h, k, f, path, fork, other)
    return out


def _merged_record(h: _History, k: _Commit, f: gitrepo.FileChange, path: str, fork: str, other: str) -> list[Problem]:
    current = h.project(f.old_blob)
    merged = h.project(f.new_blob)
    for side in gitrepo.changes(h.root, [f"{fork}..{other}"], [path]):
        change = next((g for g in side.files if g.new_path == path), None)
        after = h.project(change.new_blob if change else None)
        if not isinstance(after, Project) or not isinstance(current, Project):
            current = after
            continue
        sk = _Commit(side, h.config_at(side.parents[0]) if side.parents else None, None)
        t = TRANSITIONS.get(sk.action)
        if t is None:  # a hand edit of the application: carried over as it is
            current = current.model_copy(update={key: getattr(after, key) for key in APPLICATION_FIELDS})
            continue
        expected, refused = _rerun(sk, t, current, after, path)
        if refused:
            return [k.found(path, "status", "merge", f"合并提交 {k.c.commit[:7]} 把另一边的“{t.label}”（{side.commit[:7]}）"
                            f"并入了已经变化的项目：{refused[0].message}")]
        current = expected
    if isinstance(merged, Project) and isinstance(current, Project) and merged == current:
        return []
    return [k.found(path, "", "merge", f"合并提交 {k.c.commit[:7]}（{k.c.author}）中的 {path} 不等于把另一边的步骤"
                    f"在主线上重做的结果；合并时手工改动了记录，或两边的步骤不能同时成立。请撤销该合并，用 dj 重新办理。")]


# --- walking history ---------------------------------------------------------------------


def _findings(h: _History, k: _Commit) -> list[Problem]:
    c = k.c
    records = [f for f in c.files if _is_record(f.old_path) or _is_record(f.new_path)]
    guarded = [f for f in c.files if f not in records and (_is_guarded(f.old_path, k.config)
                                                           or _is_guarded(f.new_path, k.config))]
    if not records and not guarded:
        return []
    if len(c.parents) > 1:
        return _merge_findings(h, k, records + guarded)
    out = _config_findings(k, guarded) + _record_findings(h, k, records)
    if k.config is not None and k.config.require_signed:
        out += _signature_findings(h, k, (records + guarded)[0].new_path)
    return out


def _watched(config: Config | None) -> list[str]:
    return [store.PROJECTS_DIR, store.CONFIG_FILE, "templates", "schemas", *_CI_FILES,
            config.allowed_signers if config else "allowed_signers"]


def verify(root: Path, revisions: Sequence[str], base: str | None = None,
           watched_config: Config | None = None) -> list[Problem]:
    """Check each commit of `revisions` against the rules before it (or always `base`'s rules)."""
    with gitrepo.Objects(root) as objects:
        h = _History(root, objects)
        fixed = h.config_at(base) if base else None
        out: list[Problem] = []
        for c in gitrepo.changes(root, revisions, _watched(watched_config), merges=True):
            rules_rev = base or (c.parents[0] if c.parents else None)
            config = fixed if base else h.config_at(rules_rev)
            out += _findings(h, _Commit(c, config, rules_rev))
        return out


def audit(root: Path, since: str | None = None) -> list[Problem]:
    """Every commit since `since` (or ever), checked against the rules of its time."""
    start = gitrepo.rev_parse(root, since) if since else None
    return verify(root, [f"{start}..HEAD" if start else "HEAD"], watched_config=_head_config(root))


def _head_config(root: Path) -> Config | None:
    try:
        return store.load_config(root)
    except DjError:
        return None


def check_base(root: Path, base: str) -> list[Problem]:
    """What a pull request adds on top of `base`, checked against `base`'s own rules."""
    target = gitrepo.rev_parse(root, base)
    fork = gitrepo.merge_base(root, target, "HEAD")
    if gitrepo.file_at(root, target, store.CONFIG_FILE) is None:
        raise DjError(f"{base} 上没有 {store.CONFIG_FILE}；请确认 --base 指向数据仓库的主分支。")
    out = verify(root, [f"{fork}..HEAD"], base=target, watched_config=_head_config(root))
    return out + list(_duplicate_ids(root, base, target, fork))


def _duplicate_ids(root: Path, base: str, target: str, fork: str) -> Iterable[Problem]:
    taken = gitrepo.files_at(root, target, store.PROJECTS_DIR)
    before = gitrepo.files_at(root, fork, store.PROJECTS_DIR)
    for path, blob in gitrepo.files_at(root, "HEAD", store.PROJECTS_DIR).items():
        if path not in before and path in taken and taken[path] != blob:
            project_id = Path(path).stem
            yield _found(path, "id", "duplicate-id", f"编号 {project_id} 在 {base} 上已被另一个项目占用"
                         f"（两处同时申报）；请在本分支运行 dj renumber {project_id} --base {base} 换一个编号后再提交。")


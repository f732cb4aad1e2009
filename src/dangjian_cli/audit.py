"""Was every change made through dj, by someone allowed to make it? `dj check --base` and `dj audit`.

A commit that changes a project's workflow fields must carry dj's trailers, and the trailers must
match the diff: the action's table entry says which fields it may write and from which states, and
the actor must hold the action's role in the dj.yaml that was in force (the parent's for an audit,
the target branch's for a pull request, so nobody grants themselves a role in the same change).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from dangjian_cli import gitrepo, store
from dangjian_cli.checks import Problem
from dangjian_cli.config import ROLE_LABELS, Config, Role
from dangjian_cli.errors import DjError
from dangjian_cli.model import Project
from dangjian_cli.workflow import APPLICATION_FIELDS, TRANSITIONS, Transition

_FREE = frozenset(APPLICATION_FIELDS) | {"schema_version"}  # what a branch may edit by hand
WORKFLOW_FIELDS = frozenset(Project.model_fields) - _FREE
_CREATORS = frozenset({"apply", "promote"})
_PERSON = re.compile(r"^\s*(?P<name>[^<>]+?)\s*<(?P<email>[^<>\s]+)>\s*$")


def _found(file: str, field: str, rule: str, message: str, commit: str = "") -> Problem:
    return Problem(file, message, field=field, rule=rule, commit=commit)


def _who_may(t: Transition, config: Config | None) -> str:
    roles = "或".join(ROLE_LABELS[r] for r in sorted(t.roles))
    names = "、".join(p.name for p in (config.people if config else []) if t.roles & set(p.roles))
    return f"应由{roles}（{names or 'dj.yaml 中尚无此角色的人'}）用 {t.command} 办理"


def _who_may_write(field: str, config: Config | None) -> str:
    steps = [t for t in TRANSITIONS.values() if field in t.writes]
    return "；".join(_who_may(t, config) for t in steps[:2]) or "这个字段只能由 dj 生成"


def _person(text: str) -> tuple[str, str] | None:
    m = _PERSON.match(text)
    return (m.group("name"), m.group("email").lower()) if m else None


class _Records:
    """Project and config blobs read once and parsed once (an audit meets most of them twice)."""

    def __init__(self, root: Path, ids: Iterable[str | None]) -> None:
        self._raw = gitrepo.blobs(root, [i for i in ids if i])
        self._parsed: dict[str, dict[str, Any]] = {}

    def data(self, blob: str | None) -> dict[str, Any]:
        if blob is None:
            return {}
        if blob not in self._parsed:
            try:
                self._parsed[blob] = store.parse_yaml(store.decode(self._raw[blob], blob), blob)
            except DjError:
                self._parsed[blob] = {"<不是有效的 YAML>": blob}
        return self._parsed[blob]

    def config(self, blob: str | None) -> Config | None:
        data = self.data(blob)
        try:
            return Config.model_validate(data) if data else None
        except ValidationError:
            return None


def _project_findings(c: gitrepo.CommitChanges, f: gitrepo.FileChange, old: dict[str, Any], new: dict[str, Any],
                      config: Config | None) -> list[Problem]:
    shown = f.new_path
    if f.kind == "D":
        return [_found(f.old_path, "", "deleted", f"项目文件被 {c.author} 删除；项目一经申报不能删除，"
                        f"如需终止{_who_may(TRANSITIONS['terminate'], config)}。", c.commit)]
    action = c.trailers.get("Dj-Action", "")
    if f.kind == "R" and action != "renumber":
        return [_found(shown, "", "renamed", f"项目文件由 {f.old_path} 改名而来（{c.author}）；"
                        f"编号只能用 dj renumber 更改。", c.commit)]
    changed = sorted(k for k in WORKFLOW_FIELDS | set(old) | set(new)
                     if k not in _FREE and old.get(k) != new.get(k))
    if not action:
        if f.kind == "A":
            return [_found(shown, "", "hand-edit", f"新项目文件不是用 dj apply 建立的（{c.author} 手工提交）；"
                            f"{_who_may(TRANSITIONS['apply'], config)}。", c.commit)]
        return [_found(shown, k, "hand-edit", f"流程字段被 {c.author} 手工修改；{_who_may_write(k, config)}。",
                        c.commit) for k in changed]
    t = TRANSITIONS.get(action)
    if t is None:
        return [_found(shown, "", "trailer", f"提交说明的操作“{action}”不是 dj 的步骤，却改动了项目文件。", c.commit)]
    out = []
    project_id = str(new.get("id") or old.get("id") or "")
    before, after = str(old.get("status") or "new"), str(new.get("status") or "")
    said = {k: {v.strip() for v in c.trailers.get(k, "").split(",")} for k in ("Dj-Project", "Dj-From", "Dj-To")}
    if project_id not in said["Dj-Project"] or before not in said["Dj-From"] or after not in said["Dj-To"]:
        out.append(_found(shown, "status", "trailer",
                           f"提交说明写的是 {action} {c.trailers.get('Dj-Project', '')}"
                           f"（{c.trailers.get('Dj-From', '?')} → {c.trailers.get('Dj-To', '?')}），"
                           f"而文件实际是 {project_id}（{before} → {after}）；提交说明与改动不符。", c.commit))
    if f.kind == "A":
        legal = action in _CREATORS  # a new file comes from an application or a promotion
    else:
        legal = f.kind == "R" or old.get("status") in {s.value for s in t.sources if s is not None}
    if not legal:
        out.append(_found(shown, "status", "transition",
                          f"状态“{before}”不能办理{t.label}（{action}）；这不是一个合法的步骤。", c.commit))
    allowed = WORKFLOW_FIELDS if f.kind == "A" else t.writes
    out += [_found(shown, k, "trailer", f"提交自称“{t.label}”（{action}），却改动了该字段；"
                    f"{_who_may_write(k, config)}。", c.commit) for k in changed if k not in allowed]
    return out + _actor_findings(c, shown, t, new or old, config)


def _actor_findings(c: gitrepo.CommitChanges, shown: str, t: Transition, record: dict[str, Any],
                    config: Config | None) -> list[Problem]:
    actor = _person(c.trailers.get("Dj-Actor", ""))
    if actor is None:
        return [_found(shown, "", "identity", "提交没有写明办理人（Dj-Actor）。", c.commit)]
    name, email = actor
    person = config.person(email) if config else None
    out = []
    if t.roles and (person is None or not t.roles & set(person.roles)):
        out.append(_found(shown, "", "role", f"{name} <{email}> 在当时的 dj.yaml 中没有相应角色，"
                           f"不能办理{t.label}；{_who_may(t, config)}。", c.commit))
    elif person is not None and not (t.roles - {Role.applicant}) & set(person.roles) and (
            person.unit != record.get("unit") or (person.branches and record.get("branch") not in person.branches)):
        out.append(_found(shown, "", "role", f"{name} 是{person.unit}的申报人，不能为{record.get('unit')}办理"
                           f"{t.label}；{_who_may(t, config)}。", c.commit))
    author = c.email.lower()
    if author != email:
        clerk = config.person(author) if config else None
        entered = _person(c.trailers.get("Dj-Entered-By", ""))
        if clerk is None or Role.clerk not in clerk.roles or entered is None or entered[1] != author:
            out.append(_found(shown, "", "identity", f"提交者 {c.author} <{c.email}> 既不是办理人 {name}，"
                               f"也不是代录的组织部干事；请由本人办理，或由组织部干事用 --as 代录。", c.commit))
    if config is not None and config.require_signed:
        signer = c.signer.lower()
        if c.signature not in ("G", "U"):
            out.append(_found(shown, "", "signature", f"提交没有有效签名（git 签名状态 {c.signature or 'N'}）；"
                               f"本仓库要求签名提交（require_signed），请用已登记的密钥签名后重新提交。", c.commit))
        elif email not in signer and author not in signer:
            out.append(_found(shown, "", "signature", f"提交的签名属于 {c.signer}，不是办理人 {name} 或提交者的；"
                               f"请用本人的密钥签名。", c.commit))
    return out


def _config_findings(c: gitrepo.CommitChanges, config: Config | None) -> list[Problem]:
    if config is None:
        return []  # the repository's first dj.yaml
    person = config.person(c.email)
    if person is not None and Role.clerk in person.roles:
        return []
    clerks = "、".join(p.name for p in config.people if Role.clerk in p.roles) or "组织部干事"
    return [_found(store.CONFIG_FILE, "", "config", f"dj.yaml 被 {c.author} <{c.email}> 修改；人员、角色和规则"
                    f"只能由组织部干事（clerk，{clerks}）修改。", c.commit)]


def _is_record(path: str) -> bool:
    return path.startswith(f"{store.PROJECTS_DIR}/") and path.endswith(".yaml")


def verify(root: Path, commits: Sequence[gitrepo.CommitChanges], config_blob: str | None,
           fixed: bool = False) -> list[Problem]:
    """Check each commit against the dj.yaml in force before it (or always `config_blob` when fixed)."""
    ids = [config_blob] + [b for c in commits for f in c.files for b in (f.old_blob, f.new_blob)]
    records = _Records(root, ids)
    config = records.config(config_blob)
    out: list[Problem] = []
    for c in commits:
        next_config = config
        for f in c.files:
            if store.CONFIG_FILE in (f.old_path, f.new_path):
                out += _config_findings(c, config)
                if not fixed:
                    next_config = records.config(f.new_blob) or config
            elif any(_is_record(path) for path in (f.old_path, f.new_path)):
                out += _project_findings(c, f, records.data(f.old_blob), records.data(f.new_blob), config)
        config = next_config
    return out


def _signers_env(root: Path, config: Config | None) -> dict[str, str]:
    """Let git check SSH signatures against the repository's allowed-signers file."""
    if config is None or not config.require_signed:
        return {}
    path = (root / config.allowed_signers).resolve()
    if not path.is_relative_to(root.resolve()):
        raise DjError(f"allowed_signers（{config.allowed_signers}）不在数据仓库内；请写仓库内的相对路径。")
    return {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "gpg.ssh.allowedSignersFile", "GIT_CONFIG_VALUE_0": str(path)}


_WATCHED = (store.PROJECTS_DIR, store.CONFIG_FILE)


def audit(root: Path, since: str | None = None) -> list[Problem]:
    """Every commit since `since` (or ever), checked against the dj.yaml of its time."""
    head_config = store.load_config(root)
    start = gitrepo.rev_parse(root, since) if since else None
    config_blob = gitrepo.file_at(root, start, store.CONFIG_FILE) if start else None
    commits = gitrepo.changes(root, [f"{start}..HEAD" if start else "HEAD"], _WATCHED,
                              signatures=head_config.require_signed, env=_signers_env(root, head_config))
    return verify(root, commits, config_blob)


def check_base(root: Path, base: str) -> list[Problem]:
    """What a pull request adds on top of `base`, checked against `base`'s own dj.yaml."""
    target = gitrepo.rev_parse(root, base)
    fork = gitrepo.merge_base(root, target, "HEAD")
    config_blob = gitrepo.file_at(root, target, store.CONFIG_FILE)
    if config_blob is None:
        raise DjError(f"{base} 上没有 {store.CONFIG_FILE}；请确认 --base 指向数据仓库的主分支。")
    config = _Records(root, [config_blob]).config(config_blob)
    commits = gitrepo.changes(root, [f"{fork}..HEAD"], _WATCHED,
                              signatures=bool(config and config.require_signed), env=_signers_env(root, config))
    out = verify(root, commits, config_blob, fixed=True)
    taken = gitrepo.files_at(root, target, store.PROJECTS_DIR)
    before = gitrepo.files_at(root, fork, store.PROJECTS_DIR)
    for path, blob in gitrepo.files_at(root, "HEAD", store.PROJECTS_DIR).items():
        if path not in before and path in taken and taken[path] != blob:
            project_id = Path(path).stem
            out.append(_found(path, "id", "duplicate-id", f"编号 {project_id} 在 {base} 上已被另一个项目占用"
                               f"（两处同时申报）；请在本分支运行 dj renumber {project_id} 换一个编号后再提交。"))
    return out

"""Is one commit's change to the records exactly what dj would have written? Re-run its step and compare.

The step its trailers name is re-run with its recorded arguments, date and actor, on the record as
it was before, under the rules in force then; a commit without dj's trailers may only edit the
application. Each finding says who could have made the change legally.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from dangjian_cli import awards, gitrepo, gitstream, store
from dangjian_cli.branchmodel import Branch
from dangjian_cli.checks import Problem
from dangjian_cli.config import ROLE_LABELS, Config, Role
from dangjian_cli.errors import DjError
from dangjian_cli.grading import Peers
from dangjian_cli.history import Commit, History, person_of
from dangjian_cli.kinds import BRANCH, PROJECT, AnyRecord, RecordKind, kind_of
from dangjian_cli.model import Project
from dangjian_cli.transitions import TRANSITIONS, Transition
from dangjian_cli.workflow import APPLICATION_FIELDS, promoted_cycle

_FREE = frozenset(APPLICATION_FIELDS) | {"schema_version"}  # what a branch may edit by hand
WORKFLOW_FIELDS = frozenset(Project.model_fields) - _FREE
# After a decision only a clerk may change these: the unit and branch decide 回避 and quotas, the type
# its minimum months (003), the stages and the parent what acceptance and promotion mean.
_MOVES_DECISION = ("unit", "branch", "type", "stages", "parent")
_UNDECIDED = frozenset({"draft", "applied"})
# The steps whose arguments the audit reads back from the record they wrote (an application, a report, a
# reviewer's points) or whose record moves (a new number): they cannot be re-run before the record is read.
_READS_WHAT_IT_WRITES = frozenset({"apply", "promote", "close", "score", "defense", "renumber"})
_RANKINGS = {"award": awards.award, "competition-award": awards.competition_award}


def clerks(config: Config | None) -> str:
    names = "、".join(p.name for p in (config.people if config else []) if Role.clerk in p.roles)
    return f"组织部干事（clerk，{names or 'dj.yaml 中尚无'}）"


def who_may(t: Transition, config: Config | None) -> str:
    roles = "或".join(ROLE_LABELS[r] for r in sorted(t.roles))
    names = "、".join(p.name for p in (config.people if config else []) if t.roles & set(p.roles))
    return f"应由{roles}（{names or 'dj.yaml 中尚无此角色的人'}）用 {t.command} 办理"


def who_may_write(field: str, config: Config | None, kind: RecordKind = PROJECT) -> str:
    steps = [t for t in kind.transitions.values() if field in t.writes]
    return "；".join(who_may(t, config) for t in steps[:2]) or "这个字段只能由 dj 生成"


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "…"


def is_clerk(config: Config | None, email: str) -> bool:
    person = config.person(email) if config else None
    return person is not None and Role.clerk in person.roles


def _identity_findings(k: Commit, shown: str) -> list[Problem]:
    """The author is the actor, or a clerk who entered the step for them (--as)."""
    if k.actor is None:
        return [k.found(shown, "", "identity",
                        "提交没有写明办理人（Dj-Actor: 姓名 <邮箱>）；dj 的每一步都写明办理人。")]
    try:
        dt.date.fromisoformat(k.c.trailers.get("Dj-Date", ""))
    except ValueError:
        return [k.found(shown, "", "trailer", "提交没有写明办理日期（Dj-Date: YYYY-MM-DD）；dj 的每一步都写明日期。")]
    name, email = k.actor
    author = k.c.email.lower()
    if author == email:
        return []
    entered = person_of(k.c.trailers.get("Dj-Entered-By", ""))
    if is_clerk(k.config, author) and entered is not None and entered[1] == author:
        return []
    return [k.found(shown, "", "identity", f"提交者 {k.c.author} <{k.c.email}> 既不是办理人 {name}，"
                    f"也不是代录的组织部干事；请由本人办理，或由组织部干事用 --as 代录。")]


def _trailer_findings(k: Commit, shown: str, old: AnyRecord | None, new: AnyRecord,
                      kind: RecordKind = PROJECT) -> list[Problem]:
    before = old.status.value if old is not None else "new"
    t, named = k.c.trailers, kind.trailer
    if t.get(named) == new.id and t.get("Dj-From") == before and t.get("Dj-To") == new.status.value:
        return []  # one record, as dj writes it
    said = {key: {v.strip() for v in t.get(key, "").split(",")} for key in (named, "Dj-From", "Dj-To")}
    if new.id in said[named] and before in said["Dj-From"] and new.status.value in said["Dj-To"]:
        return []
    return [k.found(shown, "status", "trailer",
                    f"提交说明写的是 {k.action} {k.c.trailers.get(named, '')}"
                    f"（{k.c.trailers.get('Dj-From', '?')} → {k.c.trailers.get('Dj-To', '?')}），"
                    f"而文件实际是 {new.id}（{before} → {new.status.value}）；提交说明与改动不符。")]


def _compare(k: Commit, shown: str, t: Transition, expected: AnyRecord, got: AnyRecord,
             kind: RecordKind = PROJECT) -> list[Problem]:
    """Every field dj would have written differently is a finding."""
    if expected == got:
        return []
    want, have = expected.model_dump(), got.model_dump()
    return [k.found(shown, key, "replay",
                    f"提交自称“{t.label}”（{k.action}），但按当时的规则重做这一步，{key} 应为 {_short(want.get(key))}，"
                    f"提交中却是 {_short(have.get(key))}；这不是 dj 写出的结果，{who_may_write(key, k.config, kind)}。")
            for key in kind.model.model_fields if want.get(key) != have.get(key)]


def rerun(k: Commit, t: Transition, before: AnyRecord | None, after: AnyRecord, shown: str,
          kind: RecordKind = PROJECT, peers: Peers | None = None) -> tuple[AnyRecord | None, list[Problem]]:
    """Re-run the step on `before`; what dj would have written, or why it would have refused."""
    status = before.status if before is not None else None
    if status not in t.sources:
        fresh = "尚未申报" if kind is PROJECT else "尚未调查摸底"
        return None, [k.found(shown, "status", "transition", f"状态“{status.label if status else fresh}”不能办理"
                              f"{t.label}（{k.action}）；这不是一个合法的步骤。")]
    ctx = k.context()
    if ctx is None:
        return None, [k.found(shown, "", "replay",
                              f"无法重做“{t.label}”：当时没有有效的 dj.yaml 或提交缺少办理人、日期。")]
    if t.roles and not ctx.actor.has(t.roles):
        return None, [k.found(shown, "", "role", f"{ctx.actor} 在当时的 dj.yaml 中没有相应角色，不能办理{t.label}；"
                              f"{who_may(t, k.config)}。")]
    if k.fork_config is not None and k.rules is not None and _revoked(k, t, ctx.actor.email):
        return None, [k.found(shown, "", "role", f"{ctx.actor} 的{t.label}角色已在目标分支的 dj.yaml 中被撤销"
                              f"（本分支是在撤销之前分出的）；{who_may(t, k.rules)}。")]
    try:
        args = kind.read_back(k.action, after, k.args)
        return kind.run(k.action, before, ctx, args, peers or Peers()), []
    except (DjError, KeyError, ValueError, TypeError, ArithmeticError) as e:
        why = e.message if isinstance(e, DjError) else f"提交记录的参数（Dj-Args）不完整或有误（{e}）"
        return None, [k.found(shown, "status", "replay", f"按当时的规则重做“{t.label}”（{k.action}）会被 dj 拒绝：{why}"
                              f"；{who_may(t, k.config)}。")]


def _revoked(k: Commit, t: Transition, email: str) -> bool:
    """A pull request: the actor held the role where the branch left main, and main has since taken it away."""
    assert k.fork_config is not None and k.rules is not None
    then, now = k.fork_config.person(email), k.rules.person(email)
    return bool(then and t.roles & set(then.roles)) and not (now and t.roles & set(now.roles))


def peers_at(h: History, rev: str | None, branch: Branch) -> Peers:
    """The round's records and the round before's as they stood at `rev`: what the grading rules look at."""
    if rev is None:
        return Peers()
    rounds = (branch.round, str(int(branch.round) - 1))
    current, previous = ([r for r in h.records_at(rev, f"{store.BRANCHES_DIR}/{n}", BRANCH) if isinstance(r, Branch)]
                         for n in rounds)
    return Peers(current, previous)


def _branch_findings(h: History, k: Commit, f: gitstream.FileChange, t: Transition) -> list[Problem]:
    """A grading step on one branch's record: re-run on the record before, with the round as it stood."""
    shown = f.new_path
    old, new = h.record(f.old_blob, BRANCH), h.record(f.new_blob, BRANCH)
    old = old if isinstance(old, Branch) else None
    if not isinstance(new, Branch):
        return [k.found(shown, "", "invalid", f"{new}；dj 不会写出这样的记录。")]
    out = _trailer_findings(k, shown, old, new, BRANCH)
    if f.new_path != BRANCH.path(new.id):
        out.append(k.found(shown, "id", "path",
                           f"文件名与编号 {new.id} 不符；党支部定级记录应为 {BRANCH.path(new.id)}。"))
    if f.kind == "A" and k.action not in BRANCH.creators:
        return [*out, k.found(shown, "", "new-record", f"新的党支部定级记录只能由 {BRANCH.new_command} 建立，"
                              f"而提交自称“{t.label}”；{who_may(BRANCH.transitions['survey'], k.config)}。")]
    peers = peers_at(h, k.c.parents[0] if k.c.parents else None, new) if k.action in ("survey", "decide") else None
    expected, refused = rerun(k, t, old, new, shown, BRANCH, peers)
    return out + refused + (_compare(k, shown, t, expected, new, BRANCH) if expected is not None else [])


def _step_findings(h: History, k: Commit, f: gitstream.FileChange, t: Transition) -> list[Problem]:
    shown = f.new_path
    old = h.project(f.old_blob)
    if isinstance(old, str):
        old = None  # an unreadable record before: the commit that broke it was reported
    rerun_first = f.kind == "M" and bool(f.new_blob) and k.action not in _READS_WHAT_IT_WRITES
    if old is not None and rerun_first:
        # The step needs nothing from the record it wrote: re-run it first, and when the commit holds exactly
        # the bytes dj writes for the result, that is the record, unread (most of a long history).
        expected, refused = rerun(k, t, old, old, shown)
        dj_wrote = expected is not None and h.written_by_dj(f.new_blob or "", f.new_path, expected, PROJECT)
    new = h.project(f.new_blob)
    if not isinstance(new, Project):
        return [k.found(shown, "", "invalid", f"{new}；dj 不会写出这样的记录。")]
    out = _trailer_findings(k, shown, old, new)
    if f.new_path != (expected_path := store.project_relpath(new.id)):
        out.append(k.found(shown, "id", "path", f"文件名与编号 {new.id} 不符；项目文件应为 {expected_path}。"))
    before = old
    if k.action == "promote":
        before = h.project_at(k.c.parents[0], str(k.args.get("parent", ""))) if k.c.parents else None
        if before is None:
            return [*out, k.found(shown, "parent", "replay", f"升级申报所依据的项目“{k.args.get('parent', '')}”"
                                  f"在提交前不存在；新项目只能由 dj apply 或 dj promote 建立。")]
    elif f.kind == "A" and k.action != "apply":
        return [*out, k.found(shown, "", "new-record", f"新项目文件只能由 dj apply 或 dj promote 建立，"
                              f"而提交自称“{t.label}”；{who_may(TRANSITIONS['apply'], k.config)}。")]
    if f.kind == "A" and k.config is not None:
        out += _number_findings(k, shown, new, before if k.action == "promote" else None)
    if k.action == "renumber" and k.args.get("collided") and k.fork and k.rules_rev:
        # A real collision: the target branch holds another project at the old path, added since the fork.
        taken = h.objects.oid(f"{k.rules_rev}:{f.old_path}") is not None
        if not taken or h.objects.oid(f"{k.fork}:{f.old_path}") is not None:
            what = "就是这个项目本身" if taken else "并不存在"
            out.append(k.found(shown, "id", "replay", f"重新编号的提交称编号与目标分支冲突，但目标分支上的 "
                               f"{f.old_path} {what}；没有冲突时，只有组织部干事可以对尚未立项的项目"
                               f"用 dj renumber --force 改号。"))
    if old is None or not rerun_first:
        expected, refused = rerun(k, t, before, new, shown)
    elif dj_wrote:
        return out
    return out + refused + (_compare(k, shown, t, expected, new) if expected is not None else [])


def _number_findings(k: Commit, shown: str, new: Project, parent: Project | None = None) -> list[Problem]:
    """dj numbers a new project 年度-单位代码-序号 from the dj.yaml of the day: cycle and unit code must fit."""
    assert k.config is not None
    unit = k.config.unit(new.unit)
    cycle = k.config.cycle
    if parent is not None:  # a promotion goes to a later round than its parent's (003)
        cycle = promoted_cycle(parent, cycle)
    prefix = f"{cycle}-{unit.code if unit else '?'}-"
    number = new.id.removeprefix(prefix)
    if new.id.startswith(prefix) and number.isdigit() and len(number) >= 3:
        return []
    return [k.found(shown, "id", "replay", f"编号 {new.id} 不是 dj 会给的编号：当时的年度和{new.unit}的单位代码"
                    f"应得到 {prefix}NNN；{who_may(TRANSITIONS['apply'], k.config)}。")]


def _hand_findings(h: History, k: Commit, f: gitstream.FileChange, kind: RecordKind = PROJECT) -> list[Problem]:
    """A commit without dj's trailers may edit the application only, and never move a decision."""
    shown, who = f.new_path, f"{k.c.author} <{k.c.email}>"
    if f.kind == "A":
        first = next(iter(kind.transitions.values()))
        return [k.found(shown, "", "hand-edit", f"新的{kind.noun}文件不是用 {kind.new_command} 建立的"
                        f"（{who} 手工提交）；"
                        f"{who_may(TRANSITIONS['apply'] if kind is PROJECT else first, k.config)}。")]
    old, new = h.data(f.old_blob or ""), h.data(f.new_blob or "")
    if old is None or new is None:
        return [k.found(shown, "", "invalid", f"{who} 手工提交的{kind.noun}文件不是有效的 YAML；请改正。")]
    changed = sorted(key for key in set(old) | set(new) if old.get(key) != new.get(key))
    out = [k.found(shown, key, "hand-edit", f"流程字段被 {who} 手工修改；{who_may_write(key, k.config, kind)}。")
           for key in changed if key not in kind.free]
    if kind is not PROJECT:
        return out
    moved = [key for key in changed if key in ("unit", "branch")]
    person = k.config.person(k.c.email) if k.config else None
    if moved and str(old.get("status")) in _UNDECIDED and not is_clerk(k.config, k.c.email) and (
            person is None or person.unit != new.get("unit")
            or (person.branches and new.get("branch") not in person.branches)):
        out += [k.found(shown, key, "hand-edit", f"{who} 把申报改到了{new.get('unit')}（{new.get('branch')}），"
                        f"而他不是该单位的申报人；申报只能由本单位的申报人或{clerks(k.config)}办理。")
                for key in moved]
    if str(old.get("status")) not in _UNDECIDED and not is_clerk(k.config, k.c.email):
        out += [k.found(shown, key, "hand-edit", f"项目已有决定（{old.get('status')}），{who} 却手工改了 {key}"
                        f"（这会改变回避、名额、实施期限或验收的依据）；"
                        f"立项后改单位、党支部、类型、阶段或上级项目只能由{clerks(k.config)}办理。")
                for key in changed if key in _MOVES_DECISION]
    return out


def _ranking_findings(h: History, k: Commit, files: Sequence[gitstream.FileChange], t: Transition) -> list[Problem]:
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
            out.append(k.found(f.new_path, "", "replay", f"“{t.label}”不会改动这个项目；{who_may(t, k.config)}。"))
        else:
            out += _compare(k, f.new_path, t, expected.pop(got.id), got)
    return out + [k.found(store.project_relpath(i), "result", "replay", f"“{t.label}”应当改动这个项目，提交中却没有。")
                  for i in expected]


def record_findings(h: History, k: Commit, files: Sequence[gitstream.FileChange]) -> list[Problem]:
    """Every record the commit changed, each judged by the steps of its kind."""
    branches = [f for f in files if kind_of(f.new_path if f.kind != "D" else f.old_path) is BRANCH]
    out = _project_findings(h, k, [f for f in files if f not in branches]) if len(branches) < len(files) else []
    return out + (_grading_findings(h, k, branches) if branches else [])


def _grading_findings(h: History, k: Commit, files: Sequence[gitstream.FileChange]) -> list[Problem]:
    out = [k.found(f.old_path, "", "deleted", f"党支部定级记录被 {k.c.author} 删除；定级记录不能删除，"
                   f"请用 git revert 恢复。") for f in files if f.kind == "D"]
    files = [f for f in files if f.kind != "D"]
    if not files:
        return out
    if not k.action:
        return out + [p for f in files for p in _hand_findings(h, k, f, BRANCH)]
    t = BRANCH.transitions.get(k.action)
    if t is None:
        return [*out, k.found(files[0].new_path, "", "trailer",
                              f"提交说明的操作“{k.action}”不是党支部分类定级的步骤，却改动了党支部定级记录。")]
    out += _identity_findings(k, files[0].new_path)
    out += [k.found(f.new_path, "", "renamed", f"党支部定级记录由 {f.old_path} 改名而来（{k.c.author}）；"
                    f"编号一经分配不能更改。") for f in files if f.kind == "R"]
    return out + [p for f in files if f.kind != "R" for p in _branch_findings(h, k, f, t)]


def _project_findings(h: History, k: Commit, files: Sequence[gitstream.FileChange]) -> list[Problem]:
    out = [k.found(f.old_path, "", "deleted", f"项目文件被 {k.c.author} 删除；项目一经申报不能删除，"
                   f"如需终止{who_may(TRANSITIONS['terminate'], k.config)}。") for f in files if f.kind == "D"]
    files = [f for f in files if f.kind != "D"]
    if not files:
        return out
    if not k.action:
        return out + [p for f in files for p in _hand_findings(h, k, f)]
    t = TRANSITIONS.get(k.action)
    if t is None:
        return [*out, k.found(files[0].new_path, "", "trailer",
                              f"提交说明的操作“{k.action}”不是 dj 的步骤，却改动了项目文件。")]
    out += _identity_findings(k, files[0].new_path)
    renamed = [f for f in files if f.kind == "R" and k.action != "renumber"]
    out += [k.found(f.new_path, "", "renamed",
                    f"项目文件由 {f.old_path} 改名而来（{k.c.author}）；编号只能用 dj renumber 更改。")
            for f in renamed]
    if k.action in _RANKINGS:
        return out + _ranking_findings(h, k, files, t)
    return out + [p for f in files if f not in renamed for p in _step_findings(h, k, f, t)]

"""The library behind each command: load → workflow step → write → one git commit.

The CLI and the demo both call these; every argument maps to a command-line option.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from dangjian_cli import gitrepo, store, workflow
from dangjian_cli.config import PRESETS, Config, Role, preset_text
from dangjian_cli.errors import DjError
from dangjian_cli.model import Project, Status
from dangjian_cli.workflow import Actor, Context

GITIGNORE = "# dj 生成的表格和临时文件不进入版本库\nout/\n__pycache__/\n.*.tmp\n"


@dataclass(frozen=True)
class Session:
    """Where and as whom a state-changing command runs."""

    root: Path
    config: Config
    actor: Actor
    entered_by: Actor | None = None  # the git user, when recording a step for someone else
    commit: bool = True
    today: dt.date = field(default_factory=dt.date.today)
    author: tuple[str, str] | None = None  # commit author override (the demo plays many people)
    when: str | None = None  # commit time override (the demo replays a year)


@dataclass(frozen=True)
class Outcome:
    project: Project
    path: Path
    commit: str | None  # None when no commit was made


_AS = re.compile(r"^\s*(?P<name>[^<>]+?)\s*<(?P<email>[^<>\s]+@[^<>\s]+)>\s*$")


def parse_person(text: str, config: Config) -> Actor:
    """`姓名 <email>`, or a bare e-mail or name already listed in dj.yaml's people."""
    m = _AS.match(text)
    if m:
        name, email = m.group("name"), m.group("email")
        return Actor(name, email, config.person(email))
    person = config.person(text.strip())
    if person is None:
        raise DjError(f"“{text}”不在 dj.yaml 的 people 中；请写成 --as \"姓名 <邮箱>\"，或先在 people 中登记此人。")
    return Actor(person.name, person.email, person)


def open_session(repo: Path | None = None, as_: str | None = None, no_commit: bool = False,
                 today: dt.date | None = None) -> Session:
    root = store.find_root(override=repo)
    config = store.load_config(root)
    git_ok = gitrepo.is_repo(root)
    me = gitrepo.identity(root) if git_ok else None
    user = Actor(me[0], me[1], config.person(me[1])) if me else None
    if as_:
        actor = parse_person(as_, config)
        entered_by = None
        if user is not None and user.email.lower() != actor.email.lower():
            if not user.has(frozenset({Role.clerk})):
                raise DjError(
                    f"只有组织部干事（clerk）可以替他人（{actor.name}）登记步骤，"
                    f"而 {user.name} <{user.email}> 不是；请本人操作，或请组织部干事代为录入。"
                )
            entered_by = user
    elif user is not None:
        actor, entered_by = user, None
    else:
        raise DjError(
            "无法确定操作人：git 的 user.name/user.email 尚未设置；"
            "请运行 git config --global user.name \"姓名\" 和 git config --global user.email \"邮箱\"，"
            "或加 --as \"姓名 <邮箱>\"。"
        )
    return Session(root, config, actor, entered_by, commit=git_ok and not no_commit,
                   today=today or dt.date.today())


def _context(session: Session, on: dt.date | None) -> Context:
    return Context(session.config, session.actor, on or session.today, session.today)


def _summary(action: str, before: Project | None, after: Project) -> str:
    if action == "apply":
        return f"申报《{after.title}》（{after.unit}）"
    if action == "approve" and after.approval:
        return f"立项，资助 {after.approval.funding} 元"
    if action == "mid-check":
        rect = after.open_rectification
        return f"中期检查，限期 {rect.deadline} 前整改" if rect else "中期检查通过"
    if action == "score" and after.scores:
        return "录入评分"
    if action == "accept":
        if after.status is Status.approved and after.past_stages:
            done = after.past_stages[-1]
            return f"第 {done.stage} 阶段验收通过（{done.result.total} 分），进入第 {after.stage} 阶段"
        if after.result:
            verdict = "验收通过" if after.result.passed == "yes" else "验收未通过"
            return f"{verdict}，总分 {after.result.total}" + (f"，{after.result.grade}" if after.result.grade else "")
    return workflow.TRANSITIONS[action].label


def _record(session: Session, action: str, before: Project | None, after: Project,
            summary: str | None = None) -> Outcome:
    """Write the new record and make the one commit of this step (or roll back)."""
    root = session.root
    path = store.project_path(root, after.id)
    old = path.read_bytes() if path.exists() else None
    store.write_project(root, after)
    if not session.commit:
        return Outcome(after, path, None)
    trailers = {
        "Dj-Action": action,
        "Dj-Project": after.id,
        "Dj-From": before.status.value if before else "new",
        "Dj-To": after.status.value,
        "Dj-Actor": str(session.actor),
        "Dj-Entered-By": str(session.entered_by) if session.entered_by else "",
        "Dj-Date": str(workflow.last_step_date(after) or ""),
    }
    text = gitrepo.message(f"{action} {after.id}: {summary or _summary(action, before, after)}", trailers)
    try:
        sha = gitrepo.commit(root, [path], text, author=session.author, when=session.when)
    except BaseException:
        if old is None:
            path.unlink(missing_ok=True)
        else:
            store.atomic_write(path, old.decode("utf-8"))
        raise
    return Outcome(after, path, sha)


def _refuse_dirty(session: Session, project_id: str) -> None:
    if not session.commit:
        return
    path = store.project_path(session.root, project_id)
    if gitrepo.dirty(session.root, [path]):
        raise DjError(
            f"{store.display(path, session.root)} 有尚未提交的手工修改，dj 不会把它们混进自己的提交；"
            f"请先提交（git commit）或撤销（git checkout -- 该文件）这些修改后再试。"
        )


def step(session: Session, project_id: str, action: str,
         apply_step: Callable[[Project, Context], Project], on: dt.date | None = None) -> Outcome:
    """Run one workflow step on one project: the common path of every state change."""
    _refuse_dirty(session, project_id)
    before = store.load_project(session.root, project_id)
    after = apply_step(before, _context(session, on))
    return _record(session, action, before, after)


# --- one function per command ---------------------------------------------------------


def apply_new(session: Session, fields: Mapping[str, Any], on: dt.date | None = None) -> Outcome:
    ctx = _context(session, on)
    unit = session.config.unit(str(fields.get("unit") or ""))
    if unit is None:
        names = "、".join(u.name for u in session.config.units) or "（尚未配置）"
        raise DjError(f"单位“{fields.get('unit') or ''}”不在 dj.yaml 的 units 中；请用 --unit 指定，可选：{names}。")
    cycle = session.config.cycle
    new_id = store.next_id(session.root, cycle, unit.code)
    project = workflow.apply(fields, ctx, new_id)
    _refuse_dirty(session, new_id)
    return _record(session, "apply", None, project)


def resubmit(session: Session, project_id: str, fields: Mapping[str, Any],
             on: dt.date | None = None) -> Outcome:
    return step(session, project_id, "apply",
                lambda p, ctx: workflow.resubmit(p, fields, ctx), on)


def approve(session: Session, project_id: str, *, opinion: str = "", doc_no: str = "",
            funding: Decimal | None = None, on: dt.date | None = None) -> Outcome:
    return step(session, project_id, "approve",
                lambda p, ctx: workflow.approve(p, ctx, opinion=opinion, doc_no=doc_no, funding=funding), on)


def reject(session: Session, project_id: str, *, reason: str, on: dt.date | None = None) -> Outcome:
    return step(session, project_id, "reject", lambda p, ctx: workflow.reject(p, ctx, reason=reason), on)


def return_(session: Session, project_id: str, *, reason: str, on: dt.date | None = None) -> Outcome:
    return step(session, project_id, "return", lambda p, ctx: workflow.return_(p, ctx, reason=reason), on)


def mid_check(session: Session, project_id: str, *, result: str, opinion: str = "",
              deadline: dt.date | None = None, issues: str = "", on: dt.date | None = None) -> Outcome:
    return step(session, project_id, "mid-check",
                lambda p, ctx: workflow.mid_check(p, ctx, result=result, opinion=opinion,
                                                  deadline=deadline, issues=issues), on)


def rectified(session: Session, project_id: str, *, note: str = "", on: dt.date | None = None) -> Outcome:
    return step(session, project_id, "rectified", lambda p, ctx: workflow.rectified(p, ctx, note=note), on)


def close(session: Session, project_id: str, *, report: Mapping[str, str],
          on: dt.date | None = None) -> Outcome:
    return step(session, project_id, "close", lambda p, ctx: workflow.close(p, ctx, report=report), on)


def score(session: Session, project_id: str, *, reviewer: str, points: Mapping[str, str],
          comment: str = "", on: dt.date | None = None) -> Outcome:
    person = session.config.person(reviewer)
    if person is None:
        raise DjError(f"评审专家“{reviewer}”不在 dj.yaml 的 people 中；请用姓名或邮箱指定已登记的评审专家。")
    return step(session, project_id, "score",
                lambda p, ctx: workflow.score(p, ctx, reviewer=person, points=points, comment=comment), on)


def accept(session: Session, project_id: str, *, on: dt.date | None = None) -> Outcome:
    return step(session, project_id, "accept", workflow.accept, on)


def terminate(session: Session, project_id: str, *, reason: str, on: dt.date | None = None) -> Outcome:
    return step(session, project_id, "terminate",
                lambda p, ctx: workflow.terminate(p, ctx, reason=reason), on)


# --- setting up a data repository -------------------------------------------------------


def _set_line(text: str, key: str, value: str) -> str:
    """Replace a top-level `key:` line, keeping every comment of the preset."""
    line = f"{key}: {json.dumps(value, ensure_ascii=False)}"
    new, count = re.subn(rf"^{key}:.*$", lambda _: line, text, count=1, flags=re.M)
    return new if count else f"{line}\n{text}"


def init(target: Path, *, preset: str = "college", org: str | None = None, cycle: str | None = None,
         config_text: str | None = None, today: dt.date | None = None,
         author: tuple[str, str] | None = None) -> Path:
    """Create a data repository: dj.yaml from a preset, folders, schemas, git, first commit."""
    target = target.resolve()  # git runs inside target, so every path handed to it must be absolute
    if config_text is None:
        if preset not in PRESETS:
            raise DjError(f"没有名为“{preset}”的预设；可选：{'、'.join(PRESETS)}。")
        config_text = preset_text(preset)
    if org:
        config_text = _set_line(config_text, "org", org)
    config_text = _set_line(config_text, "cycle", cycle or str((today or dt.date.today()).year))
    if (target / store.CONFIG_FILE).exists():
        raise DjError(f"{target} 已经是 dj 数据仓库（已有 {store.CONFIG_FILE}）；无需再次初始化。")
    store.validate(Config, store.parse_yaml(config_text, store.CONFIG_FILE), store.CONFIG_FILE)
    target.mkdir(parents=True, exist_ok=True)
    use_git = shutil.which("git") is not None
    if use_git and author is None and gitrepo.identity(target) is None:
        raise DjError(
            "git 的 user.name/user.email 尚未设置，无法提交；"
            "请先运行 git config --global user.name \"姓名\" 和 git config --global user.email \"邮箱\"。"
        )
    if use_git and not gitrepo.is_repo(target):
        gitrepo.init(target)
    config_path = target / store.CONFIG_FILE
    store.atomic_write(config_path, store.modeline(config_path, target, "config.schema.json")
                       + store.strip_modeline(config_text))
    keep = target / store.PROJECTS_DIR / ".gitkeep"
    keep.parent.mkdir(exist_ok=True)
    keep.touch()
    gitignore = target / ".gitignore"
    if not gitignore.exists():
        store.atomic_write(gitignore, GITIGNORE)
    files = [config_path, keep, gitignore, *store.write_schemas(target)]
    if use_git:
        text = gitrepo.message(f"init: 建立党建项目数据仓库（预设 {preset}）", {"Dj-Action": "init"})
        gitrepo.commit(target, files, text, author=author)
        gitrepo.write_commit_graph(target)
    return target


def with_actor(session: Session, name: str, when: str | None = None) -> Session:
    """The same session recorded for another registered person (the demo plays them all)."""
    person = session.config.person(name)
    if person is None:
        raise DjError(f"演示数据中的“{name}”不在 dj.yaml 的 people 中。")
    actor = Actor(person.name, person.email, person)
    return replace(session, actor=actor, author=(person.name, person.email), when=when)

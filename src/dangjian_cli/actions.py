"""The library behind each command: load → workflow step → write → one git commit.

The CLI and the demo both call these; every argument maps to a command-line option.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from dangjian_cli import awards, gitrepo, replay, store, workflow
from dangjian_cli.config import PRESETS, Config, Person, Role, Rubric, name_email, preset_text
from dangjian_cli.errors import DjError
from dangjian_cli.model import Project, Status
from dangjian_cli.scoring import Placing
from dangjian_cli.transitions import TRANSITIONS
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
    forms: bool = True  # render each step's Word forms into out/<id>/


@dataclass(frozen=True)
class Outcome:
    project: Project
    path: Path
    commit: str | None  # None when no commit was made
    forms: tuple[Path, ...] = ()  # the step's forms, in out/<id>/


@dataclass(frozen=True)
class SheetRow:
    """One project's line in a reviewer's score sheet file."""

    where: str  # “第 3 行”
    project_id: str
    points: dict[str, str]
    comment: str = ""


def parse_name_email(text: str, option: str) -> tuple[str, str]:
    person = name_email(text)
    if person is None:
        raise DjError(f"{option} 的写法不对（“{text}”）；"
                      f"请写成 {option} \"姓名 <邮箱>\"，例如 \"王干事 <wang@zzb.example>\"。")
    return person


def parse_person(text: str, config: Config) -> Actor:
    """`姓名 <email>`, or a bare e-mail or name already listed in dj.yaml's people."""
    written = name_email(text)
    if written:
        name, email = written
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
    return TRANSITIONS[action].label


def _record(session: Session, action: str, before: Project | None, after: Project, on: dt.date | None,
            summary: str | None = None, args: Mapping[str, Any] | None = None) -> Outcome:
    """Write the new record and make the one commit of this step (or roll back)."""
    return _record_many(session, action, [(before, after)], on, summary, args)[0]


def _record_many(session: Session, action: str, changes: Sequence[tuple[Project | None, Project]],
                 on: dt.date | None, summary: str | None = None,
                 args: Mapping[str, Any] | None = None) -> list[Outcome]:
    """Write every changed record and make one commit holding exactly those files (or roll all back).

    The step's forms are rendered first, from the text about to be written, so a broken template
    stops the step before anything is written.
    """
    root = session.root
    texts = [store.project_text(root, after) for _, after in changes]
    # Staged inside out/ so the finished forms move into place with a rename.
    with tempfile.TemporaryDirectory(prefix=".dj-forms-", dir=_out_dir(root) if session.forms else None) as staging:
        staged = _stage_forms(session, action, [a for _, a in changes], texts, Path(staging))
        old = {path: path.read_bytes() if path.exists() else None for path, _ in texts}
        try:
            for path, text in texts:
                store.atomic_write(path, text)
            sha = _commit(session, action, changes, on or session.today, summary, args=args) if session.commit else None
        except BaseException:
            written = {path: text.encode("utf-8") for path, text in texts}
            for path, data in old.items():
                if not path.exists() or path.read_bytes() != written[path]:
                    continue  # not what this step wrote: leave another step's file alone
                if data is None:
                    path.unlink()
                else:
                    store.atomic_write_bytes(path, data)
            raise
        forms = {pid: tuple(_place(p, root) for p in paths) for pid, paths in staged.items()}
    return [Outcome(after, path, sha, forms.get(after.id, ())) for (_, after), (path, _) in zip(changes, texts,
                                                                                               strict=True)]


def _out_dir(root: Path) -> Path:
    out = root / "out"
    out.mkdir(exist_ok=True)
    return out


def _stage_forms(session: Session, action: str, projects: Sequence[Project], texts: Sequence[tuple[Path, str]],
                 staging: Path) -> dict[str, list[Path]]:
    from dangjian_cli import render

    step_forms = TRANSITIONS[action].forms
    if not session.forms or not step_forms:
        return {}
    staged: dict[str, list[Path]] = {}
    for project, (_, text) in zip(projects, texts, strict=True):
        wanted = [f for f in step_forms if f in render.available(project)]
        blob = render.blob_id(text.encode("utf-8"))
        staged[project.id] = [render.render(project, session.config, form, staging / project.id, root=session.root,
                                            blob=blob) for form in wanted]
    return staged


def _place(staged: Path, root: Path) -> Path:
    target = root / "out" / staged.parent.name / staged.name
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staged, target)
    return target


def _commit(session: Session, action: str, changes: Sequence[tuple[Project | None, Project]], on: dt.date,
            summary: str | None, moved_from: Sequence[Path] = (), args: Mapping[str, Any] | None = None) -> str:
    before, after = changes[0]
    ids = [a.id for _, a in changes]
    statuses = {(b.status.value if b else "new", a.status.value) for b, a in changes}
    kept = replay.recorded(args or {})
    trailers = {
        "Dj-Action": action,
        "Dj-Project": ", ".join(ids),
        "Dj-From": ", ".join(sorted({f for f, _ in statuses})),
        "Dj-To": ", ".join(sorted({t for _, t in statuses})),
        "Dj-Actor": str(session.actor),
        "Dj-Entered-By": str(session.entered_by) if session.entered_by else "",
        "Dj-Date": str(on),
        # What the audit needs to re-run the step: every argument the record does not hold verbatim.
        "Dj-Args": json.dumps(kept, ensure_ascii=False, sort_keys=True, default=str) if kept else "",
    }
    target = after.id if len(ids) == 1 else f"{ids[0]} 等 {len(ids)} 个项目"
    text = gitrepo.message(f"{action} {target}: {summary or _summary(action, before, after)}", trailers)
    paths = [*moved_from, *(store.project_path(session.root, i) for i in ids)]
    return gitrepo.commit(session.root, paths, text, author=session.author, when=session.when)


def _refuse_dirty(session: Session, project_id: str) -> None:
    if not session.commit:
        return
    path = store.project_path(session.root, project_id)
    if gitrepo.dirty(session.root, [path]):
        raise DjError(
            f"{store.display(path, session.root)} 有尚未提交的手工修改，dj 不会把它们混进自己的提交；"
            f"请先提交（git commit）或撤销（git checkout -- 该文件）这些修改后再试。"
        )


def step(session: Session, project_id: str, action: str, args: Mapping[str, Any] | None = None,
         on: dt.date | None = None) -> Outcome:
    """Run one workflow step on one project: the common path of every state change.

    `args` are the step's own arguments: they go into the commit, so the audit can re-run the step.
    """
    _refuse_dirty(session, project_id)
    before = store.load_project(session.root, project_id)
    after = replay.run(action, before, _context(session, on), args or {})
    return _record(session, action, before, after, on, args=args)


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
    awards.check_quota(session.config, unit, store.iter_unit_projects(session.root, cycle, unit.code), project)
    _refuse_dirty(session, new_id)
    return _record(session, "apply", None, project, on, args={"fields": dict(fields), "id": new_id})


def resubmit(session: Session, project_id: str, fields: Mapping[str, Any],
             on: dt.date | None = None) -> Outcome:
    return step(session, project_id, "apply", {"fields": dict(fields)}, on)


def approve(session: Session, project_id: str, *, opinion: str = "", doc_no: str = "",
            funding: Decimal | None = None, on: dt.date | None = None) -> Outcome:
    return step(session, project_id, "approve", {"opinion": opinion, "doc_no": doc_no, "funding": funding}, on)


def reject(session: Session, project_id: str, *, reason: str, on: dt.date | None = None) -> Outcome:
    return step(session, project_id, "reject", {"reason": reason}, on)


def return_(session: Session, project_id: str, *, reason: str, on: dt.date | None = None) -> Outcome:
    return step(session, project_id, "return", {"reason": reason}, on)


def mid_check(session: Session, project_id: str, *, result: str, opinion: str = "",
              deadline: dt.date | None = None, issues: str = "", on: dt.date | None = None) -> Outcome:
    return step(session, project_id, "mid-check",
                {"result": result, "opinion": opinion, "deadline": deadline, "issues": issues}, on)


def rectified(session: Session, project_id: str, *, note: str = "", on: dt.date | None = None) -> Outcome:
    return step(session, project_id, "rectified", {"note": note}, on)


def close(session: Session, project_id: str, *, report: Mapping[str, str],
          on: dt.date | None = None) -> Outcome:
    return step(session, project_id, "close", {"report": dict(report)}, on)


def score(session: Session, project_id: str, *, reviewer: str, points: Mapping[str, str],
          comment: str = "", on: dt.date | None = None) -> Outcome:
    person = session.config.person(reviewer)
    if person is None:
        raise DjError(f"评审专家“{reviewer}”不在 dj.yaml 的 people 中；请用姓名或邮箱指定已登记的评审专家。")
    return step(session, project_id, "score",
                {"reviewer": person.email, "points": dict(points), "comment": comment}, on)


def accept(session: Session, project_id: str, *, on: dt.date | None = None) -> Outcome:
    return step(session, project_id, "accept", {}, on)


def terminate(session: Session, project_id: str, *, reason: str, on: dt.date | None = None) -> Outcome:
    return step(session, project_id, "terminate", {"reason": reason}, on)


def spend(session: Session, project_id: str, *, amount: Decimal, item: str, receipt: str = "",
          on: dt.date | None = None) -> Outcome:
    return step(session, project_id, "spend", {"amount": amount, "item": item, "receipt": receipt}, on)


def promote(session: Session, project_id: str, *, on: dt.date | None = None) -> Outcome:
    """Create the linked application of the next type in the current cycle (003)."""
    parent = store.load_project(session.root, project_id)
    unit = session.config.unit(parent.unit)
    code = unit.code if unit else project_id.split("-")[1]
    taken = [p.id for p in store.iter_unit_projects(session.root, session.config.cycle, code) if p.parent == parent.id]
    if taken:
        raise DjError(f"项目 {parent.id} 已经升级申报过（{'、'.join(taken)}），不能重复升级。")
    new_id = store.next_id(session.root, session.config.cycle, code)
    child = workflow.promote(parent, _context(session, on), new_id)
    if unit is not None:
        awards.check_quota(session.config, unit, store.iter_unit_projects(session.root, child.cycle, code), child)
    _refuse_dirty(session, new_id)
    return _record(session, "promote", None, child, on, f"由 {parent.id} 升级为{child.type}，申报《{child.title}》",
                   args={"parent": parent.id, "id": new_id})


def _person(config: Config, name: str, what: str) -> Person:
    person = config.person(name)
    if person is None:
        raise DjError(f"{what}“{name}”不在 dj.yaml 的 people 中；请用姓名或邮箱指定已登记的人员。")
    return person


def defense(session: Session, project_id: str, *, judge: str, points: Mapping[str, str],
            comment: str = "", on: dt.date | None = None) -> Outcome:
    person = _person(session.config, judge, "答辩评委")
    return step(session, project_id, "defense",
                {"reviewer": person.email, "points": dict(points), "comment": comment}, on)


def recommend(session: Session, project_id: str, *, on: dt.date | None = None) -> Outcome:
    return step(session, project_id, "recommend", {}, on)


def shortlist(session: Session, project_ids: Sequence[str], *, on: dt.date | None = None) -> list[Outcome]:
    """The department's finalists, all in one commit."""
    ctx = _context(session, on)
    changes = []
    for pid in dict.fromkeys(project_ids):
        _refuse_dirty(session, pid)
        before = store.load_project(session.root, pid)
        changes.append((before, awards.shortlist(before, ctx)))
    return _record_many(session, "shortlist", changes, on, f"确定 {len(changes)} 个项目入围答辩")


_ID_COLUMNS = ("id", "项目编号")
_COMMENT_COLUMNS = ("comment", "评审意见")


def sheet_rows(rows: Sequence[tuple[str, dict[str, str]]], rubric: Rubric) -> list[SheetRow]:
    """Rows of a filled-in sheet: the id, each criterion by its code or its Chinese name, a comment."""
    by_name = {c.name: c.key for c in rubric.criteria}
    out = []
    for where, row in rows:
        pid = next((row[k] for k in _ID_COLUMNS if row.get(k)), "")
        if not pid:
            raise DjError(f"评分表{where}没有项目编号；每行都要有 id（或“项目编号”）列。")
        comment = next((row[k] for k in _COMMENT_COLUMNS if row.get(k)), "")
        points = {by_name.get(k, k): v for k, v in row.items() if k not in _ID_COLUMNS + _COMMENT_COLUMNS}
        out.append(SheetRow(where, pid, points, comment))
    return out


def score_sheet(session: Session, rows: Sequence[SheetRow], *, reviewer: str, defense_round: bool = False,
                on: dt.date | None = None) -> list[Outcome]:
    """One reviewer's sheet for many projects: every row checked first; one bad row, nothing written."""
    person = _person(session.config, reviewer, "答辩评委" if defense_round else "评审专家")
    ctx = _context(session, on)
    changes, problems = [], []
    for row in rows:
        try:
            _refuse_dirty(session, row.project_id)
            before = store.load_project(session.root, row.project_id)
            if defense_round:
                after = awards.defense(before, ctx, judge=person, points=row.points, comment=row.comment)
            else:
                after = workflow.score(before, ctx, reviewer=person, points=row.points, comment=row.comment)
            changes.append((before, after))
        except DjError as e:
            problems.append(f"{row.where}（{row.project_id}）：{e.message}")
    if problems:
        raise DjError(f"评分表有 {len(problems)} 行有误，全部未录入；请改正后重新录入：\n" + "\n".join(problems))
    if not changes:
        raise DjError("评分表中没有任何项目；请检查文件内容。")
    return _record_many(session, "defense" if defense_round else "score", changes, on,
                        f"录入{person.name}对 {len(changes)} 个项目的评分", {"reviewer": person.email})


def award(session: Session, *, cycle: str | None = None, order: Sequence[str] = (), competition: bool = False,
          dry_run: bool = False, on: dt.date | None = None) -> tuple[list[Placing], list[Outcome]]:
    """Rank the cycle, fill the tiers, write every changed award in one commit (unless dry_run)."""
    from dangjian_cli import index

    # only accepted projects and the competition's entries can be ranked: the others are not read
    candidates = index.load(session.root).projects(lambda s: s.status is Status.accepted or s.competing,
                                                   cycle or session.config.cycle)
    projects = list(candidates)
    rank = awards.competition_award if competition else awards.award
    placings, changed = rank(projects, _context(session, on), order)
    if dry_run or not changed:
        return placings, []
    before = {p.id: p for p in projects}
    for p in changed:
        _refuse_dirty(session, p.id)
    winners = sum(1 for pl in placings if pl.award)
    what = session.config.competition.name if competition and session.config.competition else "评比表彰"
    outcomes = _record_many(session, "competition-award" if competition else "award",
                            [(before[p.id], p) for p in changed], on, f"{what}：{winners} 个项目获奖",
                            {"cycle": cycle or session.config.cycle, "order": list(order)})
    return placings, outcomes


def award_list(session: Session, placings: Sequence[Placing], *, cycle: str | None = None,
               competition: bool = False, on: dt.date | None = None) -> Path:
    """表彰名单: the winners as a Word table, through the awards template."""
    from dangjian_cli import render

    year = cycle or session.config.cycle
    contest = session.config.competition if competition else None
    name = contest.name if contest else "党建工作项目评比"
    projects = {pl.project_id: store.load_project(session.root, pl.project_id) for pl in placings if pl.award}
    winners = [{"rank": pl.rank, "award": pl.award, "id": pl.project_id, "title": projects[pl.project_id].title,
                "unit": projects[pl.project_id].unit, "total": str(pl.total)} for pl in placings if pl.award]
    day = on or session.today
    values = render.clean({"org": session.config.org, "cycle": year, "name": name, "winners": winners,
                           "date": render.cn_date(day), "id": f"{year} 年度{name}", "blob": ""})
    target = session.root / render.OUT_DIR / f"{year}-{name}-表彰名单.docx"
    return render.render_template(render.template_path(session.root, "awards"), values, target, day,
                                  session.config.org)


def renumber(session: Session, project_id: str, *, base: str | None = None, force: bool = False,
             on: dt.date | None = None) -> Outcome:
    """Give a project the next free number (free here and, with `base`, on that branch too): one commit.

    It is a real collision when `base` holds a different file at this project's path, one it added
    since the branches split: a file both sides already had is this same project, changed since.
    """
    _refuse_dirty(session, project_id)
    before = store.load_project(session.root, project_id)
    taken: list[str] = []
    collided = False
    if base:
        target = gitrepo.rev_parse(session.root, base)
        folder = f"{store.PROJECTS_DIR}/{before.cycle}"
        theirs = gitrepo.files_at(session.root, target, folder)
        taken = [Path(p).stem for p in theirs]
        path = store.display(store.project_path(session.root, project_id), session.root)
        fork = gitrepo.merge_base(session.root, "HEAD", target)
        collided = (path in theirs and theirs[path] != gitrepo.file_at(session.root, "HEAD", path)
                    and (fork is None or gitrepo.file_at(session.root, fork, path) is None))
    new_id = store.next_id(session.root, before.cycle, project_id.split("-")[1], taken)
    args = {"from": project_id, "id": new_id, "collided": collided, "force": force}
    after = replay.run("renumber", before, _context(session, on), args)
    old_path, new_path = (store.project_path(session.root, i) for i in (project_id, new_id))
    _refuse_dirty(session, new_id)
    old_bytes = old_path.read_bytes()
    store.write_project(session.root, after, was=old_path)  # keeps the user's comments
    old_path.unlink()
    if not session.commit:
        return Outcome(after, new_path, None)
    try:
        sha = _commit(session, "renumber", [(before, after)], on or session.today,
                      f"由 {project_id} 改为 {new_id}" + ("（编号冲突）" if collided else ""), moved_from=[old_path],
                      args=args)
    except BaseException:
        store.atomic_write_bytes(old_path, old_bytes)
        new_path.unlink(missing_ok=True)
        raise
    return Outcome(after, new_path, sha)


# --- setting up a data repository -------------------------------------------------------


def _set_line(text: str, key: str, value: str) -> str:
    """Replace a top-level `key:` line, keeping every comment of the preset."""
    line = f"{key}: {json.dumps(value, ensure_ascii=False)}"
    new, count = re.subn(rf"^{key}:.*$", lambda _: line, text, count=1, flags=re.M)
    return new if count else f"{line}\n{text}"


_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def _shift_calendar(text: str, years: int) -> str:
    """Move the preset's calendar to the chosen cycle: 2025-05-10 becomes 2026-05-10 for cycle 2026."""
    if not years:
        return text

    def shift(m: re.Match[str]) -> str:
        day = min(int(m.group(3)), 28) if m.group(2) == "02" else int(m.group(3))
        return f"{int(m.group(1)) + years:04d}-{m.group(2)}-{day:02d}"

    out, inside = [], False
    for line in text.splitlines(keepends=True):
        if not line.startswith((" ", "#", "\n")):
            inside = line.startswith("calendar:")
        out.append(_DAY.sub(shift, line) if inside and not line.lstrip().startswith("#") else line)
    return "".join(out)


CI_FILES = {"github.yml": ".github/workflows/dj.yml", "gitlab-ci.yml": ".gitlab-ci.yml"}


def _write_ci(target: Path) -> list[Path]:
    """The forge's pull-request check: `dj check --base` against the target branch (kept if present)."""
    from dangjian_cli import __version__

    written = []
    for name, where in CI_FILES.items():
        path = target / where
        if not path.exists():
            text = (resources.files("dangjian_cli") / "ci" / name).read_text("utf-8")
            store.atomic_write(path, text.replace("@VERSION@", __version__))
            written.append(path)
    return written


def _copy_forms(target: Path) -> list[Path]:
    """The default Word templates, for the clerk to edit in templates/ (an edited one is kept)."""
    from dangjian_cli import render

    copied = []
    for form in (*render.FORMS, *render.CYCLE_FORMS):
        path = target / render.TEMPLATES_DIR / f"{form}.docx"
        if not path.exists():
            store.atomic_write_bytes(path, render.template_path(None, form).read_bytes())
            copied.append(path)
    return copied


_FIRST_PERSON = re.compile(r"^(people:\n  - name: )[^\n]*\n(    email: )[^\n]*$", re.M)


def _register_clerk(text: str, clerk: tuple[str, str]) -> str:
    """The person who creates the repository is its first clerk, in place of the preset's placeholder."""
    name, email = (json.dumps(v, ensure_ascii=False) for v in clerk)
    people = store.parse_yaml(text, store.CONFIG_FILE).get("people") or []
    if any(isinstance(p, dict) and str(p.get("email", "")).lower() == clerk[1].lower() for p in people):
        return text
    new, count = _FIRST_PERSON.subn(lambda m: f"{m.group(1)}{name}\n{m.group(2)}{email}", text, count=1)
    if count:
        return new
    entry = f"people:\n  - {{name: {name}, email: {email}, unit: 组织部, roles: [clerk, approver]}}"
    new, count = re.subn(r"^people:[ \t]*(\[\])?[ \t]*$", lambda _: entry, text, count=1, flags=re.M)
    return new if count else f"{text.rstrip()}\n{entry}\n"


def init(target: Path, *, preset: str = "college", org: str | None = None, cycle: str | None = None,
         config_text: str | None = None, today: dt.date | None = None,
         author: tuple[str, str] | None = None, clerk: tuple[str, str] | None = None) -> Path:
    """Create a data repository: dj.yaml from a preset, folders, schemas, git, first commit.

    Its creator (`clerk`, or git's user) is recorded as the first clerk, so that their registration
    of units and people is a legal change in the audit.
    """
    target = target.resolve()  # git runs inside target, so every path handed to it must be absolute
    if config_text is None:
        if preset not in PRESETS:
            raise DjError(f"没有名为“{preset}”的预设；可选：{'、'.join(PRESETS)}。")
        config_text = preset_text(preset)
    if org:
        config_text = _set_line(config_text, "org", org)
    preset_cycle = str(store.parse_yaml(config_text, store.CONFIG_FILE).get("cycle", ""))
    new_cycle = cycle or str((today or dt.date.today()).year)
    config_text = _set_line(config_text, "cycle", new_cycle)
    if preset_cycle.isdigit() and new_cycle.isdigit():
        config_text = _shift_calendar(config_text, int(new_cycle) - int(preset_cycle))
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
    creator = clerk or author or (gitrepo.identity(target) if use_git else None)
    if creator is not None:
        config_text = _register_clerk(config_text, creator)
        store.validate(Config, store.parse_yaml(config_text, store.CONFIG_FILE), store.CONFIG_FILE)
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
    files = [config_path, keep, gitignore, *store.write_schemas(target), *_write_ci(target), *_copy_forms(target)]
    if use_git:
        text = gitrepo.message(f"init: 建立党建项目数据仓库（预设 {preset}）", {"Dj-Action": "init"})
        gitrepo.commit(target, files, text, author=author or clerk)
        gitrepo.write_commit_graph(target)
    return target


def with_actor(session: Session, name: str, when: str | None = None) -> Session:
    """The same session recorded for another registered person (the demo plays them all)."""
    person = session.config.person(name)
    if person is None:
        raise DjError(f"演示数据中的“{name}”不在 dj.yaml 的 people 中。")
    actor = Actor(person.name, person.email, person)
    return replace(session, actor=actor, author=(person.name, person.email), when=when)

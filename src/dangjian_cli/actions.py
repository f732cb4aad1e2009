"""The library behind each command: load → workflow step → one transaction (steps.py).

The CLI and the demo both call these; every argument maps to a command-line option.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from dangjian_cli import atomic, awards, correction, gitrepo, recovery, replay, steps, store, validation, workflow
from dangjian_cli.config import Config, Person, Rubric
from dangjian_cli.errors import DjError
from dangjian_cli.model import Project, Status
from dangjian_cli.scoring import Placing
from dangjian_cli.session import Session
from dangjian_cli.steps import Outcome
from dangjian_cli.transitions import TRANSITIONS


@dataclass(frozen=True)
class SheetRow:
    """One project's line in a reviewer's score sheet file."""

    where: str  # “第 3 行”
    project_id: str
    points: dict[str, str]
    comment: str = ""


# --- one function per command ---------------------------------------------------------


def _step(session: Session, project_id: str, action: str, args: Mapping[str, Any] | None = None,
          on: dt.date | None = None) -> Outcome:
    """steps.step, where retrying is harmless: a step that would leave the record as it is makes no commit.

    The rule decides it, not git: the step re-run on the record gives the record itself (the same score
    sheet again), or the record is already what this step, re-run on the version before the last commit,
    writes (dj was run twice, or the first run died after its commit), or the file holds exactly what the
    step writes on the committed version (dj died between writing it and committing): then it is committed.
    """
    args = args or {}
    ctx = steps.context(session, on)
    before = None
    if steps.is_dirty(session, project_id):  # a hand edit, or what a run that died left uncommitted
        before = recovery.interrupted(session.root, project_id, action, ctx, args)
        if before is None:
            raise steps.dirty_refusal(session, project_id)
    if before is None:
        before = store.load_project(session.root, project_id)
        try:
            after = replay.run(action, before, ctx, args)
        except DjError:
            if session.commit and (sha := recovery.already_done(session.root, before, action, ctx, args)):
                return Outcome(before, store.project_path(session.root, project_id), None, unchanged=(
                    f"这一步已经办理过（提交 {sha[:7]}），记录与这次办理的结果完全相同，无需修改。"))
            raise
        if after == before:
            return Outcome(before, store.project_path(session.root, project_id), None,
                               unchanged=TRANSITIONS[action].same)
        if TRANSITIONS[action].appends and session.commit and recovery.repeats_last(before, after, action) and (
                sha := recovery.already_done(session.root, before, action, ctx, args)):
            return Outcome(before, store.project_path(session.root, project_id), None, unchanged=(
                f"这一笔已经登记过（提交 {sha[:7]}，日期、金额、用途、票据号都相同），没有重复登记；"
                f"如确是另一笔相同的支出，请用 --receipt 写上它自己的票据号再登记。"))
    else:
        after = replay.run(action, before, ctx, args)
    warning = recovery.date_warning(session.root, before, action, ctx) if on is None and session.commit else ""
    outcome = steps.record(session, action, before, after, on, args=args)
    return Outcome(outcome.project, outcome.path, outcome.commit, outcome.forms, warning=warning)


def apply_new(session: Session, fields: Mapping[str, Any], on: dt.date | None = None) -> Outcome:
    ctx = steps.context(session, on)
    # keys in Chinese or misspelt, and every field left out, before any of them is looked up
    if handed := validation.handed_in(Project, fields, workflow.APPLICATION_FIELDS, complete=True):
        raise DjError(f"申报内容不完整或有误：{'，'.join(handed)}；请补全后再申报。")
    unit = session.config.find_unit(str(fields.get("unit") or "").strip())
    if unit is None:
        names = "、".join(f"{u.name}（{u.code}）" for u in session.config.units) or "（尚未配置）"
        raise DjError(f"单位“{fields.get('unit') or ''}”不在 dj.yaml 的 units 中；请用 --unit 写单位名称或代码，"
                      f"可选：{names}。")
    fields = {**fields, "unit": unit.name}  # the record holds the name, whichever the clerk typed
    cycle = session.config.cycle
    new_id = store.next_id(session.root, cycle, unit.code)
    project = workflow.apply(fields, ctx, new_id)
    awards.check_quota(session.config, unit, store.iter_unit_projects(session.root, cycle, unit.code), project)
    steps.refuse_dirty(session, new_id)
    return steps.record(session, "apply", None, project, on, args={"fields": dict(fields), "id": new_id})


def resubmit(session: Session, project_id: str, fields: Mapping[str, Any],
             on: dt.date | None = None) -> Outcome:
    return _step(session, project_id, "apply", {"fields": dict(fields)}, on)


def approve(session: Session, project_id: str, *, opinion: str = "", doc_no: str = "",
            funding: Decimal | None = None, on: dt.date | None = None) -> Outcome:
    return _step(session, project_id, "approve", {"opinion": opinion, "doc_no": doc_no, "funding": funding}, on)


def reject(session: Session, project_id: str, *, reason: str, on: dt.date | None = None) -> Outcome:
    return _step(session, project_id, "reject", {"reason": reason}, on)


def return_(session: Session, project_id: str, *, reason: str, on: dt.date | None = None) -> Outcome:
    return _step(session, project_id, "return", {"reason": reason}, on)


def mid_check(session: Session, project_id: str, *, result: str, opinion: str = "",
              deadline: dt.date | None = None, issues: str = "", on: dt.date | None = None) -> Outcome:
    return _step(session, project_id, "mid-check",
                      {"result": result, "opinion": opinion, "deadline": deadline, "issues": issues}, on)


def rectified(session: Session, project_id: str, *, note: str = "", on: dt.date | None = None) -> Outcome:
    return _step(session, project_id, "rectified", {"note": note}, on)


def close(session: Session, project_id: str, *, report: Mapping[str, str],
          on: dt.date | None = None) -> Outcome:
    return _step(session, project_id, "close", {"report": dict(report)}, on)


def score(session: Session, project_id: str, *, reviewer: str, points: Mapping[str, str],
          comment: str = "", replace: bool = False, on: dt.date | None = None) -> Outcome:
    person = session.config.person(reviewer)
    if person is None:
        raise DjError(f"评审专家“{reviewer}”不在 dj.yaml 的 people 中；请用姓名或邮箱指定已登记的评审专家。")
    return _step(session, project_id, "score", {"reviewer": person.email, "points": dict(points),
                                                 "comment": comment, "replace": replace or None}, on)


def accept(session: Session, project_id: str, *, on: dt.date | None = None) -> Outcome:
    return _step(session, project_id, "accept", {}, on)


def terminate(session: Session, project_id: str, *, reason: str, on: dt.date | None = None) -> Outcome:
    return _step(session, project_id, "terminate", {"reason": reason}, on)


def spend(session: Session, project_id: str, *, amount: Decimal, item: str, receipt: str = "",
          on: dt.date | None = None) -> Outcome:
    return _step(session, project_id, "spend", {"amount": amount, "item": item, "receipt": receipt}, on)


def promote(session: Session, project_id: str, *, on: dt.date | None = None) -> Outcome:
    """Create the linked application of the next type in the current cycle (003)."""
    parent = store.load_project(session.root, project_id)
    unit = session.config.unit(parent.unit)
    code = unit.code if unit else project_id.split("-")[1]
    taken = store.promotions(session.root, workflow.promotion_cycles(parent, session.config.cycle), code, parent.id)
    if taken:
        raise DjError(f"项目 {parent.id} 已经升级申报过（{'、'.join(taken)}），不能重复升级。")
    new_id = store.next_id(session.root, workflow.promoted_cycle(parent, session.config.cycle), code)
    child = workflow.promote(parent, steps.context(session, on), new_id)
    if unit is not None:
        awards.check_quota(session.config, unit, store.iter_unit_projects(session.root, child.cycle, code), child)
    steps.refuse_dirty(session, new_id)
    return steps.record(session, "promote", None, child, on,
                        f"由 {parent.id} 升级为{child.type}，申报《{child.title}》",
                        args={"parent": parent.id, "id": new_id})


def _person(config: Config, name: str, what: str) -> Person:
    person = config.person(name)
    if person is None:
        raise DjError(f"{what}“{name}”不在 dj.yaml 的 people 中；请用姓名或邮箱指定已登记的人员。")
    return person


def defense(session: Session, project_id: str, *, judge: str, points: Mapping[str, str],
            comment: str = "", replace: bool = False, on: dt.date | None = None) -> Outcome:
    person = _person(session.config, judge, "答辩评委")
    return _step(session, project_id, "defense", {"reviewer": person.email, "points": dict(points),
                                                   "comment": comment, "replace": replace or None}, on)


def correct(session: Session, project_id: str, *, to: dt.date | None, reason: str) -> Outcome:
    """更正日期: one commit of its own, dated today, the reason in it; the audit re-runs it like any step."""
    steps.refuse_dirty(session, project_id)
    before = store.load_project(session.root, project_id)
    args = {"to": to, "reason": reason}
    after = replay.run("correct", before, steps.context(session, None), args)
    old = workflow.last_step_date(before)
    parts = "、".join(correction.corrected_parts(before, after))
    return steps.record(session, "correct", before, after, None,
                        f"更正{parts}的日期：{old} 改为 {to}（{reason.strip()}）", args=args)


def recommend(session: Session, project_id: str, *, on: dt.date | None = None) -> Outcome:
    return _step(session, project_id, "recommend", {}, on)


def shortlist(session: Session, project_ids: Sequence[str], *, on: dt.date | None = None) -> list[Outcome]:
    """The department's finalists, all in one commit."""
    ctx = steps.context(session, on)
    changes = []
    for pid in dict.fromkeys(project_ids):
        steps.refuse_dirty(session, pid)
        before = store.load_project(session.root, pid)
        changes.append((before, awards.shortlist(before, ctx)))
    return steps.record_many(session, "shortlist", changes, on, f"确定 {len(changes)} 个项目入围答辩")


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
                replace: bool = False, on: dt.date | None = None) -> list[Outcome]:
    """One reviewer's sheet for many projects: every row checked first; one bad row, nothing written."""
    person = _person(session.config, reviewer, "答辩评委" if defense_round else "评审专家")
    action = "defense" if defense_round else "score"
    ctx = steps.context(session, on)
    changes, problems = [], []
    for row in rows:
        try:
            steps.refuse_dirty(session, row.project_id)
            before = store.load_project(session.root, row.project_id)
            args = {"reviewer": person.email, "points": row.points, "comment": row.comment, "replace": replace}
            changes.append((before, replay.run(action, before, ctx, args)))
        except DjError as e:
            problems.append(f"{row.where}（{row.project_id}）：{e.message}")
    if problems:
        raise DjError(f"评分表有 {len(problems)} 行有误，全部未录入；请改正后重新录入：\n" + "\n".join(problems))
    if not rows:
        raise DjError("评分表中没有任何项目；请检查文件内容。")
    same = [before for before, after in changes if after == before]
    changed = [(before, after) for before, after in changes if after != before]
    kept: list[Outcome] = [Outcome(b, store.project_path(session.root, b.id), None,
                                       unchanged=TRANSITIONS[action].same) for b in same]
    if not changed:
        return kept
    recorded = steps.record_many(session, action, changed, on, f"录入{person.name}对 {len(changed)} 个项目的评分",
                                 {"reviewer": person.email, "replace": replace or None})
    return [*recorded, *kept]


def award(session: Session, *, cycle: str | None = None, order: Sequence[str] = (), competition: bool = False,
          dry_run: bool = False, on: dt.date | None = None) -> tuple[list[Placing], list[Outcome]]:
    """Rank the cycle, fill the tiers, write every changed award in one commit (unless dry_run)."""
    from dangjian_cli import checks

    # only accepted projects and the competition's entries can be ranked: the others are not read
    found = checks.repository_index(session.root, session.config)
    projects = list(found.projects(lambda s: s.status is Status.accepted or s.competing, cycle or session.config.cycle))
    rank = awards.competition_award if competition else awards.award
    placings, changed = rank(projects, steps.context(session, on), order)
    if dry_run or not changed:
        return placings, []
    before = {p.id: p for p in projects}
    for p in changed:
        steps.refuse_dirty(session, p.id)
    winners = sum(1 for pl in placings if pl.award)
    what = session.config.competition.name if competition and session.config.competition else "评比表彰"
    outcomes = steps.record_many(session, "competition-award" if competition else "award",
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
    steps.refuse_dirty(session, project_id)
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
    after = replay.run("renumber", before, steps.context(session, on), args)
    old_path, new_path = (store.project_path(session.root, i) for i in (project_id, new_id))
    steps.refuse_dirty(session, new_id)
    old_bytes = old_path.read_bytes()
    store.write_project(session.root, after, was=old_path)  # keeps the user's comments
    old_path.unlink()
    if not session.commit:
        return Outcome(after, new_path, None)
    try:
        sha = steps.commit(session, "renumber", [(before, after)], on or session.today,
                           f"由 {project_id} 改为 {new_id}" + ("（编号冲突）" if collided else ""),
                           moved_from=[old_path], args=args)
    except BaseException:
        atomic.write_bytes(old_path, old_bytes)
        new_path.unlink(missing_ok=True)
        raise
    return Outcome(after, new_path, sha)


# --- setting up a data repository -------------------------------------------------------

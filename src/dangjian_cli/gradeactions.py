"""The grading steps as a session runs them (seed 004): read the records, run the pure step, one commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dangjian_cli import grading, replay, steps, store
from dangjian_cli.branchmodel import Branch
from dangjian_cli.errors import DjError
from dangjian_cli.gradeconfig import grade_label
from dangjian_cli.kinds import BRANCH
from dangjian_cli.session import Session
from dangjian_cli.transitions import BRANCH_TRANSITIONS


@dataclass(frozen=True)
class BranchOutcome:
    """What a grading step left behind: the new record, its file, the commit and the forms."""

    branch: Branch
    path: Path
    commit: str | None
    forms: tuple[Path, ...] = ()  # the step's forms, in out/<id>/
    unchanged: str = ""  # the record already holds what the step writes: no commit, and why


def peers(root: Path, round_: str) -> grading.Peers:
    """The round's records and the round before's, as they are on disk."""
    before = str(int(round_) - 1)
    return grading.Peers(store.iter_branches(root, round_), store.iter_branches(root, before))


def summary(action: str, after: Branch) -> str:
    """The commit's subject after the id: what the step did, in a few words."""
    d, label = after.decision, BRANCH_TRANSITIONS[action].label
    if action == "survey":
        return f"调查摸底《{after.name}》（{after.unit}）"
    if action == "self-assess" and after.self_assessment:
        return f"自评 {after.self_assessment.total} 分"
    if action == "unit-review" and after.unit_review:
        return f"初评 {after.unit_review.total} 分，建议 {after.unit_review.proposed} 级"
    if action == "decide" and d:
        return f"考评定级：最终得分 {d.final} 分，定为{grade_label(d.grade)}"
    if action == "rectify" and after.rectifications:
        return f"下发整改事项 {len(after.rectifications[-1].items)} 项，限 {after.rectifications[-1].deadline} 前完成"
    return label


def _record(session: Session, action: str, before: Branch | None, after: Branch, on: dt.date | None,
            args: Mapping[str, Any]) -> BranchOutcome:
    paths, sha, forms = steps.transact(session, BRANCH, action, [(before, after)], on, summary(action, after), args)
    return BranchOutcome(after, paths[0], sha, forms.get(after.id, ()))


def survey(session: Session, fields: Mapping[str, Any], *, last_grade: str | None = None,
           on: dt.date | None = None) -> BranchOutcome:
    """调查摸底: a new record with the next free number of its unit in the round."""
    g = grading.rules(session.config)
    unit = session.config.unit(str(fields.get("unit", "")))
    if unit is None:
        names = "、".join(u.name for u in session.config.units) or "（dj.yaml 中尚未配置单位）"
        raise DjError(f"单位“{fields.get('unit', '')}”不在 dj.yaml 的 units 中；请用 --unit 填写其中之一：{names}。")
    new_id = store.next_branch_id(session.root, g.round, unit.code)
    steps.refuse_dirty(session, new_id, BRANCH)
    args = {"fields": dict(fields), "id": new_id, "last_grade": last_grade}
    after = replay.run_branch("survey", None, steps.context(session, on), args, peers(session.root, g.round))
    return _record(session, "survey", None, after, on, args)


def step(session: Session, branch_id: str, action: str, args: Mapping[str, Any],
         on: dt.date | None = None) -> BranchOutcome:
    """Any grading step after the survey on one branch's record."""
    steps.refuse_dirty(session, branch_id, BRANCH)
    before = store.load_branch(session.root, branch_id)
    around = peers(session.root, before.round) if action == "decide" else grading.Peers()
    after = replay.run_branch(action, before, steps.context(session, on), args, around)
    if after == before:  # retrying is harmless: nothing to change, nothing to commit
        return BranchOutcome(before, store.branch_path(session.root, branch_id), None,
                             unchanged=BRANCH_TRANSITIONS[action].same)
    return _record(session, action, before, after, on, args)

"""更正日期: the clerk's legal way out of a wrong date on the last step (a forgotten --date recorded today).

A pure step like the others: it changes the dates the last step wrote, nothing else, and only to a date
that step could have had; the audit re-runs it from its commit as it re-runs every step.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dangjian_cli.context import Context, add_months
from dangjian_cli.errors import DjError
from dangjian_cli.model import Project, required
from dangjian_cli.workflow import begin, last_step_date, stage_start, update

# The fields where the lifecycle's steps write their dates. Spending, the competition, milestones and the
# period keep dates of their own: a correction never touches them.
_STEPS_WRITE = ("applied", "approval", "rejection", "returns", "mid_checks", "rectifications", "closing_report",
                "scores", "result", "termination", "past_stages")
_DATE_KEYS = frozenset({"applied", "date", "issued", "done"})
_LABELS = {"applied": "申报", "approval": "立项", "rejection": "不予立项", "returns": "退回修改",
           "mid_checks": "中期检查", "rectifications": "整改", "closing_report": "结题", "scores": "验收评分",
           "result": "验收", "past_stages": "阶段验收", "termination": "终止"}


def _moved(value: Any, key: str, old: dt.date, new: dt.date) -> Any:
    """`value` with every step date equal to `old` set to `new` (in nested parts and lists too)."""
    if isinstance(value, dict):
        return {k: _moved(v, k, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_moved(v, key, old, new) for v in value]
    return new if key in _DATE_KEYS and value == old else value


def corrected_parts(project: Project, new: Project) -> list[str]:
    """The Chinese names of the steps whose dates a correction changed."""
    was, now = project.model_dump(), new.model_dump()
    return [_LABELS[k] for k in _STEPS_WRITE if was[k] != now[k]]


def correct(project: Project, ctx: Context, *, to: dt.date | None, reason: str) -> Project:
    """The last step's date (every date it wrote) becomes `to`; the order of the steps and their rules still hold."""
    begin(project, "correct", ctx)
    required(reason, "更正的理由（--reason）", "更正日期")
    old = last_step_date(project)
    if old is None:
        raise DjError(f"项目 {project.id} 还没有办理过任何步骤，没有日期可以更正。")
    if to is None:
        raise DjError(f"请用 --date 写出项目 {project.id} 上一步（{old}）实际办理的日期。")
    if to == old:
        raise DjError(f"项目 {project.id} 上一步的日期已是 {old}，无需更正；请检查 --date。")
    if to > ctx.today:
        raise DjError(f"更正后的日期 {to} 晚于今天（{ctx.today}）；请用 --date 填写实际办理日期。")
    data = project.model_dump()
    after = update(project, **{k: _moved(data[k], k, old, to) for k in _STEPS_WRITE})
    if (last := last_step_date(after)) != to:
        raise DjError(f"更正后的日期 {to} 早于该项目再前一步的日期 {last}，步骤的先后不能颠倒；请检查 --date。")
    _still_legal(project, after, ctx, to)
    return after


def _still_legal(project: Project, after: Project, ctx: Context, to: dt.date) -> None:
    """The rules a step checks against its own date hold for the corrected date as well."""
    if after.approval and project.approval != after.approval:
        early = [s for s in after.spending if s.date < to]
        if early:
            raise DjError(f"已有 {early[0].date} 的经费支出，立项日期不能改到它之后（{to}）；请检查 --date。")
    kind = ctx.config.project_type(after.type)
    start = stage_start(after)
    closed_anew = after.closing_report is not None and project.closing_report != after.closing_report
    # 003: innovation and demonstration projects run at least a year before they close
    if closed_anew and kind and kind.min_months and start and to < (earliest := add_months(start, kind.min_months)):
            raise DjError(f"{after.type}项目至少要实施 {kind.min_months} 个月才能结题（自 {start} 起），"
                          f"结题日期不能早于 {earliest}；请检查 --date。")
    for r in after.rectifications:
        if r.issued >= r.deadline:
            raise DjError(f"整改通知的下发日期不能改到整改期限 {r.deadline} 当天或之后（{to}）；请检查 --date。")

"""What is late and what falls due soon: the cycle's calendar against each project and unit. Pure."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from dangjian_cli.awards import counts_for
from dangjian_cli.branchmodel import Branch, BranchStatus
from dangjian_cli.config import Config
from dangjian_cli.model import Status
from dangjian_cli.summary import Summary

HORIZON = dt.timedelta(days=30)


@dataclass(frozen=True)
class Due:
    date: dt.date
    unit: str
    project: str  # '' for a unit's own task (its quota, its recommendations)
    task: str

    def days_left(self, today: dt.date) -> int:
        return (self.date - today).days


# Which calendar date a project waits on in each status, and what it waits for.
_NEXT: dict[Status, tuple[str, str]] = {
    Status.draft: ("apply_by", "修改后重新申报"),
    Status.applied: ("review_by", "评审立项"),
    Status.approved: ("midcheck_by", "中期检查"),
    Status.midchecked: ("close_by", "结题"),
    Status.closed: ("accept_by", "验收"),
}


def _gist(text: str, width: int = 24) -> str:
    """The first clause of a notice, short enough for a table cell."""
    first = re.split(r"[。；;\n]", text.strip(), maxsplit=1)[0]
    return first if len(first) <= width else first[: width - 1] + "…"


def _project_tasks(project: Summary, config: Config) -> list[Due]:
    if project.rectify_by is not None:
        return [Due(project.rectify_by, project.unit, project.id, f"整改（{_gist(project.rectify_issues)}）")]
    if project.cycle != config.cycle or project.status not in _NEXT:
        return []  # the calendar holds this cycle's dates only
    if project.status is Status.approved and project.mid_checked:
        return []
    key, task = _NEXT[project.status]
    day: dt.date | None = getattr(config.calendar, key)
    return [Due(day, project.unit, project.id, task)] if day else []


def _unit_tasks(projects: Sequence[Summary], config: Config) -> list[Due]:
    out = []
    mine = [p for p in projects if p.cycle == config.cycle]
    for unit in config.units:
        quota = config.quota(unit.kind)
        if quota and quota.min and config.calendar.apply_by:
            have = sum(1 for p in mine if p.unit == unit.name and counts_for(quota, p))
            if have < quota.min:
                out.append(Due(config.calendar.apply_by, unit.name, "",
                               f"申报项目：已有 {have} 个，至少应有 {quota.min} 个"))
        contest = config.competition
        if contest and config.calendar.recommend_by and (least := contest.recommend_min(unit.kind)):
            have = sum(1 for p in mine if p.unit == unit.name and p.competing)
            if have < least:
                out.append(Due(config.calendar.recommend_by, unit.name, "",
                               f"推荐参加{contest.name}评比：已推荐 {have} 项，至少应推荐 {least} 项"))
    return out


def branch_tasks(branches: Sequence[Branch], config: Config) -> list[Due]:
    """Grading (004): open rectifications by their deadlines, and the round's calendar for what is not done."""
    g = config.grading
    if g is None:
        return []
    out = [Due(r.deadline, b.unit, b.id, f"党支部整改（{_gist('；'.join(r.items))}）")
           for b in branches if (r := b.open_rectification) is not None]
    mine = [b for b in branches if b.round == g.round]
    cal = g.calendar
    if cal.survey_by and mine:  # once the round has begun, every branch of dj.yaml's units is graded (004)
        done = {(b.unit, b.name) for b in mine}
        out += [Due(cal.survey_by, u.name, "", f"调查摸底（{name}）")
                for u in config.units for name in u.branches if (u.name, name) not in done]
    if cal.grading_by:
        out += [Due(cal.grading_by, b.unit, b.id, f"分类定级（{b.status.label}）")
                for b in mine if b.status in (BranchStatus.surveyed, BranchStatus.assessed, BranchStatus.reviewed)]
    issue_by = cal.report_by or cal.grading_by
    if issue_by:
        out += [Due(issue_by, b.unit, b.id, f"下发整改事项（{b.grade} 级党支部须对标整改）")
                for b in mine if b.decision is not None and b.grade in g.rectify_grades and not b.rectifications]
    if cal.report_by:
        # The unit's 分类定级汇总表 and 整改汇总表 (附表4, 附表5) cannot be complete while anything above is open.
        waiting = sorted({t.unit for t in out if t.project and t.date <= cal.report_by})
        out += [Due(cal.report_by, name, "", "报送分类定级汇总表和整改汇总表（附表4、附表5）") for name in waiting]
    return out


def due(projects: Sequence[Summary], config: Config, today: dt.date, unit: str | None = None,
        branches: Sequence[Branch] = ()) -> list[Due]:
    """Everything overdue, and everything due within the next 30 days, earliest first."""
    tasks = [t for p in projects for t in _project_tasks(p, config)] + _unit_tasks(projects, config)
    tasks += branch_tasks(branches, config)
    if config.awards and config.calendar.award_by:
        accepted = [p for p in projects if p.cycle == config.cycle and p.status is Status.accepted]
        if accepted and not any(p.award for p in accepted):
            tasks.append(Due(config.calendar.award_by, "", "", f"评比表彰（{len(accepted)} 个已验收项目）"))
    return sorted((t for t in tasks if t.date <= today + HORIZON and (unit is None or t.unit == unit)),
                  key=lambda t: (t.date, t.unit, t.project))

"""The life of a project as pure functions: (record, context, details) → new record.

No files, no git, no clock: the caller passes the date the step happened and today.
Every refusal is a DjError saying what is wrong and what is possible now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from dangjian_cli import scoring
from dangjian_cli.config import ROLE_LABELS, Config, Person, Role
from dangjian_cli.context import Context, add_months
from dangjian_cli.errors import DjError
from dangjian_cli.model import (
    ClosingReport,
    Decision,
    MidCheck,
    Project,
    Rectification,
    Result,
    Spending,
    StageRecord,
    Status,
    explain,
    required,
    revised,
)
from dangjian_cli.scoresheet import put_sheet, same_sheet, score_sheet
from dangjian_cli.transitions import TRANSITIONS, Transition, possible

S = Status
__all__ = ["TRANSITIONS", "Transition", "possible", "put_sheet", "same_sheet", "score_sheet"]


def _status_label(status: Status | None) -> str:
    return "尚未申报" if status is None else status.label


def begin(project: Project | None, action: str, ctx: Context) -> Transition:
    """Guards every step shares: state, role, and a believable date."""
    t = TRANSITIONS[action]
    status = project.status if project is not None else None
    if status not in t.sources:
        name = f"项目 {project.id} " if project is not None else "该项目"
        now = "、".join(f"{n.label}（{n.command}）" for n in possible(project)) if project else "申报（dj apply）"
        hint = f"现在可以：{now}" if now else "该项目已办结，不能再办理任何步骤"
        raise DjError(f"{name}当前状态为“{_status_label(status)}”，不能{t.label}；{hint}。")
    if t.roles and not ctx.actor.has(t.roles):
        needed = "或".join(ROLE_LABELS[r] for r in sorted(t.roles))
        raise DjError(
            f"{ctx.actor.name} 在 dj.yaml 的 people 中没有{needed}角色，不能{t.label}；"
            f"请由具备该角色的人办理，或请组织部干事在 dj.yaml 中为其添加角色。"
        )
    if project is not None:
        acts_for_unit(project, ctx, t)
    if ctx.on > ctx.today:
        raise DjError(f"日期 {ctx.on} 晚于今天（{ctx.today}），不能{t.label}；请用 --date 填写实际办理日期。")
    if t.in_order and project is not None and (last := last_step_date(project)) and ctx.on < last:
        raise DjError(f"日期 {ctx.on} 早于该项目上一步的日期 {last}，不能{t.label}；请检查 --date。")
    return t


def acts_for_unit(project: Project, ctx: Context, t: Transition) -> None:
    """An applicant acts for their own unit only (and their own branches, when dj.yaml lists them)."""
    person = ctx.actor.person
    if person is None or Role.applicant not in t.roles or ctx.actor.has(t.roles - {Role.applicant}):
        return
    if person.unit != project.unit or (person.branches and project.branch not in person.branches):
        where = f"{person.unit}的" if person.unit else ""
        raise DjError(
            f"{ctx.actor.name} 是{where}申报人，不能为{project.unit}（{project.branch}）的项目办理{t.label}；"
            f"请由该单位的申报人或组织部干事办理。"
        )


def last_step_date(project: Project) -> dt.date | None:
    dates: list[dt.date] = [d for d in (project.applied,) if d]
    for part in (project.approval, project.rejection, project.closing_report, project.result,
                 project.termination):
        if part is not None:
            dates.append(part.date)
    dates += [r.date for r in project.returns] + [m.date for m in project.mid_checks]
    dates += [s.date for s in project.scores] + [s.result.date for s in project.past_stages]
    for r in project.rectifications:
        dates += [r.issued] + ([r.done] if r.done else [])
    return max(dates, default=None)


def update(project: Project, **changes: Any) -> Project:
    return revised(project, f"项目 {project.id} ", changes)


# --- apply ---------------------------------------------------------------------------

APPLICATION_FIELDS = (
    "title", "unit", "branch", "leader", "secretary", "responsible", "category", "type",
    "stages", "period", "background", "plan", "goals", "measures", "milestones", "budget",
    "parent",
)


def apply(fields: Mapping[str, Any], ctx: Context, new_id: str) -> Project:
    """申报: a new application becomes a project with an id and status `applied`."""
    begin(None, "apply", ctx)
    unknown = sorted(set(fields) - set(APPLICATION_FIELDS))
    if unknown:
        raise DjError(f"申报内容中有不认识的字段：{'、'.join(unknown)}；申报只能填写 {', '.join(APPLICATION_FIELDS)}。")
    data = {k: v for k, v in fields.items() if v is not None}
    data.update(id=new_id, cycle=new_id[:4], status=S.applied, applied=ctx.on,
                applicant=ctx.actor.name)
    try:
        project = Project.model_validate(data)
    except ValidationError as e:
        problems = explain(e)
        raise DjError(f"申报内容不完整或有误：{problems[0]}（共 {len(problems)} 处）；请补全后再申报。") from None
    _check_references(project, ctx.config)
    acts_for_unit(project, ctx, TRANSITIONS["apply"])
    return project


def resubmit(project: Project, fields: Mapping[str, Any], ctx: Context) -> Project:
    """申报 again after a return: the revised fields, status back to `applied`."""
    begin(project, "apply", ctx)
    unknown = sorted(set(fields) - set(APPLICATION_FIELDS))
    if unknown:
        raise DjError(f"申报内容中有不认识的字段：{'、'.join(unknown)}；申报只能填写 {', '.join(APPLICATION_FIELDS)}。")
    revised = update(project, **{k: v for k, v in fields.items() if v is not None},
                      status=S.applied, applied=ctx.on, applicant=ctx.actor.name)
    _check_references(revised, ctx.config)
    return revised


def _check_references(project: Project, config: Config) -> None:
    problems = reference_problems(project, config)
    if problems:
        raise DjError(f"{problems[0]}。")


def reference_problems(project: Project, config: Config) -> list[str]:
    """What in the record names something dj.yaml does not know (unit, branch, category, type)."""
    problems = []
    unit = config.unit(project.unit)
    if unit is None:
        names = "、".join(u.name for u in config.units) or "（dj.yaml 中尚未配置单位）"
        problems.append(f"字段 unit：单位“{project.unit}”不在 dj.yaml 的 units 中；可选：{names}")
    elif project.branch not in unit.branches:
        problems.append(f"字段 branch：党支部“{project.branch}”不属于{unit.name}；可选：{'、'.join(unit.branches)}")
    if project.category not in config.categories:
        problems.append(f"字段 category：项目类别“{project.category}”不在 dj.yaml 的 categories 中；"
                        f"可选：{'、'.join(config.categories)}")
    if config.project_type(project.type) is None:
        names = "、".join(t.name for t in config.types)
        problems.append(f"字段 type：项目类型“{project.type}”不在 dj.yaml 的 types 中；可选：{names}")
    if project.period.end < project.period.start:
        problems.append(f"字段 period：结束日期 {project.period.end} 早于开始日期 {project.period.start}")
    return problems


# --- review --------------------------------------------------------------------------


def approve(project: Project, ctx: Context, *, opinion: str = "", doc_no: str = "",
            funding: Decimal | None = None) -> Project:
    """立项: funding defaults to the standard amount (001: 1000 元)."""
    begin(project, "approve", ctx)
    amount = ctx.config.funding.standard if funding is None else funding
    approval = {"date": ctx.on, "by": ctx.actor.name, "opinion": opinion.strip(), "funding": amount,
                "doc_no": doc_no.strip()}
    return update(project, status=S.approved, approval=approval)


def reject(project: Project, ctx: Context, *, reason: str) -> Project:
    begin(project, "reject", ctx)
    why = required(reason, "不予立项的理由（--reason）", "不予立项")
    return update(project, status=S.rejected,
                   rejection=Decision(date=ctx.on, by=ctx.actor.name, reason=why))


def return_(project: Project, ctx: Context, *, reason: str) -> Project:
    begin(project, "return", ctx)
    why = required(reason, "退回修改的理由（--reason）", "退回修改")
    returned = Decision(date=ctx.on, by=ctx.actor.name, reason=why)
    return update(project, status=S.draft, returns=[*project.returns, returned])


# --- implementation ------------------------------------------------------------------


def mid_check(project: Project, ctx: Context, *, result: str, opinion: str = "",
              deadline: dt.date | None = None, issues: str = "") -> Project:
    """中期检查: pass, or a rectification notice with a deadline (001, 003)."""
    begin(project, "mid-check", ctx)
    if result not in ("pass", "rectify"):
        raise DjError(f"检查结论“{result}”无效；--result 只能是 pass（通过）或 rectify（限期整改）。")
    check = MidCheck(stage=project.stage, date=ctx.on, by=ctx.actor.name, result=result, opinion=opinion.strip())
    changes: dict[str, Any] = {"mid_checks": [*project.mid_checks, check]}
    rectifications = list(project.rectifications)
    if result == "pass":
        # Passing a re-check settles any rectification still open.
        rectifications = [r.model_copy(update={"done": ctx.on}) if r.done is None else r
                          for r in rectifications]
        changes.update(status=S.midchecked, rectifications=rectifications)
    else:
        if deadline is None:
            raise DjError("限期整改需要整改期限；请加上 --deadline YYYY-MM-DD。")
        if deadline <= ctx.on:
            raise DjError(f"整改期限 {deadline} 应晚于检查日期 {ctx.on}；请改正 --deadline。")
        text = required(issues or opinion, "存在的问题（--issues）", "限期整改")
        notice = Rectification(stage=project.stage, issued=ctx.on, deadline=deadline, issues=text)
        rectifications = [r.model_copy(update={"done": ctx.on}) if r.done is None else r
                          for r in rectifications]
        changes.update(status=S.rectifying, rectifications=[*rectifications, notice])
    return update(project, **changes)


def rectified(project: Project, ctx: Context, *, note: str = "") -> Project:
    begin(project, "rectified", ctx)
    rectifications = [
        r.model_copy(update={"done": ctx.on, "note": note.strip()}) if r.done is None else r
        for r in project.rectifications
    ]
    return update(project, status=S.midchecked, rectifications=rectifications)


def stage_start(project: Project) -> dt.date | None:
    if project.past_stages:
        return project.past_stages[-1].result.date
    return project.approval.date if project.approval else None


def close(project: Project, ctx: Context, *, report: Mapping[str, str]) -> Project:
    """结题: only after the type's minimum months (003: innovation projects run a year first)."""
    begin(project, "close", ctx)
    kind = ctx.config.project_type(project.type)
    start = stage_start(project)
    if kind is not None and kind.min_months and start is not None:
        earliest = add_months(start, kind.min_months)
        if ctx.on < earliest:
            raise DjError(
                f"{project.type}项目至少要实施 {kind.min_months} 个月才能结题（自 {start} 起），"
                f"最早可在 {earliest} 结题；请到期后再办理。"
            )
    closing = ClosingReport(date=ctx.on, **report)
    return update(project, status=S.closed, closing_report=closing)


# --- acceptance ----------------------------------------------------------------------


def score(project: Project, ctx: Context, *, reviewer: Person, points: Mapping[str, str],
          comment: str = "", replace: bool = False) -> Project:
    """验收评分: one reviewer's sheet; the same sheet again changes nothing, another replaces it only with `replace`."""
    begin(project, "score", ctx)
    sheet = score_sheet(project, ctx, ctx.config.acceptance, reviewer=reviewer, role=Role.reviewer,
                        points=points, comment=comment)
    return update(project, scores=put_sheet(project.scores, sheet, replace))


def accept(project: Project, ctx: Context) -> Project:
    """验收: the panel's total decides; a passed stage of a multi-year project opens the next (003)."""
    begin(project, "accept", ctx)
    rules = ctx.config.acceptance
    if not project.scores:
        raise DjError(f"项目 {project.id} 还没有评分，不能验收；请先用 dj score 录入评审专家的评分。")
    total = scoring.trimmed_mean([s.total for s in project.scores], rules.trim_from)
    passed = total >= rules.pass_line
    final = not (passed and project.stage < project.stages)
    result = Result(date=ctx.on, by=ctx.actor.name, total=total,
                    grade=scoring.grade(total, rules) if passed else "",
                    passed="yes" if passed else "no",
                    # 001: what is left of the grant after acceptance stays with the branch.
                    retained=project.balance if passed and final and project.approval else None)
    if not final:
        assert project.closing_report is not None
        done = StageRecord(stage=project.stage, closing_report=project.closing_report,
                           scores=project.scores, result=result)
        return update(project, status=S.approved, stage=project.stage + 1,
                       past_stages=[*project.past_stages, done], closing_report=None,
                       scores=[], result=None)
    return update(project, status=S.accepted if passed else S.failed, result=result)


def terminate(project: Project, ctx: Context, *, reason: str) -> Project:
    begin(project, "terminate", ctx)
    why = required(reason, "终止的理由（--reason）", "终止项目")
    return update(project, status=S.terminated,
                   termination=Decision(date=ctx.on, by=ctx.actor.name, reason=why))


def renumber(project: Project, ctx: Context, new_id: str, *, collided: bool = False, force: bool = False) -> Project:
    """A new number when the id collides with the target branch (two clones applied at once and took the same one).

    Without a collision only a clerk may renumber, with `force`, and only a project never decided:
    a decided project's number is printed on signed forms and decisions, so it changes for nothing else.
    """
    begin(project, "renumber", ctx)
    decided = (project.status not in (S.applied, S.draft)
               or any((project.approval, project.rejection, project.termination, project.result)))
    clerk = ctx.actor.has(frozenset({Role.clerk}))
    if not collided and decided:
        raise DjError(f"项目 {project.id} 已有决定（{project.status.label}），编号与目标分支没有冲突就不能改号；"
                      f"如与另一处的申报撞号，请在本分支运行 dj renumber {project.id} --base origin/main。")
    if not collided and not (force and clerk):
        how = "请加 --force" if clerk else "请由组织部干事加 --force"
        raise DjError(f"项目 {project.id} 的编号与目标分支没有冲突，不需要重新编号；两处同时申报撞号时请用 "
                      f"dj renumber {project.id} --base origin/main，确需给尚未立项的项目改号{how}。")
    if decided and not clerk:
        raise DjError(f"项目 {project.id} 已有决定（{project.status.label}），申报人不能再改编号；请组织部干事办理。")
    if new_id[:4] != project.cycle:
        raise DjError(f"新编号 {new_id} 与项目年度 {project.cycle} 不符；请检查编号。")
    return update(project, id=new_id)


# --- money and promotion -------------------------------------------------------------


def spend(project: Project, ctx: Context, *, amount: Decimal, item: str, receipt: str = "") -> Project:
    """经费支出: only from the grant's balance (001: 1000 元 per project)."""
    begin(project, "spend", ctx)
    what = required(item, "用途", "登记支出")
    assert project.approval is not None  # every running status comes after approval
    if ctx.on < project.approval.date:
        raise DjError(f"支出日期 {ctx.on} 早于立项日期 {project.approval.date}；请检查 --date。")
    if amount <= 0:
        raise DjError(f"支出金额应大于 0，而填写的是 {amount}；请改正。")
    if amount > project.balance:
        raise DjError(
            f"项目 {project.id} 经费余额只有 {project.balance} 元"
            f"（资助 {project.granted} 元，已支出 {project.spent} 元），不能再支出 {amount} 元；"
            f"请核对金额，或按规定申请追加经费。"
        )
    entry = Spending(date=ctx.on, amount=amount, item=what, receipt=receipt.strip())
    return update(project, spending=[*project.spending, entry])


def promoted_cycle(parent: Project, current: str) -> str:
    """003: a passed 小试 is proposed again as a 中试 in a later round (申报、立项每年集中一次): the year after the
    parent's, or dj.yaml's current one when that is later still. Never the parent's own, past round."""
    return max(current, str(int(parent.cycle) + 1))


def promotion_cycles(parent: Project, current: str) -> tuple[str, ...]:
    """Where a promotion of `parent` may be filed: its round, and dj.yaml's (where older versions of dj put it)."""
    return tuple(dict.fromkeys((promoted_cycle(parent, current), current)))


def promote(project: Project, ctx: Context, new_id: str) -> Project:
    """003: an accepted 小试 becomes a 中试 application (and a 中试 a 大试), linked by `parent`.

    It carries the parent's aims and people, not its past period and milestones: the new one runs a year
    (or its type's minimum) from the promotion, which its branch may edit before approval like any application.
    """
    begin(project, "promote", ctx)
    kind = ctx.config.project_type(project.type)
    if kind is None or not kind.next:
        raise DjError(f"项目类型“{project.type}”在 dj.yaml 中没有可升级的下一类型（types[].next），不能升级申报。")
    assert project.result is not None
    if ctx.on < project.result.date:
        raise DjError(f"升级申报日期 {ctx.on} 早于验收日期 {project.result.date}；请检查 --date。")
    if new_id[:4] != promoted_cycle(project, ctx.config.cycle):
        raise DjError(f"升级后的新项目应归入 {promoted_cycle(project, ctx.config.cycle)} 年度，"
                      f"编号 {new_id} 不是；请检查编号。")
    carried = project.model_dump(include=set(APPLICATION_FIELDS) - {"type", "parent", "stages", "period",
                                                                    "milestones"})
    following = ctx.config.project_type(kind.next)
    months = max(12, following.min_months if following else 0)
    period = {"start": ctx.on, "end": add_months(ctx.on, months) - dt.timedelta(days=1)}
    return apply({**carried, "type": kind.next, "parent": project.id, "period": period}, ctx, new_id)

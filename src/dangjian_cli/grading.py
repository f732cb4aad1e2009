"""党支部分类定级 (seed 004) as pure functions: (record, context, peers, details) → new record.

No files, no git, no clock, like workflow.py. `Peers` are the other records a rule looks at: the
round's (the A cap) and the previous round's (last year's grade, for the one-level rule).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from dangjian_cli import scoring
from dangjian_cli.branchmodel import (
    SURVEY_FACTS,
    Branch,
    BranchRectification,
    BranchStatus,
    Consequence,
    GradeDecision,
    Recommendation,
    SelfAssessment,
    UnitReview,
)
from dangjian_cli.config import ROLE_LABELS, Config, Role
from dangjian_cli.context import Context, add_months
from dangjian_cli.errors import DjError
from dangjian_cli.gradeconfig import GRADES, GradeLetter, Grading, GradingRubric, grade_label
from dangjian_cli.model import explain, required, revised
from dangjian_cli.transitions import BRANCH_TRANSITIONS, Transition, branch_possible

B = BranchStatus
SURVEY_FIELDS = ("unit", "name", "kind", "members", "committee", "secretary", "survey")


@dataclass(frozen=True)
class Peers:
    """The records a step's rules look at besides its own, as they stood before the step."""

    current: Sequence[Branch] = ()  # the round's records
    previous: Sequence[Branch] = ()  # the round before's


def rules(config: Config) -> Grading:
    if config.grading is None:
        raise DjError("dj.yaml 中没有 grading（党支部分类定级）配置；请先按预设补上评分标准、权重、分档和比例。")
    return config.grading


def rank(grade: str) -> int:
    return GRADES.index(grade)  # type: ignore[arg-type,unused-ignore]


def _name(branch: Branch) -> str:
    return f"{branch.id}（{branch.name}）"


# --- guards every step shares ----------------------------------------------------------


def begin(branch: Branch | None, action: str, ctx: Context) -> Transition:
    """State, role, the branch's own people, and a believable date."""
    t = BRANCH_TRANSITIONS[action]
    status = branch.status if branch is not None else None
    if status not in t.sources:
        now = "、".join(f"{n.label}（{n.command.replace('ID', branch.id)}）" for n in branch_possible(branch)) \
            if branch else ""
        where = f"党支部 {_name(branch)} 当前状态为“{branch.status.label}”" if branch else "该党支部尚未调查摸底"
        hint = f"现在可以：{now}" if now else "请先调查摸底（dj branch survey）"
        raise DjError(f"{where}，不能{t.label}；{hint}。")
    if t.roles and not ctx.actor.has(t.roles):
        needed = "或".join(ROLE_LABELS[r] for r in sorted(t.roles))
        raise DjError(f"{ctx.actor.name} 在 dj.yaml 的 people 中没有{needed}角色，不能{t.label}；"
                      f"请由具备该角色的人办理，或请组织部干事在 dj.yaml 中为其添加角色。")
    if branch is not None:
        acts_for_branch(branch, ctx, t)
    if ctx.on > ctx.today:
        raise DjError(f"日期 {ctx.on} 晚于今天（{ctx.today}），不能{t.label}；请用 --date 填写实际办理日期。")
    if t.in_order and branch is not None and (last := last_step_date(branch)) and ctx.on < last:
        raise DjError(f"日期 {ctx.on} 早于该党支部上一步的日期 {last}，不能{t.label}；请检查 --date。")
    return t


def acts_for_branch(branch: Branch, ctx: Context, t: Transition) -> None:
    """The survey and self-assessment are the branch secretary's; the review its unit's, never its own."""
    person = ctx.actor.person
    if person is None or ctx.actor.has(frozenset({Role.clerk})):
        return
    own = person.unit == branch.unit and branch.name in person.branches
    if t.action in ("survey", "self-assess") and not own:
        raise DjError(f"{ctx.actor.name} 不是{branch.name}的支部书记（dj.yaml 中其 branches 不含该支部），"
                      f"不能办理{t.label}；请由该支部的书记或组织部干事办理。")
    if t.action == "unit-review" and (person.unit != branch.unit or own):
        why = "是该支部自己的书记，不能初评本支部" if own else f"不是{branch.unit}的人员"
        raise DjError(f"{ctx.actor.name} {why}，不能办理{t.label}；初评应由{branch.unit}的审批人或申报人"
                      f"（非本支部书记）或组织部干事办理。")


def last_step_date(branch: Branch) -> dt.date | None:
    parts = (branch.survey, branch.self_assessment, branch.unit_review, branch.decision)
    dates = [p.date for p in parts if p is not None]
    for r in branch.rectifications:
        dates += [r.issued] + ([r.done] if r.done else [])
    return max(dates, default=None)


def update(branch: Branch, **changes: Any) -> Branch:
    return revised(branch, f"党支部 {branch.id} ", changes)


def rubric_of(branch: Branch, g: Grading) -> GradingRubric:
    rubric = g.rubric_for(branch.kind)
    if rubric is None:
        kinds = "、".join(f"{k.kind}（{k.name}）" for k in g.kinds)
        raise DjError(f"党支部类别“{branch.kind}”不在 dj.yaml 的 grading.kinds 中，找不到它的评分标准；可选：{kinds}。")
    return rubric


def sheet(rubric: GradingRubric, points: Mapping[str, Any], label: str) -> tuple[dict[str, Decimal], Decimal]:
    """Points for every indicator of the rubric, each within its range, and their total."""
    indicators = {i.key: i for i in rubric.indicators}
    missing = [f"{i.key}（{i.name}）" for i in indicators.values() if i.key not in points]
    extra = [k for k in points if k not in indicators]
    if missing or extra:
        what = f"缺少 {'、'.join(missing[:5])}{' 等' if len(missing) > 5 else ''}" if missing \
            else f"多出不认识的 {'、'.join(extra)}"
        raise DjError(f"{label}的评分{what}；“{rubric.name}”的每个指标都要打分（--item 代码=分数），"
                      f"代码为：{'、'.join(indicators)}。")
    parsed: dict[str, Decimal] = {}
    for key, text in points.items():
        i = indicators[key]
        try:
            value = Decimal(str(text))
        except InvalidOperation:
            raise DjError(f"{label}中{i.name}（{key}）的分数“{text}”不是数字；请改正。") from None
        if not value.is_finite() or not Decimal(0) <= value <= i.max:
            raise DjError(f"{label}中{i.name}（{key}）的分数 {text} 超出范围；应在 0 到 {i.max} 之间。")
        parsed[key] = value
    return parsed, sum(parsed.values(), Decimal(0))


# --- the steps ---------------------------------------------------------------------------


def survey(fields: Mapping[str, Any], ctx: Context, new_id: str, peers: Peers,
           last_grade: str | None = None) -> Branch:
    """调查摸底: a new record, last year's grade carried from the previous round's record when there is one."""
    begin(None, "survey", ctx)
    g = rules(ctx.config)
    unknown = sorted(set(fields) - set(SURVEY_FIELDS))
    if unknown:
        raise DjError(f"调查摸底内容中有不认识的字段：{'、'.join(unknown)}；只能填写 {', '.join(SURVEY_FIELDS)}。")
    unit = ctx.config.unit(str(fields.get("unit", "")))
    if unit is None:
        names = "、".join(u.name for u in ctx.config.units) or "（dj.yaml 中尚未配置单位）"
        raise DjError(f"单位“{fields.get('unit', '')}”不在 dj.yaml 的 units 中；请用 --unit 填写其中之一：{names}。")
    name = str(fields.get("name", ""))
    if name not in unit.branches:
        raise DjError(f"党支部“{name}”不属于{unit.name}；请用 --name 填写其中之一：{'、'.join(unit.branches)}。")
    if g.kind(str(fields.get("kind", ""))) is None:
        kinds = "、".join(f"{k.kind}（{k.name}）" for k in g.kinds)
        raise DjError(f"党支部类别“{fields.get('kind', '')}”不在 dj.yaml 的 grading.kinds 中；"
                      f"请用 --kind 填写：{kinds}。")
    if not new_id.startswith(f"{g.round}-{unit.code}-支"):
        raise DjError(f"编号 {new_id} 不是 dj 会给的编号：{g.round} 年度{unit.name}的党支部应编为 "
                      f"{g.round}-{unit.code}-支NN。")
    twin = next((b for b in peers.current if b.unit == unit.name and b.name == name and b.id != new_id), None)
    if twin is not None:
        raise DjError(f"{name} {g.round} 年度已调查摸底（{twin.id}）；每个党支部每年度只有一个定级记录，"
                      f"请查看 dj branch show {twin.id}。")
    last = _last_grade(unit.name, name, ctx, peers, last_grade)
    facts = dict(fields.get("survey") or {})
    missing = [label for key, label in SURVEY_FACTS.items() if not str(facts.get(key, "")).strip()]
    if missing:
        raise DjError(f"调查摸底缺少“{'、'.join(missing)}”的情况；七个方面都要简要填写（--fact 组织设置=…）。")
    data = {k: v for k, v in fields.items() if k != "survey" and v is not None}
    data.update(id=new_id, round=g.round, status=B.surveyed, last_grade=last,
                survey={"date": ctx.on, "by": ctx.actor.name, **{k: str(v).strip() for k, v in facts.items()}})
    try:
        branch = Branch.model_validate(data)
    except ValidationError as e:
        problems = explain(e)
        raise DjError(f"调查摸底内容不完整或有误：{problems[0]}（共 {len(problems)} 处）；请补全后再试。") from None
    acts_for_branch(branch, ctx, BRANCH_TRANSITIONS["survey"])
    return branch


def _last_grade(unit: str, name: str, ctx: Context, peers: Peers, given: str | None) -> str:
    before = next((b for b in peers.previous if b.unit == unit and b.name == name and b.decision), None)
    if before is not None:
        if given and given != before.grade:
            raise DjError(f"{name} 上一年度的记录 {before.id} 定为 {before.grade} 级，不能另填为 {given} 级；"
                          f"请去掉 --last-grade，上一年度等级从记录中抄来。")
        return before.grade
    if given and not ctx.actor.has(frozenset({Role.clerk})):
        raise DjError(f"{name} 没有上一年度的定级记录，上一年度等级只能由组织部干事按存档填写（--last-grade）；"
                      f"请组织部干事办理或代录。")
    if given and given not in GRADES:
        raise DjError(f"上一年度等级“{given}”无效；--last-grade 只能是 A、B、C、D 之一。")
    return given or ""


def self_assess(branch: Branch, ctx: Context, *, points: Mapping[str, Any], report: str) -> Branch:
    """自评: the branch scores itself and writes its 自我评价报告; again replaces it."""
    begin(branch, "self-assess", ctx)
    parsed, total = sheet(rubric_of(branch, rules(ctx.config)), points, "自评")
    done = SelfAssessment(date=ctx.on, by=ctx.actor.name, points=parsed, total=total,
                          report=required(report, "自我评价报告（--report）", "自评"))
    return update(branch, status=B.assessed, self_assessment=done)


def unit_review(branch: Branch, ctx: Context, *, points: Mapping[str, Any], appraisal: str, proposed: str,
                opinion: str, learning: str = "", satisfaction: str = "") -> Branch:
    """初评: the unit's points, the members' and the public's appraisal, references, a proposed grade."""
    begin(branch, "unit-review", ctx)
    parsed, total = sheet(rubric_of(branch, rules(ctx.config)), points, "初评")
    if proposed not in GRADES:
        raise DjError(f"建议等级“{proposed}”无效；--propose 只能是 A、B、C、D 之一。")
    review = UnitReview(date=ctx.on, by=ctx.actor.name, points=parsed, total=total,
                        appraisal=required(appraisal, "党员和群众测评结果（--appraisal）", "初评"),
                        learning=learning.strip(), satisfaction=satisfaction.strip(), proposed=proposed,
                        opinion=required(opinion, "初评意见（--opinion）", "初评"))
    return update(branch, status=B.reviewed, unit_review=review)


def final_score(g: Grading, self_total: Decimal, unit_total: Decimal, committee_total: Decimal) -> Decimal:
    """The configured mix of the three totals, to two places, half up."""
    w = g.weights
    return scoring.round2(self_total * w.self_assessment + unit_total * w.unit_review + committee_total * w.committee)


def decide(branch: Branch, ctx: Context, peers: Peers, *, points: Mapping[str, Any], methods: Sequence[str],
           grade: str | None = None, reason: str = "") -> Branch:
    """考评: the committee's points and methods give the final score and the band; another grade needs a reason."""
    begin(branch, "decide", ctx)
    g = rules(ctx.config)
    assert branch.self_assessment is not None and branch.unit_review is not None  # the status says so
    parsed, total = sheet(rubric_of(branch, g), points, "党委考评")
    used = [m.strip() for m in methods if m.strip()]
    if not used:
        raise DjError(f"党委考评要写明采用的考评方式（--method）；可选：{'、'.join(g.methods)}。")
    unknown = [m for m in used if m not in g.methods]
    if unknown:
        raise DjError(f"考评方式“{'、'.join(unknown)}”不在 dj.yaml 的 grading.methods 中；"
                      f"可选：{'、'.join(g.methods)}。")
    final = final_score(g, branch.self_assessment.total, branch.unit_review.total, total)
    band = g.band(final)
    chosen = grade or band
    if chosen not in GRADES:
        raise DjError(f"等级“{chosen}”无效；--grade 只能是 A、B、C、D 之一。")
    why = reason.strip()
    if chosen != band and not why:
        raise DjError(f"{_name(branch)} 最终得分 {final} 分，按分档为 {band} 级；党委定为 {chosen} 级须写明理由"
                      f"（--reason …）。")
    _rise(branch, chosen, band, final, g)
    if chosen == "A":
        _cap(branch, final, peers, g)
    if branch.recommendation is not None and chosen not in g.recommend_grades:
        raise DjError(f"{_name(branch)} 已于 {branch.recommendation.date} 推荐为{branch.recommendation.title}，"
                      f"不能改定为 {chosen} 级；推荐只能从 {'、'.join(g.recommend_grades)} 级党支部中产生。")
    decision = GradeDecision(date=ctx.on, by=ctx.actor.name, points=parsed, total=total, final=final, band=band,
                             grade=chosen, reason=why, methods=used)
    # 004: D has consequences for a year (configurable): recorded with the day they end.
    consequences = [Consequence(text=c.text, until=add_months(ctx.on, c.months) - dt.timedelta(days=1))
                    for c in g.consequences if c.grade == chosen]
    return update(branch, status=B.graded, decision=decision, consequences=consequences)


def _rise(branch: Branch, chosen: str, band: str, final: Decimal, g: Grading) -> None:
    """004 三(三): 等级评定一般不能越级晋升 — at most `max_rise` grades above last year's; falling has no limit."""
    if not branch.last_grade:
        return
    best = max(rank(branch.last_grade) - g.max_rise, 0)
    if rank(chosen) >= best:
        return
    cap = GRADES[best]
    raise DjError(f"{_name(branch)} 上一年度为{grade_label(branch.last_grade)}，本年度最高只能定为{grade_label(cap)}"
                  f"（等级评定不能越级晋升）；最终得分 {final} 分按分档为 {band} 级，"
                  f"请改定为 {cap} 级并写明理由（--grade {cap} --reason …）。")


def a_limit(population: int, g: Grading) -> int:
    """How many A branches a population of this size may have: the share, rounded down."""
    return int(Decimal(population) * g.a_cap.share)


def _cap(branch: Branch, final: Decimal, peers: Peers, g: Grading) -> None:
    """004 三(三): 原则上 A 级党支部一般不能超过 20% — of the organisation, or of each unit."""
    by_unit = g.a_cap.scope == "unit"
    others = [b for b in peers.current if b.id != branch.id and (not by_unit or b.unit == branch.unit)]
    limit = a_limit(len(others) + 1, g)
    taken = [b for b in others if b.grade == "A" and b.decision is not None]
    if len(taken) < limit:
        return
    candidates = sorted([*((b, b.decision.final) for b in taken if b.decision), (branch, final)],
                        key=lambda pair: (-pair[1], pair[0].id))
    listing = "、".join(f"{b.id} {b.name}（{score} 分）" for b, score in candidates)
    scores = [score for _, score in candidates]
    ties = sorted({s for s in scores if scores.count(s) > 1}, reverse=True)
    tied = "".join(f"，其中 {' 与 '.join(b.id for b, s in candidates if s == t)} 同分（{t} 分）" for t in ties)
    where = f"{branch.unit}的党支部" if by_unit else "全部党支部"
    share = f"{(g.a_cap.share * 100).normalize():f}%"
    raise DjError(f"{where}共 {len(others) + 1} 个，A 级最多 {limit} 个（{share}），已定为 A 级的有 {len(taken)} 个，"
                  f"不能再把 {branch.id} 定为 A 级；按最终得分排列的 A 级候选：{listing}{tied}；"
                  f"请党委议定保留哪几个，其余改定为 B 级并写明理由（dj branch decide 编号 … --grade B --reason …）。")


def recommend(branch: Branch, ctx: Context) -> Branch:
    """推荐先进党支部: 004 — 推荐评选院系级以上先进党支部，必须从 A 级党支部中产生."""
    begin(branch, "recommend", ctx)
    g = rules(ctx.config)
    assert branch.decision is not None
    if branch.grade not in g.recommend_grades:
        allowed = "、".join(g.recommend_grades)
        raise DjError(f"{_name(branch)} 定为{grade_label(branch.grade)}，不能推荐为{g.recommend_title}；"
                      f"推荐必须从 {allowed} 级党支部中产生（004），请推荐 {allowed} 级党支部。")
    if branch.recommendation is not None:
        raise DjError(f"{_name(branch)} 已于 {branch.recommendation.date} 推荐为{branch.recommendation.title}，"
                      f"无需再次推荐。")
    if ctx.on < branch.decision.date:
        raise DjError(f"推荐日期 {ctx.on} 早于定级日期 {branch.decision.date}；请检查 --date。")
    return update(branch, recommendation=Recommendation(date=ctx.on, by=ctx.actor.name, title=g.recommend_title))


def rectify(branch: Branch, ctx: Context, *, items: Sequence[str], deadline: dt.date | None) -> Branch:
    """对标整改: rectification items with a deadline (004: C and D branches, and any the committee chooses)."""
    begin(branch, "rectify", ctx)
    listed = [i.strip() for i in items if i.strip()]
    if not listed:
        raise DjError(f"下发整改需要写明整改事项；请用 --item 逐条填写，例如 dj branch rectify {branch.id} "
                      f"--item 健全“三会一课”记录 --deadline YYYY-MM-DD。")
    if deadline is None:
        raise DjError("下发整改需要整改期限；请加上 --deadline YYYY-MM-DD。")
    if deadline <= ctx.on:
        raise DjError(f"整改期限 {deadline} 应晚于下发日期 {ctx.on}；请改正 --deadline。")
    notice = BranchRectification(issued=ctx.on, by=ctx.actor.name, items=listed, deadline=deadline)
    return update(branch, status=B.rectifying, rectifications=[*branch.rectifications, notice])


def rectified(branch: Branch, ctx: Context, *, note: str = "") -> Branch:
    """整改完成: the open rectification done on this day."""
    begin(branch, "rectified", ctx)
    done = [r.model_copy(update={"done": ctx.on, "note": note.strip()}) if r.done is None else r
            for r in branch.rectifications]
    return update(branch, status=B.graded, rectifications=done)


def must_rectify(branch: Branch, g: Grading) -> bool:
    """A graded branch whose grade calls for rectification and which has none yet."""
    return branch.decision is not None and branch.grade in g.rectify_grades and not branch.rectifications


def grade_of(text: str | None) -> GradeLetter | None:
    if text is None:
        return None
    letter = text.strip().upper()
    for g in GRADES:
        if letter == g:
            return g
    raise DjError(f"等级“{text}”无效；只能是 A、B、C、D 之一。")

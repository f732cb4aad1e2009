"""One panel member's score sheet: checked against the rubric, and put beside the others on the record."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from dangjian_cli import scoring
from dangjian_cli.config import ROLE_LABELS, Person, Role, Rubric
from dangjian_cli.context import Context
from dangjian_cli.errors import DjError
from dangjian_cli.model import Project, ScoreSheet


def score_sheet(project: Project, ctx: Context, rubric: Rubric, *, reviewer: Person, role: Role,
                points: Mapping[str, str], comment: str = "") -> ScoreSheet:
    """One panel member's sheet, checked against the rubric: role, 回避, every criterion within range."""
    if role not in reviewer.roles:
        raise DjError(f"{reviewer.name} 在 dj.yaml 中没有{ROLE_LABELS[role]}角色，不能评分；请换一位有此角色的人。")
    if ctx.actor.email.lower() != reviewer.email.lower() and not ctx.actor.has(frozenset({Role.clerk})):
        raise DjError(f"{ctx.actor.name} 不能替 {reviewer.name} 录入评分：代录纸质评分表是组织部干事（clerk）的工作。")
    if reviewer.unit and reviewer.unit == project.unit:
        raise DjError(f"{reviewer.name} 与项目同属{project.unit}，按回避原则不能评分；请换一位其他单位的评委。")
    criteria = {c.key: c for c in rubric.criteria}
    missing = [f"{c.key}（{c.name}）" for c in criteria.values() if c.key not in points]
    extra = [k for k in points if k not in criteria]
    if missing or extra:
        what = f"缺少 {'、'.join(missing)}" if missing else f"多出不认识的 {'、'.join(extra)}"
        raise DjError(f"评分表{what}；每个评分项都要打分，代码为：{'、'.join(criteria)}。")
    parsed: dict[str, Decimal] = {}
    for key, text in points.items():
        c = criteria[key]
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise DjError(f"{c.name}（{key}）的分数“{text}”不是数字；请改正。") from None
        if not value.is_finite() or not Decimal(0) <= value <= c.max:
            raise DjError(f"{c.name}（{key}）的分数 {text} 超出范围；应在 0 到 {c.max} 之间。")
        parsed[key] = value
    return ScoreSheet(reviewer=reviewer.name, email=reviewer.email, date=ctx.on, points=parsed,
                      total=scoring.sheet_total(parsed, rubric), comment=comment.strip())


def same_sheet(a: ScoreSheet, b: ScoreSheet) -> bool:
    """The same reviewer's same points and comment: entering it again is the sheet already on record."""
    return a.email.lower() == b.email.lower() and a.points == b.points and a.comment == b.comment


def put_sheet(sheets: list[ScoreSheet], sheet: ScoreSheet, replace: bool = True) -> list[ScoreSheet]:
    """A reviewer's sheet into the list: the same sheet again changes nothing (the one on record stays, date and
    all); a different one takes that reviewer's place, so its comment stays with its reviewer, only with `replace`."""
    for i, old in enumerate(sheets):
        if old.email.lower() != sheet.email.lower():
            continue
        if same_sheet(old, sheet):
            return list(sheets)
        if not replace:
            raise DjError(f"{old.reviewer} 已于 {old.date} 评过分（{old.total} 分），这次录入的评分与之不同"
                          f"（{sheet.total} 分）；确要以新评分替换原评分请加 --replace（原评分仍留在 git 历史中，"
                          f"dj log 可查），否则请核对后不再录入。")
        return [*sheets[:i], sheet, *sheets[i + 1:]]
    return [*sheets, sheet]

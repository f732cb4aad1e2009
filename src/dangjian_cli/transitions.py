"""The one home of every step: from which states, to which, who may take it, what it writes, what it prints.

The commands run a step through `replay.run`, and the audit re-runs the same step from the
commit's trailers; both read what a step may do from this table alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from dangjian_cli.branchmodel import Branch, BranchStatus
from dangjian_cli.config import Role
from dangjian_cli.model import OPEN_STATUSES, Project, Status

S = Status


@dataclass(frozen=True)
class Transition:
    action: str
    label: str  # the Chinese name of the step
    sources: frozenset[StrEnum | None]  # None: a record that does not exist yet
    targets: frozenset[StrEnum]  # the statuses it can lead to (empty: the status stays); the step's rule picks one
    roles: frozenset[Role]  # an applicant acts for their own unit only
    writes: frozenset[str]  # the workflow fields the step may change
    command: str  # how a user starts it
    forms: tuple[str, ...] = ()  # the Word forms the step prints
    in_order: bool = True  # False: dated on its own timeline (a receipt, a recommendation), not after the last step
    next_step: bool = True  # False: a panel's or a cycle's business, not offered as a project's next step
    same: str = "记录已是这一步办理后的样子，无需修改。"  # said when the step would leave the record as it is
    appends: bool = False  # True: every run adds an entry, so a retry of the last run is caught as such


def _t(action: str, label: str, sources: Iterable[StrEnum | None], targets: Iterable[StrEnum], roles: set[Role],
       writes: str,
       command: str, forms: str = "", in_order: bool = True, next_step: bool = True, same: str = "",
       appends: bool = False) -> Transition:
    return Transition(action, label, frozenset(sources), frozenset(targets), frozenset(roles),
                      frozenset(writes.split()), command, tuple(forms.split()), in_order, next_step,
                      same or Transition.same, appends)


_DESK = {Role.approver, Role.clerk}
_BRANCH = {Role.applicant, Role.clerk}
_PANEL = {Role.reviewer, Role.clerk}
_RUNNING: set[Status | None] = {S.approved, S.rectifying, S.midchecked, S.closed}
_ENTERED = _RUNNING | {S.accepted}  # the competition runs beside the lifecycle
_SAME: set[Status] = set()

# The table reads like DOMAIN.md: step, name, from which states, to which, who, what it writes, its forms.
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        _t("apply", "申报", {None, S.draft}, {S.applied}, _BRANCH, "status applied applicant", "dj apply",
           "application"),
        _t("approve", "立项", {S.applied}, {S.approved}, _DESK, "status approval", "dj approve ID", "approval"),
        _t("reject", "不予立项", {S.applied}, {S.rejected}, _DESK, "status rejection", "dj reject ID --reason …"),
        _t("return", "退回修改", {S.applied}, {S.draft}, _DESK, "status returns", "dj return ID --reason …"),
        _t("mid-check", "中期检查", {S.approved, S.rectifying}, {S.midchecked, S.rectifying}, _DESK,
           "status mid_checks rectifications", "dj mid-check ID --result pass|rectify", "midcheck rectification"),
        _t("rectified", "整改完成", {S.rectifying}, {S.midchecked}, _DESK, "status rectifications", "dj rectified ID",
           "midcheck rectification"),
        _t("close", "结题", {S.midchecked}, {S.closed}, _BRANCH, "status closing_report",
           "dj close ID --report 结题报告.md", "closing"),
        _t("score", "验收评分", {S.closed}, _SAME, _PANEL, "scores", "dj score ID --reviewer 姓名 --item 代码=分数 …",
           "review", same="评分与记录相同，无需修改。"),
        # A passed stage of a multi-year project opens the next one (003): back to approved.
        _t("accept", "验收", {S.closed}, {S.accepted, S.failed, S.approved}, _DESK,
           "status result stage past_stages closing_report scores", "dj accept ID", "review acceptance"),
        _t("terminate", "终止", set(OPEN_STATUSES), {S.terminated}, _DESK, "status termination",
           "dj terminate ID --reason …"),
        _t("spend", "经费支出", _RUNNING, _SAME, _BRANCH, "spending", "dj spend ID 金额 用途", in_order=False,
           appends=True),
        _t("promote", "升级申报", {S.accepted}, {S.applied}, _DESK, "", "dj promote ID", "application",
           in_order=False),
        _t("award", "评比表彰", {S.accepted}, _SAME, _DESK, "result", "dj award", "acceptance", in_order=False,
           next_step=False),
        _t("recommend", "推荐参评", _ENTERED, _SAME, _BRANCH, "competition", "dj recommend ID", in_order=False,
           next_step=False),
        _t("shortlist", "入围答辩", _ENTERED, _SAME, _DESK, "competition", "dj shortlist ID …", in_order=False,
           next_step=False),
        _t("defense", "答辩评分", _ENTERED, _SAME, {Role.judge, Role.clerk}, "competition",
           "dj score ID --round defense --reviewer 姓名 --item 代码=分数 …", in_order=False, next_step=False,
           same="答辩评分与记录相同，无需修改。"),
        _t("competition-award", "评选创新项目奖", _ENTERED, _SAME, _DESK, "competition", "dj award --competition",
           in_order=False, next_step=False),
        _t("renumber", "重新编号", set(Status), _SAME, _BRANCH, "id cycle", "dj renumber ID", in_order=False,
           next_step=False),
        # A way out of a wrong date (a forgotten --date recorded today): the dates the last step wrote, and only
        # those, become the day it really happened; the reason stays in the commit.
        _t("correct", "更正日期", set(Status), _SAME, {Role.clerk},
           "applied approval rejection returns mid_checks rectifications closing_report scores result termination "
           "past_stages", "dj correct ID --date YYYY-MM-DD --reason …", in_order=False, next_step=False),
    )
}


def possible(project: Project) -> list[Transition]:
    """The steps the project's status allows now."""
    return [t for t in TRANSITIONS.values() if t.next_step and project.status in t.sources]


B = BranchStatus
_SECRETARY = {Role.applicant, Role.clerk}  # the branch's own secretary (dj.yaml people[].branches)
_UNIT = {Role.applicant, Role.approver, Role.clerk}  # the unit's people, never the branch's own secretary
_GRADED: set[StrEnum | None] = {B.graded, B.rectifying}

# 党支部分类定级 (004): survey → self-assessment → the unit's review → the committee's decision →
# recommendation (A only) → rectification; one record per branch per round, its own table. The forms are
# gradingforms.BRANCH_FORMS: 附表3 (grading_branch), the filled score sheet (grading_rubric), its 整改 list.
BRANCH_TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        _t("survey", "调查摸底", {None}, {B.surveyed}, _SECRETARY,
           "status round unit name kind members committee secretary last_grade survey",
           "dj branch survey --unit … --name …", "grading_branch"),
        _t("self-assess", "自评", {B.surveyed, B.assessed}, {B.assessed}, _SECRETARY, "status self_assessment",
           "dj branch self-assess ID --item 代码=分数 … --report 自我评价报告.md", "grading_rubric"),
        _t("unit-review", "初评", {B.assessed, B.reviewed}, {B.reviewed}, _UNIT, "status unit_review",
           "dj branch unit-review ID --item 代码=分数 … --appraisal … --propose 等级 --opinion …", "grading_rubric"),
        _t("decide", "党委考评定级", {B.reviewed, B.graded}, {B.graded}, _DESK, "status decision consequences",
           "dj branch decide ID --item 代码=分数 … --method …", "grading_branch grading_rubric"),
        _t("recommend", "推荐先进党支部", _GRADED, set(), _DESK, "recommendation", "dj branch recommend ID",
           "grading_branch", in_order=False),
        _t("rectify", "下发整改事项", {B.graded}, {B.rectifying}, _DESK, "status rectifications",
           "dj branch rectify ID --item 整改事项 … --deadline YYYY-MM-DD", "grading_rectification grading_branch"),
        _t("rectified", "整改完成", {B.rectifying}, {B.graded}, _DESK, "status rectifications",
           "dj branch rectified ID --note …", "grading_rectification grading_branch"),
    )
}


def branch_possible(branch: Branch) -> list[Transition]:
    """The grading steps the branch's status allows now."""
    return [t for t in BRANCH_TRANSITIONS.values() if t.next_step and branch.status in t.sources]

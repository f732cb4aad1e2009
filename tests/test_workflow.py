"""The lifecycle as pure functions: every step called directly, no git and no files.

Projects are built in plain Python by walking the real steps from `workflow.apply`; the config is
tests/data/dj.yaml. Every expected number is worked out by hand in the comment next to it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from dangjian_cli.config import Config, Person
from dangjian_cli.context import Actor, Context, add_months
from dangjian_cli.errors import DjError
from dangjian_cli.handedin import parse_closing_report, parse_points
from dangjian_cli.model import Project, Status
from dangjian_cli.store import read_yaml
from dangjian_cli.workflow import (
    accept,
    apply,
    approve,
    close,
    mid_check,
    possible,
    promote,
    rectified,
    reject,
    resubmit,
    return_,
    score,
    spend,
    terminate,
)

DATA = Path(__file__).parent / "data"
CONFIG = Config.model_validate(read_yaml(DATA / "dj.yaml", "dj.yaml"))
TODAY = date(2026, 11, 24)
NEW_ID = "2025-机电-001"

# The sample project's timeline (all before TODAY).
APPLIED = date(2025, 5, 6)
DECIDED = date(2025, 5, 20)  # approve / reject / return
MID = date(2026, 3, 10)
CLOSED = date(2026, 5, 20)  # 2025-05-20 + 12 months: the first day 创新探索型 may close
SCORED = date(2026, 6, 1)
ACCEPTED = date(2026, 6, 10)
TERMINATED = date(2025, 9, 1)

KEYS = ("completeness", "process", "participation", "education", "strengthening")

REPORT = {
    "overview": "设立党员先锋岗 12 个。",
    "implementation": "每周巡查，共 40 次。",
    "achievements": "全年零事故。",
    "evaluation": "建议推广。",
}

S = Status


def person(name: str) -> Person:
    p = CONFIG.person(name)
    assert p is not None, name
    return p


def actor(name: str) -> Actor:
    p = person(name)
    return Actor(p.name, p.email, p)


CLERK = actor("王干事")  # clerk + approver
APPROVER = actor("李部长")  # approver only
APPLICANT = actor("张书记")  # applicant only
STRANGER = Actor("访客", "guest@example.com", None)  # not in dj.yaml at all


def ctx(on: date = TODAY, who: Actor = CLERK) -> Context:
    return Context(CONFIG, who, on, TODAY)


def application(**changes: Any) -> dict[str, Any]:
    """The sample application as `dj apply --from` reads it (every scalar a string)."""
    fields = read_yaml(DATA / "application.yaml", "application.yaml")
    fields.update(changes)
    return fields


def pts(*values: object) -> dict[str, str]:
    """Five points in criteria order, as text (the way --item passes them)."""
    return dict(zip(KEYS, (str(v) for v in values), strict=True))


def refusal(call: Callable[[], object]) -> str:
    with pytest.raises(DjError) as info:
        call()
    return info.value.message


Sheets = list[tuple[str, dict[str, str]]]
HIGH: Sheets = [("钱评委", pts(18, 18, 18, 18, 18))]  # 18 × 5 = 90
LOW: Sheets = [("钱评委", pts(10, 10, 10, 10, 10))]  # 10 × 5 = 50


def add_sheets(project: Project, sheets: Sheets, on: date = SCORED) -> Project:
    for name, points in sheets:
        project = score(project, ctx(on), reviewer=person(name), points=points)
    return project


def at(status: Status, *, sheets: Sheets | None = None, **fields: Any) -> Project:
    """The sample project walked by the clerk through the real steps up to `status`."""
    p = apply(application(**fields), ctx(APPLIED), NEW_ID)
    if status is S.applied:
        return p
    if status is S.draft:
        return return_(p, ctx(DECIDED), reason="预算需要细化")
    if status is S.rejected:
        return reject(p, ctx(DECIDED), reason="不符合申报条件")
    p = approve(p, ctx(DECIDED))
    if status is S.approved:
        return p
    if status is S.terminated:
        return terminate(p, ctx(TERMINATED), reason="支部撤并")
    if status is S.rectifying:
        return mid_check(p, ctx(MID), result="rectify", deadline=date(2026, 4, 10), issues="台账不全")
    p = mid_check(p, ctx(MID), result="pass")
    if status is S.midchecked:
        return p
    p = close(p, ctx(CLOSED), report=REPORT)
    if status is S.closed:
        return add_sheets(p, sheets or [])
    if status is S.accepted:
        return accept(add_sheets(p, sheets or HIGH), ctx(ACCEPTED))
    if status is S.failed:
        return accept(add_sheets(p, sheets or LOW), ctx(ACCEPTED))
    raise AssertionError(status)


def test_factory_reaches_every_status() -> None:
    for status in Status:
        assert at(status).status is status


# --- 1. every action × every status ----------------------------------------------------

STATUS_LABEL: dict[Status | None, str] = {
    None: "尚未申报",
    S.draft: "草稿（退回修改）",
    S.applied: "已申报",
    S.approved: "已立项",
    S.rejected: "未立项",
    S.rectifying: "整改中",
    S.midchecked: "已通过中期检查",
    S.closed: "已结题",
    S.accepted: "已验收",
    S.failed: "验收未通过",
    S.terminated: "已终止",
}

STEP_LABEL = {
    "apply": "申报", "approve": "立项", "reject": "不予立项", "return": "退回修改",
    "mid-check": "中期检查", "rectified": "整改完成", "close": "结题", "score": "验收评分",
    "accept": "验收", "terminate": "终止", "spend": "经费支出", "promote": "升级申报",
}

OPEN = (S.draft, S.applied, S.approved, S.rectifying, S.midchecked, S.closed)
RUNNING = (S.approved, S.rectifying, S.midchecked, S.closed)  # approved, not yet decided: money may be spent
FINISHED = (S.rejected, S.failed, S.terminated)  # an accepted project may still be promoted (003)

# action → {from status: to status}; every pair not listed must be refused.
ALLOWED: dict[str, dict[Status | None, Status]] = {
    "apply": {None: S.applied, S.draft: S.applied},
    "approve": {S.applied: S.approved},
    "reject": {S.applied: S.rejected},
    "return": {S.applied: S.draft},
    "mid-check": {S.approved: S.midchecked, S.rectifying: S.midchecked},
    "rectified": {S.rectifying: S.midchecked},
    "close": {S.midchecked: S.closed},
    "score": {S.closed: S.closed},  # scoring records a sheet, the status stays
    "accept": {S.closed: S.accepted},  # the table's closed project has one sheet of 90
    "terminate": {s: S.terminated for s in OPEN},
    "spend": {s: s for s in RUNNING},  # spending is recorded, the status stays
    "promote": {S.accepted: S.applied},  # the new, linked application of the next type
}

# What the refusal must offer instead, by hand from DOMAIN.md's life of a project.
POSSIBLE_NOW: dict[Status | None, tuple[str, ...]] = {
    None: ("申报",),
    S.draft: ("申报", "终止"),
    S.applied: ("立项", "不予立项", "退回修改", "终止"),
    S.approved: ("中期检查", "终止", "经费支出"),
    S.rectifying: ("中期检查", "整改完成", "终止", "经费支出"),
    S.midchecked: ("结题", "终止", "经费支出"),
    S.closed: ("验收评分", "验收", "终止", "经费支出"),
    S.accepted: ("升级申报",),
}

DO: dict[str, Callable[[Any, Context], Project]] = {
    "apply": lambda p, c: apply(application(), c, NEW_ID) if p is None else resubmit(p, {}, c),
    "approve": lambda p, c: approve(p, c),
    "reject": lambda p, c: reject(p, c, reason="不符合申报条件"),
    "return": lambda p, c: return_(p, c, reason="预算需要细化"),
    "mid-check": lambda p, c: mid_check(p, c, result="pass"),
    "rectified": lambda p, c: rectified(p, c, note="已补齐台账"),
    "close": lambda p, c: close(p, c, report=REPORT),
    "score": lambda p, c: score(p, c, reviewer=person("孙评委"), points=pts(17, 17, 17, 17, 17)),
    "accept": lambda p, c: accept(p, c),
    "terminate": lambda p, c: terminate(p, c, reason="支部撤并"),
    "spend": lambda p, c: spend(p, c, amount=Decimal("120.50"), item="学习资料"),
    "promote": lambda p, c: promote(p, c, "2026-机电-001"),
}

ALL_STATUSES: list[Status | None] = [None, *Status]
TABLE = [
    pytest.param(action, status, id=f"{action}-{status.value if status else 'new'}")
    for action in DO
    for status in ALL_STATUSES
]


def table_project(status: Status | None) -> Project | None:
    if status is None:
        return None
    return at(status, sheets=HIGH) if status is S.closed else at(status)


def test_table_covers_every_action_and_status() -> None:
    assert set(DO) == set(STEP_LABEL) == set(ALLOWED)
    assert len(TABLE) == 12 * 11


@pytest.mark.parametrize(("action", "status"), TABLE)
def test_action_in_status(action: str, status: Status | None) -> None:
    project = table_project(status)
    run = DO[action]
    if status in ALLOWED[action]:
        after = run(project, ctx())
        assert after.status is ALLOWED[action][status]
        assert after.id == ("2026-机电-001" if action == "promote" else NEW_ID)
        return
    message = refusal(lambda: run(project, ctx()))
    assert f"“{STATUS_LABEL[status]}”" in message
    assert f"不能{STEP_LABEL[action]}" in message
    # What is possible now comes after the sentence's "；".
    _, _, hint = message.partition("；")
    assert hint, message
    if status in FINISHED:
        assert "已办结" in hint
    else:
        assert "已办结" not in hint, message
        for label in POSSIBLE_NOW[status]:
            assert f"{label}（" in hint, (label, message)


@pytest.mark.parametrize("status", [s for s in ALL_STATUSES if s is not None])
def test_possible_lists_the_steps_the_table_allows(status: Status) -> None:
    project = at(status)
    steps = {t.label for t in possible(project)}
    assert steps == set(POSSIBLE_NOW.get(status, ()))


# --- 2. role guards ----------------------------------------------------------------------

DESK_STEPS = [
    # action, status it is allowed from, status after
    ("approve", S.applied, S.approved),
    ("reject", S.applied, S.rejected),
    ("return", S.applied, S.draft),
    ("mid-check", S.approved, S.midchecked),
    ("rectified", S.rectifying, S.midchecked),
    ("accept", S.closed, S.accepted),
    ("terminate", S.approved, S.terminated),
]


@pytest.mark.parametrize(("action", "status", "after"), DESK_STEPS)
@pytest.mark.parametrize("who", [APPLICANT, STRANGER], ids=["applicant", "not-in-config"])
def test_desk_step_refused_without_approver_or_clerk(action: str, status: Status, after: Status,
                                                     who: Actor) -> None:
    project = table_project(status)
    message = refusal(lambda: DO[action](project, ctx(who=who)))
    assert who.name in message
    assert "审批人（approver）" in message
    assert "组织部干事（clerk）" in message
    assert f"不能{STEP_LABEL[action]}" in message


@pytest.mark.parametrize(("action", "status", "after"), DESK_STEPS)
@pytest.mark.parametrize("who", [APPROVER, CLERK], ids=["approver", "clerk"])
def test_desk_step_allowed_for_approver_and_clerk(action: str, status: Status, after: Status,
                                                  who: Actor) -> None:
    project = table_project(status)
    assert DO[action](project, ctx(who=who)).status is after


def test_approval_records_who_approved() -> None:
    assert approve(at(S.applied), ctx(DECIDED, APPROVER)).approval.by == "李部长"


@pytest.mark.parametrize("who", [APPLICANT, STRANGER], ids=["applicant", "not-in-config"])
def test_scoring_needs_reviewer_or_clerk(who: Actor) -> None:
    message = refusal(lambda: score(at(S.closed), ctx(who=who), reviewer=person("钱评委"),
                                    points=pts(18, 18, 18, 18, 18)))
    assert who.name in message
    assert "评审专家（reviewer）" in message


def test_an_applicant_applies_and_closes_for_their_own_unit() -> None:
    """申报 and 结题 are the branch's own steps: its applicant (or a clerk) takes them."""
    applied = apply(application(), ctx(APPLIED, APPLICANT), NEW_ID)
    assert applied.status is S.applied
    assert applied.applicant == "张书记"
    closed = close(at(S.midchecked), ctx(CLOSED, APPLICANT), report=REPORT)
    assert closed.status is S.closed


def test_a_stranger_cannot_apply() -> None:
    message = refusal(lambda: apply(application(), ctx(APPLIED, STRANGER), NEW_ID))
    assert "访客" in message and "申报人（applicant）" in message


def test_an_applicant_of_another_unit_cannot_apply_or_close() -> None:
    other = application(unit="外国语学院党委", branch="外国语学院教工党支部")
    message = refusal(lambda: apply(other, ctx(APPLIED, APPLICANT), NEW_ID))
    assert "张书记" in message and "外国语学院党委" in message
    elsewhere = at(S.midchecked, unit="外国语学院党委", branch="外国语学院教工党支部")
    assert "不能为外国语学院党委" in refusal(lambda: close(elsewhere, ctx(CLOSED, APPLICANT), report=REPORT))


# --- 3. dates ----------------------------------------------------------------------------

TOMORROW = date(2026, 11, 25)


@pytest.mark.parametrize(("action", "status"), [
    ("apply", None), ("approve", S.applied), ("mid-check", S.approved), ("close", S.midchecked),
    ("score", S.closed), ("accept", S.closed), ("terminate", S.applied),
])
def test_step_dated_after_today_refused(action: str, status: Status | None) -> None:
    project = table_project(status)
    message = refusal(lambda: DO[action](project, ctx(TOMORROW)))
    assert "2026-11-25" in message
    assert "晚于今天" in message
    assert "2026-11-24" in message


@pytest.mark.parametrize(("action", "status", "day_before", "previous"), [
    ("approve", S.applied, date(2025, 5, 5), "2025-05-06"),  # applied 2025-05-06
    ("reject", S.applied, date(2025, 5, 5), "2025-05-06"),
    ("mid-check", S.approved, date(2025, 5, 19), "2025-05-20"),  # approved 2025-05-20
    ("rectified", S.rectifying, date(2026, 3, 9), "2026-03-10"),  # notice issued 2026-03-10
    ("accept", S.closed, date(2026, 5, 31), "2026-06-01"),  # the sheet is dated 2026-06-01
    ("terminate", S.midchecked, date(2026, 3, 9), "2026-03-10"),
])
def test_step_dated_before_previous_step_refused(action: str, status: Status, day_before: date,
                                                 previous: str) -> None:
    project = table_project(status)
    message = refusal(lambda: DO[action](project, ctx(day_before)))
    assert str(day_before) in message
    assert previous in message
    assert "早于" in message


@pytest.mark.parametrize(("action", "status", "same_day", "after"), [
    ("approve", S.applied, APPLIED, S.approved),
    ("mid-check", S.approved, DECIDED, S.midchecked),
    ("rectified", S.rectifying, MID, S.midchecked),
    ("accept", S.closed, SCORED, S.accepted),
    ("terminate", S.applied, APPLIED, S.terminated),
])
def test_step_on_the_same_day_as_previous_allowed(action: str, status: Status, same_day: date,
                                                  after: Status) -> None:
    assert DO[action](table_project(status), ctx(same_day)).status is after


def test_step_on_today_allowed() -> None:
    assert approve(at(S.applied), ctx(TODAY)).approval.date == TODAY


# --- 4. apply ----------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["title", "unit", "branch", "leader", "secretary", "responsible",
                                   "category", "type", "period"])
def test_apply_missing_required_field_refused(field: str) -> None:
    fields = application()
    del fields[field]
    message = refusal(lambda: apply(fields, ctx(APPLIED), NEW_ID))
    assert f"（{field}）" in message  # named by its Chinese title, with the key
    assert "缺少" in message


def test_apply_missing_nested_field_refused() -> None:
    fields = application(responsible={"first": "张书记"})
    message = refusal(lambda: apply(fields, ctx(APPLIED), NEW_ID))
    assert "responsible.direct" in message


def test_apply_bad_amount_refused() -> None:
    fields = application(budget=[{"item": "培训资料", "amount": "四百"}])
    message = refusal(lambda: apply(fields, ctx(APPLIED), NEW_ID))
    assert "budget 第 1 项的 amount" in message  # positions count from 1
    assert "数字" in message


@pytest.mark.parametrize(("changes", "wrong", "options"), [
    pytest.param({"unit": "化工学院党委"}, "化工学院党委", ["机电学院党委", "外国语学院党委"], id="unit"),
    pytest.param({"branch": "外国语学院教工党支部"}, "外国语学院教工党支部",
                 ["机电学院教工第一党支部", "机电学院学生第一党支部"], id="branch-of-other-unit"),
    pytest.param({"category": "组织设置"}, "组织设置", ["作风建设", "发展党员质量", "党员教育管理"],
                 id="category"),
    pytest.param({"type": "常规工作项目"}, "常规工作项目", ["创新探索型", "典型示范型", "制度推广型"],
                 id="type"),
])
def test_apply_unknown_reference_refused_with_options(changes: dict[str, str], wrong: str,
                                                      options: list[str]) -> None:
    message = refusal(lambda: apply(application(**changes), ctx(APPLIED), NEW_ID))
    assert f"“{wrong}”" in message
    assert "可选" in message
    for option in options:
        assert option in message


def test_apply_unknown_field_refused() -> None:
    message = refusal(lambda: apply(application(titel="错字"), ctx(APPLIED), NEW_ID))
    assert "titel" in message
    assert "不认识" in message


@pytest.mark.parametrize("field", ["status", "id", "approval"])
def test_apply_cannot_set_what_the_workflow_records(field: str) -> None:
    message = refusal(lambda: apply(application(**{field: "x"}), ctx(APPLIED), NEW_ID))
    assert field in message


def test_apply_period_end_before_start_refused() -> None:
    fields = application(period={"start": "2025-05-01", "end": "2025-04-30"})
    message = refusal(lambda: apply(fields, ctx(APPLIED), NEW_ID))
    assert "period" in message
    assert "2025-04-30" in message
    assert "2025-05-01" in message


def test_apply_records_the_new_project() -> None:
    p = apply(application(), ctx(APPLIED, APPLICANT), NEW_ID)
    assert p.status is S.applied
    assert p.applied == date(2025, 5, 6)
    assert p.applicant == "张书记"
    assert p.id == "2025-机电-001"
    assert p.cycle == "2025"
    assert p.title == "“党员先锋岗”引领实验室安全管理"
    assert p.stage == 1 and p.stages == 1
    assert p.budget_total == Decimal("750.50")  # 300.00 + 450.50
    assert p.approval is None and p.scores == [] and p.result is None


# --- 5. approve, reject, return, terminate ----------------------------------------------


def test_approve_default_funding_is_the_standard_amount() -> None:
    p = approve(at(S.applied), ctx(DECIDED))
    assert p.status is S.approved
    assert isinstance(p.approval.funding, Decimal)
    assert p.approval.funding == Decimal("1000")  # dj.yaml funding.standard
    assert p.approval.date == DECIDED
    assert p.approval.by == "王干事"


def test_approve_records_funding_opinion_and_doc_no() -> None:
    p = approve(at(S.applied), ctx(DECIDED), funding=Decimal("800.50"), opinion="  同意立项  ",
                doc_no="组通〔2025〕12号")
    assert p.approval.funding == Decimal("800.50")
    assert p.approval.opinion == "同意立项"
    assert p.approval.doc_no == "组通〔2025〕12号"


@pytest.mark.parametrize("funding", [Decimal("800.505"), Decimal("-1")])
def test_approve_impossible_funding_refused(funding: Decimal) -> None:
    message = refusal(lambda: approve(at(S.applied), ctx(DECIDED), funding=funding))
    assert "approval.funding" in message


@pytest.mark.parametrize(("action", "status"), [
    ("reject", S.applied), ("return", S.applied), ("terminate", S.approved),
])
@pytest.mark.parametrize("reason", ["", "   ", "\n"], ids=["empty", "spaces", "newline"])
def test_reason_required(action: str, status: Status, reason: str) -> None:
    fn = {"reject": reject, "return": return_, "terminate": terminate}[action]
    message = refusal(lambda: fn(table_project(status), ctx(), reason=reason))
    assert "理由" in message
    assert "--reason" in message


def test_reject_records_reason() -> None:
    p = reject(at(S.applied), ctx(DECIDED), reason=" 不符合申报条件 ")
    assert p.status is S.rejected
    assert (p.rejection.date, p.rejection.by, p.rejection.reason) == (DECIDED, "王干事", "不符合申报条件")


def test_terminate_records_reason() -> None:
    p = terminate(at(S.midchecked), ctx(date(2026, 4, 1)), reason="支部撤并")
    assert p.status is S.terminated
    assert (p.termination.date, p.termination.reason) == (date(2026, 4, 1), "支部撤并")


def test_return_then_resubmit_with_revised_fields() -> None:
    returned = return_(at(S.applied), ctx(date(2025, 5, 8)), reason="预算需要细化")
    assert returned.status is S.draft
    assert [(r.date, r.reason) for r in returned.returns] == [(date(2025, 5, 8), "预算需要细化")]

    revised = resubmit(returned, {"title": "党员先锋岗（修订）",
                                  "budget": [{"item": "培训资料", "amount": "500.00"}]},
                       ctx(date(2025, 5, 12), APPLICANT))
    assert revised.status is S.applied
    assert revised.title == "党员先锋岗（修订）"
    assert revised.budget_total == Decimal("500.00")
    assert revised.applied == date(2025, 5, 12)
    assert revised.applicant == "张书记"
    assert len(revised.returns) == 1  # the history of the return is kept
    assert revised.id == NEW_ID
    assert approve(revised, ctx(date(2025, 5, 20))).status is S.approved


@pytest.mark.parametrize(("fields", "named"), [
    ({"status": "approved"}, "status"),
    ({"category": "组织设置"}, "组织设置"),
    ({"branch": "外国语学院教工党支部"}, "外国语学院教工党支部"),
])
def test_resubmit_refuses_what_apply_refuses(fields: dict[str, str], named: str) -> None:
    message = refusal(lambda: resubmit(at(S.draft), fields, ctx()))
    assert named in message


# --- 6. mid-check and rectification ----------------------------------------------------


def test_mid_check_pass() -> None:
    p = mid_check(at(S.approved), ctx(MID), result="pass", opinion="进度正常")
    assert p.status is S.midchecked
    assert [(m.date, m.by, m.result, m.opinion, m.stage) for m in p.mid_checks] == [
        (MID, "王干事", "pass", "进度正常", 1)]
    assert p.rectifications == []


def test_mid_check_unknown_result_refused() -> None:
    message = refusal(lambda: mid_check(at(S.approved), ctx(MID), result="fail"))
    assert "fail" in message
    assert "pass" in message and "rectify" in message


def test_rectify_without_deadline_refused() -> None:
    message = refusal(lambda: mid_check(at(S.approved), ctx(MID), result="rectify", issues="台账不全"))
    assert "--deadline" in message


@pytest.mark.parametrize("deadline", [MID, date(2026, 3, 9)], ids=["same-day", "before"])
def test_rectify_deadline_must_be_after_the_check(deadline: date) -> None:
    message = refusal(lambda: mid_check(at(S.approved), ctx(MID), result="rectify", deadline=deadline,
                                        issues="台账不全"))
    assert str(deadline) in message
    assert "2026-03-10" in message


def test_rectify_without_issues_refused() -> None:
    message = refusal(lambda: mid_check(at(S.approved), ctx(MID), result="rectify",
                                        deadline=date(2026, 4, 10)))
    assert "--issues" in message


def test_rectify_opens_a_rectification() -> None:
    p = mid_check(at(S.approved), ctx(MID), result="rectify", deadline=date(2026, 4, 10),
                  issues="台账不全")
    assert p.status is S.rectifying
    open_ = p.open_rectification
    assert open_ is not None
    assert (open_.issued, open_.deadline, open_.issues, open_.done) == (
        MID, date(2026, 4, 10), "台账不全", None)
    assert p.mid_checks[-1].result == "rectify"


def test_rectified_closes_the_rectification() -> None:
    p = rectified(at(S.rectifying), ctx(date(2026, 4, 2)), note=" 已补齐台账 ")
    assert p.status is S.midchecked
    assert p.open_rectification is None
    assert [(r.done, r.note) for r in p.rectifications] == [(date(2026, 4, 2), "已补齐台账")]


def test_second_mid_check_pass_settles_the_open_rectification() -> None:
    p = mid_check(at(S.rectifying), ctx(date(2026, 4, 12)), result="pass", opinion="整改到位")
    assert p.status is S.midchecked
    assert p.open_rectification is None
    assert [r.done for r in p.rectifications] == [date(2026, 4, 12)]
    assert [m.result for m in p.mid_checks] == ["rectify", "pass"]


# --- 7. close ----------------------------------------------------------------------------


def test_innovation_project_cannot_close_before_twelve_months() -> None:
    # approved 2025-05-20 → earliest 2025-05-20 + 12 months = 2026-05-20
    message = refusal(lambda: close(at(S.midchecked), ctx(date(2026, 5, 19)), report=REPORT))
    assert "创新探索型" in message
    assert "12" in message
    assert "2026-05-20" in message


def test_innovation_project_closes_on_the_twelve_month_day() -> None:
    p = close(at(S.midchecked), ctx(date(2026, 5, 20)), report=REPORT)
    assert p.status is S.closed
    assert p.closing_report.date == date(2026, 5, 20)
    assert p.closing_report.overview == "设立党员先锋岗 12 个。"
    assert p.closing_report.evaluation == "建议推广。"


def test_type_without_minimum_can_close_right_away() -> None:
    p = approve(apply(application(type="制度推广型"), ctx(APPLIED), NEW_ID), ctx(DECIDED))
    p = mid_check(p, ctx(DECIDED), result="pass")
    assert close(p, ctx(DECIDED), report=REPORT).status is S.closed


SAMPLE_SECTIONS = {
    "项目概况": "设立党员先锋岗 12 个。",
    "实施情况": "每周巡查，共 40 次。\n\n第二段。",
    "成果经验": "全年零事故。",
    "评价建议": "建议推广。",
}


def report_text(sections: dict[str, str], newline: str = "\n") -> str:
    text = "# 结题报告\n\n" + "".join(f"## {title}\n{body}\n\n" for title, body in sections.items())
    return text.replace("\n", newline)


def test_parse_closing_report_of_the_sample_file() -> None:
    report = parse_closing_report((DATA / "report.md").read_text("utf-8"))
    assert report == {
        "overview": "设立党员先锋岗 12 个。",
        "implementation": "每周巡查，共 40 次。\n\n第二段。",
        "achievements": "全年零事故。",
        "evaluation": "建议推广。",
    }


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_parse_closing_report_any_order(newline: str) -> None:
    shuffled = {k: SAMPLE_SECTIONS[k] for k in ("评价建议", "成果经验", "项目概况", "实施情况")}
    report = parse_closing_report(report_text(shuffled, newline))
    assert report["overview"] == "设立党员先锋岗 12 个。"
    assert report["implementation"] == "每周巡查，共 40 次。\n\n第二段。"
    assert report["achievements"] == "全年零事故。"
    assert report["evaluation"] == "建议推广。"


@pytest.mark.parametrize("title", list(SAMPLE_SECTIONS))
def test_parse_closing_report_missing_section_refused(title: str) -> None:
    sections = {k: v for k, v in SAMPLE_SECTIONS.items() if k != title}
    message = refusal(lambda: parse_closing_report(report_text(sections)))
    assert f"“{title}”" in message


@pytest.mark.parametrize("title", list(SAMPLE_SECTIONS))
def test_parse_closing_report_empty_section_refused(title: str) -> None:
    sections = {**SAMPLE_SECTIONS, title: "   \n"}
    message = refusal(lambda: parse_closing_report(report_text(sections)))
    assert f"“{title}”" in message


def test_parse_closing_report_names_every_missing_section() -> None:
    message = refusal(lambda: parse_closing_report("## 项目概况\n有内容\n"))
    for title in ("实施情况", "成果经验", "评价建议"):
        assert title in message


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2025, 1, 31), 1, date(2025, 2, 28)),  # 2025 is not a leap year
    (date(2024, 1, 31), 1, date(2024, 2, 29)),  # 2024 is
    (date(2025, 5, 20), 12, date(2026, 5, 20)),
    (date(2025, 3, 31), 1, date(2025, 4, 30)),  # April has 30 days
    (date(2025, 12, 31), 2, date(2026, 2, 28)),  # across the year end
    (date(2025, 11, 15), 2, date(2026, 1, 15)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
    (date(2025, 5, 20), 0, date(2025, 5, 20)),
])
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


# --- 8. score ----------------------------------------------------------------------------


def test_score_records_a_sheet() -> None:
    p = score(at(S.closed), ctx(SCORED, actor("钱评委")), reviewer=person("钱评委"),
              points=pts(18, "19.5", 17, 16, 15), comment=" 成效明显 ")
    assert p.status is S.closed
    [sheet] = p.scores
    assert (sheet.reviewer, sheet.email, sheet.date, sheet.comment) == (
        "钱评委", "qian@x.example", SCORED, "成效明显")
    assert sheet.points["process"] == Decimal("19.5")
    assert sheet.total == Decimal("85.5")  # 18 + 19.5 + 17 + 16 + 15


@pytest.mark.parametrize("missing", KEYS)
def test_score_missing_criterion_refused(missing: str) -> None:
    names = {"completeness": "项目完整性", "process": "过程与制度", "participation": "党员参与度",
             "education": "党员受教育", "strengthening": "支部建设成效"}
    points = {k: "18" for k in KEYS if k != missing}
    message = refusal(lambda: score(at(S.closed), ctx(), reviewer=person("钱评委"), points=points))
    assert missing in message
    assert names[missing] in message


def test_score_unknown_criterion_refused() -> None:
    points = {**pts(18, 18, 18, 18, 18), "bonus": "5"}
    message = refusal(lambda: score(at(S.closed), ctx(), reviewer=person("钱评委"), points=points))
    assert "bonus" in message


@pytest.mark.parametrize(("value", "words"), [
    ("21", "0 到 20"),
    ("20.01", "0 到 20"),
    ("-1", "0 到 20"),
    ("abc", "不是数字"),
    ("NaN", "0 到 20"),
    ("Infinity", "0 到 20"),
    ("", "不是数字"),
])
def test_score_out_of_range_or_not_a_number_refused(value: str, words: str) -> None:
    points = {**pts(18, 18, 18, 18, 18), "education": value}
    message = refusal(lambda: score(at(S.closed), ctx(), reviewer=person("钱评委"), points=points))
    assert "党员受教育" in message
    assert words in message


@pytest.mark.parametrize(("value", "total"), [
    ("19.5", Decimal("91.5")),  # 18 × 4 + 19.5
    ("0", Decimal("72")),  # 18 × 4 + 0
    ("20", Decimal("92")),  # 18 × 4 + 20
])
def test_score_within_range_allowed(value: str, total: Decimal) -> None:
    points = {**pts(18, 18, 18, 18, 18), "education": value}
    p = score(at(S.closed), ctx(), reviewer=person("钱评委"), points=points)
    assert p.scores[0].total == total


def test_score_reviewer_without_reviewer_role_refused() -> None:
    message = refusal(lambda: score(at(S.closed), ctx(), reviewer=person("李部长"),
                                    points=pts(18, 18, 18, 18, 18)))
    assert "李部长" in message
    assert "评审专家（reviewer）" in message


def test_score_reviewer_of_the_same_unit_must_recuse() -> None:
    # 机电评委 belongs to 机电学院党委, the project's own unit
    message = refusal(lambda: score(at(S.closed), ctx(), reviewer=person("机电评委"),
                                    points=pts(18, 18, 18, 18, 18)))
    assert "机电评委" in message
    assert "回避" in message


@pytest.mark.parametrize("who", ["李部长", "孙评委"])
def test_score_for_someone_else_refused_unless_clerk(who: str) -> None:
    message = refusal(lambda: score(at(S.closed), ctx(who=actor(who)), reviewer=person("钱评委"),
                                    points=pts(18, 18, 18, 18, 18)))
    assert who in message
    assert "组织部干事（clerk）" in message


def test_clerk_enters_a_paper_sheet_for_a_reviewer() -> None:
    p = score(at(S.closed), ctx(who=CLERK), reviewer=person("钱评委"), points=pts(18, 18, 18, 18, 18))
    [sheet] = p.scores
    assert sheet.reviewer == "钱评委"
    assert sheet.email == "qian@x.example"


def test_scoring_again_with_replace_replaces_the_sheet() -> None:
    p = at(S.closed, sheets=[("钱评委", pts(18, 18, 18, 18, 18)), ("孙评委", pts(16, 16, 16, 16, 16))])
    p = score(p, ctx(date(2026, 6, 3)), reviewer=person("钱评委"), points=pts(15, 15, 15, 15, 15), replace=True)
    assert len(p.scores) == 2
    by_name = {s.reviewer: s for s in p.scores}
    assert by_name["钱评委"].total == Decimal("75")  # 15 × 5, no longer 90
    assert by_name["钱评委"].date == date(2026, 6, 3)
    assert by_name["孙评委"].total == Decimal("80")  # 16 × 5, untouched


def test_scoring_again_alone_keeps_one_sheet() -> None:
    p = at(S.closed, sheets=HIGH)
    p = score(p, ctx(), reviewer=person("钱评委"), points=pts(17, 17, 17, 17, 16), replace=True)
    assert len(p.scores) == 1
    assert p.scores[0].total == Decimal("84")  # 17 × 4 + 16


@pytest.mark.parametrize(("items", "expected"), [
    (["completeness=18", " process = 19.5 "], {"completeness": "18", "process": "19.5"}),
])
def test_parse_points(items: list[str], expected: dict[str, str]) -> None:
    assert parse_points(items) == expected


@pytest.mark.parametrize("item", ["completeness", "=18", " =18"])
def test_parse_points_bad_item_refused(item: str) -> None:
    message = refusal(lambda: parse_points([item]))
    assert item in message
    assert "代码=分数" in message


# --- 9. accept ---------------------------------------------------------------------------


def uniform(value: object) -> dict[str, str]:
    return pts(value, value, value, value, value)


def test_accept_without_scores_refused() -> None:
    message = refusal(lambda: accept(at(S.closed), ctx()))
    assert "还没有评分" in message
    assert "dj score" in message


@pytest.mark.parametrize(("sheets", "total", "grade"), [
    pytest.param([("钱评委", uniform(16)),  # 80
                  ("孙评委", uniform(17)),  # 85
                  ("周评委", uniform(18)),  # 90
                  ("吴评委", pts(14, 14, 14, 14, 16))],  # 72
                 Decimal("81.75"), "较好",  # 4 < trim_from 5: (80 + 85 + 90 + 72) / 4 = 327 / 4
                 id="4-plain-mean"),
    pytest.param([("钱评委", pts(17, 17, 17, 17, "17.5")),  # 85.5
                  ("孙评委", uniform(17)),  # 85
                  ("周评委", uniform(17)),  # 85
                  ("吴评委", uniform(17))],  # 85
                 Decimal("85.13"), "优秀",  # 340.5 / 4 = 85.125 → half up 85.13 (half-even: 85.12)
                 id="4-half-up"),
    pytest.param([("钱评委", uniform(20)),  # 100, highest, dropped
                  ("孙评委", uniform(18)),  # 90
                  ("周评委", uniform(17)),  # 85
                  ("吴评委", uniform(16)),  # 80
                  ("郑评委", uniform(10))],  # 50, lowest, dropped
                 Decimal("85.00"), "优秀",  # (90 + 85 + 80) / 3 = 85; the plain mean would be 81
                 id="5-trimmed"),
    pytest.param([("钱评委", uniform(20)),  # 100, dropped
                  ("孙评委", uniform(19)),  # 95
                  ("周评委", uniform(18)),  # 90
                  ("吴评委", uniform(17)),  # 85
                  ("郑评委", uniform(16)),  # 80
                  ("冯评委", pts(15, 15, 15, 15, "15.5")),  # 75.5
                  ("陈评委", uniform(8))],  # 40, dropped
                 Decimal("85.10"), "优秀",  # (95 + 90 + 85 + 80 + 75.5) / 5 = 425.5 / 5
                 id="7-trimmed"),
    pytest.param([("钱评委", pts(12, 12, 12, 12, "11.99")),  # 59.99
                  ("孙评委", uniform(12)),  # 60
                  ("周评委", uniform(12)),  # 60
                  ("吴评委", uniform(12))],  # 60
                 Decimal("60.00"), "一般",  # 239.99 / 4 = 59.9975 → 60.00, the total shown decides
                 id="4-rounds-up-to-pass-line"),
])
def test_accept_total_and_grade(sheets: Sheets, total: Decimal, grade: str) -> None:
    p = accept(at(S.closed, sheets=sheets), ctx(ACCEPTED))
    assert p.status is S.accepted
    assert p.result.total == total
    assert str(p.result.total) == str(total)  # two places, as the form prints it
    assert p.result.grade == grade
    assert p.result.passed == "yes"
    assert (p.result.date, p.result.by) == (ACCEPTED, "王干事")


@pytest.mark.parametrize(("points", "status", "passed", "grade"), [
    (uniform(12), S.accepted, "yes", "一般"),  # 60.00: exactly the pass line
    (pts(12, 12, 12, 12, "11.99"), S.failed, "no", ""),  # 59.99
    (uniform(0), S.failed, "no", ""),  # 0
])
def test_accept_pass_line(points: dict[str, str], status: Status, passed: str, grade: str) -> None:
    p = accept(at(S.closed, sheets=[("钱评委", points)]), ctx(ACCEPTED))
    assert p.status is status
    assert p.result.passed == passed
    assert p.result.grade == grade


@pytest.mark.parametrize(("points", "total", "grade"), [
    (uniform(20), Decimal("100.00"), "优秀"),
    (uniform(17), Decimal("85.00"), "优秀"),  # 17 × 5
    (pts(17, 17, 17, 17, "16.99"), Decimal("84.99"), "较好"),
    (uniform(14), Decimal("70.00"), "较好"),  # 14 × 5
    (pts(14, 14, 14, 14, "13.99"), Decimal("69.99"), "一般"),
])
def test_accept_grade_boundaries(points: dict[str, str], total: Decimal, grade: str) -> None:
    p = accept(at(S.closed, sheets=[("钱评委", points)]), ctx(ACCEPTED))
    assert p.status is S.accepted
    assert p.result.total == total
    assert p.result.grade == grade


# A two-stage innovation project: stage 1 from 2024 so that stage 2 can run its 12 months too.
S1_APPLIED, S1_APPROVED, S1_MID = date(2024, 4, 10), date(2024, 5, 20), date(2025, 3, 10)
S1_CLOSED, S1_SCORED, S1_ACCEPTED = date(2025, 5, 20), date(2025, 6, 1), date(2025, 6, 10)


def stage_one_done() -> Project:
    p = apply(application(stages="2"), ctx(S1_APPLIED), "2024-机电-001")
    assert (p.stage, p.stages) == (1, 2)
    p = approve(p, ctx(S1_APPROVED))
    p = mid_check(p, ctx(S1_MID), result="pass")
    p = close(p, ctx(S1_CLOSED), report=REPORT)
    p = add_sheets(p, [("钱评委", uniform(18)), ("孙评委", uniform(16))], S1_SCORED)  # 90, 80
    return accept(p, ctx(S1_ACCEPTED))


def test_passed_first_stage_opens_the_second() -> None:
    p = stage_one_done()
    assert p.status is S.approved
    assert p.stage == 2
    assert p.scores == []
    assert p.result is None
    assert p.closing_report is None
    [done] = p.past_stages
    assert done.stage == 1
    assert done.closing_report.overview == "设立党员先锋岗 12 个。"
    assert sorted(s.reviewer for s in done.scores) == ["孙评委", "钱评委"]
    assert done.result.total == Decimal("85.00")  # (90 + 80) / 2
    assert done.result.grade == "优秀"
    assert done.result.passed == "yes"
    assert done.result.date == S1_ACCEPTED


def test_second_stage_runs_to_acceptance() -> None:
    p = stage_one_done()
    p = mid_check(p, ctx(date(2026, 3, 10)), result="pass")
    assert p.mid_checks[-1].stage == 2
    # stage 2 starts at stage 1's acceptance, 2025-06-10: earliest close 2026-06-10
    message = refusal(lambda: close(p, ctx(date(2026, 6, 9)), report=REPORT))
    assert "2026-06-10" in message
    p = close(p, ctx(date(2026, 6, 10)), report=REPORT)
    p = add_sheets(p, [("钱评委", uniform(15))], date(2026, 6, 20))  # 75
    p = accept(p, ctx(date(2026, 7, 1)))
    assert p.status is S.accepted
    assert p.stage == 2
    assert p.result.total == Decimal("75.00")
    assert p.result.grade == "较好"
    assert len(p.past_stages) == 1
    assert p.past_stages[0].result.total == Decimal("85.00")


def test_failed_first_stage_fails_the_project() -> None:
    p = apply(application(stages="2"), ctx(S1_APPLIED), "2024-机电-001")
    p = approve(p, ctx(S1_APPROVED))
    p = mid_check(p, ctx(S1_MID), result="pass")
    p = close(p, ctx(S1_CLOSED), report=REPORT)
    p = add_sheets(p, [("钱评委", uniform(10))], S1_SCORED)  # 50
    p = accept(p, ctx(S1_ACCEPTED))
    assert p.status is S.failed
    assert p.stage == 1
    assert p.past_stages == []
    assert p.result.total == Decimal("50.00")

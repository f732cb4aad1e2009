"""A project record and its parts; every field carries the Chinese title users read."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from dangjian_cli.errors import DjError
from dangjian_cli.paths import ID_PATTERN as ID_PATTERN
from dangjian_cli.paths import ID_RE as ID_RE

SCHEMA_VERSION = 1

CENT = Decimal("0.00")
# Money as people write it: digits, a point and at most two decimals. 1e3, NaN and Infinity are numbers to
# Python's Decimal, not amounts to a clerk, and are refused with the way to write them.
_MONEY_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")  # a minus sign is left to the "at least 0" rule
MONEY_HINT = "金额请写成普通数字，例如 1000 或 800.50（不能用 1e3 这样的科学计数法，也不能写 NaN、Infinity）"


def money_text(text: str) -> str:
    """The text of an amount, stripped; refused (ValueError, in Chinese) unless written as plain digits."""
    stripped = text.strip()
    if not _MONEY_TEXT.fullmatch(stripped):
        raise ValueError(MONEY_HINT)
    return stripped


def _plain_money(value: Any) -> Any:
    return money_text(value) if isinstance(value, str) else value


def _two_places(value: Decimal) -> Decimal:
    """Money is kept to the cent: 1000 reads as 1000.00; 12.345 is refused, never rounded."""
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError("金额最多保留两位小数（精确到分）")
    return value.quantize(CENT)


Money = Annotated[
    Decimal,
    Field(ge=0, allow_inf_nan=False, description="金额，单位：元"),
    BeforeValidator(_plain_money),
    AfterValidator(_two_places),
]
Points = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]
Text = Annotated[str, Field(description="可多段文字")]


class Status(StrEnum):
    draft = "draft"
    applied = "applied"
    approved = "approved"
    rejected = "rejected"
    rectifying = "rectifying"
    midchecked = "midchecked"
    closed = "closed"
    accepted = "accepted"
    failed = "failed"
    terminated = "terminated"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS: dict[Status, str] = {
    Status.draft: "草稿（退回修改）",
    Status.applied: "已申报",
    Status.approved: "已立项",
    Status.rejected: "未立项",
    Status.rectifying: "整改中",
    Status.midchecked: "已通过中期检查",
    Status.closed: "已结题",
    Status.accepted: "已验收",
    Status.failed: "验收未通过",
    Status.terminated: "已终止",
}

OPEN_STATUSES = frozenset(
    {Status.draft, Status.applied, Status.approved, Status.rectifying, Status.midchecked,
     Status.closed}
)


class Record(BaseModel):
    """Base of every part: unknown keys are refused so typos never vanish silently."""

    # defer_build: a model's validator is built when it is first used, not at import, so a command
    # pays only for the models it reads (dj show never builds dj.yaml's, dj --help none at all).
    model_config = ConfigDict(extra="forbid", validate_assignment=True, defer_build=True)


class Responsible(Record):
    first: str = Field(title="第一责任人", description="一般为党组织书记（003）")
    direct: str = Field(title="直接责任人", description="一般为分管领导（003）")


class Period(Record):
    start: dt.date = Field(title="开始日期")
    end: dt.date = Field(title="结束日期")


class Milestone(Record):
    date: dt.date = Field(title="时间节点")
    content: str = Field(title="工作内容")


class BudgetLine(Record):
    item: str = Field(title="支出项目")
    amount: Money = Field(title="金额（元）")


class Approval(Record):
    date: dt.date = Field(title="立项日期")
    by: str = Field(title="审批人")
    opinion: str = Field(default="", title="立项意见")
    funding: Money = Field(title="资助经费（元）")
    doc_no: str = Field(default="", title="立项文号")


class Decision(Record):
    """A refusal, a return for revision or a termination: who, when and why."""

    date: dt.date = Field(title="日期")
    by: str = Field(title="办理人")
    reason: str = Field(title="理由")


class MidCheck(Record):
    stage: int = Field(default=1, ge=1, title="阶段")
    date: dt.date = Field(title="检查日期")
    by: str = Field(title="检查人")
    result: Literal["pass", "rectify"] = Field(
        title="检查结论", description="pass：通过；rectify：限期整改"
    )
    opinion: str = Field(default="", title="检查意见")


class Rectification(Record):
    stage: int = Field(default=1, ge=1, title="阶段")
    issued: dt.date = Field(title="下发日期")
    deadline: dt.date = Field(title="整改期限")
    issues: Text = Field(title="存在问题与整改要求")
    done: dt.date | None = Field(default=None, title="整改完成日期")
    note: str = Field(default="", title="整改情况说明")


class ClosingReport(Record):
    date: dt.date = Field(title="结题日期")
    overview: Text = Field(title="项目概况")
    implementation: Text = Field(title="实施情况")
    achievements: Text = Field(title="成果经验")
    evaluation: Text = Field(title="评价建议")


CLOSING_SECTIONS: dict[str, str] = {
    "overview": "项目概况",
    "implementation": "实施情况",
    "achievements": "成果经验",
    "evaluation": "评价建议",
}


class ScoreSheet(Record):
    reviewer: str = Field(title="评审人")
    email: str = Field(default="", title="评审人邮箱")
    date: dt.date = Field(title="评分日期")
    points: dict[str, Points] = Field(title="各项得分", description="评分标准代码 → 得分")
    total: Decimal = Field(title="合计", description="各项得分（乘以权重）之和")
    comment: str = Field(default="", title="评审意见")


class Result(Record):
    date: dt.date = Field(title="验收日期")
    by: str = Field(default="", title="办理人")
    total: Decimal = Field(title="验收总分")
    grade: str = Field(default="", title="等次")
    passed: Literal["yes", "no"] = Field(title="是否通过", description="yes：通过；no：未通过")
    award: str = Field(default="", title="表彰奖项")
    retained: Money | None = Field(default=None, title="结余经费留存支部（元）", description="001：验收后结余归支部")


class Spending(Record):
    date: dt.date = Field(title="支出日期")
    amount: Money = Field(title="金额（元）")
    item: str = Field(min_length=1, title="用途")
    receipt: str = Field(default="", title="票据号")


class Entry(Record):
    """A project's part in the innovation competition (002)."""

    recommended: dt.date = Field(title="推荐日期")
    recommended_by: str = Field(title="推荐人")
    shortlisted: dt.date | None = Field(default=None, title="入围答辩日期")
    scores: list[ScoreSheet] = Field(default_factory=list, title="答辩评分")
    total: Decimal | None = Field(default=None, title="答辩得分")
    award: str = Field(default="", title="获奖")


class StageRecord(Record):
    """A finished stage of a multi-year project (003: accepted stage by stage)."""

    stage: int = Field(ge=1, title="阶段")
    closing_report: ClosingReport = Field(title="阶段总结报告")
    scores: list[ScoreSheet] = Field(default_factory=list, title="阶段评分")
    result: Result = Field(title="阶段验收结果")


class Project(Record):
    schema_version: int = Field(default=SCHEMA_VERSION, title="数据格式版本")
    id: str = Field(pattern=ID_PATTERN, title="项目编号", description="年度-单位代码-序号，如 2025-机电-003")
    title: str = Field(min_length=1, title="项目名称")
    cycle: str = Field(pattern=r"^[0-9]{4}$", title="年度", description="项目归属的年度或学年")
    unit: str = Field(title="项目所在单位", description="二级党组织")
    branch: str = Field(title="项目所在支部")
    leader: str = Field(title="项目执行者")
    secretary: str = Field(title="支部书记")
    responsible: Responsible = Field(title="责任人")
    category: str = Field(title="项目类别")
    type: str = Field(title="项目类型", description="如 创新探索型、典型示范型、制度推广型")
    stages: int = Field(default=1, ge=1, le=10, title="实施阶段数", description="分年实施的年数")
    stage: int = Field(default=1, ge=1, le=10, title="当前阶段")
    period: Period = Field(title="实施周期")
    background: Text = Field(default="", title="项目背景")
    plan: Text = Field(default="", title="实施方案")
    goals: Text = Field(default="", title="预期目标")
    measures: Text = Field(default="", title="保障措施")
    milestones: list[Milestone] = Field(default_factory=list, title="进度安排")
    budget: list[BudgetLine] = Field(default_factory=list, title="经费预算")
    status: Status = Field(title="状态")
    applied: dt.date | None = Field(default=None, title="申报日期", description="即填表日期")
    applicant: str = Field(default="", title="申报人")
    parent: str | None = Field(default=None, title="上一阶段项目", description="由哪个项目升级而来")
    approval: Approval | None = Field(default=None, title="立项")
    returns: list[Decision] = Field(default_factory=list, title="退回修改记录")
    rejection: Decision | None = Field(default=None, title="不予立项")
    mid_checks: list[MidCheck] = Field(default_factory=list, title="中期检查")
    rectifications: list[Rectification] = Field(default_factory=list, title="整改通知")
    closing_report: ClosingReport | None = Field(default=None, title="结题报告")
    scores: list[ScoreSheet] = Field(default_factory=list, title="验收评分")
    result: Result | None = Field(default=None, title="验收结果")
    past_stages: list[StageRecord] = Field(default_factory=list, title="已完成阶段")
    termination: Decision | None = Field(default=None, title="终止")
    spending: list[Spending] = Field(default_factory=list, title="经费支出")
    competition: Entry | None = Field(default=None, title="创新项目评比")

    @property
    def budget_total(self) -> Decimal:
        return sum((line.amount for line in self.budget), CENT)

    @property
    def granted(self) -> Decimal:
        return self.approval.funding if self.approval else CENT

    @property
    def spent(self) -> Decimal:
        return sum((s.amount for s in self.spending), CENT)

    @property
    def balance(self) -> Decimal:
        return self.granted - self.spent

    @property
    def open_rectification(self) -> Rectification | None:
        return next((r for r in self.rectifications if r.done is None), None)


class SchemaVersioned(BaseModel):
    """Just enough to read a file's schema_version before trusting the rest of it."""

    model_config = ConfigDict(extra="ignore", defer_build=True)
    schema_version: int = SCHEMA_VERSION


def explain(error: ValidationError, text: str | None = None) -> list[str]:
    """Pydantic's errors as Chinese phrases naming the field (and the line of `text`, when given)."""
    from dangjian_cli.validation import explain as in_chinese

    return in_chinese(error, text)


R = TypeVar("R", bound=BaseModel)


def revised(record: R, name: str, changes: dict[str, Any]) -> R:
    """A validated copy of a record (`name` says which, for the refusal): a step can never produce a record
    the store would refuse."""
    data = record.model_dump()
    data.update(changes)
    try:
        return type(record).model_validate(data)
    except ValidationError as e:
        raise DjError(f"{name}的{explain(e)[0]}；请改正后再试。") from None


def required(text: str | None, what: str, label: str) -> str:
    """The text a step cannot do without, stripped; refused when empty."""
    if text is None or not text.strip():
        raise DjError(f"{label}需要填写{what}；请补上后再试。")
    return text.strip()

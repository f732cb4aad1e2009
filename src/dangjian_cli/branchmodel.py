"""A party branch's record in one grading round (seed 004) and its parts; every field carries its Chinese title."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import Field

from dangjian_cli.gradeconfig import GradeLetter
from dangjian_cli.model import SCHEMA_VERSION, Points, Record, Text

BRANCH_ID_PATTERN = r"^[0-9]{4}-[0-9A-Za-z\u4e00-\u9fff]{1,16}-支[0-9]{2,}$"
BRANCH_ID_RE = re.compile(BRANCH_ID_PATTERN)


class BranchStatus(StrEnum):
    surveyed = "surveyed"
    assessed = "assessed"
    reviewed = "reviewed"
    graded = "graded"
    rectifying = "rectifying"

    @property
    def label(self) -> str:
        return BRANCH_STATUS_LABELS[self]


BRANCH_STATUS_LABELS: dict[BranchStatus, str] = {
    BranchStatus.surveyed: "已调查摸底",
    BranchStatus.assessed: "已自评",
    BranchStatus.reviewed: "已初评",
    BranchStatus.graded: "已定级",
    BranchStatus.rectifying: "整改中",
}

# The seven facts 004 三(一) asks the survey to check, key → what the seed calls it.
SURVEY_FACTS: dict[str, str] = {
    "organisation": "组织设置",
    "committee": "班子健全",
    "rules": "制度完善",
    "plan": "发展思路",
    "activities": "活动开展",
    "role": "作用发挥",
    "support": "经费场所保障",
}


class Survey(Record):
    """调查摸底: a short note on each of the seed's seven questions."""

    date: dt.date = Field(title="调查日期")
    by: str = Field(title="填报人")
    organisation: str = Field(min_length=1, title="组织设置", description="组织设置是否合理")
    committee: str = Field(min_length=1, title="班子健全", description="党支部班子是否健全")
    rules: str = Field(min_length=1, title="制度完善", description="组织制度是否完善")
    plan: str = Field(min_length=1, title="发展思路", description="发展思路是否清晰")
    activities: str = Field(min_length=1, title="活动开展", description="活动开展是否正常")
    role: str = Field(min_length=1, title="作用发挥", description="作用发挥是否充分")
    support: str = Field(min_length=1, title="经费场所保障", description="经费场所保障是否落实")


class SelfAssessment(Record):
    """自评: the branch scores itself against its rubric and writes a 自我评价报告."""

    date: dt.date = Field(title="自评日期")
    by: str = Field(title="自评人")
    points: dict[str, Points] = Field(title="各项得分", description="指标代码 → 得分")
    total: Decimal = Field(title="自评总分")
    report: Text = Field(min_length=1, title="自我评价报告")


class UnitReview(Record):
    """初评: the unit checks the self-assessment, has members and the public appraise, proposes a grade."""

    date: dt.date = Field(title="初评日期")
    by: str = Field(title="初评人")
    points: dict[str, Points] = Field(title="各项得分", description="指标代码 → 得分")
    total: Decimal = Field(title="初评总分")
    appraisal: str = Field(min_length=1, title="党员和群众测评结果", description="如 满意率 96%")
    learning: str = Field(default="", title="学习型党组织建设验收", description="作为参考依据（004）")
    satisfaction: str = Field(default="", title="基层党组织和负责人群众满意度测评", description="作为参考依据（004）")
    proposed: GradeLetter = Field(title="建议等级")
    opinion: Text = Field(min_length=1, title="初评意见")


class GradeDecision(Record):
    """考评: the committee's points, the methods it used, the final score and the grade."""

    date: dt.date = Field(title="考评日期")
    by: str = Field(title="办理人")
    points: dict[str, Points] = Field(title="党委考评各项得分", description="指标代码 → 得分")
    total: Decimal = Field(title="党委考评总分")
    final: Decimal = Field(title="最终得分", description="自评、初评、考评总分按 grading.weights 加权")
    band: GradeLetter = Field(title="按分档的等级")
    grade: GradeLetter = Field(title="评定等级")
    reason: Text = Field(default="", title="不按分档定级的理由")
    methods: list[str] = Field(min_length=1, title="考评方式")


class Recommendation(Record):
    date: dt.date = Field(title="推荐日期")
    by: str = Field(title="推荐人")
    title: str = Field(title="推荐荣誉", description="如 先进党支部")


class Consequence(Record):
    text: str = Field(title="后果")
    until: dt.date = Field(title="有效期至", description="此日之前（含）有效")


class BranchRectification(Record):
    issued: dt.date = Field(title="下发日期")
    by: str = Field(title="下发人")
    items: list[str] = Field(min_length=1, title="整改事项")
    deadline: dt.date = Field(title="整改期限")
    done: dt.date | None = Field(default=None, title="整改完成日期")
    note: str = Field(default="", title="整改情况说明")


class Branch(Record):
    schema_version: int = Field(default=SCHEMA_VERSION, title="数据格式版本")
    id: str = Field(pattern=BRANCH_ID_PATTERN, title="党支部定级编号",
                    description="年度-单位代码-支序号，如 2026-机电-支01")
    round: str = Field(pattern=r"^[0-9]{4}$", title="定级年度")
    unit: str = Field(title="所属二级党组织")
    name: str = Field(min_length=1, title="党支部名称")
    kind: str = Field(title="党支部类别", description="grading.kinds[].kind，如 student、teacher")
    members: int = Field(ge=0, title="党员人数")
    committee: list[str] = Field(default_factory=list, title="支部委员")
    secretary: str = Field(min_length=1, title="党支部书记")
    last_grade: GradeLetter | Literal[""] = Field(default="", title="上一年度等级",
                                                   description="调查摸底时从上一年度的记录抄来；没有记录时由干事填写")
    status: BranchStatus = Field(title="状态")
    survey: Survey = Field(title="调查摸底")
    self_assessment: SelfAssessment | None = Field(default=None, title="自评")
    unit_review: UnitReview | None = Field(default=None, title="初评")
    decision: GradeDecision | None = Field(default=None, title="党委考评")
    recommendation: Recommendation | None = Field(default=None, title="推荐先进党支部")
    consequences: list[Consequence] = Field(default_factory=list, title="定级后果")
    rectifications: list[BranchRectification] = Field(default_factory=list, title="对标整改")

    @property
    def grade(self) -> str:
        return self.decision.grade if self.decision else ""

    @property
    def open_rectification(self) -> BranchRectification | None:
        return next((r for r in self.rectifications if r.done is None), None)

    def consequences_on(self, day: dt.date) -> list[Consequence]:
        """The consequences still in force on `day`."""
        return [c for c in self.consequences if day <= c.until]

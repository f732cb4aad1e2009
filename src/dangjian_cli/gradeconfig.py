"""dj.yaml's `grading:` section (seed 004): rubrics per branch kind, weights, bands, the A cap, consequences."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, model_validator

from dangjian_cli.model import Record

GradeLetter = Literal["A", "B", "C", "D"]
GRADES: tuple[GradeLetter, ...] = ("A", "B", "C", "D")  # best first: a grade's rank is its place here
GRADE_LABELS: dict[str, str] = {"A": "先进", "B": "较好", "C": "一般", "D": "后进"}
FULL_MARKS = Decimal(100)


def grade_label(grade: str) -> str:
    return f"{grade} 级（{GRADE_LABELS[grade]}）" if grade in GRADE_LABELS else grade


class Indicator(Record):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$", title="代码", description="评分时使用的英文代码，如 lead_study")
    name: str = Field(title="指标")
    max: Annotated[Decimal, Field(gt=0)] = Field(title="分值")
    description: str = Field(default="", title="评分要点", description="怎样得分的一句话")


class Heading(Record):
    name: str = Field(title="评价项目", description="如 领导班子好")
    indicators: list[Indicator] = Field(min_length=1, title="评价指标")

    @property
    def max_total(self) -> Decimal:
        return sum((i.max for i in self.indicators), Decimal(0))


class GradingRubric(Record):
    """One 分类定级评分参考标准 (004 附表1, 附表2): headings of indicators, 100 points in all."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$", title="代码", description="如 student、staff")
    name: str = Field(title="名称", description="如 学生党支部分类定级评分参考标准")
    headings: list[Heading] = Field(min_length=1, title="评价项目")

    @model_validator(mode="after")
    def _hundred_points(self) -> GradingRubric:
        keys = [i.key for h in self.headings for i in h.indicators]
        if len(keys) != len(set(keys)):
            raise ValueError(f"评分标准“{self.name}”中指标代码不能重复")
        if self.max_total != FULL_MARKS:
            raise ValueError(f"评分标准“{self.name}”各指标分值合计为 {self.max_total} 分，应正好为 100 分")
        return self

    @property
    def indicators(self) -> list[Indicator]:
        return [i for h in self.headings for i in h.indicators]

    @property
    def max_total(self) -> Decimal:
        return sum((h.max_total for h in self.headings), Decimal(0))


class BranchKind(Record):
    kind: str = Field(pattern=r"^[a-z][a-z0-9_]*$", title="支部类别代码",
                      description="如 student、teacher、admin、retired")
    name: str = Field(title="支部类别", description="如 学生党支部")
    rubric: str = Field(title="使用的评分标准", description="rubrics[].key")


Share = Annotated[Decimal, Field(ge=0, le=1)]


class Weights(Record):
    """Final score = self × w + unit × w + committee × w (published rules: self 40 % + superior 60 %)."""

    self_assessment: Share = Field(title="自评权重", description="如 0.4")
    unit_review: Share = Field(default=Decimal(0), title="二级党组织初评权重")
    committee: Share = Field(title="党委考评权重", description="如 0.6")

    @model_validator(mode="after")
    def _sum_to_one(self) -> Weights:
        total = self.self_assessment + self.unit_review + self.committee
        if total != 1:
            raise ValueError(f"自评、初评、考评的权重之和为 {total}，应为 1")
        return self


class Band(Record):
    grade: GradeLetter = Field(title="等级", description="A 先进、B 较好、C 一般、D 后进")
    min: Annotated[Decimal, Field(ge=0)] = Field(title="最低分", description="最终得分达到此分即为该等级")


class ACap(Record):
    """004 三(三): 原则上 A 级党支部一般不能超过 20%."""

    share: Share = Field(default=Decimal("0.20"), title="A 级党支部最高比例", description="如 0.20")
    scope: Literal["organisation", "unit"] = Field(
        default="organisation", title="比例的计算范围",
        description="organisation：全校（全部党支部）；unit：每个二级党组织分别计算")


class ConsequenceRule(Record):
    """004 三(三): 被评为 D 级的党支部，班子成员不得享受绩效奖励，书记下一年度内不能提拔使用."""

    grade: GradeLetter = Field(default="D", title="适用等级")
    text: str = Field(min_length=1, title="后果")
    months: int = Field(ge=1, title="期限（月）", description="自定级之日起多少个月内有效")


class GradingCalendar(Record):
    survey_by: dt.date | None = Field(default=None, title="调查摸底截止", description="004：3 月下旬至 4 月上旬")
    grading_by: dt.date | None = Field(default=None, title="分类定级完成", description="004：4 月 8 日之前完成")
    report_by: dt.date | None = Field(default=None, title="报送汇总表和整改汇总表",
                                      description="004：4 月 9 日 11 时前报送附表4、附表5")


def _grades(*grades: GradeLetter) -> list[GradeLetter]:
    return list(grades)


class Grading(Record):
    """党支部分类定级 (004): every branch graded A–D each round, then rectification."""

    round: str = Field(pattern=r"^[0-9]{4}$", title="定级年度", description="新调查摸底的党支部记录归入该年度")
    rubrics: list[GradingRubric] = Field(min_length=1, title="评分参考标准")
    kinds: list[BranchKind] = Field(min_length=1, title="党支部类别", description="每类支部使用哪个评分标准")
    weights: Weights = Field(title="最终得分的权重")
    bands: list[Band] = Field(min_length=1, title="等级分档", description="按最低分从高到低")
    a_cap: ACap = Field(default_factory=ACap, title="A 级比例上限")
    max_rise: int = Field(default=1, ge=1, title="每年最多晋升几级", description="004：一般不能越级晋升")
    recommend_grades: list[GradeLetter] = Field(default_factory=lambda: _grades("A"), title="可推荐为先进党支部的等级",
                                                description="004：必须从 A 级党支部中产生")
    recommend_title: str = Field(default="先进党支部", title="推荐的荣誉", description="如 院系级以上先进党支部")
    rectify_grades: list[GradeLetter] = Field(default_factory=lambda: _grades("C", "D"), title="须整改的等级",
                                              description="这些等级的支部必须下发整改事项")
    consequences: list[ConsequenceRule] = Field(default_factory=list, title="定级后果")
    methods: list[str] = Field(min_length=1, title="党委考评方式", description="004：实地查阅材料和会议记录等")
    calendar: GradingCalendar = Field(default_factory=GradingCalendar, title="定级日程")

    @model_validator(mode="after")
    def _references(self) -> Grading:
        keys = [r.key for r in self.rubrics]
        if len(keys) != len(set(keys)):
            raise ValueError("grading.rubrics 的代码（key）不能重复")
        for k in self.kinds:
            if k.rubric not in keys:
                raise ValueError(f"党支部类别“{k.name}”使用的评分标准“{k.rubric}”不在 grading.rubrics 中")
        self.bands.sort(key=lambda b: b.min, reverse=True)
        if len({b.grade for b in self.bands}) != len(self.bands):
            raise ValueError("grading.bands 中每个等级只能出现一次")
        if self.bands[-1].min != 0:
            raise ValueError("grading.bands 中最低一档的最低分应为 0，否则有的得分定不了等级")
        return self

    def kind(self, kind: str) -> BranchKind | None:
        return next((k for k in self.kinds if k.kind == kind), None)

    def rubric_for(self, kind: str) -> GradingRubric | None:
        found = self.kind(kind)
        return next((r for r in self.rubrics if found and r.key == found.rubric), None)

    def band(self, score: Decimal) -> GradeLetter:
        return next(b.grade for b in self.bands if score >= b.min)

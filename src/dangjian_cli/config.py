"""dj.yaml: what differs between organisations, with a preset per seed organisation."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from enum import StrEnum
from importlib import resources
from typing import Annotated

from pydantic import Field, model_validator

from dangjian_cli.gradeconfig import Grading
from dangjian_cli.model import SCHEMA_VERSION, Money, Record

CYCLE_PATTERN = r"^[0-9]{4}$"  # a year: a cycle names a folder, so nothing else may be one
PRESETS = ("college", "county", "township", "school")
PRESET_LABELS = {
    "college": "高校党委（001 立项活动实施办法）",
    "county": "县委组织部（003 县级党建工作项目化管理）",
    "township": "乡镇党委（003 镇村基层组织建设重点项目）",
    "school": "教育系统党委（003 教育系统基层党建重点工作项目）",
}


def find_preset(text: str) -> str | None:
    """A preset by its key (college) or by how a clerk names the organisation (高校, 县委组织部, 乡镇, 教育系统)."""
    wanted = text.strip()
    if wanted in PRESETS:
        return wanted
    found = [key for key, label in PRESET_LABELS.items() if wanted and wanted in label.split("（")[0]]
    return found[0] if len(found) == 1 else None


class Role(StrEnum):
    clerk = "clerk"
    approver = "approver"
    reviewer = "reviewer"
    judge = "judge"
    applicant = "applicant"


ROLE_LABELS = {
    Role.clerk: "组织部干事（clerk）",
    Role.approver: "审批人（approver）",
    Role.reviewer: "评审专家（reviewer）",
    Role.judge: "答辩评委（judge）",
    Role.applicant: "申报人（applicant）",
}


class Funding(Record):
    standard: Money = Field(title="每个立项项目的标准资助额（元）", description="001：每个项目 1000 元")


class ProjectType(Record):
    name: str = Field(title="类型名称")
    min_months: int = Field(
        default=0, ge=0, title="最短实施月数", description="立项后至少实施多少个月才能结题（003：一年以上）"
    )
    next: str | None = Field(default=None, title="验收合格后升级为", description="003：小试 → 中试 → 大试")


class Unit(Record):
    name: str = Field(title="单位名称", description="二级党组织，如 机电学院党委")
    code: str = Field(
        pattern=r"^[0-9A-Za-z\u4e00-\u9fff]{1,16}$",
        title="单位代码",
        description="项目编号中的单位部分，如 机电",
    )
    kind: str = Field(default="", title="单位类别", description="如 college、department、township")
    branches: list[str] = Field(default_factory=list, title="所属党支部")


_NAME_EMAIL = re.compile(r"^\s*(?P<name>[^<>]+?)\s*<(?P<email>[^<>\s]+@[^<>\s]+)>\s*$")


def name_email(text: str) -> tuple[str, str] | None:
    """`姓名 <email>` as git and dj's trailers write a person, or None when it is not that."""
    m = _NAME_EMAIL.match(text)
    return (m.group("name"), m.group("email")) if m else None


class Person(Record):
    name: str = Field(title="姓名")
    email: str = Field(title="邮箱", description="与 git 的 user.email 一致，用来识别操作人")
    unit: str = Field(default="", title="所在单位")
    roles: list[Role] = Field(default_factory=list, title="角色",
                              description="clerk、approver、reviewer、judge、applicant")
    branches: list[str] = Field(default_factory=list, title="代表的党支部",
                                description="申报人只能为这些支部办理（留空则为所在单位的全部支部）")


class Criterion(Record):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$", title="代码", description="评分表中使用的英文代码")
    name: str = Field(title="评分项")
    max: Annotated[Decimal, Field(gt=0)] = Field(title="满分")
    weight: Annotated[Decimal, Field(gt=0)] = Field(
        default=Decimal(1), title="权重", description="该项得分乘以权重后计入总分，默认 1"
    )
    description: str = Field(default="", title="评分要点")


class Grade(Record):
    name: str = Field(title="等次")
    min: Decimal = Field(title="最低分")


class Rubric(Record):
    """A panel's score sheet: what is scored, and when the highest and lowest totals are dropped."""

    criteria: list[Criterion] = Field(min_length=1, title="评分标准")
    trim_from: int = Field(
        default=5,
        ge=3,
        title="去掉最高分和最低分的最少评委数",
        description="评委人数达到此数时去掉一个最高分和一个最低分后取平均",
    )

    @model_validator(mode="after")
    def _keys_unique(self) -> Rubric:
        keys = [c.key for c in self.criteria]
        if len(keys) != len(set(keys)):
            raise ValueError("评分标准的代码不能重复")
        return self

    @property
    def max_total(self) -> Decimal:
        return sum((c.max * c.weight for c in self.criteria), Decimal(0))


class Acceptance(Rubric):
    pass_line: Decimal = Field(default=Decimal(60), title="合格线")
    grades: list[Grade] = Field(default_factory=list, title="等次划分", description="按最低分从高到低排列")

    @model_validator(mode="after")
    def _grades_descending(self) -> Acceptance:
        self.grades.sort(key=lambda g: g.min, reverse=True)
        return self


class Tier(Record):
    name: str = Field(title="奖项名称", description="如 优秀成果、一等奖")
    min: int = Field(default=0, ge=0, title="最少名额", description="仅供参考：名额按 max 从高分到低分填满")
    max: int = Field(ge=1, title="最多名额")


class Awards(Record):
    """评比表彰: projects at or above min_total fill the tiers in order of total (001, 003)."""

    min_total: Decimal = Field(default=Decimal(0), title="参评最低分", description="001：总评 85 分以上")
    tiers: list[Tier] = Field(min_length=1, title="奖项与名额", description="按奖项高低排列")


class Quota(Record):
    """003: a township proposes 2–3 innovation projects a year, a department 1–2."""

    kind: str = Field(title="单位类别", description="与 units[].kind 对应，如 township、department")
    min: int = Field(default=0, ge=0, title="每年度最少项目数")
    max: int | None = Field(default=None, ge=1, title="每年度最多项目数")
    types: list[str] = Field(default_factory=list, title="计入名额的项目类型", description="留空则所有类型都计入")
    categories: list[str] = Field(default_factory=list, title="计入名额的项目类别", description="留空则所有类别都计入")


class Calendar(Record):
    """The cycle's dates; `dj due` reports what is late or due soon."""

    design: dt.date | None = Field(default=None, title="项目设计", description="001：每年 4 月上旬")
    apply_by: dt.date | None = Field(default=None, title="申报截止", description="001：5 月上旬；003：4 月 15 日")
    review_by: dt.date | None = Field(default=None, title="评审立项截止")
    midcheck_by: dt.date | None = Field(default=None, title="中期检查截止", description="001：次年 3 月")
    close_by: dt.date | None = Field(default=None, title="结题截止")
    accept_by: dt.date | None = Field(default=None, title="验收截止", description="001：次年 5 月中下旬")
    award_by: dt.date | None = Field(default=None, title="评比表彰截止")
    recommend_by: dt.date | None = Field(default=None, title="创新活动推荐截止", description="002：6 月 2 日前")


class RecommendQuota(Record):
    kind: str = Field(title="单位类别", description="units[].kind；写 * 表示其他所有单位")
    min: int = Field(ge=0, title="最少推荐项数", description="002：学院党委不少于 2 项，其他不少于 1 项")


class Competition(Record):
    """002: units recommend, the department shortlists, finalists defend, judges score."""

    name: str = Field(default="基层党建工作创新项目奖", title="奖项名称")
    recommend: list[RecommendQuota] = Field(default_factory=list, title="推荐名额")
    defense: Rubric = Field(title="答辩评分标准")
    awards: Awards = Field(title="奖项与名额")

    def recommend_min(self, kind: str) -> int:
        exact = next((q.min for q in self.recommend if q.kind == kind), None)
        fallback = next((q.min for q in self.recommend if q.kind == "*"), 0)
        return fallback if exact is None else exact


class Documents(Record):
    """The fixed texts of the notices dj prints as 公文 (GB/T 9704): who issues them, to whom, copies, replies."""

    issuer: str = Field(default="", title="发文机关", description="通知的署名，留空则为 org")
    mark: str = Field(default="", title="发文机关标志", description="版头的红色大字，留空则为 发文机关 加“文件”二字")
    code: str = Field(default="", title="发文机关代字",
                      description="如 彩党组；没有文号的通知印出“彩党组〔2026〕  号”供手写编号")
    to: str = Field(default="", title="主送机关", description="留空则为项目所在单位和党支部")
    cc: list[str] = Field(default_factory=list, title="抄送机关", description="印在版记中，留空则不印抄送一行")
    printer: str = Field(default="", title="印发机关",
                         description="版记中的印发机关，一般为发文机关的办公部门；留空则为发文机关")
    report_to: str = Field(default="", title="报送机关",
                           description="整改通知书和回执中“报送……”的机关，如 党委组织部；留空则为发文机关")


class Config(Record):
    schema_version: int = Field(default=SCHEMA_VERSION, title="数据格式版本")
    org: str = Field(title="组织名称", description="印在表格上的党组织名称")
    cycle: str = Field(pattern=CYCLE_PATTERN, title="当前年度", description="新申报项目归属的年度或学年")
    funding: Funding = Field(title="经费")
    categories: list[str] = Field(min_length=1, title="项目类别", description="立项内容方向")
    types: list[ProjectType] = Field(min_length=1, title="项目类型")
    units: list[Unit] = Field(default_factory=list, title="二级党组织")
    people: list[Person] = Field(default_factory=list, title="人员与角色")
    acceptance: Acceptance = Field(title="验收")
    awards: Awards | None = Field(default=None, title="评比表彰")
    quotas: list[Quota] = Field(default_factory=list, title="申报名额", description="按单位类别限定每年度项目数")
    calendar: Calendar = Field(default_factory=Calendar, title="工作日程")
    competition: Competition | None = Field(default=None, title="创新项目评比", description="002 的推荐、答辩和评奖")
    documents: Documents = Field(default_factory=Documents, title="公文格式的通知",
                                 description="立项通知、整改通知书的发文机关、主送、抄送、印发和报送机关")
    grading: Grading | None = Field(default=None, title="党支部分类定级",
                                    description="004 的评分标准、权重、分档和比例")
    require_signed: bool = Field(default=False, title="要求签名提交",
                                 description="true：dj audit 要求每个流程提交都有办理人本人的有效 GPG 或 SSH 签名")
    allowed_signers: str = Field(default="allowed_signers", title="SSH 签名公钥清单",
                                 description="仓库内的文件，格式同 git 的 gpg.ssh.allowedSignersFile：邮箱 公钥")

    @model_validator(mode="after")
    def _references(self) -> Config:
        names = {t.name for t in self.types}
        for t in self.types:
            if t.next is not None and t.next not in names:
                raise ValueError(f"项目类型“{t.name}”的升级类型“{t.next}”不在 types 中")
        codes = [u.code for u in self.units]
        if len(codes) != len(set(codes)):
            raise ValueError("units 中的单位代码（code）不能重复")
        return self

    def unit(self, name: str) -> Unit | None:
        return next((u for u in self.units if u.name == name), None)

    def find_unit(self, text: str) -> Unit | None:
        """A unit by its name or its code (the part of a project's number a clerk types)."""
        return self.unit(text) or next((u for u in self.units if u.code == text), None)

    def project_type(self, name: str) -> ProjectType | None:
        return next((t for t in self.types if t.name == name), None)

    def person(self, key: str) -> Person | None:
        """Find a person by e-mail (preferred) or by name."""
        for p in self.people:
            if p.email.lower() == key.lower():
                return p
        return next((p for p in self.people if p.name == key), None)

    def quota(self, kind: str) -> Quota | None:
        return next((q for q in self.quotas if q.kind == kind), None)


def preset_text(name: str) -> str:
    """The YAML text of a shipped preset, comments included."""
    return (resources.files("dangjian_cli") / "presets" / f"{name}.yaml").read_text("utf-8")

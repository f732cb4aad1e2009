"""What each page of the site says: the year at a glance, every project, each project, who must act, the branches'
grades. Pure: the repository's facts in (`Facts`), pages out."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from dangjian_cli.config import Config
from dangjian_cli.due import Due
from dangjian_cli.model import Status
from dangjian_cli.report import Statistics
from dangjian_cli.site import charts
from dangjian_cli.site.commits import Step
from dangjian_cli.site.pages import (
    Cell,
    Html,
    cards,
    code,
    frame,
    link,
    money,
    paragraph,
    project_link,
    record,
    section,
    table,
)
from dangjian_cli.summary import Summary
from dangjian_cli.todo import Task

# The leadership's view of progress: the ten statuses in five phases.
PHASES: tuple[tuple[str, frozenset[Status]], ...] = (
    ("申报审批中", frozenset({Status.draft, Status.applied})),
    ("实施中", frozenset({Status.approved, Status.rectifying, Status.midchecked})),
    ("待验收", frozenset({Status.closed})),
    ("已验收", frozenset({Status.accepted})),
    ("未立项、未通过或终止", frozenset({Status.rejected, Status.failed, Status.terminated})),
)
GradingTable = tuple[str, Sequence[str], Sequence[Sequence[str]]]


@dataclass(frozen=True)
class Facts:
    config: Config
    cycle: str
    today: dt.date
    projects: Sequence[Summary]  # every readable project, of every year
    year: Sequence[Summary]  # the year's
    stats: Statistics  # the year's, as dj stats --cycle counts them
    due: Sequence[Due]  # as dj due lists them on `today`
    tasks: Sequence[Task]
    histories: dict[str, list[Step]]
    grading: Sequence[GradingTable]  # as dj stats prints the round's grading; empty without branch records
    grading_round: str
    ids: frozenset[str]  # the projects that have a page

    def link(self, record: str) -> Cell:
        """A project's id as a link to its page; a branch's id (or nothing) as text."""
        return project_link(record) if record in self.ids else record

    def page(self, title: str, body: str, here: str, depth: int = 0) -> str:
        return frame(title, self.config.org, body, here, depth, self.today, bool(self.grading))


def _state(left: int) -> str:
    return f"已逾期 {-left} 天" if left < 0 else ("今天到期" if left == 0 else f"还有 {left} 天")


def _stat_table(heading: str, rows: Sequence[tuple[str, object]]) -> Html:
    money_rows = heading == "经费"
    shown: list[Sequence[Cell]] = [(label, value if isinstance(value, (int, Decimal)) else str(value))
                                   for label, value in rows]
    return table(("项目", "金额（元）" if money_rows else "项目数"), shown, numeric=[1],
                 stats=[f"{heading}/{label}" for label, _ in rows])


def index(f: Facts) -> str:
    s = f.stats
    tables = dict(f.stats.tables())
    head = cards([
        (f"{f.cycle} 年度项目", str(len(f.year)), None),
        ("资助经费合计（元）", money(s.granted), "经费/资助经费合计（元）"),
        ("已支出合计（元）", money(s.spent), "经费/已支出合计（元）"),
        ("结余合计（元）", money(s.balance), "经费/结余合计（元）"),
        ("验收后留存支部（元）", money(s.retained), "经费/验收后留存支部（元）"),
    ])
    funnel = [(label, int(n)) for label, n in tables["按状态"]]
    by_unit: dict[str, list[int]] = defaultdict(lambda: [0] * len(PHASES))
    for p in f.year:
        phase = next(i for i, (_, statuses) in enumerate(PHASES) if p.status in statuses)
        by_unit[p.unit][phase] += 1
    units = [u.name for u in f.config.units] + sorted(set(by_unit) - {u.name for u in f.config.units})
    progress = [(name, by_unit[name]) for name in units]
    body = [
        head,
        section("项目进度（按状态）", charts.bars(funnel, f"{f.cycle} 年度项目按状态"),
                _stat_table("按状态", tables["按状态"])),
        section("各单位进度", charts.stacked(progress, [name for name, _ in PHASES], "各单位项目进度"),
                table(("单位", *(name for name, _ in PHASES), "合计"),
                      [(name, *counts, sum(counts)) for name, counts in progress], numeric=range(1, len(PHASES) + 2)),
                _stat_table("按单位", tables["按单位"])),
        section("到期与逾期事项", _due(f), note=f"截至 {f.today}：已逾期的，以及 30 天内到期的（与 dj due 相同）。"),
        section("评比表彰", _awards(f)),
        section("经费", _stat_table("经费", tables["经费"]),
                note="资助经费为立项时核定的金额；验收通过后结余留存支部（001）。金额精确到分。"),
        section("按类别", _stat_table("按类别", tables["按类别"])),
        section("按类型", _stat_table("按类型", tables["按类型"])),
    ]
    if f.grading:
        heading, names, rows = f.grading[0]
        body.append(section(heading, _grade_chart(f.grading[0]), table(names, rows, numeric=range(1, len(names))),
                            link("grading.html", "查看分类定级详情")))
    return f.page(f"{f.cycle} 年度概览", "".join(body), "index.html")


def _due(f: Facts) -> Html:
    if not f.due:
        return paragraph("没有逾期事项，30 天内也没有到期事项。")
    rows = [(str(d.date), _state(d.days_left(f.today)), d.unit or "—",
             f.link(d.project), d.task) for d in f.due]
    late = [n for n, d in enumerate(f.due) if d.days_left(f.today) < 0]
    return table(("期限", "情况", "单位", "项目/党支部", "事项"), rows, late=late)


def _awards(f: Facts) -> Html:
    won = [p for p in f.year if p.award or p.contest_award]
    if not won:
        return paragraph("本年度尚未评出奖项。")
    won.sort(key=lambda p: (-(p.total or Decimal(0)), p.id))
    return table(("项目", "项目名称", "单位", "验收总分", "等次", "表彰", "创新项目评比"),
                 [(project_link(p.id), p.title, p.unit, p.total_text or "—", p.grade, p.award, p.contest_award)
                  for p in won], numeric=[3])


def _grade_chart(t: GradingTable) -> str:
    _, names, rows = t
    grades = [n for n in names[2:]]
    return charts.stacked([(r[0], [int(v) for v in r[2:]]) for r in rows[:-1]], grades, "各单位党支部等级")


def projects(f: Facts) -> str:
    rows = [(project_link(p.id), p.cycle, p.unit, p.branch, p.type, p.status.label, p.title) for p in f.projects]
    body = section(f"全部项目（{len(f.projects)} 个）",
                   table(("编号", "年度", "单位", "支部", "类型", "状态", "项目名称"), rows))
    return f.page("全部项目", body, "projects.html")


def project(f: Facts, p: Summary, waiting: Sequence[Task]) -> str:
    card = record([
        ("项目编号", p.id), ("项目名称", p.title), ("年度", p.cycle), ("单位", p.unit), ("支部", p.branch),
        ("类别", p.category), ("类型", p.type), ("状态", p.status.label), ("当前阶段", p.stage),
        ("第一责任人", p.first), ("直接责任人", p.direct), ("资助经费（元）", p.granted), ("已支出（元）", p.spent),
        ("结余（元）", p.balance), ("留存支部（元）", p.retained), ("中期检查", p.mid_check),
        ("整改期限", f"{p.rectify_by_text}（{p.rectify_issues}）" if p.rectify_by_text else None),
        ("验收总分", p.total_text), ("等次", p.grade), ("表彰", p.award), ("创新项目评比", p.contest_award),
    ])
    steps = f.histories.get(p.id, [])
    history = table(("日期", "办理人", "操作", "状态变化", "提交"),
                    [(s.date, s.who, s.what, s.change, code(s.commit[:7])) for s in steps]) if steps else \
        paragraph("还没有提交记录。")
    body = [section(p.title, card), section("办理记录（来自 git 历史）", history)]
    if waiting:
        body.append(section("下一步等谁办理", table(("期限", "办理人", "事项", "办理"),
                                                [(str(t.deadline or "—"), t.person.name, t.what, code(t.command))
                                                 for t in waiting])))
    body.append(paragraph("") + link("../projects.html", "返回全部项目"))
    return f.page(p.id, "".join(body), "", depth=1)


def todo(f: Facts, groups: Sequence[tuple[str, str, Sequence[Task]]], idle: Sequence[str]) -> str:
    if not groups:
        return f.page("待办事项", section("待办事项", paragraph(f"截至 {f.today}，没有等待任何人办理的事项。")),
                      "todo.html")
    index = table(("人员", "单位", "待办"), [(link(f"#p{n}", name), unit, len(mine))
                                        for n, (name, unit, mine) in enumerate(groups)], numeric=[2])
    parts = [section("待办事项（按人员）", index, note=f"截至 {f.today}，与 dj todo --all 相同：期限最早的在前。")]
    for n, (name, unit, mine) in enumerate(groups):
        rows = [(str(t.deadline) if t.deadline else "—", t.state(f.today), t.what,
                 f.link(t.record) if t.record else t.unit,
                 code(t.command), t.title) for t in mine]
        late = [k for k, t in enumerate(mine) if (t.days_left(f.today) or 0) < 0]
        parts.append(section(f"{name}（{unit or '未写单位'}）：{len(mine)} 项",
                             table(("期限", "情况", "事项", "编号", "办理", "名称"), rows, late=late), anchor=f"p{n}"))
    if idle:
        parts.append(paragraph(f"没有待办事项的人员：{'、'.join(idle)}"))
    return f.page("待办事项", "".join(parts), "todo.html")


def grading(f: Facts) -> str:
    parts = []
    for n, t in enumerate(f.grading):
        heading, names, rows = t
        chart = _grade_chart(t) if n == 0 else ""
        shown = table(names, rows) if rows else paragraph("无。")
        parts.append(section(heading, chart, shown))
    return f.page(f"{f.grading_round} 年度党支部分类定级", "".join(parts), "grading.html")

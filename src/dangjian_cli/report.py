"""The ledger (台账) and its statistics: rows from records, written as xlsx, csv or docx.

openpyxl and the Word machinery are imported inside the writers, so `dj stats` starts fast.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from dangjian_cli import atomic
from dangjian_cli.config import Config
from dangjian_cli.model import CENT, Status
from dangjian_cli.summary import Summary
from dangjian_cli.textout import display_width

COLUMNS = ("项目编号", "单位", "支部", "项目名称", "类型", "类别", "状态", "第一责任人", "直接责任人",
           "资助经费（元）", "已支出（元）", "结余（元）", "中期检查", "验收总分", "等次", "表彰")
CONTEST_COLUMN = "创新项目评比"  # 002's prize, beside 001/003's 表彰
MONEY_COLUMNS = frozenset({"资助经费（元）", "已支出（元）", "结余（元）"})


def with_contest(projects: Sequence[Summary], config: Config) -> bool:
    """Whether the ledger has the competition's column: dj.yaml holds a competition, or a record a prize of one."""
    return config.competition is not None or any(p.contest_award for p in projects)


def columns(contest: bool) -> tuple[str, ...]:
    return (*COLUMNS, CONTEST_COLUMN) if contest else COLUMNS


def ledger_row(p: Summary, contest: bool = False) -> tuple[Any, ...]:
    row = (p.id, p.unit, p.branch, p.title, p.type, p.category, p.status.label, p.first, p.direct,
           p.granted, p.spent, p.balance, p.mid_check, p.total, p.grade, p.award)
    return (*row, p.contest_award) if contest else row


@dataclass(frozen=True)
class Statistics:
    by_status: list[tuple[str, int]]
    by_unit: list[tuple[str, int]]
    by_category: list[tuple[str, int]]
    by_type: list[tuple[str, int]]
    granted: Decimal
    spent: Decimal
    balance: Decimal
    retained: Decimal

    def tables(self) -> list[tuple[str, list[tuple[str, Any]]]]:
        """Each statistic as (heading, rows), in the order the sheet and `dj stats` show them."""
        money: list[tuple[str, Any]] = [("资助经费合计（元）", self.granted), ("已支出合计（元）", self.spent),
                                        ("结余合计（元）", self.balance), ("验收后留存支部（元）", self.retained)]
        return [("按状态", list(self.by_status)), ("按单位", list(self.by_unit)),
                ("按类别", list(self.by_category)), ("按类型", list(self.by_type)), ("经费", money)]


def _count(values: Sequence[str], order: Sequence[str]) -> list[tuple[str, int]]:
    """Counts in the configured order (every configured name, zeros included), then anything else."""
    counts = Counter(values)
    names = list(order) + sorted(set(counts) - set(order))
    return [(name, counts.get(name, 0)) for name in names]


def statistics(projects: Sequence[Summary], config: Config) -> Statistics:
    return Statistics(
        by_status=_count([p.status.label for p in projects], [s.label for s in Status]),
        by_unit=_count([p.unit for p in projects], [u.name for u in config.units]),
        by_category=_count([p.category for p in projects], config.categories),
        by_type=_count([p.type for p in projects], [t.name for t in config.types]),
        granted=sum((p.granted for p in projects), CENT),
        spent=sum((p.spent for p in projects), CENT),
        balance=sum((p.balance for p in projects), CENT),
        retained=sum((p.retained for p in projects if p.retained), CENT),
    )


# --- writers -------------------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def write_csv(projects: Sequence[Summary], out: Path, config: Config) -> Path:
    """UTF-8 with a BOM, so Excel and WPS open the Chinese correctly on a double-click."""
    contest = with_contest(projects, config)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(columns(contest))
    for p in projects:
        writer.writerow([_text(v) for v in ledger_row(p, contest)])
    atomic.write_bytes(out, buffer.getvalue().encode("utf-8-sig"))
    return out


# 党支部分类定级's tables (gradingstats.tables): heading, columns, rows
GradingTables = Sequence[tuple[str, Sequence[str], Sequence[Sequence[str]]]]


def write_xlsx(projects: Sequence[Summary], config: Config, cycle: str, out: Path,
               grading: GradingTables = ()) -> Path:
    """The ledger and its statistics; with `grading`, a 分类定级 sheet of the round's tables."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "台账"
    contest = with_contest(projects, config)
    sheet.append(list(columns(contest)))
    for p in projects:
        sheet.append(list(ledger_row(p, contest)))
    money_format = "#,##0.00"
    for index, name in enumerate(columns(contest), start=1):
        cells = [row[index - 1] for row in sheet.iter_rows()]
        widest = max(display_width(_text(c.value)) for c in cells)
        sheet.column_dimensions[get_column_letter(index)].width = min(widest + 2, 60)
        if name in MONEY_COLUMNS or name == "验收总分":
            for cell in cells[1:]:
                cell.number_format = money_format
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center")
    sheet.freeze_panes = "A2"

    stats = book.create_sheet("统计")
    stats.column_dimensions["A"].width = 24
    stats.column_dimensions["B"].width = 16
    stats.append([f"{config.org} {cycle} 年度党建项目统计"])
    stats["A1"].font = Font(bold=True, size=14)
    placed: list[tuple[str, int, int]] = []  # each table's heading, and the rows of its figures
    for heading, rows in statistics(projects, config).tables():
        stats.append([])
        stats.append([heading, "项目数" if heading != "经费" else "金额（元）"])
        for cell in stats[stats.max_row]:
            cell.font = Font(bold=True)
        placed.append((heading, stats.max_row, stats.max_row + len(rows)))
        for label, value in rows:
            stats.append([label, value])
            if isinstance(value, Decimal):
                stats.cell(stats.max_row, 2).number_format = money_format
    _charts(book.create_sheet("图表"), stats, placed)
    if grading:  # the tables one under another, each under its heading; a column as wide as its widest cell
        graded = book.create_sheet("分类定级")
        widths: dict[int, int] = {}
        for heading, names, lines in grading:
            graded.append([heading])
            graded.cell(graded.max_row, 1).font = Font(bold=True, size=12)
            for line in (names, *lines):
                graded.append([int(v) if v.isdigit() else v for v in line])  # counts as numbers, for sums
                for index, value in enumerate(line, start=1):
                    widths[index] = max(widths.get(index, 4), display_width(value))
            for cell in graded[graded.max_row - len(lines)]:
                cell.font = Font(bold=True)
            graded.append([])
        for index, widest in widths.items():
            graded.column_dimensions[get_column_letter(index)].width = min(widest + 2, 60)
    book.properties.creator = config.org
    buffer = io.BytesIO()
    book.save(buffer)
    atomic.write_bytes(out, buffer.getvalue())
    return out


def _charts(sheet: Any, stats: Any, placed: Sequence[tuple[str, int, int]]) -> None:
    """A native Excel bar chart of each statistic, drawn from the 统计 sheet's cells (so an edit there redraws it)."""
    from openpyxl.chart import BarChart, Reference

    row = 1
    for heading, first, last in placed:
        chart = BarChart()
        chart.type = "bar"  # horizontal: Chinese names read along the axis
        chart.title = heading
        chart.legend = None
        chart.height = max(6, round(0.8 * (last - first)) + 2)  # cm: about 0.8 cm a bar
        chart.width = 16
        chart.y_axis.majorGridlines = None
        chart.x_axis.delete = chart.y_axis.delete = False  # openpyxl 3.1 hides both axes unless told
        chart.x_axis.scaling.orientation = "maxMin"  # the table's first row on top, as it is read
        chart.add_data(Reference(stats, min_col=2, min_row=first, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(stats, min_col=1, min_row=first + 1, max_row=last))
        sheet.add_chart(chart, f"A{row}")
        row += int(chart.height / 0.5) + 2  # rows of 0.5 cm, and two blank between charts


def write_docx(projects: Sequence[Summary], config: Config, cycle: str, out: Path, root: Path | None,
               grading: Sequence[tuple[str, str, str]] = ()) -> Path:
    """The ledger as a Word table, through the ledger template a clerk can edit; `grading` rows join its statistics."""
    import datetime as dt

    from dangjian_cli import render

    rows = [[_text(v) for v in ledger_row(p, contest=True)] for p in projects]
    if with_contest(projects, config):
        # the shipped template (and a clerk's copy of it) has one 表彰 column: the competition's prize joins it
        name = config.competition.name if config.competition else CONTEST_COLUMN
        for row, p in zip(rows, projects, strict=True):
            if p.contest_award:
                prize = p.contest_award if p.contest_award == name else f"{name}{p.contest_award}"
                row[15] = "；".join(filter(None, (row[15], prize)))
    stats = [(heading, label, _text(value)) for heading, items in statistics(projects, config).tables()
             for label, value in items] + list(grading)
    values = render.clean({"org": config.org, "cycle": cycle, "rows": rows, "stats": stats, "id": f"{cycle} 年度台账",
                           "blob": ""})
    stamp = max((p.last_step for p in projects if p.last_step), default=dt.date(2000, 1, 1))
    return render.render_template(render.template_path(root, "ledger"), values, out, stamp, config.org)

"""党支部分类定级 (seed 004) in numbers: grades per unit, the A cap, the rectifications; 附表4 and 附表5 as xlsx.

The counting is pure (records and dj.yaml in, values out) and shared with the Word forms in gradingforms.py.
openpyxl is imported inside the writers, so `dj stats` starts fast.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from dangjian_cli import atomic
from dangjian_cli.branchmodel import Branch
from dangjian_cli.config import Config
from dangjian_cli.errors import DjError
from dangjian_cli.gradeconfig import GRADE_LABELS, GRADES
from dangjian_cli.grading import a_limit, last_step_date
from dangjian_cli.textout import display_width

TENTH = Decimal("0.1")
TOTAL_NAME = "合计"


def percent(part: int, whole: int) -> Decimal:
    """`part` of `whole` in per cent, to one decimal place, half up (3 of 12 → 25.0; 1 of 3 → 33.3; 2 of 3 → 66.7)."""
    if whole == 0:
        return Decimal("0.0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(TENTH, rounding=ROUND_HALF_UP)


def percent_text(value: Decimal) -> str:
    return f"{value}%"


@dataclass(frozen=True)
class Tally:
    """One row of 附表4: a unit's (or everyone's) branches in the round and how many got each grade."""

    name: str
    branches: int
    counts: tuple[int, ...]  # in GRADES' order, A first
    ungraded: int

    def count(self, grade: str) -> int:
        return self.counts[GRADES.index(grade)]  # type: ignore[arg-type,unused-ignore]

    def share(self, grade: str) -> Decimal:
        """The grade's share of all the unit's branches in the round, graded or not (as the A cap counts)."""
        return percent(self.count(grade), self.branches)


def _tally(name: str, branches: Sequence[Branch]) -> Tally:
    counts = tuple(sum(1 for b in branches if b.grade == g) for g in GRADES)
    return Tally(name, len(branches), counts, len(branches) - sum(counts))


def by_unit(branches: Sequence[Branch], config: Config) -> list[tuple[str, list[Branch]]]:
    """The branches grouped by unit, units in dj.yaml's order (any other after, by name), branches by id."""
    order = {u.name: n for n, u in enumerate(config.units)}
    units = sorted({b.unit for b in branches}, key=lambda name: (order.get(name, len(order)), name))
    return [(unit, sorted((b for b in branches if b.unit == unit), key=lambda b: b.id)) for unit in units]


def tallies(branches: Sequence[Branch], config: Config) -> tuple[list[Tally], Tally]:
    """附表4's rows, one per unit, and the whole-organisation total row."""
    return [_tally(unit, group) for unit, group in by_unit(branches, config)], _tally(TOTAL_NAME, branches)


@dataclass(frozen=True)
class CapCheck:
    """004 三(三): 原则上 A 级党支部一般不能超过 20% — one population's A branches against the cap."""

    name: str  # the unit, or 全部党支部
    branches: int
    a_count: int
    cap: Decimal  # the configured share, e.g. 0.20
    limit: int  # the most A branches the population may have

    @property
    def share(self) -> Decimal:
        return percent(self.a_count, self.branches)

    @property
    def over(self) -> int:
        return max(self.a_count - self.limit, 0)

    @property
    def cap_percent(self) -> Decimal:
        """The cap in per cent, as the share is written: 0.20 → 20.0."""
        return (self.cap * 100).quantize(TENTH)

    def sentence(self) -> str:
        cap = percent_text(self.cap_percent)
        verdict = f"超出 {self.over} 个" if self.over else "未超过上限"
        return (f"{self.name}：党支部 {self.branches} 个，A 级 {self.a_count} 个，占 {percent_text(self.share)}；"
                f"上限 {cap}（最多 {self.limit} 个），{verdict}。")


def cap_checks(branches: Sequence[Branch], config: Config) -> list[CapCheck]:
    """The A share against the cap, over the population dj.yaml's a_cap.scope names: everyone, or each unit."""
    g = config.grading
    if g is None:
        return []

    def check(name: str, group: Sequence[Branch]) -> CapCheck:
        # the rule the committee's decision is held to: the share of the population, rounded down (12 × 20 % → 2)
        return CapCheck(name, len(group), sum(1 for b in group if b.grade == "A"), g.a_cap.share,
                        a_limit(len(group), g))

    if g.a_cap.scope == "unit":
        return [check(unit, group) for unit, group in by_unit(branches, config)]
    return [check("全部党支部", branches)]


@dataclass(frozen=True)
class RectificationRow:
    """One row of 附表5: one rectification notice of one branch."""

    unit: str
    branch_id: str
    name: str
    grade: str
    items: tuple[str, ...]
    issued: dt.date
    deadline: dt.date
    done: dt.date | None
    note: str

    @property
    def state(self) -> str:
        if self.done is None:
            return "未完成"
        return f"{self.done.year}年{self.done.month}月{self.done.day}日完成" + (f"：{self.note}" if self.note else "")

    @property
    def items_text(self) -> str:
        return "；".join(f"{n}. {item}" for n, item in enumerate(self.items, start=1))


def rectification_rows(branches: Sequence[Branch], config: Config) -> list[RectificationRow]:
    """Every rectification of the round, unit by unit, branch by branch, in the order they were issued."""
    return [RectificationRow(b.unit, b.id, b.name, b.grade, tuple(r.items), r.issued, r.deadline, r.done, r.note)
            for _, group in by_unit(branches, config) for b in group
            for r in sorted(b.rectifications, key=lambda r: r.issued)]


@dataclass(frozen=True)
class Movement:
    """One graded branch against its grade of last year (004 三(三): 晋位升级)."""

    branch_id: str
    name: str
    unit: str
    last: str  # last year's grade; '' for a branch graded for the first time
    grade: str

    @property
    def levels(self) -> int:
        """Grades risen (1: C → B), fallen (-1: B → C), or 0; 0 too for a first grading."""
        if not self.last:
            return 0
        return GRADES.index(self.last) - GRADES.index(self.grade)  # type: ignore[arg-type,unused-ignore]


def movements(branches: Sequence[Branch]) -> list[Movement]:
    """Every graded branch's grade against last year's, by id; rose, fell, stayed or first graded."""
    return [Movement(b.id, b.name, b.unit, b.last_grade, b.grade)
            for b in sorted(branches, key=lambda b: b.id) if b.decision is not None]


def one_round(branches: Sequence[Branch], config: Config) -> str:
    """The round the records belong to; a table never mixes two."""
    rounds = sorted({b.round for b in branches})
    if len(rounds) > 1:
        raise DjError(f"汇总表只能汇总一个年度的党支部，这里有 {'、'.join(rounds)} 年度的记录；请只选一个年度。")
    if rounds:
        return rounds[0]
    return config.grading.round if config.grading else config.cycle


def stamp(branches: Sequence[Branch], round_: str) -> dt.date:
    """The day of the latest step in the records: the same records give the same file."""
    days = [d for b in branches if (d := last_step_date(b)) is not None]
    return max(days, default=dt.date(int(round_), 1, 1))


# --- xlsx ------------------------------------------------------------------------------

PERCENT_FORMAT = "0.0%"
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
SUMMARY_FILE = "分类定级汇总表"
RECTIFICATION_FILE = "整改汇总表"


def grade_heading(grade: str) -> str:
    return f"{grade} 级（{GRADE_LABELS[grade]}）"


def _fraction(share: Decimal) -> Decimal:
    """A percentage as the fraction a cell with a percent format holds (25.0 → 0.25, shown as 25.0%)."""
    return share / 100


def _select(branches: Sequence[Branch], unit: str | None) -> list[Branch]:
    return [b for b in branches if unit is None or b.unit == unit]


def write_summary_xlsx(branches: Sequence[Branch], config: Config, out: Path, *, unit: str | None = None) -> Path:
    """附表4 as a workbook: the counts and shares per unit with a total row, the A cap, and the list of branches."""
    from openpyxl import Workbook

    chosen = _select(branches, unit)
    round_ = one_round(chosen, config)
    rows, total = tallies(chosen, config)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "汇总"
    heads = ["二级党组织", "党支部数"]
    for g in GRADES:
        heads += [f"{grade_heading(g)}个数", f"{grade_heading(g)}比例"]
    heads.append("未定级")
    _title(sheet, f"{config.org} {round_} 年度基层党支部分类定级汇总表", len(heads))
    sheet.append(heads)
    head_row = sheet.max_row
    for t in [*rows, total]:
        values: list[Any] = [t.name, t.branches]
        for g in GRADES:
            values += [t.count(g), _fraction(t.share(g))]
        values.append(t.ungraded)
        sheet.append(values)
        for column in range(4, 4 + 2 * len(GRADES), 2):
            sheet.cell(sheet.max_row, column).number_format = PERCENT_FORMAT
    _bold(sheet, head_row)
    _bold(sheet, sheet.max_row)
    _fit(sheet, head_row, sheet.max_row)
    sheet.append([])
    for check in cap_checks(chosen, config):  # sentences below the table, wider than its columns
        sheet.append([check.sentence()])
    sheet.freeze_panes = f"B{head_row + 1}"

    listing = book.create_sheet("定级名单")
    names = ["二级党组织", "定级编号", "党支部", "党支部类别", "上一年度等级", "最终得分", "评定等级", "按分档等级",
             "不按分档定级的理由"]
    _title(listing, f"{config.org} {round_} 年度党支部定级名单", len(names))
    listing.append(names)
    kinds = {k.kind: k.name for k in config.grading.kinds} if config.grading else {}
    for _, group in by_unit(chosen, config):
        for b in group:
            d = b.decision
            listing.append([b.unit, b.id, b.name, kinds.get(b.kind, b.kind), b.last_grade or "无",
                            d.final if d else None, d.grade if d else "未定级", d.band if d else "",
                            d.reason if d else ""])
            listing.cell(listing.max_row, 6).number_format = "0.00"
    _bold(listing, 2)
    _fit(listing, 2, listing.max_row)
    listing.freeze_panes = "A3"
    return _save(book, config, out, stamp(chosen, round_))


def write_rectification_xlsx(branches: Sequence[Branch], config: Config, out: Path, *,
                             unit: str | None = None) -> Path:
    """附表5 as a workbook: one row per rectification notice, dates as dates."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    chosen = _select(branches, unit)
    round_ = one_round(chosen, config)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "整改汇总"
    heads = ["序号", "二级党组织", "定级编号", "党支部", "定级等级", "整改事项", "下发日期", "整改期限", "完成日期",
             "完成情况说明"]
    _title(sheet, f"{config.org} {round_} 年度基层党支部整改汇总表", len(heads))
    sheet.append(heads)
    for n, r in enumerate(rectification_rows(chosen, config), start=1):
        sheet.append([n, r.unit, r.branch_id, r.name, r.grade or "未定级", "\n".join(r.items), r.issued, r.deadline,
                      r.done, r.note if r.done else "未完成"])
        for column in (7, 8, 9):
            sheet.cell(sheet.max_row, column).number_format = DATE_FORMAT
        sheet.cell(sheet.max_row, 6).alignment = Alignment(wrap_text=True, vertical="top")
    _bold(sheet, 2)
    _fit(sheet, 2, sheet.max_row)
    sheet.freeze_panes = "A3"
    return _save(book, config, out, stamp(chosen, round_))


def _title(sheet: Any, text: str, width: int) -> None:
    from openpyxl.styles import Alignment, Font

    sheet.append([text])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(name="宋体", bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 28


def _bold(sheet: Any, row: int) -> None:
    from openpyxl.styles import Alignment, Font

    for cell in sheet[row]:
        cell.font = Font(name="宋体", bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _shown(value: Any) -> str:
    """The text a cell shows, for its column's width: a date as 2026年4月8日, a fraction as 25.0%."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, Decimal) and value <= 1:
        return f"{value * 100:.1f}%"
    return max(str(value).splitlines() or [""], key=display_width)


def _fit(sheet: Any, first: int, last: int) -> None:
    """Each column as wide as its widest cell from `first` to `last`, counting a Chinese character as two."""
    from openpyxl.styles import Border, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for column in range(1, sheet.max_column + 1):
        cells = [sheet.cell(row, column) for row in range(first, last + 1)]
        widest = max((display_width(_shown(c.value)) for c in cells), default=4)
        sheet.column_dimensions[get_column_letter(column)].width = min(max(widest, 4) + 2, 60)
        for cell in cells:
            cell.border = border


def _save(book: Any, config: Config, out: Path, day: dt.date) -> Path:
    """The workbook with its dates fixed to `day`, zipped with fixed entry times: the same records, the same bytes."""
    book.properties.creator = config.org
    book.properties.lastModifiedBy = config.org
    raw = io.BytesIO()
    book.save(raw)
    when = f"{day.isoformat()}T00:00:00Z"
    fixed = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + when.encode(), data)
            entry = zipfile.ZipInfo(item.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, data)
    atomic.write_bytes(out, fixed.getvalue())
    return out

"""A filled Word form read back: the 申报表 (dj's blank one, or one dj printed and someone edited) and the 结题报告.

Content controls are read by their tags (or, when an editor dropped the tags, their titles); everything else by
the printed form's labels, headings and table cells, so both kinds read alike. Every field that cannot be read is
named with the reason, one sentence each. The file itself is opened by docxsafe (limits, no DTD, nothing followed).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from dangjian_cli import docxsafe, docxtext
from dangjian_cli.config import Config
from dangjian_cli.docxform import SECTIONS
from dangjian_cli.docxtext import W
from dangjian_cli.errors import DjError
from dangjian_cli.model import CLOSING_SECTIONS

COVER, BASIC = "封面", "“一、基本情况”表"
# The application's one-line fields: key → (what the form calls it, where it stands on dj's blank form).
SCALARS: dict[str, tuple[str, str]] = {
    "title": ("项目名称", COVER), "unit": ("项目所在单位", COVER), "leader": ("项目执行者", COVER),
    "branch": ("项目所在支部", COVER), "secretary": ("支部书记", COVER), "applied": ("填表日期", COVER),
    "responsible.first": ("第一责任人", BASIC), "responsible.direct": ("直接责任人", BASIC),
    "category": ("项目类别", BASIC), "type": ("项目类型", BASIC), "stages": ("实施阶段数", BASIC),
    "period.start": ("实施周期的开始日期", BASIC), "period.end": ("实施周期的结束日期", BASIC),
}
REQUIRED = ("title", "unit", "leader", "branch", "secretary", "responsible.first", "responsible.direct", "category",
            "type", "period.start", "period.end")
# A label printed on the form (a cover line or a 基本情况 row) → the key it carries; 实施周期 carries both dates.
LABELS = {"项目名称": "title", "项目所在单位": "unit", "项目执行者": "leader", "项目所在支部": "branch",
          "项目所在支部（盖章）": "branch", "支部书记": "secretary", "填表日期": "applied",
          "第一责任人": "responsible.first", "直接责任人": "responsible.direct", "项目类别": "category",
          "项目类型": "type", "实施阶段数": "stages", "实施周期": "period", "项目编号": "id"}
# A control whose tag an editor dropped is known by its title (the alias docxform gives it).
BY_TITLE = {**{label: key for label, key in LABELS.items() if key not in ("period", "id")}, "开始日期": "period.start",
            "结束日期": "period.end", "项目背景": "background", "实施方案": "plan", "预期目标": "goals",
            "保障措施": "measures", **{title: key for key, title in CLOSING_SECTIONS.items()}}
_SECTION_TITLES = {key: heading.split("、")[1] for key, heading in SECTIONS.items()}
HEADINGS = ("基本情况", *_SECTION_TITLES.values(), "进度安排", "经费预算", "审核意见")
_REFERENCES = {"unit": "项目所在单位", "branch": "项目所在支部", "category": "项目类别", "type": "项目类型",
               "period": "实施周期"}
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．－／，：　", "0123456789.-/,: ")
_DATE = re.compile(r"(\d{4})\s*(?:年|[-/.])\s*(\d{1,2})\s*(?:月|[-/.])\s*(\d{1,2})\s*日?")
_STAGES_NOTE = re.compile(r"^(.*?)\s*（分\s*(\d+)\s*个阶段实施[^）]*）$")
_CN_DIGITS = {c: n for n, c in enumerate("一二三四五六七八九十", start=1)}
_COVER_LINE = re.compile(r"^\s*(项目名称|项目所在单位|项目执行者|项目所在支部(?:（盖章）)?|支部书记|填表日期)"
                         r"\s*[：:]\s*(.*)$", re.DOTALL)


@dataclass
class Imported:
    """What a filled 申报表 holds, as `dj apply --from` reads it from YAML, and what could not be read."""

    fields: dict[str, Any] = field(default_factory=dict)
    applied: dt.date | None = None  # 填表日期
    project_id: str = ""  # the 项目编号 a printed form carries
    problems: list[str] = field(default_factory=list)
    read: list[tuple[str, str]] = field(default_factory=list)  # (what, as read), for --check


# --- values as a clerk writes them -----------------------------------------------------------------------------


class Unreadable(ValueError):
    """Why a value cannot be read: the end of a Chinese sentence that names the field."""


def digits(value: str) -> str:
    return value.translate(_FULL_WIDTH).replace(" ", "")


def date(value: str) -> str:
    """2025年5月1日, ２０２５-０５-０１, 2025/5/1 or 2025.5.1 as 2025-05-01."""
    m = _DATE.fullmatch(digits(value))
    if not m:
        raise Unreadable(f"“{value}”不是日期；请写成 2025年5月1日 或 2025-05-01")
    return _iso(m)


def _iso(m: re.Match[str]) -> str:
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        raise Unreadable(f"“{m.group(0)}”这一天不存在；请核对年、月、日") from None


def period(value: str) -> tuple[str, str]:
    found = list(_DATE.finditer(digits(value)))
    if len(found) != 2:
        raise Unreadable(f"“{value}”读不出开始和结束两个日期；请写成 2025年5月1日 至 2026年6月30日")
    return _iso(found[0]), _iso(found[1])


def money(value: str) -> str:
    """300, ３００．５０, 1,000 元 or ¥450.5 as plain digits; anything else is not an amount."""
    plain = digits(value).removesuffix("元").lstrip("¥￥")
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", plain):
        plain = plain.replace(",", "")
    if not re.fullmatch(r"\d+(\.\d+)?", plain):
        raise Unreadable(f"“{value}”不是金额；请只写数字，如 300 或 450.50（单位：元）")
    if "." in plain and len(plain.split(".")[1]) > 2:
        raise Unreadable(f"“{value}”超过两位小数；金额精确到分，如 450.50")
    return str(Decimal(plain))


def stages(value: str) -> int:
    plain = digits(value).removesuffix("年").removesuffix("个阶段").removesuffix("阶段")
    number = int(plain) if plain.isdigit() else _CN_DIGITS.get(plain, 0)
    if not 1 <= number <= 10:
        raise Unreadable(f"“{value}”不是 1 到 10 之间的阶段数；一年内完成的项目写 1")
    return number


# --- the 申报表 -------------------------------------------------------------------------------------------------


def _body(path: Path, shown: str) -> Element:
    body = docxsafe.main_document(path, shown).find(f"{W}body")
    if body is None:
        raise DjError(f"文件 {shown} 里没有正文，不是一份填好的表格；请发来填好的表格。")
    return body


def _labelled(body: Element) -> dict[str, list[tuple[str, str]]]:
    """Every labelled value on the form (cover lines before the first heading, rows of the 基本情况 table)."""
    found: dict[str, list[tuple[str, str]]] = {}
    cover = True
    for block in docxtext.blocks(body):
        if block.tag == f"{W}p":
            line = docxtext.text(block)
            cover = cover and not docxtext.heading(line, HEADINGS)
            if cover and (m := _COVER_LINE.match(line)):
                found.setdefault(LABELS[m.group(1)], []).append((COVER, m.group(2).strip()))
            continue
        for row in docxtext.rows(block):
            label = row[0].replace(" ", "").rstrip("：:") if row else ""
            if label in LABELS and len(row) > 1:
                value = "\n".join(dict.fromkeys(v for v in row[1:] if v))  # a merged cell may repeat
                found.setdefault(LABELS[label], []).append((BASIC, value))
    return found


def _table(body: Element, header: tuple[str, ...]) -> list[list[str]]:
    """The data rows of the first table whose header row holds `header`'s labels."""
    for block in docxtext.blocks(body):
        if block.tag == f"{W}tbl":
            table = docxtext.rows(block)
            if table and all(label in [c.replace(" ", "") for c in table[0]] for label in header):
                return table[1:]
    return []


def application(path: Path, shown: str, config: Config | None = None) -> Imported:
    """A filled 申报表: every field it holds, and one sentence for every field it could not read."""
    body = _body(path, shown)
    tagged = docxtext.controls(body, BY_TITLE)
    labelled = _labelled(body)
    out = Imported()
    if {"period.start", "period.end"} & tagged.keys():
        labelled.pop("period", None)  # the cell holds the two date controls, read one by one
    elif "period" in labelled:
        _split_period(labelled, out)
    for source, value in labelled.get("type", []):
        if m := _STAGES_NOTE.match(value):  # dj prints 创新探索型（分 2 个阶段实施，现为第 1 阶段）
            labelled["type"] = [(source, m.group(1))]
            labelled.setdefault("stages", []).append((source, m.group(2)))
    out.project_id = next((v for _, v in labelled.get("id", []) if v), "")
    raw = {key: _one(key, tagged, labelled, out) for key in SCALARS}
    fields: dict[str, Any] = {}
    for key, value in raw.items():
        name, where = SCALARS[key]
        if not value:
            if key in REQUIRED:
                out.problems.append(f"{where}的“{name}”没有填写；请填上后再读入。")
            continue
        try:
            converted: Any = {"applied": date, "period.start": date, "period.end": date,
                              "stages": stages}.get(key, str)(value)
        except Unreadable as e:
            out.problems.append(f"{where}的“{name}”读不出：{e}。")
            continue
        out.read.append((name, value))
        if key == "applied":
            out.applied = dt.date.fromisoformat(converted)
        elif "." in key:
            outer, inner = key.split(".")
            fields.setdefault(outer, {})[inner] = converted
        else:
            fields[key] = converted
    found = docxtext.sections(body, HEADINGS)
    for key, title in _SECTION_TITLES.items():
        # under its heading first: an editor may have moved a pasted paragraph out of the control
        value = found.get(title, "") or next((v for v in tagged.get(key, []) if v), "")
        if value:
            fields[key] = value
            out.read.append((title, f"{len(value.splitlines())} 段"))
    _lists(body, fields, out)
    if not out.problems:
        out.problems += _checked(fields, config)
    out.fields = fields
    return out


def _split_period(labelled: dict[str, list[tuple[str, str]]], out: Imported) -> None:
    for source, value in labelled.pop("period"):
        if not value:
            continue
        try:
            start, end = period(value)
        except Unreadable as e:
            out.problems.append(f"{source}的“实施周期”读不出：{e}。")
            continue
        labelled.setdefault("period.start", []).append((source, start))
        labelled.setdefault("period.end", []).append((source, end))


def _one(key: str, tagged: dict[str, list[str]], labelled: dict[str, list[tuple[str, str]]], out: Imported) -> str:
    """A field's one value: its control's, else its label's; two different values are a problem, not a guess."""
    name, _ = SCALARS[key]
    values = [(SCALARS[key][1], v) for v in tagged.get(key, []) if v] or [(s, v) for s, v in labelled.get(key, [])
                                                                            if v]
    distinct = list(dict.fromkeys(v for _, v in values))
    if len(distinct) > 1:
        places = "、".join(f"{source}写的是“{v}”" for source, v in dict.fromkeys(values))
        out.problems.append(f"“{name}”前后不一致（{places}）；请改成一致后再读入。")
    return distinct[0] if distinct else ""


def _lists(body: Element, fields: dict[str, Any], out: Imported) -> None:
    """进度安排 and 经费预算, row by row; an empty row is skipped, a half-filled one named."""
    milestones = []
    for n, row in enumerate(_table(body, ("时间", "工作内容")), start=1):
        when, what = [*row, "", ""][:2]
        if not when and not what:
            continue
        where = f"“六、进度安排”表第 {n} 行"
        if not when or not what:
            out.problems.append(f"{where}没有填写{'时间' if not when else '工作内容'}；请补上，或把这一行清空。")
            continue
        try:
            milestones.append({"date": date(when), "content": what})
        except Unreadable as e:
            out.problems.append(f"{where}的时间读不出：{e}。")
    budget = []
    for n, row in enumerate(_table(body, ("支出项目",)), start=1):
        if row and row[0].replace(" ", "") == "合计":
            continue
        item, amount = ["", "", *row][-2:]
        if not item and not amount:
            continue
        where = f"“七、经费预算”表第 {n} 行"
        if not item or not amount:
            out.problems.append(f"{where}没有填写{'支出项目' if not item else '金额'}；请补上，或把这一行清空。")
            continue
        try:
            budget.append({"item": item, "amount": money(amount)})
        except Unreadable as e:
            out.problems.append(f"{where}的金额读不出：{e}。")
    if milestones:
        fields["milestones"] = milestones
        out.read.append(("进度安排", f"{len(milestones)} 项"))
    if budget:
        fields["budget"] = budget
        total = sum((Decimal(b["amount"]) for b in budget), Decimal("0.00"))
        out.read.append(("经费预算", f"{len(budget)} 项，合计 {total:.2f} 元"))


def _checked(fields: dict[str, Any], config: Config | None) -> list[str]:
    """What the record's model and dj.yaml say of the fields read: the rules of `dj apply`, every one listed."""
    from pydantic import ValidationError

    from dangjian_cli import workflow
    from dangjian_cli.model import Project, explain

    try:
        project = Project.model_validate({**fields, "id": "2000-表-001", "cycle": "2000", "status": "applied"})
    except ValidationError as e:
        return [f"{problem}。" for problem in explain(e)]
    problems = workflow.reference_problems(project, config) if config is not None else []
    return [re.sub(r"^字段 (\w+)：", lambda m: f"“{_REFERENCES.get(m.group(1), m.group(1))}”：", p) + "。"
            for p in problems]


def summary(imported: Imported, shown: str) -> str:
    """What --check prints: every field read, as read."""
    lines = [f"{shown} 读出："] + [f"  {name}：{value}" for name, value in imported.read]
    if imported.project_id:
        lines.append(f"  项目编号：{imported.project_id}（重新申报这个项目）")
    return "\n".join(lines)


def refuse(imported: Imported, shown: str) -> None:
    """Nothing is applied from a form with a field that cannot be read: each one named, one sentence each."""
    if imported.problems:
        raise DjError(f"申报表 {shown} 有 {len(imported.problems)} 处读不出或有误，未申报；请改正后再读入：\n"
                      + "\n".join(imported.problems))


def revising(imported: Imported, given: str | None, root: Path) -> str | None:
    """The project a printed 申报表 revises: the 项目编号 on it (when the clerk gave none, or the same one)."""
    from dangjian_cli import store

    printed = imported.project_id
    if given and printed and given != printed:
        raise DjError(f"申报表上印的项目编号是 {printed}，不是命令中的 {given}；请核对是不是拿错了表。")
    if given or not printed:
        return given
    if not store.project_path(root, printed).exists():
        raise DjError(f"申报表上印的项目编号 {printed} 在本数据仓库中没有；"
                      f"这是一份新申报的话，请删去表上的项目编号后再读入。")
    return printed


# --- the 结题报告 -----------------------------------------------------------------------------------------------


def is_word(path: Path) -> bool:
    """A report handed in as a Word file (by its name, or by its first bytes when it was renamed)."""
    if path.suffix.lower() in (".docx", ".docm", ".dotx", ".dotm"):
        return True
    try:
        with path.open("rb") as f:
            return f.read(4) == b"PK\x03\x04" and path.suffix.lower() not in (".md", ".txt", ".markdown")
    except OSError:
        return False


def closing_report(path: Path, shown: str, project_id: str) -> dict[str, str]:
    """The four sections (003) of a filled 结题报告, by their controls or their headings."""
    body = _body(path, shown)
    titles = tuple(CLOSING_SECTIONS.values())
    tagged = docxtext.controls(body, BY_TITLE)
    found = docxtext.sections(body, titles)
    printed = next((row[1] for block in docxtext.blocks(body) if block.tag == f"{W}tbl"
                    for row in docxtext.rows(block) if len(row) > 1 and row[0].replace(" ", "") == "项目编号"), "")
    if printed and printed != project_id:
        raise DjError(f"结题报告 {shown} 上写的项目编号是 {printed}，不是 {project_id}；"
                      f"请核对是不是发错了报告，或改正报告上的编号后再试。")
    out: dict[str, str] = {}
    problems = []
    for key, title in CLOSING_SECTIONS.items():
        value = found.get(title, "") or next((v for v in tagged.get(key, []) if v), "")
        if value:
            out[key] = value
        else:
            problems.append(f"“{title}”部分{'没有填写' if title in found or key in tagged else '找不到'}："
                            f"报告里要有“{title}”这个小标题，下面写上内容。")
    if problems:
        raise DjError(f"结题报告 {shown} 有 {len(problems)} 处读不出，未结题；请改正后再试：\n" + "\n".join(problems))
    return out

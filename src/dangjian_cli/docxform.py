"""Blank Word forms to fill in: the 申报表 and the 结题报告, every field a Word content control.

Each control's tag names the record's key (title, responsible.first, period.start, milestones.date …), its
title is the field's Chinese name and it shows a hint until the user types. The layout is the printed form's
(the shipped template's styles, page and footers; the same labels, headings and tables), so a copy whose controls
were lost on the way (an old WPS, a copy-and-paste) is still read by its labels. docx is imported inside functions.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from dangjian_cli.config import Config, Unit
from dangjian_cli.model import CLOSING_SECTIONS, Project

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
HINT = re.compile(r"【请[^】]*】")  # every hint is one of these, so a hint left as text reads as empty
MILESTONE_ROWS = 8
BUDGET_ROWS = 10
# The application's sections after 一、基本情况, as the printed form numbers them: key → heading.
SECTIONS = {"background": "二、项目背景", "plan": "三、实施方案", "goals": "四、预期目标", "measures": "五、保障措施"}
SECTION_HINTS = {
    "background": "【请写明为什么开展这个项目：支部现状、存在的问题、党员群众的需求（可分多段）】",
    "plan": "【请写明怎么做：主要内容、方式方法、活动安排、分工（可分多段）】",
    "goals": "【请写明要达到的目标，尽量写成看得见、数得清的结果（可分多段）】",
    "measures": "【请写明组织、制度、经费、人员等方面的保障（可分多段）】",
}
REPORT_HINTS = {
    "overview": "【请写明项目的由来、目标和立项以来的总体情况】",
    "implementation": "【请写明做了哪些工作、开展了哪些活动、党员参与情况、经费使用情况】",
    "achievements": "【请写明取得的成果、形成的制度和可推广的经验】",
    "evaluation": "【请写明对项目的自我评价、存在的不足和今后的打算】",
}

_FANGSONG, _HEITI, _TITLE_FONT = "仿宋_GB2312", "黑体", "方正小标宋简体"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _rpr(font: str = _FANGSONG, size: int = 24, *, bold: bool = False, underline: bool = False,
         grey: bool = False) -> str:
    return (f'<w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}" w:cs="{font}"/>'
            + ("<w:b/>" if bold else '<w:b w:val="0"/>') + ('<w:color w:val="808080"/>' if grey else "")
            + f'<w:sz w:val="{size}"/>' + ('<w:u w:val="single"/>' if underline else "") + "</w:rPr>")


def _run(text: str, rpr: str) -> str:
    return f'<w:r>{rpr}<w:t xml:space="preserve">{_esc(text)}</w:t></w:r>'


class _Builder:
    """The body's XML, with a fresh id for every content control."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.next_id = 100

    def _sdt_pr(self, tag: str, title: str, rpr: str, kind: str, filled: bool) -> str:
        self.next_id += 1
        return (f"<w:sdtPr>{rpr}<w:alias w:val=\"{_esc(title)}\"/><w:tag w:val=\"{_esc(tag)}\"/>"
                f'<w:id w:val="{self.next_id}"/>' + ("" if filled else "<w:showingPlcHdr/>") + kind + "</w:sdtPr>")

    def inline(self, tag: str, title: str, hint: str, *, size: int = 24, underline: bool = False,
               date: bool = False, value: str = "") -> str:
        """A plain-text (or date) control inside a paragraph: the hint in grey until the user types."""
        rpr = _rpr(size=size, underline=underline)
        kind = ('<w:date><w:dateFormat w:val="yyyy年M月d日"/><w:lid w:val="zh-CN"/>'
                '<w:storeMappedDataAs w:val="dateTime"/><w:calendar w:val="gregorian"/></w:date>'
                if date else '<w:text/>')
        shown = _run(value, rpr) if value else _run(hint, _rpr(size=size, underline=underline, grey=True))
        return f"<w:sdt>{self._sdt_pr(tag, title, rpr, kind, bool(value))}<w:sdtContent>{shown}</w:sdtContent></w:sdt>"

    def block(self, tag: str, title: str, hint: str) -> None:
        """A rich-text control holding paragraphs: pasted text keeps its paragraphs, line breaks and formatting."""
        rpr = _rpr(size=32)
        para = f'<w:p><w:pPr><w:ind w:firstLine="640"/></w:pPr>{_run(hint, _rpr(size=32, grey=True))}</w:p>'
        self.parts.append(f"<w:sdt>{self._sdt_pr(tag, title, rpr, '', False)}<w:sdtContent>{para}"
                          f"</w:sdtContent></w:sdt>")

    def para(self, content: str, ppr: str = "") -> None:
        self.parts.append(f"<w:p>{f'<w:pPr>{ppr}</w:pPr>' if ppr else ''}{content}</w:p>")

    def title(self, text: str) -> None:
        self.para(_run(text, _rpr(_TITLE_FONT, 44)), '<w:keepNext/><w:spacing w:line="720" w:lineRule="exact" '
                                                     'w:after="360"/><w:jc w:val="center"/>')

    def heading(self, text: str) -> None:
        self.para(_run(text, _rpr(_HEITI, 32)), '<w:keepNext/><w:spacing w:before="160"/>')

    def cover_line(self, label: str, control: str) -> None:
        self.para(_run(f"{label}：", _rpr(size=32)) + control,
                  '<w:spacing w:line="800" w:lineRule="exact"/><w:ind w:left="680"/>')

    def table(self, widths: list[int], rows: Iterable[list[str]], header: bool = False) -> None:
        grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
        out = [f'<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:type="auto" w:w="0"/><w:jc w:val="center"/>'
               f'<w:tblLayout w:type="fixed"/><w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" '
               f'w:lastRow="0" w:noHBand="0" w:noVBand="1" w:val="04A0"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>']
        for n, cells in enumerate(rows):
            repeat = "<w:tblHeader/>" if header and n == 0 else ""
            out.append(f"<w:tr><w:trPr><w:cantSplit/>{repeat}</w:trPr>")
            for width, cell in zip(widths, cells, strict=True):
                out.append(f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/></w:tcPr><w:p><w:pPr>'
                           f'<w:spacing w:line="400" w:lineRule="exact"/></w:pPr>{cell}</w:p></w:tc>')
            out.append("</w:tr>")
        out.append("</w:tbl>")
        self.parts.append("".join(out))


def label(text: str, bold: bool = True) -> str:
    return _run(text, _rpr(bold=bold))


def _choices(names: Iterable[str]) -> str:
    return "、".join(names) or "（dj.yaml 中尚未配置）"


def _project_field(key: str) -> str:
    """A field's Chinese title, from the model: one home for what a field is called."""
    model: Any = Project
    title = ""
    for part in key.split("."):
        info = model.model_fields[part]
        title = info.title or part
        model = info.annotation
    return title


def application(config: Config, unit: Unit | None = None) -> bytes:
    """The blank 申报表 for `config`'s organisation (and `unit`, printed in and naming its branches) as .docx bytes."""
    b = _Builder()
    units = [unit] if unit else config.units
    branch_hint = f"【请填写党支部全称，可选：{_choices(br for u in units for br in u.branches)}】"
    b.para("")
    b.para(_run(config.org, _rpr(_TITLE_FONT, 44)), '<w:jc w:val="center"/>')
    b.title("党建工作项目申报表")
    b.para("")
    cover: tuple[tuple[str, str, str, dict[str, Any]], ...] = (("项目名称", "title", "【请填写项目名称】", {}),
             ("项目所在单位", "unit", f"【请填写单位名称，可选：{_choices(u.name for u in config.units)}】",
              {"value": unit.name if unit else ""}),
             ("项目执行者", "leader", "【请填写项目执行者姓名】", {}),
             ("项目所在支部（盖章）", "branch", branch_hint, {}),
             ("支部书记", "secretary", "【请填写支部书记姓名】", {}),
             ("填表日期", "applied", "【请填写日期，如 2025年5月6日】", {"date": True}))
    for text, key, hint, extra in cover:
        b.cover_line(text, b.inline(key, _project_field(key) if key != "applied" else "填表日期", hint, size=32,
                                    underline=True, **extra))
    b.para("")
    b.para(_run(f"{config.org} 印制", _rpr(size=32)) + '<w:r><w:br w:type="page"/></w:r>', '<w:jc w:val="center"/>')
    b.heading("一、基本情况")
    types = _choices(t.name for t in config.types)
    rows = [
        ("第一责任人", b.inline("responsible.first", "第一责任人", "【请填写，一般为党组织书记】")),
        ("直接责任人", b.inline("responsible.direct", "直接责任人", "【请填写，一般为分管领导】")),
        ("项目类别", b.inline("category", "项目类别", f"【请填写其中之一：{_choices(config.categories)}】")),
        ("项目类型", b.inline("type", "项目类型", f"【请填写其中之一：{types}】")),
        ("实施阶段数", b.inline("stages", "实施阶段数", "【请填写分几年实施，一般为 1，可不填】")),
        ("实施周期", b.inline("period.start", "开始日期", "【请填写开始日期】", date=True)
         + label(" 至 ", bold=False) + b.inline("period.end", "结束日期", "【请填写结束日期】", date=True)),
    ]
    b.table([2268, 6576], [[label(name), cell] for name, cell in rows])
    for key, heading in SECTIONS.items():
        b.heading(heading)
        b.block(key, _project_field(key), SECTION_HINTS[key])
    b.heading("六、进度安排")
    b.table([2268, 6576], [[label("时间"), label("工作内容")]] + [
        [b.inline("milestones.date", "时间节点", "【请填日期】", date=True),
         b.inline("milestones.content", "工作内容", "【请填写这一阶段的工作内容】")] for _ in range(MILESTONE_ROWS)],
        header=True)
    b.heading("七、经费预算")
    b.table([1134, 5443, 2268], [[label("序号"), label("支出项目"), label("金额（元）")]] + [
        [label(str(n), bold=False), b.inline("budget.item", "支出项目", "【请填写支出项目】"),
         b.inline("budget.amount", "金额（元）", "【请填金额】")] for n in range(1, BUDGET_ROWS + 1)]
        + [[label("合计", bold=False), label("（由 dj 按各项金额计算）", bold=False), ""]], header=True)
    b.heading("八、审核意见")
    sign = '<w:r>' + _rpr() + '<w:br/><w:br/><w:t xml:space="preserve">（盖章）        {who}签字：' \
           '              年    月    日</w:t></w:r>'
    b.table([2041, 6803], [[label("党支部意见", bold=False), sign.format(who="书记")],
                           [label("基层党委意见", bold=False), sign.format(who="负责人")]])
    return _document("application", b, config, "党建工作项目申报表（空白）")


def report(config: Config, project: Project | None = None) -> bytes:
    """The blank 结题报告: the four sections (003) as controls; the project's number and name when one is given."""
    b = _Builder()
    b.title("党建工作项目结题报告")
    facts = [("项目编号", project.id if project else ""), ("项目名称", project.title if project else ""),
             ("项目所在单位", project.unit if project else ""), ("项目所在支部", project.branch if project else "")]
    cells = []
    for (name, value), key in zip(facts, ("id", "title", "unit", "branch"), strict=True):
        hint = {"id": "【请填写项目编号，如 2025-机电-001】"}.get(key, f"【请填写{name}】")
        cells.append([label(name), label(value, bold=False) if value
                      else b.inline(key, name, hint)])
    b.table([2268, 6576], cells)
    for n, (key, title) in enumerate(CLOSING_SECTIONS.items()):
        b.heading(f"{'一二三四'[n]}、{title}")
        b.block(key, title, REPORT_HINTS[key])
    b.para("")
    b.para(_run("项目执行者签字：", _rpr(size=32)))
    b.para(_run("支部书记签字：", _rpr(size=32)))
    b.para(_run("    年  月  日", _rpr(size=32)), '<w:jc w:val="right"/>')
    return _document("closing", b, config, "党建工作项目结题报告（空白）")


def _document(template: str, body: _Builder, config: Config, title: str) -> bytes:
    """The shipped template's styles, page, theme and footers around `body`; its placeholders taken out."""
    from docx import Document
    from docx.oxml import parse_xml

    path = Path(str(resources.files("dangjian_cli") / "forms" / f"{template}.docx"))
    doc = Document(str(path))
    element: Any = doc.element.body
    section = element.find(f"{{{W_NS}}}sectPr")
    for child in list(element):
        if child is not section:
            element.remove(child)
    xml = f'<w:body xmlns:w="{W_NS}">{"".join(body.parts)}</w:body>'
    for child in list(parse_xml(xml)):
        if section is not None:
            section.addprevious(child)
        else:
            element.append(child)
    for sec in doc.sections:
        for footer in (sec.footer, sec.even_page_footer, sec.first_page_footer):
            if footer.is_linked_to_previous:  # no footer of its own: reading it would add one
                continue
            for paragraph in footer.paragraphs:
                for run in paragraph.runs:
                    if "{{" in run.text or "{%" in run.text:
                        run.text = "空白表格：填好后交党委组织部，用 dj 读入" if "{{" in run.text else ""
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = title, config.org, config.org
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()

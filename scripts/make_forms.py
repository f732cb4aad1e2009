"""Build the default Word form templates (src/dangjian_cli/forms/*.docx) with python-docx.

    python scripts/make_forms.py

The .docx files this writes are what ships and what `dj init` copies into a data repository's
templates/, where clerks edit them in Word or WPS. This script is only how they were first made:
re-run it after changing a layout here, then copy the results over templates/ (a test compares them).
Jinja tags follow docxtpl: {{ value }}, {%p for %} paragraph loops, {%tr %} row loops, {%tc %} columns.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

from docx import Document  # type: ignore[import-untyped]
from docx.enum.section import WD_ORIENT  # type: ignore[import-untyped]
from docx.enum.table import WD_TABLE_ALIGNMENT  # type: ignore[import-untyped]
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT  # type: ignore[import-untyped]
from docx.oxml import OxmlElement  # type: ignore[import-untyped]
from docx.oxml.ns import qn  # type: ignore[import-untyped]
from docx.shared import Mm, Pt, RGBColor  # type: ignore[import-untyped]
from docx.text.paragraph import Paragraph  # type: ignore[import-untyped]

OUT = Path(__file__).resolve().parents[1] / "src" / "dangjian_cli" / "forms"

TITLE_FONT = "方正小标宋简体"  # 2号 (22 pt), GB/T 9704 titles
BODY_FONT = "仿宋_GB2312"  # 3号 (16 pt) in text, 小四 (12 pt) in tables
HEADING_FONT = "黑体"
PAGE_FONT = "宋体"
# Where a machine lacks the official fonts, Word and LibreOffice take these (fontTable altName).
FALLBACKS = {TITLE_FONT: "宋体", BODY_FONT: "仿宋", HEADING_FONT: "SimHei"}

CENTER, RIGHT, LEFT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.LEFT


def font(run, name: str, size: float, bold: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Set the font on a run for every script, East-Asian included (Word ignores w:ascii for Chinese)."""
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


PROJECT_FOOTER = "项目编号 {{ id }} · 记录版本 {{ blob }}"
TEXT_WIDTH = {False: 156, True: 243}  # mm inside the margins: A4 portrait, landscape
LANGUAGE = "zh-CN"


def new_document(landscape: bool = False, footer: str = PROJECT_FOOTER):  # type: ignore[no-untyped-def]
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
    # GB/T 9704-2012: top 37 mm, bottom 35 mm, left 28 mm, right 26 mm
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(20)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(16)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = Pt(28)
    chinese(doc)
    page_footers(doc, footer)
    return doc


def chinese(doc) -> None:  # type: ignore[no-untyped-def]
    """zh-CN, not python-docx's en-US and ja-JP, so LibreOffice and Word lay the text out with Chinese fonts.

    Every style names its East-Asian font outright (黑体 for headings and titles, 仿宋 otherwise), because a theme
    font would send Chinese text to the theme's Japanese face.
    """
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = defaults.find(qn("w:rFonts"))
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), BODY_FONT)
    language = defaults.find(qn("w:lang"))
    language.set(qn("w:val"), LANGUAGE)
    language.set(qn("w:eastAsia"), LANGUAGE)
    for style in styles.iter(qn("w:style")):
        name = style.get(qn("w:styleId")) or ""
        fonts = style.get_or_add_rPr().get_or_add_rFonts()
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attr), None)
        fonts.set(qn("w:eastAsia"), HEADING_FONT if name.startswith(("Heading", "Title", "Subtitle")) else BODY_FONT)
    theme_language = doc.settings.element.find(qn("w:themeFontLang"))
    if theme_language is not None:
        theme_language.set(qn("w:eastAsia"), LANGUAGE)


def page_number(paragraph) -> None:  # type: ignore[no-untyped-def]
    """“— 1 —” in 4号 宋体 (GB/T 9704 7.5): a PAGE field between two em dashes, one space each side."""
    def run(text: str = ""):  # type: ignore[no-untyped-def]
        r = paragraph.add_run(text)
        font(r, PAGE_FONT, 14)
        return r

    run("— ")
    for kind, code in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        r = run()
        if kind is not None:
            mark = OxmlElement("w:fldChar")
            mark.set(qn("w:fldCharType"), kind)
            r._element.append(mark)
        elif code == " PAGE ":
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = code
            r._element.append(instruction)
        else:
            r.text = code
    run(" —")


def page_footers(doc, record: str) -> None:  # type: ignore[no-untyped-def]
    """The record line centred, and below it the page number: odd pages right, even pages left, one character in."""
    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    for footer, align in ((section.footer, RIGHT), (section.even_page_footer, LEFT)):
        line = footer.paragraphs[0]
        line.alignment = CENTER
        font(line.add_run(record), BODY_FONT, 9)
        number = footer.add_paragraph()
        number.alignment = align
        edge = number.paragraph_format
        edge.right_indent, edge.left_indent = (Pt(14), None) if align is RIGHT else (None, Pt(14))
        page_number(number)


def para(doc, text: str = "", size: float = 16, align=None, bold: bool = False,  # type: ignore[no-untyped-def]
         face: str = BODY_FONT, indent: bool = False):
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    if text:
        font(p.add_run(text), face, size, bold)
    return p


def title(doc, text: str) -> None:  # type: ignore[no-untyped-def]
    p = para(doc, text, 22, CENTER, face=TITLE_FONT)
    p.paragraph_format.line_spacing = Pt(36)
    p.paragraph_format.space_after = Pt(18)
    p.paragraph_format.keep_with_next = True


def heading(doc, text: str) -> None:  # type: ignore[no-untyped-def]
    p = para(doc, text, 16, face=HEADING_FONT)
    p.paragraph_format.space_before = Pt(8)
    p.paragraph_format.keep_with_next = True  # never the last line of a page


def paragraphs(doc, name: str) -> None:  # type: ignore[no-untyped-def]
    """A multi-paragraph field: one Word paragraph per paragraph the user wrote."""
    para(doc, f"{{%p for line in {name} %}}")
    para(doc, "{{ line }}", indent=True)
    para(doc, "{%p endfor %}")


def table(doc, rows: Sequence[Sequence[str]], widths: Sequence[float] | None,  # type: ignore[no-untyped-def]
          header: bool = True, header_rows: int = 1):
    """A bordered table; cells in 小四, the header row in bold. No widths: columns fit their content."""
    t = doc.add_table(rows=len(rows), cols=len(rows[0]))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = widths is None
    if widths is None:  # a column loop adds columns: let Word and LibreOffice share the page width out
        pr = t._tbl.tblPr
        width = pr.find(qn("w:tblW"))
        width.set(qn("w:type"), "pct")
        width.set(qn("w:w"), "5000")
    for c, w in enumerate(widths or ()):
        t.columns[c].width = Mm(w)  # LibreOffice reads the grid, Word the cells
    for r, row in enumerate(rows):
        whole_row(t.rows[r], repeated=header and r < header_rows)
        for c, text in enumerate(row):
            cell = t.rows[r].cells[c]
            if widths is not None:
                cell.width = Mm(widths[c])
            p = cell.paragraphs[0]
            p.paragraph_format.line_spacing = Pt(20)
            if header and r == 0:
                p.alignment = CENTER
            font(p.add_run(text), BODY_FONT, 12, bold=header and r == 0)
    return t


def whole_row(row, repeated: bool = False) -> None:  # type: ignore[no-untyped-def]
    """A row is never cut by a page break; a header row is printed again at the top of each page the table runs on."""
    properties = row._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))
    if repeated:
        properties.append(OxmlElement("w:tblHeader"))


def pairs(doc, items: Sequence[tuple[str, str]], widths: Sequence[float] = (40, 116)) -> None:  # type: ignore[no-untyped-def]
    """Label | value rows, the labels in bold."""
    t = table(doc, [list(i) for i in items], widths, header=False)
    for row in t.rows:
        row.cells[0].paragraphs[0].runs[0].font.bold = True


def loop_rows(doc, head: Sequence[str], loop: str, cells: Sequence[str], widths: Sequence[float] | None,  # type: ignore[no-untyped-def]
              tail: Sequence[Sequence[str]] = ()):
    """A header row, one row per item of `loop` (docxtpl {%tr %}), then fixed rows such as a total."""
    blank = [""] * (len(cells) - 1)
    rows = [list(head), [f"{{%tr for {loop} %}}", *blank], list(cells), ["{%tr endfor %}", *blank], *map(list, tail)]
    return table(doc, rows, widths)


def keep_with_previous(doc) -> None:  # type: ignore[no-untyped-def]
    """What comes next starts on the page of the last paragraph or table row before it (tags aside)."""
    body = doc.element.body
    last = [e for e in body.iterchildren() if e.tag in (qn("w:p"), qn("w:tbl"))]
    for element in reversed(last):
        if element.tag == qn("w:tbl"):
            for p in element.findall(qn("w:tr"))[-1].iter(qn("w:p")):
                Paragraph(p, doc).paragraph_format.keep_with_next = True
            return
        paragraph = Paragraph(element, doc)
        if paragraph.text.startswith("{%"):  # docxtpl drops the tag's paragraph: keep the one before it
            continue
        paragraph.paragraph_format.keep_with_next = True
        return


def signatures(doc, *lines: str) -> None:  # type: ignore[no-untyped-def]
    """The signing block, right of centre, all on one page with what it signs.

    A line ending in “：” is someone's signature: a ruled space to the margin after it, drawn by an underlined
    tab (spaces at a line's end are dropped by Word and LibreOffice alike); other lines (organ, date) flush right.
    """
    keep_with_previous(doc)
    width = Mm(TEXT_WIDTH[doc.sections[0].orientation == WD_ORIENT.LANDSCAPE])
    para(doc).paragraph_format.keep_with_next = True
    for n, line in enumerate(lines):
        p = para(doc, line, align=None if line.endswith("：") else RIGHT)
        layout = p.paragraph_format
        layout.keep_together = True
        layout.keep_with_next = n < len(lines) - 1
        if line.endswith("："):
            layout.left_indent = width - Mm(90)
            layout.line_spacing = Pt(40)  # room for a hand's signature
            layout.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
            blank = p.add_run("\t")
            font(blank, BODY_FONT, 16)
            blank.font.underline = True


# What follows an element in its parent, in the order the schema (ECMA-376) fixes: Word refuses a file whose
# elements come in another order, so an element is put before the first of these its parent already has.
_P_AFTER_BORDERS = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
                    "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
                    "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
                    "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
                    "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
AFTER = {
    "w:pBdr": _P_AFTER_BORDERS,
    "w:w": ("w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd",
            "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish",
            "w:oMath"),
    "w:tblBorders": ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription",
                     "w:tblPrChange"),
    "w:tblCellMar": ("w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange"),
}


def add(parent, child):  # type: ignore[no-untyped-def]
    """`child` into `parent` where the schema wants it."""
    tag = child.tag.replace(qn("w:x")[:-1], "w:")
    parent.insert_element_before(child, *AFTER[tag])
    return child


RED = "FF0000"  # GB/T 9704: 发文机关标志 and the separator under it are printed red
CHAR = 16  # pt: one character of 3号, the unit GB/T 9704 measures indents in (右空四字)
NOTICE_FOOTER = "项目编号 {{ id }} · 记录版本 {{ blob }}{{ emoji_note }}"


def border(paragraph, edge: str, size: int, color: str = "000000", space: int = 1) -> None:  # type: ignore[no-untyped-def]
    """A rule along one edge of a paragraph: `size` in eighths of a point, `space` in points from the text."""
    properties = paragraph._p.get_or_add_pPr()
    edges = properties.find(qn("w:pBdr"))
    if edges is None:
        edges = add(properties, OxmlElement("w:pBdr"))
    rule = OxmlElement(f"w:{edge}")
    for key, value in (("w:val", "single"), ("w:sz", str(size)), ("w:space", str(space)), ("w:color", color)):
        rule.set(qn(key), value)
    edges.append(rule)


def red_head(doc, number: str) -> None:  # type: ignore[no-untyped-def]
    """GB/T 9704 7.2: 发文机关标志 in red 小标宋, centred; two lines below it the 文号, centred, and 4 mm under the
    文号 a red rule as wide as the text; the title follows two lines below the rule."""
    mark = para(doc, "{{ doc.mark }}", 36, CENTER, face=TITLE_FONT)
    mark.paragraph_format.line_spacing = Pt(52)
    run = mark.runs[0]
    run.font.color.rgb = RGBColor.from_string(RED)
    scale = OxmlElement("w:w")  # characters 80 % wide: a name of 15 characters still fits on one line
    scale.set(qn("w:val"), "80")
    add(run._element.get_or_add_rPr(), scale)
    for _ in range(2):
        para(doc)
    line = para(doc, number, align=CENTER)
    border(line, "bottom", 18, RED, space=11)  # 2¼ pt, 4 mm (11 pt) below the 文号
    for p in (mark, line, *doc.paragraphs[-3:-1]):
        p.paragraph_format.keep_with_next = True
    para(doc)


def notice_title(doc, text: str) -> None:  # type: ignore[no-untyped-def]
    title(doc, text)
    doc.paragraphs[-1].paragraph_format.space_after = Pt(0)
    para(doc).paragraph_format.keep_with_next = True  # the 主送 one line below the title
    para(doc, "{{ doc.to }}：").paragraph_format.keep_with_next = True


def sealed(doc, organ: str, date: str) -> None:  # type: ignore[no-untyped-def]
    """GB/T 9704 7.3.5.1: the date four characters in from the right, the organ centred over it, and two blank lines
    above them, where the seal goes (its top within a line of the text, its lower half over organ and date)."""
    keep_with_previous(doc)
    width = Mm(TEXT_WIDTH[False])
    name = para(doc, f"\t{organ}")
    name.paragraph_format.space_before = Pt(2 * 28)  # two lines: LibreOffice keeps few paragraphs together
    # centred over a date of the usual length, 2026年3月10日: 4 + 3 half-width figures and 年月日, 104 pt
    name.paragraph_format.tab_stops.add_tab_stop(width - Pt(4 * CHAR + 52), WD_TAB_ALIGNMENT.CENTER)
    name.paragraph_format.keep_with_next = True
    day = para(doc, date, align=RIGHT)
    day.paragraph_format.right_indent = Pt(4 * CHAR)


def imprint(doc, date: str) -> None:  # type: ignore[no-untyped-def]
    """GB/T 9704 7.4 版记 at the foot of the last page: 抄送 (when dj.yaml names any) over 印发机关 and 印发日期, in
    4号仿宋 between a thick rule above, a thin one between and a thick one below, all as wide as the text.

    A table floating at the bottom of the text area, placed from the page's left edge: LibreOffice keeps a table
    as wide as the text in the text flow unless it is placed relative to the page.
    """
    rows = [["{%tr if doc.cc %}"], ["抄送：{{ doc.cc }}"], ["{%tr endif %}"], [f"{{{{ doc.printer }}}}\t{date}印发"]]
    t = table(doc, rows, (TEXT_WIDTH[False],), header=False)
    pr = t._tbl.tblPr
    place = OxmlElement("w:tblpPr")
    for key, value in (("w:leftFromText", "0"), ("w:rightFromText", "0"), ("w:vertAnchor", "margin"),
                       ("w:horzAnchor", "page"), ("w:tblpX", str(int(Mm(28).twips))), ("w:tblpYSpec", "bottom")):
        place.set(qn(key), value)
    pr.find(qn("w:tblStyle")).addnext(place)  # where the schema wants it: after the style
    edges = OxmlElement("w:tblBorders")
    for edge, size in (("top", 8), ("left", 0), ("bottom", 8), ("right", 0), ("insideH", 4), ("insideV", 0)):
        rule = OxmlElement(f"w:{edge}")  # thick 0.35 mm, thin 0.25 mm, none at the sides
        rule.set(qn("w:val"), "single" if size else "nil")
        if size:
            for key, value in (("w:sz", str(size)), ("w:space", "0"), ("w:color", "000000")):
                rule.set(qn(key), value)
        edges.append(rule)
    old = pr.find(qn("w:tblBorders"))
    if old is not None:
        pr.remove(old)
    add(pr, edges)
    margins = OxmlElement("w:tblCellMar")  # the indents below are the standard's, not the cell's padding
    for edge in ("left", "right"):
        margin = OxmlElement(f"w:{edge}")
        margin.set(qn("w:w"), "0")
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    add(pr, margins)
    width = Mm(TEXT_WIDTH[False])
    for row in t.rows:
        p = row.cells[0].paragraphs[0]
        layout = p.paragraph_format
        layout.line_spacing = Pt(26)
        layout.left_indent = layout.right_indent = Pt(14)  # 左右各空一字
        for run in p.runs:
            font(run, BODY_FONT, 14)
        if p.text.startswith("抄送"):  # a second line starts under the first organ's name
            layout.left_indent, layout.first_line_indent = Pt(14 + 3 * 14), Pt(-3 * 14)
        elif "\t" in p.text:
            layout.tab_stops.add_tab_stop(width - Pt(14), WD_TAB_ALIGNMENT.RIGHT)
    para(doc)  # the paragraph the table is anchored to


def info(doc) -> None:  # type: ignore[no-untyped-def]
    pairs(doc, [("项目编号", "{{ id }}"), ("项目名称", "{{ title }}"), ("项目所在单位", "{{ unit }}"),
                ("项目所在支部", "{{ branch }}"), ("项目执行者", "{{ leader }}"), ("立项日期", "{{ approved_on }}")])


# --- the forms -------------------------------------------------------------------------


def application():  # type: ignore[no-untyped-def]
    doc = new_document()
    para(doc)
    para(doc, "{{ org }}", 22, CENTER, face=TITLE_FONT)
    title(doc, "党建工作项目申报表")
    para(doc)
    for label, value in (("项目名称", "title"), ("项目所在单位", "unit"), ("项目执行者", "leader"),
                         ("项目所在支部（盖章）", "branch"), ("支部书记", "secretary"), ("填表日期", "applied_on")):
        p = para(doc, f"{label}：", 16)
        p.paragraph_format.left_indent = Mm(12)
        p.paragraph_format.line_spacing = Pt(40)
        run = p.add_run(f"{{{{ {value} }}}}")
        font(run, BODY_FONT, 16)
        run.font.underline = True
    para(doc)
    para(doc, "{{ org }} 印制", 16, CENTER)
    doc.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)

    heading(doc, "一、基本情况")
    pairs(doc, [("项目编号", "{{ id }}"), ("项目名称", "{{ title }}"), ("项目所在单位", "{{ unit }}"),
                ("项目所在支部", "{{ branch }}"), ("项目执行者", "{{ leader }}"), ("支部书记", "{{ secretary }}"),
                ("第一责任人", "{{ first }}"), ("直接责任人", "{{ direct }}"), ("项目类别", "{{ category }}"),
                ("项目类型", "{{ type }}{{ stages_note }}"), ("实施周期", "{{ period }}")])
    for number, name, field in (("二", "项目背景", "background"), ("三", "实施方案", "plan"),
                                ("四", "预期目标", "goals"), ("五", "保障措施", "measures")):
        heading(doc, f"{number}、{name}")
        paragraphs(doc, field)
    heading(doc, "六、进度安排")
    loop_rows(doc, ["时间", "工作内容"], "m in milestones", ["{{ m.date }}", "{{ m.content }}"], (40, 116))
    heading(doc, "七、经费预算")
    loop_rows(doc, ["序号", "支出项目", "金额（元）"], "b in budget", ["{{ b.n }}", "{{ b.item }}", "{{ b.amount }}"],
              (20, 96, 40), tail=[["合计", "", "{{ budget_total }}"]])
    heading(doc, "八、审核意见")
    table(doc, [["党支部意见", "\n\n（盖章）        书记签字：              年    月    日"],
                ["基层党委意见", "\n\n（盖章）        负责人签字：            年    月    日"]],
          (36, 120), header=False)
    return doc


def approval():  # type: ignore[no-untyped-def]
    """A 公文 (GB/T 9704): red head with the 文号, title, 主送, body, 署名 and 成文日期 with room for the seal, 版记."""
    doc = new_document(footer=NOTICE_FOOTER)
    red_head(doc, "{{ doc_no }}")
    notice_title(doc, "党建工作项目立项通知")
    body = para(doc, "经评审，你单位申报的{{ quoted_title }}项目（项目编号：{{ id }}）予以立项，资助经费"
                     "{{ funding_text }}。请按照申报方案认真组织实施，按期接受中期检查和结题验收。", indent=True)
    body.paragraph_format.keep_with_next = True  # the 署名 never stands on a page without a line of the text
    para(doc, "{%p if opinion %}")
    para(doc, "审批意见：{{ opinion }}", indent=True)
    para(doc, "{%p endif %}")
    sealed(doc, "{{ doc.issuer }}", "{{ approved_on }}")
    imprint(doc, "{{ approved_on }}")
    return doc


def midcheck():  # type: ignore[no-untyped-def]
    doc = new_document()
    title(doc, "党建工作项目中期检查表")
    info(doc)
    heading(doc, "检查情况")
    loop_rows(doc, ["阶段", "检查日期", "检查人", "结论", "检查意见"], "c in checks",
              ["{{ c.stage }}", "{{ c.date }}", "{{ c.by }}", "{{ c.result }}", "{{ c.opinion }}"],
              (14, 28, 22, 22, 70))
    heading(doc, "整改事项")
    loop_rows(doc, ["下发日期", "整改期限", "存在问题与整改要求", "完成情况"], "r in rectifications",
              ["{{ r.issued }}", "{{ r.deadline }}", "{{ r.issues }}", "{{ r.state }}"], (26, 26, 70, 34))
    signatures(doc, "检查组签字：", "年    月    日")
    return doc


def rectification():  # type: ignore[no-untyped-def]
    """The 整改通知书 as a 公文 with the issues and the deadline; how it was done comes back on the 回执 (附件)."""
    doc = new_document(footer=NOTICE_FOOTER)
    red_head(doc, "{{ r.doc_no }}")
    notice_title(doc, "党建工作项目整改通知书")
    para(doc, "你单位承担的{{ quoted_title }}项目（项目编号：{{ id }}）在{{ r.issued }}的中期检查中，发现以下问题：",
         indent=True)
    paragraphs(doc, "r.issues_lines")
    last = para(doc, "请于{{ r.deadline }}前完成整改，并填写附件回执，将整改情况书面报送{{ doc.report_to }}。",
                indent=True)
    last.paragraph_format.keep_with_next = True  # the 署名 never stands on a page without a line of the text
    attached = para(doc, "附件：整改情况回执", indent=True)  # GB/T 9704 7.3.4: 附件说明, one line below the text
    attached.paragraph_format.space_before = Pt(28)
    sealed(doc, "{{ doc.issuer }}", "{{ r.issued }}")
    caption(doc, "附件")  # GB/T 9704 8.2: an attachment starts a page of its own
    doc.paragraphs[-1].paragraph_format.page_break_before = True
    title(doc, "整改情况回执")
    pairs(doc, [("项目名称", "{{ formal_title }}"), ("项目编号", "{{ id }}"), ("承担单位", "{{ unit }}、{{ branch }}"),
                ("整改通知书下发日期", "{{ r.issued }}"), ("整改期限", "{{ r.deadline }}"),
                ("整改完成情况", ""), ("完成日期", "年    月    日"),
                ("党支部意见", "\n\n（盖章）        书记签字：              年    月    日")], (36, 120))
    reply = doc.tables[-1]
    for row, height in ((reply.rows[5], 80), (reply.rows[7], 36)):  # room to write in
        tall = OxmlElement("w:trHeight")
        tall.set(qn("w:val"), str(int(Mm(height).twips)))
        tall.set(qn("w:hRule"), "atLeast")
        row._tr.get_or_add_trPr().append(tall)
    reply.rows[6].cells[1].paragraphs[0].alignment = RIGHT
    para(doc, "请于{{ r.deadline }}前将本回执报送{{ doc.report_to }}。", 14).paragraph_format.space_before = Pt(8)
    imprint(doc, "{{ r.issued }}")
    return doc


def closing():  # type: ignore[no-untyped-def]
    doc = new_document()
    title(doc, "党建工作项目结题报告")
    info(doc)
    for number, name, field in (("一", "项目概况", "overview"), ("二", "实施情况", "implementation"),
                                ("三", "成果经验", "achievements"), ("四", "评价建议", "evaluation")):
        heading(doc, f"{number}、{name}")
        paragraphs(doc, field)
    signatures(doc, "项目执行者签字：", "支部书记签字：", "{{ closed_on }}")
    return doc


def review():  # type: ignore[no-untyped-def]
    doc = new_document()
    title(doc, "党建工作项目验收评审表")
    info(doc)
    heading(doc, "评审得分")
    head = ["评分项", "满分", "{%tc for r in reviewers %}", "{{ r }}", "{%tc endfor %}"]
    cells = ["{{ c.name }}", "{{ c.max }}", "{%tc for p in c.points %}", "{{ p }}", "{%tc endfor %}"]
    total = ["合计", "{{ max_total }}", "{%tc for t in totals %}", "{{ t }}", "{%tc endfor %}"]
    loop_rows(doc, head, "c in criteria", cells, None, tail=[total])
    para(doc, "评委{{ reviewers | length }}人{{ trimmed_note }}，验收总分{{ total }}分，"
              "{{ passed_text }}{{ grade_text }}。", indent=True)
    signatures(doc, "评审组成员签字：", "组长签字：", "{{ scored_on }}")
    return doc


def acceptance():  # type: ignore[no-untyped-def]
    doc = new_document()
    title(doc, "党建工作项目验收报告")
    info(doc)
    heading(doc, "验收结论")
    para(doc, "经验收评审组评审，该项目验收总分{{ total }}分，{{ passed_text }}{{ grade_text }}。", indent=True)
    para(doc, "经费使用：资助{{ granted_text }}，已支出{{ spent_text }}，结余{{ balance_text }}{{ retained_text }}。",
         indent=True)
    para(doc, "{%p if award %}")
    para(doc, "评比表彰：{{ award }}。", indent=True)
    para(doc, "{%p endif %}")
    heading(doc, "验收意见")
    for _ in range(3):
        para(doc)
    signatures(doc, "{{ org }}（盖章）", "{{ accepted_on }}")
    return doc


def awards():  # type: ignore[no-untyped-def]
    doc = new_document()
    title(doc, "{{ cycle }}年度{{ name }}表彰名单")
    loop_rows(doc, ["名次", "奖项", "项目编号", "项目名称", "项目所在单位", "得分"], "w in winners",
              ["{{ w.rank }}", "{{ w.award }}", "{{ w.id }}", "{{ w.title }}", "{{ w.unit }}", "{{ w.total }}"],
              (12, 28, 28, 50, 24, 14))
    signatures(doc, "{{ org }}（盖章）", "{{ date }}")
    return doc


def ledger():  # type: ignore[no-untyped-def]
    doc = new_document(landscape=True)
    title(doc, "{{ org }}{{ cycle }}年度党建项目台账")
    head = ["项目编号", "单位", "项目名称", "类型", "状态", "第一责任人",
            "资助", "已支出", "结余", "总分", "等次", "表彰"]
    cells = [f"{{{{ r[{i}] }}}}" for i in (0, 1, 3, 4, 6, 7, 9, 10, 11, 13, 14, 15)]
    loop_rows(doc, head, "r in rows", cells, (24, 24, 46, 18, 18, 16, 16, 16, 16, 14, 12, 23))
    heading(doc, "统计")
    loop_rows(doc, ["分类", "项目", "数量或金额"], "s in stats", ["{{ s[0] }}", "{{ s[1] }}", "{{ s[2] }}"],
              (40, 80, 40))
    return doc

# --- 党支部分类定级 (004 附表1—5) ----------------------------------------------------------

BRANCH_FOOTER = "定级编号 {{ id }} · 记录版本 {{ blob }}"
ROUND_FOOTER = "{{ org }} {{ round }} 年度党支部分类定级"


def caption(doc, text: str) -> None:  # type: ignore[no-untyped-def]
    """The attachment's number above its title, as the seed's 附表 are printed."""
    para(doc, text, 16, LEFT, face=HEADING_FONT).paragraph_format.keep_with_next = True


def grading_head(doc, number: str, name: str) -> None:  # type: ignore[no-untyped-def]
    caption(doc, number)
    title(doc, name)
    subtitle = para(doc, "{{ org }}    {{ round }} 年度", align=CENTER).paragraph_format
    subtitle.space_after = Pt(8)
    subtitle.keep_with_next = True


def tag(expression: str) -> str:
    """A docxtpl variable: {{ expression }}."""
    return "{{ " + expression + " }}"


def merge(cell, other) -> None:  # type: ignore[no-untyped-def]
    """Two cells as one, keeping the text of the first: python-docx would keep the other's empty paragraph too."""
    merged = cell.merge(other)
    for extra in merged.paragraphs[1:]:
        if not extra.text:
            extra._element.getparent().remove(extra._element)


def blank_row(width: int, tag: str) -> list[str]:
    return [tag, *[""] * (width - 1)]


def rubric_table(doc, scores: Sequence[str], widths: Sequence[float]) -> None:  # type: ignore[no-untyped-def]
    """Headings, each merged down its indicators (docxtpl {% vm %}), the indicators, the score columns, 合计."""
    cells = [tag(f"i.scores[{n}]") for n in range(len(scores))] if len(scores) > 1 else [""]
    totals = [tag(f"totals[{n}]") for n in range(len(scores))] if len(scores) > 1 else [""]
    width = 4 + len(scores)
    rows = [
        ["评价项目", "评价指标", "分值", "评分要点", *scores],
        blank_row(width, "{%tr for h in headings %}"),
        blank_row(width, "{%tr for i in h.indicators %}"),
        ["{% vm %}{{ h.name }}（{{ h.max }} 分）", "{{ i.name }}", "{{ i.max }}", "{{ i.description }}", *cells],
        blank_row(width, "{%tr endfor %}"),
        blank_row(width, "{%tr endfor %}"),
        ["合计", "", "{{ max_total }}", "", *totals],
    ]
    table(doc, rows, widths)


def grading_rubric():  # type: ignore[no-untyped-def]
    """附表1、附表2: one template for every rubric in dj.yaml, blank (one score column) or with a branch's points."""
    doc = new_document(footer="{{ footer }}")
    grading_head(doc, "{{ caption }}", "{{ title }}")
    para(doc, "{%p for line in who %}")
    para(doc, "{{ line }}", 14)
    para(doc, "{%p endfor %}")
    para(doc, "{%p if filled %}")
    rubric_table(doc, ["自评", "初评", "党委考评"], (22, 24, 14, 51, 15, 15, 15))
    para(doc, "{%p else %}")
    rubric_table(doc, ["得分"], (24, 26, 14, 68, 24))
    para(doc, "{%p endif %}")
    para(doc, "{%p for line in notes %}")
    para(doc, "{{ line }}", 12)
    para(doc, "{%p endfor %}")
    signatures(doc, "{{ signer }}", "{{ signed_on }}")
    return doc


def grading_branch():  # type: ignore[no-untyped-def]
    """附表3: one branch's survey, scores and grade, with the three signatures."""
    doc = new_document(footer=BRANCH_FOOTER)
    grading_head(doc, "附表3", "高等学校基层党支部调查摸底与分类定级表")
    heading(doc, "一、基本情况")
    pairs(doc, [("定级编号", "{{ id }}"), ("所属二级党组织", "{{ unit }}"), ("党支部名称", "{{ name }}"),
                ("党支部类别", "{{ kind }}"), ("党员人数", "{{ members }}"), ("支部委员", "{{ committee }}"),
                ("党支部书记", "{{ secretary }}"), ("上一年度等级", "{{ last_grade }}")])
    heading(doc, "二、调查摸底")
    loop_rows(doc, ["调查内容", "基本情况"], "f in facts", ["{{ f.name }}", "{{ f.note }}"], (40, 116))
    para(doc, "调查日期：{{ surveyed_on }}    填报人：{{ surveyed_by }}", 12)
    heading(doc, "三、评分与定级")
    loop_rows(doc, ["评价环节", "日期", "评分人", "总分", "权重"], "s in steps",
              ["{{ s.name }}", "{{ s.date }}", "{{ s.by }}", "{{ s.total }}", "{{ s.weight }}"],
              (36, 38, 30, 26, 26), tail=[["最终得分", "", "", "{{ final }}", ""]])
    paragraphs(doc, "verdict")
    heading(doc, "四、二级党组织初评")
    pairs(doc, [("党员和群众测评", "{{ appraisal }}"), ("学习型党组织建设验收", "{{ learning }}"),
                ("群众满意度测评", "{{ satisfaction }}"), ("建议等级", "{{ proposed }}"),
                ("初评意见", "{{ opinion }}")], (50, 106))
    heading(doc, "五、党委考评")
    pairs(doc, [("考评方式", "{{ methods }}"), ("考评日期", "{{ decided_on }}"), ("评定等级", "{{ grade }}"),
                ("推荐情况", "{{ recommendation }}"), ("定级后果", "{{ consequences }}")])
    heading(doc, "六、对标整改")
    loop_rows(doc, ["下发日期", "整改事项", "整改期限", "完成情况"], "r in rectifications",
              ["{{ r.issued }}", "{{ r.content }}", "{{ r.deadline }}", "{{ r.state }}"], (36, 56, 36, 28))
    heading(doc, "七、审核意见")
    table(doc, [["党支部书记", "\n\n签字：                            年    月    日"],
                         ["二级党组织（盖章）", "\n\n负责人签字：                      年    月    日"],
                         ["党委组织部", "\n\n（盖章）                          年    月    日"]],
                   (46, 110), header=False)
    return doc


GRADES = (("A", "先进"), ("B", "较好"), ("C", "一般"), ("D", "后进"))


def grading_summary():  # type: ignore[no-untyped-def]
    """附表4: per unit, the branches and how many of each grade, the A share against the cap, then the list."""
    doc = new_document(landscape=True, footer=ROUND_FOOTER)
    grading_head(doc, "附表4", "高等学校基层党支部分类定级汇总表")
    para(doc, "填报单位：{{ reporter }}", 12)

    def counts(row: str) -> list[str]:
        cells = [tag(f"{row}.name"), tag(f"{row}.branches")]
        cells += [tag(f"{row}.grades[{n}].{key}") for n in range(len(GRADES)) for key in ("count", "share")]
        return [*cells, tag(f"{row}.ungraded")]

    width = 3 + 2 * len(GRADES)
    first = ["二级党组织", "党支部数", *[text for g, name in GRADES for text in (f"{g} 级（{name}）", "")], "未定级"]
    second = ["", "", *["个数", "比例"] * len(GRADES), ""]
    rows = [first, second, blank_row(width, "{%tr for u in units %}"), counts("u"), blank_row(width, "{%tr endfor %}"),
            counts("total")]
    t = table(doc, rows, (47, 22, *[22, 22] * len(GRADES), 22), header_rows=2)
    for r in (0, 1):  # two header rows: the grades over their count and share
        for cell in t.rows[r].cells:
            cell.paragraphs[0].alignment = CENTER
            for run in cell.paragraphs[0].runs:
                run.font.bold = True
    for c in (0, 1, width - 1):
        merge(t.cell(0, c), t.cell(1, c))
    for n in range(len(GRADES)):
        merge(t.cell(0, 2 + 2 * n), t.cell(0, 3 + 2 * n))
    for r in (3, 5):
        for cell in t.rows[r].cells[1:]:
            cell.paragraphs[0].alignment = CENTER
    paragraphs(doc, "cap")
    heading(doc, "党支部定级名单")
    width = 8
    rows = [
        ["二级党组织", "定级编号", "党支部", "党支部类别", "上一年度等级", "最终得分", "评定等级", "备注"],
        blank_row(width, "{%tr for u in units %}"),
        blank_row(width, "{%tr for b in u.list %}"),
        ["{% vm %}{{ u.name }}", "{{ b.id }}", "{{ b.name }}", "{{ b.kind }}", "{{ b.last_grade }}",
         "{{ b.final }}", "{{ b.grade }}", "{{ b.note }}"],
        blank_row(width, "{%tr endfor %}"),
        blank_row(width, "{%tr endfor %}"),
    ]
    table(doc, rows, (38, 36, 48, 30, 22, 20, 20, 29))
    signatures(doc, "填表人：", "审核人：", "{{ reporter }}（盖章）", "{{ date }}")
    return doc


def grading_rectification():  # type: ignore[no-untyped-def]
    """附表5: every rectification of the round: who, what, by when, and whether it is done."""
    doc = new_document(landscape=True, footer=ROUND_FOOTER)
    grading_head(doc, "附表5", "高等学校基层党支部整改汇总表")
    para(doc, "填报单位：{{ reporter }}", 12)
    loop_rows(doc, ["序号", "二级党组织", "党支部", "定级等级", "整改事项", "下发日期", "整改期限", "完成情况"],
              "r in rows", ["{{ r.n }}", "{{ r.unit }}", "{{ r.name }}", "{{ r.grade }}", "{{ r.content }}",
                            "{{ r.issued }}", "{{ r.deadline }}", "{{ r.state }}"],
              (12, 28, 34, 18, 42, 40, 40, 29))
    para(doc, "{{ tally }}", 12)
    signatures(doc, "填表人：", "审核人：", "{{ reporter }}（盖章）", "{{ date }}")
    return doc


FORMS = {"application": application, "approval": approval, "midcheck": midcheck, "rectification": rectification,
         "closing": closing, "review": review, "acceptance": acceptance, "awards": awards, "ledger": ledger,
         "grading_rubric": grading_rubric, "grading_branch": grading_branch, "grading_summary": grading_summary,
         "grading_rectification": grading_rectification}


def with_fallback_fonts(xml: str) -> str:
    """Declare the official fonts with an altName Word/LibreOffice use when they are not installed."""
    fonts = "".join(f'<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/>'
                    f'<w:family w:val="{"modern" if name == BODY_FONT else "roman"}"/><w:pitch w:val="fixed"/></w:font>'
                    for name, alt in FALLBACKS.items())
    return xml.replace("</w:fonts>", fonts + "</w:fonts>")


def chinese_theme(xml: str) -> str:
    """The theme's East-Asian faces, which python-docx leaves empty: 黑体 for headings, 宋体 for body text."""
    major, minor = xml.split("<a:minorFont>", 1)
    return (major.replace('<a:ea typeface=""/>', f'<a:ea typeface="{HEADING_FONT}"/>') + "<a:minorFont>"
            + minor.replace('<a:ea typeface=""/>', f'<a:ea typeface="{PAGE_FONT}"/>'))


def finish(doc) -> bytes:  # type: ignore[no-untyped-def]
    """The .docx bytes, without python-docx's sample thumbnail and with the fallback fonts."""
    doc.core_properties.title = ""
    doc.core_properties.author = "dj"
    raw = io.BytesIO()
    doc.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename == "docProps/thumbnail.jpeg":
                continue
            data = src.read(item.filename)
            if item.filename == "_rels/.rels":
                data = re.sub(rb"<Relationship [^>]*thumbnail[^>]*/>", b"", data)
            elif item.filename == "word/fontTable.xml":
                data = with_fallback_fonts(data.decode("utf-8")).encode("utf-8")
            elif item.filename == "word/theme/theme1.xml":
                data = chinese_theme(data.decode("utf-8")).encode("utf-8")
            fixed = zipfile.ZipInfo(item.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, data)
    return out.getvalue()


def main(names: Sequence[str] = ()) -> None:
    """Every form, or only those named (python scripts/make_forms.py grading_summary)."""
    unknown = set(names) - set(FORMS)
    if unknown:
        raise SystemExit(f"no such form: {', '.join(sorted(unknown))}")
    OUT.mkdir(parents=True, exist_ok=True)
    for name, build in FORMS.items():
        if names and name not in names:
            continue
        (OUT / f"{name}.docx").write_bytes(finish(build()))
        print(OUT / f"{name}.docx")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])

"""The forms as the clerk prints them: every form of the demo turned into PDF by LibreOffice and read back with
`pdftotext -bbox-layout`, word by word with its box, to check what a reader of the paper would see.

A project of the demo is given the hard cases of seed 001's real titles first: emoji, nested quotes, dashes,
and a budget item of 120 characters.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from typer.testing import CliRunner

from dangjian_cli import demo, render, store
from dangjian_cli.cli import app

TRICKY = "2025-机电-001"
TITLE = "🚩✨“支部评级创先进，党员定星争优秀”——‘星级化’管理🇨🇳"
ITEM = ("党员先锋岗公示栏、星级党员评定台账、学习强国积分榜、“三会一课”记录本、主题党日活动展板、志愿服务记录手册等"
        "宣传与台账资料的设计制作印刷费用（含‘红色驿站’标识牌、“党员之家”门牌、学习园地栏目更新与维护），按实际发生结算，单据附后存档备查")
BOTTOM_MARGIN = 35 * 72 / 25.4  # GB/T 9704: the footer and its page number live below the text area
NS = "{http://www.w3.org/1999/xhtml}"


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass
class Page:
    number: int
    height: float
    lines: list[list[Word]]

    @property
    def words(self) -> list[Word]:
        return [w for line in self.lines for w in line]

    def body(self) -> list[str]:
        """The text area's lines, top to bottom, without the footer."""
        inside = [line for line in self.lines if line[0].y1 < self.height - BOTTOM_MARGIN]
        return [squeeze(" ".join(w.text for w in line)) for line in sorted(inside, key=lambda line: line[0].y0)]

    def footer(self) -> str:
        return squeeze(" ".join(w.text for w in self.words if w.y0 >= self.height - BOTTOM_MARGIN))

    def text(self) -> str:
        return squeeze("".join(w.text for w in self.words))

    def readings(self) -> list[str]:
        """The page read across, and read down each left edge and each centre line, by lines and by words: a table
        cell's lines start where its first line does (or share its centre), whether pdftotext joins them with their
        neighbours' lines or not."""
        found = [self.text()]
        for pieces in (self.lines, [[w] for w in self.words]):
            for where in (lambda p: p[0].x0, lambda p: (p[0].x0 + p[-1].x1) / 2):
                found += [squeeze("".join(w.text for piece in sorted(column, key=lambda p: p[0].y0) for w in piece))
                          for column in aligned(pieces, where)]
        return found


def aligned(pieces: list[list[Word]], where: Callable[[list[Word]], float]) -> list[list[list[Word]]]:
    """The pieces in groups that line up at `where` (within a point), as a table column's cells do."""
    groups: list[list[list[Word]]] = []
    last = None
    for piece in sorted(pieces, key=where):
        if last is None or where(piece) - last > 1:
            groups.append([])
        groups[-1].append(piece)
        last = where(piece)
    return groups


def squeeze(text: str) -> str:
    """Without white space: line breaks and spacing vary with the fonts at hand, the characters must not."""
    return "".join(text.split())


def read_pdf(pdf: Path) -> list[Page]:
    out = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    pages = []
    for n, page in enumerate(ET.fromstring(out.stdout).iter(f"{NS}page"), start=1):
        lines = [[Word(w.text or "", *(float(w.get(k, 0)) for k in ("xMin", "yMin", "xMax", "yMax")))
                  for w in line.iter(f"{NS}word")] for line in page.iter(f"{NS}line")]
        pages.append(Page(n, float(page.get("height", 0)), [line for line in lines if line]))
    return pages


def overlap(a: Word, b: Word, slack: float = 0.5) -> bool:
    """Two words whose boxes share more than a hair: glyphs printed over each other."""
    return min(a.x1, b.x1) - max(a.x0, b.x0) > slack and min(a.y1, b.y1) - max(a.y0, b.y0) > slack


def headings(docx: Path) -> set[str]:
    """The form's headings: the paragraphs set in 黑体, as make_forms.py sets every heading and caption."""
    doc = Document(str(docx))
    return {squeeze(p.text) for p in doc.paragraphs
            if p.text.strip() and p.runs and all(r.font.name == "黑体" for r in p.runs if r.text.strip())}


def table_rows(docx: Path) -> Iterator[list[str]]:
    """Each row's cells as text; a cell merged down from the row above belongs to that row (it may go on over the
    page, as the seed's 汇总表 print a unit's name once beside all its branches)."""
    for table in Document(str(docx)).tables:
        for row in table.rows:
            cells = [squeeze("".join(t.text or "" for t in tc.iter(qn("w:t")))) for tc in row._tr.tc_lst
                     if tc.vMerge in (None, "restart")]
            if any(cells):
                yield [c for c in cells if c]


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, list[Page]]:
    """Every form of the demo, the projects', the cycle's and the grading round's, as PDF pages by .docx."""
    if not (shutil.which("soffice") and shutil.which("pdftotext")):
        reason = "未安装 LibreOffice（soffice）或 poppler-utils（pdftotext），跳过 PDF 版式测试；.ci/run 会安装它们"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    root = demo.build(tmp_path_factory.mktemp("print") / "demo").root
    project = store.load_project(root, TRICKY)
    assert len(ITEM) == 120
    budget = [project.budget[0].model_copy(update={"item": ITEM}), *project.budget[1:]]
    store.write_project(root, project.model_copy(update={"title": TITLE, "budget": budget}))
    out = root.parent / "forms"
    runner = CliRunner()
    for args in (["render", "--all"], ["branch", "render", "--all", "--rubrics", "--summary", "--rectifications"]):
        result = runner.invoke(app, ["--repo", str(root), *args, "--out", str(out), "--pdf"], catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
    result = runner.invoke(app, ["--repo", str(root), "report", "--format", "docx", "--out", str(out / "台账.docx")])
    assert result.exit_code == 0, result.stderr
    cycle = [*(root / "out").glob("*表彰名单.docx"), out / "台账.docx"]  # the demo's `dj award` made the lists
    render.to_pdf(cycle, out / "pdf")
    docs = sorted({*out.rglob("*.docx"), *cycle})
    assert len(docs) > 80
    return {doc: read_pdf(out / "pdf" / f"{doc.stem}.pdf") for doc in docs}


def test_the_title_names_and_amounts_come_out_as_typed(printed: dict[Path, list[Page]]) -> None:
    mine = {doc.stem.removeprefix(f"{TRICKY}-"): pages for doc, pages in printed.items()
            if doc.stem.startswith(TRICKY)}
    assert set(mine) == set(render.FORMS.values()) - {"整改通知书"}  # its mid-term check passed
    def shown(form: str, typed: str) -> bool:
        whole = "".join(page.text() for page in mine[form])  # a paragraph may run on to the next page
        return squeeze(typed) in whole or any(squeeze(typed) in text for page in mine[form] for text in page.readings())

    for form in set(mine) - {"立项通知"}:
        assert shown(form, TITLE), form
    # The 公文 prints the title in quotes, its own quotes one level down, without the emoji, and says so below
    assert shown("立项通知", "你单位申报的“‘支部评级创先进，党员定星争优秀’——‘星级化’管理”项目")
    assert "项目名称中的表情符号未印出" in mine["立项通知"][0].footer()
    assert shown("立项通知", "资助经费1000.00元（人民币壹仟元整）")
    for typed in (ITEM, "380.00", "940.00", "刘海涛", "机电学院教工第一党支部", "张建国"):
        assert shown("申报表", typed), typed
    assert shown("立项通知", "资助经费 1000.00 元")
    assert shown("验收报告", "已支出 936.00 元")
    for doc, pages in printed.items():
        assert not any("\ufffd" in w.text for page in pages for w in page.words), doc.name


def test_no_two_words_overlap(printed: dict[Path, list[Page]]) -> None:
    for doc, pages in printed.items():
        for page in pages:
            words = page.words
            clashes = [(a.text, b.text) for i, a in enumerate(words) for b in words[i + 1:] if overlap(a, b)]
            assert not clashes, (doc.name, page.number, clashes[:3])


def test_every_page_has_its_number(printed: dict[Path, list[Page]]) -> None:
    for doc, pages in printed.items():
        for page in pages:
            assert f"—{page.number}—" in page.footer(), (doc.name, page.number, page.footer())


def test_no_page_ends_with_a_heading(printed: dict[Path, list[Page]]) -> None:
    for doc, pages in printed.items():
        names = headings(doc)
        for page in pages[:-1]:
            body = page.body()
            assert body and body[-1] not in names, (doc.name, page.number, body[-1:])


def test_no_table_row_is_split_across_pages(printed: dict[Path, list[Page]]) -> None:
    for doc, pages in printed.items():
        texts = [page.readings() for page in pages]
        for row in table_rows(doc):  # every cell of the row whole on one page: read across, or down its column
            assert any(all(any(cell in text for text in page) for cell in row) for page in texts), (doc.name, row)


# --- the notices as 公文 -------------------------------------------------------------------------------------------

MM = 72 / 25.4
LEFT, RIGHT, TOP = 28 * MM, 26 * MM, 37 * MM  # GB/T 9704's margins


def notices(printed: dict[Path, list[Page]]) -> dict[Path, list[Page]]:
    found = {doc: pages for doc, pages in printed.items() if doc.stem.endswith(("-立项通知", "-整改通知书"))}
    assert len(found) > 10
    return found


def line_of(page: Page, text: str) -> Word:
    """The box around the line that reads `text` (all of it, white space aside)."""
    line = next(line for line in page.lines if squeeze("".join(w.text for w in line)) == squeeze(text))
    return Word(text, min(w.x0 for w in line), min(w.y0 for w in line), max(w.x1 for w in line),
                max(w.y1 for w in line))


def red_rules(pdf: Path, tmp: Path) -> list[float]:
    """How far down page 1 (in points) each pixel row lies that is red across nine tenths of the text's width."""
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "72", "-singlefile", str(pdf), str(tmp / "page")],
                   check=True)
    data = (tmp / "page.ppm").read_bytes()
    magic, width, height, _, pixels = data.split(maxsplit=4)
    assert magic == b"P6"
    w, h = int(width), int(height)
    rows = []
    for y in range(h):
        row = pixels[y * w * 3:(y + 1) * w * 3]
        red = sum(1 for x in range(0, len(row), 3) if row[x] > 180 and row[x + 1] < 90 and row[x + 2] < 90)
        if red > 0.9 * (w - (LEFT + RIGHT)):
            rows.append(float(y))
    return rows


def test_a_notice_has_its_red_rule_between_the_number_and_the_title(printed: dict[Path, list[Page]],
                                                                     tmp_path: Path) -> None:
    for doc, pages in notices(printed).items():
        first = pages[0]
        lines = first.body()
        mark = line_of(first, next(line for line in lines if line.endswith("文件")))
        titles = ("党建工作项目立项通知", "党建工作项目整改通知书")
        title = line_of(first, next(line for line in lines if line in titles))
        between = sorted((w for w in first.words if mark.y1 < w.y0 and w.y1 < title.y0), key=lambda w: w.x0)
        number = Word("".join(w.text for w in between), min(w.x0 for w in between), min(w.y0 for w in between),
                      max(w.x1 for w in between), max(w.y1 for w in between))
        assert re.fullmatch(r"(彩党组)?〔20[0-9]{2}〕([0-9]+)?号", number.text), (doc.name, number.text)
        rules = red_rules(doc.parents[1] / "pdf" / f"{doc.stem}.pdf", tmp_path)
        assert rules, doc.name
        rule = sum(rules) / len(rules)
        assert number.y1 < rule < title.y0, (doc.name, number.y1, rule, title.y0)
        assert 4 * MM - 4 < rule - number.y1 < 4 * MM + 6, doc.name  # 4 mm under the 文号


def test_a_notice_is_signed_with_the_date_four_characters_in_under_the_organ(printed: dict[Path, list[Page]]) -> None:
    for doc, pages in notices(printed).items():
        signed = next(page for page in pages if any(line == "中共彩神学院委员会" for line in page.body()))
        organ = line_of(signed, "中共彩神学院委员会")
        date = next(line_of(signed, line) for line in signed.body()
                    if re.fullmatch(r"20[0-9]{2}年[0-9]{1,2}月[0-9]{1,2}日", line))
        page_right = 595.3 - RIGHT
        assert date.y0 > organ.y1 and date.y0 - organ.y1 < 20, doc.name  # right under it
        assert abs((organ.x0 + organ.x1) / 2 - (date.x0 + date.x1) / 2) < 12, doc.name  # centred over the date
        assert abs(page_right - date.x1 - 4 * 16) < 6, (doc.name, page_right - date.x1)  # 右空四字 of 3号
        above = [line_of(signed, line) for line in signed.body()]
        text = max((w for w in above if w.y1 < organ.y0), key=lambda w: w.y1)
        assert organ.y0 - text.y1 > 15 * MM, doc.name  # room for the seal's upper half


def test_a_notice_keeps_to_the_text_area_with_its_imprint_at_the_foot(printed: dict[Path, list[Page]]) -> None:
    for doc, pages in notices(printed).items():
        for page in pages:
            bottom = page.height - BOTTOM_MARGIN
            for word in page.words:
                # a line may end in a full-width mark hung in the margin (标点悬挂, LibreOffice's default for Chinese)
                hangs = word.text[-1] in "，。、；：）”’" and word.x1 - 16 < 595.3 - RIGHT + 1
                assert word.x0 > LEFT - 1 and (word.x1 < 595.3 - RIGHT + 1 or hangs), (doc.name, page.number, word)
                if word.y1 < bottom:
                    assert word.y0 > TOP - 2, (doc.name, page.number, word)
        last = pages[-1]
        imprint = next(line_of(last, line) for line in last.body() if line.endswith("印发"))
        assert imprint.y1 == max(w.y1 for w in last.words if w.y1 < last.height - BOTTOM_MARGIN), doc.name
        assert last.height - BOTTOM_MARGIN - imprint.y1 < 12, doc.name  # on the text area's last line

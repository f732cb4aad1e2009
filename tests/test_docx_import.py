"""A branch fills the Word 申报表 or 结题报告 and sends it back; dj reads it into the record, naming what it
cannot read."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from conftest import Dj, apply_sample, git
from dangjian_cli import store
from test_messages import assert_chinese

Runs = str | list[tuple[str, dict[str, Any]]]  # what a user types or pastes: plain text, or runs with formatting


@pytest.fixture(autouse=True)
def _no_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJ_NO_FORMS", "1")


def controls(doc: Any, tag: str) -> list[Any]:
    found = []
    for sdt in doc.element.body.iter(qn("w:sdt")):
        node = sdt.find(qn("w:sdtPr")).find(qn("w:tag"))
        if node is not None and node.get(qn("w:val")) == tag:
            found.append(sdt)
    return found


def type_into(sdt: Any, *paragraphs: Runs) -> None:
    """What Word does when a user types or pastes into a control: the hint goes, the runs take its place."""
    props = sdt.find(qn("w:sdtPr"))
    shown = props.find(qn("w:showingPlcHdr"))
    if shown is not None:
        props.remove(shown)
    content = sdt.find(qn("w:sdtContent"))
    block = content.find(qn("w:p")) is not None
    for child in list(content):
        content.remove(child)
    for runs in paragraphs:
        spec = [(runs, {})] if isinstance(runs, str) else runs
        para = None
        if block:
            p = OxmlElement("w:p")
            content.append(p)
            para = Paragraph(p, None)
        for text, fmt in spec:
            if para is not None:
                run = para.add_run(text)
            else:
                r = OxmlElement("w:r")
                content.append(r)
                run = Run(r, None)
                run.text = text  # "\n" becomes a line break, as Shift+Enter makes one
            for key, value in fmt.items():
                setattr(run, key, value)


def fill(blank: Path, target: Path, values: dict[str, list[Runs] | list[list[Runs]]]) -> Path:
    """Each tag's controls filled in order: a scalar's paragraphs, or a list of rows for a table's column."""
    doc = Document(str(blank))
    for tag, value in values.items():
        found = controls(doc, tag)
        if tag.startswith(("milestones.", "budget.")):
            for sdt, cell in zip(found, value, strict=False):
                type_into(sdt, *(cell if isinstance(cell, list) else [cell]))
        else:
            type_into(found[0], *value)  # type: ignore[arg-type]
    doc.save(str(target))
    return target


FILLED: dict[str, Any] = {
    # pasted from a web page: a bold and an italic run, an emoji
    "title": [[("“党员先锋岗”", {"bold": True}), ("引领实验室安全🚩", {"italic": True})]],
    "leader": ["张三"],
    "branch": ["机电学院教工第一党支部"],
    "secretary": ["张书记"],
    "applied": ["２０２５年５月６日"],
    "responsible.first": ["张书记"],
    "responsible.direct": [" 赵院长 "],
    "category": ["作风建设"],
    "type": ["创新探索型"],
    "period.start": ["２０２５-０５-０１"],
    "period.end": ["2026年6月30日"],
    # two paragraphs, the first with a line break and runs of different formatting
    "background": [[("实验室安全", {"bold": True}), ("是学院工作的重中之重。\n", {}),
                    ("党员教师应发挥先锋作用。", {"underline": True})], "　　第二段：支部有党员 12 名👍。"],
    "plan": ["设立党员先锋岗，每周巡查。"],
    "goals": ["全年实验室零事故。"],
    "milestones.date": ["2025年6月30日", "２０２５/１２/３１"],
    "milestones.content": ["设岗定责", "中期总结"],
    "budget.item": ["安全标识制作", "培训资料"],
    "budget.amount": ["３００．００", "1,450.5元"],
}


def blank_application(dj: Dj, repo: Path) -> Path:
    r = dj("form", "blank", "application", "--unit", "机电")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.strip() == "已生成 out/申报表-空白-机电.docx"
    return repo / "out" / "申报表-空白-机电.docx"


def test_a_blank_form_filled_in_word_becomes_exactly_the_application(repo: Path, dj: Dj) -> None:
    filled = fill(blank_application(dj, repo), repo.parent / "申报表.docx", FILLED)
    r = dj("apply", "--from-docx", str(filled))
    assert r.exit_code == 0, r.stderr
    assert "已申报：2025-机电-001《“党员先锋岗”引领实验室安全🚩》" in r.stdout
    p = store.load_project(repo, "2025-机电-001")
    assert (p.title, p.unit, p.branch, p.leader, p.secretary) == (
        "“党员先锋岗”引领实验室安全🚩", "机电学院党委", "机电学院教工第一党支部", "张三", "张书记")
    assert (p.responsible.first, p.responsible.direct) == ("张书记", "赵院长")
    assert (p.category, p.type, p.stages) == ("作风建设", "创新探索型", 1)
    assert (p.period.start, p.period.end) == (dt.date(2025, 5, 1), dt.date(2026, 6, 30))
    assert p.applied == dt.date(2025, 5, 6)  # the form's 填表日期, as no --date was given
    assert p.background == "实验室安全是学院工作的重中之重。\n党员教师应发挥先锋作用。\n第二段：支部有党员 12 名👍。"
    assert (p.plan, p.goals, p.measures) == ("设立党员先锋岗，每周巡查。", "全年实验室零事故。", "")
    assert [(m.date, m.content) for m in p.milestones] == [(dt.date(2025, 6, 30), "设岗定责"),
                                                           (dt.date(2025, 12, 31), "中期总结")]
    assert [(b.item, b.amount) for b in p.budget] == [("安全标识制作", Decimal("300.00")),
                                                      ("培训资料", Decimal("1450.50"))]
    assert "2025-机电-001" in git(repo, "log", "-1", "--format=%s")


def test_check_names_every_field_it_cannot_read_in_one_sentence_and_applies_nothing(repo: Path, dj: Dj) -> None:
    bad = {**FILLED, "title": ["   "], "period.start": ["五月一日"], "budget.amount": ["三百元", "12.345"],
           "milestones.content": ["设岗定责"], "stages": ["十一"]}
    filled = fill(blank_application(dj, repo), repo.parent / "申报表.docx", bad)
    head = git(repo, "rev-parse", "HEAD")
    r = dj("apply", "--from-docx", str(filled), "--check")
    assert r.exit_code == 1
    assert "项目执行者：张三" in r.stdout and "经费预算" not in r.stdout
    lines = r.stderr.splitlines()
    assert lines[0] == f"错误：申报表 {filled} 有 6 处读不出或有误，未申报；请改正后再读入："
    assert lines[1:] == [
        "封面的“项目名称”没有填写；请填上后再读入。",
        "“一、基本情况”表的“实施阶段数”读不出：“十一”不是 1 到 10 之间的阶段数；一年内完成的项目写 1。",
        "“一、基本情况”表的“实施周期的开始日期”读不出：“五月一日”不是日期；请写成 2025年5月1日 或 2025-05-01。",
        "“六、进度安排”表第 2 行没有填写工作内容；请补上，或把这一行清空。",
        "“七、经费预算”表第 1 行的金额读不出：“三百元”不是金额；请只写数字，如 300 或 450.50（单位：元）。",
        "“七、经费预算”表第 2 行的金额读不出：“12.345”超过两位小数；金额精确到分，如 450.50。",
    ]
    assert_chinese(r.stdout + r.stderr, (str(filled),))
    assert git(repo, "rev-parse", "HEAD") == head and not (repo / "projects").exists()
    assert dj("apply", "--from-docx", str(filled)).exit_code == 1  # without --check: refused the same way
    assert not (repo / "projects").exists()


def test_what_dj_yaml_does_not_know_is_named_with_the_choices(repo: Path, dj: Dj) -> None:
    filled = fill(blank_application(dj, repo), repo.parent / "申报表.docx",
                  {**FILLED, "category": ["组织建设"], "branch": ["外国语学院教工党支部"]})
    r = dj("apply", "--from-docx", str(filled), "--check")
    assert r.exit_code == 1
    assert r.stderr.splitlines()[1:] == [
        "“项目所在支部”：党支部“外国语学院教工党支部”不属于机电学院党委；可选：机电学院教工第一党支部、机电学院学生第一党支部。",
        "“项目类别”：项目类别“组织建设”不在 dj.yaml 的 categories 中；可选：作风建设、发展党员质量、党员教育管理。",
    ]


def test_a_printed_form_someone_edited_is_read_by_its_labels_and_resubmits_the_project(repo: Path, dj: Dj) -> None:
    pid = apply_sample(dj)
    assert dj("return", pid, "--reason", "预算不全", "--date", "2025-05-10").exit_code == 0
    assert dj("render", pid, "--form", "application").exit_code == 0
    doc = Document(str(repo / "out" / pid / f"{pid}-申报表.docx"))
    basics, _, budget = doc.tables[0], doc.tables[1], doc.tables[2]
    for paragraph in doc.paragraphs:  # the secretary rewrites the plan and the title, on the cover and in the table
        if paragraph.text == "设立党员先锋岗，每周巡查。":
            paragraph.runs[0].text = "设立党员先锋岗，"
            paragraph.add_run("每周巡查两次。").bold = True
        if paragraph.text.startswith("项目名称："):
            paragraph.runs[-1].text = "党员先锋岗（修订）"
    basics.rows[1].cells[1].paragraphs[0].runs[0].text = "党员先锋岗（修订）"
    row = budget.rows[2]._tr  # a third budget line: a copy of the second, as Word's “insert row below” makes one
    import copy

    added = copy.deepcopy(row)
    row.addnext(added)
    texts = [t for t in added.iter(qn("w:t"))]
    texts[0].text, texts[1].text, texts[2].text = "3", "宣传册", "２００"
    edited = repo.parent / "修改稿.docx"
    doc.save(str(edited))
    r = dj("apply", "--from-docx", str(edited), "--date", "2025-05-12")
    assert r.exit_code == 0, r.stderr
    assert f"已申报：{pid}《党员先锋岗（修订）》" in r.stdout
    p = store.load_project(repo, pid)
    assert p.plan == "设立党员先锋岗，每周巡查两次。"
    assert p.background == "实验室安全是学院工作的重中之重。\n党员教师在安全管理中应发挥先锋作用。"
    assert [(b.item, b.amount) for b in p.budget] == [("安全标识制作", Decimal("300.00")),
                                                      ("培训资料", Decimal("450.50")), ("宣传册", Decimal("200.00"))]
    assert (p.period.start, p.period.end, p.stages) == (dt.date(2025, 5, 1), dt.date(2026, 6, 30), 1)
    assert [m.content for m in p.milestones] == ["设岗定责", "中期总结"]
    assert p.applied == dt.date(2025, 5, 12)


def test_a_printed_form_whose_cover_and_table_disagree_is_refused_naming_both(repo: Path, dj: Dj) -> None:
    pid = apply_sample(dj)
    assert dj("return", pid, "--reason", "预算不全", "--date", "2025-05-10").exit_code == 0
    assert dj("render", pid, "--form", "application").exit_code == 0
    doc = Document(str(repo / "out" / pid / f"{pid}-申报表.docx"))
    doc.tables[0].rows[1].cells[1].paragraphs[0].runs[0].text = "党员先锋岗"
    edited = repo.parent / "修改稿.docx"
    doc.save(str(edited))
    r = dj("apply", pid, "--from-docx", str(edited))
    assert r.exit_code == 1
    assert r.stderr.splitlines()[1] == ("“项目名称”前后不一致（封面写的是““党员先锋岗”引领实验室安全管理”、"
                                        "“一、基本情况”表写的是“党员先锋岗”）；请改成一致后再读入。")
    r = dj("apply", "2025-机电-009", "--from-docx", str(repo / "out" / pid / f"{pid}-申报表.docx"))
    assert r.exit_code == 1 and f"申报表上印的项目编号是 {pid}，不是命令中的 2025-机电-009" in r.stderr


def test_a_blank_closing_report_filled_in_word_closes_the_project(repo: Path, dj: Dj) -> None:
    pid = apply_sample(dj)
    assert dj("approve", pid, "--date", "2025-05-20").exit_code == 0
    assert dj("mid-check", pid, "--result", "pass", "--date", "2026-03-10").exit_code == 0
    r = dj("form", "blank", "report", pid)
    assert r.exit_code == 0 and r.stdout.strip() == f"已生成 out/{pid}-结题报告-空白.docx"
    blank = repo / "out" / f"{pid}-结题报告-空白.docx"
    report = fill(blank, repo.parent / "结题报告.docx", {
        "overview": ["项目于 2025 年 5 月立项。"],
        "implementation": [[("开展巡查 ４０ 次", {"bold": True}), ("，覆盖全部实验室。", {})], "党员参与率 100%。"],
        "achievements": ["形成《实验室党员先锋岗制度》🎉。"],
    })
    r = dj("close", pid, "--report", str(report), "--date", "2026-06-01")
    assert r.exit_code == 1
    assert r.stderr.splitlines()[1:] == ["“评价建议”部分没有填写：报告里要有“评价建议”这个小标题，下面写上内容。"]
    report = fill(report, report, {"evaluation": ["达到预期。"]})
    r = dj("close", pid, "--report", str(report), "--date", "2026-06-01")
    assert r.exit_code == 0, r.stderr
    closing = store.load_project(repo, pid).closing_report
    assert closing is not None
    assert (closing.overview, closing.implementation, closing.achievements, closing.evaluation) == (
        "项目于 2025 年 5 月立项。", "开展巡查 ４０ 次，覆盖全部实验室。\n党员参与率 100%。",
        "形成《实验室党员先锋岗制度》🎉。", "达到预期。")
    other = apply_sample(dj)
    r = dj("close", other, "--report", str(report))
    assert r.exit_code == 1 and f"上写的项目编号是 {pid}，不是 {other}" in r.stderr


def _libreoffice(args: list[str], cwd: Path) -> None:
    profile = cwd / "lo-profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", *args], cwd=cwd,
                   check=True, capture_output=True, timeout=240)


def test_libreoffice_prints_the_blank_form_and_its_saved_copy_still_reads(repo: Path, dj: Dj) -> None:
    if not (shutil.which("soffice") and shutil.which("pdftotext")):
        if os.environ.get("CI"):  # .ci/run installs both: missing there, the test fails rather than skips
            pytest.fail("CI 中没有 LibreOffice（soffice）或 pdftotext；请检查 .ci/run 的安装步骤")
        pytest.skip("未安装 LibreOffice（soffice）或 poppler-utils（pdftotext）；.ci/run 会安装它们")
    values = {**FILLED, "background": [FILLED["background"][1], "第三段。"]}  # LibreOffice 7.4 drops a control's
    filled = fill(blank_application(dj, repo), repo.parent / "申报表.docx", values)  # line breaks: none here
    work = repo.parent / "lo"
    work.mkdir()
    _libreoffice(["--convert-to", "pdf", "--outdir", str(work), str(filled)], work)
    printed = subprocess.run(["pdftotext", str(work / "申报表.pdf"), "-"], capture_output=True, text=True).stdout
    assert "党建工作项目申报表" in printed and "“党员先锋岗”引领实验室安全🚩" in printed
    assert "七、经费预算" in printed and "【请" in printed  # the hints of the controls left empty
    _libreoffice(["--convert-to", "docx", "--outdir", str(work / "saved"), str(filled)], work)
    saved = work / "saved" / "申报表.docx"
    r = dj("apply", "--from-docx", str(saved))
    assert r.exit_code == 0, r.stderr
    p = store.load_project(repo, "2025-机电-001")
    assert (p.title, p.branch, p.responsible.direct, p.period.start) == (
        "“党员先锋岗”引领实验室安全🚩", "机电学院教工第一党支部", "赵院长", dt.date(2025, 5, 1))
    assert p.background == "第二段：支部有党员 12 名👍。\n第三段。"
    assert [b.amount for b in p.budget] == [Decimal("300.00"), Decimal("1450.50")]
    assert [m.date for m in p.milestones] == [dt.date(2025, 6, 30), dt.date(2025, 12, 31)]

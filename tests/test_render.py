"""The Word forms: every form of every sample project read back with python-docx, plus the hard cases."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from docx import Document

from conftest import Dj, git
from dangjian_cli import demo, render, store
from dangjian_cli.config import Config
from dangjian_cli.errors import DjError
from dangjian_cli.model import Project

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Config, list[Project]]:
    built = demo.build(tmp_path_factory.mktemp("forms") / "demo")
    return built.root, store.load_config(built.root), built.projects


def texts(path: Path) -> Iterator[str]:
    """Every paragraph of a .docx, body, table cells and footer, as a reader would see them."""
    doc = Document(str(path))
    yield from (p.text for p in doc.paragraphs)
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                yield cell.text
    for section in doc.sections:
        yield from (p.text for p in section.footer.paragraphs)


def rows(path: Path, table: int) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in Document(str(path)).tables[table].rows]


def one(projects: list[Project], pid: str) -> Project:
    return next(p for p in projects if p.id == pid)


def test_every_form_of_every_sample_project_renders(sample: tuple[Path, Config, list[Project]],
                                                     tmp_path: Path) -> None:
    root, config, projects = sample
    made = render.render_many(root, config, projects, tmp_path)
    expected = sum(len(render.available(p)) for p in projects)
    assert len(made) == expected > 40
    for path in made:
        pid = path.parent.name
        blob = render.record_blob(root, pid)
        footer = [p.text for p in Document(str(path)).sections[0].footer.paragraphs]
        assert footer == [f"项目编号 {pid} · 记录版本 {blob}", "— 1 —"]  # the record line, then the page number
        unquoted = str.maketrans("", "", "“”‘’")  # a notice quotes the title, and quotes inside it one level down
        assert one(projects, pid).title.translate(unquoted) in "\n".join(texts(path)).translate(unquoted)


def test_application_carries_the_cover_and_the_budget(sample: tuple[Path, Config, list[Project]],
                                                      tmp_path: Path) -> None:
    root, config, projects = sample
    p = one(projects, "2025-机电-001")
    path = render.render(p, config, "application", tmp_path, root=root, blob="abc")
    body = list(texts(path))
    for line in (f"项目名称：{p.title}", "项目所在单位：机电学院党委", "项目执行者：刘海涛",
                 "项目所在支部（盖章）：机电学院教工第一党支部", "支部书记：张建国", "填表日期：2025年5月6日",
                 "中共彩神学院委员会 印制"):
        assert line in body
    budget = rows(path, 2)  # basics, milestones, budget, opinions
    assert budget[0] == ["序号", "支出项目", "金额（元）"]
    assert budget[1:] == [["1", "星级党员公示栏制作", "380.00"], ["2", "学习资料印制", "260.00"],
                          ["3", "经验交流会场地与资料", "300.00"], ["合计", "", "940.00"]]  # 380 + 260 + 300
    # The background's three paragraphs stay three Word paragraphs.
    assert sum(1 for t in body if t.startswith(("机电学院教工第一党支部现有党员", "2024年", "为把试点"))) == 3


def test_review_form_has_a_row_per_criterion_and_a_column_per_reviewer(
        sample: tuple[Path, Config, list[Project]], tmp_path: Path) -> None:
    root, config, projects = sample
    p = one(projects, "2025-机电-001")
    path = render.render(p, config, "review", tmp_path, root=root, blob="abc")
    table = rows(path, 1)
    assert table[0] == ["评分项", "满分", "孙评委", "周评委", "吴评委", "郑评委", "陈评委", "卫评委"]
    assert table[1] == ["项目完整性", "20", "19", "18", "17", "18", "17", "18"]
    assert table[5] == ["支部建设成效", "20", "18", "17", "17", "18", "17", "18"]
    # Sheet totals: 92, 88, 86, 90, 84, 89; six reviewers, drop 92 and 84: (88+86+90+89)/4 = 88.25
    assert table[6] == ["合计", "100", "92.00", "88.00", "86.00", "90.00", "84.00", "89.00"]
    verdict = next(t for t in texts(path) if t.startswith("评委"))
    assert verdict == "评委6人，去掉一个最高分和一个最低分后取平均，验收总分88.25分，验收通过，等次为“优秀”。"


def test_acceptance_report_shows_the_money_left_with_the_branch(sample: tuple[Path, Config, list[Project]],
                                                                 tmp_path: Path) -> None:
    root, config, projects = sample
    path = render.render(one(projects, "2025-机电-001"), config, "acceptance", tmp_path, root=root, blob="abc")
    body = "\n".join(texts(path))
    assert "验收总分88.25分，验收通过，等次为“优秀”" in body
    # 380+260+296 spent, the rest all left with the branch: said once, figures and 大写 side by side
    assert ("经费使用：资助1000.00元（人民币壹仟元整），已支出936.00元（人民币玖佰叁拾陆元整），"
            "结余64.00元（人民币陆拾肆元整），全部留存支部。") in body
    assert "评比表彰：优秀成果。" in body


def test_user_text_is_data_never_template_code(sample: tuple[Path, Config, list[Project]], tmp_path: Path) -> None:
    root, config, projects = sample
    tricky = one(projects, "2025-机电-001").model_copy(update={
        "title": "{{ 7*7 }} A&B <c> ✅📌 👨‍👩‍👧 🇨🇳",
        "leader": "{% for x in y %}张三{% endfor %}",
        "secretary": "坏字符\x00\x01\x0b\x1f\ud800留下",
        "background": "第一段 {{ org }}\n\n第二段 </w:t> & ]]>",
    })
    path = render.render(tricky, config, "application", tmp_path, root=root, blob="abc")
    body = list(texts(path))
    assert "项目名称：{{ 7*7 }} A&B <c> ✅📌 👨‍👩‍👧 🇨🇳" in body  # printed as typed, emoji and ZWJ intact
    assert "项目执行者：{% for x in y %}张三{% endfor %}" in body
    assert "支部书记：坏字符留下" in body  # characters XML cannot hold are dropped
    assert "第一段 {{ org }}" in body and "第二段 </w:t> & ]]>" in body


def test_the_same_record_gives_the_same_bytes(sample: tuple[Path, Config, list[Project]], tmp_path: Path) -> None:
    root, config, projects = sample
    p = one(projects, "2025-机电-001")
    first = render.render(p, config, "review", tmp_path / "a", root=root, blob="abc").read_bytes()
    time.sleep(1.1)  # zip entries carry seconds: a second render a second later must not differ
    second = render.render(p, config, "review", tmp_path / "b", root=root, blob="abc").read_bytes()
    assert first == second


def test_a_broken_template_names_the_file_and_the_tag(repo: Path, dj: Dj) -> None:
    from conftest import apply_sample

    pid = apply_sample(dj)
    templates = repo / "templates"
    templates.mkdir()
    doc = Document(str(render.template_path(None, "approval")))
    doc.add_paragraph("文号：{{ doc_no }")
    doc.save(str(templates / "approval.docx"))
    before = git(repo, "rev-parse", "HEAD")
    record = (repo / "projects" / "2025" / f"{pid}.yaml").read_bytes()

    r = dj("approve", pid, "--date", "2025-05-20")
    assert r.exit_code == 1
    assert "templates/approval.docx" in r.stderr and "{{ doc_no }" in r.stderr
    assert "Traceback" not in r.stderr
    assert git(repo, "rev-parse", "HEAD") == before  # the step stopped before anything was written
    assert (repo / "projects" / "2025" / f"{pid}.yaml").read_bytes() == record


def test_a_step_prints_its_form_and_the_repository_template_wins(repo: Path, dj: Dj) -> None:
    from conftest import apply_sample

    pid = apply_sample(dj)
    templates = repo / "templates"
    templates.mkdir()
    doc = Document(str(render.template_path(None, "approval")))
    heading = next(p for p in doc.paragraphs if p.text == "党建工作项目立项通知")
    heading.runs[0].text = "彩神学院党支部工作“立项活动”立项通知"
    doc.save(str(templates / "approval.docx"))
    r = dj("approve", pid, "--date", "2025-05-20", "--doc-no", "彩党组〔2025〕12号")
    assert r.exit_code == 0, r.stderr
    form = repo / "out" / pid / f"{pid}-立项通知.docx"
    assert f"表格：out/{pid}/{pid}-立项通知.docx" in r.stdout
    body = list(texts(form))
    assert "彩神学院党支部工作“立项活动”立项通知" in body and "党建工作项目立项通知" not in body
    assert "彩党组〔2025〕12号" in body
    assert "资助经费1000.00元（人民币壹仟元整）" in "\n".join(body)
    blob = git(repo, "rev-parse", f"HEAD:projects/2025/{pid}.yaml").strip()[:10]
    assert f"记录版本 {blob}" in "\n".join(texts(form))  # the committed version, to the letter


def test_verify_form_matches_a_printed_form_to_its_commit(repo: Path, dj: Dj) -> None:
    from conftest import apply_sample

    pid = apply_sample(dj)
    applied = git(repo, "rev-parse", f"HEAD:projects/2025/{pid}.yaml").strip()[:10]
    assert dj("approve", pid, "--date", "2025-05-20").exit_code == 0
    r = dj("verify-form", pid, applied)
    assert r.exit_code == 0
    assert "申报" in r.stdout and "不是最新版本" in r.stdout
    assert dj("verify-form", pid, "deadbeef00").exit_code == 1


def test_blob_id_is_gits(tmp_path: Path) -> None:
    data = "id: 2025-机电-001\ntitle: 党员先锋岗 ✅\n".encode()
    (tmp_path / "f.yaml").write_bytes(data)
    out = subprocess.run(["git", "hash-object", str(tmp_path / "f.yaml")], capture_output=True, text=True)
    assert render.blob_id(data) == out.stdout.strip()[:10]


def test_this_repository_templates_are_the_shipped_ones() -> None:
    shipped = render.shipped_templates()
    assert {*render.FORMS, *render.CYCLE_FORMS, "grading_rubric", "grading_branch", "grading_summary",
            "grading_rectification"} == set(shipped)
    for form in shipped:
        shipped = render.template_path(None, form).read_bytes()
        assert (ROOT / "templates" / f"{form}.docx").read_bytes() == shipped, form


def test_ledger_and_award_list_as_word(sample: tuple[Path, Config, list[Project]], tmp_path: Path, dj: Dj) -> None:
    root, _, _ = sample
    r = dj("--repo", str(root), "report", "--format", "docx", "--out", str(tmp_path / "台账.docx"))
    assert r.exit_code == 0, r.stderr
    ledger = rows(tmp_path / "台账.docx", 0)
    assert ledger[0][:3] == ["项目编号", "单位", "项目名称"]
    jd001 = next(row for row in ledger if row[0] == "2025-机电-001")
    assert jd001[6:9] == ["1000.00", "936.00", "64.00"]
    assert len(ledger) == 1 + 15


def pdf_tools() -> None:
    if shutil.which("soffice") and shutil.which("pdftotext"):
        return
    reason = "未安装 LibreOffice（soffice）或 poppler-utils（pdftotext），跳过 PDF 测试；.ci/run 会安装它们"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def test_each_form_converts_to_a_pdf_with_its_text(sample: tuple[Path, Config, list[Project]],
                                                    tmp_path: Path) -> None:
    pdf_tools()
    root, config, projects = sample
    p = one(projects, "2025-机电-001")
    docs = [render.render(p, config, form, tmp_path, root=root, blob="abc") for form in render.available(p)]
    pdfs = render.to_pdf(docs, tmp_path / "pdf")
    expected = {"申报表": ["党建工作项目申报表", "星级党员公示栏制作", "940.00"],
                "立项通知": ["党建工作项目立项通知", "彩党组〔2025〕12号"],
                "中期检查表": ["党建工作项目中期检查表", "评星台账完整"],
                "结题报告": ["党建工作项目结题报告", "成果经验"],
                "验收评审表": ["党建工作项目验收评审表", "过程性与系统性", "88.25"],
                "验收报告": ["党建工作项目验收报告", "64.00"]}
    for pdf in pdfs:
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        text = "".join(text.split())  # line breaks and spacing differ with the fonts at hand
        for words in expected[pdf.stem.split("-")[-1]]:
            assert "".join(words.split()) in text, (pdf.name, words)


def test_pdf_without_libreoffice_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DjError) as info:
        render.to_pdf([tmp_path / "x.docx"], tmp_path)
    assert "LibreOffice" in info.value.message and "apt install libreoffice-writer-nogui" in info.value.message


# --- throughput: templates read once per process, forms across the cores, PDFs in few LibreOffice runs ---------


def _plain(template: Path, values: dict[str, Any], stamp: dt.date, author: str) -> bytes:
    """A form as docxtpl makes it with nothing kept between forms, zipped with zipfile: dj's output before caching."""
    from docxtpl import DocxTemplate  # type: ignore[import-untyped]
    from jinja2.sandbox import SandboxedEnvironment

    doc = DocxTemplate(str(template))
    doc.render(values, SandboxedEnvironment(autoescape=True), autoescape=True)
    raw = io.BytesIO()
    doc.save(raw)
    when = f"{stamp.isoformat()}T00:00:00Z"
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                text = re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rf"\g<1>{when}", data.decode())
                data = re.sub(r"(<cp:lastModifiedBy>)[^<]*", rf"\g<1>{author}", text).encode()
            entry = zipfile.ZipInfo(item.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, data)
    return out.getvalue()


def test_forms_from_kept_templates_are_the_bytes_docxtpl_alone_makes(
        sample: tuple[Path, Config, list[Project]], tmp_path: Path) -> None:
    root, config, projects = sample
    tricky = one(projects, "2025-机电-001").model_copy(update={
        "title": "{{ 7*7 }} A&B <c> ✅ 👨‍👩‍👧", "leader": "{% for x in y %}张三{% endfor %}"})
    # A template of the user's with a header and document properties that carry tags too: docxtpl fills those
    # in place, so a kept template must start each form from the template's, not from the last form's.
    own = tmp_path / "own"
    (own / "templates").mkdir(parents=True)
    doc = Document(str(render.template_path(None, "approval")))
    doc.sections[0].header.paragraphs[0].text = "{{ id }} · {{ title }}"
    doc.core_properties.title = "{{ title }}"
    doc.core_properties.subject = "{{ unit }}"
    doc.save(str(own / "templates" / "approval.docx"))
    picked = [tricky, *(one(projects, pid) for pid in ("2025-机电-002", "2025-外语-001", "2025-经管-003"))]
    compared = 0
    for where in (root, own):
        for p in picked:
            for form in render.available(p) if where == root else ["approval"]:
                for _ in range(2):  # the second from what the first left in the cache
                    made = render.render(p, config, form, tmp_path / "out", root=where, blob="abc").read_bytes()
                    plain = _plain(render.template_path(where, form), render.context(p, config, "abc"),
                                   render.stamp(p), config.org)
                    assert made == plain, (where, p.id, form)
                    compared += 1
        if where == own:
            header = Document(str(tmp_path / "out" / f"{picked[-1].id}-立项通知.docx")).sections[0].header
            assert header.paragraphs[0].text == f"{picked[-1].id} · {picked[-1].title}"
    assert compared > 30


def test_a_template_is_compiled_once_per_process_for_many_forms(sample: tuple[Path, Config, list[Project]],
                                                                 tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from docxtpl import DocxTemplate

    from dangjian_cli import wordform

    _, config, projects = sample
    patched = []
    plain_patch = DocxTemplate.patch_xml
    monkeypatch.setattr(DocxTemplate, "patch_xml", lambda self, xml: patched.append(1) or plain_patch(self, xml))
    (tmp_path / "templates").mkdir()
    doc = Document(str(render.template_path(None, "approval")))
    doc.add_paragraph(f"第一版 {tmp_path.name}")  # a template this process has not seen
    doc.save(str(tmp_path / "templates" / "approval.docx"))
    approved = [p for p in projects if "approval" in render.available(p)]
    compiled = wordform.ENVIRONMENT.compiles
    first = render.render(approved[0], config, "approval", tmp_path / "out", root=tmp_path, blob="abc")
    once, patched_once = wordform.ENVIRONMENT.compiles - compiled, len(patched)
    assert once >= 1 and patched_once >= 2  # its body is new here; its footer is the shipped one's
    made = [first] + [render.render(p, config, "approval", tmp_path / "out", root=tmp_path, blob="abc")
                      for p in approved[1:]]
    assert len(made) >= 10
    assert wordform.ENVIRONMENT.compiles - compiled == once and len(patched) == patched_once
    for p, path in zip(approved, made, strict=True):
        assert f"（项目编号：{p.id}）" in "\n".join(texts(path))
    # The template edited meanwhile: its bytes changed, so the next form is made from the new one.
    doc.add_paragraph("第二版")
    doc.save(str(tmp_path / "templates" / "approval.docx"))
    again = render.render(approved[0], config, "approval", tmp_path / "again", root=tmp_path, blob="abc")
    assert "第二版" in list(texts(again))
    assert wordform.ENVIRONMENT.compiles - compiled > once


def test_forms_are_made_in_one_process_when_few_and_on_every_core_when_many(
        sample: tuple[Path, Config, list[Project]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, config, projects = sample
    if hasattr(os, "sched_getaffinity"):
        assert render.cores() == len(os.sched_getaffinity(0))  # what this process may use, not the machine
    pools: list[int] = []

    class Pool(ProcessPoolExecutor):
        def __init__(self, max_workers: int, **kwargs: Any) -> None:
            pools.append(max_workers)
            super().__init__(max_workers, **kwargs)

    monkeypatch.setattr(render, "ProcessPoolExecutor", Pool)
    few = projects[:2]
    made = render.render_many(root, config, few, tmp_path / "few")
    assert 0 < len(made) < render.POOL_FROM and pools == []  # starting workers would cost more than the forms
    monkeypatch.setattr(render, "cores", lambda: 3)
    made = render.render_many(root, config, projects, tmp_path / "all")
    assert pools == [3]
    assert len(made) == sum(len(render.available(p)) for p in projects) == len(set(made))
    assert all(path.is_file() for path in made)


def test_many_forms_are_cut_into_few_libreoffice_runs() -> None:
    from dangjian_cli import pdf

    forms = [Path(f"2025-机电-{n:03d}-申报表.docx") for n in range(450)]
    assert pdf.batches([], 2) == []
    assert pdf.batches(forms[:12], 2) == [forms[:12]]  # LibreOffice starts once for a handful
    two = pdf.batches(forms[:45], 2)
    assert [len(b) for b in two] == [23, 22] and two[0] + two[1] == forms[:45]  # one run per core
    capped = pdf.batches(forms, 1)  # at most 200 forms on one command line
    assert [len(b) for b in capped] == [150, 150, 150] and [f for b in capped for f in b] == forms


def test_render_all_pdf_converts_the_forms_of_many_projects_in_one_libreoffice_run(
        sample: tuple[Path, Config, list[Project]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        dj: Dj) -> None:
    pdf_tools()
    root, _, projects = sample
    real = shutil.which("soffice")
    launches = tmp_path / "launches"
    wrapper = tmp_path / "bin" / "soffice"  # counts its starts; the real LibreOffice does the work
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\necho started >> "{launches}"\nexec "{real}" "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{wrapper.parent}{os.pathsep}{os.environ['PATH']}")
    out = tmp_path / "forms"
    r = dj("--repo", str(root), "render", "--all", "--form", "approval", "--out", str(out), "--pdf")
    assert r.exit_code == 0, r.stderr
    approved = [p for p in projects if "approval" in render.available(p)]
    assert len(approved) >= 10
    assert launches.read_text(encoding="utf-8").splitlines() == ["started"]
    assert sorted(p.name for p in (out / "pdf").iterdir()) == sorted(f"{p.id}-立项通知.pdf" for p in approved)
    for p in approved:
        pdf = out / "pdf" / f"{p.id}-立项通知.pdf"
        assert f"已生成 {pdf}" in r.stdout
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF-") and len(data) > 10_000
        text = "".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split())
        unquoted = str.maketrans("", "", "“”‘’")  # the notice quotes the title, and quotes inside it one level down
        assert "".join(p.title.split()).translate(unquoted) in text.translate(unquoted) and p.id in text, p.id


def test_a_form_libreoffice_cannot_read_is_named(sample: tuple[Path, Config, list[Project]],
                                                 tmp_path: Path) -> None:
    pdf_tools()
    root, config, projects = sample
    good = render.render(one(projects, "2025-机电-001"), config, "approval", tmp_path, root=root, blob="abc")
    broken = tmp_path / "2025-机电-002-立项通知.docx"
    broken.write_bytes(good.read_bytes()[:3000])  # cut short, as an interrupted copy leaves it
    (tmp_path / "pdf").mkdir()
    (tmp_path / "pdf" / "2025-机电-002-立项通知.pdf").write_bytes(b"%PDF-1.4 from an earlier run")
    with pytest.raises(DjError) as info:
        render.to_pdf([good, broken], tmp_path / "pdf")
    message = info.value.message
    assert "2025-机电-002-立项通知.docx" in message and "2025-机电-001" not in message and "请" in message
    assert (tmp_path / "pdf" / f"{good.stem}.pdf").read_bytes().startswith(b"%PDF-")
    assert not (tmp_path / "pdf" / "2025-机电-002-立项通知.pdf").exists()  # the old PDF did not pass for new

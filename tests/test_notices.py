"""The 立项通知 and the 整改通知书 as 公文 (GB/T 9704-2012), read back with python-docx: red head, 文号 above the
title, 主送, 署名 over the date with room for the seal, 版记; the fixed texts from dj.yaml's documents section."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docx import Document
from docx.document import Document as DocumentObject
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph

from dangjian_cli import config as config_module
from dangjian_cli import demo, render, store
from dangjian_cli.config import Config, Documents
from dangjian_cli.model import Project

CJK_NUMBER_SPACE = re.compile("[\u4e00-\u9fff] +[0-9]|[0-9] +[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Config, dict[str, Project]]:
    built = demo.build(tmp_path_factory.mktemp("notices") / "demo")
    return built.root, store.load_config(built.root), {p.id: p for p in built.projects}


def body(doc: DocumentObject) -> list[Paragraph]:
    return [p for p in doc.paragraphs if p.text.strip()]


def index(paragraphs: list[Paragraph], start: str) -> int:
    return next(n for n, p in enumerate(paragraphs) if p.text.strip().startswith(start))


def red_rule_under(paragraph: Paragraph) -> bool:
    rule = paragraph._p.find(f"{qn('w:pPr')}/{qn('w:pBdr')}/{qn('w:bottom')}")
    return rule is not None and rule.get(qn("w:color")) == "FF0000" and rule.get(qn("w:val")) == "single"


def imprint(doc: DocumentObject) -> list[str]:
    """The 版记: the table placed at the foot of the text area, its rows as text."""
    last = doc.tables[-1]
    place = last._tbl.tblPr.find(qn("w:tblpPr"))
    assert place is not None and place.get(qn("w:tblpYSpec")) == "bottom" and place.get(qn("w:vertAnchor")) == "margin"
    return [row.cells[0].text for row in last.rows]


def test_the_approval_notice_is_laid_out_as_a_gongwen(sample: tuple[Path, Config, dict[str, Project]],
                                                      tmp_path: Path) -> None:
    _, config, projects = sample
    project = projects["2025-机电-001"].model_copy(update={"title": "🚀大学生党员创新创业“领航计划”"})
    path = render.render(project, config, "approval", tmp_path, root=None, blob="abc")
    doc = Document(str(path))
    lines = body(doc)
    texts = [p.text for p in lines]
    mark, number = index(lines, "中共彩神学院委员会文件"), index(lines, "彩党组〔2025〕12号")
    title = index(lines, "党建工作项目立项通知")
    to, text = index(lines, "机电学院党委、机电学院教工第一党支部："), index(lines, "经评审")
    organ, date = texts.index("\t中共彩神学院委员会"), texts.index("2025年5月20日")
    assert mark < number < title < to < text < organ < date  # the 文号 above the title, as the standard places it
    assert lines[mark].alignment == lines[number].alignment == 1  # centred
    assert all(run.font.color.rgb == (0xFF, 0, 0) for run in lines[mark].runs)
    assert red_rule_under(lines[number]) and not any(red_rule_under(p) for p in lines if p is not lines[number])
    assert lines[title].runs[0].font.size == Pt(22)  # 2号
    assert lines[text].text == ("经评审，你单位申报的“大学生党员创新创业‘领航计划’”项目（项目编号：2025-机电-001）"
                                "予以立项，资助经费1000.00元（人民币壹仟元整）。"
                                "请按照申报方案认真组织实施，按期接受中期检查和结题验收。")
    assert lines[date].alignment == 2 and lines[date].paragraph_format.right_indent == Pt(64)  # 右空四字 of 3号
    stop = lines[organ].paragraph_format.tab_stops[0]
    assert stop.alignment == 1  # the organ centred at a tab stop over the date
    # room for the seal: two lines of 28 pt between the text and the organ, and no “（盖章）” printed
    assert lines[organ].paragraph_format.space_before == Pt(56)
    assert not any("盖章" in t for t in texts)
    assert imprint(doc) == ["中共彩神学院委员会\t2025年5月20日印发"]  # demo's dj.yaml names no 抄送
    footer = [p.text for p in doc.sections[0].footer.paragraphs]
    assert footer[0] == "项目编号 2025-机电-001 · 记录版本 abc · 项目名称中的表情符号未印出"


def test_a_notice_without_its_number_leaves_a_place_to_write_one(sample: tuple[Path, Config, dict[str, Project]],
                                                                  tmp_path: Path) -> None:
    _, config, projects = sample
    project = projects["2025-机电-002"]
    assert project.approval is not None
    unnumbered = project.model_copy(update={"approval": project.approval.model_copy(update={"doc_no": ""})})
    for code, expected in (("", "〔2025〕　　号"), ("彩党组", "彩党组〔2025〕　　号")):
        own = config.model_copy(update={"documents": Documents(code=code)})
        doc = Document(str(render.render(unnumbered, own, "approval", tmp_path / code, root=None, blob="abc")))
        lines = body(doc)
        assert lines[1].text == expected and red_rule_under(lines[1])


def test_the_rectification_notice_asks_and_the_reply_slip_answers(sample: tuple[Path, Config, dict[str, Project]],
                                                                  tmp_path: Path) -> None:
    _, config, projects = sample
    done = projects["2025-经管-002"]  # its rectification was done on 2026-04-28 with a note
    college = Config.model_validate(store.parse_yaml(config_module.preset_text("college"), "college.yaml"))
    own = config.model_copy(update={"documents": college.documents})
    doc = Document(str(render.render(done, own, "rectification", tmp_path, root=None, blob="abc")))
    texts = [p.text for p in body(doc)]
    assert texts[:3] == ["中共彩神学院委员会文件", "〔2026〕　　号", "党建工作项目整改通知书"]
    assert texts[3] == "经济管理学院党委、经济管理学院本科生党支部："  # 主送: the project's unit and branch
    assert ("你单位承担的“大学生党员创新创业‘领航计划’”项目（项目编号：2025-经管-002）在2026年3月16日的中期检查中，"
            "发现以下问题：") in texts
    assert "创客沙龙只举办一期；领航员与项目团队对应关系不清；未见党员教育内容。" in texts
    assert "请于2026年4月30日前完成整改，并填写附件回执，将整改情况书面报送党委组织部。" in texts
    assert "附件：整改情况回执" in texts
    everything = "\n".join(texts + [c.text for t in doc.tables for r in t.rows for c in r.cells])
    assert "2026年4月28日" not in everything and "补办创客沙龙" not in everything  # the record's answer is not printed
    assert "整改情况回执" in texts and "请于2026年4月30日前将本回执报送党委组织部。" in texts
    reply = {row.cells[0].text: row.cells[1].text for row in doc.tables[0].rows}
    assert reply["项目名称"] == "大学生党员创新创业“领航计划”" and reply["整改期限"] == "2026年4月30日"
    assert reply["整改通知书下发日期"] == "2026年3月16日"
    assert reply["整改完成情况"] == "" and reply["完成日期"].split() == ["年", "月", "日"]  # places to fill in
    assert "书记签字：" in reply["党支部意见"]
    assert imprint(doc) == ["党委组织部\t2026年3月16日印发"]


def test_the_fixed_texts_come_from_each_presets_documents(sample: tuple[Path, Config, dict[str, Project]],
                                                          tmp_path: Path) -> None:
    _, config, projects = sample
    presets = {name: Config.model_validate(store.parse_yaml(config_module.preset_text(name), f"{name}.yaml"))
               for name in config_module.PRESETS}
    said = {}
    for name, preset in presets.items():
        own = config.model_copy(update={"documents": preset.documents})
        doc = Document(str(render.render(projects["2025-机电-003"], own, "rectification", tmp_path / name, root=None,
                                         blob="abc")))
        asked = next(p.text for p in doc.paragraphs if p.text.startswith("请于2026年12月20日前完成整改"))
        said[name] = (asked.split("报送")[-1], imprint(doc))
    assert said["college"] == ("党委组织部。", ["党委组织部\t2026年6月8日印发"])
    assert said["county"] == ("县委组织部。",
                              ["抄送：县党建工作领导小组办公室。", "县委组织部办公室\t2026年6月8日印发"])
    assert said["school"] == ("县教育局党委。", ["县教育局党委办公室\t2026年6月8日印发"])
    assert said["township"] == ("镇党委。", ["镇党政办公室\t2026年6月8日印发"])
    for form in ("approval", "rectification"):  # no organisation's name is fixed in a template
        template = Document(str(render.template_path(None, form)))
        assert not any(word in p.text for p in template.paragraphs for word in ("党委组织部", "县委", "彩神", "中共"))


def test_no_form_puts_a_space_between_chinese_and_a_number(sample: tuple[Path, Config, dict[str, Project]],
                                                           tmp_path: Path) -> None:
    root, config, projects = sample
    made = render.render_many(root, config, list(projects.values()), tmp_path)
    assert len(made) > 40
    for path in made:
        doc = Document(str(path))
        texts = [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]
        found = [m.group() for t in texts for m in CJK_NUMBER_SPACE.finditer(t)]
        assert not found, (path.name, found[:3])

"""党支部分类定级's paperwork from the commands: the forms each step prints, `dj branch render`, `dj branch report`,
and the grading in `dj stats` and `dj report` (seed 004). Every file is read back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from conftest import Dj, git
from dangjian_cli.branchmodel import Branch
from dangjian_cli.gradingreport import movements
from test_grading_story import ROUND, college, decide, ok, refused, run_round  # noqa: F401 (college: the fixture)

pytestmark = pytest.mark.usefixtures("college")  # the college of test_grading_story, forms off; cwd is its root

GRADED = {"机电教工第二党支部": ("--grade", "C", "--reason", "不能越级晋升"),
          "机关第一党支部": ("--grade", "B", "--reason", "A 级比例已满")}


def graded_round(dj: Dj, tmp_path: Path) -> dict[str, str]:
    ids = run_round(dj, tmp_path)
    for _, name, kind, _, _, total in ROUND:
        ok(decide(dj, ids[name], kind, total, *GRADED.get(name, ())))
    return ids


def texts(path: Path) -> list[str]:
    doc = Document(str(path))
    return [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]


def test_each_step_prints_its_forms_and_a_broken_template_stops_it(dj: Dj, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    root = Path.cwd()
    ids = run_round(dj, tmp_path)
    monkeypatch.delenv("DJ_NO_FORMS")
    first = ids["机电学生第一党支部"]
    out = ok(decide(dj, first, "student", 93))
    folder = root / "out" / first
    assert f"表格：out/{first}/{first}-调查摸底与分类定级表.docx" in out
    assert f"表格：out/{first}/{first}-分类定级评分表.docx" in out
    blob = git(root, "rev-parse", f"HEAD:branches/2026/{first}.yaml").strip()[:10]
    form3 = texts(folder / f"{first}-调查摸底与分类定级表.docx")
    assert "A 级（先进）" in form3  # the grade the step just decided, from the text it wrote
    footer = Document(str(folder / f"{first}-调查摸底与分类定级表.docx")).sections[0].footer.paragraphs[0].text
    assert footer == f"定级编号 {first} · 记录版本 {blob}"
    sheet = Document(str(folder / f"{first}-分类定级评分表.docx")).tables[0]
    assert [c.text for c in sheet.rows[-1].cells][-3:] == ["95", "90", "93"]

    # A template with a broken tag: the step is refused, nothing written, nothing committed.
    d_branch = ids["外语学生第一党支部"]
    ok(decide(dj, d_branch, "student", 50))
    broken = Document()
    broken.add_paragraph("{{ rows ")
    (root / "templates").mkdir()
    broken.save(str(root / "templates" / "grading_rectification.docx"))
    head = git(root, "rev-parse", "HEAD")
    refused(dj("branch", "rectify", d_branch, "--item", "调整班子", "--deadline", "2026-06-30", "--date",
               "2026-04-10"), "grading_rectification.docx", "有误")
    assert git(root, "rev-parse", "HEAD") == head and git(root, "status", "--porcelain", "branches") == ""
    (root / "templates" / "grading_rectification.docx").unlink()
    out = ok(dj("branch", "rectify", d_branch, "--item", "调整班子", "--deadline", "2026-06-30", "--date",
                "2026-04-10"))
    mine = root / "out" / d_branch / f"{d_branch}-整改汇总表.docx"
    assert f"表格：out/{d_branch}/{d_branch}-整改汇总表.docx" in out
    assert "1. 调整班子" in texts(mine) and "填报单位：外国语学院党委 外语学生第一党支部" in texts(mine)
    # off with --no-forms, as for projects
    assert "表格：" not in ok(dj("--no-forms", "branch", "rectified", d_branch, "--note", "已调整", "--date",
                                 "2026-05-01"))


def test_render_and_report_make_the_rounds_paperwork(dj: Dj, tmp_path: Path) -> None:
    root = Path.cwd()
    ids = graded_round(dj, tmp_path)
    c_branch = ids["机电教工第三党支部"]
    ok(dj("branch", "rectify", c_branch, "--item", "补齐记录", "--deadline", "2026-05-31", "--date", "2026-04-10"))
    out = ok(dj("branch", "render", c_branch))
    assert out.count("已生成") == 3 and "整改汇总表" in out
    assert ok(dj("branch", "render", c_branch, "--form", "grading_branch")).count("已生成") == 1
    made = ok(dj("branch", "render", "--all", "--out", str(tmp_path / "全部")))
    assert made.count("已生成") == 13 * 2 + 1  # every branch: 附表3 and the score sheet; one rectification list
    assert len(list((tmp_path / "全部").glob("2026-*/*.docx"))) == 27
    rubrics = ok(dj("branch", "render", "--rubrics"))
    assert "2026-学生党支部评分标准.docx" in rubrics and "2026-教工党支部评分标准.docx" in rubrics
    ok(dj("branch", "render", "--summary", "--rectifications", "--unit", "机电"))
    summary = Document(str(root / "out" / "2026-机电学院党委-分类定级汇总表.docx")).tables[0]
    # 机电: A (92.70), B 80.00, B 80.00, B 85.00, C (D last year), C 69.80 — 6 branches
    assert [c.text for c in summary.rows[2].cells] == ["机电学院党委", "6", "1", "16.7%", "3", "50.0%", "2", "33.3%",
                                                       "0", "0.0%", "0"]
    assert "1. 补齐记录" in texts(root / "out" / "2026-机电学院党委-整改汇总表.docx")
    refused(dj("branch", "render", "--summary", "--unit", "法学"), "单位“法学”不在 dj.yaml 的 units 中")
    assert dj("branch", "render").exit_code == 2  # nothing asked for: a usage error

    target = tmp_path / "汇总.xlsx"
    assert "13 个党支部" in ok(dj("branch", "report", "--out", str(target)))
    total = next(r for r in load_workbook(target)["汇总"].iter_rows(values_only=True) if r[0] == "合计")
    assert total[:4] == ("合计", 13, 2, 0.154)  # 2 of 13 = 15.4 %
    ok(dj("branch", "report", "--rectifications", "--out", str(tmp_path / "整改.xlsx")))
    assert load_workbook(tmp_path / "整改.xlsx")["整改汇总"].cell(3, 3).value == c_branch
    message = refused(dj("branch", "report", "--out", str(tmp_path / "汇总.docx")), "不是 .xlsx")
    assert "dj branch render --summary" in message and not (tmp_path / "汇总.docx").exists()


def test_stats_and_report_show_the_round(dj: Dj, tmp_path: Path) -> None:
    ids = graded_round(dj, tmp_path)
    ok(dj("branch", "rectify", ids["外语学生第一党支部"], "--item", "调整支部班子", "--deadline", "2026-06-30",
          "--date", "2026-04-10"))
    stats = ok(dj("stats"))
    assert "党支部分类定级（2026 年度）：按单位" in stats and "全部党支部  13        2     15.4%" in stats
    # 机电教工第二: D last year, C now; everyone else graded for the first time
    assert "与上一年度相比：升级 1 个，降级 0 个，持平 0 个，首次定级 12 个" in stats
    assert "整改未完成：1 份" in stats and "1. 调整支部班子；2." not in stats
    data = json.loads(ok(dj("stats", "--json")))
    assert data["projects"]["按状态"]["已申报"] == 0
    g = data["grading"]
    assert g["units"][-1] == {"unit": "合计", "branches": 13, "A": 2, "B": 8, "C": 2, "D": 1, "ungraded": 0}
    assert g["a_cap"] == [{"scope": "全部党支部", "branches": 13, "a": 2, "share": "15.4", "cap": "0.20",
                           "limit": 2, "over": 0}]
    assert g["rose"] == [{"id": ids["机电教工第二党支部"], "name": "机电教工第二党支部", "last": "D", "grade": "C"}]
    assert g["fell"] == [] and g["open_rectifications"][0]["deadline"] == "2026-06-30"
    ok(dj("report", "--out", str(tmp_path / "台账.xlsx")))
    sheet = list(load_workbook(tmp_path / "台账.xlsx")["分类定级"].iter_rows(values_only=True))
    assert ("合计", 13, 2, 8, 2, 1, 0) in sheet
    ok(dj("report", "--format", "docx", "--out", str(tmp_path / "台账.docx")))
    assert "A 级 2，B 级 8，C 级 2，D 级 1，未定级 0" in " ".join(texts(tmp_path / "台账.docx"))


def test_who_rose_and_who_fell_is_last_years_grade_against_this_years() -> None:
    def graded(n: int, last: str, grade: str | None) -> Branch:
        data = {"id": f"2026-机电-支{n:02d}", "round": "2026", "unit": "机电学院党委", "name": f"支部{n}",
                "kind": "student", "members": 10, "secretary": "甲", "last_grade": last, "status": "surveyed",
                "survey": {"date": "2026-03-25", "by": "甲", **{k: "好" for k in (
                    "organisation", "committee", "rules", "plan", "activities", "role", "support")}}}
        if grade:
            data["status"] = "graded"
            data["decision"] = {"date": "2026-04-07", "by": "王干事", "points": {}, "total": "80", "final": "80",
                                "band": grade, "grade": grade, "methods": ["问卷调查"]}
        return Branch.model_validate(data)

    moved = movements([graded(3, "B", "D"), graded(1, "D", "C"), graded(2, "B", "B"), graded(4, "", "A"),
                       graded(5, "C", None)])
    assert [(m.branch_id[-3:], m.levels) for m in moved] == [("支01", 1), ("支02", 0), ("支03", -2), ("支04", 0)]
    assert [m.last for m in moved] == ["D", "B", "B", ""]  # 支04 graded first this year; 支05 not yet graded

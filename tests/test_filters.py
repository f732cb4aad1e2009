"""What a clerk types to pick records: a value that matches nothing is refused with the values that would."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from conftest import Dj, apply_sample, git

# tests/data/dj.yaml: units 机电学院党委 (code 机电) and 外国语学院党委 (code 外语)
UNITS = "机电（机电学院党委）、外语（外国语学院党委）"


@pytest.fixture
def two(repo: Path, dj: Dj, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Two 2025 applications, one per unit (no Word forms: these tests read tables)."""
    monkeypatch.setenv("DJ_NO_FORMS", "1")
    return [apply_sample(dj), apply_sample(dj, "--unit", "外国语学院党委", "--branch", "外国语学院教工党支部")]


def ids_listed(r_stdout: str) -> list[str]:
    return [line.split()[0] for line in r_stdout.splitlines() if line.startswith("2025-")]


def test_a_unit_is_picked_by_its_code_or_its_name(repo: Path, dj: Dj, two: list[str]) -> None:
    by_code, by_name = dj("list", "--unit", "机电"), dj("list", "--unit", "机电学院党委")
    assert by_code.exit_code == 0 and by_name.exit_code == 0
    assert ids_listed(by_code.stdout) == ids_listed(by_name.stdout) == [two[0]]


@pytest.mark.parametrize("command", [["list"], ["due", "--today", "2025-06-01"]])
def test_an_unknown_unit_is_refused_with_the_units_there_are(repo: Path, dj: Dj, two: list[str],
                                                              command: list[str]) -> None:
    r = dj(*command, "--unit", "机电学院")
    assert r.exit_code == 1 and r.stdout == ""
    assert "“机电学院”" in r.stderr and UNITS in r.stderr
    assert r.stderr.count("。") == 1  # one sentence


def test_an_unknown_type_or_category_is_refused_with_dj_yamls_own(repo: Path, dj: Dj, two: list[str]) -> None:
    r = dj("list", "--type", "创新型")
    assert r.exit_code == 1 and r.stdout == ""
    assert "创新型" in r.stderr and "创新探索型、典型示范型、制度推广型" in r.stderr
    r = dj("list", "--category", "组织建设")
    assert r.exit_code == 1 and "作风建设、发展党员质量、党员教育管理" in r.stderr
    # the start of one name is that name: 创新 can only be 创新探索型
    assert sorted(ids_listed(dj("list", "--type", "创新").stdout)) == sorted(two)


@pytest.mark.parametrize("command", [["list"], ["stats"], ["report"], ["award", "--dry-run"]])
@pytest.mark.parametrize(("cycle", "says"), [("2O25", "2025"), ("2025/../..", "四位数字"), ("../projects", "四位数字")])
def test_a_cycle_is_a_year_or_it_is_refused(repo: Path, dj: Dj, two: list[str], command: list[str],
                                            cycle: str, says: str) -> None:
    r = dj(*command, "--cycle", cycle)
    assert r.exit_code == 2, r.stderr  # a usage error: no repository holds such a year
    assert "--cycle" in r.stderr and says in r.stderr and "Traceback" not in r.stderr
    assert r.stdout == "" and not (repo / "out").exists()


def test_a_year_without_projects_is_refused_with_the_years_there_are(repo: Path, dj: Dj, two: list[str]) -> None:
    for command in (["list"], ["stats"], ["report"]):
        r = dj(*command, "--cycle", "2019")
        assert r.exit_code == 1 and "2019" in r.stderr and "可选：2025" in r.stderr, command
    full_width = dj("list", "--cycle", "２０２５")  # what a Chinese input method types
    assert sorted(ids_listed(full_width.stdout)) == sorted(two)


def test_a_status_by_its_chinese_label_and_an_ambiguous_start_refused(repo: Path, dj: Dj, two: list[str]) -> None:
    assert dj("approve", two[0], "--date", "2025-05-20").exit_code == 0
    assert ids_listed(dj("list", "--status", "已立项").stdout) == [two[0]]
    assert ids_listed(dj("list", "--status", "approved").stdout) == [two[0]]
    r = dj("list", "--status", "已")  # 已申报, 已立项, 已通过中期检查, 已结题, 已验收, 已终止
    assert r.exit_code == 2 and "已申报" in r.stderr and "已立项" in r.stderr and "写全" in r.stderr


def test_help_shows_the_chinese_choices(dj: Dj) -> None:
    from dangjian_cli.gradingforms import BRANCH_FORMS
    from dangjian_cli.model import STATUS_LABELS
    from dangjian_cli.render import FORMS

    listing = dj("list", "--help").stdout
    for label in STATUS_LABELS.values():
        assert label.split("（")[0] in listing, label
    render = dj("render", "--help").stdout
    for name in FORMS.values():
        assert name in render, name
    branch = dj("branch", "render", "--help").stdout
    for name in BRANCH_FORMS.values():
        assert name in branch, name


def test_a_form_by_the_name_printed_on_it(repo: Path, dj: Dj, two: list[str]) -> None:
    r = dj("render", two[0], "--form", "申报表")
    assert r.exit_code == 0, r.stderr
    assert (repo / "out" / two[0] / f"{two[0]}-申报表.docx").is_file()
    assert len(list((repo / "out" / two[0]).glob("*.docx"))) == 1
    r = dj("render", two[0], "--form", "验收评审表")  # known, but the project has not been scored
    assert r.exit_code == 1 and "验收评审表" in r.stderr
    r = dj("render", two[0], "--form", "评审表")
    assert r.exit_code == 2 and "验收评审表（review）" in r.stderr


def test_forms_go_into_a_folder_not_a_file_name(repo: Path, dj: Dj, two: list[str]) -> None:
    r = dj("render", two[0], "--out", "申报表.docx")
    assert r.exit_code == 2 and "文件夹" in r.stderr
    assert not (repo / "申报表.docx").exists()


def test_the_form_names_map_to_their_keys() -> None:
    from dangjian_cli import filters
    from dangjian_cli.render import FORMS

    assert filters.form("验收评审表", FORMS) == "review"
    assert filters.form("review", FORMS) == "review"
    assert filters.form("整改通知书", FORMS) == "rectification"


# --- the ledger's format is its file's extension ------------------------------------------


def test_the_ledger_is_written_in_the_format_its_name_says(repo: Path, dj: Dj, two: list[str],
                                                           tmp_path: Path) -> None:
    word, excel, text = tmp_path / "台账.docx", tmp_path / "台账.xlsx", tmp_path / "台账.csv"
    for target in (word, excel, text):
        r = dj("report", "--out", str(target))
        assert r.exit_code == 0, r.stderr
        assert str(target) in r.stdout
    assert "word/document.xml" in zipfile.ZipFile(word).namelist()
    assert "xl/workbook.xml" in zipfile.ZipFile(excel).namelist()
    rows = list(csv.reader(io.StringIO(text.read_text(encoding="utf-8-sig"))))
    assert rows[0][0] == "项目编号" and sorted(r[0] for r in rows[1:]) == sorted(two)


def test_a_ledger_dj_cannot_write_is_refused_with_the_choices(repo: Path, dj: Dj, two: list[str],
                                                              tmp_path: Path) -> None:
    r = dj("report", "--out", str(tmp_path / "台账.pdf"))
    assert r.exit_code == 2
    assert ".pdf" in r.stderr and ".xlsx" in r.stderr and ".docx" in r.stderr and ".csv" in r.stderr
    assert not (tmp_path / "台账.pdf").exists()
    r = dj("report", "--out", str(tmp_path / "台账.docx"), "--format", "xlsx")
    assert r.exit_code == 2 and not (tmp_path / "台账.docx").exists()


def test_a_ledger_into_a_folder_or_without_an_extension(repo: Path, dj: Dj, two: list[str], tmp_path: Path) -> None:
    folder = tmp_path / "报表"
    folder.mkdir()
    assert dj("report", "--out", str(folder)).exit_code == 0
    assert (folder / "台账-2025.xlsx").is_file()
    assert dj("report", "--out", str(tmp_path / "台账"), "--format", "docx").exit_code == 0
    assert "word/document.xml" in zipfile.ZipFile(tmp_path / "台账.docx").namelist()


# --- dj check finds the people dj cannot tell apart or place ------------------------------


def add_people(repo: Path, lines: str) -> None:
    config = repo / "dj.yaml"
    text = config.read_text(encoding="utf-8").replace("acceptance:", lines + "acceptance:", 1)
    config.write_text(text, encoding="utf-8")
    git(repo, "commit", "-q", "-am", "人员")


def test_check_finds_a_reviewer_whose_unit_is_no_unit(repo: Path, dj: Dj) -> None:
    add_people(repo, "  - {name: 赵评委, email: zhao@x.example, unit: 机电学院, roles: [reviewer]}\n"
                     "  - {name: 钟评委, email: zhong@x.example, unit: 外语, roles: [reviewer]}\n")
    r = dj("check")
    assert r.exit_code == 1
    # dj.yaml's line 26 and 27 (counted by hand in tests/data/dj.yaml: people end at line 25)
    zhao = next(line for line in r.stdout.splitlines() + r.stderr.splitlines() if "赵评委" in line)
    assert "第 26 行" in zhao and "“机电学院”" in zhao and "机电学院党委" in zhao and "回避" in zhao
    zhong = next(line for line in r.stdout.splitlines() + r.stderr.splitlines() if "钟评委" in line)
    assert "第 27 行" in zhong and "外国语学院党委" in zhong
    assert "孙评委" not in r.stdout + r.stderr  # 组织部 is no unit of dj.yaml and resembles none: a department


def test_check_finds_two_people_sharing_one_email(repo: Path, dj: Dj) -> None:
    add_people(repo, "  - {name: 孙干事, email: Sun@x.example, unit: 组织部, roles: [clerk]}\n")
    r = dj("check")
    assert r.exit_code == 1
    line = next(line for line in r.stdout.splitlines() + r.stderr.splitlines() if "孙干事" in line)
    assert "孙评委" in line and "第 19 行" in line and "第 26 行" in line and "邮箱" in line


def test_check_passes_the_test_configuration(repo: Path, dj: Dj) -> None:
    r = dj("check")
    assert r.exit_code == 0, r.stdout + r.stderr

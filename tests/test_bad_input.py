"""Bad files and bad input, as a clerk hands them to dj: each refused in one Chinese sentence that says what the file
really is, where the mistake stands (line counted from 1) and what to do; a defect of dj is exit code 3."""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import DATA, Dj, apply_sample, git
from dangjian_cli import store, workflow
from dangjian_cli.model import Project

SHOWN = "projects/2025/2025-机电-001.yaml"


@pytest.fixture(autouse=True)
def _no_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJ_NO_FORMS", "1")


def _one_line(r: object) -> str:
    lines = r.stderr.strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr  # type: ignore[attr-defined]
    return str(lines[0])


def _application(tmp_path: Path, text: str, name: str = "申报表.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _nothing_committed(repo: Path, head: str) -> None:
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "status", "--porcelain") == ""


# --- YAML mistakes, through the real command --------------------------------------------------------------------


def test_an_application_with_a_tab_names_the_tab_and_its_line(repo: Path, dj: Dj, tmp_path: Path) -> None:
    text = (DATA / "application.yaml").read_text(encoding="utf-8").replace("\nleader: 张三", "\n\tleader: 张三")
    head = git(repo, "rev-parse", "HEAD")
    r = dj("apply", "--from", str(_application(tmp_path, text)))
    line = next(n for n, t in enumerate(text.splitlines(), start=1) if t.startswith("\t"))
    assert r.exit_code == 1
    assert _one_line(r) == (f"错误：文件 {tmp_path / '申报表.yaml'} 第 {line} 行用 Tab 键缩进了，YAML 只能用空格缩进；"
                            f"请把这一行开头的 Tab 换成空格，与同一层的上下行对齐。")
    _nothing_committed(repo, head)


def test_a_title_with_a_colon_is_told_to_use_quotes(repo: Path, dj: Dj, tmp_path: Path) -> None:
    r = dj("apply", "--from", str(_application(tmp_path, "unit: 机电学院党委\ntitle: 党建: 引领\n")))
    assert r.exit_code == 1
    assert "第 2 行的值里有冒号加空格“: ”" in _one_line(r)
    assert '请把整个值用引号括起来，例如 title: "党建: 引领"' in r.stderr


def test_an_unclosed_quote_is_reported_where_it_opens(repo: Path, dj: Dj, tmp_path: Path) -> None:
    text = 'title: "党员先锋岗\nunit: 机电学院党委\nbranch: 机电学院教工第一党支部\nleader: 张三\n'
    r = dj("apply", "--from", str(_application(tmp_path, text)))
    assert r.exit_code == 1
    assert "第 1 行的引号 \" 从这里开始却没有结束" in _one_line(r)


# --- validation messages: Chinese names, “或”, positions from 1, lines -------------------------------------------


def _edit_config(repo: Path, old: str, new: str) -> None:
    text = (repo / "dj.yaml").read_text(encoding="utf-8")
    assert old in text
    (repo / "dj.yaml").write_text(text.replace(old, new), encoding="utf-8")


def test_a_full_width_comma_in_a_list_of_roles_is_named_with_its_line(repo: Path, dj: Dj) -> None:
    _edit_config(repo, "{name: 钱评委, email: qian@x.example, unit: 外国语学院党委, roles: [reviewer]}",
                 "{name: 钱评委, email: qian@x.example, unit: 外国语学院党委, roles: [reviewer，judge]}")
    line = next(n for n, t in enumerate((repo / "dj.yaml").read_text(encoding="utf-8").splitlines(), start=1)
                if "钱评委" in t)
    r = dj("list")
    assert r.exit_code == 1
    assert _one_line(r) == (
        f"错误：文件 dj.yaml 第 {line} 行：字段 people 第 4 项的 roles（角色）第 1 项的值“reviewer，judge”取值无效，"
        f"应为组织部干事（clerk）、审批人（approver）、评审专家（reviewer）、答辩评委（judge）或申报人（applicant）之一"
        f"（“，”是中文逗号，请改用英文标点，列表各项之间用英文逗号“,”分隔）；请改正后再试。")


def test_every_missing_field_is_named_by_its_title_and_key(repo: Path, dj: Dj) -> None:
    pid = apply_sample(dj)
    path = repo / SHOWN
    kept = [t for t in path.read_text(encoding="utf-8").splitlines(keepends=True)
            if not t.startswith(("title:", "leader:", "category:"))]
    path.write_text("".join(kept), encoding="utf-8")
    git(repo, "commit", "-qam", "手工修改")
    r = dj("show", pid)
    assert r.exit_code == 1
    assert "缺少必填项：项目名称（title）、项目执行者（leader）、项目类别（category）" in _one_line(r)


def test_a_record_with_chinese_keys_is_told_which_keys_to_use(repo: Path, dj: Dj) -> None:
    pid = apply_sample(dj)
    path = repo / SHOWN
    text = path.read_text(encoding="utf-8").replace("\ntitle:", "\n项目名称:").replace("\nleader:", "\n项目执行者:")
    path.write_text(text, encoding="utf-8")
    git(repo, "commit", "-qam", "手工修改")
    line = next(n for n, t in enumerate(text.splitlines(), start=1) if t.startswith("项目名称"))
    r = dj("show", pid)
    assert r.exit_code == 1
    assert _one_line(r).startswith(
        f"错误：文件 {SHOWN} 第 {line} 行：有不认识的字段（可能拼写错误）：“项目名称”（应写作 title）、"
        f"“项目执行者”（应写作 leader），缺少必填项：项目名称（title）、项目执行者（leader）")


def test_an_application_in_chinese_keys_is_told_the_keys_to_use() -> None:
    """What apply refuses before it looks for the unit: the unknown keys and, for a new application, the missing."""
    from dangjian_cli import validation

    fields = {"项目名称": "党员先锋岗", "项目所在单位": "机电学院党委", "leader": "张三", "titel": "党员先锋岗"}
    assert validation.handed_in(Project, fields, workflow.APPLICATION_FIELDS, complete=True) == [
        "有不认识的字段（可能拼写错误）：“项目名称”（应写作 title）、“项目所在单位”（应写作 unit）、"
        "“titel”（是不是 title？）",
        "缺少必填项：项目名称（title）、项目所在单位（unit）、项目所在支部（branch）、支部书记（secretary）、责任人（responsible）、"
        "项目类别（category）、项目类型（type）、实施周期（period）",
    ]
    assert validation.handed_in(Project, {"plan": "新方案"}, workflow.APPLICATION_FIELDS, complete=False) == []


# --- a file that is not text -------------------------------------------------------------------------------------


def _docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_paragraph("## 项目概况")
    document.save(str(path))
    return path


def _xlsx(path: Path) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    book.active["A1"] = "id"  # type: ignore[index]
    book.save(str(path))
    return path


def _approved_and_checked(dj: Dj) -> str:
    pid = apply_sample(dj)
    for args in (("approve", pid, "--date", "2025-05-20"), ("mid-check", pid, "--result", "pass", "--date",
                                                             "2025-12-01")):
        assert dj(*args).exit_code == 0, dj
    return pid


def test_a_word_file_given_as_the_closing_report_is_read_by_its_headings(repo: Path, dj: Dj, tmp_path: Path) -> None:
    pid = _approved_and_checked(dj)
    report = _docx(tmp_path / "结题报告.docx")
    r = dj("close", pid, "--report", str(report), "--date", "2026-05-25")
    assert r.exit_code == 1
    assert r.stderr.splitlines()[:3] == [f"错误：结题报告 {report} 有 4 处读不出，未结题；请改正后再试：",
                                         "“项目概况”部分没有填写：报告里要有“项目概况”这个小标题，下面写上内容。",
                                         "“实施情况”部分找不到：报告里要有“实施情况”这个小标题，下面写上内容。"]


@pytest.mark.parametrize("name", ["评分表.xlsx", "评分表.csv"])
def test_an_excel_file_given_as_a_score_sheet_is_told_to_save_as_csv(repo: Path, dj: Dj, tmp_path: Path,
                                                                    name: str) -> None:
    sheet = _xlsx(tmp_path / name)
    r = dj("score", "--sheet", str(sheet), "--reviewer", "钱评委")
    assert r.exit_code == 1
    assert _one_line(r) == (f"错误：文件 {sheet} 是 Excel 文件（.xlsx），不是 dj 能读的文字文件；"
                            f"请在 Excel 或 WPS 表格中打开它，“另存为 → CSV UTF-8（逗号分隔）（*.csv）”后再试。")


@pytest.mark.parametrize(("content", "kind"), [(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF 文件"),
                                               (b"PK\x03\x04" + bytes(40), "zip 压缩包"),
                                               (b"\x89PNG\r\n\x1a\n" + bytes(20), "PNG 图片")])
def test_a_pdf_zip_or_picture_given_as_an_application_is_named(repo: Path, dj: Dj, tmp_path: Path, content: bytes,
                                                              kind: str) -> None:
    path = tmp_path / "申报表.yaml"
    path.write_bytes(content)
    r = dj("apply", "--from", str(path))
    assert r.exit_code == 1
    line = _one_line(r)
    assert f"是 {kind}，不是 dj 能读的文字文件" in line and "GBK" not in line


def test_real_gbk_text_still_gets_the_gbk_advice(repo: Path, dj: Dj, tmp_path: Path) -> None:
    path = tmp_path / "申报表.yaml"
    path.write_bytes((DATA / "application.yaml").read_text(encoding="utf-8").encode("gbk"))
    r = dj("apply", "--from", str(path))
    assert r.exit_code == 1
    assert "GBK" in _one_line(r) and "iconv -f GBK -t UTF-8" in r.stderr


# --- limits -------------------------------------------------------------------------------------------------------


def test_a_fifty_megabyte_application_is_refused_at_once(repo: Path, dj: Dj, tmp_path: Path) -> None:
    path = tmp_path / "申报表.yaml"
    with path.open("w", encoding="utf-8") as f:
        f.write((DATA / "application.yaml").read_text(encoding="utf-8"))
        f.write("goals: " + "零事故" * (50 * 1024 * 1024 // 9) + "\n")
    head = git(repo, "rev-parse", "HEAD")
    started = time.monotonic()
    r = dj("apply", "--from", str(path))
    assert time.monotonic() - started < 2
    assert r.exit_code == 1
    assert "有 50.0 MB，超过 dj 读取的上限 1.0 MB" in _one_line(r)
    _nothing_committed(repo, head)


def test_a_runaway_value_in_an_application_is_refused_with_its_line(repo: Path, dj: Dj, tmp_path: Path) -> None:
    text = (DATA / "application.yaml").read_text(encoding="utf-8").replace("goals: 全年实验室零事故。",
                                                                           "goals: " + "零" * 200_000)
    r = dj("apply", "--from", str(_application(tmp_path, text)))
    assert r.exit_code == 1
    line = next(n for n, t in enumerate(text.splitlines(), start=1) if t.startswith("goals:"))
    assert f"第 {line} 行：一个值超过 100000 个字" in _one_line(r)


@pytest.fixture
def outside(tmp_path: Path) -> Iterator[Path]:
    where = tmp_path / "别处"
    where.mkdir()
    yield where


def test_a_record_that_is_a_symbolic_link_is_refused_by_name(repo: Path, dj: Dj, outside: Path) -> None:
    pid = apply_sample(dj)
    path = repo / SHOWN
    (outside / path.name).write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(outside / path.name)
    git(repo, "commit", "-qam", "换成链接")
    for args in (("show", pid), ("approve", pid, "--date", "2025-05-20")):
        r = dj(*args)
        assert r.exit_code == 1
        assert _one_line(r) == (f"错误：{SHOWN} 是符号链接（指向 {outside / path.name}），"
                                f"dj 只读写仓库里真实的文件和文件夹；"
                                f"请把它换成真实的文件（把内容复制进来）后再试。")


def test_a_cycle_folder_that_is_a_symbolic_link_is_refused_by_name(repo: Path, dj: Dj, outside: Path) -> None:
    (outside / "2024-机电-001.yaml").write_text("id: 2024-机电-001\n", encoding="utf-8")
    (repo / "projects").mkdir()
    (repo / "projects" / "2024").symlink_to(outside)
    r = dj("show", "2024-机电-001")
    assert r.exit_code == 1
    assert _one_line(r) == (f"错误：projects/2024 是符号链接（指向 {outside}），dj 只读写仓库里真实的文件和文件夹；"
                            f"请把它换成真实的文件夹（把内容复制进来）后再试。")
    with pytest.raises(store.DjError, match="projects/2024 是符号链接"):
        store.project_files(repo)


# --- money ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["1e3", "1E3", "NaN", "Infinity", "1_000"])
def test_money_in_exponent_notation_nan_or_infinity_is_refused(repo: Path, dj: Dj, amount: str) -> None:
    pid = _approved_and_checked(dj)
    r = dj("spend", pid, amount, "宣传栏", "--date", "2025-12-02")
    assert r.exit_code == 2
    assert f"“{amount}”不是有效金额" in r.stderr and "科学计数法" in r.stderr


def test_plain_decimals_are_still_money(repo: Path, dj: Dj) -> None:
    pid = _approved_and_checked(dj)
    assert dj("spend", pid, "800.50", "宣传栏", "--date", "2025-12-02").exit_code == 0
    assert dj("spend", pid, " 19 ", "资料", "--date", "2025-12-02").exit_code == 0
    assert "amount: 800.50" in (repo / SHOWN).read_text(encoding="utf-8")


def test_an_amount_in_exponent_notation_in_an_application_is_refused(repo: Path, dj: Dj, tmp_path: Path) -> None:
    text = (DATA / "application.yaml").read_text(encoding="utf-8").replace('amount: "300.00"', "amount: 1e3")
    r = dj("apply", "--from", str(_application(tmp_path, text)))
    assert r.exit_code == 1
    assert "budget 第 1 项的 amount（金额（元））的值“1e3”不对：金额请写成普通数字，例如 1000 或 800.50" in _one_line(r)


# --- a defect of dj ---------------------------------------------------------------------------------------------------


def _broken_show(monkeypatch: pytest.MonkeyPatch) -> None:
    def defect(*_args: object, **_kwargs: object) -> None:
        raise KeyError("internal_state")

    monkeypatch.setattr(store, "load_project", defect)


def test_an_unexpected_error_is_one_chinese_sentence_and_exit_code_3(repo: Path, dj: Dj,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    pid = apply_sample(dj)
    _broken_show(monkeypatch)
    r = dj("show", pid)
    from dangjian_cli.errors import EXIT_BUG

    assert r.exit_code == EXIT_BUG == 3
    line = _one_line(r)
    assert "dj 自身的缺陷" in line and "DJ_DEBUG=1" in line
    assert "KeyError" not in line and "internal_state" not in line


def test_dj_debug_shows_the_traceback(repo: Path, dj: Dj, monkeypatch: pytest.MonkeyPatch) -> None:
    pid = apply_sample(dj)
    _broken_show(monkeypatch)
    monkeypatch.setenv("DJ_DEBUG", "1")
    with pytest.raises(KeyError, match="internal_state"):
        dj("show", pid)


def test_a_refusal_still_exits_1(repo: Path, dj: Dj) -> None:
    assert dj("show", "2025-机电-999").exit_code == 1


# --- files dj writes ----------------------------------------------------------------------------------------------


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o002)
    yield
    os.umask(old)


def test_files_dj_writes_honour_the_umask(repo: Path, dj: Dj, umask: None) -> None:
    pid = apply_sample(dj)
    path = repo / SHOWN
    assert stat.S_IMODE(path.stat().st_mode) == 0o664  # what a plain open(…, "w") gives under umask 002
    path.chmod(0o640)
    assert dj("approve", pid, "--date", "2025-05-20").exit_code == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # an existing file keeps the mode it has
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


# --- who acts --------------------------------------------------------------------------------------------------------


def test_as_with_someone_elses_email_says_whose_it_is(repo: Path, dj: Dj) -> None:
    r = dj("--as", "钱评委 <li@zzb.example>", "apply", "--from", str(DATA / "application.yaml"))
    assert r.exit_code == 1
    assert _one_line(r) == ("错误：--as 写的邮箱 li@zzb.example 在 dj.yaml 中属于李部长，不是钱评委；"
                            "请核对 --as 的姓名和邮箱（替李部长登记就写 --as \"李部长 <li@zzb.example>\"）。")


def test_as_with_nobodys_email_says_so(repo: Path, dj: Dj) -> None:
    r = dj("--as", "钱评委 <qian@elsewhere.example>", "apply", "--from", str(DATA / "application.yaml"))
    assert r.exit_code == 1
    assert _one_line(r) == ("错误：--as 写的邮箱 qian@elsewhere.example 不属于 dj.yaml 的 people 中的任何人；"
                            "请核对邮箱，或先在 people 中登记钱评委。")


def test_apply_with_chinese_keys_names_them_instead_of_an_empty_unit(repo: Path, dj: Dj, tmp_path: Path) -> None:
    text = "项目名称: 党员先锋岗\n项目所在单位: 机电学院党委\nleader: 张三\n"
    head = git(repo, "rev-parse", "HEAD")
    r = dj("apply", "--from", str(_application(tmp_path, text)))
    assert r.exit_code == 1
    assert _one_line(r) == (
        "错误：申报内容不完整或有误：有不认识的字段（可能拼写错误）：“项目名称”（应写作 title）、"
        "“项目所在单位”（应写作 unit），"
        "缺少必填项：项目名称（title）、项目所在单位（unit）、项目所在支部（branch）、支部书记（secretary）、"
        "责任人（responsible）、项目类别（category）、项目类型（type）、实施周期（period）；请补全后再申报。")
    _nothing_committed(repo, head)

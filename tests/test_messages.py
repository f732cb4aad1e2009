"""Every help page and every usage mistake a clerk makes reads in Chinese: no English words, no traceback, no
Python type names."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer.main

from conftest import DATA, Dj, apply_sample
from dangjian_cli.cli import COMMANDS, GROUPS

# Words a clerk meets in dj's help as they are: what she types (commands, option values, codes from
# dj.yaml, roles, presets), and the names of the tools and formats she knows.
ALLOWED = {
    "dj", "git", "cd", "dj-demo", "YAML", "JSON", "CSV", "Schema", "Word", "Excel", "WPS", "PDF", "Markdown",
    "LibreOffice", "CI",
    "pass", "rectify", "acceptance", "defense", "xlsx", "docx", "csv", "pdf", "yaml", "md", "json",
    "college", "county", "township", "school", "student", "teacher",
    "clerk", "approver", "reviewer", "judge", "applicant", "application", "review",
    "completeness", "participation", "education", "strengthening", "units", "people", "calendar",
    "cycle", "org", "YYYY-MM-DD", "types", "categories", "competition",
    "draft", "applied", "approved", "rectifying", "midchecked", "closed", "accepted", "failed", "rejected",
    "terminated",
}
OPTION = re.compile(r"(?<![\w-])--?[\w-]+")
PYTHON = re.compile(r"\b(str|int|bool|float|Decimal|dict|NoneType|datetime|PosixPath)\b|\blist\[|<[a-z]+[\[>]")
# Taken out before words are counted: options, e-mail addresses, files and paths, dotted or indexed
# dj.yaml keys, codes with an underscore or a digit, single letters (grades A–D).
NOT_WORDS = re.compile(r"\S+@\S+|\S*[/\\.]\S*|\w*(\[\])?\.\w+|\w*[_\d]\w*|\b[A-Za-z]\b")


def _subcommands(group: str) -> list[str]:
    from dangjian_cli.cli.base import app

    __import__(f"dangjian_cli.cli.{GROUPS[group][0]}")
    info = next(i for i in app.registered_groups if i.name == group)
    assert info.typer_instance is not None
    for module in ("gradingpaper",):
        __import__(f"dangjian_cli.cli.{module}")
    return [c.name or typer.main.get_command_name(c.callback.__name__)  # type: ignore[union-attr]
            for c in info.typer_instance.registered_commands]


def english(text: str, typed: tuple[str, ...] = ()) -> list[str]:
    """The English words (and Python type names) in what dj printed, but for the words the user typed."""
    text = OPTION.sub(" ", text)
    found = [m.group(0) for m in PYTHON.finditer(text)]
    rest = NOT_WORDS.sub(" ", text)
    known = ALLOWED | set(typed) | set(COMMANDS) | set(GROUPS) | set(_subcommands("branch")) | set(_subcommands("form"))
    return found + [w for w in re.findall(r"[A-Za-z][A-Za-z-]*", rest) if w.rstrip("-") not in known]


def assert_chinese(text: str, typed: tuple[str, ...] = ()) -> None:
    text = re.sub(r"\broot\b", "dj", text)  # the test runner calls the program "root"
    assert "Traceback" not in text
    assert not english(text, typed), (english(text, typed), text)


HELP_PAGES = [[], *[[name] for name in COMMANDS], *[[group] for group in GROUPS],
              *[["branch", sub] for sub in _subcommands("branch")], *[["form", sub] for sub in _subcommands("form")]]


@pytest.mark.parametrize("args", HELP_PAGES, ids=lambda a: " ".join(a) or "dj")
def test_every_help_page_is_chinese(dj: Dj, args: list[str]) -> None:
    r = dj(*args, "--help")
    assert r.exit_code == 0
    assert "用法：" in r.stdout, r.stdout
    assert "…" not in r.stdout.replace("编号,编号,…", "").replace("=…", ""), r.stdout
    assert_chinese(r.stdout + r.stderr)


MISTAKES = [
    (["aprove"], "approve"),
    (["branch", "survy"], "survey"),
    (["approve"], "编号"),
    (["approve", "{id}", "--fundin", "800"], "--funding"),
    (["approve", "{id}", "--doc-no"], "--doc-no"),
    (["show", "{id}", "多余", "的话"], "多余"),
    (["mid-check", "{id}"], "--result"),
    (["apply", "--title", "示例", "--stages", "two"], "two"),
    (["due", "--today", "2025-13-01"], "2025-13-01"),
    (["spend", "{id}", "三百", "宣传栏"], "三百"),
    (["score", "{id}", "--reviewer", "钱评委", "--round", "final"], "--round"),
    (["--fundin"], "--fundin"),
]


@pytest.mark.parametrize(("args", "named"), MISTAKES, ids=lambda a: " ".join(a) if isinstance(a, list) else "")
def test_a_usage_mistake_is_one_chinese_sentence_and_exit_code_2(repo: object, dj: Dj, args: list[str],
                                                                  named: str) -> None:
    pid = apply_sample(dj)
    typed = tuple(a.replace("{id}", pid) for a in args)
    r = dj(*typed)
    assert r.exit_code == 2, r.stdout + r.stderr
    assert named in r.stderr and "错误" in r.stderr
    assert_chinese(r.stdout + r.stderr, typed)


def test_the_check_finds_what_typer_says_in_english() -> None:
    assert english("Usage: dj approve [OPTIONS] ID") == ["Usage", "OPTIONS", "ID"]
    assert english("│ --stages  <int>  Input should be a valid integer │") != []
    assert english("dj apply --from 申报书.yaml，角色 clerk，邮箱 wang@zzb.example") == []


# --- bad files and bad input: what a clerk hands dj, through the real commands -----------------------------------

ZERO_BASED = re.compile(r"[A-Za-z_]\.\d+\b|\[\d+\]")  # people.3.roles.0, budget[0]: a program's way of counting
# Words of the keyboard and of the files a clerk has on her desk, as dj's refusals name them.
FILE_WORDS = {"Tab", "UTF", "GBK", "iconv", "Unicode", "MB", "KB", "NaN", "Infinity", "Office", "PowerPoint", "RTF",
              "OpenDocument", "PNG", "JPEG", "RAR", "gzip", "zip", "txt", "doc", "xls", "pptx", "odt", "ods",
              "DJ", "DEBUG", "Windows"}


def _bad_application(tmp: Path, old: str, new: str) -> list[str]:
    text = (DATA / "application.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp / "申报表.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return ["apply", "--from", str(path)]


def _bad_bytes(tmp: Path, name: str, raw: bytes, *command: str) -> list[str]:
    (tmp / name).write_bytes(raw)
    return [part.replace("{file}", str(tmp / name)) for part in command]


def _bad_config(repo: Path, old: str, new: str) -> list[str]:
    text = (repo / "dj.yaml").read_text(encoding="utf-8")
    assert old in text
    (repo / "dj.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    return ["list"]


def _bad_record(repo: Path, pid: str, old: str, new: str) -> list[str]:
    path = repo / "projects" / "2025" / f"{pid}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return ["show", pid]


QIAN = "{name: 钱评委, email: qian@x.example, unit: 外国语学院党委, roles: [reviewer]}"
BAD_INPUT: dict[str, Any] = {
    "tab in an application": lambda r, t, p: _bad_application(t, "\nleader:", "\n\tleader:"),
    "colon in a title": lambda r, t, p: _bad_application(t, "title: “党员先锋岗”", "title: 党建: “党员先锋岗”"),
    "full-width colon": lambda r, t, p: _bad_application(t, "\nleader: 张三", "\nleader：张三"),
    "unclosed quote": lambda r, t, p: _bad_application(t, "plan: 设立党员先锋岗", 'plan: "设立党员先锋岗'),
    "amount in exponent notation": lambda r, t, p: _bad_application(t, 'amount: "300.00"', "amount: 1e3"),
    "amount with three decimals": lambda r, t, p: _bad_application(t, 'amount: "300.00"', "amount: 300.001"),
    "a bad date": lambda r, t, p: _bad_application(t, "start: 2025-05-01", "start: 2025年5月1日"),
    "Chinese comma in roles": lambda r, t, p: _bad_config(r, QIAN, QIAN.replace("[reviewer]", "[reviewer，judge]")),
    "a role misspelt": lambda r, t, p: _bad_config(r, QIAN, QIAN.replace("[reviewer]", "[reviewr]")),
    "a person without e-mail": lambda r, t, p: _bad_config(r, QIAN, QIAN.replace(" email: qian@x.example,", "")),
    "a field missing in a record": lambda r, t, p: _bad_record(r, p, "\nleader: 张三", ""),
    "a Chinese key in a record": lambda r, t, p: _bad_record(r, p, "\ntitle:", "\n项目名称:"),
    "a status misspelt": lambda r, t, p: _bad_record(r, p, "status: applied", "status: aproved"),
    "a stage that is not a number": lambda r, t, p: _bad_record(r, p, "status: applied", "status: applied\nstages: 两"),
    "a Word closing report": lambda r, t, p: _bad_bytes(t, "结题报告.docx", b"PK\x03\x04" + bytes(30),
                                                       "close", p, "--report", "{file}"),
    "an Excel score sheet": lambda r, t, p: _bad_bytes(t, "评分表.csv", b"PK\x03\x04" + bytes(30),
                                                     "score", "--sheet", "{file}", "--reviewer", "钱评委"),
    "a PDF application": lambda r, t, p: _bad_bytes(t, "申报表.pdf", b"%PDF-1.7\n", "apply", "--from", "{file}"),
    "a GBK application": lambda r, t, p: _bad_bytes(t, "申报表.yaml", "title: 党建\n".encode("gbk"),
                                                   "apply", "--from", "{file}"),
    "a UTF-16 application": lambda r, t, p: _bad_bytes(t, "申报表.yaml", "title: 党建\n".encode("utf-16"),
                                                      "apply", "--from", "{file}"),
    "a huge application": lambda r, t, p: _bad_bytes(t, "申报表.yaml", b"goals: " + b"a" * 2_000_000,
                                                    "apply", "--from", "{file}"),
    "a folder given as a file": lambda r, t, p: ["apply", "--from", str(t)],
    "spending in exponent notation": lambda r, t, p: ["spend", p, "1e3", "宣传栏"],
    "spending NaN": lambda r, t, p: ["spend", p, "NaN", "宣传栏"],
    "--as with someone else's e-mail": lambda r, t, p: ["--as", "钱评委 <li@zzb.example>", "approve", p],
    "--as with nobody's e-mail": lambda r, t, p: ["--as", "钱评委 <nobody@x.example>", "approve", p],
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_is_refused_in_chinese(repo: Path, dj: Dj, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         case: str) -> None:
    monkeypatch.setenv("DJ_NO_FORMS", "1")
    pid = apply_sample(dj)
    args = BAD_INPUT[case](repo, tmp_path, pid)
    r = dj(*args)
    out = r.stdout + r.stderr
    assert r.exit_code in (1, 2), out
    assert "错误" in r.stderr and "请" in r.stderr, out
    assert not ZERO_BASED.search(out), out
    assert_chinese(out, (*args, *FILE_WORDS, "people", "roles", "email", "leader", "title", "status", "amount",
                         "budget", "start", "period", "stages", "reviewer", "reviewr", "judge", "aproved"))


def test_a_defect_of_dj_is_one_chinese_sentence_and_exit_code_3(repo: Path, dj: Dj,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever went wrong inside (here: a reader that fails in a way dj never expects), no Python reaches her."""
    from dangjian_cli import store

    pid = apply_sample(dj)

    def defect(*_args: object) -> None:
        raise TypeError("unsupported operand type(s) for +: 'Decimal' and 'NoneType'")

    monkeypatch.setattr(store, "load_project", defect)
    r = dj("show", pid)
    assert r.exit_code == 3
    assert_chinese(r.stdout + r.stderr, ("DJ", "DEBUG"))


def test_the_check_finds_a_zero_based_place() -> None:
    assert ZERO_BASED.search("字段 people.3.roles.0 取值无效")
    assert not ZERO_BASED.search("文件 dj.yaml 第 18 行：字段 people 第 4 项的 roles（角色）第 1 项，UTF-8，800.50 元")

"""Every help page and every usage mistake a clerk makes reads in Chinese: no English words, no traceback, no
Python type names."""

from __future__ import annotations

import re

import pytest
import typer.main

from conftest import Dj, apply_sample
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
    "cycle", "org", "YYYY-MM-DD",
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
    known = ALLOWED | set(typed) | set(COMMANDS) | set(GROUPS) | set(_subcommands("branch"))
    return found + [w for w in re.findall(r"[A-Za-z][A-Za-z-]*", rest) if w not in known]


def assert_chinese(text: str, typed: tuple[str, ...] = ()) -> None:
    text = re.sub(r"\broot\b", "dj", text)  # the test runner calls the program "root"
    assert "Traceback" not in text
    assert not english(text, typed), (english(text, typed), text)


HELP_PAGES = [[], *[[name] for name in COMMANDS], *[[group] for group in GROUPS],
              *[["branch", sub] for sub in _subcommands("branch")]]


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

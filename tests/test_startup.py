"""Start-up: each command loads only what it needs, and the lazily loaded commands look as they always did."""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from conftest import Dj, apply_sample
from dangjian_cli.cli import COMMANDS
from dangjian_cli.cli.base import app

WORD_AND_SHEETS = ("docx", "docxtpl", "jinja2", "openpyxl")

# Runs dj in a fresh interpreter as the `dj` script does, then lists which of the packages it loaded.
_PROBE = """
import json, sys
from dangjian_cli.cli import app
try:
    app(sys.argv[2:], prog_name="dj")
except SystemExit as e:
    code = e.code
with open(sys.argv[1], "w") as out:
    json.dump({"exit": code, "loaded": sorted(sys.modules)}, out)
"""


def _modules(tmp_path: Path, *args: str, cwd: Path, **env: str) -> list[str]:
    """Every module a `dj ARGS` run imported, checked to have succeeded."""
    report = tmp_path / "loaded.json"
    result = subprocess.run([sys.executable, "-c", _PROBE, str(report), *args], cwd=cwd, capture_output=True,
                            text=True, env={**os.environ, **env})
    found = json.loads(report.read_text(encoding="utf-8"))
    assert found["exit"] in (0, None), result.stderr
    assert "dangjian_cli" in found["loaded"]  # the probe sees our own imports
    return list(found["loaded"])


def _loaded(tmp_path: Path, *args: str, cwd: Path, **env: str) -> tuple[set[str], set[str]]:
    """The top-level packages and dj's command modules a `dj ARGS` run imported."""
    loaded = _modules(tmp_path, *args, cwd=cwd, **env)
    commands = {m.rsplit(".", 1)[1] for m in loaded if m.startswith("dangjian_cli.cli.")}
    commands -= {"base", "chinese"}  # what every command shares
    return {m.split(".")[0] for m in loaded}, commands


def test_help_loads_no_command_model_yaml_writer_word_or_sheet(tmp_path: Path) -> None:
    loaded, commands = _loaded(tmp_path, "--help", cwd=tmp_path)
    assert not loaded & {"pydantic", "ruamel", *WORD_AND_SHEETS}
    assert not commands


def test_show_loads_no_yaml_writer_word_or_sheet_and_no_rich_in_a_pipe(repo: Path, dj: Dj, tmp_path: Path) -> None:
    pid = apply_sample(dj)
    loaded, commands = _loaded(tmp_path, "show", pid, cwd=repo)
    assert not loaded & {"ruamel", "rich", *WORD_AND_SHEETS}
    assert commands == {"reading"}


def test_a_step_without_forms_loads_no_word_or_sheet(repo: Path, dj: Dj, tmp_path: Path) -> None:
    pid = apply_sample(dj)
    loaded, _ = _loaded(tmp_path, "approve", pid, "--doc-no", "党组〔2025〕1号", cwd=repo, DJ_NO_FORMS="1")
    assert not loaded & set(WORD_AND_SHEETS)
    assert "已立项" in dj("show", pid).stdout  # the step did happen


def test_a_step_checks_its_options_without_typers_pydantic_adapters(repo: Path, dj: Dj, tmp_path: Path) -> None:
    """typer would build a pydantic TypeAdapter for every option: text, paths, flags and dj's parsers need none."""
    pid = apply_sample(dj)
    assert dj("approve", pid, "--date", "2025-05-20", "--doc-no", "党组〔2025〕1号").exit_code == 0
    loaded = _modules(tmp_path, "spend", pid, "12.50", "资料费", "--date", "2025-06-01", "--repo", str(repo),
                      cwd=repo, DJ_NO_FORMS="yes")
    assert "typer._adapters" not in loaded
    shown = dj("show", pid).stdout
    assert "12.50" in shown and "资料费" in shown  # the amount reached the record as money, the purpose as text


def test_a_flag_from_the_environment_reads_as_typer_reads_it_and_is_refused_in_chinese(
        repo: Path, dj: Dj, monkeypatch: pytest.MonkeyPatch) -> None:
    pid = apply_sample(dj)
    monkeypatch.setenv("DJ_NO_FORMS", "maybe")
    r = dj("approve", pid, "--date", "2025-05-20", "--doc-no", "党组〔2025〕1号")
    assert r.exit_code == 2
    assert "“maybe”不是是或否" in r.stderr and "Input should" not in r.stderr
    monkeypatch.delenv("DJ_NO_FORMS")
    assert "已申报" in dj("show", pid).stdout
    monkeypatch.setenv("DJ_NO_FORMS", "Off")
    assert dj("approve", pid, "--date", "2025-05-20", "--doc-no", "党组〔2025〕1号").exit_code == 0
    assert (repo / "out" / pid).is_dir()  # "Off" is false: the forms were printed


def test_the_help_lists_every_command_with_the_first_paragraph_of_its_docstring(dj: Dj) -> None:
    listed = dj("--help").stdout
    for name, (_, summary) in COMMANDS.items():
        assert re.search(rf"│ {re.escape(name)} +{re.escape(summary[:8])}", listed), name
    for module in {module for module, _ in COMMANDS.values()}:
        __import__(f"dangjian_cli.cli.{module}")
    registered = {info.name or typer.main.get_command_name(info.callback.__name__): info
                  for info in app.registered_commands if info.callback is not None}
    assert set(registered) == set(COMMANDS)
    for name, (module, summary) in COMMANDS.items():
        callback = registered[name].callback
        assert callback is not None and callback.__module__ == f"dangjian_cli.cli.{module}"
        assert (inspect.getdoc(callback) or "").split("\n\n")[0] == summary, name


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_prints_its_own_help(dj: Dj, name: str) -> None:
    r = dj(name, "--help")
    assert r.exit_code == 0, r.stderr
    assert re.search(rf"用法：\S+ {re.escape(name)} ", r.stdout) and COMMANDS[name][1][:8] in r.stdout


def test_a_mistyped_command_is_a_usage_error_with_a_suggestion(dj: Dj) -> None:
    r = dj("aprove")
    assert r.exit_code == 2
    assert "没有“aprove”这条命令" in r.stderr and " approve？" in r.stderr


def test_a_group_is_listed_and_loaded_like_a_command(dj: Dj, tmp_path: Path) -> None:
    from dangjian_cli.cli import GROUPS

    listed = dj("--help").stdout
    for name, (_, summary) in GROUPS.items():
        assert re.search(rf"│ {re.escape(name)} +{re.escape(summary[:8])}", listed), name
    r = dj("branch", "--help")
    assert r.exit_code == 0 and GROUPS["branch"][1][:8] in r.stdout
    for sub in ("survey", "self-assess", "unit-review", "decide", "recommend", "rectify", "rectified", "list",
                "show", "log", "render", "report"):
        assert re.search(rf"│ {re.escape(sub)} ", r.stdout), sub
        assert dj("branch", sub, "--help").exit_code == 0, sub
    loaded, commands = _loaded(tmp_path, "branch", "--help", cwd=tmp_path)
    assert commands == {"grading", "gradingpaper"}  # the steps and reading, and the paperwork
    assert not loaded & {"ruamel", *WORD_AND_SHEETS}
    assert " branch？" in dj("brnch").stderr

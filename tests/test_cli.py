"""The command line as a user meets it: exit codes, one-sentence errors, JSON, fast start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DATA, Dj, apply_sample


def _python_dj(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-X", "importtime", "-m", "dangjian_cli", *args], cwd=cwd,
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})


@pytest.mark.parametrize("args", [["list"], ["show", "2025-机电-001"], ["check"], ["--help"], ["log", "2025-机电-001"]])
def test_read_only_commands_import_neither_docx_nor_jinja2(repo: Path, dj: Dj, args: list[str]) -> None:
    """Read-only commands start fast: no Word, template or YAML-writing machinery loaded."""
    apply_sample(dj)
    result = _python_dj(*args, cwd=repo)
    assert result.returncode == 0, result.stderr
    imported = {line.split("|")[-1].strip().split(".")[0] for line in result.stderr.splitlines()
                if line.startswith("import time:")}
    assert "dangjian_cli" in imported  # the check itself sees our imports
    assert not imported & {"docx", "docxtpl", "jinja2", "openpyxl", "ruamel"}


def test_python_m_runs_the_same_program(repo: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "dangjian_cli", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("dj ")


def test_an_expected_failure_is_one_chinese_sentence_and_exit_1(repo: Path, dj: Dj) -> None:
    r = dj("show", "2025-机电-099")
    assert r.exit_code == 1
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "没有编号为 2025-机电-099 的项目" in lines[0] and "dj list" in lines[0]


def test_outside_a_data_repository_the_user_is_told_what_to_do(tmp_path: Path, dj: Dj,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = dj("list")
    assert r.exit_code == 1 and "dj.yaml" in r.stderr and "dj init" in r.stderr


@pytest.mark.parametrize("args, fragment", [
    (["approve"], "缺少编号"),
    (["approve", "2025-机电-001", "--date", "2025-13-01"], "YYYY-MM-DD"),
    (["approve", "2025-机电-001", "--funding", "一千"], "金额"),
    (["list", "--status", "进行中"], "没有“进行中”这个状态"),
    (["reject", "2025-机电-001"], "--reason"),
])
def test_usage_errors_keep_exit_code_2(repo: Path, dj: Dj, args: list[str], fragment: str) -> None:
    r = dj(*args)
    assert r.exit_code == 2
    assert fragment in r.stderr


def test_show_json_has_the_same_keys_as_the_yaml(repo: Path, dj: Dj) -> None:
    import yaml

    pid = apply_sample(dj)
    shown = json.loads(dj("show", pid, "--json").stdout)
    stored = yaml.load((repo / "projects" / "2025" / f"{pid}.yaml").read_text(encoding="utf-8"),
                       Loader=yaml.BaseLoader)
    assert list(shown) == list(stored)
    assert shown["budget"] == [{"item": "安全标识制作", "amount": "300.00"},
                               {"item": "培训资料", "amount": "450.50"}]
    assert shown["period"] == {"start": "2025-05-01", "end": "2026-06-30"}


def test_list_filters_by_status_unit_type_and_category(repo: Path, dj: Dj) -> None:
    first = apply_sample(dj)
    second = apply_sample(dj, "--type", "制度推广型", "--category", "党员教育管理")
    other = apply_sample(dj, "--unit", "外国语学院党委", "--branch", "外国语学院教工党支部")
    assert dj("approve", first, "--date", "2025-05-20").exit_code == 0

    def ids(*args: str) -> list[str]:
        return [p["id"] for p in json.loads(dj("list", "--json", *args).stdout)]

    assert ids() == [other, first, second]  # id order: 外 (U+5916) sorts before 机 (U+673A)
    assert ids("--status", "已立项") == [first]
    assert ids("--status", "applied") == sorted([second, other])
    assert ids("--unit", "外语") == [other]
    assert ids("--type", "制度推广型") == [second]
    assert ids("--category", "党员教育管理") == [second]
    table = dj("list").stdout
    assert "“党员先锋岗”引领实验室安全管理" in table and "已立项" in table


def test_show_says_what_can_be_done_next(repo: Path, dj: Dj) -> None:
    pid = apply_sample(dj)
    out = dj("show", pid).stdout
    assert "下一步可以" in out
    assert f"dj approve {pid}" in out and f"dj return {pid}" in out
    assert "合计：750.50 元" in out  # 300.00 + 450.50


def test_apply_from_a_file_with_options_overriding(repo: Path, dj: Dj) -> None:
    r = dj("apply", "--from", str(DATA / "application.yaml"), "--title", "新名称", "--date", "2025-05-06")
    assert r.exit_code == 0, r.stderr
    assert "2025-机电-001" in r.stdout and "《新名称》" in r.stdout


def test_apply_with_missing_fields_names_them(repo: Path, dj: Dj) -> None:
    r = dj("apply", "--title", "只有名称", "--unit", "机电学院党委")
    assert r.exit_code == 1
    assert "申报内容不完整" in r.stderr and "branch" in r.stderr
    assert not (repo / "projects").exists()


def test_check_json_lists_problems_for_bots(repo: Path, dj: Dj) -> None:
    pid = apply_sample(dj)
    path = repo / "projects" / "2025" / f"{pid}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("unit: 机电学院党委", "unit: 不存在的学院党委"),
                    encoding="utf-8")
    r = dj("check", "--json")
    assert r.exit_code == 1
    problems = json.loads(r.stdout)
    assert problems[0]["file"] == f"projects/2025/{pid}.yaml" and "unit" in problems[0]["message"]


def test_apply_takes_the_unit_code_a_clerk_types_and_records_its_name(repo: Path, dj: Dj) -> None:
    pid = apply_sample(dj, "--unit", "外语", "--branch", "外国语学院教工党支部")
    assert pid == "2025-外语-001"
    assert json.loads(dj("show", pid, "--json").stdout)["unit"] == "外国语学院党委"
    wrong = dj("apply", "--from", str(DATA / "application.yaml"), "--unit", "外院", "--date", "2025-05-06")
    assert wrong.exit_code == 1
    assert "单位“外院”不在 dj.yaml 的 units 中" in wrong.stderr and "外国语学院党委（外语）" in wrong.stderr


def test_mid_check_takes_its_conclusion_in_chinese(repo: Path, dj: Dj, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJ_NO_FORMS", "1")
    pid = apply_sample(dj)
    assert dj("approve", pid, "--doc-no", "党组〔2025〕1号", "--date", "2025-05-20").exit_code == 0
    unknown = dj("mid-check", pid, "--result", "不合格", "--date", "2026-03-10")
    assert unknown.exit_code == 2 and "“不合格”不是检查结论；请写 通过（pass）或 整改（rectify）" in unknown.stderr
    r = dj("mid-check", pid, "--result", "整改", "--issues", "活动记录不全", "--deadline", "2026-04-15",
           "--date", "2026-03-10")
    assert r.exit_code == 0, r.stderr
    shown = json.loads(dj("show", pid, "--json").stdout)
    assert shown["status"] == "rectifying" and shown["mid_checks"][-1]["result"] == "rectify"

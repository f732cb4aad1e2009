"""`dj new`: the examples a branch copies, which dj itself then accepts, and the schema that hints them."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from conftest import Dj, git
from dangjian_cli.handedin import parse_closing_report
from dangjian_cli.model import CLOSING_SECTIONS


def test_the_application_example_is_applied_as_it_stands(repo: Path, dj: Dj) -> None:
    r = dj("new", "申报书")
    assert r.exit_code == 0, r.stderr
    assert "dj apply --from 申报书.yaml" in r.stdout
    text = (repo / "申报书.yaml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=schemas/application.schema.json\n")
    assert "# 项目类别，可选：" in text  # the choices come from this repository's dj.yaml

    applied = dj("apply", "--from", "申报书.yaml", "--date", "2025-05-06", "--json")
    assert applied.exit_code == 0, applied.stderr
    shown = json.loads(dj("show", json.loads(applied.stdout)["id"], "--json").stdout)
    assert shown["title"] == "示例：“党员先锋岗”引领实验室安全管理"
    assert [line["amount"] for line in shown["budget"]] == ["300.00", "450.50"]
    assert shown["background"] == "实验室安全是学院工作的重中之重。\n\n党员教师在安全管理中应发挥先锋作用。\n"


def test_the_application_schema_hints_exactly_what_an_application_holds(repo: Path, dj: Dj) -> None:
    assert dj("schema").exit_code == 0
    schema = json.loads((repo / "schemas" / "application.schema.json").read_text(encoding="utf-8"))
    assert dj("new", "application", "材料/机电-申报书.yaml").exit_code == 0
    example = yaml.safe_load((repo / "材料" / "机电-申报书.yaml").read_text(encoding="utf-8"))
    assert set(example) <= set(schema["properties"]) and set(schema["required"]) <= set(example)
    assert {"id", "status", "approval", "scores"}.isdisjoint(schema["properties"])  # dj's to write
    assert schema["properties"]["title"]["title"] == "项目名称"
    first = (repo / "材料" / "机电-申报书.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schemas/application.schema.json"


def test_the_report_example_has_the_four_sections_dj_close_reads(repo: Path, dj: Dj) -> None:
    assert dj("new", "结题报告").exit_code == 0
    sections = parse_closing_report((repo / "结题报告.md").read_text(encoding="utf-8"))
    assert set(sections) == set(CLOSING_SECTIONS)
    assert all(text.startswith("（在这里写") for text in sections.values())


def test_an_example_never_overwrites_a_file_and_an_unknown_kind_is_named(repo: Path, dj: Dj) -> None:
    (repo / "申报书.yaml").write_text("title: 我写了一半\n", encoding="utf-8")
    r = dj("new", "application")
    assert r.exit_code == 1 and "申报书.yaml 已经存在" in r.stderr
    assert (repo / "申报书.yaml").read_text(encoding="utf-8") == "title: 我写了一半\n"
    r = dj("new", "合同")
    assert r.exit_code == 1 and "dj new 不认识“合同”" in r.stderr
    assert git(repo, "status", "--porcelain") == "?? 申报书.yaml\n"


def test_outside_a_repository_the_example_uses_the_college_preset(tmp_path: Path, dj: Dj,
                                                                  monkeypatch: object) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.chdir(tmp_path)
    assert dj("new", "申报书").exit_code == 0
    text = (tmp_path / "申报书.yaml").read_text(encoding="utf-8")
    assert not text.startswith("# yaml-language-server")  # no repository, no schema to name
    assert "可选：作风建设、发展党员质量" in text

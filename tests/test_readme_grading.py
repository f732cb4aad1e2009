"""The README's 党支部分类定级 section, run line by line in a fresh repository as a clerk would type it.

Each ```bash line must succeed. In a ```console block each `$ ` line is run and the lines under it are what
it prints: each must appear in the output (`…` stands for what differs between runs, such as commit ids and
folders); an expected `错误：` line means the command is refused (exit 1) with that one sentence. The branch
materials the section describes (the survey files and score sheets of its table) are made from the section itself.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import CLERK, Dj, git
from dangjian_cli import store
from dangjian_cli.config import Config
from dangjian_cli.demo import spread
from dangjian_cli.grading import final_score

ROOT = Path(__file__).resolve().parents[1]
FACTS = {"organisation": "按年级设置，设置合理", "committee": "支委 3 人，分工明确", "rules": "制度健全",
         "plan": "思路清晰", "activities": "每月开展一次主题党日", "role": "作用发挥较好", "support": "有活动室"}


def section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("\n## 党支部分类定级\n")
    return text[start: text.index("\n## ", start + 1)]


def blocks(text: str) -> list[tuple[str, str]]:
    return re.findall(r"^```(\w+)\n(.*?)^```$", text, flags=re.M | re.S)


def branch_table(text: str) -> list[dict[str, str]]:
    """The section's table of branches and their three totals."""
    lines = [line for line in text.splitlines() if line.startswith("| 2026-")]
    heads = ("id", "name", "kind", "secretary", "last", "self", "unit", "committee", "final", "band")
    return [dict(zip(heads, (c.strip() for c in line.strip("|").split("|")), strict=True)) for line in lines]


def materials(folder: Path, config: Config, rows: list[dict[str, str]]) -> None:
    """What the branches hand in, as the section describes it: a survey file, three score sheets, a report."""
    g = config.grading
    assert g is not None
    folder.mkdir()
    for row in rows:
        short = row["id"].split("-")[-1]
        survey = {"unit": "机电学院党委", "name": row["name"], "kind": row["kind"], "members": 30,
                  "committee": [row["secretary"], "甲", "乙"], "secretary": row["secretary"], "survey": FACTS}
        (folder / f"{short}-调查摸底.yaml").write_text(yaml.safe_dump(survey, allow_unicode=True), encoding="utf-8")
        rubric = g.rubric_for(row["kind"])
        assert rubric is not None
        for step, label in (("self", "自评"), ("unit", "初评"), ("committee", "考评")):
            sheet = "".join(f"{k}: {v}\n" for k, v in spread(rubric, row[step]).items())
            (folder / f"{short}-{label}.yaml").write_text(sheet, encoding="utf-8")
        (folder / f"{short}-自我评价报告.md").write_text("一年来，支部认真落实“三会一课”制度。\n", encoding="utf-8")


def expected(line: str) -> re.Pattern[str]:
    words = " ".join(line.split())
    return re.compile(".*".join(re.escape(part) for part in words.split("…")))


def run(dj: Dj, command: str, shown: list[str], where: list[Path]) -> None:
    argv = shlex.split(command, comments=True)
    if argv[0] == "cd":
        where[0] = (where[0] / argv[1]).resolve()
        return
    if argv[0] == "git":
        subprocess.run(argv, cwd=where[0], check=True, capture_output=True)
        return
    assert argv[0] == "dj", command
    import os

    os.chdir(where[0])
    r = dj(*argv[1:])
    refusal = any(line.startswith("错误：") for line in shown)
    assert r.exit_code == (1 if refusal else 0), (command, r.stdout, r.stderr)
    said = [" ".join(line.split()) for line in (r.stderr if refusal else r.stdout).splitlines()]
    if refusal:
        assert " ".join(r.stderr.split()).count("。") == 1 and "Traceback" not in r.stderr, r.stderr
    for line in shown:
        pattern = expected(line)
        assert any(pattern.fullmatch(s) for s in said), (command, line, said)


def test_the_readme_grading_round_runs_as_written(tmp_path: Path, dj: Dj, monkeypatch: pytest.MonkeyPatch) -> None:
    text = section()
    git(tmp_path, "config", "--global", "user.name", CLERK[0])
    git(tmp_path, "config", "--global", "user.email", CLERK[1])
    work = tmp_path / "work"
    work.mkdir()
    where = [work]
    rows = branch_table(text)
    assert len(rows) == 5
    ran = 0
    for lang, body in blocks(text):
        if lang == "yaml" and body.startswith("units:"):  # step 1: the clerk's own units and people
            config = where[0] / "dj.yaml"
            old = config.read_text(encoding="utf-8")
            start, end = old.index("\nunits:") + 1, old.index("\nacceptance:") + 1  # the preset's examples
            config.write_text(old[:start] + body + "\n" + old[end:], encoding="utf-8")
            materials(work / "材料", store.load_config(where[0]), rows)
            continue
        if lang == "bash":
            for line in body.splitlines():
                if line.strip() and not line.startswith("#"):
                    run(dj, line, [], where)
                    ran += 1
        if lang == "console":
            for chunk in re.split(r"^\$ ", body, flags=re.M)[1:]:
                command, *shown = chunk.rstrip("\n").split("\n")
                run(dj, command, shown, where)
                ran += 1
    assert ran >= 35
    repo = where[0]
    # the table's arithmetic is the rule's
    config = store.load_config(repo)
    assert config.grading is not None
    from decimal import Decimal

    for row in rows:
        final = final_score(config.grading, Decimal(row["self"]), Decimal(row["unit"]), Decimal(row["committee"]))
        assert row["final"].endswith(f"= {final}") and config.grading.band(final) == row["band"], row
        assert store.load_branch(repo, row["id"]).decision.final == final  # type: ignore[union-attr]
    from docx import Document
    from openpyxl import load_workbook

    table = Document(str(repo / "out" / "2026-分类定级汇总表.docx")).tables[0]
    summary = [[c.text for c in r.cells] for r in table.rows]
    assert summary[-1] == ["合计", "5", "1", "20.0%", "2", "40.0%", "1", "20.0%", "1", "20.0%", "0"]
    sheet = load_workbook(repo / "2026年整改汇总表.xlsx")["整改汇总"]
    assert [sheet.cell(r, 3).value for r in (3, 4)] == ["2026-机电-支02", "2026-机电-支05"]
    assert git(repo, "status", "--porcelain", "branches") == ""

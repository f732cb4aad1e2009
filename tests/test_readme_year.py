"""The README's 组织部干事的一年, run line by line in a fresh folder as a new clerk would type it.

Every line of every ```sh block is run, in order, and must succeed: `dj …` through the real CLI, `git …` and
`cd` as a shell would. The two ```yaml blocks are what the section says to put into dj.yaml (its `units`, and the
people added under `people`); the ```csv block is the score sheet the next `--sheet` names; the closing report is
the one `dj new 结题报告` writes, with each of its sections filled in as the section says. What the section
claims along the way (the numbers dj gives, the prizes, the promoted project's number) is checked by hand below.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from conftest import CLERK, Dj, git

ROOT = Path(__file__).resolve().parents[1]


def section() -> str:
    """From the section's heading to the next one (a `## ` inside a code block, as in the report's, is no heading)."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index("## 组织部干事的一年\n")
    fenced = False
    for end in range(start + 1, len(lines)):
        fenced ^= lines[end].startswith("```")
        if not fenced and lines[end].startswith("## "):
            break
    return "".join(lines[start:end])


def blocks(text: str) -> list[tuple[str, str]]:
    return re.findall(r"^```(\w+)\n(.*?)^```$", text, flags=re.M | re.S)


def commands(body: str) -> list[list[str]]:
    """A block's command lines, joined where a line ends in `\\`, split as a shell would, comments dropped."""
    return [shlex.split(line, comments=True) for line in body.replace("\\\n", " ").splitlines()
            if shlex.split(line, comments=True)]


def put_units(config: Path, units: str) -> None:
    """The section's `units:` block in place of the preset's, keeping everything else of dj.yaml."""
    text = config.read_text(encoding="utf-8")
    new, count = re.subn(r"^units:\n(?:[ -].*\n|\n)*", lambda _: units + "\n", text, count=1, flags=re.M)
    assert count == 1
    config.write_text(new, encoding="utf-8")


def add_people(config: Path, people: str) -> None:
    """The section's people, under the clerk dj init wrote."""
    lines = config.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index("people:\n")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].strip() and not lines[i].startswith(" "))
    while not lines[end - 1].strip():
        end -= 1
    config.write_text("".join(lines[:end]) + people + "".join(lines[end:]), encoding="utf-8")


def fill_in(report: Path) -> None:
    """What a branch writes under each heading of the example report."""
    text = report.read_text(encoding="utf-8")
    filled, count = re.subn(r"^（在这里写(.+)）$", lambda m: f"本支部按计划完成了{m.group(1)}的各项工作。", text,
                            flags=re.M)
    assert count == 4
    report.write_text(filled, encoding="utf-8")


@pytest.fixture
def clerk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    git(tmp_path, "config", "--global", "user.name", CLERK[0])
    git(tmp_path, "config", "--global", "user.email", CLERK[1])
    monkeypatch.setenv("DJ_NO_FORMS", "1")  # forms are not what this story is about
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_clerks_year_runs_as_written(clerk: Path, dj: Dj, monkeypatch: pytest.MonkeyPatch) -> None:
    said: list[tuple[list[str], str]] = []
    yaml_blocks: list[str] = []
    sheet = ""
    for kind, body in blocks(section()):
        if kind == "yaml":
            yaml_blocks.append(body)
            if len(yaml_blocks) == 1:
                put_units(Path("dj.yaml"), body)
            else:
                add_people(Path("dj.yaml"), body)
            continue
        if kind == "csv":
            sheet = body
            continue
        if kind != "sh":
            continue
        for argv in commands(body):
            if argv[0] == "cd":
                monkeypatch.chdir(argv[1])
            elif argv[0] == "git":
                subprocess.run(argv, check=True, capture_output=True)
            else:
                assert argv[0] == "dj", argv
                if "--sheet" in argv:
                    Path(argv[argv.index("--sheet") + 1]).write_text(sheet, encoding="utf-8")
                if "--report" in argv and "（在这里写" in Path(argv[argv.index("--report") + 1]).read_text("utf-8"):
                    fill_in(Path(argv[argv.index("--report") + 1]))
                r = dj(*argv[1:])
                assert r.exit_code == 0, (argv, r.stdout, r.stderr)
                said.append((argv, r.stdout))
    assert len(yaml_blocks) == 2 and sheet

    # The numbers the section promises, in the order it files the applications.
    applied = [out for argv, out in said if argv[1] == "apply"]
    numbers = [re.search(r"\d{4}-[^\s《]+-\d{3}", out).group(0) for out in applied]  # type: ignore[union-attr]
    assert numbers == ["2025-机电-001", "2025-机电-002", "2025-机电-003", "2025-机电-004", "2025-外语-001",
                       "2025-机关-001"]

    def show(pid: str) -> dict[str, object]:
        return dict(json.loads(dj("show", pid, "--json").stdout))

    first = show("2025-机电-001")
    # 86 from 钱评委 and 86 from 孙评委: 86.00, passed, and above the 85 of 优秀成果
    assert first["status"] == "accepted"
    result = first["result"]
    assert isinstance(result, dict) and result["total"] == "86.00" and result["award"] == "优秀成果"
    assert show("2025-外语-001")["result"]["award"] == "优秀成果"  # type: ignore[index]  # 85 from 孙评委
    assert [s["amount"] for s in first["spending"]] == ["380.00"]  # type: ignore[union-attr]
    assert first["competition"]["award"] == "基层党建工作创新项目奖"  # type: ignore[index]  # 87, the best of three
    assert show("2025-机电-002")["status"] == "draft"
    assert show("2025-机电-003")["status"] == "rejected"
    assert show("2025-机电-004")["status"] == "terminated"
    assert show("2025-机关-001")["approval"]["funding"] == "800.00"  # type: ignore[index]
    promoted = show("2026-机电-001")
    assert promoted["parent"] == "2025-机电-001" and promoted["type"] == "典型示范型"
    assert (clerk / "党建项目" / "2025年度台账.xlsx").is_file()
    assert git(clerk / "党建项目", "status", "--porcelain", "--untracked-files=no") == ""

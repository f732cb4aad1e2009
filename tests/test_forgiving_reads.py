"""One broken file does not hide the others: read commands skip it and say so; award decides nothing meanwhile."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from conftest import Dj, apply_sample, git
from test_grading_story import CLERK, FACTS, college  # noqa: F401 (college: the fixture)
from test_panels import AWARDS_001, accepted, add_judges, extend_config, record, running


@pytest.fixture
def broken(repo: Path, dj: Dj, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], str]:
    """Three 2025 applications, the second's file then broken by a hand edit (a tab where YAML wants spaces)."""
    monkeypatch.setenv("DJ_NO_FORMS", "1")
    ids = [apply_sample(dj), apply_sample(dj), apply_sample(dj, "--unit", "外国语学院党委",
                                                              "--branch", "外国语学院教工党支部")]
    path = repo / "projects" / "2025" / f"{ids[1]}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("title:", "title:\t[", 1), encoding="utf-8")
    return ids, f"projects/2025/{ids[1]}.yaml"


def warnings(stderr: str, path: str) -> list[str]:
    lines = stderr.splitlines()
    assert all(path in line for line in lines), stderr  # nothing but the warning about that file
    return lines


def test_list_prints_the_readable_projects_and_warns_once(repo: Path, dj: Dj, broken: tuple[list[str], str]) -> None:
    (first, bad, third), path = broken
    r = dj("list")
    assert r.exit_code == 1
    assert first in r.stdout and third in r.stdout and bad not in r.stdout
    assert "（2 个）" in r.stdout
    (line,) = warnings(r.stderr, path)
    assert "dj check" in line and "跳过" in line
    r = dj("list", "--json")
    assert r.exit_code == 1 and sorted(p["id"] for p in json.loads(r.stdout)) == sorted([first, third])


def test_due_and_stats_count_the_rest(repo: Path, dj: Dj, broken: tuple[list[str], str]) -> None:
    extend_config(repo, "calendar: {review_by: 2025-06-15}\n")
    (first, bad, third), path = broken
    r = dj("due", "--today", "2025-06-01")
    assert r.exit_code == 1
    assert first in r.stdout and third in r.stdout and bad not in r.stdout
    assert len(warnings(r.stderr, path)) == 1
    r = dj("stats", "--json")
    assert r.exit_code == 1 and len(warnings(r.stderr, path)) == 1
    assert json.loads(r.stdout)["projects"]["按状态"]["已申报"] == 2


def test_report_writes_the_ledger_of_the_rest(repo: Path, dj: Dj, broken: tuple[list[str], str],
                                              tmp_path: Path) -> None:
    (first, bad, third), path = broken
    target = tmp_path / "台账.csv"
    r = dj("report", "--out", str(target))
    assert r.exit_code == 1 and len(warnings(r.stderr, path)) == 1
    assert "2 个项目" in r.stdout and "跳过 1 个" in r.stdout
    text = target.read_text(encoding="utf-8-sig")
    assert first in text and third in text and bad not in text


def test_render_all_makes_the_forms_of_the_rest(repo: Path, dj: Dj, broken: tuple[list[str], str]) -> None:
    (first, bad, third), path = broken
    r = dj("render", "--all", "--form", "申报表")
    assert r.exit_code == 1 and len(warnings(r.stderr, path)) == 1
    assert (repo / "out" / first / f"{first}-申报表.docx").is_file()
    assert (repo / "out" / third / f"{third}-申报表.docx").is_file()
    assert not (repo / "out" / bad).exists()


def test_award_decides_nothing_while_a_file_of_its_year_is_broken(repo: Path, dj: Dj) -> None:
    extend_config(repo, AWARDS_001)
    first, second = accepted(dj, 90), accepted(dj, 88)
    path = repo / "projects" / "2025" / f"{second}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("status: accepted", "status: 已验收"), encoding="utf-8")
    head = git(repo, "rev-parse", "HEAD")
    for args in (("award", "--date", "2025-07-01"), ("award", "--dry-run")):
        r = dj(*args)
        assert r.exit_code == 1
        assert f"projects/2025/{second}.yaml" in r.stderr and "dj check" in r.stderr
        assert "排名" not in r.stdout
    assert git(repo, "rev-parse", "HEAD") == head and "award:" not in record(repo, first)


# --- rankings the panel can read ----------------------------------------------------------


def test_a_dry_run_with_a_tie_shows_the_ranking_and_what_the_panel_decides(repo: Path, dj: Dj) -> None:
    extend_config(repo, AWARDS_001)  # three 优秀成果 from 85 up
    ids = {name: accepted(dj, total) for name, total in (("a", 95), ("b", 90), ("c", 87), ("d", 87), ("e", 80))}
    title = "“党员先锋岗”引领实验室安全管理"  # tests/data/application.yaml
    head = git(repo, "rev-parse", "HEAD")
    r = dj("award", "--dry-run")
    assert r.exit_code == 0, r.stderr
    rows = {line.split()[1]: line for line in r.stdout.splitlines() if line.split()[1:2] and
            line.split()[1] in ids.values()}
    assert set(rows) == {ids["a"], ids["b"], ids["c"], ids["d"]}  # 80 is below the 85 line
    assert all(line.rstrip().endswith(title) for line in rows.values())
    assert "优秀成果" in rows[ids["a"]] and "优秀成果" in rows[ids["b"]]
    for tied in (ids["c"], ids["d"]):
        assert "同分" in rows[tied] and "待议定" in rows[tied], rows[tied]
    assert "同分" not in rows[ids["a"]] and "待议定" not in rows[ids["b"]]
    decide = r.stdout.splitlines()[-1]
    assert "未写入" in decide and "评审组须议定" in decide and ids["c"] in decide and "--order" in decide
    assert git(repo, "rev-parse", "HEAD") == head

    r = dj("award", "--date", "2025-07-01")
    assert r.exit_code == 1 and "待议定" in r.stdout and "--order" in r.stderr
    assert git(repo, "rev-parse", "HEAD") == head

    r = dj("award", "--order", f"{ids['d']}，{ids['c']}", "--date", "2025-07-01")  # a Chinese comma
    assert r.exit_code == 0, r.stderr
    assert "award: 优秀成果" in record(repo, ids["d"]) and "award:" not in record(repo, ids["c"])
    assert "待议定" not in r.stdout and title in r.stdout


def test_the_ledger_holds_the_competition_prize(repo: Path, dj: Dj, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJ_NO_FORMS", "1")
    add_judges(repo)  # one prize, 基层党建工作创新项目奖, judged on innovation and effect
    winner, other = running(dj), running(dj)
    for pid in (winner, other):
        assert dj("recommend", pid, "--date", "2025-05-28").exit_code == 0
    assert dj("shortlist", winner, other, "--date", "2025-06-10").exit_code == 0
    for pid, (a, b) in ((winner, (45, 45)), (other, (30, 30))):
        for judge in ("褚教授", "秦书记"):
            assert dj("score", pid, "--round", "defense", "--reviewer", judge, "--item", f"innovation={a}",
                      "--item", f"effect={b}", "--date", "2025-06-18").exit_code == 0
    assert dj("award", "--competition", "--date", "2025-06-25").exit_code == 0
    text = tmp_path / "台账.csv"
    assert dj("report", "--out", str(text)).exit_code == 0
    header, *rows = [line.split(",") for line in text.read_text(encoding="utf-8-sig").splitlines()]
    column = header.index("创新项目评比")
    prizes = {row[0]: row[column] for row in rows}
    assert prizes == {winner: "基层党建工作创新项目奖", other: ""}
    word = tmp_path / "台账.docx"
    assert dj("report", "--out", str(word)).exit_code == 0
    document = zipfile.ZipFile(word).read("word/document.xml").decode("utf-8")
    assert document.count("基层党建工作创新项目奖") == 1


# --- branch records (004) -----------------------------------------------------------------


@pytest.mark.usefixtures("college")  # test_grading_story's college, forms off; cwd is its root
def test_a_broken_branch_record_is_skipped_and_rounds_are_years(dj: Dj) -> None:
    root = Path.cwd()
    facts = [x for fact in FACTS for x in ("--fact", fact)]
    ids = []
    for name in ("机电学生第一党支部", "机电学生第二党支部"):
        r = dj("--as", CLERK, "branch", "survey", "--unit", "机电学院党委", "--name", name, "--kind", "student",
               "--members", "30", "--committee", "甲、乙、丙", "--secretary", "甲", *facts, "--date", "2026-03-25")
        assert r.exit_code == 0, r.stderr
        ids.append(r.stdout.strip().splitlines()[-1])
    path = root / "branches" / "2026" / f"{ids[1]}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("name:", "name: [", 1), encoding="utf-8")
    shown = f"branches/2026/{ids[1]}.yaml"
    r = dj("stats", "--json")
    assert r.exit_code == 1 and len(warnings(r.stderr, shown)) == 1
    assert json.loads(r.stdout)["grading"]  # the readable record is counted
    r = dj("due", "--today", "2026-03-26")
    assert r.exit_code == 1 and len(warnings(r.stderr, shown)) == 1
    assert r.stdout.strip()
    r = dj("stats", "--round", "2O26")
    assert r.exit_code == 2 and "2026" in r.stderr
    r = dj("stats", "--round", "2019")
    assert r.exit_code == 1 and "可选：2026" in r.stderr
    r = dj("branch", "report", "--round", "../2026")
    assert r.exit_code == 2 and "四位数字" in r.stderr

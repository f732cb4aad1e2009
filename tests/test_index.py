"""The index of summaries under .git/dj/: whatever happened to the files, it answers as reading every file would."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import DATA, Dj, apply_sample, git
from dangjian_cli import index, store
from dangjian_cli.model import Project, Status
from dangjian_cli.summary import Summary, summarize

DB = Path(".git/dj/index.sqlite3")


@pytest.fixture
def three(repo: Path, dj: Dj, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Three applications, the first approved: a repository with a warm index."""
    monkeypatch.setenv("DJ_NO_FORMS", "1")
    ids = [apply_sample(dj), apply_sample(dj, "--type", "制度推广型"),
           apply_sample(dj, "--unit", "外国语学院党委", "--branch", "外国语学院教工党支部")]
    assert dj("approve", ids[0], "--date", "2025-05-20").exit_code == 0
    assert dj("list").exit_code == 0  # warms the index
    assert (repo / DB).is_file()
    return ids


def by_reading(root: Path) -> list[Summary]:
    """The truth: every project file read and summarized, no index involved."""
    out = []
    for path in store.project_files(root):
        shown = store.display(path, root)
        project = store.validate(Project, store.read_yaml(path, shown), shown)
        out.append(summarize(shown, project, index.blob_id(path.read_bytes())))
    return out


def same_as_reading(root: Path) -> list[Summary]:
    found = index.load(root).summaries()
    assert found == by_reading(root)
    return found


def path_of(root: Path, pid: str) -> Path:
    return store.project_path(root, pid)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def poison(root: Path, pid: str, title: str) -> None:
    """Put a wrong title into the index for the file as it stands: what a stale cache would answer."""
    with sqlite3.connect(root / DB) as db:
        changed = db.execute("UPDATE files SET title = ? WHERE path = ?",
                             (title, f"projects/2025/{pid}.yaml")).rowcount
        db.execute("DELETE FROM listing")  # else the listing's stored summaries answer first
    assert changed >= 1


def test_summaries_hold_what_the_records_say(repo: Path, three: list[str]) -> None:
    first = same_as_reading(repo)[[s.id for s in by_reading(repo)].index(three[0])]
    # by hand: the sample application (tests/data/application.yaml), approved with the standard funding
    assert first.title == "“党员先锋岗”引领实验室安全管理"
    assert first.status is Status.approved and first.unit == "机电学院党委"
    assert first.granted == Decimal("1000.00") and first.spent == Decimal("0.00") and first.balance == 1000
    assert first.path == f"projects/2025/{three[0]}.yaml"


def test_the_index_is_used_when_nothing_changed(repo: Path, dj: Dj, three: list[str]) -> None:
    """Shows the tests below are meaningful: a poisoned entry for an unchanged file is what dj answers."""
    poison(repo, three[1], "缓存里的旧名称")
    assert "缓存里的旧名称" in dj("list").stdout


def test_a_file_edited_in_the_work_tree_is_read_again(repo: Path, dj: Dj, three: list[str]) -> None:
    poison(repo, three[1], "缓存里的旧名称")
    edit(path_of(repo, three[1]), "title: “党员先锋岗”引领实验室安全管理", "title: 改过的名称")
    assert "改过的名称" in dj("list").stdout and "缓存里的旧名称" not in dj("list").stdout
    same_as_reading(repo)


def test_an_edit_keeping_size_and_time_is_seen(repo: Path, three: list[str]) -> None:
    path = path_of(repo, three[1])
    before = path.stat()
    edit(path, "安全管理", "安全治理")  # same length in UTF-8
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    assert [s.title for s in same_as_reading(repo) if s.id == three[1]] == ["“党员先锋岗”引领实验室安全治理"]


def test_a_staged_and_a_committed_edit_are_seen(repo: Path, three: list[str]) -> None:
    path = path_of(repo, three[2])
    edit(path, "title: “党员先锋岗”", "title: 暂存的“党员先锋岗”")
    git(repo, "add", str(path))
    same_as_reading(repo)
    edit(path, "title: 暂存的", "title: 提交的")
    git(repo, "commit", "-qam", "改名称")
    assert any(s.title.startswith("提交的") for s in same_as_reading(repo))


def test_files_added_removed_and_renamed(repo: Path, dj: Dj, three: list[str]) -> None:
    added = path_of(repo, "2025-机电-009")
    added.write_text(path_of(repo, three[0]).read_text(encoding="utf-8").replace(three[0], "2025-机电-009"),
                     encoding="utf-8")
    assert "2025-机电-009" in [s.id for s in same_as_reading(repo)]  # untracked
    path_of(repo, three[1]).unlink()
    assert three[1] not in [s.id for s in same_as_reading(repo)]  # deleted, not staged
    git(repo, "rm", "-q", str(path_of(repo, three[2])))
    git(repo, "mv", str(path_of(repo, three[0])), "projects/2025/2025-机电-010.yaml")
    found = same_as_reading(repo)
    assert [s.path for s in found] == ["projects/2025/2025-机电-009.yaml", "projects/2025/2025-机电-010.yaml"]
    # the renamed file still says it is three[0]: dj check names the mismatch from the index too
    r = dj("check")
    assert r.exit_code == 1 and f"编号 {three[0]} 应保存在 projects/2025/{three[0]}.yaml" in r.stderr


def test_switching_branches(repo: Path, dj: Dj, three: list[str]) -> None:
    git(repo, "checkout", "-qb", "other")
    edit(path_of(repo, three[1]), "title: “党员先锋岗”", "title: 分支上的“党员先锋岗”")
    git(repo, "rm", "-q", str(path_of(repo, three[2])))
    git(repo, "commit", "-qam", "分支上的修改")
    assert len(same_as_reading(repo)) == 2
    git(repo, "checkout", "-q", "main")
    assert [s.title for s in same_as_reading(repo) if s.id == three[1]] == ["“党员先锋岗”引领实验室安全管理"]
    assert len(same_as_reading(repo)) == 3
    assert three[2] in dj("list").stdout


def test_dj_yaml_changed_changes_what_check_finds(repo: Path, dj: Dj, three: list[str]) -> None:
    assert dj("check").exit_code == 0
    edit(repo / "dj.yaml", "branches: [外国语学院教工党支部]", "branches: [外国语学院教工第一党支部]")
    r = dj("check")
    # the one project of that branch, though every file was checked before under the old dj.yaml
    assert r.exit_code == 1 and r.stderr.count("党支部“外国语学院教工党支部”不属于外国语学院党委") == 1
    edit(repo / "dj.yaml", "branches: [外国语学院教工第一党支部]", "branches: [外国语学院教工党支部]")
    assert dj("check").exit_code == 0


def test_another_dj_version_rebuilds(repo: Path, three: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    poison(repo, three[1], "旧版本写下的名称")
    assert "旧版本写下的名称" in [s.title for s in index.load(repo).summaries()]
    monkeypatch.setattr(index, "__version__", "99.0")
    same_as_reading(repo)
    monkeypatch.undo()
    same_as_reading(repo)  # and back: the older dj rebuilds it again


def test_deleted_or_damaged_database_is_rebuilt(repo: Path, three: list[str]) -> None:
    (repo / DB).unlink()
    same_as_reading(repo)
    data = (repo / DB).read_bytes()
    (repo / DB).write_bytes(data[: len(data) // 2])  # cut off as by a full disk
    same_as_reading(repo)
    (repo / DB).write_bytes(b"\x00garbage" * 512)
    same_as_reading(repo)
    (repo / DB).write_bytes(b"")
    same_as_reading(repo)



def test_an_index_that_cannot_be_opened_costs_time_only(repo: Path, dj: Dj, three: list[str]) -> None:
    (repo / DB).unlink()
    (repo / DB).mkdir()  # not a database, and not removable as one
    same_as_reading(repo)
    assert sorted(three) == sorted(line.split()[0] for line in dj("list").stdout.splitlines()[2:])

def test_a_dj_killed_while_writing_the_index_leaves_no_trace(repo: Path, three: list[str]) -> None:
    poison_mid_write = f"""
import os, sqlite3
db = sqlite3.connect({str(repo / DB)!r}, isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("BEGIN IMMEDIATE")
db.execute("UPDATE files SET title = '写了一半'")
db.execute("DELETE FROM meta")
os.kill(os.getpid(), 9)
"""
    run = subprocess.run([sys.executable, "-c", poison_mid_write], check=False)
    assert run.returncode == -9
    assert "写了一半" not in [s.title for s in same_as_reading(repo)]


def test_outside_git_every_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dj: Dj) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    (root / "dj.yaml").write_bytes((DATA / "dj.yaml").read_bytes())
    monkeypatch.chdir(root)
    monkeypatch.setenv("DJ_NO_FORMS", "1")
    pid = apply_sample(dj, "--no-commit", "--as", "王干事 <wang@zzb.example>")
    assert not (root / ".git").exists()
    assert [s.id for s in same_as_reading(root)] == [pid]


def test_many_new_files_are_read_in_parallel_with_the_same_answer(repo: Path, three: list[str],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    text = path_of(repo, three[0]).read_text(encoding="utf-8")
    for n in range(20, 60):
        pid = f"2025-机电-{n:03d}"
        path_of(repo, pid).write_text(text.replace(three[0], pid), encoding="utf-8")
    monkeypatch.setattr(index, "_PARALLEL_FROM", 10)
    assert len(same_as_reading(repo)) == 43


def test_a_broken_file_is_named_by_list_with_its_message_as_reading_would(repo: Path, dj: Dj,
                                                                         three: list[str]) -> None:
    edit(path_of(repo, three[1]), "status: applied", "status: 审核中")
    r = dj("list")
    assert r.exit_code == 1 and f"projects/2025/{three[1]}.yaml" in r.stderr and "status" in r.stderr
    assert three[0] in r.stdout and three[2] in r.stdout and three[1] not in r.stdout  # the others are listed
    with pytest.raises(Exception) as reading:
        by_reading(repo)
    assert str(reading.value) in r.stderr


def test_due_and_stats_read_the_index_and_see_an_edit(repo: Path, dj: Dj, three: list[str]) -> None:
    with sqlite3.connect(repo / DB) as db:
        db.execute("UPDATE files SET rectify_by_text = '2025-06-01', rectify_issues = '缓存中的整改',"
                   " granted_text = '7777.00' WHERE path = ?", (f"projects/2025/{three[0]}.yaml",))
        db.execute("DELETE FROM listing")
    assert "缓存中的整改" in dj("due", "--today", "2025-06-01").stdout
    assert "7777.00" in dj("stats").stdout
    edit(path_of(repo, three[0]), "funding: 1000.00", "funding: 900.00")
    assert "缓存中的整改" not in dj("due", "--today", "2025-06-01").stdout
    stats = dj("stats").stdout
    assert "7777.00" not in stats and "900.00" in stats


def test_list_prints_aligned_text_csv_and_stops_quietly_in_a_pipe(repo: Path, dj: Dj, three: list[str]) -> None:
    from dangjian_cli.textout import display_width

    lines = dj("list").stdout.splitlines()
    header, rows = lines[1], lines[2:]
    assert header.split() == ["编号", "单位", "类别", "类型", "状态", "项目名称"] and len(rows) == 3
    # the title starts at the same terminal column on every line: Chinese characters count two
    starts = {display_width(line[: line.index(title)]) for line, title in
              zip(rows, ["“党员先锋岗”", "“党员先锋岗”", "“党员先锋岗”"], strict=True)}
    assert len(starts) == 1
    import csv

    table = list(csv.reader(dj("list", "--csv").stdout.splitlines()))
    assert table[0] == ["编号", "单位", "类别", "类型", "状态", "项目名称"]
    assert sorted(row[0] for row in table[1:]) == sorted(three)
    piped = subprocess.run(f"{sys.executable} -m dangjian_cli list --csv | head -1", shell=True, cwd=repo,
                           capture_output=True, text=True, check=False)
    assert piped.stdout.startswith("编号,") and piped.stderr == ""


def test_check_after_list_reads_no_file_again(repo: Path, dj: Dj, three: list[str]) -> None:
    """list judges each file it reads as dj check would, so check finds every file done."""
    (repo / DB).unlink()
    assert dj("list").exit_code == 0
    with sqlite3.connect(repo / DB) as db:
        judged = {path for (path,) in db.execute("SELECT path FROM checked")}
        # a finding stored for a file is what check reports: prove check reads it from here
        db.execute("UPDATE checked SET problems = ? WHERE path = ?",
                   ('["字段 title：索引里记下的问题"]', f"projects/2025/{three[0]}.yaml"))
    assert judged == {f"projects/2025/{pid}.yaml" for pid in three}
    r = dj("check")
    assert r.exit_code == 1 and "索引里记下的问题" in r.stderr

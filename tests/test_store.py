"""The project file on disk: read strictly, refused clearly, written canonically and atomically."""

from __future__ import annotations

import codecs
import datetime as dt
import errno
import json
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from conftest import DATA, Dj, Run, apply_sample, git, points
from dangjian_cli import store
from dangjian_cli.model import Status

SHOWN = "projects/2025/2025-机电-001.yaml"


def _path(repo: Path, pid: str) -> Path:
    return repo / "projects" / "2025" / f"{pid}.yaml"


def _edit(text: str, old: str, new: str) -> str:
    assert old in text, f"sample no longer contains {old!r}"
    return text.replace(old, new, 1)


def _commit_by_hand(repo: Path, path: Path, raw: bytes) -> None:
    """What a clerk does after editing a record in an editor: save, git add, git commit."""
    path.write_bytes(raw)
    git(repo, "add", str(path))
    git(repo, "commit", "-q", "-m", "手工修改")


def _hand_edited(repo: Path, dj: Dj, change: Callable[[str], str]) -> tuple[str, Path, str]:
    pid = apply_sample(dj)
    path = _path(repo, pid)
    text = change(path.read_text(encoding="utf-8"))
    _commit_by_hand(repo, path, text.encode("utf-8"))
    return pid, path, text


# --- 1. reading: text stays text ---------------------------------------------------------


def test_text_that_looks_like_a_number_or_boolean_is_read_as_written(repo: Path, dj: Dj) -> None:
    """`title: 0012`, `leader: no` and `goals: 2025-12-31` show as typed; only date fields are dates."""
    def change(text: str) -> str:
        text = _edit(text, "title: “党员先锋岗”引领实验室安全管理\n", "title: 0012\n")
        text = _edit(text, "leader: 张三\n", "leader: no\n")
        return _edit(text, "goals: 全年实验室零事故。\n", "goals: 2025-12-31\n")

    pid, _, _ = _hand_edited(repo, dj, change)

    shown = json.loads(dj("show", pid, "--json").stdout)
    assert (shown["title"], shown["leader"], shown["goals"]) == ("0012", "no", "2025-12-31")
    project = store.load_project(repo, pid)
    assert (project.title, project.leader, project.goals) == ("0012", "no", "2025-12-31")
    assert project.applied == dt.date(2025, 5, 6)
    assert project.period.start == dt.date(2025, 5, 1) and project.milestones[1].date == dt.date(2025, 12, 31)


def test_money_is_exact_to_the_fen(repo: Path, dj: Dj) -> None:
    """`amount: 450.50` is 450.50 元, kept with its two places, never the float 450.5."""
    pid = apply_sample(dj)
    project = store.load_project(repo, pid)
    amount = project.budget[1].amount
    assert isinstance(amount, Decimal) and str(amount) == "450.50"
    assert project.budget_total == Decimal("750.50")
    assert json.loads(dj("show", pid, "--json").stdout)["budget"][1]["amount"] == "450.50"


# --- 2. refusals: one sentence naming the file, nothing written, nothing committed --------


def _bomb(levels: int = 9) -> str:
    """Billion laughs: 9 levels of 9 aliases would expand to 9**9 strings."""
    lines = ['lol0: &a0 "哈"']
    lines += [f"lol{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


RUN_ME = '["echo hi > 被执行.txt"]'  # would leave a file behind if it ever ran

REFUSALS = {
    "duplicate key": (lambda t: t + "leader: 李四\n", ["leader", "重复"]),
    "python tag": (lambda t: _edit(t, "leader: 张三", f"leader: !!python/object/apply:os.system {RUN_ME}"), ["标签"]),
    "int tag": (lambda t: _edit(t, "applicant: 王干事\n", "applicant: 王干事\nstages: !!int 5\n"), ["标签"]),
    "alias bomb": (lambda t: _bomb() + t, ["别名"]),
    "newer schema": (lambda t: _edit(t, "schema_version: 1\n", "schema_version: 99\n"), ["99", "升级 dj"]),
    "typo of an optional field": (lambda t: _edit(t, "\nbackground: |", "\nbackgroud: |"),
                                  ["第 18 行", "不认识的字段", "“backgroud”（是不是 background？）"]),
    "typo of a required field": (lambda t: _edit(t, "\nleader: ", "\nleadr: "),
                                 ["第 8 行", "不认识的字段", "“leadr”（是不是 leader？）",
                                  "缺少必填项：项目执行者（leader）"]),
}


def _refused_step(repo: Path, dj: Dj, pid: str, path: Path) -> Run:
    before, head = path.read_bytes(), git(repo, "rev-parse", "HEAD")
    r = dj("approve", pid, "--date", "2025-05-20")
    assert path.read_bytes() == before
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "status", "--porcelain") == ""
    return r


@pytest.mark.parametrize("case", REFUSALS)
def test_a_file_dj_cannot_trust_is_refused_in_one_sentence(repo: Path, dj: Dj, case: str) -> None:
    """The clerk sees exit 1 and one Chinese sentence naming the file and the problem; nothing changes."""
    change, fragments = REFUSALS[case]
    pid, path, _ = _hand_edited(repo, dj, change)

    started = time.monotonic()
    r = _refused_step(repo, dj, pid, path)

    assert time.monotonic() - started < 5
    assert r.exit_code == 1 and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and SHOWN in lines[0], r.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    assert not (repo / "被执行.txt").exists()


def test_a_gbk_file_is_refused_with_a_way_out(repo: Path, dj: Dj) -> None:
    """A record saved by Notepad as GBK: the message names the file, UTF-8 and GBK."""
    pid = apply_sample(dj)
    path = _path(repo, pid)
    _commit_by_hand(repo, path, path.read_text(encoding="utf-8").encode("gbk"))

    r = _refused_step(repo, dj, pid, path)

    assert r.exit_code == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and SHOWN in lines[0] and "UTF-8" in lines[0] and "GBK" in lines[0]


def test_dj_check_also_tells_to_upgrade_for_a_newer_file(repo: Path, dj: Dj) -> None:
    """`dj check` lists the file written by a newer dj and says to upgrade."""
    _hand_edited(repo, dj, lambda t: _edit(t, "schema_version: 1\n", "schema_version: 99\n"))
    r = dj("check")
    assert r.exit_code == 1
    assert any(SHOWN in line and "99" in line and "升级 dj" in line for line in r.stderr.splitlines())


# --- 3. files saved on Windows ---------------------------------------------------------------


@pytest.mark.parametrize("bom, newline, comment", [
    (True, "\n", False), (False, "\r\n", False), (True, "\r\n", False), (False, "\r\n", True),
], ids=["bom", "crlf", "bom+crlf", "crlf+comment"])
def test_a_file_saved_on_windows_is_accepted_and_rewritten_plainly(repo: Path, dj: Dj, bom: bool, newline: str,
                                                                   comment: bool) -> None:
    """BOM and CRLF are read; after the next step the file is plain UTF-8 with LF line ends."""
    pid = apply_sample(dj)
    path = _path(repo, pid)
    text = path.read_text(encoding="utf-8")
    if comment:
        text = _edit(text, "leader: 张三\n", "leader: 张三  # 新任执行者\n")
    raw = (codecs.BOM_UTF8 if bom else b"") + text.replace("\n", newline).encode("utf-8")
    _commit_by_hand(repo, path, raw)

    r = dj("approve", pid, "--date", "2025-05-20")

    assert r.exit_code == 0, r.stderr
    after = path.read_bytes()
    assert not after.startswith(codecs.BOM_UTF8)
    assert b"\r" not in after
    project = store.load_project(repo, pid)
    assert project.status is Status.approved and project.approval and project.approval.date == dt.date(2025, 5, 20)
    if comment:
        assert "leader: 张三  # 新任执行者\n" in after.decode("utf-8")


# --- 4. the user's comments ------------------------------------------------------------------


def test_comments_written_by_hand_survive_a_step(repo: Path, dj: Dj) -> None:
    """A comment line above a key and one at the end of a line are still there after `dj approve`."""
    def change(text: str) -> str:
        text = _edit(text, "\ntitle: “党员先锋岗”引领实验室安全管理\n",
                     "\n# 以下由支部填写\ntitle: “党员先锋岗”引领实验室安全管理  # 名称经支委会讨论\n")
        return _edit(text, "    content: 中期总结\n", "    content: 中期总结  # 时间待定\n")

    pid, path, _ = _hand_edited(repo, dj, change)

    r = dj("approve", pid, "--date", "2025-05-20", "--doc-no", "彩党组〔2025〕12号")

    assert r.exit_code == 0, r.stderr
    text = path.read_text(encoding="utf-8")
    assert "\n# 以下由支部填写\ntitle: “党员先锋岗”引领实验室安全管理  # 名称经支委会讨论\n" in text
    assert "    content: 中期总结  # 时间待定\n" in text
    approval = yaml.safe_load(text)["approval"]
    assert approval["doc_no"] == "彩党组〔2025〕12号" and approval["date"] == dt.date(2025, 5, 20)


def test_a_step_that_would_drop_a_comment_is_refused(repo: Path, dj: Dj, tmp_path: Path) -> None:
    """Resubmitting with one milestone fewer would lose the comment on it: refused, file unchanged."""
    pid = apply_sample(dj)
    assert dj("return", pid, "--reason", "进度安排过粗", "--date", "2025-05-07").exit_code == 0
    path = _path(repo, pid)
    text = _edit(path.read_text(encoding="utf-8"), "    content: 中期总结\n", "    content: 中期总结  # 时间待定\n")
    _commit_by_hand(repo, path, text.encode("utf-8"))
    revised = tmp_path / "修改后的申报表.yaml"
    revised.write_text(_edit((DATA / "application.yaml").read_text(encoding="utf-8"),
                             "  - {date: 2025-12-31, content: 中期总结}\n", ""), encoding="utf-8")
    head = git(repo, "rev-parse", "HEAD")

    r = dj("apply", pid, "--from", str(revised), "--date", "2025-05-08")

    assert r.exit_code == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and SHOWN in lines[0] and "# 时间待定" in lines[0]
    assert path.read_text(encoding="utf-8") == text and git(repo, "rev-parse", "HEAD") == head


def _closed(dj: Dj) -> str:
    pid = apply_sample(dj)
    for args in (("approve", pid, "--date", "2025-05-20"),
                 ("mid-check", pid, "--result", "pass", "--date", "2025-12-01"),
                 ("close", pid, "--report", str(DATA / "report.md"), "--date", "2026-05-25")):
        assert dj(*args).exit_code == 0
    return pid


def test_a_comment_on_one_reviewers_sheet_never_moves_to_another(repo: Path, dj: Dj) -> None:
    """钱评委 scores again: the clerk's note about 钱评委's paper sheet must not end up beside 孙评委."""
    pid = _closed(dj)
    for who in ("钱评委", "孙评委"):
        assert dj("score", pid, "--reviewer", who, *points("18", "17", "16", "18", "17"),
                  "--date", "2026-06-01").exit_code == 0
    path = _path(repo, pid)
    note = "  - reviewer: 钱评委  # 纸质表有涂改，已核实\n"
    text = _edit(path.read_text(encoding="utf-8"), "  - reviewer: 钱评委\n", note)
    _commit_by_hand(repo, path, text.encode("utf-8"))

    r = dj("score", pid, "--reviewer", "钱评委", *points("19", "17", "16", "18", "17"), "--date", "2026-06-02",
           "--replace")

    after = path.read_text(encoding="utf-8")
    assert "reviewer: 孙评委  # 纸质表有涂改" not in after
    if r.exit_code == 0:  # kept with its own reviewer …
        assert "reviewer: 钱评委  # 纸质表有涂改，已核实\n" in after
    else:  # … or refused like any other comment dj cannot keep in place
        assert after == text and "纸质表有涂改" in r.stderr


# --- 5. canonical layout -----------------------------------------------------------------------


def test_reading_and_writing_again_changes_no_byte(repo: Path, dj: Dj) -> None:
    """A record dj wrote, loaded and saved unchanged, gives a clean `git status`."""
    pid = _closed(dj)
    path = _path(repo, pid)
    before = path.read_bytes()
    store.write_project(repo, store.load_project(repo, pid))
    assert path.read_bytes() == before
    assert git(repo, "status", "--porcelain") == ""


def test_the_written_file_reads_the_same_in_any_yaml_reader(repo: Path, dj: Dj) -> None:
    """Modeline first; no/on/0012/2025 stay text for YAML 1.1 readers; paragraphs and 🚩 kept as typed."""
    pid = apply_sample(dj, "--title", "0012", "--leader", "no", "--secretary", "on", "--goals", "2025",
                       "--plan", "🚩 设立党员先锋岗，每周巡查。")
    text = _path(repo, pid).read_text(encoding="utf-8")

    assert text.startswith("# yaml-language-server: $schema=../../schemas/project.schema.json\n")
    old_reader = yaml.safe_load(text)  # PyYAML follows YAML 1.1
    assert (old_reader["title"], old_reader["leader"], old_reader["secretary"], old_reader["goals"]) == \
        ("0012", "no", "on", "2025")
    assert "\nbackground: |\n" in text
    assert old_reader["background"] == "实验室安全是学院工作的重中之重。\n\n党员教师在安全管理中应发挥先锋作用。\n"
    assert "plan: 🚩 设立党员先锋岗，每周巡查。\n" in text
    assert "\\u" not in text and "\\U" not in text
    assert old_reader["period"]["start"] == dt.date(2025, 5, 1)


# --- 6. atomic write ---------------------------------------------------------------------------


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(repo: Path, dj: Dj,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Disk full at the last moment: exit 1, a Chinese sentence, the old record intact, no .tmp file."""
    pid = apply_sample(dj)
    path = _path(repo, pid)
    before, head = path.read_bytes(), git(repo, "rev-parse", "HEAD")

    def disk_full(src: object, dst: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("dangjian_cli.store.os.replace", disk_full)
    r = dj("approve", pid, "--date", "2025-05-20")

    assert r.exit_code == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr and "磁盘空间已满" in lines[0]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in lines[0])
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
    assert git(repo, "rev-parse", "HEAD") == head


# --- 7. ids and paths --------------------------------------------------------------------------


def test_ids_are_numbered_per_unit_and_give_the_path(repo: Path, dj: Dj) -> None:
    """机电's second application is -002; 外语's first is its own -001; each file sits at its id."""
    first = apply_sample(dj)
    second = apply_sample(dj)
    other = apply_sample(dj, "--unit", "外国语学院党委", "--branch", "外国语学院教工党支部")
    assert (first, second, other) == ("2025-机电-001", "2025-机电-002", "2025-外语-001")
    assert sorted(p.relative_to(repo).as_posix() for p in repo.glob("projects/*/*.yaml")) == [
        "projects/2025/2025-外语-001.yaml", "projects/2025/2025-机电-001.yaml", "projects/2025/2025-机电-002.yaml"]
    assert store.project_path(repo, other) == repo / "projects" / "2025" / "2025-外语-001.yaml"


@pytest.mark.parametrize("bad_id", ["../../etc/passwd", "2025-机电-001/../x", "2025-机电-1", "./../secret"])
def test_an_id_that_is_not_an_id_reads_nothing(repo: Path, dj: Dj, tmp_path: Path, bad_id: str) -> None:
    """`dj show` with a path in place of an id: exit 1, told the id is invalid, nothing outside shown."""
    apply_sample(dj)
    (tmp_path / "secret.yaml").write_text("title: 机密材料\n", encoding="utf-8")  # where ./../secret would lead
    r = dj("show", bad_id)
    assert r.exit_code == 1 and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and bad_id in lines[0] and "编号" in lines[0]
    assert "机密" not in r.stderr


# --- 8. dj check -------------------------------------------------------------------------------


def test_dj_check_passes_a_clean_repository(repo: Path, dj: Dj) -> None:
    """Everything as dj wrote it: exit 0 and no complaints."""
    apply_sample(dj)
    _closed(dj)
    r = dj("check")
    assert r.exit_code == 0, r.stderr
    assert r.stderr == "" and r.stdout.strip()


def test_dj_check_lists_every_broken_file_with_its_field(repo: Path, dj: Dj) -> None:
    """A month 13 in one file and an unknown unit in another: both listed, each with its field."""
    bad_date = _path(repo, apply_sample(dj))
    bad_unit = _path(repo, apply_sample(dj))
    bad_date.write_text(_edit(bad_date.read_text(encoding="utf-8"), "applied: 2025-05-06", "applied: 2025-13-01"),
                        encoding="utf-8")
    bad_unit.write_text(_edit(bad_unit.read_text(encoding="utf-8"), "unit: 机电学院党委", "unit: 化工学院党委"),
                        encoding="utf-8")

    r = dj("check")

    assert r.exit_code == 1
    lines = r.stderr.splitlines()
    assert any("projects/2025/2025-机电-001.yaml" in line and "applied" in line for line in lines), r.stderr
    assert any("projects/2025/2025-机电-002.yaml" in line and "unit" in line and "化工学院党委" in line
               for line in lines), r.stderr

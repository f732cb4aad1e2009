"""Every step is exactly one commit of exactly one file, with trailers `dj log` reads back."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import CLERK, Dj, apply_sample, git, make_repo


def _trailers(repo: Path, rev: str = "HEAD") -> dict[str, str]:
    body = git(repo, "log", "-1", "--format=%(trailers:only,unfold)", rev)
    return dict(line.split(": ", 1) for line in body.strip().splitlines())


def test_a_step_commits_only_its_own_file_with_trailers(repo: Path, dj: Dj) -> None:
    """The clerk's unrelated work in progress stays out of dj's commit, staged or not."""
    pid = apply_sample(dj)
    (repo / "通知.txt").write_text("草稿\n", encoding="utf-8")
    git(repo, "add", "通知.txt")
    with (repo / "dj.yaml").open("a", encoding="utf-8") as f:
        f.write("# 尚未提交的修改\n")

    r = dj("approve", pid, "--date", "2025-05-20", "--doc-no", "彩党组〔2025〕12号")
    assert r.exit_code == 0, r.stderr

    changed = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert changed == [f"projects/2025/{pid}.yaml"]
    assert git(repo, "log", "-1", "--format=%s").strip() == f"approve {pid}: 立项，资助 1000.00 元"
    assert _trailers(repo) == {
        "Dj-Action": "approve",
        "Dj-Project": pid,
        "Dj-From": "applied",
        "Dj-To": "approved",
        "Dj-Actor": "王干事 <wang@zzb.example>",
        "Dj-Date": "2025-05-20",
        "Dj-Args": '{"doc_no": "彩党组〔2025〕12号"}',  # what the audit needs to re-run the step
    }
    status = git(repo, "status", "--porcelain").splitlines()
    assert "A  通知.txt" in status and " M dj.yaml" in status


def test_uncommitted_hand_edits_to_the_project_are_never_mixed_in(repo: Path, dj: Dj) -> None:
    pid = apply_sample(dj)
    path = repo / "projects" / "2025" / f"{pid}.yaml"
    edited = path.read_text(encoding="utf-8").replace("全年实验室零事故。", "全年实验室零事故，师生满意。")
    path.write_text(edited, encoding="utf-8")
    head = git(repo, "rev-parse", "HEAD")

    r = dj("approve", pid, "--date", "2025-05-20")

    assert r.exit_code == 1
    assert "尚未提交" in r.stderr and "git commit" in r.stderr
    assert path.read_text(encoding="utf-8") == edited
    assert git(repo, "rev-parse", "HEAD") == head


def _staged_then_reverted(repo: Path, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "# 已暂存\n", encoding="utf-8")
    git(repo, "add", str(path))
    path.write_text(text, encoding="utf-8")  # the file is as committed; the index is not


def _touched(repo: Path, path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")  # same text, new mtime
    os.utime(path, (1, 1))


def _removed_from_index(repo: Path, path: Path) -> None:
    git(repo, "rm", "--cached", "--quiet", str(path))  # the file stays, untracked


def _never_committed(repo: Path, path: Path) -> None:
    _removed_from_index(repo, path)
    git(repo, "commit", "--quiet", "-m", "移出版本库")  # neither HEAD nor the index knows the file


@pytest.mark.parametrize(("change", "refused"), [
    (_staged_then_reverted, True),
    (_removed_from_index, True),
    (_never_committed, True),
    (_touched, False),  # git has not refreshed its stat: the quick look says changed, git status says clean
])
def test_a_step_tells_a_file_with_changes_from_one_only_touched(repo: Path, dj: Dj, change: Callable[[Path, Path],
                                                                None], refused: bool) -> None:
    pid = apply_sample(dj)
    path = repo / "projects" / "2025" / f"{pid}.yaml"
    change(repo, path)
    head = git(repo, "rev-parse", "HEAD")

    r = dj("approve", pid, "--date", "2025-05-20")

    if refused:
        assert r.exit_code == 1 and "尚未提交" in r.stderr, r.stderr
        assert git(repo, "rev-parse", "HEAD") == head
    else:
        assert r.exit_code == 0, r.stderr
        assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == [f"projects/2025/{pid}.yaml"]


def test_no_commit_writes_the_file_and_says_so(repo: Path, dj: Dj) -> None:
    pid = apply_sample(dj)
    head = git(repo, "rev-parse", "HEAD")
    r = dj("--no-commit", "approve", pid, "--date", "2025-05-20")
    assert r.exit_code == 0, r.stderr
    assert "未提交" in r.stdout
    assert git(repo, "rev-parse", "HEAD") == head
    assert "status: approved" in (repo / "projects" / "2025" / f"{pid}.yaml").read_text(encoding="utf-8")


def test_outside_git_the_commands_still_work(tmp_path: Path, dj: Dj, monkeypatch: object) -> None:
    folder = make_repo(tmp_path / "plain", user=None)
    import shutil

    shutil.rmtree(folder / ".git")
    r = dj("--repo", str(folder), "--as", "王干事 <wang@zzb.example>", "apply", "--from",
           str(Path(__file__).parent / "data" / "application.yaml"), "--date", "2025-05-06")
    assert r.exit_code == 0, r.stderr
    assert "未提交" in r.stdout
    assert (folder / "projects" / "2025" / "2025-机电-001.yaml").is_file()
    log = dj("--repo", str(folder), "log", "2025-机电-001")
    assert log.exit_code == 0
    assert "还没有任何 git 提交记录" in log.stdout


def test_a_clerk_records_a_step_for_someone_else_and_the_commit_names_both(repo: Path, dj: Dj) -> None:
    pid = apply_sample(dj)
    r = dj("approve", pid, "--as", "李部长 <li@zzb.example>", "--date", "2025-05-20")
    assert r.exit_code == 0, r.stderr
    trailers = _trailers(repo)
    assert trailers["Dj-Actor"] == "李部长 <li@zzb.example>"
    assert trailers["Dj-Entered-By"] == "王干事 <wang@zzb.example>"
    assert git(repo, "log", "-1", "--format=%an <%ae>").strip() == "王干事 <wang@zzb.example>"
    assert "by: 李部长" in (repo / "projects" / "2025" / f"{pid}.yaml").read_text(encoding="utf-8")
    assert "李部长（王干事 代录）" in dj("log", pid).stdout


def test_only_a_clerk_may_record_for_someone_else(repo: Path, dj: Dj) -> None:
    pid = apply_sample(dj)
    git(repo, "config", "user.name", "张书记")
    git(repo, "config", "user.email", "zhang@jd.example")
    r = dj("approve", pid, "--as", "王干事 <wang@zzb.example>", "--date", "2025-05-20")
    assert r.exit_code == 1
    assert "组织部干事" in r.stderr and "张书记" in r.stderr


def test_an_applicant_cannot_approve_their_own_project(repo: Path, dj: Dj) -> None:
    pid = apply_sample(dj)
    git(repo, "config", "user.name", "张书记")
    git(repo, "config", "user.email", "zhang@jd.example")
    r = dj("approve", pid, "--date", "2025-05-20")
    assert r.exit_code == 1
    assert "审批人" in r.stderr and "不能立项" in r.stderr


def test_without_a_git_identity_the_user_is_told_how_to_set_one(tmp_path: Path, dj: Dj,
                                                                monkeypatch: object) -> None:
    folder = make_repo(tmp_path / "anon", user=None)
    r = dj("--repo", str(folder), "apply", "--from", str(Path(__file__).parent / "data" / "application.yaml"))
    assert r.exit_code == 1
    assert "git config --global user.name" in r.stderr
    assert not (folder / "projects").exists()


def test_a_failed_commit_leaves_the_file_as_it_was(repo: Path, dj: Dj) -> None:
    """A refusing pre-commit hook: nothing written, one sentence, no traceback."""
    pid = apply_sample(dj)
    path = repo / "projects" / "2025" / f"{pid}.yaml"
    before = path.read_bytes()
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho '本仓库暂停提交' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)

    r = dj("approve", pid, "--date", "2025-05-20")

    assert r.exit_code == 1
    assert "本仓库暂停提交" in r.stderr and "Traceback" not in r.stderr
    assert path.read_bytes() == before
    assert git(repo, "status", "--porcelain") == ""


def test_log_rebuilds_the_history_including_hand_edits(repo: Path, dj: Dj) -> None:
    pid = apply_sample(dj)
    path = repo / "projects" / "2025" / f"{pid}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("设立党员先锋岗，每周巡查。", "每周巡查两次。"),
                    encoding="utf-8")
    git(repo, "commit", "-qam", "修改实施方案")
    assert dj("approve", pid, "--date", "2025-05-20").exit_code == 0

    out = dj("log", pid).stdout.splitlines()
    assert out[0] == f"{pid} 的办理记录（来自 git 历史）"
    assert out[1].split() == ["日期", "办理人", "操作", "状态变化", "提交", "记录版本"]
    lines = out[2:]  # into a pipe: plain aligned text, one commit a line
    assert len(lines) == 3
    assert "申报" in lines[0] and "新建 → 已申报" in lines[0] and "2025-05-06" in lines[0]
    assert "手工修改" in lines[1]
    assert "立项" in lines[2] and "已申报 → 已立项" in lines[2] and "2025-05-20" in lines[2]


def test_the_clerk_identity_is_the_default_actor(repo: Path, dj: Dj) -> None:
    pid = apply_sample(dj)
    assert _trailers(repo)["Dj-Actor"] == f"{CLERK[0]} <{CLERK[1]}>"
    assert f"applicant: {CLERK[0]}" in (repo / "projects" / "2025" / f"{pid}.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("where", ["hooks folder", "core.hooksPath"])
def test_the_users_commit_hooks_still_run_on_a_step(repo: Path, dj: Dj, where: str) -> None:
    """dj commits without `git commit` when nothing would run; with hooks, git runs them as ever."""
    pid = apply_sample(dj)
    folder = repo / ".git" / "hooks"
    if where == "core.hooksPath":
        folder = repo.parent / "shared-hooks"
        folder.mkdir()
        git(repo, "config", "core.hooksPath", str(folder))
    hook = folder / "post-commit"
    hook.write_text("#!/bin/sh\ngit log -1 --format=%s >> \"$(git rev-parse --git-dir)/seen.txt\"\n", encoding="utf-8")
    hook.chmod(0o755)

    assert dj("approve", pid, "--date", "2025-05-20", "--doc-no", "党组〔2025〕1号").exit_code == 0

    assert (repo / ".git" / "seen.txt").read_text(encoding="utf-8").startswith(f"approve {pid}")


def test_a_step_is_in_the_reflog_so_git_can_find_it_again(repo: Path, dj: Dj) -> None:
    pid = apply_sample(dj)
    assert dj("approve", pid, "--date", "2025-05-20", "--doc-no", "党组〔2025〕1号").exit_code == 0
    newest = git(repo, "reflog", "-1", "--format=%H %gs").split(" ", 1)
    assert newest[0] == git(repo, "rev-parse", "HEAD").strip()
    assert newest[1].startswith(f"commit: approve {pid}")
    assert git(repo, "status", "--porcelain") == ""  # and the index holds what HEAD holds


def test_the_advice_for_a_staged_hand_edit_really_clears_it(repo: Path, dj: Dj) -> None:
    """A hand edit staged with git add (or left staged by a dj that was killed): the command dj advises undoes it."""
    import re
    import shlex
    import subprocess

    pid = apply_sample(dj)
    assert dj("approve", pid, "--date", "2025-05-20", "--doc-no", "党组〔2025〕1号").exit_code == 0
    path = repo / "projects" / "2025" / f"{pid}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("每周巡查", "每日巡查"), encoding="utf-8")
    git(repo, "add", str(path))

    refused = dj("spend", pid, "10", "资料费", "--date", "2025-06-01")
    assert refused.exit_code == 1
    advice = re.search(r"撤销（(git checkout [^，）]+)", refused.stderr)
    assert advice is not None, refused.stderr
    subprocess.run(shlex.split(advice.group(1)), cwd=repo, check=True, capture_output=True)

    assert git(repo, "status", "--porcelain") == ""
    assert dj("spend", pid, "10", "资料费", "--date", "2025-06-01").exit_code == 0

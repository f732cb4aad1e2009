"""A clerk's year, as in the README's walk-through: apply → approve → mid-check → close → accept."""

from __future__ import annotations

from pathlib import Path

from conftest import DATA, Dj, apply_sample, git, points


def test_a_project_lives_through_its_year(repo: Path, dj: Dj) -> None:
    pid = apply_sample(dj)
    assert pid == "2025-机电-001"
    steps = [
        ("approve", pid, "--date", "2025-05-20", "--doc-no", "彩党组〔2025〕12号", "--opinion", "同意立项"),
        ("mid-check", pid, "--result", "rectify", "--deadline", "2026-04-15", "--issues", "活动记录不全",
         "--date", "2026-03-10"),
        ("rectified", pid, "--note", "已补齐", "--date", "2026-04-10"),
        ("close", pid, "--report", str(DATA / "report.md"), "--date", "2026-05-25"),
    ]
    for args in steps:
        r = dj(*args)
        assert r.exit_code == 0, r.stderr
    reviewers = ["钱评委", "孙评委", "周评委", "吴评委", "郑评委"]
    sheets = [("18", "17", "16", "18", "17"), ("20", "20", "20", "20", "19"), ("15", "15", "15", "15", "15"),
              ("17", "18", "17", "17", "17"), ("16", "16", "17", "16", "16")]
    for who, sheet in zip(reviewers, sheets, strict=True):
        r = dj("score", pid, "--reviewer", who, *points(*sheet), "--date", "2026-06-01")
        assert r.exit_code == 0, r.stderr
    r = dj("accept", pid, "--date", "2026-06-05")
    assert r.exit_code == 0, r.stderr
    # Totals 86, 99, 75, 86, 81: five reviewers, so drop 99 and 75 → (86 + 86 + 81) / 3 = 84.33
    assert "总分 84.33" in r.stdout and "较好" in r.stdout

    show = dj("show", pid)
    assert "已验收" in show.stdout and "84.33" in show.stdout

    log = dj("log", pid)
    for label in ("申报", "立项", "中期检查", "整改完成", "结题", "验收评分", "验收"):
        assert label in log.stdout
    assert git(repo, "rev-list", "--count", "HEAD").strip() == str(1 + 4 + 1 + 5 + 1)

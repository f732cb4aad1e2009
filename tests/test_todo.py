"""dj todo: what waits on each person, told by the real CLI over a story repository.

The story (tests/data/dj.yaml, with a calendar and the innovation competition):
  2025-机电-001  applied                               → the approvers approve it (review_by 2025-05-31)
  2025-机电-002  mid-check asked for rectification     → the approvers confirm it (deadline 2026-04-15)
  2025-机电-003  passed its mid-check                  → 张书记 files the closing report (close_by 2026-05-15)
  2025-机电-004  closed, 钱评委 has scored             → every other reviewer not of 机电学院党委 scores it,
                                                          and the approvers may accept it (accept_by 2026-05-31)
  No project recommended to the competition (recommend_by 2025-06-02, each college at least 1): 机电学院党委's
  applicant 张书记 recommends; 外国语学院党委 has nobody of its own in dj.yaml, so it falls to the clerk.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import DATA, Dj, apply_sample, git, ok, points

CALENDAR = """
calendar: {apply_by: 2025-05-10, review_by: 2025-05-31, recommend_by: 2025-06-02, midcheck_by: 2026-03-31,
           close_by: 2026-05-15, accept_by: 2026-05-31}
competition:
  name: 基层党建工作创新项目奖
  recommend: [{kind: college, min: 1}]
  defense:
    criteria:
      - {key: innovation, name: 创新性, max: 50}
      - {key: effect, name: 实施效果, max: 50}
  awards:
    tiers: [{name: 基层党建工作创新项目奖, max: 1}]
"""
TODAY = "2026-06-01"
RECOMMEND = "推荐参加基层党建工作创新项目奖评比：已推荐 0 项，至少应推荐 1 项"


pytestmark = pytest.mark.usefixtures("no_forms")


@pytest.fixture
def story(repo: Path, dj: Dj) -> Path:
    with (repo / "dj.yaml").open("a", encoding="utf-8") as f:
        f.write(CALENDAR)
    git(repo, "commit", "-qam", "日程和创新项目评比")
    ids = [apply_sample(dj) for _ in range(4)]
    assert ids == [f"2025-机电-00{n}" for n in (1, 2, 3, 4)]
    for pid in ids[1:]:
        ok(dj, "approve", pid, "--date", "2025-05-20")
    ok(dj, "mid-check", ids[1], "--result", "rectify", "--issues", "活动记录不全", "--deadline", "2026-04-15",
       "--date", "2026-03-10")
    for pid in ids[2:]:
        ok(dj, "mid-check", pid, "--result", "pass", "--date", "2026-03-10")
    ok(dj, "close", ids[3], "--report", str(DATA / "report.md"), "--date", "2026-05-25")
    ok(dj, "score", ids[3], "--reviewer", "钱评委", *points("18", "17", "16", "18", "17"), "--date", "2026-06-01")
    return repo


def lines_of(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("20")]


def test_the_clerk_sees_what_waits_at_the_desk_oldest_deadline_first(story: Path, dj: Dj) -> None:
    out = ok(dj, "todo", "--today", TODAY)  # git's user.email is 王干事's
    assert out.splitlines()[0] == "等待王干事办理的事项（2026-06-01，共 4 项）"
    rows = lines_of(out)
    assert [r.split()[:4] for r in rows] == [
        ["2025-05-31", "已逾期", "366", "天"],
        ["2025-06-02", "已逾期", "364", "天"],
        ["2026-04-15", "已逾期", "47", "天"],
        ["2026-05-31", "已逾期", "1", "天"],
    ]
    assert "审批申报（立项、退回或不予立项）" in rows[0] and "dj approve 2025-机电-001" in rows[0]
    assert RECOMMEND in rows[1] and "外国语学院党委" in rows[1]  # nobody of that unit in dj.yaml: the clerk's
    assert "确认整改完成" in rows[2] and "dj rectified 2025-机电-002" in rows[2]
    assert "验收" in rows[3] and "dj accept 2025-机电-004" in rows[3]
    assert "2025-机电-003" not in out  # the closing report is the branch's to file


def test_an_approver_sees_the_desk_but_not_the_clerks_fallback(story: Path, dj: Dj) -> None:
    rows = lines_of(ok(dj, "todo", "--as", "李部长 <li@zzb.example>", "--today", TODAY))
    assert [r.split()[5] for r in rows] == ["2025-机电-001", "2025-机电-002", "2025-机电-004"]


def test_the_branch_secretary_files_the_report_and_recommends(story: Path, dj: Dj) -> None:
    found = json.loads(ok(dj, "todo", "--as", "张书记 <zhang@jd.example>", "--today", TODAY, "--json"))
    assert [(t["record"], t["unit"], t["what"], t["deadline"], t["days_left"]) for t in found] == [
        ("", "机电学院党委", RECOMMEND, "2025-06-02", -364),
        ("2025-机电-003", "机电学院党委", "提交结题报告", "2026-05-15", -17),
    ]
    assert found[1]["command"] == "dj close 2025-机电-003 --report 结题报告.md"


def test_sheets_wait_on_reviewers_who_have_not_scored_and_are_not_recused(story: Path, dj: Dj) -> None:
    mine = ok(dj, "todo", "--as", "孙评委 <sun@x.example>", "--today", TODAY)
    assert len(lines_of(mine)) == 1
    assert "验收评分" in mine and "dj score 2025-机电-004 --reviewer 孙评委" in mine
    # 钱评委 has scored; 机电评委 is of 机电学院党委 itself (回避)
    assert "没有等待钱评委办理的事项" in ok(dj, "todo", "--as", "钱评委 <qian@x.example>", "--today", TODAY)
    assert "没有等待机电评委办理的事项" in ok(dj, "todo", "--as", "机电评委 <jdpw@x.example>", "--today", TODAY)


def test_all_groups_by_person_in_dj_yaml_order(story: Path, dj: Dj) -> None:
    out = ok(dj, "todo", "--all", "--today", TODAY)
    heads = [line for line in out.splitlines() if line.endswith(" 项")]
    assert heads[:3] == ["王干事（组织部）：4 项", "李部长（组织部）：3 项", "张书记（机电学院党委）：2 项"]
    # the six reviewers of 组织部, none of whom has scored yet, one sheet each
    assert [h.split("（")[0] for h in heads[3:]] == ["孙评委", "周评委", "吴评委", "郑评委", "冯评委", "陈评委"]
    assert out.splitlines()[-1] == "没有待办事项的人员：钱评委、机电评委"


def test_someone_dj_does_not_know_is_told_so(story: Path, dj: Dj) -> None:
    git(story, "config", "user.email", "nobody@example.org")
    r = dj("todo")
    assert r.exit_code == 1
    assert "nobody@example.org" in r.stderr and "不在 dj.yaml 的 people 中" in r.stderr and "--as" in r.stderr
    r = dj("todo", "--as", "无名氏 <wu@none.example>")
    assert r.exit_code == 1 and "不属于 dj.yaml 的 people" in r.stderr


def test_a_branch_rectification_waits_on_the_desk(tmp_path: Path, dj: Dj, monkeypatch: pytest.MonkeyPatch) -> None:
    # The demo's 2026 round leaves 离退休第二党支部 rectifying until 2026-12-31 (demo/scenario.yaml).
    ok(dj, "demo", str(tmp_path / "demo"))
    monkeypatch.chdir(tmp_path / "demo")
    found = json.loads(ok(dj, "todo", "--as", "李部长 <li@zzb.example>", "--today", TODAY, "--json"))
    branch = [t for t in found if t["record"] == "2026-离退-支02"]
    assert [(t["what"], t["deadline"], t["command"]) for t in branch] == [
        ("确认党支部整改完成", "2026-12-31", "dj branch rectified 2026-离退-支02 --note …")]
    secretary = json.loads(ok(dj, "todo", "--as", "韦国庆", "--today", TODAY, "--json"))
    assert all(t["record"] != "2026-离退-支02" for t in secretary)

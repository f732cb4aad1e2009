"""Review panels and prizes through the real CLI: trimmed means, score sheets, awards, promotion, the competition."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from conftest import DATA, Dj, git, points

CLOSED_ON = "2025-06-02"
REVIEWERS = ["钱评委", "孙评委", "周评委", "吴评委", "郑评委", "冯评委", "陈评委"]


def extend_config(repo: Path, text: str) -> None:
    """Add sections to the repository's dj.yaml and commit them as the clerk would."""
    config = repo / "dj.yaml"
    config.write_text(config.read_text(encoding="utf-8") + text, encoding="utf-8")
    git(repo, "commit", "-q", "-am", "配置")


def closed_project(dj: Dj, *, kind: str = "制度推广型", unit: tuple[str, str] | None = None) -> str:
    """A project walked to 已结题 (制度推广型 may close at once: min_months 0)."""
    where = ["--unit", unit[0], "--branch", unit[1]] if unit else []
    r = dj("apply", "--from", str(DATA / "application.yaml"), "--type", kind, *where, "--date", "2025-05-06",
           "--json")
    assert r.exit_code == 0, r.stderr
    pid = str(json.loads(r.stdout)["id"])
    for step in (("approve", pid, "--date", "2025-05-20"), ("mid-check", pid, "--result", "pass", "--date",
                 "2025-06-01"), ("close", pid, "--report", str(DATA / "report.md"), "--date", CLOSED_ON)):
        assert dj(*step).exit_code == 0
    return pid


def spread(total: int) -> tuple[str, ...]:
    """Five criterion points (each at most 20) that add up to `total`."""
    base, extra = divmod(total, 5)
    return tuple(str(base + (1 if i < extra else 0)) for i in range(5))


def accepted(dj: Dj, total: int) -> str:
    """An accepted project whose three reviewers all gave `total` (three reviewers: a plain mean)."""
    pid = closed_project(dj)
    for who in REVIEWERS[:3]:
        assert dj("score", pid, "--reviewer", who, *points(*spread(total)), "--date", "2025-06-05").exit_code == 0
    assert dj("accept", pid, "--date", "2025-06-10").exit_code == 0
    return pid


def record(repo: Path, pid: str) -> str:
    return (repo / "projects" / pid[:4] / f"{pid}.yaml").read_text(encoding="utf-8")


# --- the trimmed mean ------------------------------------------------------------------


@pytest.mark.parametrize(("totals", "expected"), [
    # 4 reviewers, below trim_from 5: (70 + 81 + 90 + 64) / 4 = 305 / 4 = 76.25
    ([70, 81, 90, 64], "76.25"),
    # 5 reviewers: drop 95 and 60, (70 + 81 + 87) / 3 = 238 / 3 = 79.333… → 79.33
    ([70, 95, 81, 60, 87], "79.33"),
    # 7 reviewers: drop 99 and 61, (62 + 75 + 80 + 85 + 90) / 5 = 392 / 5 = 78.40
    ([80, 99, 62, 75, 61, 85, 90], "78.40"),
    # 5 reviewers, a half cent: drop 100 and 50, (66 + 67 + 67.5) / 3 = 200.5 / 3 = 66.8333… → 66.83
    ([66, 67, 100, 50, "67.5"], "66.83"),
])
def test_the_panels_total_is_the_trimmed_mean(repo: Path, dj: Dj, totals: list[object], expected: str) -> None:
    pid = closed_project(dj)
    for who, total in zip(REVIEWERS, totals, strict=False):
        sheet = spread(int(total)) if isinstance(total, int) else ("20", "20", "20", "7.5", "0")  # 67.5
        assert dj("score", pid, "--reviewer", who, *points(*sheet), "--date", "2025-06-05").exit_code == 0
    r = dj("accept", pid, "--date", "2025-06-10")
    assert r.exit_code == 0, r.stderr
    assert f"总分 {expected}" in r.stdout
    assert f"total: {expected}" in record(repo, pid)


def test_weights_multiply_a_criterions_points(repo: Path, dj: Dj) -> None:
    config = repo / "dj.yaml"
    old = "name: 党员参与度, max: 20}"
    text = config.read_text(encoding="utf-8").replace(old, old[:-1] + ", weight: 1.5}")
    config.write_text(text, encoding="utf-8")
    git(repo, "commit", "-q", "-am", "权重")
    pid = closed_project(dj)
    assert dj("score", pid, "--reviewer", "钱评委", *points("10", "10", "10", "10", "10"),
              "--date", "2025-06-05").exit_code == 0
    assert "total: 55.00" in record(repo, pid)  # 10 + 10 + 10 × 1.5 + 10 + 10


# --- score sheets ----------------------------------------------------------------------


def test_one_reviewers_sheet_for_many_projects_is_one_commit(repo: Path, dj: Dj, tmp_path: Path) -> None:
    first, second = closed_project(dj), closed_project(dj)
    sheet = tmp_path / "钱评委.csv"
    sheet.write_text("id,completeness,过程与制度,participation,education,strengthening,comment\n"
                     f"{first},18,17,16,18,17,标准清晰\n{second},15,15,15,15,15,\n", encoding="utf-8")
    head = git(repo, "rev-parse", "HEAD")
    r = dj("score", "--sheet", str(sheet), "--reviewer", "钱评委", "--date", "2025-06-05")
    assert r.exit_code == 0, r.stderr
    assert git(repo, "rev-list", "--count", f"{head.strip()}..HEAD").strip() == "1"
    changed = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert sorted(changed) == sorted(f"projects/2025/{p}.yaml" for p in (first, second))
    assert "total: 86.00" in record(repo, first) and "comment: 标准清晰" in record(repo, first)  # 18+17+16+18+17
    assert "total: 75.00" in record(repo, second)


def test_a_sheet_with_bad_rows_writes_nothing_and_lists_every_bad_row(repo: Path, dj: Dj, tmp_path: Path) -> None:
    good = closed_project(dj)
    sheet = tmp_path / "钱评委.yaml"
    sheet.write_text(f"- {{id: {good}, completeness: 18, process: 17, participation: 16, education: 18,"
                     f" strengthening: 17}}\n"
                     f"- {{id: {good[:-3]}999, completeness: 18, process: 17, participation: 16, education: 18,"
                     f" strengthening: 17}}\n"
                     f"- {{id: {good}, completeness: 25, process: 17, participation: 16, education: 18,"
                     f" strengthening: 17}}\n"
                     f"- {{id: {good}, completeness: 18, process: 17, participation: 16, education: 18}}\n",
                     encoding="utf-8")
    head, before = git(repo, "rev-parse", "HEAD"), record(repo, good)
    r = dj("score", "--sheet", str(sheet), "--reviewer", "钱评委", "--date", "2025-06-05")
    assert r.exit_code == 1
    assert "3 行有误，全部未录入" in r.stderr
    assert "第 2 项" in r.stderr and "第 3 项" in r.stderr and "第 4 项" in r.stderr and "第 1 项" not in r.stderr
    assert "超出范围" in r.stderr and "缺少 strengthening" in r.stderr
    assert git(repo, "rev-parse", "HEAD") == head and record(repo, good) == before


def test_a_gbk_sheet_is_refused_with_a_way_out(repo: Path, dj: Dj, tmp_path: Path) -> None:
    pid = closed_project(dj)
    sheet = tmp_path / "评分.csv"
    sheet.write_bytes(f"id,completeness,comment\n{pid},18,很好\n".encode("gbk"))
    r = dj("score", "--sheet", str(sheet), "--reviewer", "钱评委")
    assert r.exit_code == 1
    assert "不是 UTF-8 编码" in r.stderr and "另存为" in r.stderr


# --- awards ----------------------------------------------------------------------------

AWARDS_001 = """
awards:
  min_total: 85
  tiers: [{name: 优秀成果, min: 1, max: 3}]
"""
AWARDS_003 = """
awards:
  min_total: 60
  tiers: [{name: 一等奖, max: 2}, {name: 二等奖, max: 4}, {name: 三等奖, max: 6}]
"""


def test_001_awards_up_to_three_results_over_85(repo: Path, dj: Dj) -> None:
    extend_config(repo, AWARDS_001)
    ids = {total: accepted(dj, total) for total in (92, 88, 80, 86)}
    dry = dj("award", "--dry-run")
    assert dry.exit_code == 0 and "未写入" in dry.stdout
    assert "award:" not in record(repo, ids[92])
    head = git(repo, "rev-parse", "HEAD").strip()
    r = dj("award", "--date", "2025-07-01")
    assert r.exit_code == 0, r.stderr
    assert git(repo, "rev-list", "--count", f"{head}..HEAD").strip() == "1"
    for total in (92, 88, 86):
        assert "award: 优秀成果" in record(repo, ids[total])
    assert "award:" not in record(repo, ids[80])  # below 85
    assert (repo / "out" / "2025-党建工作项目评比-表彰名单.docx").is_file()


def test_a_tie_across_the_last_prize_is_refused_until_the_committee_orders_it(repo: Path, dj: Dj) -> None:
    extend_config(repo, AWARDS_001)
    ids = {name: accepted(dj, total) for name, total in (("a", 95), ("b", 90), ("c", 87), ("d", 87))}
    r = dj("award", "--date", "2025-07-01")
    assert r.exit_code == 1
    assert ids["c"] in r.stderr and ids["d"] in r.stderr and "--order" in r.stderr
    assert "award:" not in record(repo, ids["a"])  # nothing written
    r = dj("award", "--order", f"{ids['d']},{ids['c']}", "--date", "2025-07-01")
    assert r.exit_code == 0, r.stderr
    assert "award: 优秀成果" in record(repo, ids["d"]) and "award:" not in record(repo, ids["c"])


def test_003_fills_first_second_and_third_prizes_and_stops_at_a_tie(repo: Path, dj: Dj) -> None:
    extend_config(repo, AWARDS_003)
    ids = {total: accepted(dj, total) for total in (95, 93, 91, 90, 70)}
    r = dj("award", "--date", "2025-07-01")
    assert r.exit_code == 0, r.stderr
    prizes = {t: next((line.split(": ", 1)[1] for line in record(repo, pid).splitlines()
                       if line.strip().startswith("award:")), "") for t, pid in ids.items()}
    assert prizes == {95: "一等奖", 93: "一等奖", 91: "二等奖", 90: "二等奖", 70: "二等奖"}


def test_003_a_tie_between_first_and_second_prize_is_refused(repo: Path, dj: Dj) -> None:
    extend_config(repo, AWARDS_003)
    top, second, third = accepted(dj, 95), accepted(dj, 93), accepted(dj, 93)
    r = dj("award", "--date", "2025-07-01")
    assert r.exit_code == 1 and second in r.stderr and third in r.stderr and "一等奖" in r.stderr
    r = dj("award", "--order", f"{third},{second}", "--date", "2025-07-01")
    assert r.exit_code == 0, r.stderr
    assert "award: 一等奖" in record(repo, top) and "award: 一等奖" in record(repo, third)
    assert "award: 二等奖" in record(repo, second)


# --- promotion (003) -------------------------------------------------------------------


def walk_to_accepted(dj: Dj, pid: str, approved: date) -> date:
    """Approve, pass the mid-check, close a year later (the type's minimum), score and accept; return the day."""
    closed = approved.replace(year=approved.year + 1)
    steps = [("approve", pid, "--date", str(approved)),
             ("mid-check", pid, "--result", "pass", "--date", str(approved + timedelta(days=120))),
             ("close", pid, "--report", str(DATA / "report.md"), "--date", str(closed))]
    steps += [("score", pid, "--reviewer", who, *points(*spread(80)), "--date", str(closed + timedelta(days=5)))
              for who in REVIEWERS[:3]]
    steps.append(("accept", pid, "--date", str(closed + timedelta(days=10))))
    for step in steps:
        assert dj(*step).exit_code == 0, step
    return closed + timedelta(days=10)


def test_promotion_runs_from_trial_to_demonstration_to_system(repo: Path, dj: Dj) -> None:
    r = dj("apply", "--from", str(DATA / "application.yaml"), "--date", "2021-05-06", "--json")
    trial = str(json.loads(r.stdout)["id"])
    done = walk_to_accepted(dj, trial, date(2021, 5, 20))
    r = dj("promote", trial, "--date", str(done + timedelta(days=1)))
    assert r.exit_code == 0, r.stderr
    demo_id = r.stdout.strip().splitlines()[-1]
    text = record(repo, demo_id)
    assert "type: 典型示范型" in text and f"parent: {trial}" in text and "status: applied" in text
    assert "title: “党员先锋岗”引领实验室安全管理" in text
    # 003: the 中试 is proposed in a later round than its 小试, whose round (2025, dj.yaml's) is past
    assert demo_id == "2026-机电-001" and "cycle: '2026'" in text
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == [f"projects/2026/{demo_id}.yaml"]

    again = dj("promote", trial, "--date", str(done + timedelta(days=2)))
    assert again.exit_code == 1 and "已经升级申报过" in again.stderr

    done = walk_to_accepted(dj, demo_id, done + timedelta(days=10))
    r = dj("promote", demo_id, "--date", str(done + timedelta(days=1)))
    assert r.exit_code == 0, r.stderr
    system_id = r.stdout.strip().splitlines()[-1]
    assert "type: 制度推广型" in record(repo, system_id)
    done = walk_to_accepted(dj, system_id, done + timedelta(days=10))
    last = dj("promote", system_id, "--date", str(done + timedelta(days=1)))
    assert last.exit_code == 1 and "没有可升级的下一类型" in last.stderr
    audit = dj("audit")
    assert audit.exit_code == 0, audit.stdout  # every promotion is a legal step in the history


# --- the innovation competition (002) -----------------------------------------------------

CONTEST = """
calendar: {recommend_by: 2025-06-02}
competition:
  name: 基层党建工作创新项目奖
  recommend: [{kind: college, min: 2}, {kind: "*", min: 1}]
  defense:
    criteria:
      - {key: innovation, name: 创新性, max: 50}
      - {key: effect, name: 实施效果, max: 50}
    trim_from: 5
  awards:
    min_total: 60
    tiers: [{name: 基层党建工作创新项目奖, max: 1}]
"""


def add_judges(repo: Path) -> None:
    config = repo / "dj.yaml"
    judges = ("  - {name: 褚教授, email: chu@x.example, unit: 党校, roles: [judge]}\n"
              "  - {name: 秦书记, email: qin@x.example, unit: 党校, roles: [judge]}\n"
              "  - {name: 韩书记, email: han@wy.example, unit: 外国语学院党委, roles: [applicant]}\n")
    text = config.read_text(encoding="utf-8").replace("  - {name: 机电评委", judges + "  - {name: 机电评委")
    config.write_text(text + CONTEST, encoding="utf-8")
    git(repo, "commit", "-q", "-am", "评比")


def running(dj: Dj) -> str:
    r = dj("apply", "--from", str(DATA / "application.yaml"), "--date", "2025-05-06", "--json")
    pid = str(json.loads(r.stdout)["id"])
    assert dj("approve", pid, "--date", "2025-05-20").exit_code == 0
    return pid


def test_the_competition_from_recommendation_to_prize(repo: Path, dj: Dj) -> None:
    add_judges(repo)
    first, second = running(dj), running(dj)
    # Before the deadline the college has recommended nothing: it owes two.
    def owed() -> list[str]:
        due = json.loads(dj("due", "--today", "2025-05-25", "--json").stdout)
        return [d["task"] for d in due if d["unit"] == "机电学院党委" and not d["project"]]

    assert owed() == ["推荐参加基层党建工作创新项目奖评比：已推荐 0 项，至少应推荐 2 项"]

    stranger = dj("--as", "韩书记 <han@wy.example>", "recommend", first, "--date", "2025-05-28")
    assert stranger.exit_code == 1 and "外国语学院党委的申报人，不能为机电学院党委" in stranger.stderr
    assert dj("--as", "张书记 <zhang@jd.example>", "recommend", first, "--date", "2025-05-28").exit_code == 0
    late = dj("recommend", second, "--date", "2025-06-03")
    assert late.exit_code == 1 and "推荐截止日期是 2025-06-02" in late.stderr
    assert dj("recommend", second, "--date", "2025-06-01").exit_code == 0
    assert owed() == []
    head = git(repo, "rev-parse", "HEAD")
    again = dj("recommend", second, "--date", "2025-06-01")  # the clerk runs it again: nothing to add
    assert again.exit_code == 0 and "已经办理过" in again.stdout and "已推荐参评" not in again.stdout
    assert git(repo, "rev-parse", "HEAD") == head

    head = git(repo, "rev-parse", "HEAD").strip()
    assert dj("shortlist", first, second, "--date", "2025-06-10").exit_code == 0
    assert git(repo, "rev-list", "--count", f"{head}..HEAD").strip() == "1"

    reviewer_only = dj("score", first, "--round", "defense", "--reviewer", "钱评委", "--item", "innovation=40",
                       "--item", "effect=40", "--date", "2025-06-18")
    assert reviewer_only.exit_code == 1 and "答辩评委（judge）" in reviewer_only.stderr
    sheets = {first: [(40, 45), (42, 44)], second: [(35, 40), (45, 49)]}
    for pid, marks in sheets.items():
        for judge, (a, b) in zip(("褚教授", "秦书记"), marks, strict=True):
            r = dj("score", pid, "--round", "defense", "--reviewer", judge, "--item", f"innovation={a}",
                   "--item", f"effect={b}", "--date", "2025-06-18")
            assert r.exit_code == 0, r.stderr
    r = dj("award", "--competition", "--date", "2025-06-25")
    assert r.exit_code == 0, r.stderr
    # Two judges: plain means. first (85 + 86) / 2 = 85.50; second (75 + 94) / 2 = 84.50; one prize.
    assert "total: 85.50" in record(repo, first) and "award: 基层党建工作创新项目奖" in record(repo, first)
    assert "total: 84.50" in record(repo, second)
    assert "award: 基层党建工作创新项目奖" not in record(repo, second)


# --- quotas (003) -------------------------------------------------------------------------

QUOTAS = """
calendar: {apply_by: 2025-06-30}
quotas:
  - {kind: college, min: 2, max: 3, types: [创新探索型, 典型示范型, 制度推广型]}
"""


def test_a_unit_cannot_apply_beyond_its_quota_and_a_rejection_frees_a_place(repo: Path, dj: Dj) -> None:
    extend_config(repo, QUOTAS)
    due = json.loads(dj("due", "--today", "2025-06-01", "--json").stdout)
    assert any(d["unit"] == "机电学院党委" and "已有 0 个，至少应有 2 个" in d["task"] for d in due)
    ids = [str(json.loads(dj("apply", "--from", str(DATA / "application.yaml"), "--date", "2025-05-06",
                             "--json").stdout)["id"]) for _ in range(3)]
    head = git(repo, "rev-parse", "HEAD")
    r = dj("apply", "--from", str(DATA / "application.yaml"), "--date", "2025-05-07")
    assert r.exit_code == 1
    assert "机电学院党委" in r.stderr and "已申报 3 个项目" in r.stderr and "上限 3 个" in r.stderr
    assert git(repo, "rev-parse", "HEAD") == head
    assert not (repo / "projects" / "2025" / "2025-机电-004.yaml").exists()

    assert dj("reject", ids[0], "--reason", "重复", "--date", "2025-05-20").exit_code == 0
    again = dj("apply", "--from", str(DATA / "application.yaml"), "--date", "2025-05-21")
    assert again.exit_code == 0, again.stderr
    # Another unit's count is its own.
    other = dj("apply", "--from", str(DATA / "application.yaml"), "--unit", "外国语学院党委", "--branch",
               "外国语学院教工党支部", "--date", "2025-05-21")
    assert other.exit_code == 0, other.stderr

"""Money, deadlines and the ledger through the real CLI, on a small repository checked cell by cell."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import DATA, Dj, git, points


def apply(dj: Dj, *extra: str, date: str = "2025-05-06") -> str:
    r = dj("apply", "--from", str(DATA / "application.yaml"), *extra, "--date", date, "--json")
    assert r.exit_code == 0, r.stderr
    return str(json.loads(r.stdout)["id"])


def ok(dj: Dj, *args: str) -> str:
    r = dj(*args)
    assert r.exit_code == 0, (args, r.stderr)
    return r.stdout


@pytest.fixture
def small(repo: Path, dj: Dj) -> dict[str, str]:
    """Three projects: accepted with spending, rectifying, and only applied."""
    config = repo / "dj.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "calendar: {review_by: 2025-05-31, "
                      "midcheck_by: 2026-03-31, close_by: 2026-05-31, accept_by: 2026-06-15}\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "日程")
    done = apply(dj, "--type", "制度推广型")
    ok(dj, "approve", done, "--date", "2025-05-20")
    ok(dj, "spend", done, "300.50", "学习资料", "--receipt", "R-001", "--date", "2025-05-25")
    ok(dj, "spend", done, "200", "展板制作", "--date", "2025-05-28")
    ok(dj, "mid-check", done, "--result", "pass", "--date", "2025-06-01")
    ok(dj, "close", done, "--report", str(DATA / "report.md"), "--date", "2025-06-02")
    for who in ("钱评委", "孙评委", "周评委"):
        ok(dj, "score", done, "--reviewer", who, *points("16", "16", "16", "16", "16"), "--date", "2025-06-05")
    ok(dj, "accept", done, "--date", "2025-06-08")
    late = apply(dj)
    ok(dj, "approve", late, "--date", "2025-05-20")
    ok(dj, "mid-check", late, "--result", "rectify", "--deadline", "2025-07-01", "--issues", "活动记录不全",
       "--date", "2025-06-01")
    waiting = apply(dj, date="2025-05-07")
    return {"done": done, "late": late, "waiting": waiting}


def test_spending_stays_within_the_grant(repo: Path, dj: Dj) -> None:
    pid = apply(dj)
    early = dj("spend", pid, "100", "资料", "--date", "2025-05-10")
    assert early.exit_code == 1 and "已申报" in early.stderr  # not approved yet: no money to spend
    ok(dj, "approve", pid, "--date", "2025-05-20")
    out = ok(dj, "spend", pid, "900", "活动场地", "--date", "2025-06-01")
    assert "资助 1000.00 元，已支出 900.00 元，结余 100.00 元" in out
    head = git(repo, "rev-parse", "HEAD")
    r = dj("spend", pid, "100.01", "资料印制", "--date", "2025-06-02")
    assert r.exit_code == 1
    assert "经费余额只有 100.00 元（资助 1000.00 元，已支出 900.00 元），不能再支出 100.01 元" in r.stderr
    assert git(repo, "rev-parse", "HEAD") == head
    assert "资助 1000.00 元，已支出 900.00 元，结余 100.00 元" in ok(dj, "show", pid)


def test_after_acceptance_the_balance_stays_with_the_branch(repo: Path, dj: Dj, small: dict[str, str]) -> None:
    text = (repo / "projects" / "2025" / f"{small['done']}.yaml").read_text(encoding="utf-8")
    assert "retained: 499.50" in text  # 1000 − 300.50 − 200
    assert "验收后 499.50 元留存支部" in ok(dj, "show", small["done"])


def test_due_lists_what_is_late_and_what_comes_within_30_days(dj: Dj, small: dict[str, str]) -> None:
    items = json.loads(ok(dj, "due", "--today", "2025-06-10", "--json"))
    assert items == [
        # applied on 2025-05-07, review_by 2025-05-31: ten days late
        {"date": "2025-05-31", "days_left": -10, "unit": "机电学院党委", "project": small["waiting"],
         "task": "评审立项"},
        # the rectification deadline, 21 days ahead; midcheck_by etc. are further than 30 days away
        {"date": "2025-07-01", "days_left": 21, "unit": "机电学院党委", "project": small["late"],
         "task": "整改（活动记录不全）"},
    ]
    table = ok(dj, "due", "--today", "2025-06-10")
    assert "已逾期 10 天" in table and "还有 21 天" in table
    assert json.loads(ok(dj, "due", "--today", "2025-06-10", "--unit", "外语", "--json")) == []
    assert "没有逾期事项" in ok(dj, "due", "--today", "2025-01-01", "--unit", "外语")


LEDGER_HEAD = ["项目编号", "单位", "支部", "项目名称", "类型", "类别", "状态", "第一责任人", "直接责任人",
               "资助经费（元）", "已支出（元）", "结余（元）", "中期检查", "验收总分", "等次", "表彰"]
TITLE = "“党员先锋岗”引领实验室安全管理"
BASE = ["机电学院党委", "机电学院教工第一党支部", TITLE]


def expected_rows(ids: dict[str, str]) -> list[list[object]]:
    """By hand from the fixture: None is an empty cell."""
    return [
        [ids["done"], *BASE, "制度推广型", "作风建设", "已验收", "张书记", "赵院长", 1000, 500.5, 499.5, "通过",
         80, "较好", None],  # three sheets of 5 × 16 = 80: no trimming, 80.00 → 较好
        [ids["late"], *BASE, "创新探索型", "作风建设", "整改中", "张书记", "赵院长", 1000, 0, 1000, "限期整改",
         None, None, None],
        [ids["waiting"], *BASE, "创新探索型", "作风建设", "已申报", "张书记", "赵院长", 0, 0, 0, None,
         None, None, None],
    ]


def test_the_ledger_as_xlsx_cell_by_cell(repo: Path, dj: Dj, small: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "台账.xlsx"
    ok(dj, "report", "--format", "xlsx", "--out", str(out))
    book = load_workbook(out)
    sheet = book["台账"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == LEDGER_HEAD
    assert rows[1:] == expected_rows(small)
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet["J2"].number_format == "#,##0.00" and sheet["N2"].number_format == "#,##0.00"
    assert sheet.column_dimensions["D"].width >= 2 * len(TITLE)  # Chinese characters are two columns wide

    stats = {(r[0]): r[1] for r in book["统计"].iter_rows(values_only=True) if r and r[0]}
    assert stats["已验收"] == stats["整改中"] == stats["已申报"] == 1 and stats["已立项"] == 0
    assert stats["机电学院党委"] == 3 and stats["外国语学院党委"] == 0
    assert stats["作风建设"] == 3 and stats["创新探索型"] == 2 and stats["制度推广型"] == 1
    assert stats["资助经费合计（元）"] == 2000 and stats["已支出合计（元）"] == 500.5  # 1000 + 1000; 300.50 + 200
    assert stats["结余合计（元）"] == 1499.5 and stats["验收后留存支部（元）"] == 499.5


def test_the_ledger_xlsx_draws_each_statistic_as_a_native_chart_of_its_cells(dj: Dj, small: dict[str, str],
                                                                              tmp_path: Path) -> None:
    out = tmp_path / "台账.xlsx"
    ok(dj, "report", "--out", str(out))
    book = load_workbook(out)
    stats = book["统计"]
    charts = book["图表"]._charts  # openpyxl reads a workbook's charts back
    assert [c.title.tx.rich.p[0].r[0].t for c in charts] == ["按状态", "按单位", "按类别", "按类型", "经费"]
    for chart in charts:
        assert chart.tagname == "barChart" and chart.type == "bar"
        series, = chart.series
        values = series.val.numRef.f  # e.g. '统计'!$B$4:$B$13: the figures of the table of that name
        first, last = (int(n) for n in re.findall(r"\$B\$(\d+)", values))
        labels = [stats.cell(row, 1).value for row in range(first, last + 1)]
        heading = stats.cell(first - 1, 1).value
        assert heading == chart.title.tx.rich.p[0].r[0].t and series.cat.numRef.f == f"'统计'!$A${first}:$A${last}"
        if heading == "按状态":  # ten states in Status' order, the counts of the fixture's three projects
            assert labels[0] == "草稿（退回修改）" and len(labels) == 10
            counts = dict(zip(labels, (stats.cell(r, 2).value for r in range(first, last + 1)), strict=True))
            assert counts["已验收"] == counts["整改中"] == counts["已申报"] == 1 and sum(counts.values()) == 3
        if heading == "经费":
            assert labels == ["资助经费合计（元）", "已支出合计（元）", "结余合计（元）", "验收后留存支部（元）"]


def test_the_ledger_as_csv_reads_back(dj: Dj, small: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "台账.csv"
    ok(dj, "report", "--format", "csv", "--out", str(out))
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads it as UTF-8
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == LEDGER_HEAD
    assert rows[1] == [small["done"], *BASE, "制度推广型", "作风建设", "已验收", "张书记", "赵院长", "1000.00",
                       "500.50", "499.50", "通过", "80.00", "较好", ""]
    assert rows[3][6] == "已申报" and rows[3][9:12] == ["0.00", "0.00", "0.00"]


def test_stats_prints_the_counts(dj: Dj, small: dict[str, str]) -> None:
    out = ok(dj, "stats")
    for words in ("按状态", "已验收", "按单位", "机电学院党委", "按类型", "制度推广型", "资助经费合计（元）",
                  "2000.00"):
        assert words in out

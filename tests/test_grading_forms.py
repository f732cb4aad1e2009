"""党支部分类定级's five forms (004 附表1—5) and the two summaries as xlsx, rendered and read back.

The records are built here directly, from the college preset's grading section: no CLI, no repository.
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook

from dangjian_cli import gradingforms, gradingreport, store
from dangjian_cli.branchmodel import Branch
from dangjian_cli.config import Config, preset_text
from dangjian_cli.gradeconfig import GradingRubric
from dangjian_cli.grading import final_score
from test_render import rows, texts

UNITS = [
    {"name": "机电学院党委", "code": "机电", "kind": "college",
     "branches": ["机电学生第一党支部", "机电学生第二党支部", "机电教工第一党支部", "机电教工第二党支部",
                  "机电研究生党支部"]},
    {"name": "外国语学院党委", "code": "外语", "kind": "college",
     "branches": ["外语教工党支部", "外语学生第一党支部", "外语学生第二党支部", "外语研究生党支部"]},
    {"name": "机关党委", "code": "机关", "kind": "department",
     "branches": ["机关第一党支部", "机关第二党支部", "机关第三党支部"]},
]


def college() -> Config:
    """The college preset as shipped, with three units and twelve branches in place of its two examples."""
    data = store.parse_yaml(preset_text("college"), "college.yaml")
    data.update(org="中共彩神学院委员会", units=UNITS)
    return store.validate(Config, data, "college.yaml")


CONFIG = college()
G = CONFIG.grading
assert G is not None
RUBRICS = {r.key: r for r in G.rubrics}
FACTS = {"organisation": "按年级设置，合理", "committee": "支委 3 人，齐全", "rules": "“三会一课”制度健全",
         "plan": "思路清晰", "activities": "每月一次主题党日", "role": "作用发挥充分", "support": "有固定活动室"}


def sheet(rubric: GradingRubric, total: Decimal | str) -> dict[str, Decimal]:
    """Points adding up to `total`: full marks, less the shortfall taken from the first indicators."""
    short = Decimal(100) - Decimal(str(total))
    points = {}
    for i in rubric.indicators:
        off = min(short, i.max)
        points[i.key] = i.max - off
        short -= off
    return points


def branch(number: int, unit: str, name: str, kind: str, totals: tuple[str, str, str], grade: str | None = None,
           *, last: str = "", reason: str = "", rectifications: list[dict[str, Any]] | None = None,
           **extra: Any) -> Branch:
    """A graded branch; the final score is the rule's (grading.final_score), the band the configured one."""
    code = next(u["code"] for u in UNITS if u["name"] == unit)
    rubric = RUBRICS["student" if kind == "student" else "staff"]
    mine, theirs, ours = (Decimal(t) for t in totals)
    assert G is not None
    final = final_score(G, mine, theirs, ours)
    band = G.band(final)
    data: dict[str, Any] = {
        "id": f"2026-{code}-支{number:02d}", "round": "2026", "unit": unit, "name": name, "kind": kind,
        "members": 20 + number, "committee": ["甲委员", "乙委员"], "secretary": f"书记{number}", "last_grade": last,
        "status": "rectifying" if rectifications else "graded",
        "survey": {"date": "2026-03-25", "by": f"书记{number}", **FACTS},
        "self_assessment": {"date": "2026-03-28", "by": f"书记{number}", "points": sheet(rubric, mine),
                            "total": mine, "report": "自我评价报告"},
        "unit_review": {"date": "2026-04-01", "by": "孙委员", "points": sheet(rubric, theirs), "total": theirs,
                        "appraisal": "满意率 95%", "learning": "已通过验收", "satisfaction": "96%", "proposed": "B",
                        "opinion": "同意自评意见"},
        "decision": {"date": "2026-04-07", "by": "王干事", "points": sheet(rubric, ours), "total": ours,
                     "final": final, "band": band, "grade": grade or band, "reason": reason,
                     "methods": ["实地查阅相关材料和会议记录", "问卷调查"]},
        "rectifications": rectifications or [],
    }
    for key, value in extra.items():  # a part of the record replaced or added, e.g. survey={...}
        data[key] = {**data[key], **value} if isinstance(data.get(key), dict) else value
    return Branch.model_validate(data)


A, B, C, D = ("92", "93", "94"), ("85", "86", "84"), ("70", "68", "66"), ("55", "52", "50")
ISSUE = {"issued": "2026-04-10", "by": "王干事", "deadline": "2026-06-30"}
JD, WY, JG = "机电学院党委", "外国语学院党委", "机关党委"


def the_round() -> list[Branch]:
    """Twelve branches: 3 A, 4 B, 3 C, 2 D (one B chosen below its band, with a reason), four rectifying."""
    return [
        branch(1, JD, "机电学生第一党支部", "student", A, last="B"),
        branch(2, JD, "机电学生第二党支部", "student", ("86", "88", "90.5"), last="C"),
        branch(3, JD, "机电教工第一党支部", "teacher", A, last="A"),
        branch(4, JD, "机电教工第二党支部", "teacher", C,
               rectifications=[{**ISSUE, "items": ["补齐“三会一课”记录", "健全党费收缴台账"],
                                "done": "2026-05-20", "note": "已补齐"}]),
        branch(5, JD, "机电研究生党支部", "student", D,
               rectifications=[{**ISSUE, "items": ["调整支部班子"], "deadline": "2026-05-31"}]),
        branch(1, WY, "外语教工党支部", "teacher", A),
        branch(2, WY, "外语学生第一党支部", "student", A, "B", reason="A 级党支部比例已满，党委议定为 B 级"),
        branch(3, WY, "外语学生第二党支部", "student", B),
        branch(4, WY, "外语研究生党支部", "student", C,
               rectifications=[{**ISSUE, "items": ["每月开展主题党日"]}]),
        branch(1, JG, "机关第一党支部", "admin", B),
        branch(2, JG, "机关第二党支部", "admin", C,
               rectifications=[{**ISSUE, "items": ["完善党务公开"], "deadline": "2026-07-15"}]),
        branch(3, JG, "机关第三党支部", "admin", D,
               rectifications=[{**ISSUE, "items": ["整顿软弱涣散问题"]}]),
    ]




# --- 附表1、附表2 -----------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["student", "staff"])
def test_the_blank_score_sheet_lists_every_indicator_and_sums_to_100(key: str, tmp_path: Path) -> None:
    rubric = RUBRICS[key]
    path = gradingforms.render_rubric(CONFIG, key, tmp_path, root=None)
    assert path.name == f"2026-{rubric.name}.docx"
    body = list(texts(path))
    assert ("附表1" if key == "student" else "附表2") in body
    assert rubric.name in body and "中共彩神学院委员会    2026 年度" in body
    table = rows(path, 0)
    assert table[0] == ["评价项目", "评价指标", "分值", "评分要点", "得分"]
    listed = table[1:-1]
    assert [r[1] for r in listed] == [i.name for i in rubric.indicators]
    assert [r[3] for r in listed] == [i.description for i in rubric.indicators]
    assert all(r[4] == "" for r in listed)  # the score column is left for the pen
    assert sum(Decimal(r[2]) for r in listed) == 100
    assert table[-1] == ["合计", "", "100", "", ""]
    # the heading's cell is merged down its indicators and carries its points
    for h in rubric.headings:
        assert [r[0] for r in listed].count(f"{h.name}（{gradingforms.number(h.max_total)} 分）") == len(h.indicators)
    assert "最终得分 = 党支部自评得分 × 40% + 二级党组织初评得分 × 20% + 学校党委考评得分 × 40%。" in body
    assert ("等级分档：90 分及以上为 A 级（先进）；75 分及以上、不足 90 分为 B 级（较好）；"
            "60 分及以上、不足 75 分为 C 级（一般）；不足 60 分为 D 级（后进）。") in body


def test_the_filled_score_sheet_shows_the_three_sets_of_points(tmp_path: Path) -> None:
    b = the_round()[1]  # 机电学生第二党支部: self 86, unit 88, committee 90.5
    path = gradingforms.render_score_sheet(b, CONFIG, tmp_path, root=None, blob="abc1234567")
    assert path.name == "2026-机电-支02-分类定级评分表.docx"
    table = rows(path, 0)
    assert table[0][-3:] == ["自评", "初评", "党委考评"]
    first = RUBRICS["student"].indicators[0]  # 4 points, 14 short of 100 taken from it first: 0 in self's sheet
    assert table[1][1:5] == [first.name, "4", first.description, "0"]
    assert table[-1] == ["合计", "", "100", "", "86", "88", "90.5"]
    for column, total in ((4, "86"), (5, "88"), (6, "90.5")):
        assert sum(Decimal(r[column]) for r in table[1:-1]) == Decimal(total)
    body = list(texts(path))
    assert "党支部：机电学生第二党支部（学生党支部）" in body and "所属二级党组织：机电学院党委" in body
    assert "本支部最终得分 88.20 分，评定为 B 级（较好）。" in body
    assert "定级编号 2026-机电-支02 · 记录版本 abc1234567" in body


# --- 附表3 ---------------------------------------------------------------------------------


def test_the_branch_form_shows_the_final_score_worked_by_hand(tmp_path: Path) -> None:
    b = the_round()[1]
    path = gradingforms.render_branch(b, CONFIG, tmp_path, root=None, blob="abc1234567")
    assert path.name == "2026-机电-支02-调查摸底与分类定级表.docx"
    body = list(texts(path))
    # college weights: self 40 %, unit 20 %, committee 40 %:
    # 86 × 0.4 = 34.4; 88 × 0.2 = 17.6; 90.5 × 0.4 = 36.2; 34.4 + 17.6 + 36.2 = 88.20 → 75 ≤ 88.20 < 90: B
    assert "最终得分 = 86 × 40% + 88 × 20% + 90.5 × 40% = 88.20 分。" in body
    assert "按等级分档为 B 级（较好），党委评定为 B 级（较好）。" in body
    basics = dict((r[0], r[1]) for r in rows(path, 0))
    assert basics == {"定级编号": "2026-机电-支02", "所属二级党组织": "机电学院党委",
                      "党支部名称": "机电学生第二党支部", "党支部类别": "学生党支部", "党员人数": "22",
                      "支部委员": "甲委员、乙委员", "党支部书记": "书记2", "上一年度等级": "C 级（一般）"}
    assert rows(path, 1)[1:] == [[label, FACTS[key]] for key, label in
                                 (("organisation", "组织设置"), ("committee", "班子健全"), ("rules", "制度完善"),
                                  ("plan", "发展思路"), ("activities", "活动开展"), ("role", "作用发挥"),
                                  ("support", "经费场所保障"))]
    assert rows(path, 2) == [["评价环节", "日期", "评分人", "总分", "权重"],
                             ["党支部自评", "2026年3月28日", "书记2", "86", "40%"],
                             ["二级党组织初评", "2026年4月1日", "孙委员", "88", "20%"],
                             ["学校党委考评", "2026年4月7日", "王干事", "90.5", "40%"],
                             ["最终得分", "", "", "88.20", ""]]
    review = dict((r[0], r[1]) for r in rows(path, 3))
    assert review["党员和群众测评"] == "满意率 95%" and review["初评意见"] == "同意自评意见"
    decision = dict((r[0], r[1]) for r in rows(path, 4))
    assert decision["考评方式"] == "实地查阅相关材料和会议记录、问卷调查"
    assert decision["评定等级"] == "B 级（较好）"
    signs = [r[0] for r in rows(path, 6)]
    assert signs == ["党支部书记", "二级党组织（盖章）", "党委组织部"]
    assert "定级编号 2026-机电-支02 · 记录版本 abc1234567" in body


def test_the_branch_form_gives_the_reason_a_grade_differs_from_its_band(tmp_path: Path) -> None:
    b = the_round()[6]  # 外语学生第一党支部: 92, 93, 94 → 36.8 + 18.6 + 37.6 = 93.00 → band A, decided B
    body = list(texts(gradingforms.render_branch(b, CONFIG, tmp_path, root=None, blob="x")))
    assert "最终得分 = 92 × 40% + 93 × 20% + 94 × 40% = 93.00 分。" in body
    assert "按等级分档为 A 级（先进），党委评定为 B 级（较好），理由：A 级党支部比例已满，党委议定为 B 级" in body
    assert "B 级（较好）（按分档为 A 级（先进））" in body


def test_a_d_branch_form_shows_its_consequences_and_rectification(tmp_path: Path) -> None:
    b = Branch.model_validate({**the_round()[4].model_dump(), "consequences": [
        {"text": "班子成员不得享受绩效等方面的奖励", "until": dt.date(2027, 4, 6)}]})
    path = gradingforms.render_branch(b, CONFIG, tmp_path, root=None, blob="x")
    decision = dict((r[0], r[1]) for r in rows(path, 4))
    assert decision["定级后果"] == "班子成员不得享受绩效等方面的奖励（至 2027年4月6日）"
    assert rows(path, 5)[1:] == [["2026年4月10日", "1. 调整支部班子", "2026年5月31日", "未完成"]]


def test_the_weights_changed_since_the_decision_keep_the_recorded_score(tmp_path: Path) -> None:
    b = the_round()[1]
    assert G is not None
    other = CONFIG.model_copy(update={"grading": G.model_copy(update={"weights": G.weights.model_copy(
        update={"self_assessment": Decimal("0.3"), "unit_review": Decimal("0.3")})})})
    body = list(texts(gradingforms.render_branch(b, other, tmp_path, root=None, blob="x")))
    assert "最终得分 88.20 分（按定级时的权重计算）。" in body


# --- 附表4 ---------------------------------------------------------------------------------


def test_the_summary_counts_and_percentages_equal_a_hand_count(tmp_path: Path) -> None:
    path = gradingforms.render_summary(the_round(), CONFIG, tmp_path, root=None)
    assert path.name == "2026-分类定级汇总表.docx"
    counts = rows(path, 0)
    # two header rows: each grade's name over its count and its share (merged cells read back repeated)
    assert counts[0] == ["二级党组织", "党支部数", "A 级（先进）", "A 级（先进）", "B 级（较好）", "B 级（较好）",
                         "C 级（一般）", "C 级（一般）", "D 级（后进）", "D 级（后进）", "未定级"]
    assert counts[1] == ["二级党组织", "党支部数", *["个数", "比例"] * 4, "未定级"]
    # by hand: 机电 A A B C D of 5; 外语 A B(band A) B C of 4; 机关 B C D of 3 — 12 in all: 3 A, 4 B, 3 C, 2 D
    assert counts[2:] == [
        ["机电学院党委", "5", "2", "40.0%", "1", "20.0%", "1", "20.0%", "1", "20.0%", "0"],
        ["外国语学院党委", "4", "1", "25.0%", "2", "50.0%", "1", "25.0%", "0", "0.0%", "0"],
        ["机关党委", "3", "0", "0.0%", "1", "33.3%", "1", "33.3%", "1", "33.3%", "0"],
        ["合计", "12", "3", "25.0%", "4", "33.3%", "3", "25.0%", "2", "16.7%", "0"],
    ]
    body = list(texts(path))
    # 12 × 20 % = 2.4 → at most 2 A branches; 3 is one too many
    assert "全部党支部：党支部 12 个，A 级 3 个，占 25.0%；上限 20.0%（最多 2 个），超出 1 个。" in body
    listing = rows(path, 1)
    assert len(listing) == 13
    assert [r[1] for r in listing[1:]] == [b.id for b in sorted(the_round(), key=lambda b: (
        [u["name"] for u in UNITS].index(b.unit), b.id))]
    assert listing[2] == ["机电学院党委", "2026-机电-支02", "机电学生第二党支部", "学生党支部", "C", "88.20", "B", ""]
    assert listing[7][-2:] == ["B", "按分档为 A 级"]
    assert listing[1][0] == listing[5][0] == "机电学院党委"  # the unit's cell merged down its branches


def test_the_summary_of_one_unit_and_the_cap_per_unit(tmp_path: Path) -> None:
    assert G is not None
    by_unit = CONFIG.model_copy(update={"grading": G.model_copy(update={"a_cap": G.a_cap.model_copy(
        update={"scope": "unit"})})})
    path = gradingforms.render_summary(the_round(), by_unit, tmp_path, root=None, unit=WY)
    assert path.name == "2026-外国语学院党委-分类定级汇总表.docx"
    counts = rows(path, 0)
    assert [r[0] for r in counts[2:]] == ["外国语学院党委", "合计"]
    body = list(texts(path))
    assert "填报单位：外国语学院党委" in body
    # 4 × 20 % = 0.8 → no A branch at all within the unit
    assert "外国语学院党委：党支部 4 个，A 级 1 个，占 25.0%；上限 20.0%（最多 0 个），超出 1 个。" in body


def test_percentages_are_rounded_to_one_place_half_up() -> None:
    assert gradingreport.percent(3, 12) == Decimal("25.0")
    assert gradingreport.percent(1, 3) == Decimal("33.3")
    assert gradingreport.percent(2, 3) == Decimal("66.7")
    assert gradingreport.percent(1, 16) == Decimal("6.3")  # 6.25: half up, not to even
    assert gradingreport.percent(0, 0) == Decimal("0.0")


# --- 附表5 ---------------------------------------------------------------------------------


def test_the_rectification_summary_lists_each_item_with_its_deadline(tmp_path: Path) -> None:
    path = gradingforms.render_rectifications(the_round(), CONFIG, tmp_path, root=None)
    assert path.name == "2026-整改汇总表.docx"
    assert rows(path, 0) == [
        ["序号", "二级党组织", "党支部", "定级等级", "整改事项", "下发日期", "整改期限", "完成情况"],
        ["1", JD, "机电教工第二党支部", "C 级", "1. 补齐“三会一课”记录；2. 健全党费收缴台账", "2026年4月10日",
         "2026年6月30日", "2026年5月20日完成：已补齐"],
        ["2", JD, "机电研究生党支部", "D 级", "1. 调整支部班子", "2026年4月10日", "2026年5月31日", "未完成"],
        ["3", WY, "外语研究生党支部", "C 级", "1. 每月开展主题党日", "2026年4月10日", "2026年6月30日",
         "未完成"],
        ["4", JG, "机关第二党支部", "C 级", "1. 完善党务公开", "2026年4月10日", "2026年7月15日", "未完成"],
        ["5", JG, "机关第三党支部", "D 级", "1. 整顿软弱涣散问题", "2026年4月10日", "2026年6月30日", "未完成"],
    ]
    assert "共 5 份整改通知，已完成 1 份，未完成 4 份。" in list(texts(path))


# --- the xlsx ----------------------------------------------------------------------------


def test_the_summary_workbook_has_numbers_percent_formats_and_the_list(tmp_path: Path) -> None:
    out = gradingreport.write_summary_xlsx(the_round(), CONFIG, tmp_path / "汇总表.xlsx")
    book = load_workbook(out)
    sheet = book["汇总"]
    assert sheet["A1"].value == "中共彩神学院委员会 2026 年度基层党支部分类定级汇总表"
    assert [c.value for c in sheet[2]][:4] == ["二级党组织", "党支部数", "A 级（先进）个数", "A 级（先进）比例"]
    total = [c for c in sheet[6]]
    assert total[0].value == "合计" and total[1].value == 12
    assert [total[i].value for i in (2, 4, 6, 8)] == [3, 4, 3, 2]
    # 3/12 = 25.0 %, 4/12 = 33.3 %, 3/12 = 25.0 %, 2/12 = 16.7 % (one place, half up), kept as fractions
    assert [total[i].value for i in (3, 5, 7, 9)] == pytest.approx([0.25, 0.333, 0.25, 0.167])
    assert all(total[i].number_format == "0.0%" for i in (3, 5, 7, 9))
    assert sheet["A8"].value == "全部党支部：党支部 12 个，A 级 3 个，占 25.0%；上限 20.0%（最多 2 个），超出 1 个。"
    assert sheet.column_dimensions["A"].width >= 16  # 外国语学院党委: seven Chinese characters, two columns each
    listing = book["定级名单"]
    assert [c.value for c in listing[4]][:7] == [JD, "2026-机电-支02", "机电学生第二党支部", "学生党支部", "C", 88.2,
                                                 "B"]
    assert listing.max_row == 14


def test_the_rectification_workbook_keeps_dates_as_dates(tmp_path: Path) -> None:
    out = gradingreport.write_rectification_xlsx(the_round(), CONFIG, tmp_path / "整改.xlsx")
    sheet = load_workbook(out)["整改汇总"]
    assert [c.value for c in sheet[2]] == ["序号", "二级党组织", "定级编号", "党支部", "定级等级", "整改事项",
                                           "下发日期", "整改期限", "完成日期", "完成情况说明"]
    first = [c.value for c in sheet[3]]
    assert first[:6] == [1, JD, "2026-机电-支04", "机电教工第二党支部", "C", "补齐“三会一课”记录\n健全党费收缴台账"]
    assert first[6:] == [dt.datetime(2026, 4, 10), dt.datetime(2026, 6, 30), dt.datetime(2026, 5, 20), "已补齐"]
    assert sheet.cell(3, 8).number_format == 'yyyy"年"m"月"d"日"'
    assert [sheet.cell(r, 8).value.date() for r in range(4, 8)] == [
        dt.date(2026, 5, 31), dt.date(2026, 6, 30), dt.date(2026, 7, 15), dt.date(2026, 6, 30)]
    assert sheet.cell(4, 10).value == "未完成"


# --- what every form must withstand ------------------------------------------------------

TRICKY = "{{ 7*7 }} {% for x in y %}张三{% endfor %} “引号”\"quotes\" A&B <c> ✅📌 👨‍👩‍👧"


def test_user_text_is_printed_literally_never_evaluated(tmp_path: Path) -> None:
    tricky = branch(9, JD, TRICKY, "student", C, reason="",
                    survey={"plan": TRICKY, "role": "坏字符\x00\x0b留下"},
                    unit_review={"opinion": TRICKY},
                    rectifications=[{**ISSUE, "items": [TRICKY, "{{ org }}"]}])
    forms = [gradingforms.render_branch(tricky, CONFIG, tmp_path, root=None, blob="x"),
             gradingforms.render_score_sheet(tricky, CONFIG, tmp_path, root=None, blob="x"),
             gradingforms.render_summary([tricky], CONFIG, tmp_path, root=None),
             gradingforms.render_rectifications([tricky], CONFIG, tmp_path, root=None)]
    branch_form, score_sheet, summary, rectifications = (list(texts(p)) for p in forms)
    assert TRICKY in branch_form and "坏字符留下" in branch_form
    assert rows(forms[0], 0)[2] == ["党支部名称", TRICKY]
    assert rows(forms[0], 3)[-1] == ["初评意见", TRICKY]
    assert f"1. {TRICKY}；2. {{{{ org }}}}" in branch_form
    assert any(TRICKY in line for line in score_sheet)
    assert TRICKY in summary and "49" not in "".join(summary)
    assert f"1. {TRICKY}；2. {{{{ org }}}}" in rectifications
    book = gradingreport.write_rectification_xlsx([tricky], CONFIG, tmp_path / "整改.xlsx")
    assert load_workbook(book)["整改汇总"].cell(3, 6).value == f"{TRICKY}\n{{{{ org }}}}"


def test_two_renders_give_the_same_bytes(tmp_path: Path) -> None:
    def everything(out: Path) -> list[bytes]:
        branches = the_round()
        paths = [*gradingforms.render_rubrics(CONFIG, out, root=None),
                 gradingforms.render_score_sheet(branches[1], CONFIG, out, root=None, blob="x"),
                 gradingforms.render_branch(branches[1], CONFIG, out, root=None, blob="x"),
                 gradingforms.render_summary(branches, CONFIG, out, root=None),
                 gradingforms.render_rectifications(branches, CONFIG, out, root=None),
                 gradingreport.write_summary_xlsx(branches, CONFIG, out / "a.xlsx"),
                 gradingreport.write_rectification_xlsx(branches, CONFIG, out / "b.xlsx")]
        return [p.read_bytes() for p in paths]

    first = everything(tmp_path / "a")
    time.sleep(1.1)  # zip entries carry seconds: a second render a second later must not differ
    assert everything(tmp_path / "b") == first


def test_the_repository_template_wins(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    own = Document()
    own.add_paragraph("本校自定的汇总表：{{ org }}，共 {{ total.branches }} 个党支部")
    (root / "templates").mkdir(parents=True)
    own.save(str(root / "templates" / "grading_summary.docx"))
    path = gradingforms.render_summary(the_round(), CONFIG, tmp_path / "out", root=root)
    assert "本校自定的汇总表：中共彩神学院委员会，共 12 个党支部" in list(texts(path))
    shipped = gradingforms.render_rectifications(the_round(), CONFIG, tmp_path / "out", root=root)
    assert "高等学校基层党支部整改汇总表" in list(texts(shipped))  # no own template: dj's


def test_a_round_is_one_year(tmp_path: Path) -> None:
    from dangjian_cli.errors import DjError

    older = the_round()[0].model_copy(update={"round": "2025", "id": "2025-机电-支01"})
    with pytest.raises(DjError, match="只能汇总一个年度"):
        gradingforms.render_summary([older, *the_round()], CONFIG, tmp_path, root=None)


def test_the_forms_convert_to_pdf_with_their_text(tmp_path: Path) -> None:
    import os
    import shutil
    import subprocess

    from dangjian_cli import render

    if not (shutil.which("soffice") and shutil.which("pdftotext")):
        reason = "未安装 LibreOffice（soffice）或 poppler-utils（pdftotext），跳过 PDF 测试；.ci/run 会安装它们"
        pytest.fail(reason) if os.environ.get("CI") else pytest.skip(reason)
    branches = the_round()
    docs = [gradingforms.render_rubric(CONFIG, "student", tmp_path, root=None),
            gradingforms.render_branch(branches[1], CONFIG, tmp_path, root=None, blob="x"),
            gradingforms.render_summary(branches, CONFIG, tmp_path, root=None),
            gradingforms.render_rectifications(branches, CONFIG, tmp_path, root=None)]
    expected = [["学生党支部分类定级评分参考标准", "书记履职", "合计"],
                ["高等学校基层党支部调查摸底与分类定级表", "88.20"],
                ["高等学校基层党支部分类定级汇总表", "25.0%"],
                ["高等学校基层党支部整改汇总表", "共5份整改通知"]]
    for pdf, words in zip(render.to_pdf(docs, tmp_path / "pdf"), expected, strict=True):
        text = "".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split())
        for word in words:
            assert word in text, (pdf.name, word)


def test_a_branch_only_surveyed_prints_what_it_has_and_counts_as_ungraded(tmp_path: Path) -> None:
    data = the_round()[0].model_dump()
    data.update(status="surveyed", self_assessment=None, unit_review=None, decision=None, last_grade="")
    early = Branch.model_validate(data)
    path = gradingforms.render_branch(early, CONFIG, tmp_path, root=None, blob="x")
    body = list(texts(path))
    assert "尚未考评定级。" in body and "无（首次定级）" in body
    assert rows(path, 2)[1:] == [["党支部自评", "", "", "", "40%"], ["二级党组织初评", "", "", "", "20%"],
                                 ["学校党委考评", "", "", "", "40%"], ["最终得分", "", "", "", ""]]
    assert dict((r[0], r[1]) for r in rows(path, 4))["评定等级"] == "尚未定级"
    sheet = rows(gradingforms.render_score_sheet(early, CONFIG, tmp_path, root=None, blob="x"), 0)
    assert sheet[-1] == ["合计", "", "100", "", "", "", ""]
    # 12 branches, one of them not yet graded: 2 A of 12 = 16.7 %, and 1 未定级
    summary = gradingforms.render_summary([early, *the_round()[1:]], CONFIG, tmp_path, root=None)
    assert rows(summary, 0)[-1] == ["合计", "12", "2", "16.7%", "4", "33.3%", "3", "25.0%", "2", "16.7%", "1"]
    assert rows(summary, 1)[1][-3:] == ["", "未定级", ""]

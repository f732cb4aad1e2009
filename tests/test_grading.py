"""Branch grading (seed 004) as pure rules: plain records and a dj.yaml in, records or a refusal out."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from dangjian_cli import atomic, grading, store
from dangjian_cli.branchcheck import branch_problems, cap_problems
from dangjian_cli.branchmodel import Branch, BranchStatus
from dangjian_cli.config import PRESETS, Config, preset_text
from dangjian_cli.context import Actor, Context
from dangjian_cli.due import branch_tasks
from dangjian_cli.errors import DjError
from dangjian_cli.gradeconfig import GradingRubric, Weights
from dangjian_cli.grading import Peers

DATA = Path(__file__).parent / "data"
CONFIG = store.validate(Config, store.read_yaml(DATA / "grading.yaml", "grading.yaml"), "grading.yaml")
TODAY = dt.date(2026, 12, 1)
FACTS = {k: "情况正常" for k in ("organisation", "committee", "rules", "plan", "activities", "role", "support")}
STUDENT = ("lead", "members", "mech", "study", "mass")


def ctx(who: str = "王干事", on: str = "2026-04-08") -> Context:
    person = CONFIG.person(who)
    assert person is not None
    return Context(CONFIG, Actor(person.name, person.email, person), dt.date.fromisoformat(on), TODAY)


def points(total: int | str) -> dict[str, str]:
    """Five equal indicators adding up to `total`."""
    each = Decimal(str(total)) / 5
    return {k: str(each) for k in STUDENT}


def surveyed(number: int = 1, name: str = "机电学生第一党支部", last: str | None = None,
             previous: tuple[Branch, ...] = ()) -> Branch:
    fields = {"unit": "机电学院党委", "name": name, "kind": "student", "members": 30, "secretary": "张三",
              "survey": FACTS}
    return grading.survey(fields, ctx("王干事", "2026-03-25"), f"2026-机电-支{number:02d}", Peers((), previous), last)


def reviewed(self_total: int, unit_total: int, number: int = 1, name: str = "机电学生第一党支部",
             last: str | None = None) -> Branch:
    b = grading.self_assess(surveyed(number, name, last), ctx("张书记", "2026-03-28"), points=points(self_total),
                            report="自我评价报告")
    return grading.unit_review(b, ctx("孙委员", "2026-04-01"), points=points(unit_total), appraisal="满意率 95%",
                               proposed="B", opinion="同意")


# Ten other branches in the round, none graded yet: room for two A branches (11 × 20 %, rounded down).
CROWD = Peers(tuple(surveyed().model_copy(update={"id": f"2026-机电-支{n}"}) for n in range(20, 30)))


def decided(self_total: int, unit_total: int, committee: int, number: int = 1, peers: Peers = CROWD,
            last: str | None = None, **options: Any) -> Branch:
    names = CONFIG.units[0].branches
    b = reviewed(self_total, unit_total, number, names[(number - 1) % len(names)], last)
    return grading.decide(b, ctx(), peers, points=points(committee), methods=["问卷调查"], **options)


# --- configuration -------------------------------------------------------------------


def _rubric(*maxima: int) -> dict[str, Any]:
    return {"key": "x", "name": "测试标准", "headings": [
        {"name": "领导班子好", "indicators": [{"key": f"i{n}", "name": f"指标{n}", "max": m}
                                            for n, m in enumerate(maxima)]}]}


@pytest.mark.parametrize("maxima, ok", [((50, 50), True), ((50, 49), False), ((60, 50), False), ((100,), True)])
def test_a_rubric_must_add_up_to_exactly_100(maxima: tuple[int, ...], ok: bool) -> None:
    if ok:
        assert GradingRubric.model_validate(_rubric(*maxima)).max_total == 100
    else:
        with pytest.raises(ValidationError, match="应正好为 100 分"):
            GradingRubric.model_validate(_rubric(*maxima))


@pytest.mark.parametrize("weights, ok", [(("0.4", "0", "0.6"), True), (("0.3", "0.3", "0.4"), True),
                                         (("0.4", "0.2", "0.6"), False), (("0.5", "0", "0.4"), False)])
def test_weights_must_sum_to_one(weights: tuple[str, str, str], ok: bool) -> None:
    data = dict(zip(("self_assessment", "unit_review", "committee"), weights, strict=True))
    if ok:
        Weights.model_validate(data)
    else:
        with pytest.raises(ValidationError, match="应为 1"):
            Weights.model_validate(data)


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_grades_with_five_good_rubrics_of_100_points(name: str) -> None:
    config = store.validate(Config, store.parse_yaml(preset_text(name), name), name)
    g = config.grading
    assert g is not None and g.a_cap.share == Decimal("0.20") and g.max_rise == 1 and g.recommend_grades == ["A"]
    for rubric in g.rubrics:
        five = ["领导班子好", "党员队伍好", "工作机制好", "工作业绩好", "群众反映好"]
        assert [h.name for h in rubric.headings] == five
        assert all(10 <= h.max_total <= 30 for h in rubric.headings)
        assert all(2 <= i.max <= 7 and i.description for i in rubric.indicators)
        assert rubric.max_total == 100
    assert {g.grade for g in g.bands} == {"A", "B", "C", "D"}
    assert {c.grade for c in g.consequences} == {"D"}


def test_the_college_preset_has_a_student_and_a_staff_sheet() -> None:
    config = store.validate(Config, store.parse_yaml(preset_text("college"), "college"), "college")
    assert config.grading is not None
    assert config.grading.rubric_for("student").key == "student"  # type: ignore[union-attr]
    assert config.grading.rubric_for("teacher").key == "staff"  # type: ignore[union-attr]


# --- the score and the band ------------------------------------------------------------

# final = self × 0.3 + unit × 0.3 + committee × 0.4 (tests/data/grading.yaml), two places half up
@pytest.mark.parametrize("self_total, unit_total, committee, final, band", [
    (95, 90, 93, "92.70", "A"),  # 28.5 + 27 + 37.2
    (90, 90, 90, "90.00", "A"),
    (89, 89, 90, "89.40", "B"),  # 26.7 + 26.7 + 36
    (75, 75, 75, "75.00", "B"),
    (74, 75, 74, "74.30", "C"),  # 22.2 + 22.5 + 29.6
    (60, 55, 50, "54.50", "D"),  # 18 + 16.5 + 20
    ("80.05", 80, 80, "80.02", "B"),  # 24.015 + 24 + 32 = 80.015 → 80.02
])
def test_final_score_and_band(self_total: Any, unit_total: int, committee: int, final: str, band: str) -> None:
    g = CONFIG.grading
    assert g is not None
    score = grading.final_score(g, Decimal(str(self_total)), Decimal(unit_total), Decimal(committee))
    assert score == Decimal(final) and g.band(score) == band


def test_decide_records_the_weighted_final_and_the_band() -> None:
    b = decided(95, 90, 93)
    assert b.status is BranchStatus.graded and b.decision is not None
    assert (b.decision.total, b.decision.final, b.decision.band, b.grade) == (93, Decimal("92.70"), "A", "A")
    assert b.decision.methods == ["问卷调查"] and not b.consequences


def test_a_grade_other_than_the_band_needs_a_reason() -> None:
    with pytest.raises(DjError, match="须写明理由"):
        decided(85, 85, 85, grade="C")
    assert decided(85, 85, 85, grade="C", reason="群众反映问题较多").grade == "C"


# --- no skipping a level upwards --------------------------------------------------------

@pytest.mark.parametrize("last, scores, ok", [
    ("D", (85, 85, 85), False),  # band B: two levels above D
    ("D", (70, 70, 70), True),  # band C: one level
    ("C", (95, 95, 95), False),  # A from C
    ("B", (95, 95, 95), True),
    ("A", (50, 50, 50), True),  # falling has no limit
    ("", (95, 95, 95), True),  # no grade last year: nothing to limit
])
def test_a_grade_rises_at_most_one_level(last: str, scores: tuple[int, int, int], ok: bool) -> None:
    if ok:
        decided(*scores, last=last or None)
    else:
        with pytest.raises(DjError, match="不能越级晋升"):
            decided(*scores, last=last)


def test_d_to_c_with_a_reason_is_accepted() -> None:
    b = decided(85, 85, 85, last="D", grade="C", reason="上年为 D 级，不能越级晋升")
    assert (b.last_grade, b.decision.band, b.grade) == ("D", "B", "C")  # type: ignore[union-attr]


# --- the A cap ----------------------------------------------------------------------------

def test_the_a_cap_refuses_and_lists_the_candidates_by_score_with_ties() -> None:
    first, second = decided(95, 90, 93, 1), decided(94, 92, 92, 2)  # 92.70, 92.60
    others = [reviewed(80, 80, n, CONFIG.units[0].branches[(n - 1) % 6]) for n in range(3, 11)]
    third = reviewed(94, 92, 11, "机电教工第二党支部")  # 10 others + this one: 11 branches, at most 2 A
    peers = Peers((first, second, *others, third))
    with pytest.raises(DjError) as refused:
        grading.decide(third, ctx(), peers, points=points(92), methods=["问卷调查"])
    text = refused.value.message
    assert "全部党支部共 11 个，A 级最多 2 个（20%），已定为 A 级的有 2 个" in text
    listing = text.split("候选：")[1]
    assert listing.index("2026-机电-支01") < listing.index("2026-机电-支02") < listing.index("2026-机电-支11")
    assert "其中 2026-机电-支02 与 2026-机电-支11 同分（92.60 分）" in listing
    assert text.count("。") == 1  # one sentence
    resolved = grading.decide(third, ctx(), peers, points=points(92), methods=["问卷调查"], grade="B",
                              reason="A 级比例已满，党委议定")
    assert resolved.grade == "B" and resolved.decision.band == "A"  # type: ignore[union-attr]


@pytest.mark.parametrize("population, limit", [(1, 0), (4, 0), (5, 1), (12, 2), (13, 2), (15, 3)])
def test_the_cap_is_the_share_rounded_down(population: int, limit: int) -> None:
    assert CONFIG.grading is not None and grading.a_limit(population, CONFIG.grading) == limit


# --- recommendation, consequences, rectification -------------------------------------------

@pytest.mark.parametrize("scores, ok", [((95, 95, 95), True), ((85, 85, 85), False), ((50, 50, 50), False)])
def test_only_an_a_branch_may_be_recommended(scores: tuple[int, int, int], ok: bool) -> None:
    b = decided(*scores)
    if ok:
        assert grading.recommend(b, ctx(on="2026-04-09")).recommendation is not None
    else:
        with pytest.raises(DjError, match="不能推荐为先进党支部"):
            grading.recommend(b, ctx(on="2026-04-09"))


def test_a_d_branch_gets_its_consequences_for_a_year() -> None:
    b = decided(60, 55, 50)  # 54.50: D, decided 2026-04-08
    assert b.grade == "D"
    year = dt.date(2027, 4, 7)  # twelve months from 2026-04-08, the last day included
    assert [(c.text, c.until) for c in b.consequences] == [
        ("班子成员不得享受绩效等方面的奖励", year), ("党支部书记下一年度内不能提拔使用", year)]
    assert len(b.consequences_on(dt.date(2027, 4, 7))) == 2 and not b.consequences_on(dt.date(2027, 4, 8))


def test_rectification_items_a_deadline_and_completion() -> None:
    b = decided(70, 70, 70)  # C
    with pytest.raises(DjError, match="整改事项"):
        grading.rectify(b, ctx(on="2026-04-10"), items=[" "], deadline=dt.date(2026, 6, 30))
    with pytest.raises(DjError, match="应晚于下发日期"):
        grading.rectify(b, ctx(on="2026-04-10"), items=["补齐记录"], deadline=dt.date(2026, 4, 10))
    b = grading.rectify(b, ctx(on="2026-04-10"), items=["补齐记录", "按月开展主题党日"], deadline=dt.date(2026, 6, 30))
    assert b.status is BranchStatus.rectifying and b.open_rectification is not None
    b = grading.rectified(b, ctx(on="2026-06-20"), note="已完成")
    assert b.status is BranchStatus.graded and b.rectifications[0].done == dt.date(2026, 6, 20)


# --- last year's grade ----------------------------------------------------------------------

def test_last_years_grade_is_copied_from_the_previous_round() -> None:
    before = decided(60, 55, 50).model_copy(update={"id": "2025-机电-支01", "round": "2025"})
    assert surveyed(previous=(before,)).last_grade == "D"
    with pytest.raises(DjError, match="不能另填为 B 级"):
        surveyed(previous=(before,), last="B")


def test_only_a_clerk_gives_last_years_grade_when_there_is_no_record() -> None:
    fields = {"unit": "机电学院党委", "name": "机电学生第一党支部", "kind": "student", "members": 30,
              "secretary": "张三", "survey": FACTS}
    with pytest.raises(DjError, match="只能由组织部干事"):
        grading.survey(fields, ctx("张书记", "2026-03-25"), "2026-机电-支01", Peers(), "A")
    assert grading.survey(fields, ctx("张书记", "2026-03-25"), "2026-机电-支01", Peers()).last_grade == ""


# --- who acts -------------------------------------------------------------------------------

@pytest.mark.parametrize("who, action, ok", [
    ("张书记", "self-assess", True),  # the branch's secretary
    ("刘书记", "self-assess", False),  # another unit's secretary
    ("孙委员", "unit-review", True),  # the unit's own people
    ("张书记", "unit-review", False),  # but not the branch's own secretary
    ("外语委员", "unit-review", False),  # nor another unit's
    ("李部长", "decide", True),
    ("孙委员", "decide", False),
])
def test_who_may_take_each_step(who: str, action: str, ok: bool) -> None:
    b = surveyed()
    if action != "self-assess":
        b = grading.self_assess(b, ctx("张书记", "2026-03-28"), points=points(90), report="报告")
    if action == "decide":
        b = grading.unit_review(b, ctx("孙委员", "2026-04-01"), points=points(90), appraisal="好", proposed="A",
                                opinion="同意")
    step: dict[str, Any] = {
        "self-assess": lambda c: grading.self_assess(b, c, points=points(90), report="报告"),
        "unit-review": lambda c: grading.unit_review(b, c, points=points(90), appraisal="好", proposed="A",
                                                     opinion="同意"),
        "decide": lambda c: grading.decide(b, c, CROWD, points=points(90), methods=["个别访谈"]),
    }
    if ok:
        step[action](ctx(who, "2026-04-08"))
    else:
        with pytest.raises(DjError):
            step[action](ctx(who, "2026-04-08"))


@pytest.mark.parametrize("items, wrong", [({"lead": "21"}, "超出范围"), ({"lead": "x"}, "不是数字"),
                                          ({"nope": "1"}, "缺少"), ({}, "缺少")])
def test_points_are_checked_against_the_kinds_rubric(items: dict[str, str], wrong: str) -> None:
    sheet = {**points(90), **items} if "nope" not in items and items else items
    if "nope" in items:
        sheet = {"nope": "1"}
    with pytest.raises(DjError, match=wrong):
        grading.self_assess(surveyed(), ctx("张书记", "2026-03-28"), points=sheet, report="报告")


# --- at rest and due ----------------------------------------------------------------------

@pytest.mark.parametrize("change, found", [
    ({"grade": "A", "reason": ""}, "却没有写明理由"),
    ({"final": Decimal("95.00")}, "不符"),
    ({"total": Decimal("99")}, "合计"),
])
def test_check_finds_a_decision_that_does_not_follow_from_its_parts(change: dict[str, Any], found: str) -> None:
    b = decided(70, 70, 70)
    assert branch_problems(b, CONFIG) == []
    assert b.decision is not None
    forged = b.model_copy(update={"decision": b.decision.model_copy(update=change)})
    assert any(found in p for p in branch_problems(forged, CONFIG))


def test_check_finds_too_many_a_branches() -> None:
    many = [decided(95, 95, 95, n) for n in range(1, 4)]  # 3 A of 3
    assert "超过上限 0 个" in cap_problems(many, CONFIG)[0].message


def test_due_lists_rectification_deadlines_and_the_rounds_calendar() -> None:
    c_branch = decided(70, 70, 70)
    waiting = reviewed(80, 80, 2, "机电学生第二党支部")
    rect = grading.rectify(decided(50, 50, 50, 3), ctx(on="2026-04-10"), items=["整顿班子"],
                           deadline=dt.date(2026, 6, 30))
    tasks = {(str(t.date), t.project, t.task.split("（")[0]) for t in branch_tasks([c_branch, waiting, rect], CONFIG)}
    assert ("2026-06-30", "2026-机电-支03", "党支部整改") in tasks
    assert ("2026-04-08", "2026-机电-支02", "分类定级") in tasks
    assert ("2026-04-09", "2026-机电-支01", "下发整改事项") in tasks
    assert ("2026-04-09", "", "报送分类定级汇总表和整改汇总表") in tasks
    assert ("2026-03-31", "", "调查摸底") in tasks  # the branches of dj.yaml's units not yet surveyed
    assert not branch_tasks([], CONFIG)  # a repository that does not grade has nothing due


def test_the_cap_counts_each_unit_apart_when_its_scope_is_unit() -> None:
    assert CONFIG.grading is not None
    by_unit = CONFIG.model_copy(update={"grading": CONFIG.grading.model_copy(
        update={"a_cap": CONFIG.grading.a_cap.model_copy(update={"scope": "unit"})})})
    mine = reviewed(95, 95, 1)
    elsewhere = tuple(surveyed().model_copy(update={"id": f"2026-外语-支{n:02d}", "unit": "外国语学院党委"})
                      for n in range(1, 10))
    c = Context(by_unit, ctx().actor, ctx().on, TODAY)
    with pytest.raises(DjError, match="机电学院党委的党支部共 1 个，A 级最多 0 个"):
        grading.decide(mine, c, Peers(elsewhere), points=points(95), methods=["问卷调查"])
    assert grading.decide(mine, ctx(), Peers(elsewhere), points=points(95), methods=["问卷调查"]).grade == "A"


def test_check_finds_a_branch_surveyed_twice_in_a_round(tmp_path: Path) -> None:
    from dangjian_cli.branchcheck import check_branches

    for record in (surveyed(1), surveyed(2)):  # the same branch under two numbers
        path, text = store.branch_text(tmp_path, record)
        atomic.write_text(path, text)
    problems, count = check_branches(tmp_path, CONFIG)
    assert count == 2
    assert [p.message for p in problems] == ["机电学生第一党支部 2026 年度已有定级记录 2026-机电-支01，这是第二条"]

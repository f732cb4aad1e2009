"""Seed 004's round as the clerk runs it: one college, 13 branches of two kinds, survey to rectification."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from conftest import DATA, Dj, git
from dangjian_cli import store
from dangjian_cli.branchmodel import Branch

CLERK = "王干事 <wang@zzb.example>"
UNITS = {"机电": "机电学院党委", "外语": "外国语学院党委", "机关": "机关党委"}
SECRETARY = {"机电": "张书记 <zhang@jd.example>", "外语": "刘书记 <liu@wy.example>", "机关": "赵书记 <zhao@jg.example>"}
# The unit's own people review its branches; 机关党委 has nobody in dj.yaml, so the clerk enters its review.
REVIEWER = {"机电": "孙委员 <sun@jd.example>", "外语": "外语委员 <wyw@wy.example>", "机关": CLERK}
FACTS = ("组织设置=按年级设置", "班子健全=支委 3 人", "制度完善=制度齐全", "发展思路=清晰", "活动开展=每月主题党日",
         "作用发挥=较好", "经费场所保障=有活动室")

# unit, branch, kind, self-assessment, unit review, committee totals (each spread over the five indicators)
ROUND = [
    ("机电", "机电学生第一党支部", "student", 95, 90, 93),  # 0.3×95 + 0.3×90 + 0.4×93 = 28.5 + 27 + 37.2 = 92.70 A
    ("机电", "机电学生第二党支部", "student", 80, 80, 80),  # 80.00 B
    ("机电", "机电学生第三党支部", "student", 82, 78, 80),  # 24.6 + 23.4 + 32 = 80.00 B
    ("机电", "机电教工第一党支部", "teacher", 85, 85, 85),  # 85.00 B
    ("机电", "机电教工第二党支部", "teacher", 85, 80, 80),  # 25.5 + 24 + 32 = 81.50 B, but D last year
    ("机电", "机电教工第三党支部", "teacher", 72, 70, 68),  # 21.6 + 21 + 27.2 = 69.80 C
    ("外语", "外语教工党支部", "teacher", 94, 92, 92),  # 28.2 + 27.6 + 36.8 = 92.60 A
    ("外语", "外语学生第一党支部", "student", 60, 55, 50),  # 18 + 16.5 + 20 = 54.50 D
    ("外语", "外语学生第二党支部", "student", 78, 78, 78),  # 78.00 B
    ("外语", "外语研究生党支部", "student", 88, 86, 84),  # 26.4 + 25.8 + 33.6 = 85.80 B
    ("机关", "机关第一党支部", "admin", 94, 92, 92),  # 92.60 A by the band: the third A of 13 (cap 2)
    ("机关", "机关第二党支部", "admin", 76, 76, 76),  # 76.00 B
    ("机关", "机关第三党支部", "admin", 90, 88, 86),  # 27 + 26.4 + 34.4 = 87.80 B
]
STUDENT = ("lead", "members", "mech", "study", "mass")
STAFF = ("lead", "members", "mech", "teaching", "mass")


def items(kind: str, total: int) -> list[str]:
    """`--item` options giving `total` points over the kind's five indicators (93 → 19, 19, 19, 18, 18)."""
    keys = STUDENT if kind == "student" else STAFF
    out: list[str] = []
    for n, key in enumerate(keys):
        out += ["--item", f"{key}={total // 5 + (1 if n < total % 5 else 0)}"]
    return out


def ok(r: Any) -> str:
    assert r.exit_code == 0, r.stderr
    return str(r.stdout)


def refused(r: Any, *phrases: str) -> str:
    assert r.exit_code == 1, r.stdout
    message = " ".join(r.stderr.split())  # rich wraps the sentence for the terminal
    assert message.count("。") == 1, message  # one sentence
    for phrase in phrases:
        assert phrase in message, message
    assert "Traceback" not in r.stderr
    return message


@pytest.fixture
def college(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "college"
    path.mkdir()
    shutil.copy(DATA / "grading.yaml", path / "dj.yaml")
    (path / ".gitignore").write_text("out/\n", encoding="utf-8")
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.name", "王干事")
    git(path, "config", "user.email", "wang@zzb.example")
    git(path, "add", "dj.yaml", ".gitignore")
    git(path, "commit", "-q", "-m", "配置")
    monkeypatch.chdir(path)
    monkeypatch.setenv("DJ_NO_FORMS", "1")
    return path


def run_round(dj: Dj, tmp_path: Path) -> dict[str, str]:
    """Survey, self-assess and review all 13 branches; return branch name → id."""
    report = tmp_path / "自我评价报告.md"
    report.write_text("一年来，支部认真落实“三会一课”制度……\n", encoding="utf-8")
    ids: dict[str, str] = {}
    for code, name, kind, *_ in ROUND:
        last = ["--last-grade", "D"] if name == "机电教工第二党支部" else []  # first year with dj: from the archive
        who = CLERK if last else SECRETARY[code]
        facts = [x for fact in FACTS for x in ("--fact", fact)]
        out = ok(dj("--as", who, "branch", "survey", "--unit", UNITS[code], "--name", name, "--kind", kind,
                    "--members", "30", "--committee", "甲、乙、丙", "--secretary", "甲", *facts, *last,
                    "--date", "2026-03-25"))
        ids[name] = out.strip().splitlines()[-1]
    for code, name, kind, own, unit, _ in ROUND:
        ok(dj("--as", SECRETARY[code], "branch", "self-assess", ids[name], *items(kind, own), "--report", str(report),
              "--date", "2026-03-28"))
        ok(dj("--as", REVIEWER[code], "branch", "unit-review", ids[name], *items(kind, unit), "--appraisal",
              "党员和群众测评满意率 95%", "--learning", "学习型党组织建设已验收", "--propose", "B", "--opinion",
              "同意自评", "--date", "2026-04-01"))
    return ids


def decide(dj: Dj, branch_id: str, kind: str, total: int, *extra: str) -> Any:
    return dj("branch", "decide", branch_id, *items(kind, total), "--method", "实地查阅相关材料和会议记录",
              "--method", "个别访谈", *extra, "--date", "2026-04-07")


def test_a_college_grades_its_branches_through_a_round(college: Path, dj: Dj, tmp_path: Path) -> None:
    ids = run_round(dj, tmp_path)
    assert ids["机电学生第一党支部"] == "2026-机电-支01" and ids["机关第三党支部"] == "2026-机关-支03"
    # Roles: a secretary scores their own branch only; the unit reviews, never the branch's own secretary.
    refused(dj("--as", SECRETARY["机电"], "branch", "unit-review", ids["机电学生第一党支部"], *items("student", 90),
               "--appraisal", "好", "--propose", "A", "--opinion", "同意"), "是该支部自己的书记，不能初评本支部")
    refused(dj("--as", SECRETARY["外语"], "branch", "unit-review", ids["机电学生第一党支部"], *items("student", 90),
               "--appraisal", "好", "--propose", "A", "--opinion", "同意"), "不是机电学院党委的人员")
    refused(dj("--as", SECRETARY["机电"], "branch", "decide", ids["机电学生第一党支部"], *items("student", 90),
               "--method", "问卷调查"), "没有", "角色")

    committee = {name: (kind, total) for _, name, kind, _, _, total in ROUND}
    for name in ("机电学生第一党支部", "外语教工党支部"):
        ok(decide(dj, ids[name], *committee[name]))
    first = store.load_branch(college, ids["机电学生第一党支部"])
    assert first.decision is not None  # 0.3 × 95 + 0.3 × 90 + 0.4 × 93 = 28.5 + 27 + 37.2
    assert (first.self_assessment.total, first.unit_review.total, first.decision.total) == (95, 90, 93)  # type: ignore[union-attr]
    assert (first.decision.final, first.grade) == (Decimal("92.70"), "A")

    # The A cap: 13 branches, 20 % → at most 2; the third A is refused, the candidates listed by score.
    third = ids["机关第一党支部"]
    message = refused(decide(dj, third, *committee["机关第一党支部"]), "全部党支部共 13 个，A 级最多 2 个（20%）",
                      "其中 2026-外语-支01 与 2026-机关-支01 同分（92.60 分）")
    listing = message.split("候选：")[1]
    assert listing.index("2026-机电-支01") < listing.index("2026-外语-支01") < listing.index(third)
    ok(decide(dj, third, *committee["机关第一党支部"], "--grade", "B", "--reason", "A 级比例已满，党委议定为 B 级"))
    assert store.load_branch(college, third).grade == "B"

    # No skipping a level: D last year, B by the band → refused; C with the reason accepted.
    jumped = ids["机电教工第二党支部"]
    refused(decide(dj, jumped, *committee["机电教工第二党支部"]), "上一年度为D 级（后进）", "不能越级晋升",
            "--grade C")
    ok(decide(dj, jumped, *committee["机电教工第二党支部"], "--grade", "C", "--reason", "上年为 D 级，不能越级晋升"))
    assert store.load_branch(college, jumped).grade == "C"

    for _, name, *_ in ROUND:
        if store.load_branch(college, ids[name]).decision is None:
            ok(decide(dj, ids[name], *committee[name]))
    grades = {b.name: b.grade for b in store.iter_branches(college, "2026")}
    assert sorted(grades.values()).count("A") == 2 and grades["外语学生第一党支部"] == "D"
    assert grades["机电教工第三党支部"] == "C"

    # Only an A branch is recommended.
    ok(dj("branch", "recommend", ids["机电学生第一党支部"], "--date", "2026-04-08"))
    refused(dj("branch", "recommend", ids["机电学生第二党支部"], "--date", "2026-04-08"),
            "定为B 级（较好），不能推荐为先进党支部")

    # C and D branches not yet given rectification items are due by the report date, with the report itself.
    due = ok(dj("due", "--today", "2026-04-08"))
    assert "下发整改事项" in due and ids["外语学生第一党支部"] in due and "附表4" in due

    d_branch, c_branch = ids["外语学生第一党支部"], ids["机电教工第三党支部"]
    ok(dj("branch", "rectify", d_branch, "--item", "调整支部班子", "--item", "每月开展主题党日",
          "--deadline", "2026-06-30", "--date", "2026-04-10"))
    ok(dj("branch", "rectify", c_branch, "--item", "补齐“三会一课”记录", "--deadline", "2026-05-31",
          "--date", "2026-04-10"))
    ok(dj("branch", "rectify", jumped, "--item", "健全党员管理台账", "--deadline", "2026-06-15",
          "--date", "2026-04-10"))
    due = json.loads(ok(dj("due", "--today", "2026-06-01", "--json")))
    listed = {(d["date"], d["project"], d["days_left"]) for d in due}
    assert {("2026-05-31", c_branch, -1), ("2026-06-15", jumped, 14), ("2026-06-30", d_branch, 29)} <= listed
    assert "已逾期 1 天" in ok(dj("due", "--today", "2026-06-01"))
    ok(dj("branch", "rectified", c_branch, "--note", "已补齐", "--date", "2026-05-25"))
    listed = {d["project"] for d in json.loads(ok(dj("due", "--today", "2026-06-01", "--json")))}
    assert c_branch not in listed and d_branch in listed

    # The D branch's consequences are shown while they last, and gone a year after the decision.
    shown = ok(dj("branch", "show", d_branch, "--date", "2026-12-01"))
    assert "班子成员不得享受绩效等方面的奖励（至 2027-04-06）" in shown and "党支部书记下一年度内不能提拔使用" in shown
    assert "党支部书记下一年度内不能提拔使用" in ok(dj("branch", "list", "--date", "2026-12-01", "--grade", "D"))
    assert "不能提拔使用" not in ok(dj("branch", "show", d_branch, "--date", "2027-04-07"))
    assert "不能提拔使用" not in ok(dj("branch", "list", "--date", "2027-04-07"))

    log = ok(dj("branch", "log", d_branch))
    for step in ("调查摸底", "自评", "初评", "党委考评定级", "下发整改事项"):
        assert step in log
    assert "刘书记（王干事 代录）" in log

    assert ok(dj("audit")).startswith("审计通过")
    assert "13 个党支部定级记录" in ok(dj("check"))

    # A grade edited by hand and committed with plain git: dj audit and dj check --base both catch it.
    git(college, "checkout", "-q", "-b", "edit")
    path = college / "branches" / "2026" / f"{c_branch}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  grade: C\n", "  grade: B\n"), encoding="utf-8")
    git(college, "commit", "-q", "-am", "改为 B 级")
    audit = dj("audit", "--json")
    assert audit.exit_code == 1
    assert any(f["rule"] == "hand-edit" and f["field"] == "decision" for f in json.loads(audit.stdout))
    base = dj("check", "--base", "main", "--json")
    assert base.exit_code == 1
    found = json.loads(base.stdout)
    assert any(f["rule"] == "hand-edit" and f["field"] == "decision" for f in found)
    assert any("没有写明理由" in f["message"] for f in found)  # and at rest


def _forge(college: Path, branch_id: str, action: str, change: dict[str, Any], before: str,
           args: dict[str, Any] | None = None) -> None:
    """A commit dressed as dj's step: the record changed by hand, dj's trailers written by hand."""
    path = college / "branches" / branch_id[:4] / f"{branch_id}.yaml"
    data = store.read_yaml(path, str(path))
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    forged = Branch.model_validate(data)
    path.write_text(store.branch_text(college, forged)[1], encoding="utf-8")
    trailers = [f"Dj-Action: {action}", f"Dj-Branch: {branch_id}", f"Dj-From: {before}",
                f"Dj-To: {forged.status.value}", f"Dj-Actor: {CLERK}", "Dj-Date: 2026-04-07"]
    if args:
        trailers.append(f"Dj-Args: {json.dumps(args, ensure_ascii=False)}")
    git(college, "commit", "-q", "-am", f"{action} {branch_id}\n\n" + "\n".join(trailers))


@pytest.mark.parametrize("name, action, change, args, why", [
    # a decision not from its points: B by the band, A in the record
    ("机关第二党支部", "decide", {"decision": {"grade": "A", "band": "A"}}, None, "decision"),
    # a D→B jump, dressed as the committee choosing the grade with a reason
    ("机电教工第二党支部", "decide", {"decision": {"grade": "B", "reason": "党委议定"}}, {"grade": "B"},
     "不能越级晋升"),
    # an A over the cap
    ("机关第三党支部", "decide", {"decision": {"grade": "A", "reason": "党委议定"}}, {"grade": "A"}, "A 级最多 2 个"),
    # a B recommended
    ("机电学生第二党支部", "recommend", {"recommendation": {"date": "2026-04-07", "by": "王干事",
                                                       "title": "先进党支部"}}, None, "不能推荐"),
])
def test_forged_grading_steps_are_findings(college: Path, dj: Dj, tmp_path: Path, name: str, action: str,
                                           change: dict[str, Any], args: dict[str, Any] | None, why: str) -> None:
    ids = run_round(dj, tmp_path)
    for _, branch, kind, _, _, total in ROUND:
        extra = ("--grade", "C", "--reason", "不能越级晋升") if branch == "机电教工第二党支部" else ()
        extra = ("--grade", "B", "--reason", "A 级比例已满") if branch == "机关第一党支部" else extra
        ok(decide(dj, ids[branch], kind, total, *extra))
    git(college, "checkout", "-q", "-b", "forged")
    _forge(college, ids[name], action, change, "graded", args)
    for command in (("check", "--base", "main", "--json"), ("audit", "--json")):
        r = dj(*command)
        assert r.exit_code == 1, r.stdout
        findings = json.loads(r.stdout)
        assert any(f["rule"] == "replay" and (why in f["message"] or why == f["field"]) for f in findings), findings


def _survey(dj: Dj, name: str, date: str, *extra: str) -> str:
    code = next(c for c, n, *_ in ROUND if n == name)
    kind = next(k for _, n, k, *_ in ROUND if n == name)
    facts = [x for fact in FACTS for x in ("--fact", fact)]
    return ok(dj("--as", SECRETARY[code], "branch", "survey", "--unit", UNITS[code], "--name", name, "--kind", kind,
                 "--members", "12", "--secretary", "甲", *facts, *extra, "--date", date)).strip().splitlines()[-1]


def test_last_years_grade_comes_from_last_years_record(college: Path, dj: Dj, tmp_path: Path) -> None:
    config = college / "dj.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace('round: "2026"', 'round: "2025"'), encoding="utf-8")
    git(college, "commit", "-q", "-am", "2025 年度定级")
    report = tmp_path / "报告.md"
    report.write_text("自我评价\n", encoding="utf-8")
    old = _survey(dj, "外语学生第一党支部", "2025-03-25")
    ok(dj("--as", SECRETARY["外语"], "branch", "self-assess", old, *items("student", 60), "--report", str(report),
          "--date", "2025-03-28"))
    ok(dj("--as", REVIEWER["外语"], "branch", "unit-review", old, *items("student", 55), "--appraisal", "满意率 70%",
          "--propose", "D", "--opinion", "整顿", "--date", "2025-04-01"))
    ok(dj("branch", "decide", old, *items("student", 50), "--method", "群众座谈", "--date", "2025-04-07"))
    config.write_text(config.read_text(encoding="utf-8").replace('round: "2025"', 'round: "2026"'), encoding="utf-8")
    git(college, "commit", "-q", "-am", "2026 年度定级")

    # Nobody types last year's grade: the survey copies it, and a different one is refused.
    refused(dj("branch", "survey", "--unit", "外国语学院党委", "--name", "外语学生第一党支部", "--kind", "student",
               "--members", "12", "--secretary", "甲", "--last-grade", "B",
               *[x for f in FACTS for x in ("--fact", f)], "--date", "2026-03-25"), "定为 D 级，不能另填为 B 级")
    new = _survey(dj, "外语学生第一党支部", "2026-03-25")
    assert store.load_branch(college, new).last_grade == "D"
    assert "上一年度等级  D 级（后进）" in ok(dj("branch", "show", new))
    refused(_survey_again(dj), "2026 年度已调查摸底（2026-外语-支01）")
    assert ok(dj("audit")).startswith("审计通过")  # the survey's copy re-run from the 2025 record at its parent


def _survey_again(dj: Dj) -> Any:
    return dj("--as", SECRETARY["外语"], "branch", "survey", "--unit", "外国语学院党委", "--name", "外语学生第一党支部",
              "--kind", "student", "--members", "12", "--secretary", "甲", *[x for f in FACTS for x in ("--fact", f)],
              "--date", "2026-03-26")


def test_two_clones_surveying_under_one_number_is_found(college: Path, dj: Dj) -> None:
    git(college, "checkout", "-q", "-b", "pr")
    assert _survey(dj, "机电学生第一党支部", "2026-03-25") == "2026-机电-支01"
    git(college, "checkout", "-q", "main")
    assert _survey(dj, "机电学生第二党支部", "2026-03-25") == "2026-机电-支01"
    git(college, "checkout", "-q", "pr")
    r = dj("check", "--base", "main", "--json")
    assert r.exit_code == 1
    assert any(f["rule"] == "duplicate-id" and "dj branch survey" in f["message"] for f in json.loads(r.stdout))


def test_a_survey_with_nothing_to_survey_says_what_to_hand_in(repo: Path, dj: Dj) -> None:
    r = dj("branch", "survey")
    assert r.exit_code == 1 and "--from" in r.stderr and "Traceback" not in r.stderr
    assert not (repo / "branches").exists()

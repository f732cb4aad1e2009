"""`dj check` for the branch grading records (004): each file at rest agrees with dj.yaml and with itself."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from dangjian_cli import grading, store
from dangjian_cli.branchmodel import Branch, BranchStatus, GradeDecision, SelfAssessment, UnitReview
from dangjian_cli.checks import Problem
from dangjian_cli.config import Config
from dangjian_cli.errors import DjError
from dangjian_cli.model import explain

B = BranchStatus
_AFTER = {  # the part each status needs
    B.assessed: ("self_assessment",),
    B.reviewed: ("self_assessment", "unit_review"),
    B.graded: ("self_assessment", "unit_review", "decision"),
    B.rectifying: ("self_assessment", "unit_review", "decision"),
}


def branch_problems(branch: Branch, config: Config) -> list[str]:
    """What in one record does not follow from dj.yaml or from its own parts (a hand edit, most likely)."""
    out = []
    unit = config.unit(branch.unit)
    if unit is None:
        out.append(f"字段 unit：单位“{branch.unit}”不在 dj.yaml 的 units 中")
    elif branch.name not in unit.branches:
        out.append(f"字段 name：党支部“{branch.name}”不属于{unit.name}")
    elif not branch.id.startswith(f"{branch.round}-{unit.code}-支"):
        out.append(f"字段 id：编号 {branch.id} 与年度 {branch.round} 和单位代码 {unit.code} 不符")
    for needed in _AFTER.get(branch.status, ()):
        if getattr(branch, needed) is None:
            out.append(f"字段 {needed}：状态为“{branch.status.label}”却没有这一部分")
    if branch.status is B.rectifying and branch.open_rectification is None:
        out.append("字段 rectifications：状态为“整改中”却没有未完成的整改事项")
    g = config.grading
    if g is None:
        return [*out, "dj.yaml 中没有 grading 配置，无法核对党支部定级记录"]
    rubric = g.rubric_for(branch.kind)
    if rubric is None:
        return [*out, f"字段 kind：党支部类别“{branch.kind}”不在 dj.yaml 的 grading.kinds 中"]
    sheets: list[tuple[str, SelfAssessment | UnitReview | GradeDecision | None]] = [
        ("self_assessment", branch.self_assessment), ("unit_review", branch.unit_review),
        ("decision", branch.decision)]
    for field, part in sheets:
        if part is None:
            continue
        try:
            _, total = grading.sheet(rubric, part.points, field)
        except DjError as e:
            out.append(f"字段 {field}.points：{e.message}")
            continue
        if part.total != total:
            out.append(f"字段 {field}.total：合计 {part.total} 与各项得分算出的 {total} 不符")
    d, sa, ur = branch.decision, branch.self_assessment, branch.unit_review
    if d is not None and sa is not None and ur is not None:
        final = grading.final_score(g, sa.total, ur.total, d.total)
        if d.final != final:
            out.append(f"字段 decision.final：最终得分 {d.final} 与按权重算出的 {final} 不符")
        if d.band != g.band(d.final):
            out.append(f"字段 decision.band：{d.final} 分按分档应为 {g.band(d.final)} 级，记录却是 {d.band} 级")
        if d.grade != d.band and not d.reason.strip():
            out.append(f"字段 decision.reason：定为 {d.grade} 级而分档为 {d.band} 级，却没有写明理由")
        if branch.last_grade and grading.rank(d.grade) < grading.rank(branch.last_grade) - g.max_rise:
            out.append(f"字段 decision.grade：上一年度 {branch.last_grade} 级，定为 {d.grade} 级越级晋升")
    if branch.recommendation is not None and branch.grade not in g.recommend_grades:
        out.append(f"字段 recommendation：{branch.grade or '未定'} 级党支部不能推荐为{g.recommend_title}")
    return out


def cap_problems(branches: list[Branch], config: Config) -> list[Problem]:
    """The A share of each population the cap counts over (the whole round, or each unit)."""
    g = config.grading
    if g is None:
        return []
    out = []
    by_unit = g.a_cap.scope == "unit"
    for round_ in sorted({b.round for b in branches}):
        mine = [b for b in branches if b.round == round_]
        for scope in sorted({b.unit for b in mine}) if by_unit else [""]:
            group = [b for b in mine if not scope or b.unit == scope]
            top = sorted(b.id for b in group if b.grade == "A")
            if len(top) > grading.a_limit(len(group), g):
                where = f"{store.BRANCHES_DIR}/{round_}"
                out.append(Problem(where, f"{scope or '全部'}共 {len(group)} 个党支部，A 级 {len(top)} 个"
                                   f"（{'、'.join(top)}），超过上限 {grading.a_limit(len(group), g)} 个"))
    return out


def check_branches(root: Path, config: Config | None) -> tuple[list[Problem], int]:
    """Every problem in the branch grading records, and how many there are."""
    problems: list[Problem] = []
    read: list[Branch] = []
    files = store.branch_files(root)
    for path in files:
        shown = store.display(path, root)
        try:
            data = store.read_yaml(path, shown)
            store.check_version(data, shown)
            branch = Branch.model_validate(data)
        except DjError as e:
            problems.append(Problem(shown, e.message))
            continue
        except ValidationError as e:
            problems += [Problem(shown, p) for p in explain(e)]
            continue
        read.append(branch)
        expected = store.branch_path(Path(), branch.id).as_posix()
        if shown != expected:
            problems.append(Problem(shown, f"字段 id：编号 {branch.id} 应保存在 {expected}"))
        if config is not None:
            problems += [Problem(shown, m) for m in branch_problems(branch, config)]
    seen: dict[tuple[str, str, str], str] = {}
    for branch in read:  # one record per branch per round: two clones may each have surveyed it
        first = seen.setdefault((branch.round, branch.unit, branch.name), branch.id)
        if first != branch.id:
            problems.append(Problem(store.branch_path(Path(), branch.id).as_posix(),
                                    f"{branch.name} {branch.round} 年度已有定级记录 {first}，这是第二条"))
    if config is not None:
        problems += cap_problems(read, config)
    return problems, len(files)

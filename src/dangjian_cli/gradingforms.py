"""党支部分类定级's Word forms (seed 004 附表1—5): what each template sees, and the render calls.

The values are plain text and lists built from the records and dj.yaml; the filling (sandbox, escaping, the
same bytes every time, a template in the data repository's templates/ winning) is render.py's.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from dangjian_cli import gradingreport, render, store
from dangjian_cli.branchmodel import SURVEY_FACTS, Branch
from dangjian_cli.config import Config
from dangjian_cli.errors import DjError
from dangjian_cli.gradeconfig import GRADES, Grading, GradingRubric, grade_label
from dangjian_cli.grading import final_score, last_step_date, rubric_of, rules
from dangjian_cli.render import cn_date

# template (forms/<name>.docx, or the data repository's templates/<name>.docx) → what the printed file is called
GRADING_FORMS = {
    "grading_rubric": "分类定级评分参考标准",  # 附表1、附表2
    "grading_branch": "调查摸底与分类定级表",  # 附表3
    "grading_summary": "分类定级汇总表",  # 附表4
    "grading_rectification": "整改汇总表",  # 附表5
}
# One branch's forms, by template: what a step prints (transitions.py) and `dj branch render ID` makes.
BRANCH_FORMS = {
    "grading_branch": "调查摸底与分类定级表",  # 附表3
    "grading_rubric": "分类定级评分表",  # its rubric with the self, unit and committee points
    "grading_rectification": "整改汇总表",  # its rectifications, laid out as 附表5
}
BLANK = "______________"
NONE = "无"
# Windows and macOS refuse these in a file name; a rubric's or unit's name from dj.yaml may hold one.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def number(value: Decimal) -> str:
    """Points as a clerk writes them: 4, 4.5 (not 4.0 or 4.50)."""
    text = f"{value.normalize():f}"
    return text


def share_text(weight: Decimal) -> str:
    return f"{number(weight * 100)}%"


def safe_name(text: str) -> str:
    return _UNSAFE.sub("_", text).strip() or "_"


def kind_name(g: Grading, kind: str) -> str:
    found = g.kind(kind)
    return found.name if found else kind


# --- 附表1、附表2: the score sheet of a rubric -----------------------------------------------


def caption(g: Grading, rubric: GradingRubric) -> str:
    """附表1 for the first rubric in dj.yaml, 附表2 for the second (004: students, then staff), 附表2-2 … after."""
    n = next(i for i, r in enumerate(g.rubrics, start=1) if r.key == rubric.key)
    return f"附表{n}" if n <= 2 else f"附表2-{n - 1}"


def weights_line(g: Grading) -> str:
    w = g.weights
    parts = [(label, weight) for label, weight in (("党支部自评得分", w.self_assessment),
                                                   ("二级党组织初评得分", w.unit_review),
                                                   ("学校党委考评得分", w.committee)) if weight]
    return "最终得分 = " + " + ".join(f"{label} × {share_text(weight)}" for label, weight in parts) + "。"


def bands_line(g: Grading) -> str:
    """The bands as the seed's sentences: 90 分及以上为 A 级（先进）；75 分及以上、不足 90 分为 B 级（较好）…"""
    parts, above = [], None
    for band in g.bands:  # highest first (Grading sorts them)
        low = f"{number(band.min)} 分及以上" if band.min else ""
        high = f"不足 {number(above)} 分" if above is not None else ""
        parts.append(f"{'、'.join(p for p in (low, high) if p)}为 {grade_label(band.grade)}")
        above = band.min
    return "等级分档：" + "；".join(parts) + "。"


def rubric_values(config: Config, rubric: GradingRubric, branch: Branch | None = None,
                  blob: str = "") -> dict[str, Any]:
    """附表1/附表2: blank for printing (one empty score column), or with a branch's self, unit and committee points."""
    g = rules(config)
    steps = (branch.self_assessment, branch.unit_review, branch.decision) if branch else ()

    def scores(key: str) -> list[str]:
        return [number(s.points[key]) if s is not None and key in s.points else "" for s in steps]

    notes = ["评分说明：每个指标对照评分要点评分，最高不超过该指标的分值；各项得分相加为总分，满分 100 分。",
             weights_line(g), bands_line(g)]
    if branch is not None and branch.decision is not None:
        d = branch.decision
        notes.append(f"本支部最终得分 {d.final:.2f} 分，评定为 {grade_label(d.grade)}。")
    values = {
        "org": config.org, "round": branch.round if branch else g.round, "caption": caption(g, rubric),
        "title": rubric.name,
        "who": [f"党支部：{branch.name}（{kind_name(g, branch.kind)}）", f"所属二级党组织：{branch.unit}"]
        if branch else [f"党支部：{BLANK}    所属二级党组织：{BLANK}"],
        "filled": branch is not None,
        "headings": [{"name": h.name, "max": number(h.max_total),
                      "indicators": [{"name": i.name, "max": number(i.max), "description": i.description,
                                      "scores": scores(i.key)} for i in h.indicators]}
                     for h in rubric.headings],
        "max_total": number(rubric.max_total),
        "totals": [number(s.total) if s is not None else "" for s in steps],
        "notes": notes,
        "signer": "评分人签字：                    ", "signed_on": cn_date(None),
        "footer": f"定级编号 {branch.id} · 记录版本 {blob}" if branch else f"{config.org} {g.round} 年度党支部分类定级",
        "id": branch.id if branch else "", "blob": blob,
    }
    cleaned: dict[str, Any] = render.clean(values)
    return cleaned


# --- 附表3: one branch ---------------------------------------------------------------------


def _verdict(branch: Branch, g: Grading) -> list[str]:
    """How the final score was reached and what grade it gave; the reason when the committee chose otherwise."""
    d, s, u = branch.decision, branch.self_assessment, branch.unit_review
    if d is None or s is None or u is None:
        return ["尚未考评定级。"]
    w = g.weights
    if final_score(g, s.total, u.total, d.total) == d.final:
        parts = [f"{number(t)} × {share_text(weight)}" for t, weight in
                 ((s.total, w.self_assessment), (u.total, w.unit_review), (d.total, w.committee)) if weight]
        how = f"最终得分 = {' + '.join(parts)} = {d.final:.2f} 分。"
    else:  # dj.yaml's weights changed after the decision: the record's score stands, the formula would mislead
        how = f"最终得分 {d.final:.2f} 分（按定级时的权重计算）。"
    if d.grade == d.band:
        return [how, f"按等级分档为 {grade_label(d.band)}，党委评定为 {grade_label(d.grade)}。"]
    return [how, f"按等级分档为 {grade_label(d.band)}，党委评定为 {grade_label(d.grade)}，理由：{d.reason}"]


def _one_line(text: str) -> str:
    return " ".join(render.lines(text))


def branch_values(branch: Branch, config: Config, blob: str) -> dict[str, Any]:
    """附表3 高等学校基层党支部调查摸底与分类定级表: everything the record says about one branch this round."""
    g = rules(config)
    b, s, u, d = branch, branch.self_assessment, branch.unit_review, branch.decision
    w = g.weights
    steps = [("党支部自评", s, w.self_assessment), ("二级党组织初评", u, w.unit_review),
             ("学校党委考评", d, w.committee)]
    values = {
        "org": config.org, "round": b.round, "id": b.id, "blob": blob, "unit": b.unit, "name": b.name,
        "kind": kind_name(g, b.kind), "members": b.members, "committee": "、".join(b.committee) or NONE,
        "secretary": b.secretary, "last_grade": grade_label(b.last_grade) if b.last_grade else "无（首次定级）",
        "facts": [{"name": label, "note": getattr(b.survey, key)} for key, label in SURVEY_FACTS.items()],
        "surveyed_on": cn_date(b.survey.date), "surveyed_by": b.survey.by,
        "steps": [{"name": name, "date": cn_date(step.date) if step else "", "by": step.by if step else "",
                   "total": number(step.total) if step else "", "weight": share_text(weight)}
                  for name, step, weight in steps],
        "final": f"{d.final:.2f}" if d else "",
        "verdict": _verdict(b, g),
        "appraisal": u.appraisal if u else "", "learning": (u.learning or NONE) if u else "",
        "satisfaction": (u.satisfaction or NONE) if u else "", "proposed": grade_label(u.proposed) if u else "",
        "opinion": _one_line(u.opinion) if u else "",
        "methods": "、".join(d.methods) if d else "", "decided_on": cn_date(d.date) if d else "",
        "grade": (grade_label(d.grade) + (f"（按分档为 {grade_label(d.band)}）" if d.grade != d.band else ""))
        if d else "尚未定级",
        "recommendation": f"{cn_date(b.recommendation.date)}推荐为{b.recommendation.title}"
        if b.recommendation else NONE,
        "consequences": "；".join(f"{c.text}（至 {cn_date(c.until)}）" for c in b.consequences) or NONE,
        "rectifications": [{"issued": cn_date(r.issued), "deadline": cn_date(r.deadline),
                            "content": "；".join(f"{n}. {item}" for n, item in enumerate(r.items, start=1)),
                            "state": f"{cn_date(r.done)}完成" + (f"：{r.note}" if r.note else "") if r.done
                            else "未完成"} for r in b.rectifications],
    }
    cleaned: dict[str, Any] = render.clean(values)
    return cleaned


# --- 附表4、附表5: the round ---------------------------------------------------------------


def _tally_values(t: gradingreport.Tally) -> dict[str, Any]:
    return {"name": t.name, "branches": t.branches, "ungraded": t.ungraded,
            "grades": [{"count": t.count(g), "share": gradingreport.percent_text(t.share(g))} for g in GRADES]}


def _note(b: Branch) -> str:
    notes = []
    if b.decision is not None and b.decision.grade != b.decision.band:
        notes.append(f"按分档为 {b.decision.band} 级")
    if b.recommendation is not None:
        notes.append(f"推荐为{b.recommendation.title}")
    if b.rectifications:
        notes.append("整改中" if b.open_rectification else "已完成整改")
    return "；".join(notes)


def summary_values(branches: Sequence[Branch], config: Config, *, unit: str | None = None) -> dict[str, Any]:
    """附表4 高等学校基层党支部分类定级汇总表: per unit the counts and shares of each grade, a total row, the A cap,
    and every branch with its grade."""
    g = rules(config)
    chosen = [b for b in branches if unit is None or b.unit == unit]
    round_ = gradingreport.one_round(chosen, config)
    rows, total = gradingreport.tallies(chosen, config)
    groups = dict(gradingreport.by_unit(chosen, config))
    values = {
        "org": config.org, "round": round_, "reporter": unit or config.org,
        "date": cn_date(gradingreport.stamp(chosen, round_)),
        "units": [{**_tally_values(t),
                   "list": [{"id": b.id, "name": b.name, "kind": kind_name(g, b.kind),
                             "last_grade": b.last_grade or NONE,
                             "final": f"{b.decision.final:.2f}" if b.decision else "",
                             "grade": b.grade or "未定级", "note": _note(b)} for b in groups[t.name]]}
                  for t in rows],
        "total": _tally_values(total),
        "cap": [c.sentence() for c in gradingreport.cap_checks(chosen, config)],
    }
    cleaned: dict[str, Any] = render.clean(values)
    return cleaned


def rectification_values(branches: Sequence[Branch], config: Config, *, unit: str | None = None,
                         reporter: str = "") -> dict[str, Any]:
    """附表5 高等学校基层党支部整改汇总表: every rectification notice of the round, done or not."""
    chosen = [b for b in branches if unit is None or b.unit == unit]
    round_ = gradingreport.one_round(chosen, config)
    rows = gradingreport.rectification_rows(chosen, config)
    done = sum(1 for r in rows if r.done is not None)
    values = {
        "org": config.org, "round": round_, "reporter": reporter or unit or config.org,
        "date": cn_date(gradingreport.stamp(chosen, round_)),
        "rows": [{"n": n, "unit": r.unit, "name": r.name, "grade": f"{r.grade} 级" if r.grade else "未定级",
                  "content": r.items_text, "issued": cn_date(r.issued), "deadline": cn_date(r.deadline),
                  "state": r.state} for n, r in enumerate(rows, start=1)],
        "tally": f"共 {len(rows)} 份整改通知，已完成 {done} 份，未完成 {len(rows) - done} 份。",
    }
    cleaned: dict[str, Any] = render.clean(values)
    return cleaned


# --- rendering -----------------------------------------------------------------------------


def branch_blob(root: Path, branch_id: str) -> str:
    """git's blob id of the branch's record: the version a printed form was made from."""
    return render.blob_id(store.branch_path(root, branch_id).read_bytes())


def branch_stamp(branch: Branch) -> dt.date:
    return last_step_date(branch) or dt.date(int(branch.round), 1, 1)


def _fill(form: str, values: Mapping[str, Any], target: Path, day: dt.date, config: Config,
          root: Path | None) -> Path:
    return render.render_template(render.template_path(root, form), values, target, day, config.org)


def render_rubric(config: Config, rubric: str, out_dir: Path, *, root: Path | None) -> Path:
    """附表1/附表2 blank, for one rubric of dj.yaml (by its key): `<年度>-<评分标准名称>.docx`."""
    g = rules(config)
    found = next((r for r in g.rubrics if r.key == rubric), None)
    if found is None:
        known = "、".join(f"{r.key}（{r.name}）" for r in g.rubrics)
        raise DjError(f"dj.yaml 的 grading.rubrics 中没有代码为“{rubric}”的评分标准；可选：{known}。")
    target = out_dir / f"{g.round}-{safe_name(found.name)}.docx"
    return _fill("grading_rubric", rubric_values(config, found), target, dt.date(int(g.round), 1, 1), config, root)


def render_rubrics(config: Config, out_dir: Path, *, root: Path | None) -> list[Path]:
    """Every rubric of dj.yaml as a blank score sheet."""
    return [render_rubric(config, r.key, out_dir, root=root) for r in rules(config).rubrics]


def render_score_sheet(branch: Branch, config: Config, out_dir: Path, *, root: Path | None, blob: str) -> Path:
    """The branch's rubric with its self, unit and committee points: `<编号>-分类定级评分表.docx`."""
    values = rubric_values(config, rubric_of(branch, rules(config)), branch, blob)
    return _fill("grading_rubric", values, out_dir / f"{branch.id}-分类定级评分表.docx", branch_stamp(branch),
                 config, root)


def render_branch(branch: Branch, config: Config, out_dir: Path, *, root: Path | None, blob: str) -> Path:
    """附表3 for one branch: `<编号>-调查摸底与分类定级表.docx`."""
    target = out_dir / f"{branch.id}-{GRADING_FORMS['grading_branch']}.docx"
    return _fill("grading_branch", branch_values(branch, config, blob), target, branch_stamp(branch), config, root)


def _round_target(out_dir: Path, branches: Sequence[Branch], config: Config, unit: str | None, form: str) -> Path:
    round_ = gradingreport.one_round([b for b in branches if unit is None or b.unit == unit], config)
    who = f"{safe_name(unit)}-" if unit else ""
    return out_dir / f"{round_}-{who}{GRADING_FORMS[form]}.docx"


def _round_stamp(branches: Sequence[Branch], config: Config, unit: str | None) -> dt.date:
    chosen = [b for b in branches if unit is None or b.unit == unit]
    return gradingreport.stamp(chosen, gradingreport.one_round(chosen, config))


def render_summary(branches: Sequence[Branch], config: Config, out_dir: Path, *, root: Path | None,
                   unit: str | None = None) -> Path:
    """附表4 for the round (or one unit's branches): `<年度>[-<单位>]-分类定级汇总表.docx`."""
    return _fill("grading_summary", summary_values(branches, config, unit=unit),
                 _round_target(out_dir, branches, config, unit, "grading_summary"),
                 _round_stamp(branches, config, unit), config, root)


def render_rectifications(branches: Sequence[Branch], config: Config, out_dir: Path, *, root: Path | None,
                          unit: str | None = None) -> Path:
    """附表5 for the round (or one unit's branches): `<年度>[-<单位>]-整改汇总表.docx`."""
    return _fill("grading_rectification", rectification_values(branches, config, unit=unit),
                 _round_target(out_dir, branches, config, unit, "grading_rectification"),
                 _round_stamp(branches, config, unit), config, root)


def render_branch_rectifications(branch: Branch, config: Config, out_dir: Path, *, root: Path | None,
                                 blob: str) -> Path:
    """The branch's own rectifications as 附表5 lays them out: `<编号>-整改汇总表.docx`."""
    values = rectification_values([branch], config, reporter=f"{branch.unit} {branch.name}")
    target = out_dir / f"{branch.id}-{BRANCH_FORMS['grading_rectification']}.docx"
    return _fill("grading_rectification", values, target, branch_stamp(branch), config, root)


def available(branch: Branch) -> list[str]:
    """The branch's forms the record has the facts for."""
    has = {"grading_branch": True, "grading_rubric": branch.self_assessment is not None,
           "grading_rectification": bool(branch.rectifications)}
    return [form for form in BRANCH_FORMS if has[form]]


def render_form(branch: Branch, config: Config, form: str, out_dir: Path, *, root: Path | None, blob: str) -> Path:
    """One of the branch's forms (BRANCH_FORMS) into `out_dir`."""
    if form not in BRANCH_FORMS:
        known = "、".join(f"{k}（{v}）" for k, v in BRANCH_FORMS.items())
        raise DjError(f"党支部没有名为“{form}”的表格；可选：{known}。")
    if form not in available(branch):
        have = "、".join(BRANCH_FORMS[f] for f in available(branch))
        raise DjError(f"党支部 {branch.id} 目前还没有{BRANCH_FORMS[form]}（状态：{branch.status.label}）；"
                      f"可生成：{have}。")
    make = {"grading_branch": render_branch, "grading_rubric": render_score_sheet,
            "grading_rectification": render_branch_rectifications}[form]
    return make(branch, config, out_dir, root=root, blob=blob)

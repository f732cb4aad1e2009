"""`dj demo`: a data repository where the sample projects live through a year, step by step."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from dangjian_cli import actions, checks, gitrepo, gradeactions, grading, gradingstats, initrepo, report, store
from dangjian_cli.branchmodel import Branch
from dangjian_cli.config import Config
from dangjian_cli.errors import DjError
from dangjian_cli.gradeconfig import GradingRubric
from dangjian_cli.model import Project
from dangjian_cli.session import Session, open_session, with_actor
from dangjian_cli.steps import Outcome


@dataclass(frozen=True)
class DemoResult:
    root: Path
    projects: list[Project]
    commits: int
    outputs: list[Path]  # the cycle's paperwork: the award lists, the ledger, the grading round's forms
    branch_forms: list[Path]  # each graded branch's own forms, in out/<编号>/


def _packaged(name: str) -> str:
    return (resources.files("dangjian_cli") / "demo" / name).read_text("utf-8")


def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """The projects with their steps, the events that belong to no single project (awards), the grading round."""
    data = store.parse_yaml(_packaged("scenario.yaml"), "demo/scenario.yaml")
    return data["projects"], data.get("events", []), data.get("grading", {})


def spread(rubric: GradingRubric, total: str) -> dict[str, str]:
    """Points adding up to `total`: full marks, then a point off each indicator in turn, the last first."""
    points = {i.key: i.max for i in rubric.indicators}
    keys = [i.key for i in reversed(rubric.indicators)]
    short, n = rubric.max_total - Decimal(total), 0
    while short > 0:
        key = keys[n % len(keys)]
        if points[key] >= 1:
            points[key] -= 1
            short -= 1
        n += 1
    return {key: str(value) for key, value in points.items()}


def grading_steps(round_: dict[str, Any], clerk: str) -> list[tuple[str, int, dict[str, Any]]]:
    """Each branch's steps through the round (004), dated: (date, branch's place in the scenario, step)."""
    dates = round_.get("dates", {})
    out: list[tuple[str, int, dict[str, Any]]] = []
    for k, b in enumerate(round_.get("branches", [])):
        self_total, unit_total, committee_total = (str(t) for t in b["scores"])
        # a grade from before dj comes from the archive: only the clerk may enter it
        out += [(dates["survey"], k, {"action": "survey", "by": clerk if b.get("last_grade") else b["secretary"]}),
                (dates["self-assess"], k, {"action": "self-assess", "by": b["secretary"], "total": self_total}),
                (dates["unit-review"], k, {"action": "unit-review", "by": round_["reviewers"][b["unit"]],
                                           "total": unit_total}),
                (b.get("decide_on", dates["decide"]), k, {"action": "decide", "by": clerk, "total": committee_total})]
        if "recommend" in b:
            out.append((b["recommend"], k, {"action": "recommend", "by": clerk}))
        for action in ("rectify", "rectified"):
            if action in b:
                out.append((b[action]["date"], k, {"action": action, "by": clerk}))
    return out


def _grade(session: Session, round_: dict[str, Any], k: int, step: dict[str, Any], ids: dict[int, str],
           on: dt.date) -> None:
    """One grading step of the scenario, through the same library calls as `dj branch …`."""
    b, action = round_["branches"][k], step["action"]
    if action == "survey":
        fields = {key: b[key] for key in ("unit", "name", "kind", "members", "committee", "secretary")}
        fields["survey"] = {**round_["facts"], **b.get("facts", {})}
        ids[k] = gradeactions.survey(session, fields, last_grade=b.get("last_grade"), on=on).branch.id
        return
    rubric = grading.rubric_of(store.load_branch(session.root, ids[k]), grading.rules(session.config))
    points = spread(rubric, step["total"]) if "total" in step else {}
    args: dict[str, Any] = {
        "self-assess": {"points": points, "report": round_["report"]},
        "unit-review": {"points": points, "appraisal": round_["appraisal"], "proposed": b.get("propose", ""),
                        "opinion": b.get("opinion", "")},
        "decide": {"points": points, "methods": round_["methods"], "grade": b.get("grade"),
                   "reason": b.get("reason", "")},
        "recommend": {},
        "rectify": {"items": b.get("rectify", {}).get("items", []),
                    "deadline": dt.date.fromisoformat(str(b.get("rectify", {}).get("deadline", on)))},
        "rectified": {"note": b.get("rectified", {}).get("note", "")},
    }[action]
    gradeactions.step(session, ids[k], action, args, on)


def _play(session: Session, step: dict[str, Any], project_id: str | None) -> Outcome:
    action = step["action"]
    on = dt.date.fromisoformat(step["date"])
    if action == "apply" and project_id is None:
        return actions.apply_new(session, step["application"], on)
    assert project_id is not None
    if action == "apply":
        return actions.resubmit(session, project_id, step.get("changes", {}), on)
    if action == "approve":
        return actions.approve(session, project_id, opinion=step.get("opinion", ""),
                               doc_no=step.get("doc_no", ""), on=on)
    if action in ("reject", "return", "terminate"):
        run = {"reject": actions.reject, "return": actions.return_, "terminate": actions.terminate}[action]
        return run(session, project_id, reason=step["reason"], on=on)
    if action == "mid-check":
        deadline = dt.date.fromisoformat(step["deadline"]) if "deadline" in step else None
        return actions.mid_check(session, project_id, result=step["result"], opinion=step.get("opinion", ""),
                                 deadline=deadline, issues=step.get("issues", ""), on=on)
    if action == "rectified":
        return actions.rectified(session, project_id, note=step.get("note", ""), on=on)
    if action == "close":
        return actions.close(session, project_id, report=step["report"], on=on)
    if action == "score":
        return actions.score(session, project_id, reviewer=step["by"], points=step["points"],
                             comment=step.get("comment", ""), on=on)
    if action == "accept":
        return actions.accept(session, project_id, on=on)
    if action == "spend":
        return actions.spend(session, project_id, amount=Decimal(step["amount"]), item=step["item"],
                             receipt=step.get("receipt", ""), on=on)
    if action == "recommend":
        return actions.recommend(session, project_id, on=on)
    if action == "shortlist":
        return actions.shortlist(session, [project_id], on=on)[0]
    if action == "defense":
        return actions.defense(session, project_id, judge=step["by"], points=step["points"], on=on)
    raise DjError(f"演示数据中有不认识的步骤“{action}”。")


def build(target: Path, today: dt.date | None = None) -> DemoResult:
    """Create the demo repository at `target` and replay the scenario in date order."""
    target = target.resolve()
    if target.exists() and any(target.iterdir()):
        raise DjError(f"目录 {target} 已存在且不是空的；请换一个目录名，或先删除它。")
    config_text = _packaged("dj.yaml")
    config = store.validate(Config, store.parse_yaml(config_text, "demo/dj.yaml"), "demo/dj.yaml")
    clerk = next(p for p in config.people if "clerk" in p.roles)
    target.mkdir(parents=True, exist_ok=True)
    gitrepo.init(target)
    gitrepo.set_identity(target, clerk.name, clerk.email)
    initrepo.init(target, preset="demo", config_text=config_text, cycle=config.cycle, today=today)
    base = replace(open_session(target, today=today), forms=False)  # the cycle's paperwork comes at the end

    projects, events, round_ = scenario()
    branch_steps = grading_steps(round_, clerk.name)
    graded = len(projects) + 1  # the grading's steps sort after the projects' and the events of the same day
    steps = sorted(
        [(step["date"], i, j, step) for i, p in enumerate(projects) for j, step in enumerate(p["steps"])]
        + [(event["date"], len(projects), j, event) for j, event in enumerate(events)]
        + [(date, graded + k, j, step) for j, (date, k, step) in enumerate(branch_steps)],
        key=lambda s: (str(s[0]), s[1], s[2]),
    )
    ids: dict[int, str] = {}
    branch_ids: dict[int, str] = {}
    outputs: list[Path] = []
    for date, i, _, step in steps:
        session = with_actor(base, step["by"], when=f"{date}T10:00:00+08:00")
        on = dt.date.fromisoformat(str(date))
        if i >= graded:
            _grade(session, round_, i - graded, step, branch_ids, on)
            continue
        if i == len(projects):  # an event: a cycle's award
            contest = step["action"] == "competition-award"
            placings, _ = actions.award(session, competition=contest, on=on)
            outputs.append(actions.award_list(session, placings, competition=contest, on=on))
            continue
        if step["action"] == "apply" and i not in ids:
            step = {**step, "application": projects[i]["application"]}
        outcome = _play(session, step, ids.get(i))
        ids[i] = outcome.project.id
    gitrepo.write_commit_graph(target)
    final = [store.load_project(target, ids[i]) for i in sorted(ids)]
    rows = checks.repository_index(target, config).summaries(config.cycle)
    branches = store.iter_branches(target, grading.rules(config).round) if branch_ids else []
    tables = gradingstats.tables(branches, config) if branches else []
    ledger = report.write_xlsx(rows, config, config.cycle, target / "out" / f"台账-{config.cycle}.xlsx",
                               grading=tables)
    round_forms, branch_forms = _grading_paperwork(target, config, branches)
    return DemoResult(target, final, len(steps) + 1, [*outputs, ledger, *round_forms], branch_forms)


def _grading_paperwork(root: Path, config: Config, branches: list[Branch]) -> tuple[list[Path], list[Path]]:
    """The round's forms (004 附表1、2、4、5) under out/ with 附表4、附表5 as xlsx; each branch's in out/<编号>/."""
    if not branches:
        return [], []
    from dangjian_cli import gradingforms, gradingreport, render

    out = root / render.OUT_DIR
    round_ = branches[0].round
    own = render.render_many(root, config, branches, out, has=gradingforms.available, make=gradingforms.render_form,
                             blob_of=gradingforms.branch_blob)
    return [*gradingforms.render_rubrics(config, out, root=root),
            gradingforms.render_summary(branches, config, out, root=root),
            gradingforms.render_rectifications(branches, config, out, root=root),
            gradingreport.write_summary_xlsx(branches, config, out / f"{round_}-{gradingreport.SUMMARY_FILE}.xlsx"),
            gradingreport.write_rectification_xlsx(branches, config,
                                                   out / f"{round_}-{gradingreport.RECTIFICATION_FILE}.xlsx")], own

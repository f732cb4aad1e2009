"""`dj demo`: a data repository where the sample projects live through a year, step by step."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from dangjian_cli import actions, checks, gitrepo, initrepo, report, store
from dangjian_cli.config import Config
from dangjian_cli.errors import DjError
from dangjian_cli.model import Project
from dangjian_cli.session import Session, open_session, with_actor
from dangjian_cli.steps import Outcome


@dataclass(frozen=True)
class DemoResult:
    root: Path
    projects: list[Project]
    commits: int
    outputs: list[Path]  # the cycle's paperwork: the ledger (and the award list)


def _packaged(name: str) -> str:
    return (resources.files("dangjian_cli") / "demo" / name).read_text("utf-8")


def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The projects with their steps, and the events that belong to no single project (awards)."""
    data = store.parse_yaml(_packaged("scenario.yaml"), "demo/scenario.yaml")
    return data["projects"], data.get("events", [])


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

    projects, events = scenario()
    steps = sorted(
        [(step["date"], i, j, step) for i, p in enumerate(projects) for j, step in enumerate(p["steps"])]
        + [(event["date"], len(projects), j, event) for j, event in enumerate(events)],
        key=lambda s: (s[0], s[1], s[2]),
    )
    ids: dict[int, str] = {}
    outputs: list[Path] = []
    for date, i, _, step in steps:
        session = with_actor(base, step["by"], when=f"{date}T10:00:00+08:00")
        if i == len(projects):  # an event: a cycle's award
            on = dt.date.fromisoformat(date)
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
    ledger = report.write_xlsx(rows, config, config.cycle, target / "out" / f"台账-{config.cycle}.xlsx")
    return DemoResult(target, final, len(steps) + 1, [*outputs, ledger])

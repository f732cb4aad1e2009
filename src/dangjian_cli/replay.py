"""Run a step from its recorded arguments: the same call for the command and for the audit's re-run.

A commit's `Dj-Args` holds every argument of its step except what the step copies verbatim into
the record (the application, the closing report, a reviewer's points and comment): the audit reads
those back from the committed record, re-runs the step and compares what it would have written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from dangjian_cli import awards, correction, grading, workflow
from dangjian_cli.branchmodel import Branch
from dangjian_cli.config import Person
from dangjian_cli.context import Context
from dangjian_cli.errors import DjError
from dangjian_cli.model import CLOSING_SECTIONS, Project

Args = Mapping[str, Any]
Runner = Callable[[Project | None, Context, Args], Project]


def _day(value: Any) -> dt.date | None:
    return value if isinstance(value, dt.date) or value is None else dt.date.fromisoformat(str(value))


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _person(ctx: Context, key: str) -> Person:
    person = ctx.config.person(str(key))
    if person is None:
        raise DjError(f"评分人“{key}”不在当时的 dj.yaml 的 people 中。")
    return person


def _existing(project: Project | None) -> Project:
    if project is None:
        raise DjError("这一步只能办理已有的项目。")
    return project


def _apply(p: Project | None, ctx: Context, a: Args) -> Project:
    if p is None:
        return workflow.apply(a["fields"], ctx, str(a["id"]))
    return workflow.resubmit(p, a["fields"], ctx)


def _defense(p: Project, ctx: Context, a: Args) -> Project:
    """答辩评分, held to the acceptance sheets' rule: a judge's different sheet replaces theirs only with `replace`."""
    judge = _person(ctx, a["reviewer"])
    after = awards.defense(p, ctx, judge=judge, points=a["points"], comment=a.get("comment", ""))
    old = p.competition.scores if p.competition else []
    new = next(s for s in after.competition.scores if s.email.lower() == judge.email.lower()) \
        if after.competition else None
    if new is not None:
        workflow.put_sheet(old, new, bool(a.get("replace")))  # refuses a silent replacement
        if any(workflow.same_sheet(s, new) for s in old):
            return p  # the same sheet again: the one on record stays, date and all
    return after


# action → how to call its pure step with the recorded arguments
RUNNERS: dict[str, Runner] = {
    "apply": _apply,
    "approve": lambda p, c, a: workflow.approve(_existing(p), c, opinion=a.get("opinion", ""),
                                                doc_no=a.get("doc_no", ""), funding=_money(a.get("funding"))),
    "reject": lambda p, c, a: workflow.reject(_existing(p), c, reason=a.get("reason", "")),
    "return": lambda p, c, a: workflow.return_(_existing(p), c, reason=a.get("reason", "")),
    "mid-check": lambda p, c, a: workflow.mid_check(_existing(p), c, result=a.get("result", ""),
                                                    opinion=a.get("opinion", ""), deadline=_day(a.get("deadline")),
                                                    issues=a.get("issues", "")),
    "rectified": lambda p, c, a: workflow.rectified(_existing(p), c, note=a.get("note", "")),
    "close": lambda p, c, a: workflow.close(_existing(p), c, report=a["report"]),
    "score": lambda p, c, a: workflow.score(_existing(p), c, reviewer=_person(c, a["reviewer"]),
                                            points=a["points"], comment=a.get("comment", ""),
                                            replace=bool(a.get("replace"))),
    "accept": lambda p, c, a: workflow.accept(_existing(p), c),
    "terminate": lambda p, c, a: workflow.terminate(_existing(p), c, reason=a.get("reason", "")),
    "spend": lambda p, c, a: workflow.spend(_existing(p), c, amount=Decimal(str(a["amount"])),
                                            item=a.get("item", ""), receipt=a.get("receipt", "")),
    "promote": lambda p, c, a: workflow.promote(_existing(p), c, str(a["id"])),
    "recommend": lambda p, c, a: awards.recommend(_existing(p), c),
    "shortlist": lambda p, c, a: awards.shortlist(_existing(p), c),
    "defense": lambda p, c, a: _defense(_existing(p), c, a),
    "correct": lambda p, c, a: correction.correct(_existing(p), c, to=_day(a.get("to")), reason=a.get("reason", "")),
    "renumber": lambda p, c, a: workflow.renumber(_existing(p), c, str(a["id"]), collided=bool(a.get("collided")),
                                                  force=bool(a.get("force"))),
}

# The arguments a step copies verbatim into the record: kept out of the trailer, read back by the audit.
VERBATIM = frozenset({"fields", "report", "points", "comment", "id"})


def run(action: str, before: Project | None, ctx: Context, args: Args) -> Project:
    """The step `action` on `before` with its arguments: what dj writes, or a DjError."""
    return RUNNERS[action](before, ctx, args)


def recorded(args: Args, verbatim: frozenset[str] = VERBATIM) -> dict[str, Any]:
    """What goes into the commit's Dj-Args: the arguments the record does not already hold."""
    return {k: v for k, v in args.items() if k not in verbatim and v not in (None, "")}


def read_back(action: str, after: Project, args: Args) -> dict[str, Any]:
    """The recorded arguments, completed with what the step copied into `after`."""
    out: dict[str, Any] = {**args, "id": after.id}
    if action in ("apply", "promote"):
        out["fields"] = after.model_dump(include=set(workflow.APPLICATION_FIELDS), exclude_none=True)
    elif action == "close" and after.closing_report is not None:
        out["report"] = {k: getattr(after.closing_report, k) for k in CLOSING_SECTIONS}
    elif action in ("score", "defense"):
        sheets = after.scores if action == "score" else (after.competition.scores if after.competition else [])
        who = str(args.get("reviewer", "")).lower()
        sheet = next((s for s in sheets if s.email.lower() == who), None)
        if sheet is not None:
            out.update(points={k: str(v) for k, v in sheet.points.items()}, comment=sheet.comment)
    return out


# --- branch grading (004) ------------------------------------------------------------------

BranchRunner = Callable[[Branch | None, Context, Args, grading.Peers], Branch]


def _branch(branch: Branch | None) -> Branch:
    if branch is None:
        raise DjError("这一步只能办理已调查摸底的党支部。")
    return branch


BRANCH_RUNNERS: dict[str, BranchRunner] = {
    "survey": lambda b, c, a, p: grading.survey(a["fields"], c, str(a["id"]), p, last_grade=a.get("last_grade")),
    "self-assess": lambda b, c, a, p: grading.self_assess(_branch(b), c, points=a["points"],
                                                          report=a.get("report", "")),
    "unit-review": lambda b, c, a, p: grading.unit_review(
        _branch(b), c, points=a["points"], appraisal=a.get("appraisal", ""), proposed=a.get("proposed", ""),
        opinion=a.get("opinion", ""), learning=a.get("learning", ""), satisfaction=a.get("satisfaction", "")),
    "decide": lambda b, c, a, p: grading.decide(_branch(b), c, p, points=a["points"], methods=a.get("methods", []),
                                                grade=a.get("grade"), reason=a.get("reason", "")),
    "recommend": lambda b, c, a, p: grading.recommend(_branch(b), c),
    "rectify": lambda b, c, a, p: grading.rectify(_branch(b), c, items=a.get("items", []),
                                                  deadline=_day(a.get("deadline"))),
    "rectified": lambda b, c, a, p: grading.rectified(_branch(b), c, note=a.get("note", "")),
}

# What a grading step copies into the record: read back from it, not kept in the trailer. What stays in
# Dj-Args: a last year's grade the clerk gave, a grade the committee chose over the band, a deadline.
BRANCH_VERBATIM = frozenset({"fields", "points", "report", "appraisal", "learning", "satisfaction", "proposed",
                             "opinion", "methods", "reason", "items", "note", "id"})
_SURVEYED = ("unit", "name", "kind", "members", "committee", "secretary")


def run_branch(action: str, before: Branch | None, ctx: Context, args: Args, peers: grading.Peers) -> Branch:
    """The grading step `action` on `before` with its arguments: what dj writes, or a DjError."""
    return BRANCH_RUNNERS[action](before, ctx, args, peers)


def branch_read_back(action: str, after: Branch, args: Args) -> dict[str, Any]:
    """The recorded arguments, completed with what the grading step copied into `after`."""
    out: dict[str, Any] = {**args, "id": after.id}
    part: Any = {"self-assess": after.self_assessment, "unit-review": after.unit_review,
                 "decide": after.decision}.get(action)
    if action == "survey":
        out["fields"] = {**after.model_dump(include=set(_SURVEYED)),
                         "survey": after.survey.model_dump(exclude={"date", "by"})}
    elif part is not None:
        copied = part.model_dump(exclude={"date", "by", "total", "final", "band", "grade"})
        copied["points"] = {k: str(v) for k, v in part.points.items()}
        out.update(copied)
    elif action == "rectify" and after.rectifications:
        out["items"] = list(after.rectifications[-1].items)
    elif action == "rectified":
        done = [r for r in after.rectifications if r.done is not None]
        if done:
            out["note"] = done[-1].note
    return out

"""Who must act next: the step each record waits for, the people dj's own guards let take it, and its deadline.

Who may take a step is never decided here: each person is put to the step's own guard (workflow.begin,
grading.begin, the score sheet's 回避), so `dj todo` names exactly the people the step would accept. A clerk may
take almost any step for anyone (that is how paper reaches the repository), so a step waits on a clerk only when
nobody takes it in their own right. Deadlines are `dj due`'s, from the calendar and the notices' deadlines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dangjian_cli import due, grading, workflow
from dangjian_cli.branchmodel import Branch, BranchStatus
from dangjian_cli.config import Config, Person, Role, Rubric
from dangjian_cli.context import Actor, Context
from dangjian_cli.errors import DjError
from dangjian_cli.index import Index
from dangjian_cli.model import Project, Status
from dangjian_cli.scoresheet import score_sheet
from dangjian_cli.summary import Summary
from dangjian_cli.transitions import BRANCH_TRANSITIONS, TRANSITIONS, Transition

# due() lists what falls due within a horizon of its "today": from here on, that is everything it knows.
_EVERYTHING = dt.date.max - due.HORIZON
# A probe is dated so that no record's last step is later and no "today" earlier: only role and reach decide.
_PROBE_DAY = dt.date.max

# What a project waits for in each status: the step, and what a list of things to do calls it. A closed
# project also waits for each reviewer's sheet (see _sheets).
PROJECT_NEXT: dict[Status, tuple[str, str]] = {
    Status.draft: ("apply", "修改后重新申报"),
    Status.applied: ("approve", "审批申报（立项、退回或不予立项）"),
    Status.approved: ("mid-check", "中期检查"),
    Status.rectifying: ("rectified", "确认整改完成"),
    Status.midchecked: ("close", "提交结题报告"),
    Status.closed: ("accept", "验收"),
}

# What a branch's grading record (004) waits for. A graded branch waits only when `dj due` lists it:
# a C or D grade whose rectification has not been issued.
BRANCH_NEXT: dict[BranchStatus, tuple[str, str]] = {
    BranchStatus.surveyed: ("self-assess", "党支部自评"),
    BranchStatus.assessed: ("unit-review", "二级党组织初评"),
    BranchStatus.reviewed: ("decide", "党委考评定级"),
    BranchStatus.rectifying: ("rectified", "确认党支部整改完成"),
    BranchStatus.graded: ("rectify", "下发整改事项"),
}


@dataclass(frozen=True)
class Task:
    person: Person
    what: str  # the step, in a clerk's words
    record: str  # the project's or branch's id; '' for a unit's own task
    title: str  # the project's title, the branch's name, or '' for a unit's task
    unit: str
    command: str  # how to take the step, '' when no single command does
    deadline: dt.date | None
    since: dt.date | None  # the record's last step: how long it has waited

    def days_left(self, today: dt.date) -> int | None:
        return None if self.deadline is None else (self.deadline - today).days

    def state(self, today: dt.date) -> str:
        left = self.days_left(today)
        if left is None:
            return "—"
        return f"已逾期 {-left} 天" if left < 0 else ("今天到期" if left == 0 else f"还有 {left} 天")


def _admits(check: Callable[[Context], object], ctx: Context) -> bool:
    try:
        check(ctx)
    except DjError:
        return False
    return True


def principal(admitted: Sequence[Person], roles: Iterable[Role]) -> list[Person]:
    """Those who take the step in their own right (a role of it besides clerk); the clerks when nobody does."""
    own = set(roles) - {Role.clerk}
    first = [p for p in admitted if own.intersection(p.roles)]
    return first or [p for p in admitted if Role.clerk in p.roles]


class _Guards:
    """Each step's guard put to each person, remembered by what the guard looks at (step, status, unit, branch)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.seen: dict[tuple[object, ...], list[Person]] = {}

    def context(self, person: Person) -> Context:
        return Context(self.config, Actor(person.name, person.email, person), _PROBE_DAY, _PROBE_DAY)

    def _who(self, key: tuple[object, ...], roles: Iterable[Role], check: Callable[[Context], object]) -> list[Person]:
        if key not in self.seen:
            admitted = []
            for person in self.config.people:
                if _admits(check, self.context(person)):
                    admitted.append(person)
            self.seen[key] = principal(admitted, roles)
        return self.seen[key]

    def project(self, action: str, status: Status, unit: str, branch: str) -> list[Person]:
        key = ("project", action, status, unit, branch)
        if key not in self.seen:
            fields: dict[str, Any] = {"id": "0000-探-000", "unit": unit, "branch": branch, "status": status}
            probe = Project.model_construct(**fields)  # only what the guard looks at
            self._who(key, TRANSITIONS[action].roles, lambda ctx: workflow.begin(probe, action, ctx))
        return self.seen[key]

    def branch(self, action: str, branch: Branch) -> list[Person]:
        return self._who(("branch", action, branch.status, branch.unit, branch.name),
                         BRANCH_TRANSITIONS[action].roles, lambda ctx: grading.begin(branch, action, ctx))

    def survey(self, unit: str, name: str) -> list[Person]:
        t = BRANCH_TRANSITIONS["survey"]
        fields: dict[str, Any] = {"unit": unit, "name": name}
        probe = Branch.model_construct(**fields)  # a branch not yet surveyed: only its unit and name

        def check(ctx: Context) -> None:
            grading.begin(None, "survey", ctx)
            grading.acts_for_branch(probe, ctx, t)

        return self._who(("survey", unit, name), t.roles, check)

    def sheet(self, action: str, project: Project, rubric: Rubric, role: Role) -> list[Person]:
        """The panel members whose sheet the project still waits for: not recused, not yet scored."""
        scored = {s.email.lower() for s in (project.scores if action == "score" else
                                             project.competition.scores if project.competition else [])}
        points = {c.key: "0" for c in rubric.criteria}

        def check(ctx: Context) -> None:
            assert ctx.actor.person is not None
            workflow.begin(project, action, ctx)
            score_sheet(project, ctx, rubric, reviewer=ctx.actor.person, role=role, points=points)

        people = self._who(("sheet", action, project.status, project.unit), TRANSITIONS[action].roles - {Role.clerk},
                           check)
        return [p for p in people if p.email.lower() not in scored and role in p.roles]


# A returned application goes back in with its number and the revised file (the table's command is a new one's).
_RESUBMIT = "dj apply ID --from 修改稿.yaml"


def _command(template: str, record: str, person: Person) -> str:
    template = _RESUBMIT if template == TRANSITIONS["apply"].command and record else template
    return template.replace("ID", record).replace("--reviewer 姓名", f"--reviewer {person.name}")


def tasks(projects: Sequence[Summary], records: Mapping[str, Project], branches: Sequence[Branch],
          config: Config) -> list[Task]:
    """Everything every registered person has waiting, earliest deadline first, then longest waiting.

    `records` holds the whole records of the closed and competing projects (their sheets say who has scored).
    """
    guards = _Guards(config)
    items = due.due(projects, config, _EVERYTHING, None, branches)
    deadline: dict[str, dt.date] = {}
    for d in items:
        if d.project and (d.project not in deadline or d.date < deadline[d.project]):
            deadline[d.project] = d.date
    out: list[Task] = []

    def add(people: Iterable[Person], action: str, what: str, record: str, title: str, unit: str,
            since: dt.date | None, steps: Mapping[str, Transition] = TRANSITIONS) -> None:
        command = steps[action].command
        out.extend(Task(p, what, record, title, unit, _command(command, record, p), deadline.get(record), since)
                   for p in people)

    for s in projects:
        if s.status not in PROJECT_NEXT or (s.status is Status.approved and s.mid_checked):
            continue
        action, what = PROJECT_NEXT[s.status]
        record = records.get(s.id)
        if s.status is Status.closed and record is not None:
            add(guards.sheet("score", record, config.acceptance, Role.reviewer), "score", "验收评分", s.id, s.title,
                s.unit, s.last_step)
            if not record.scores:
                continue  # acceptance computes the total from the sheets: none yet, nothing to accept
        add(guards.project(action, s.status, s.unit, s.branch), action, what, s.id, s.title, s.unit, s.last_step)
    contest = config.competition
    for record in records.values():
        entry = record.competition
        if contest and entry and entry.shortlisted and not entry.award:
            add(guards.sheet("defense", record, contest.defense, Role.judge), "defense", "答辩评分", record.id,
                record.title, record.unit, entry.shortlisted)
    for b in branches:
        if b.status not in BRANCH_NEXT or (b.status is BranchStatus.graded and b.id not in deadline):
            continue
        action, what = BRANCH_NEXT[b.status]
        add(guards.branch(action, b), action, what, b.id, b.name, b.unit, grading.last_step_date(b),
            BRANCH_TRANSITIONS)
    for d in items:
        if d.project:
            continue
        unit = config.unit(d.unit)
        named = [name for name in unit.branches if name in d.task] if unit else []
        if named:
            people = guards.survey(d.unit, named[0])
        elif d.unit:  # a unit's own business (its applications, its recommendations): the unit's people
            people = guards.project("recommend", Status.approved, d.unit, "")
        else:  # the organisation's (the award list): the desk's
            people = guards.project("award", Status.accepted, "", "")
        out += [Task(p, d.task, "", "", d.unit, "", d.date, None) for p in people]
    return sorted(out, key=lambda t: (t.deadline or dt.date.max, t.since or dt.date.max, t.record, t.what))


def for_repository(found: Index, projects: Sequence[Summary], branches: Sequence[Branch], config: Config) -> list[Task]:
    """tasks() over a repository's readable records: the closed and competing ones read whole for their sheets."""
    records = {s.id: found.record(s) for s in projects if s.status is Status.closed or s.competing}
    return tasks(projects, records, branches, config)


def of(person: Person, found: Sequence[Task]) -> list[Task]:
    email = person.email.lower()
    return [t for t in found if t.person.email.lower() == email]


def by_person(found: Sequence[Task], config: Config) -> list[tuple[Person, list[Task]]]:
    """Each registered person with their tasks, in dj.yaml's order; those with none left out."""
    grouped = [(p, of(p, found)) for p in config.people]
    return [(p, mine) for p, mine in grouped if mine]


def as_json(found: Sequence[Task], today: dt.date) -> list[dict[str, object]]:
    return [{"person": t.person.name, "email": t.person.email, "what": t.what, "record": t.record, "title": t.title,
             "unit": t.unit, "command": t.command, "deadline": str(t.deadline) if t.deadline else None,
             "days_left": t.days_left(today), "since": str(t.since) if t.since else None} for t in found]


COLUMNS = ("期限", "情况", "事项", "编号", "办理", "名称")


def rows(found: Sequence[Task], today: dt.date) -> list[tuple[str, ...]]:
    return [(str(t.deadline) if t.deadline else "—", t.state(today), t.what, t.record or t.unit or "—",
             t.command or "—", t.title) for t in found]

"""One record in brief: what the whole-repository commands (list, due, stats, the ledger) need of it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from dangjian_cli.model import Project, Status


class Summary(NamedTuple):
    """What the whole-repository commands need of one record: the ledger's columns and the due dates.

    Money and dates are kept as the text the record holds and converted when asked for, so that
    100,000 summaries load in a blink; the properties give them as Decimal and date.
    """

    path: str  # relative to the repository, with '/'
    id: str
    cycle: str
    title: str
    unit: str
    branch: str
    category: str
    type: str
    status_value: str
    stage: int
    first: str  # 第一责任人
    direct: str  # 直接责任人
    granted_text: str
    spent_text: str
    retained_text: str | None
    mid_check: str  # the ledger's 中期检查 column
    mid_checked: bool  # the current stage has had its mid-check
    rectify_by_text: str | None  # the open rectification's deadline
    rectify_issues: str
    competing: bool
    total_text: str | None
    grade: str
    award: str
    contest_award: str  # the innovation competition's prize (002), '' when none
    last_step_text: str | None  # the latest step's date, which dates a ledger printed from it
    oid: str  # the git blob the summary was read from

    @property
    def status(self) -> Status:
        return Status(self.status_value)

    @property
    def granted(self) -> Decimal:
        return Decimal(self.granted_text)

    @property
    def spent(self) -> Decimal:
        return Decimal(self.spent_text)

    @property
    def balance(self) -> Decimal:
        return self.granted - self.spent

    @property
    def retained(self) -> Decimal | None:
        return None if self.retained_text is None else Decimal(self.retained_text)

    @property
    def total(self) -> Decimal | None:
        return None if self.total_text is None else Decimal(self.total_text)

    @property
    def rectify_by(self) -> dt.date | None:
        return None if self.rectify_by_text is None else dt.date.fromisoformat(self.rectify_by_text)

    @property
    def last_step(self) -> dt.date | None:
        return None if self.last_step_text is None else dt.date.fromisoformat(self.last_step_text)


def summarize(path: str, project: Project, oid: str) -> Summary:
    from dangjian_cli.workflow import last_step_date

    def text(value: object) -> str | None:
        return None if value is None else str(value)

    result, rect = project.result, project.open_rectification
    return Summary(
        path, project.id, project.cycle, project.title, project.unit, project.branch, project.category,
        project.type, project.status.value, project.stage, project.responsible.first, project.responsible.direct,
        str(project.granted), str(project.spent), text(result.retained if result else None), _mid_check(project),
        any(m.stage == project.stage for m in project.mid_checks), text(rect.deadline if rect else None),
        rect.issues if rect else "", project.competition is not None, text(result.total if result else None),
        result.grade if result else "", result.award if result else "",
        project.competition.award if project.competition else "", text(last_step_date(project)), oid,
    )


def _mid_check(project: Project) -> str:
    if not project.mid_checks:
        return ""
    if project.mid_checks[-1].result == "rectify":
        return "限期整改"
    return "整改后通过" if project.rectifications else "通过"

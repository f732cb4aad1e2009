"""What every step is given, for either kind of record: who acts, on which day, under which dj.yaml."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dangjian_cli.config import Config, Person, Role


@dataclass(frozen=True)
class Actor:
    """Who a step is recorded for: a name and e-mail, and their entry in dj.yaml if any."""

    name: str
    email: str
    person: Person | None = None

    def has(self, roles: frozenset[Role]) -> bool:
        return self.person is not None and bool(roles.intersection(self.person.roles))

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


@dataclass(frozen=True)
class Context:
    config: Config
    actor: Actor
    on: dt.date  # the day the step really happened
    today: dt.date


def add_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")

"""Totals, the trimmed mean panels use, grades, and award rankings. Pure functions over Decimals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from dangjian_cli.config import Acceptance, Awards, Rubric
from dangjian_cli.errors import DjError

CENT = Decimal("0.01")


def round2(value: Decimal) -> Decimal:
    """Two places, half up: 84.125 → 84.13, as a panel's calculator does."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def sheet_total(points: Mapping[str, Decimal], rubric: Rubric) -> Decimal:
    """One reviewer's total: each criterion's points times its weight."""
    return round2(sum((points[c.key] * c.weight for c in rubric.criteria if c.key in points), Decimal(0)))


def trimmed_mean(totals: Sequence[Decimal], trim_from: int) -> Decimal:
    """Mean of the totals; with trim_from or more, drop one highest and one lowest first (002)."""
    if not totals:
        raise ValueError("no totals")
    values = sorted(totals)
    if len(values) >= trim_from:
        values = values[1:-1]
    return round2(sum(values, Decimal(0)) / len(values))


def is_trimmed(count: int, trim_from: int) -> bool:
    return count >= trim_from


def grade(total: Decimal, rules: Acceptance) -> str:
    """The name of the highest band whose minimum the total reaches, or '' below every band."""
    return next((g.name for g in rules.grades if total >= g.min), "")


@dataclass(frozen=True)
class Placing:
    project_id: str
    total: Decimal
    rank: int  # 1 for the highest total
    award: str  # '' when the project wins nothing


def rank_awards(totals: Mapping[str, Decimal], rules: Awards, order: Sequence[str] = ()) -> list[Placing]:
    """Rank projects at or above min_total and fill the tiers in order (001: 1–3; 003: 1–2, 3–4, 5–6).

    A tie across a tier boundary, or across the last prize, is never broken silently: unless the
    committee's `order` ranks the tied projects, this refuses and names them.
    """
    position = {pid: i for i, pid in enumerate(order)}
    unknown = [pid for pid in order if pid not in totals]
    if unknown:
        raise DjError(f"--order 中的 {'、'.join(unknown)} 不在参评项目中；请只列出参评项目的编号。")
    eligible = sorted(
        (pid for pid, total in totals.items() if total >= rules.min_total),
        key=lambda pid: (-totals[pid], position.get(pid, len(position)), pid),
    )
    names = [tier.name for tier in rules.tiers for _ in range(tier.max)]
    for i in range(min(len(names), len(eligible) - 1)):
        above, below = eligible[i], eligible[i + 1]
        boundary = i + 1 == len(names) or names[i] != names[i + 1]
        if boundary and totals[above] == totals[below] and not (above in position and below in position):
            tied = [pid for pid in eligible if totals[pid] == totals[above]]
            raise DjError(
                f"{'、'.join(tied)} 同为 {totals[above]} 分，跨过了“{names[i]}”的名额界线；"
                f"请评审组议定先后，用 --order {','.join(tied)}（按议定的先后顺序）重新运行。"
            )
    return [Placing(pid, totals[pid], rank, names[rank - 1] if rank <= len(names) else "")
            for rank, pid in enumerate(eligible, start=1)]

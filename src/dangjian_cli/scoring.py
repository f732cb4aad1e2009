"""Totals, the trimmed mean panels use, and grades. Pure functions over Decimals."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from dangjian_cli.config import Acceptance

CENT = Decimal("0.01")


def round2(value: Decimal) -> Decimal:
    """Two places, half up: 84.125 → 84.13, as a panel's calculator does."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


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

"""Totals, the trimmed mean panels use, and grades: every expected value worked out by hand."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from dangjian_cli.config import Acceptance, Config
from dangjian_cli.scoring import grade, is_trimmed, round2, trimmed_mean
from dangjian_cli.store import read_yaml

DATA = Path(__file__).parent / "data"
RULES = Config.model_validate(read_yaml(DATA / "dj.yaml", "dj.yaml")).acceptance  # 优秀 85 / 较好 70 / 一般 60


def D(*values: str | int) -> list[Decimal]:
    return [Decimal(str(v)) for v in values]


@pytest.mark.parametrize(("totals", "expected"), [
    pytest.param(D("77.5"), "77.50", id="1-value"),
    pytest.param(D(80, 85, 90, 72), "81.75", id="4-plain"),  # 327 / 4
    pytest.param(D("85.5", 85, 85, 85), "85.13", id="4-half-up"),  # 340.5 / 4 = 85.125
    pytest.param(D(80, 80, 81), "80.33", id="3-repeating-down"),  # 241 / 3 = 80.333…
    pytest.param(D(80, 81, 81), "80.67", id="3-repeating-up"),  # 242 / 3 = 80.666…
    pytest.param(D(100, 90, 85, 80, 50), "85.00", id="5-trimmed"),  # (90 + 85 + 80) / 3; plain 81
    pytest.param(D(50, 100, 80, 85, 90), "85.00", id="5-trimmed-unsorted"),  # same values, any order
    pytest.param(D(100, 100, 80, 60, 60), "80.00", id="5-ties-drop-only-one"),  # (100 + 80 + 60) / 3
    pytest.param(D(100, 95, 90, 85, 80, "75.5", 40), "85.10", id="7-trimmed"),  # 425.5 / 5; plain 80.79
    pytest.param(D(91, 88, 87, 86, 85, 84, 60), "86.00", id="7-trimmed-2"),  # (88+87+86+85+84) / 5 = 430 / 5
])
def test_trimmed_mean(totals: list[Decimal], expected: str) -> None:
    result = trimmed_mean(totals, 5)
    assert result == Decimal(expected)
    assert str(result) == expected  # always two places


def test_trimmed_mean_with_a_lower_trim_from() -> None:
    # trim_from 3: three values already drop the highest and the lowest, leaving 70
    assert trimmed_mean(D(60, 70, 95), 3) == Decimal("70")
    # but with trim_from 5 the same three are averaged: 225 / 3 = 75
    assert trimmed_mean(D(60, 70, 95), 5) == Decimal("75")


def test_trimmed_mean_of_nothing_refused() -> None:
    with pytest.raises(ValueError):
        trimmed_mean([], 5)


@pytest.mark.parametrize(("count", "trimmed"), [(1, False), (4, False), (5, True), (7, True)])
def test_is_trimmed(count: int, trimmed: bool) -> None:
    assert is_trimmed(count, 5) is trimmed


@pytest.mark.parametrize(("value", "expected"), [
    ("84.125", "84.13"),  # half up (half-even would give 84.12)
    ("84.124", "84.12"),
    ("84.135", "84.14"),
    ("0.005", "0.01"),
    ("2.675", "2.68"),  # exact in Decimal, unlike the float 2.675
    ("59.995", "60.00"),
    ("85", "85.00"),
    ("85.1", "85.10"),
])
def test_round2_half_up(value: str, expected: str) -> None:
    assert str(round2(Decimal(value))) == expected


@pytest.mark.parametrize(("total", "expected"), [
    ("100", "优秀"),
    ("85", "优秀"),
    ("85.00", "优秀"),
    ("84.99", "较好"),
    ("70", "较好"),
    ("69.99", "一般"),
    ("60", "一般"),
    ("59.99", ""),  # below every band
    ("0", ""),
])
def test_grade_bands(total: str, expected: str) -> None:
    assert grade(Decimal(total), RULES) == expected


def test_grade_bands_in_any_order_in_dj_yaml() -> None:
    rules = Acceptance.model_validate({
        "criteria": [{"key": "overall", "name": "总体", "max": "100"}],
        "grades": [{"name": "一般", "min": "60"}, {"name": "优秀", "min": "85"}, {"name": "较好", "min": "70"}],
    })
    assert grade(Decimal("90"), rules) == "优秀"
    assert grade(Decimal("75"), rules) == "较好"
    assert grade(Decimal("65"), rules) == "一般"
    assert grade(Decimal("50"), rules) == ""


def test_no_bands_no_grade() -> None:
    rules = Acceptance.model_validate({"criteria": [{"key": "overall", "name": "总体", "max": "100"}]})
    assert grade(Decimal("99"), rules) == ""

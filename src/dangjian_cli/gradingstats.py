"""党支部分类定级 (seed 004) in `dj stats` and `dj report`: the round's grades per unit, the A cap, who rose and
who fell against last year, the rectifications still open. Pure: records and dj.yaml in, tables out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dangjian_cli import gradingreport
from dangjian_cli.branchmodel import Branch
from dangjian_cli.config import Config
from dangjian_cli.gradeconfig import GRADES

Table = tuple[str, tuple[str, ...], list[tuple[str, ...]]]  # heading, columns, rows: as print_table takes them


def _moved(m: gradingreport.Movement) -> tuple[str, ...]:
    way = f"升 {m.levels} 级" if m.levels > 0 else f"降 {-m.levels} 级"
    return m.branch_id, m.name, m.unit, f"{m.last} 级", f"{m.grade} 级", way


def tables(branches: Sequence[Branch], config: Config) -> list[Table]:
    """The round's grading as the tables `dj stats` prints and the ledger's 分类定级 sheet holds."""
    round_ = gradingreport.one_round(branches, config)
    units, total = gradingreport.tallies(branches, config)
    counts: list[tuple[str, ...]] = [(t.name, str(t.branches), *(str(t.count(g)) for g in GRADES), str(t.ungraded))
                                     for t in [*units, total]]
    caps: list[tuple[str, ...]] = [(c.name, str(c.branches), str(c.a_count), gradingreport.percent_text(c.share),
             gradingreport.percent_text(c.cap_percent), str(c.limit), f"超出 {c.over} 个" if c.over else "未超过")
            for c in gradingreport.cap_checks(branches, config)]
    moves = gradingreport.movements(branches)
    rose, fell = [m for m in moves if m.levels > 0], [m for m in moves if m.levels < 0]
    same = sum(1 for m in moves if m.last and not m.levels)
    first = sum(1 for m in moves if not m.last)
    open_ = [r for r in gradingreport.rectification_rows(branches, config) if r.done is None]
    return [
        (f"党支部分类定级（{round_} 年度）：按单位", ("单位", "党支部数", *(f"{g} 级" for g in GRADES), "未定级"),
         counts),
        ("A 级党支部比例", ("范围", "党支部数", "A 级", "占比", "上限", "最多", "情况"), caps),
        (f"与上一年度相比：升级 {len(rose)} 个，降级 {len(fell)} 个，持平 {same} 个，首次定级 {first} 个",
         ("定级编号", "党支部", "单位", "上一年度", "本年度", "变化"), [_moved(m) for m in [*rose, *fell]]),
        (f"整改未完成：{len(open_)} 份", ("定级编号", "党支部", "单位", "整改期限", "整改事项"),
         [(r.branch_id, r.name, r.unit, str(r.deadline), r.items_text) for r in open_]),
    ]


def as_json(branches: Sequence[Branch], config: Config) -> dict[str, Any]:
    """`dj stats --json`'s `grading`: the same facts with numbers as numbers."""
    round_ = gradingreport.one_round(branches, config)
    units, total = gradingreport.tallies(branches, config)
    moves = gradingreport.movements(branches)
    return {
        "round": round_,
        "units": [{"unit": t.name, "branches": t.branches, **{g: t.count(g) for g in GRADES}, "ungraded": t.ungraded}
                  for t in [*units, total]],
        "a_cap": [{"scope": c.name, "branches": c.branches, "a": c.a_count, "share": str(c.share),
                   "cap": str(c.cap), "limit": c.limit, "over": c.over}
                  for c in gradingreport.cap_checks(branches, config)],
        "rose": [{"id": m.branch_id, "name": m.name, "last": m.last, "grade": m.grade} for m in moves if m.levels > 0],
        "fell": [{"id": m.branch_id, "name": m.name, "last": m.last, "grade": m.grade} for m in moves if m.levels < 0],
        "open_rectifications": [{"id": r.branch_id, "name": r.name, "unit": r.unit, "deadline": str(r.deadline),
                                 "items": list(r.items)}
                                for r in gradingreport.rectification_rows(branches, config) if r.done is None],
    }


def flat(table: Table) -> list[tuple[str, str, str]]:
    """A table as the ledger's three-column statistics rows: heading, first cell, the rest labelled."""
    heading, columns, rows = table
    return [(heading, row[0], "，".join(f"{c} {v}" for c, v in zip(columns[1:], row[1:], strict=True)))
            for row in rows]

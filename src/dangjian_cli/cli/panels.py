"""Panels and prizes: promotion, the competition, awards."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from dangjian_cli.cli.base import (
    AsOpt,
    DateOpt,
    IdArg,
    NoCommitOpt,
    RepoOpt,
    app,
    done,
    say,
    session_of,
)
from dangjian_cli.errors import DjError


@app.command()
def promote(ctx: typer.Context, project_id: IdArg, on: DateOpt = None, repo: RepoOpt = None,
            as_: AsOpt = None, no_commit: NoCommitOpt = False) -> None:
    """升级申报：验收通过的项目按 types[].next 升级（创新探索型 → 典型示范型 → 制度推广型），生成新的申报。

    例：dj promote 2025-机电-002
    """
    from dangjian_cli import actions

    session = session_of(ctx, repo, as_, no_commit)
    outcome = actions.promote(session, project_id, on=on)
    done(session, outcome, f"已由 {project_id} 升级申报")
    say(outcome.project.id)


@app.command()
def recommend(ctx: typer.Context, project_id: IdArg, on: DateOpt = None, repo: RepoOpt = None,
              as_: AsOpt = None, no_commit: NoCommitOpt = False) -> None:
    """二级党组织推荐项目参加创新项目评比（在 calendar.recommend_by 之前）。

    例：dj recommend 2025-机电-001
    """
    from dangjian_cli import actions

    session = session_of(ctx, repo, as_, no_commit)
    done(session, actions.recommend(session, project_id, on=on), "已推荐参评")


@app.command()
def shortlist(ctx: typer.Context, project_ids: Annotated[list[str], typer.Argument(help="入围项目的编号",
                                                                                   metavar="编号")],
              on: DateOpt = None, repo: RepoOpt = None, as_: AsOpt = None, no_commit: NoCommitOpt = False) -> None:
    """组织部初步审核，确定入围终审答辩的项目（一次提交）。

    例：dj shortlist 2025-机电-001 2025-外语-001
    """
    from dangjian_cli import actions

    session = session_of(ctx, repo, as_, no_commit)
    for outcome in actions.shortlist(session, project_ids, on=on):
        done(session, outcome, "已入围答辩")


def _placings_rows(placings: list[Any], titles: dict[str, str], tied: list[list[str]]) -> list[tuple[str, ...]]:
    """The ranking as rows: a tie is marked, and a prize the panel has still to give reads 待议定."""
    undecided = {pid: group for group in tied for pid in group}
    same: dict[object, int] = {}
    for pl in placings:
        same[pl.total] = same.get(pl.total, 0) + 1
    rows: list[tuple[str, ...]] = []
    for pl in placings:
        group = undecided.get(pl.project_id)
        if group is not None:
            prizes = "或".join(dict.fromkeys(p.award or "不获奖" for p in placings if p.project_id in group))
            prize = f"待议定（{prizes}）"
        else:
            prize = pl.award or "—"
        mark = "同分" if same[pl.total] > 1 else ""
        rows.append((str(pl.rank), pl.project_id, str(pl.total), prize, mark, titles.get(pl.project_id, "")))
    return rows


@app.command()
def award(
    ctx: typer.Context,
    cycle: Annotated[str | None, typer.Option(help="年度（默认 dj.yaml 的 cycle）", metavar="年度")] = None,
    order: Annotated[str, typer.Option(help="评审组议定的同分项目先后：编号,编号,…（逗号或顿号分隔）",
                                       metavar="编号,编号")] = "",
    competition: Annotated[bool, typer.Option("--competition", help="评选创新项目奖（按答辩得分）")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只显示排名（同分待议定的也显示），不写入")] = False,
    on: DateOpt = None, repo: RepoOpt = None, as_: AsOpt = None, no_commit: NoCommitOpt = False,
) -> None:
    """评比表彰：按总分排名，依次填满各奖项名额，写入获奖项目（一次提交）；同分跨名额界线时须用 --order 议定。

    排名列出每个项目的名称；同分的标“同分”，跨过名额界线而未议定的奖项标“待议定”，并说明评审组须议定什么。
    本年度有项目文件读不出时不评比，先改正它（dj check 列出全部问题）。

    例：dj award --dry-run
    例：dj award --order 2025-机电-001,2025-外语-001
    """
    import re

    from dangjian_cli import actions, checks, filters, store
    from dangjian_cli.awards import Undecided
    from dangjian_cli.cli.readable import usage
    from dangjian_cli.textout import print_table

    session = session_of(ctx, repo, as_, no_commit)
    found = checks.repository_index(session.root, session.config)
    with usage():
        year = filters.cycle(cycle, found.cycles, session.config.cycle) or session.config.cycle
    readable, broken = found.readable(year)
    if broken:
        files = "、".join(path for path, _ in broken)
        raise DjError(f"评比表彰不做任何决定：{year} 年度有 {len(broken)} 个项目文件读不出（{files}），"
                      f"缺了它排名就不完整；请先改正（dj check 列出每处问题），再运行 dj award。")
    titles = {s.id: s.title for s in readable}
    ids = [i.strip() for i in re.split(r"[,，、;；\s]+", order) if i.strip()]
    name = session.config.competition.name if competition and session.config.competition else "评比表彰"
    heading = f"{name}排名（{year} 年度）"
    columns = ("名次", "编号", "总分", "奖项", "备注", "项目名称")
    try:
        placings, outcomes = actions.award(session, cycle=year, order=ids, competition=competition,
                                           dry_run=dry_run, on=on)
    except Undecided as tie:
        print_table(heading, columns, _placings_rows(tie.placings, titles, tie.tied))
        if not dry_run:
            raise
        say(f"试排名，未写入任何文件。评审组须议定：{tie.message}")
        return
    print_table(heading, columns, _placings_rows(placings, titles, []))
    if dry_run:
        say("试排名，未写入任何文件。")
        return
    if not outcomes:
        say("获奖结果与记录一致，无需修改。")
    for outcome in outcomes:
        done(session, outcome, "已写入奖项")
    listing = actions.award_list(session, placings, cycle=year, competition=competition, on=on)
    say(f"表彰名单：{store.display(listing, session.root)}")

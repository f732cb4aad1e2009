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
    rich_console,
    say,
    session_of,
)


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


def _placings_table(title: str, placings: list[Any]) -> Any:
    from rich.table import Table

    table = Table(title=title)
    for column in ("名次", "编号", "总分", "奖项"):
        table.add_column(column, no_wrap=True)
    for pl in placings:
        table.add_row(str(pl.rank), pl.project_id, str(pl.total), pl.award or "—")
    return table


@app.command()
def award(
    ctx: typer.Context,
    cycle: Annotated[str | None, typer.Option(help="年度（默认 dj.yaml 的 cycle）")] = None,
    order: Annotated[str, typer.Option(help="评审组议定的同分项目先后：编号,编号,…")] = "",
    competition: Annotated[bool, typer.Option("--competition", help="评选创新项目奖（按答辩得分）")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只显示排名，不写入")] = False,
    on: DateOpt = None, repo: RepoOpt = None, as_: AsOpt = None, no_commit: NoCommitOpt = False,
) -> None:
    """评比表彰：按总分排名，依次填满各奖项名额，写入获奖项目（一次提交）；同分跨名额界线时须用 --order 议定。

    例：dj award --dry-run
    例：dj award --order 2025-机电-001,2025-外语-001
    """
    from dangjian_cli import actions, store

    session = session_of(ctx, repo, as_, no_commit)
    ids = [i.strip() for i in order.split(",") if i.strip()]
    placings, outcomes = actions.award(session, cycle=cycle, order=ids, competition=competition,
                                       dry_run=dry_run, on=on)
    name = session.config.competition.name if competition and session.config.competition else "评比表彰"
    rich_console().print(_placings_table(f"{name}排名（{cycle or session.config.cycle} 年度）", placings))
    if dry_run:
        say("试排名，未写入任何文件。")
        return
    if not outcomes:
        say("获奖结果与记录一致，无需修改。")
    for outcome in outcomes:
        done(session, outcome, "已写入奖项")
    listing = actions.award_list(session, placings, cycle=cycle, competition=competition, on=on)
    say(f"表彰名单：{store.display(listing, session.root)}")

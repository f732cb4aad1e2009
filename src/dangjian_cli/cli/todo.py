"""What waits on whom: dj todo."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dangjian_cli.cli.base import JsonOpt, RepoOpt, app, parse_date, root_of, say
from dangjian_cli.errors import DjError

if TYPE_CHECKING:
    from dangjian_cli.config import Config, Person


def whose(root: Path, config: Config, as_: str | None) -> Person:
    """The person asked about: --as, or the one git's user.email names, as every step decides who acts."""
    from dangjian_cli import gitrepo
    from dangjian_cli.session import parse_person

    if as_:
        actor = parse_person(as_, config)
        assert actor.person is not None
        return actor.person
    me = gitrepo.identity(root) if gitrepo.is_repo(root) else None
    if me is None:
        raise DjError("无法确定您是谁：git 的 user.name/user.email 尚未设置；请运行 git config --global user.email "
                      "\"邮箱\"，或加 --as \"姓名 <邮箱>\" 查看某人的待办事项。")
    person = config.person(me[1])
    if person is None or person.email.lower() != me[1].lower():
        raise DjError(f"git 的 user.email（{me[1]}）不在 dj.yaml 的 people 中，dj 不知道有什么等您办理；"
                      f"请把 user.email 设成登记的邮箱，或加 --as \"姓名 <邮箱>\" 查看某人的待办事项。")
    return person


@app.command()
def todo(
    ctx: typer.Context,
    as_: Annotated[str | None, typer.Option("--as", metavar="\"姓名 <邮箱>\"",
                                            help="看谁的待办事项（默认 git 的 user.email 对应的人）")] = None,
    all_: Annotated[bool, typer.Option("--all", help="每个人的待办事项，按人分组")] = False,
    today: Annotated[dt.date | None, typer.Option(parser=parse_date, metavar="日期",
                                                  help="以哪一天为“今天”（默认今天）")] = None,
    as_json: JsonOpt = False, repo: RepoOpt = None,
) -> None:
    """列出等您办理的事项：待审批的申报、待评分的项目（回避的除外）、待确认的整改、待交的结题报告、待推荐的项目、党支部定级，期限最早的在前。

    谁能办哪一步按 dj 办理这一步时的规则判断（角色、本单位本支部、回避）；组织部干事能替任何人代录，
    只在没有别人能办时才列给干事。期限取自 dj.yaml 的 calendar 和整改期限（与 dj due 相同）。
    有文件读不出时跳过它并提示，其余照常列出，退出码为 1。

    例：dj todo
    例：dj todo --as "钱评委 <qian@x.example>"
    例：dj todo --all --today 2026-06-01
    """
    import json

    from dangjian_cli import checks, store
    from dangjian_cli import todo as waiting
    from dangjian_cli.cli import readable

    root = root_of(ctx, repo)
    config = store.load_config(root)
    day = today or dt.date.today()
    person = None if all_ else whose(root, config, as_ or (ctx.obj or {}).get("as"))
    found = checks.repository_index(root, config)
    projects, broken = readable.projects(found)
    branches, broken_branches = readable.branches(root, config, None)
    broken += broken_branches
    tasks = waiting.for_repository(found, projects, branches, config)
    if person is not None:
        tasks = waiting.of(person, tasks)
    if as_json:
        say(json.dumps(waiting.as_json(tasks, day), ensure_ascii=False, indent=2))
        readable.finish(broken)
        return
    from dangjian_cli.textout import print_table

    def overdue(row: Sequence[str]) -> str | None:
        return "red" if row[1].startswith("已逾期") else None

    if person is not None:
        if tasks:
            print_table(f"等待{person.name}办理的事项（{day}，共 {len(tasks)} 项）", waiting.COLUMNS,
                        waiting.rows(tasks, day), style=overdue, no_wrap=[3])
        else:
            say(f"截至 {day}，没有等待{person.name}办理的事项。")
        readable.finish(broken)
        return
    groups = waiting.by_person(tasks, config)
    for who, mine in groups:
        print_table(f"{who.name}（{who.unit or '未写单位'}）：{len(mine)} 项", waiting.COLUMNS,
                    waiting.rows(mine, day), style=overdue, no_wrap=[3])
    idle = [p.name for p in config.people if all(p is not who for who, _ in groups)]
    if not groups:
        say(f"截至 {day}，没有等待任何人办理的事项。")
    elif idle:
        say(f"没有待办事项的人员：{'、'.join(idle)}")
    readable.finish(broken)

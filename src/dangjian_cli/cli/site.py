"""The leadership's page: dj site."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from dangjian_cli.cli.base import RepoOpt, app, parse_date, root_of, say


@app.command()
def site(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(metavar="目录", help="网站写到哪个文件夹（新文件夹，或以前 dj site 写的）")],
    cycle: Annotated[str | None, typer.Option(help="概览哪个年度（默认 dj.yaml 的 cycle）", metavar="年度")] = None,
    today: Annotated[dt.date | None, typer.Option(parser=parse_date, metavar="日期",
                                                  help="以哪一天为“今天”（到期和逾期按它算，默认今天）")] = None,
    repo: RepoOpt = None,
) -> None:
    """生成给领导看的静态网站：本年度各状态项目数、各单位进度、到期和逾期事项、表彰、经费、党支部定级、每个项目的办理记录和每个人的待办事项。

    网站只有网页文件（图表画在网页里，不需要联网，也不运行任何脚本），可以直接打开、打印，
    也可以由代码托管平台的网页服务发布；链接都是相对路径。数字与 dj stats --cycle 年度、
    dj due、dj todo --all 相同。有文件读不出时跳过它并提示，其余照常生成，退出码为 1。

    例：dj site --out 网站
    例：dj site --out 网站 --today 2026-06-01
    """
    from dangjian_cli import checks, filters, store
    from dangjian_cli import site as pages
    from dangjian_cli.cli import readable

    root = root_of(ctx, repo)
    config = store.load_config(root)
    found = checks.repository_index(root, config)
    with readable.usage():
        year = filters.cycle(cycle, found.cycles, config.cycle) or config.cycle
    projects, broken = readable.projects(found)
    branches, broken_branches = readable.branches(root, config, None)
    broken += broken_branches
    target, count = pages.build(root, config, found, projects, branches, out, today or dt.date.today(), year)
    say(f"已生成网站（{count} 个页面，{len(projects)} 个项目）：{target / 'index.html'}")
    readable.finish(broken)

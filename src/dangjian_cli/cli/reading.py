"""Reading the records: list, show, log."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from dangjian_cli.cli.base import (
    IdArg,
    JsonOpt,
    RepoOpt,
    app,
    current_id,
    record_json,
    rich_console,
    root_of,
    say,
)

# --- reading -------------------------------------------------------------------------

STATUS_HELP = ("按状态筛选：草稿、已申报、已立项、未立项、整改中、已通过中期检查、已结题、已验收、验收未通过、已终止"
               "（也可写代码，如 approved）")


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help=STATUS_HELP, metavar="状态")] = None,
    unit: Annotated[str | None, typer.Option(help="按单位筛选：单位代码或名称，如 机电", metavar="单位")] = None,
    cycle: Annotated[str | None, typer.Option(help="按年度筛选，如 2025", metavar="年度")] = None,
    type_: Annotated[str | None, typer.Option("--type", help="按项目类型筛选，如 创新探索型（dj.yaml 的 types）",
                                              metavar="类型")] = None,
    category: Annotated[str | None, typer.Option(help="按项目类别筛选（dj.yaml 的 categories）",
                                                 metavar="类别")] = None,
    as_json: JsonOpt = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="以 CSV 输出（可用 Excel 打开）")] = False,
    repo: RepoOpt = None,
) -> None:
    """列出项目。

    筛选的值不在 dj.yaml 或仓库中时，dj 说明可选的值，而不是列出一张空表；有文件读不出时跳过它并提示，退出码为 1。

    例：dj list --status 已立项 --unit 机电
    """
    import json

    from dangjian_cli import checks, filters, store
    from dangjian_cli.cli import readable
    from dangjian_cli.model import STATUS_LABELS

    root = root_of(ctx, repo)
    with readable.usage():
        wanted = filters.status(status)
        config = store.load_config(root)
        kind, topic = filters.project_type(config, type_), filters.category(config, category)
        found = checks.repository_index(root, config)
        unit_name = filters.unit_name(config, unit, seen=found.units)
        year = filters.cycle(cycle, found.cycles, config.cycle)
    summaries, broken = readable.projects(found, year)
    rows = summaries if wanted is None and unit_name is None and kind is None and topic is None else [
        p for p in summaries
        if (wanted is None or p.status_value == wanted.value)
        and (unit_name is None or p.unit == unit_name)
        and (kind is None or p.type == kind)
        and (topic is None or p.category == topic)
    ]
    if as_json:
        # the whole record of each, read from its file and printed as it is read
        out = sys.stdout
        out.write("[")
        for n, p in enumerate(rows):
            text = json.dumps(record_json(found.record(p)), ensure_ascii=False, indent=2)
            out.write(("," if n else "") + "\n  " + text.replace("\n", "\n  "))
        out.write("\n]\n" if rows else "]\n")
        readable.finish(broken)
        return
    columns = ("编号", "单位", "类别", "类型", "状态", "项目名称")  # free text last: the others line up
    labels = {s.value: label for s, label in STATUS_LABELS.items()}
    cells = [(p.id, p.unit, p.category, p.type, labels[p.status_value], p.title) for p in rows]
    if as_csv:
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(cells)
        readable.finish(broken)
        return
    from dangjian_cli.textout import print_table

    # no_wrap: an id cut in two cannot be copied
    print_table(f"{config.org} 党建项目（{len(rows)} 个）", columns, cells, no_wrap=[0])
    readable.finish(broken)


@app.command()
def show(ctx: typer.Context, project_id: IdArg, as_json: JsonOpt = False, repo: RepoOpt = None) -> None:
    """查看一个项目的全部内容，以及下一步可以做什么。

    例：dj show 2025-机电-003
    """
    import json

    from dangjian_cli import store

    root = root_of(ctx, repo)
    if as_json:
        say(json.dumps(record_json(store.load_project(root, project_id)), ensure_ascii=False, indent=2))
        return
    from dangjian_cli.show import card_text, describe, former_ids

    project_id = current_id(root, project_id)
    # git walks the history while the record is read (a missing one is refused by load_project)
    former_of = former_ids(root, project_id) if store.project_path(root, project_id).is_file() else list
    project = store.load_project(root, project_id)
    former = former_of()
    if sys.stdout.isatty():
        rich_console().print(describe(project, former))
    else:
        say(card_text(project, former))  # a pipe or a file: the same card without loading rich


@app.command()
def log(ctx: typer.Context, project_id: IdArg, repo: RepoOpt = None) -> None:
    """从 git 历史重建项目的每一步：日期、办理人、操作、状态变化、提交。

    例：dj log 2025-机电-003
    """
    from dangjian_cli import gitrepo, paths

    root = root_of(ctx, repo)
    project_id = current_id(root, project_id)
    path = paths.project_path(root, project_id)
    # git walks the history while dj loads what reads it (the models, a tenth of a second)
    history = gitrepo.history_started(root, path) if path.exists() and gitrepo.is_repo(root) else None

    from dangjian_cli import store
    from dangjian_cli.show import HISTORY_COLUMNS, history_rows
    from dangjian_cli.textout import print_table

    if not path.exists():
        store.load_project(root, project_id)  # raises the friendly "no such project"
    rows = history_rows(root, project_id, history()) if history is not None else []
    if not rows:
        say(f"{project_id} 还没有任何 git 提交记录（文件尚未提交，或不在 git 仓库中）。")
        return
    print_table(f"{project_id} 的办理记录（来自 git 历史）", HISTORY_COLUMNS, rows)
    if not gitrepo.has_commit_graph(root):  # a fresh clone: the next log skips what did not touch the file
        gitrepo.write_commit_graph(root, wait=False)

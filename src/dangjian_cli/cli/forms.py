"""Blank Word forms to send out: the `dj form …` commands — parse, call, print."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dangjian_cli.cli import GROUPS
from dangjian_cli.cli.base import RepoOpt, app, root_of, say
from dangjian_cli.cli.chinese import ChineseGroup, ChineseTyper
from dangjian_cli.errors import DjError

form_app = ChineseTyper(cls=ChineseGroup, help=GROUPS["form"][1], no_args_is_help=True, add_completion=False,
                        context_settings={"help_option_names": ["-h", "--help"]})
app.add_typer(form_app, name="form")

_KINDS = {"application": "application", "申报表": "application", "report": "report", "结题报告": "report"}


@form_app.command()
def blank(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="application（申报表）或 report（结题报告）", metavar="表格")],
    project_id: Annotated[str | None, typer.Argument(help="结题报告：印上哪个项目的编号和名称（可不填）",
                                                     metavar="编号")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="申报表：印上哪个单位（名称或代码），并列出它的党支部")
                    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="写到哪个 .docx 文件（默认 out/ 下）", metavar="文件")
                   ] = None,
    repo: RepoOpt = None,
) -> None:
    """写一份空白的 Word 表格（申报表或结题报告），每一项都是 Word 的内容控件，发给支部填写。

    填好交回后，申报表用 dj apply --from-docx 文件 读入，结题报告用 dj close 编号 --report 文件.docx 读入。

    例：dj form blank application --unit 机电
    例：dj form blank report 2025-机电-001 --out 结题报告.docx
    """
    from dangjian_cli import atomic, docxform, store

    which = _KINDS.get(kind.strip())
    if which is None:
        raise typer.BadParameter("只能是 application（申报表）或 report（结题报告）。", param_hint="表格")
    if out is not None and out.suffix.lower() != ".docx" and not out.is_dir():
        raise typer.BadParameter(f"“{out}”不是 .docx 文件名；请写成 申报表.docx 这样的名字。", param_hint="--out")
    root = root_of(ctx, repo)
    config = store.load_config(root)
    if which == "application":
        if project_id is not None:
            raise typer.BadParameter("申报表不用写编号（编号在申报时才分配）。", param_hint="编号")
        chosen = config.find_unit(unit) if unit else None
        if unit and chosen is None:
            names = "、".join(f"{u.name}（{u.code}）" for u in config.units) or "（dj.yaml 中尚未配置）"
            raise DjError(f"dj.yaml 的 units 中没有单位“{unit}”；请检查 --unit，可选：{names}。")
        data = docxform.application(config, chosen)
        name = f"申报表-空白{'-' + chosen.code if chosen else ''}.docx"
    else:
        if unit is not None:
            raise typer.BadParameter("结题报告不用写单位；要印上项目，请写项目编号。", param_hint="--unit")
        project = store.load_project(root, project_id) if project_id else None
        data = docxform.report(config, project)
        name = f"{project.id + '-' if project else ''}结题报告-空白.docx"
    target = out / name if out is not None and out.is_dir() else out or root / "out" / name
    atomic.write_bytes(target, data)
    say(f"已生成 {store.display(target, root)}")

"""`dj new`: a commented example of what a branch hands in, to copy and fill in."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dangjian_cli.cli.base import RepoOpt, app, say

_KINDS_HELP = "application（申报书）或 report（结题报告）"
_KIND_NAMES = {"application": "application", "申报书": "application", "申报": "application",
               "report": "report", "结题报告": "report", "结题": "report"}


@app.command()
def new(
    kind: Annotated[str, typer.Argument(help=_KINDS_HELP, metavar="种类")],
    file: Annotated[Path | None, typer.Argument(help="写到哪个文件（默认 申报书.yaml 或 结题报告.md）",
                                                metavar="文件")] = None,
    repo: RepoOpt = None,
) -> None:
    """写一份带说明的示例文件（申报书或结题报告），照着填写后交给 dj apply --from 或 dj close --report。

    例：dj new 申报书
    例：dj new report 结题报告-2025-机电-001.md
    """
    from dangjian_cli import examples, store
    from dangjian_cli.config import Config
    from dangjian_cli.errors import DjError

    wanted = _KIND_NAMES.get(kind.strip().lower())
    if wanted is None:
        raise DjError(f"dj new 不认识“{kind}”；请写 {_KINDS_HELP}，例如 dj new 申报书。")
    try:
        root: Path | None = store.find_root(override=repo)
    except DjError:
        if repo is not None:
            raise
        root = None  # outside a repository: the college preset's units, categories and types
    if root is not None:
        config = store.load_config(root)
    else:
        from dangjian_cli.config import preset_text

        config = store.validate(Config, store.parse_yaml(preset_text("college"), "college"), "college")
    default, label = examples.KINDS[wanted]
    written = examples.write(wanted, file or Path(default), config, root)
    say(f"已写入{label}示例：{written}。把示例内容换成本支部的，再运行 "
        + (f"dj apply --from {written}" if wanted == "application" else f"dj close 项目编号 --report {written}")
        + "。")

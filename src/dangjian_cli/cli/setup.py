"""Setting up: a new data repository, the demo, the schemas."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dangjian_cli.cli.base import (
    RepoOpt,
    app,
    root_of,
    say,
)

# --- setting up ----------------------------------------------------------------------


_PRESET_HELP = "预设：college 或 高校、county 或 县委组织部、township 或 乡镇、school 或 教育系统"


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="目录（默认当前目录）")] = Path("."),
    preset: Annotated[str, typer.Option(help=_PRESET_HELP)] = "college",
    org: Annotated[str | None, typer.Option(
        help="本单位党组织的全称，印在每份表格上（必填），如 中共彩神学院委员会")] = None,
    cycle: Annotated[str | None, typer.Option(help="年度，如 2025（默认今年）")] = None,
    clerk: Annotated[str | None, typer.Option(
        help="第一位组织部干事：\"姓名 <邮箱>\"（默认 git 的 user.name 和 user.email）")] = None,
) -> None:
    """建立数据仓库：写 dj.yaml、projects/、templates/（Word 模板）、schemas/、CI 配置和 .gitignore，并做第一次提交。

    例：dj init 党建项目 --preset college --org 中共某某学院委员会
    """
    from dangjian_cli import initrepo
    from dangjian_cli.session import parse_name_email

    first = parse_name_email(clerk, "--clerk") if clerk else None
    root = initrepo.init(directory, preset=preset, org=org, cycle=cycle, clerk=first)
    say(f"已建立数据仓库：{root.resolve()}（预设 {initrepo.preset_key(preset)}）。")
    say("下一步：编辑 dj.yaml 中的 units（二级党组织和党支部）和 people（人员与角色），然后 dj apply。")


@app.command()
def demo(directory: Annotated[Path, typer.Argument(help="演示仓库目录")] = Path("dj-demo")) -> None:
    """建立演示仓库，把示例项目走完申报到验收的每一步，留下可读的 git log。

    例：dj demo /tmp/dj-demo && cd /tmp/dj-demo && dj list
    """
    from dangjian_cli import demo as demo_module

    result = demo_module.build(directory)
    showcase = next((p.id for p in result.projects if p.status.value == "accepted"), result.projects[0].id)
    say(f"演示仓库已建立：{directory.resolve()}，{len(result.projects)} 个项目，{result.commits} 次提交。")
    for path in result.outputs:
        say(f"已生成 {path}")
    if result.branch_forms:
        count = len({p.parent for p in result.branch_forms})
        say(f"已生成 {count} 个党支部的 {len(result.branch_forms)} 份表格：{result.root / 'out'}/<定级编号>/")
    say(f"试试：cd {directory} && dj list && dj show {showcase} && dj log {showcase} && git log --oneline")


@app.command()
def schema(ctx: typer.Context, repo: RepoOpt = None) -> None:
    """重新生成 schemas/ 下的 JSON Schema（编辑器据此提示中文字段说明）。

    例：dj schema
    """
    from dangjian_cli import schemas

    for path in schemas.write(root_of(ctx, repo)):
        say(f"已写入 {path}")

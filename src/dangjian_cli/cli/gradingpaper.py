"""党支部分类定级's paperwork (seed 004): `dj branch render` (the Word forms) and `dj branch report` (xlsx)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dangjian_cli.cli.base import RepoOpt, made, root_of, say, with_progress
from dangjian_cli.cli.grading import branch_app
from dangjian_cli.errors import DjError

if TYPE_CHECKING:
    from dangjian_cli.branchmodel import Branch
    from dangjian_cli.config import Config

RoundOpt = Annotated[str | None, typer.Option("--round", help="定级年度（默认 dj.yaml 的 grading.round）")]
UnitOpt = Annotated[str | None, typer.Option(help="只汇总一个二级党组织（名称或代码）")]


def _unit(config: Config, unit: str | None) -> str | None:
    """The unit's name in dj.yaml, from its name or code."""
    from dangjian_cli import filters

    return filters.unit_name(config, unit)


def _round(root: Path, config: Config, round_: str | None) -> tuple[str, list[Branch]]:
    """The round's records; a round with none cannot be summed up."""
    from dangjian_cli import filters, store
    from dangjian_cli.cli.readable import usage
    from dangjian_cli.grading import rules

    with usage():
        wanted = filters.year(round_, "--round", "定级年度") if round_ is not None else rules(config).round
    branches = store.iter_branches(root, wanted)
    if not branches:
        rounds = sorted(p.name for p in (root / store.BRANCHES_DIR).glob("*") if p.is_dir() and any(p.glob("*.yaml")))
        have = f"已有记录的年度：{'、'.join(rounds)}" if rounds else "仓库中还没有任何党支部定级记录"
        raise DjError(f"{wanted} 年度还没有党支部定级记录，无从汇总；{have}。请先调查摸底（dj branch survey），"
                      f"或用 --round 指定有记录的年度。")
    return wanted, branches


@branch_app.command("render")
def render_(
    ctx: typer.Context,
    branch_id: Annotated[str | None, typer.Argument(help="党支部定级编号；用 --all 等选项时不填",
                                                    metavar="编号")] = None,
    all_: Annotated[bool, typer.Option("--all", help="本年度每个党支部的全部表格")] = False,
    rubrics: Annotated[bool, typer.Option("--rubrics", help="空白的评分参考标准（附表1、附表2）")] = False,
    summary: Annotated[bool, typer.Option("--summary", help="附表4 分类定级汇总表")] = False,
    rectifications: Annotated[bool, typer.Option("--rectifications", help="附表5 整改汇总表")] = False,
    unit: UnitOpt = None,
    form: Annotated[str | None, typer.Option(
        help="只生成一种表格：调查摸底与分类定级表（附表3）、分类定级评分表、整改汇总表"
             "（也可写代码，如 grading_branch）",
        metavar="表格")] = None,
    round_: RoundOpt = None,
    out: Annotated[Path | None, typer.Option(help="输出目录（默认 out/）")] = None,
    pdf: Annotated[bool, typer.Option("--pdf", help="同时用 LibreOffice 转成 PDF")] = False,
    repo: RepoOpt = None,
) -> None:
    """生成党支部分类定级的 Word 表格：附表1—附表5。

    一个党支部：附表3 调查摸底与分类定级表、填好分数的评分表、整改汇总表（有整改时）；--all 为本年度每个党支部；
    --rubrics 为空白的附表1、附表2；--summary 为附表4 汇总表，--rectifications 为附表5 整改汇总表（可加 --unit）。

    例：dj branch render 2026-机电-支01
    例：dj branch render --rubrics
    例：dj branch render --summary --rectifications --pdf
    """
    from dangjian_cli import filters, gradingforms, render, store
    from dangjian_cli.cli.readable import usage

    if branch_id is not None and all_:
        raise typer.BadParameter("请写一个党支部定级编号，或用 --all 生成全部党支部的表格，二者选一。",
                                 param_hint="ID / --all")
    if branch_id is None and not (all_ or rubrics or summary or rectifications):
        raise typer.BadParameter("请写一个党支部定级编号，或用 --all、--rubrics、--summary、--rectifications 说明"
                                 "要生成哪些表格。", param_hint="ID")
    with usage():
        form = filters.form(form, gradingforms.BRANCH_FORMS)
        out = filters.forms_folder(out)
    root = root_of(ctx, repo)
    config = store.load_config(root)
    name = _unit(config, unit)
    target = out or root / render.OUT_DIR
    wanted = [form] if form else None
    paths: list[Path] = []
    if rubrics:
        paths += gradingforms.render_rubrics(config, target, root=root)
    if branch_id is not None:
        branch = store.load_branch(root, branch_id)
        blob = gradingforms.branch_blob(root, branch_id)
        paths += [gradingforms.render_form(branch, config, f, target / branch_id, root=root, blob=blob)
                  for f in wanted or gradingforms.available(branch)]
    if all_ or summary or rectifications:
        _, branches = _round(root, config, round_)
        if all_:
            chosen = [b for b in branches if name is None or b.unit == name]
            total = sum(len([f for f in gradingforms.available(b) if not wanted or f in wanted]) for b in chosen)
            paths += with_progress(total, lambda advance: render.render_many(
                root, config, chosen, target, wanted, progress=advance, has=gradingforms.available,
                make=gradingforms.render_form, blob_of=gradingforms.branch_blob))
        if summary:
            paths.append(gradingforms.render_summary(branches, config, target, root=root, unit=name))
        if rectifications:
            paths.append(gradingforms.render_rectifications(branches, config, target, root=root, unit=name))
    made(paths, target / "pdf" if pdf else None)


@branch_app.command("report")
def report(
    ctx: typer.Context,
    rectifications: Annotated[bool, typer.Option("--rectifications",
                                                 help="附表5 整改汇总表（默认附表4 分类定级汇总表）")] = False,
    unit: UnitOpt = None, round_: RoundOpt = None,
    out: Annotated[Path | None, typer.Option(help="输出的 .xlsx 文件（默认 out/年度-分类定级汇总表.xlsx）")] = None,
    repo: RepoOpt = None,
) -> None:
    """把附表4 分类定级汇总表（或 --rectifications 附表5 整改汇总表）生成为 Excel 工作簿。

    例：dj branch report --out 2026年分类定级汇总表.xlsx
    例：dj branch report --rectifications --unit 机电 --out 机电学院整改汇总表.xlsx
    """
    from dangjian_cli import gradingreport, store
    from dangjian_cli.gradingforms import safe_name

    if out is not None and out.suffix.lower() != ".xlsx":
        raise DjError(f"--out 的文件 {out} 不是 .xlsx；dj branch report 只生成 Excel 工作簿，请把文件名改为以 .xlsx "
                      f"结尾（Word 版请用 dj branch render --summary 或 --rectifications）。")
    root = root_of(ctx, repo)
    config = store.load_config(root)
    name = _unit(config, unit)
    wanted, branches = _round(root, config, round_)
    title = gradingreport.RECTIFICATION_FILE if rectifications else gradingreport.SUMMARY_FILE
    target = out or root / "out" / f"{wanted}-{f'{safe_name(name)}-' if name else ''}{title}.xlsx"
    write = gradingreport.write_rectification_xlsx if rectifications else gradingreport.write_summary_xlsx
    write(branches, config, target, unit=name)
    chosen = [b for b in branches if name is None or b.unit == name]
    say(f"已生成{title}（{len(chosen)} 个党支部）：{target}")

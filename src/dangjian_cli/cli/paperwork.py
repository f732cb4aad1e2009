"""Paper and deadlines: what is due, the ledger, statistics, Word forms."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dangjian_cli.cli.base import (
    IdArg,
    JsonOpt,
    RepoOpt,
    app,
    current_id,
    made,
    parse_date,
    root_of,
    say,
    with_progress,
)
from dangjian_cli.errors import DjError

if TYPE_CHECKING:
    from dangjian_cli.branchmodel import Branch
    from dangjian_cli.config import Config


@app.command()
def due(
    ctx: typer.Context,
    today: Annotated[dt.date | None, typer.Option(parser=parse_date, metavar="日期",
                                                  help="以哪一天为“今天”（默认今天）")] = None,
    unit: Annotated[str | None, typer.Option(help="只看某个单位：单位代码或名称，如 机电", metavar="单位")] = None,
    as_json: JsonOpt = False, repo: RepoOpt = None,
) -> None:
    """列出已逾期和 30 天内到期的事项（按项目和单位），依据 dj.yaml 的 calendar 和整改期限。

    有文件读不出时跳过它并提示，其余照常列出，退出码为 1。

    例：dj due --today 2026-03-01 --unit 机电
    """
    import json

    from dangjian_cli import checks, filters, store
    from dangjian_cli.cli import readable
    from dangjian_cli.due import due as due_items

    root = root_of(ctx, repo)
    config = store.load_config(root)
    day = today or dt.date.today()
    found = checks.repository_index(root, config)
    name = filters.unit_name(config, unit, seen=found.units)
    projects, broken = readable.projects(found)
    # 党支部分类定级 (004): rectification deadlines and the round's calendar, beside the projects'
    branches, broken_branches = readable.branches(root, config, None)
    items = due_items(projects, config, day, name, branches)
    if as_json:
        say(json.dumps([{"date": str(i.date), "days_left": i.days_left(day), "unit": i.unit,
                          "project": i.project, "task": i.task} for i in items], ensure_ascii=False, indent=2))
    elif not items:
        say(f"截至 {day}，没有逾期事项，30 天内也没有到期事项。")
    else:
        from dangjian_cli.textout import print_table

        def state(left: int) -> str:
            return f"已逾期 {-left} 天" if left < 0 else ("今天到期" if left == 0 else f"还有 {left} 天")

        rows = [(str(i.date), state(i.days_left(day)), i.unit or "—", i.project or "—", i.task) for i in items]
        print_table(f"到期事项（{day}）", ("期限", "情况", "单位", "项目/党支部" if branches else "项目", "事项"),
                    rows, style=lambda row: "red" if row[1].startswith("已逾期") else None)
    readable.finish(broken + broken_branches)


RoundOpt = Annotated[str | None, typer.Option("--round", metavar="年度",
                                              help="党支部定级年度（默认 dj.yaml 的 grading.round）")]


def _round(root: Path, config: Config, round_: str | None) -> str | None:
    """The grading round asked for, checked against the rounds the repository holds."""
    from dangjian_cli import filters, store

    if round_ is None or config.grading is None:
        if round_ is not None:
            raise DjError(f"dj.yaml 中没有 grading（党支部分类定级）配置，--round {round_} 无从查起；"
                          f"不统计分类定级时请去掉 --round。")
        return None
    rounds = [p.name for p in (root / store.BRANCHES_DIR).glob("*") if p.is_dir()]
    from dangjian_cli.cli.readable import usage

    with usage():
        return filters.cycle(round_, lambda: rounds, config.grading.round, option="--round", what="定级年度",
                             records="党支部定级记录")


def _round_branches(root: Path, config: Config, round_: str | None) -> tuple[list[Branch], list[tuple[str, str]]]:
    """The round's branch records (004), broken ones warned about; none when the repository grades no branches."""
    from dangjian_cli.cli import readable

    wanted = _round(root, config, round_)
    if config.grading is None:
        return [], []
    return readable.branches(root, config, wanted or config.grading.round)


@app.command()
def report(
    ctx: typer.Context,
    cycle: Annotated[str | None, typer.Option(help="年度（默认 dj.yaml 的 cycle）", metavar="年度")] = None,
    out: Annotated[Path | None, typer.Option(
        metavar="文件",
        help="输出文件，格式按扩展名：.xlsx（Excel）、.docx（Word）、.csv（默认 out/台账-年度.xlsx）")] = None,
    format_: Annotated[str | None, typer.Option("--format", metavar="格式",
                                                help="不写 --out 时的格式：xlsx、docx 或 csv")] = None,
    round_: RoundOpt = None, repo: RepoOpt = None,
) -> None:
    """生成项目台账（每个项目一行）和统计表。

    格式按 --out 的扩展名：.xlsx（Excel）、.docx（Word）或 .csv。dj.yaml 有 competition 时，xlsx 和 csv
    多一栏“创新项目评比”，docx 把创新项目奖写在“表彰”栏。有党支部定级记录时，xlsx 多一张“分类定级”工作表，
    docx 的统计表多出分类定级各项（csv 只有台账）。有文件读不出时跳过它并提示，退出码为 1。

    例：dj report --out 2025年度台账.xlsx
    例：dj report --cycle 2025 --out 台账.docx
    """
    from dangjian_cli import checks, filters, store
    from dangjian_cli import report as ledger
    from dangjian_cli.cli import readable

    with readable.usage():
        format_ = filters.ledger_format(out, format_)
        root = root_of(ctx, repo)
        config = store.load_config(root)
        found = checks.repository_index(root, config)
        year = filters.cycle(cycle, found.cycles, config.cycle) or config.cycle
    projects, broken = readable.projects(found, year)
    branches, broken_branches = _round_branches(root, config, round_) if format_ != "csv" else ([], [])
    grading = []
    if branches:
        from dangjian_cli import gradingstats

        grading = gradingstats.tables(branches, config)
    target = out or root / "out" / f"台账-{year}.{format_}"
    if target.is_dir():
        target = target / f"台账-{year}.{format_}"  # a folder: the ledger goes in it under its usual name
    elif not target.suffix:
        target = target.with_name(f"{target.name}.{format_}")
    if format_ == "csv":
        ledger.write_csv(projects, target, config)
    elif format_ == "xlsx":
        ledger.write_xlsx(projects, config, year, target, grading=grading)
    else:
        from dangjian_cli.gradingstats import flat

        ledger.write_docx(projects, config, year, target, root, grading=[row for t in grading for row in flat(t)])
    graded = f"，{len(branches)} 个党支部定级记录" if branches else ""
    broken += broken_branches
    skipped = f"；跳过 {len(broken)} 个读不出的文件，见上面的警告" if broken else ""
    say(f"已生成台账（{len(projects)} 个项目{graded}{skipped}）：{target}")
    readable.finish(broken)


@app.command()
def stats(ctx: typer.Context,
          cycle: Annotated[str | None, typer.Option(help="年度（默认全部）", metavar="年度")] = None,
          round_: RoundOpt = None, as_json: JsonOpt = False, repo: RepoOpt = None) -> None:
    """按状态、单位、类别、类型统计项目数，并汇总经费；有党支部定级记录时还统计分类定级。

    分类定级：各单位各等级的个数、A 级比例与上限、与上一年度相比升降的党支部、未完成的整改。
    有文件读不出时跳过它并提示，其余照常统计，退出码为 1。

    例：dj stats --cycle 2025
    """
    from dangjian_cli import checks, filters, store
    from dangjian_cli.cli import readable
    from dangjian_cli.report import statistics

    root = root_of(ctx, repo)
    config = store.load_config(root)
    found = checks.repository_index(root, config)
    with readable.usage():
        year = filters.cycle(cycle, found.cycles, config.cycle)
    projects, broken = readable.projects(found, year)
    tables = statistics(projects, config).tables()
    branches, broken_branches = _round_branches(root, config, round_)
    broken += broken_branches
    if as_json:
        import json

        data: dict[str, object] = {"projects": {heading: {label: value if isinstance(value, int) else str(value)
                                                          for label, value in rows} for heading, rows in tables}}
        if branches:
            from dangjian_cli import gradingstats

            data["grading"] = gradingstats.as_json(branches, config)
        say(json.dumps(data, ensure_ascii=False, indent=2))
        readable.finish(broken)
        return
    from dangjian_cli.textout import print_table

    for heading, rows in tables:
        columns = ("经费", "金额（元）") if heading == "经费" else ("项目", "项目数")
        print_table(heading, columns, [(label, str(value)) for label, value in rows])
    if branches:
        from dangjian_cli import gradingstats

        for heading, names, grading_rows in gradingstats.tables(branches, config):
            print_table(heading, names, grading_rows)
    readable.finish(broken)


FORM_HELP = ("只生成一种表格：申报表、立项通知、中期检查表、整改通知书、结题报告、验收评审表、验收报告"
             "（也可写代码，如 review）")


@app.command()
def render(
    ctx: typer.Context,
    project_id: Annotated[str | None, typer.Argument(help="项目编号；用 --all 时不填", metavar="编号")] = None,
    form: Annotated[str | None, typer.Option(help=FORM_HELP, metavar="表格")] = None,
    all_: Annotated[bool, typer.Option("--all", help="所有项目的所有表格")] = False,
    out: Annotated[Path | None, typer.Option(help="输出目录（默认 out/）", metavar="目录")] = None,
    pdf: Annotated[bool, typer.Option("--pdf", help="同时用 LibreOffice 转成 PDF")] = False,
    repo: RepoOpt = None,
) -> None:
    """生成 Word 表格（申报表、立项通知、中期检查表、整改通知书、结题报告、验收评审表、验收报告）。

    用 --all 时，读不出的项目文件跳过并提示，其余照常生成，退出码为 1。

    例：dj render 2025-机电-003
    例：dj render 2025-机电-003 --form 验收评审表 --pdf
    例：dj render --all --out 表格
    """
    from dangjian_cli import checks, filters, store
    from dangjian_cli import render as forms
    from dangjian_cli.cli import readable

    if all_ == (project_id is not None):
        raise typer.BadParameter("请写一个项目编号，或用 --all 生成全部项目的表格，二者选一。",
                                 param_hint="编号 / --all")
    with readable.usage():
        wanted_form = filters.form(form, forms.FORMS)
        out = filters.forms_folder(out)
    root = root_of(ctx, repo)
    config = store.load_config(root)
    target = out or root / forms.OUT_DIR
    broken: readable.Broken = []
    if project_id is not None:
        project = store.load_project(root, project_id)
        blob = forms.record_blob(root, project_id)
        wanted = [wanted_form] if wanted_form else forms.available(project)
        paths = [forms.render(project, config, f, target / project_id, root=root, blob=blob) for f in wanted]
    else:
        found = checks.repository_index(root, config)
        summaries, broken = readable.projects(found)
        projects = [found.record(s) for s in summaries]
        paths = with_progress(sum(len(forms.available(p)) for p in projects), lambda advance: forms.render_many(
            root, config, projects, target, [wanted_form] if wanted_form else None, progress=advance))
    made(paths, target / "pdf" if pdf else None)
    readable.finish(broken)


@app.command("verify-form")
def verify_form(
    ctx: typer.Context, project_id: IdArg,
    blob: Annotated[str, typer.Argument(help="表格页脚上的“记录版本”", metavar="记录版本")],
    repo: RepoOpt = None,
) -> None:
    """核对一份打印或扫描的表格：它依据的是项目记录的哪个已提交版本，是否为当前版本。

    例：dj verify-form 2025-机电-003 c68b6a0d37
    """
    from dangjian_cli import gitrepo, store, workflow
    from dangjian_cli.render import record_blob

    root = root_of(ctx, repo)
    project_id = current_id(root, project_id)
    path = store.project_path(root, project_id)
    store.load_project(root, project_id)  # a friendly refusal for an unknown id
    wanted = blob.strip().lower()
    entries = [e for e in gitrepo.history(root, path) if e.blob.startswith(wanted)] if gitrepo.is_repo(root) else []
    if len(wanted) < 7 or not entries:
        raise DjError(f"项目 {project_id} 的提交历史中没有记录版本 {blob}；这份表格不是由已提交的记录生成的，"
                      f"请核对页脚的编号和版本，或请办理人重新生成表格。")
    first = entries[-1]  # history is newest first: the commit that made this version
    current = record_blob(root, project_id).startswith(wanted)
    step = workflow.TRANSITIONS.get(first.trailers.get("Dj-Action", ""))
    action = step.label if step else "手工修改"
    then = first.path.stem if first.path is not None else project_id
    under = project_id if then == project_id else f"{then}（现编号 {project_id}）"
    say(f"核对通过：这份表格依据 {under} 在提交 {first.commit[:7]}（{first.committed[:10]}，{action}，"
         f"{first.author}）后的记录。")
    say("这是记录的当前版本。" if current else "记录此后已有改动，这份表格不是最新版本；可用 dj render 重新生成。")

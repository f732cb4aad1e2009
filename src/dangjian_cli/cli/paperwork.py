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
    unit: Annotated[str | None, typer.Option(help="只看某个单位（名称或代码）")] = None,
    as_json: JsonOpt = False, repo: RepoOpt = None,
) -> None:
    """列出已逾期和 30 天内到期的事项（按项目和单位），依据 dj.yaml 的 calendar 和整改期限。

    例：dj due --today 2026-03-01 --unit 机电
    """
    import json

    from dangjian_cli import checks, store
    from dangjian_cli.due import due as due_items

    root = root_of(ctx, repo)
    config = store.load_config(root)
    day = today or dt.date.today()
    name = next((u.name for u in config.units if unit in (u.name, u.code)), unit) if unit else None
    # 党支部分类定级 (004): rectification deadlines and the round's calendar, beside the projects'
    branches = store.iter_branches(root) if config.grading and (root / store.BRANCHES_DIR).is_dir() else []
    items = due_items(checks.repository_index(root, config).summaries(), config, day, name, branches)
    if as_json:
        say(json.dumps([{"date": str(i.date), "days_left": i.days_left(day), "unit": i.unit,
                          "project": i.project, "task": i.task} for i in items], ensure_ascii=False, indent=2))
        return
    if not items:
        say(f"截至 {day}，没有逾期事项，30 天内也没有到期事项。")
        return
    from dangjian_cli.textout import print_table

    def state(left: int) -> str:
        return f"已逾期 {-left} 天" if left < 0 else ("今天到期" if left == 0 else f"还有 {left} 天")

    rows = [(str(i.date), state(i.days_left(day)), i.unit or "—", i.project or "—", i.task) for i in items]
    print_table(f"到期事项（{day}）", ("期限", "情况", "单位", "项目/党支部" if branches else "项目", "事项"), rows,
                style=lambda row: "red" if row[1].startswith("已逾期") else None)


RoundOpt = Annotated[str | None, typer.Option("--round", help="党支部定级年度（默认 dj.yaml 的 grading.round）")]


def _round_branches(root: Path, config: Config, round_: str | None) -> list[Branch]:
    """The round's branch records (004); none when the repository grades no branches."""
    from dangjian_cli import store

    if config.grading is None or not (root / store.BRANCHES_DIR).is_dir():
        return []
    return store.iter_branches(root, round_ or config.grading.round)


@app.command()
def report(
    ctx: typer.Context,
    cycle: Annotated[str | None, typer.Option(help="年度（默认 dj.yaml 的 cycle）")] = None,
    format_: Annotated[str, typer.Option("--format", help="xlsx、docx 或 csv")] = "xlsx",
    out: Annotated[Path | None, typer.Option(help="输出文件（默认 out/台账-年度.格式）")] = None,
    round_: RoundOpt = None, repo: RepoOpt = None,
) -> None:
    """生成项目台账（每个项目一行）和统计表。

    有党支部定级记录时，xlsx 多一张“分类定级”工作表，docx 的统计表多出分类定级各项（csv 只有台账）。

    例：dj report --format xlsx --out 2025年度台账.xlsx
    """
    from dangjian_cli import checks, store
    from dangjian_cli import report as ledger

    if format_ not in ("xlsx", "docx", "csv"):
        raise typer.BadParameter("只能是 xlsx、docx 或 csv。", param_hint="--format")
    root = root_of(ctx, repo)
    config = store.load_config(root)
    year = cycle or config.cycle
    projects = checks.repository_index(root, config).summaries(year)
    branches = _round_branches(root, config, round_) if format_ != "csv" else []
    grading = []
    if branches:
        from dangjian_cli import gradingstats

        grading = gradingstats.tables(branches, config)
    target = out or root / "out" / f"台账-{year}.{format_}"
    if format_ == "csv":
        ledger.write_csv(projects, target)
    elif format_ == "xlsx":
        ledger.write_xlsx(projects, config, year, target, grading=grading)
    else:
        from dangjian_cli.gradingstats import flat

        ledger.write_docx(projects, config, year, target, root, grading=[row for t in grading for row in flat(t)])
    graded = f"，{len(branches)} 个党支部定级记录" if branches else ""
    say(f"已生成台账（{len(projects)} 个项目{graded}）：{target}")


@app.command()
def stats(ctx: typer.Context, cycle: Annotated[str | None, typer.Option(help="年度（默认全部）")] = None,
          round_: RoundOpt = None, as_json: JsonOpt = False, repo: RepoOpt = None) -> None:
    """按状态、单位、类别、类型统计项目数，并汇总经费；有党支部定级记录时还统计分类定级。

    分类定级：各单位各等级的个数、A 级比例与上限、与上一年度相比升降的党支部、未完成的整改。

    例：dj stats --cycle 2025
    """
    from dangjian_cli import checks, store
    from dangjian_cli.report import statistics

    root = root_of(ctx, repo)
    config = store.load_config(root)
    tables = statistics(checks.repository_index(root, config).summaries(cycle), config).tables()
    branches = _round_branches(root, config, round_)
    if as_json:
        import json

        data: dict[str, object] = {"projects": {heading: {label: value if isinstance(value, int) else str(value)
                                                          for label, value in rows} for heading, rows in tables}}
        if branches:
            from dangjian_cli import gradingstats

            data["grading"] = gradingstats.as_json(branches, config)
        say(json.dumps(data, ensure_ascii=False, indent=2))
        return
    from dangjian_cli.textout import print_table

    for heading, rows in tables:
        columns = ("经费", "金额（元）") if heading == "经费" else ("项目", "项目数")
        print_table(heading, columns, [(label, str(value)) for label, value in rows])
    if branches:
        from dangjian_cli import gradingstats

        for heading, names, grading_rows in gradingstats.tables(branches, config):
            print_table(heading, names, grading_rows)


@app.command()
def render(
    ctx: typer.Context,
    project_id: Annotated[str | None, typer.Argument(help="项目编号；用 --all 时不填", metavar="编号")] = None,
    form: Annotated[str | None, typer.Option(help="只生成一种表格，如 application（申报表）")] = None,
    all_: Annotated[bool, typer.Option("--all", help="所有项目的所有表格")] = False,
    out: Annotated[Path | None, typer.Option(help="输出目录（默认 out/）")] = None,
    pdf: Annotated[bool, typer.Option("--pdf", help="同时用 LibreOffice 转成 PDF")] = False,
    repo: RepoOpt = None,
) -> None:
    """生成 Word 表格（申报表、立项通知、中期检查表、整改通知书、结题报告、验收评审表、验收报告）。

    例：dj render 2025-机电-003
    例：dj render 2025-机电-003 --form review --pdf
    例：dj render --all --out 表格
    """
    from dangjian_cli import render as forms
    from dangjian_cli import store

    if all_ == (project_id is not None):
        raise typer.BadParameter("请写一个项目编号，或用 --all 生成全部项目的表格，二者选一。", param_hint="ID / --all")
    if form is not None and form not in forms.FORMS:
        names = "、".join(f"{k}（{v}）" for k, v in forms.FORMS.items())
        raise typer.BadParameter(f"没有“{form}”这种表格；可选：{names}。", param_hint="--form")
    root = root_of(ctx, repo)
    config = store.load_config(root)
    target = out or root / forms.OUT_DIR
    if project_id is not None:
        project = store.load_project(root, project_id)
        blob = forms.record_blob(root, project_id)
        wanted = [form] if form else forms.available(project)
        paths = [forms.render(project, config, f, target / project_id, root=root, blob=blob) for f in wanted]
    else:
        projects = list(store.iter_projects(root))
        paths = with_progress(sum(len(forms.available(p)) for p in projects), lambda advance: forms.render_many(
            root, config, projects, target, [form] if form else None, progress=advance))
    made(paths, target / "pdf" if pdf else None)


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

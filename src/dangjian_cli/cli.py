"""The `dj` command: one short function per command — parse, call, print."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from dangjian_cli import __version__, actions, gitrepo, store, workflow
from dangjian_cli.errors import EXIT_ERROR, DjError
from dangjian_cli.model import STATUS_LABELS, Project, Status


class _Group(TyperGroup):
    """The one place where an expected failure becomes a red sentence and exit code 1."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except DjError as e:
            _fail(e.message)
        except OSError as e:
            where = f"（{e.filename}）" if e.filename else ""
            _fail(f"读写文件失败{where}：{e.strerror or e}；请检查路径、权限和磁盘空间后再试。")
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # usage errors keep click's own message and exit code 2
        except Exception as e:
            if os.environ.get("DJ_DEBUG"):
                raise
            _fail(f"dj 内部错误（{type(e).__name__}: {e}）；这是 dj 的缺陷，请把这句话和所用命令发给维护者"
                  f"（设置环境变量 DJ_DEBUG=1 可看到详细信息）。")


def _fail(message: str) -> None:
    from rich.console import Console

    Console(stderr=True, highlight=False).print(f"[bold red]错误：[/]{message}", markup=True,
                                                soft_wrap=True)
    raise typer.Exit(EXIT_ERROR)


app = typer.Typer(
    cls=_Group,
    help="dj：党建工作项目化管理。申报 → 立项 → 中期检查（整改）→ 结题 → 验收，每一步都是一次 git 提交。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


# --- option types --------------------------------------------------------------------


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"“{text}”不是有效日期，请写成 YYYY-MM-DD，例如 2025-05-20。") from None


def _money(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise typer.BadParameter(f"“{text}”不是有效金额，请写成不小于 0、最多两位小数的数字，例如 1000 或 800.50。")
    return value


RepoOpt = Annotated[Path | None, typer.Option("--repo", help="数据仓库目录（默认：从当前目录向上查找 dj.yaml）")]
AsOpt = Annotated[str | None, typer.Option("--as", help="替谁登记这一步：\"姓名 <邮箱>\"（仅组织部干事可代录）")]
NoCommitOpt = Annotated[bool, typer.Option("--no-commit", help="只写文件，不做 git 提交")]
DateOpt = Annotated[dt.date | None, typer.Option("--date", parser=_date, metavar="YYYY-MM-DD",
                                                  help="实际办理日期（默认今天）")]
JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出，便于脚本处理")]
IdArg = Annotated[str, typer.Argument(help="项目编号，如 2025-机电-003", metavar="ID")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="理由")]


def _version(value: bool) -> None:
    if value:
        _out(f"dj {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    ctx: typer.Context,
    repo: RepoOpt = None,
    as_: AsOpt = None,
    no_commit: NoCommitOpt = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="显示版本号")] = False,
) -> None:
    """dj：党建工作项目化管理。"""
    ctx.obj = {"repo": repo, "as": as_, "no_commit": no_commit}


def _session(ctx: typer.Context, repo: Path | None, as_: str | None, no_commit: bool) -> actions.Session:
    g = ctx.obj or {}
    return actions.open_session(repo or g.get("repo"), as_ or g.get("as"), no_commit or g.get("no_commit", False))


def _root(ctx: typer.Context, repo: Path | None) -> Path:
    return store.find_root(override=repo or (ctx.obj or {}).get("repo"))


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def _done(session: actions.Session, outcome: actions.Outcome, verb: str) -> None:
    p = outcome.project
    shown = store.display(outcome.path, session.root)
    if outcome.commit:
        committed = f"已提交 {outcome.commit[:7]}"
    elif not session.commit:
        committed = "未提交：--no-commit 或不在 git 仓库中"
    else:
        committed = "未提交"
    _out(f"{verb}：{p.id}《{p.title}》，状态：{p.status.label}（{shown}，{committed}）")
    for form in outcome.forms:
        _out(f"  表格：{store.display(form, session.root)}")


# --- setting up ----------------------------------------------------------------------


_PRESET_HELP = "预设：college（高校）、county（县）、township（乡镇）、school（教育系统）"


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="目录（默认当前目录）")] = Path("."),
    preset: Annotated[str, typer.Option(help=_PRESET_HELP)] = "college",
    org: Annotated[str | None, typer.Option(help="组织名称，印在表格上")] = None,
    cycle: Annotated[str | None, typer.Option(help="年度，如 2025（默认今年）")] = None,
) -> None:
    """建立数据仓库：写 dj.yaml、projects/、schemas/、.gitignore，并做第一次提交。

    例：dj init 党建项目 --preset college --org 中共某某学院委员会
    """
    root = actions.init(directory, preset=preset, org=org, cycle=cycle)
    _out(f"已建立数据仓库：{root.resolve()}（预设 {preset}）。")
    _out("下一步：编辑 dj.yaml 中的 units（二级党组织和党支部）和 people（人员与角色），然后 dj apply。")


@app.command()
def demo(directory: Annotated[Path, typer.Argument(help="演示仓库目录")] = Path("dj-demo")) -> None:
    """建立演示仓库，把示例项目走完申报到验收的每一步，留下可读的 git log。

    例：dj demo /tmp/dj-demo && cd /tmp/dj-demo && dj list
    """
    from dangjian_cli import demo as demo_module

    result = demo_module.build(directory)
    showcase = next((p.id for p in result.projects if p.status.value == "accepted"), result.projects[0].id)
    _out(f"演示仓库已建立：{directory.resolve()}，{len(result.projects)} 个项目，{result.commits} 次提交。")
    for path in result.outputs:
        _out(f"已生成 {path}")
    _out(f"试试：cd {directory} && dj list && dj show {showcase} && dj log {showcase} && git log --oneline")


@app.command()
def schema(ctx: typer.Context, repo: RepoOpt = None) -> None:
    """重新生成 schemas/ 下的 JSON Schema（编辑器据此提示中文字段说明）。

    例：dj schema
    """
    for path in store.write_schemas(_root(ctx, repo)):
        _out(f"已写入 {path}")


# --- the life of a project -------------------------------------------------------------


@app.command()
def apply(
    ctx: typer.Context,
    project_id: Annotated[str | None, typer.Argument(help="重新申报被退回的项目时填写其编号", metavar="[ID]")] = None,
    from_file: Annotated[Path | None, typer.Option("--from", help="从 YAML 文件读取申报内容（键与项目记录相同）")
                         ] = None,
    title: Annotated[str | None, typer.Option(help="项目名称")] = None,
    unit: Annotated[str | None, typer.Option(help="项目所在单位（二级党组织）")] = None,
    branch: Annotated[str | None, typer.Option(help="项目所在党支部")] = None,
    leader: Annotated[str | None, typer.Option(help="项目执行者")] = None,
    secretary: Annotated[str | None, typer.Option(help="支部书记")] = None,
    first: Annotated[str | None, typer.Option(help="第一责任人")] = None,
    direct: Annotated[str | None, typer.Option(help="直接责任人")] = None,
    category: Annotated[str | None, typer.Option(help="项目类别")] = None,
    type_: Annotated[str | None, typer.Option("--type", help="项目类型，如 创新探索型")] = None,
    stages: Annotated[int | None, typer.Option(help="分几年（阶段）实施，默认 1")] = None,
    start: Annotated[dt.date | None, typer.Option(parser=_date, metavar="YYYY-MM-DD", help="开始日期")] = None,
    end: Annotated[dt.date | None, typer.Option(parser=_date, metavar="YYYY-MM-DD", help="结束日期")] = None,
    background: Annotated[str | None, typer.Option(help="项目背景")] = None,
    plan: Annotated[str | None, typer.Option(help="实施方案")] = None,
    goals: Annotated[str | None, typer.Option(help="预期目标")] = None,
    measures: Annotated[str | None, typer.Option(help="保障措施")] = None,
    as_json: JsonOpt = False,
    on: DateOpt = None,
    repo: RepoOpt = None,
    as_: AsOpt = None,
    no_commit: NoCommitOpt = False,
) -> None:
    """申报项目（或重新申报被退回的项目），打印新编号。

    例：dj apply --from 申报表.yaml
    例：dj apply 2025-机电-003 --from 修改后的申报表.yaml
    """
    session = _session(ctx, repo, as_, no_commit)
    fields: dict[str, Any] = {}
    if from_file is not None:
        fields.update(store.read_yaml(from_file, str(from_file)))
    options = {"title": title, "unit": unit, "branch": branch, "leader": leader, "secretary": secretary,
               "category": category, "type": type_, "stages": stages, "background": background,
               "plan": plan, "goals": goals, "measures": measures}
    fields.update({k: v for k, v in options.items() if v is not None})
    if first or direct:
        fields["responsible"] = {**fields.get("responsible", {}), **_given(first=first, direct=direct)}
    if start or end:
        fields["period"] = {**fields.get("period", {}), **_given(start=start, end=end)}
    if project_id:
        outcome = actions.resubmit(session, project_id, fields, on)
    else:
        outcome = actions.apply_new(session, fields, on)
    if as_json:
        _out(json.dumps(_json(outcome.project), ensure_ascii=False, indent=2))
    else:
        _done(session, outcome, "已申报")


def _given(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


@app.command()
def approve(
    ctx: typer.Context,
    project_id: IdArg,
    opinion: Annotated[str, typer.Option(help="立项意见")] = "",
    doc_no: Annotated[str, typer.Option("--doc-no", help="立项文号，如 彩党组〔2025〕12号")] = "",
    funding: Annotated[Decimal | None, typer.Option(parser=_money, metavar="元",
                                                    help="资助经费（默认 dj.yaml 的 funding.standard）")] = None,
    on: DateOpt = None, repo: RepoOpt = None, as_: AsOpt = None, no_commit: NoCommitOpt = False,
) -> None:
    """立项（审批通过），记录资助经费、意见和文号。

    例：dj approve 2025-机电-003 --doc-no "彩党组〔2025〕12号" --opinion 同意立项
    """
    session = _session(ctx, repo, as_, no_commit)
    outcome = actions.approve(session, project_id, opinion=opinion, doc_no=doc_no, funding=funding, on=on)
    _done(session, outcome, "已立项")


@app.command()
def reject(ctx: typer.Context, project_id: IdArg, reason: ReasonOpt, on: DateOpt = None,
           repo: RepoOpt = None, as_: AsOpt = None, no_commit: NoCommitOpt = False) -> None:
    """不予立项。

    例：dj reject 2025-机电-004 --reason "与往年项目重复"
    """
    session = _session(ctx, repo, as_, no_commit)
    _done(session, actions.reject(session, project_id, reason=reason, on=on), "不予立项")


@app.command("return")
def return_(ctx: typer.Context, project_id: IdArg, reason: ReasonOpt, on: DateOpt = None,
            repo: RepoOpt = None, as_: AsOpt = None, no_commit: NoCommitOpt = False) -> None:
    """退回修改：项目回到草稿，修改后用 dj apply ID 重新申报。

    例：dj return 2025-机电-005 --reason "预期目标不够具体，请量化"
    """
    session = _session(ctx, repo, as_, no_commit)
    _done(session, actions.return_(session, project_id, reason=reason, on=on), "已退回修改")


@app.command("mid-check")
def mid_check(
    ctx: typer.Context,
    project_id: IdArg,
    result: Annotated[str, typer.Option(help="检查结论：pass（通过）或 rectify（限期整改）")],
    opinion: Annotated[str, typer.Option(help="检查意见")] = "",
    deadline: Annotated[dt.date | None, typer.Option(parser=_date, metavar="YYYY-MM-DD",
                                                     help="整改期限（rectify 时必填）")] = None,
    issues: Annotated[str, typer.Option(help="存在的问题与整改要求（rectify 时填写）")] = "",
    on: DateOpt = None, repo: RepoOpt = None, as_: AsOpt = None, no_commit: NoCommitOpt = False,
) -> None:
    """中期检查：通过，或下发整改通知书限期整改。

    例：dj mid-check 2025-机电-003 --result rectify --deadline 2026-04-15 --issues "活动记录不全"
    """
    session = _session(ctx, repo, as_, no_commit)
    outcome = actions.mid_check(session, project_id, result=result, opinion=opinion, deadline=deadline,
                                issues=issues, on=on)
    _done(session, outcome, "已记录中期检查")


@app.command()
def rectified(ctx: typer.Context, project_id: IdArg,
              note: Annotated[str, typer.Option(help="整改情况说明")] = "",
              on: DateOpt = None, repo: RepoOpt = None, as_: AsOpt = None,
              no_commit: NoCommitOpt = False) -> None:
    """整改完成，项目回到“已通过中期检查”。

    例：dj rectified 2025-机电-003 --note "已补齐活动记录"
    """
    session = _session(ctx, repo, as_, no_commit)
    _done(session, actions.rectified(session, project_id, note=note, on=on), "已整改")


@app.command()
def close(
    ctx: typer.Context,
    project_id: IdArg,
    report: Annotated[Path, typer.Option(help="结题报告（Markdown，含 ## 项目概况 / 实施情况 / 成果经验 / 评价建议）")],
    on: DateOpt = None, repo: RepoOpt = None, as_: AsOpt = None, no_commit: NoCommitOpt = False,
) -> None:
    """结题：提交四部分的结题报告。

    例：dj close 2025-机电-003 --report 结题报告.md
    """
    session = _session(ctx, repo, as_, no_commit)
    try:
        raw = report.read_bytes()
    except FileNotFoundError:
        raise DjError(f"找不到结题报告 {report}；请检查 --report 的路径。") from None
    sections = workflow.parse_closing_report(store.decode(raw, str(report)))
    _done(session, actions.close(session, project_id, report=sections, on=on), "已结题")


@app.command()
def score(
    ctx: typer.Context,
    project_id: Annotated[str | None, typer.Argument(help="项目编号；用 --sheet 时不填", metavar="[ID]")] = None,
    reviewer: Annotated[str, typer.Option(help="评审专家（或答辩评委）的姓名或邮箱")] = "",
    item: Annotated[list[str] | None, typer.Option("--item", help="评分项：代码=分数，每项一个 --item")] = None,
    sheet: Annotated[Path | None, typer.Option(help="一位评委对多个项目的评分表（.csv 或 .yaml）")] = None,
    round_: Annotated[str, typer.Option("--round", help="acceptance：验收评分；defense：答辩评分")] = "acceptance",
    comment: Annotated[str, typer.Option(help="评审意见")] = "",
    on: DateOpt = None, repo: RepoOpt = None, as_: AsOpt = None, no_commit: NoCommitOpt = False,
) -> None:
    """录入一位评委的评分（再次录入则替换该评委的评分）；--sheet 一次录入多个项目，有一行错则全部不录入。

    例：dj score 2025-机电-003 --reviewer 钱评委 --item completeness=18 --item process_system=17 …
    例：dj score --sheet 钱评委评分表.csv --reviewer 钱评委
    """
    if round_ not in ("acceptance", "defense"):
        raise typer.BadParameter("只能是 acceptance（验收评分）或 defense（答辩评分）。", param_hint="--round")
    if not reviewer:
        raise typer.BadParameter("请用 --reviewer 指定评委的姓名或邮箱。", param_hint="--reviewer")
    if (sheet is None) == (project_id is None):
        raise typer.BadParameter("请写项目编号和 --item，或只用 --sheet 指定评分表，二者选一。",
                                 param_hint="ID / --sheet")
    session = _session(ctx, repo, as_, no_commit)
    defense = round_ == "defense"
    if sheet is not None:
        rubric = session.config.competition.defense if defense and session.config.competition \
            else session.config.acceptance
        rows = actions.sheet_rows(store.read_rows(sheet), rubric)
        outcomes = actions.score_sheet(session, rows, reviewer=reviewer, defense_round=defense, on=on)
        for outcome in outcomes:
            _done(session, outcome, "已录入评分")
        return
    assert project_id is not None
    points = workflow.parse_points(item or [])
    if defense:
        outcome = actions.defense(session, project_id, judge=reviewer, points=points, comment=comment, on=on)
    else:
        outcome = actions.score(session, project_id, reviewer=reviewer, points=points, comment=comment, on=on)
    _done(session, outcome, "已录入评分")


@app.command()
def accept(ctx: typer.Context, project_id: IdArg, on: DateOpt = None, repo: RepoOpt = None,
           as_: AsOpt = None, no_commit: NoCommitOpt = False) -> None:
    """验收：按评分算出总分（评委够多时去掉最高分和最低分）和等次。

    例：dj accept 2025-机电-003
    """
    session = _session(ctx, repo, as_, no_commit)
    outcome = actions.accept(session, project_id, on=on)
    p = outcome.project
    _done(session, outcome, "验收完成")
    result = p.result or (p.past_stages[-1].result if p.past_stages else None)
    if result is not None:
        _out(f"总分 {result.total}，{'通过' if result.passed == 'yes' else '未通过'}"
             + (f"，等次：{result.grade}" if result.grade else ""))


@app.command()
def terminate(ctx: typer.Context, project_id: IdArg, reason: ReasonOpt, on: DateOpt = None,
              repo: RepoOpt = None, as_: AsOpt = None, no_commit: NoCommitOpt = False) -> None:
    """终止项目。

    例：dj terminate 2025-机电-006 --reason "支部撤并，项目无法继续"
    """
    session = _session(ctx, repo, as_, no_commit)
    _done(session, actions.terminate(session, project_id, reason=reason, on=on), "已终止")


@app.command()
def spend(
    ctx: typer.Context, project_id: IdArg,
    amount: Annotated[Decimal, typer.Argument(parser=_money, help="金额（元），如 380 或 45.50", metavar="金额")],
    item: Annotated[str, typer.Argument(help="用途", metavar="用途")],
    receipt: Annotated[str, typer.Option(help="票据号")] = "",
    on: DateOpt = None, repo: RepoOpt = None, as_: AsOpt = None, no_commit: NoCommitOpt = False,
) -> None:
    """登记一笔经费支出；超出结余的支出会被拒绝。

    例：dj spend 2025-机电-003 380 星级党员公示栏制作 --receipt 0012345 --date 2025-07-02
    """
    session = _session(ctx, repo, as_, no_commit)
    outcome = actions.spend(session, project_id, amount=amount, item=item, receipt=receipt, on=on)
    _done(session, outcome, "已登记支出")
    p = outcome.project
    _out(f"资助 {p.granted} 元，已支出 {p.spent} 元，结余 {p.balance} 元")


@app.command()
def promote(ctx: typer.Context, project_id: IdArg, on: DateOpt = None, repo: RepoOpt = None,
            as_: AsOpt = None, no_commit: NoCommitOpt = False) -> None:
    """升级申报：验收通过的项目按 types[].next 升级（创新探索型 → 典型示范型 → 制度推广型），生成新的申报。

    例：dj promote 2025-机电-002
    """
    session = _session(ctx, repo, as_, no_commit)
    outcome = actions.promote(session, project_id, on=on)
    _done(session, outcome, f"已由 {project_id} 升级申报")
    _out(outcome.project.id)


@app.command()
def recommend(ctx: typer.Context, project_id: IdArg, on: DateOpt = None, repo: RepoOpt = None,
              as_: AsOpt = None, no_commit: NoCommitOpt = False) -> None:
    """二级党组织推荐项目参加创新项目评比（在 calendar.recommend_by 之前）。

    例：dj recommend 2025-机电-001
    """
    session = _session(ctx, repo, as_, no_commit)
    _done(session, actions.recommend(session, project_id, on=on), "已推荐参评")


@app.command()
def shortlist(ctx: typer.Context, project_ids: Annotated[list[str], typer.Argument(help="入围项目的编号",
                                                                                   metavar="ID...")],
              on: DateOpt = None, repo: RepoOpt = None, as_: AsOpt = None, no_commit: NoCommitOpt = False) -> None:
    """组织部初步审核，确定入围终审答辩的项目（一次提交）。

    例：dj shortlist 2025-机电-001 2025-外语-001
    """
    session = _session(ctx, repo, as_, no_commit)
    for outcome in actions.shortlist(session, project_ids, on=on):
        _done(session, outcome, "已入围答辩")


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
    session = _session(ctx, repo, as_, no_commit)
    ids = [i.strip() for i in order.split(",") if i.strip()]
    placings, outcomes = actions.award(session, cycle=cycle, order=ids, competition=competition,
                                       dry_run=dry_run, on=on)
    name = session.config.competition.name if competition and session.config.competition else "评比表彰"
    _console().print(_placings_table(f"{name}排名（{cycle or session.config.cycle} 年度）", placings))
    if dry_run:
        _out("试排名，未写入任何文件。")
        return
    if not outcomes:
        _out("获奖结果与记录一致，无需修改。")
    for outcome in outcomes:
        _done(session, outcome, "已写入奖项")
    listing = actions.award_list(session, placings, cycle=cycle, competition=competition, on=on)
    _out(f"表彰名单：{store.display(listing, session.root)}")


@app.command()
def due(
    ctx: typer.Context,
    today: Annotated[dt.date | None, typer.Option(parser=_date, metavar="YYYY-MM-DD",
                                                  help="以哪一天为“今天”（默认今天）")] = None,
    unit: Annotated[str | None, typer.Option(help="只看某个单位（名称或代码）")] = None,
    as_json: JsonOpt = False, repo: RepoOpt = None,
) -> None:
    """列出已逾期和 30 天内到期的事项（按项目和单位），依据 dj.yaml 的 calendar 和整改期限。

    例：dj due --today 2026-03-01 --unit 机电
    """
    from dangjian_cli.due import due as due_items

    root = _root(ctx, repo)
    config = store.load_config(root)
    day = today or dt.date.today()
    name = next((u.name for u in config.units if unit in (u.name, u.code)), unit) if unit else None
    items = due_items(list(store.iter_projects(root)), config, day, name)
    if as_json:
        _out(json.dumps([{"date": str(i.date), "days_left": i.days_left(day), "unit": i.unit,
                          "project": i.project, "task": i.task} for i in items], ensure_ascii=False, indent=2))
        return
    if not items:
        _out(f"截至 {day}，没有逾期事项，30 天内也没有到期事项。")
        return
    from rich.table import Table

    table = Table(title=f"到期事项（{day}）")
    for column in ("期限", "情况", "单位", "项目", "事项"):
        table.add_column(column, overflow="fold")
    for i in items:
        left = i.days_left(day)
        state = f"[red]已逾期 {-left} 天[/]" if left < 0 else ("今天到期" if left == 0 else f"还有 {left} 天")
        table.add_row(str(i.date), state, i.unit or "—", i.project or "—", i.task)
    _console().print(table)


@app.command()
def report(
    ctx: typer.Context,
    cycle: Annotated[str | None, typer.Option(help="年度（默认 dj.yaml 的 cycle）")] = None,
    format_: Annotated[str, typer.Option("--format", help="xlsx、docx 或 csv")] = "xlsx",
    out: Annotated[Path | None, typer.Option(help="输出文件（默认 out/台账-年度.格式）")] = None,
    repo: RepoOpt = None,
) -> None:
    """生成项目台账（每个项目一行）和统计表。

    例：dj report --format xlsx --out 2025年度台账.xlsx
    """
    from dangjian_cli import report as ledger

    if format_ not in ("xlsx", "docx", "csv"):
        raise typer.BadParameter("只能是 xlsx、docx 或 csv。", param_hint="--format")
    root = _root(ctx, repo)
    config = store.load_config(root)
    year = cycle or config.cycle
    projects = list(store.iter_projects(root, year))
    target = out or root / "out" / f"台账-{year}.{format_}"
    if format_ == "csv":
        ledger.write_csv(projects, target)
    elif format_ == "xlsx":
        ledger.write_xlsx(projects, config, year, target)
    else:
        ledger.write_docx(projects, config, year, target, root)
    _out(f"已生成台账（{len(projects)} 个项目）：{target}")


@app.command()
def stats(ctx: typer.Context, cycle: Annotated[str | None, typer.Option(help="年度（默认全部）")] = None,
          repo: RepoOpt = None) -> None:
    """按状态、单位、类别、类型统计项目数，并汇总经费。

    例：dj stats --cycle 2025
    """
    from rich.table import Table

    from dangjian_cli.report import statistics

    root = _root(ctx, repo)
    config = store.load_config(root)
    console = _console()
    for heading, rows in statistics(list(store.iter_projects(root, cycle)), config).tables():
        table = Table(title=heading)
        table.add_column("项目" if heading != "经费" else "经费")
        table.add_column("项目数" if heading != "经费" else "金额（元）", justify="right")
        for label, value in rows:
            table.add_row(label, str(value))
        console.print(table)


@app.command()
def render(
    ctx: typer.Context,
    project_id: Annotated[str | None, typer.Argument(help="项目编号；用 --all 时不填", metavar="[ID]")] = None,
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

    if all_ == (project_id is not None):
        raise typer.BadParameter("请写一个项目编号，或用 --all 生成全部项目的表格，二者选一。", param_hint="ID / --all")
    if form is not None and form not in forms.FORMS:
        names = "、".join(f"{k}（{v}）" for k, v in forms.FORMS.items())
        raise typer.BadParameter(f"没有“{form}”这种表格；可选：{names}。", param_hint="--form")
    root = _root(ctx, repo)
    config = store.load_config(root)
    target = out or root / forms.OUT_DIR
    if project_id is not None:
        project = store.load_project(root, project_id)
        blob = forms.record_blob(root, project_id)
        wanted = [form] if form else forms.available(project)
        paths = [forms.render(project, config, f, target / project_id, root=root, blob=blob) for f in wanted]
    else:
        from rich.progress import Progress

        projects = list(store.iter_projects(root))
        with Progress(console=_console(), transient=True) as progress:
            task = progress.add_task("生成表格", total=sum(len(forms.available(p)) for p in projects))
            paths = forms.render_many(root, config, projects, target, [form] if form else None,
                                      progress=lambda _: progress.advance(task))
    for path in paths:
        _out(f"已生成 {path}")
    if pdf:
        for path in forms.to_pdf(paths, target / "pdf"):
            _out(f"已生成 {path}")
    if not paths:
        _out("没有可生成的表格。")


@app.command("verify-form")
def verify_form(
    ctx: typer.Context, project_id: IdArg,
    blob: Annotated[str, typer.Argument(help="表格页脚上的“记录版本”", metavar="记录版本")],
    repo: RepoOpt = None,
) -> None:
    """核对一份打印或扫描的表格：它依据的是项目记录的哪个已提交版本，是否为当前版本。

    例：dj verify-form 2025-机电-003 c68b6a0d37
    """
    from dangjian_cli.render import record_blob

    root = _root(ctx, repo)
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
    _out(f"核对通过：这份表格依据 {project_id} 在提交 {first.commit[:7]}（{first.committed[:10]}，{action}，"
         f"{first.author}）后的记录。")
    _out("这是记录的当前版本。" if current else "记录此后已有改动，这份表格不是最新版本；可用 dj render 重新生成。")


# --- reading -------------------------------------------------------------------------


def _json(project: Project) -> dict[str, Any]:
    """The record with the same keys as its YAML file; dates, money and statuses as text."""
    data: dict[str, Any] = json.loads(json.dumps(store.record_data(project), ensure_ascii=False, default=str))
    return data


def _status(text: str | None) -> Status | None:
    if text is None:
        return None
    for status, label in STATUS_LABELS.items():
        if text in (status.value, label) or label.startswith(text):
            return status
    names = "、".join(f"{s.value}（{label}）" for s, label in STATUS_LABELS.items())
    raise typer.BadParameter(f"没有“{text}”这个状态；可选：{names}。", param_hint="--status")


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="按状态筛选，如 approved 或 已立项")] = None,
    unit: Annotated[str | None, typer.Option(help="按单位名称或代码筛选")] = None,
    cycle: Annotated[str | None, typer.Option(help="按年度筛选")] = None,
    type_: Annotated[str | None, typer.Option("--type", help="按项目类型筛选")] = None,
    category: Annotated[str | None, typer.Option(help="按项目类别筛选")] = None,
    as_json: JsonOpt = False,
    repo: RepoOpt = None,
) -> None:
    """列出项目。

    例：dj list --status 已立项 --unit 机电
    """
    root = _root(ctx, repo)
    wanted = _status(status)
    config = store.load_config(root)
    unit_names = {u.name for u in config.units if unit in (u.name, u.code)} if unit else set()
    rows = [
        p for p in store.iter_projects(root, cycle)
        if (wanted is None or p.status is wanted)
        and (not unit or p.unit in unit_names or p.unit == unit)
        and (type_ is None or p.type == type_)
        and (category is None or p.category == category)
    ]
    if as_json:
        _out(json.dumps([_json(p) for p in rows], ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    table = Table(title=f"{config.org} 党建项目（{len(rows)} 个）", show_lines=False)
    table.add_column("编号", no_wrap=True)  # an id cut in two cannot be copied
    for column in ("项目名称", "单位", "类别", "类型", "状态"):
        table.add_column(column, overflow="fold")
    for p in rows:
        table.add_row(p.id, p.title, p.unit, p.category, p.type, p.status.label)
    _console().print(table)


@app.command()
def show(ctx: typer.Context, project_id: IdArg, as_json: JsonOpt = False, repo: RepoOpt = None) -> None:
    """查看一个项目的全部内容，以及下一步可以做什么。

    例：dj show 2025-机电-003
    """
    root = _root(ctx, repo)
    project = store.load_project(root, project_id)
    if as_json:
        _out(json.dumps(_json(project), ensure_ascii=False, indent=2))
        return
    from dangjian_cli.show import describe

    _console().print(describe(project))


@app.command()
def log(ctx: typer.Context, project_id: IdArg, repo: RepoOpt = None) -> None:
    """从 git 历史重建项目的每一步：日期、办理人、操作、状态变化、提交。

    例：dj log 2025-机电-003
    """
    from dangjian_cli.show import history_table

    root = _root(ctx, repo)
    path = store.project_path(root, project_id)
    if not path.exists():
        store.load_project(root, project_id)  # raises the friendly "no such project"
    table = history_table(root, project_id) if gitrepo.is_repo(root) else None
    if table is None or not table.row_count:
        _out(f"{project_id} 还没有任何 git 提交记录（文件尚未提交，或不在 git 仓库中）。")
        return
    _console().print(table)


def _report_findings(findings: list[Any], as_json: bool, passed: str) -> None:
    """Print problems (or findings) one per line on stderr, or as JSON; exit 1 when there are any."""
    if as_json:
        _out(json.dumps([vars(f) for f in findings], ensure_ascii=False, indent=2))
    elif findings:
        for f in findings:
            sys.stderr.write(f"{f}\n")
        sys.stderr.write(f"共 {len(findings)} 处问题；请按提示改正后再试。\n")
    else:
        _out(passed)
    if findings:
        raise typer.Exit(EXIT_ERROR)


@app.command()
def check(
    ctx: typer.Context,
    base: Annotated[str | None, typer.Option(help="与哪个版本比较（拉取请求的目标分支，如 origin/main）")] = None,
    as_json: JsonOpt = False, repo: RepoOpt = None,
) -> None:
    """检查 dj.yaml 和所有项目文件，逐条列出问题（文件和字段）；有问题时退出码为 1。

    加 --base 时，还逐个检查本分支相对目标分支的每个提交：流程字段是否都经 dj 合法办理、
    办理人是否有相应角色（按目标分支上的 dj.yaml）、是否删除或改名项目、编号是否冲突。

    例：dj check
    例：dj check --base origin/main
    """
    from dangjian_cli.checks import check_repository

    root = _root(ctx, repo)
    problems: list[Any] = check_repository(root)
    if base is not None:
        from dangjian_cli.audit import check_base

        problems += check_base(root, base)
    count = len(store.project_files(root))
    against = f"，相对 {base} 的提交都是合法步骤" if base else ""
    _report_findings(problems, as_json, f"检查通过：dj.yaml 和 {count} 个项目文件都没有问题{against}。")


@app.command()
def audit(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option(help="从哪个版本之后开始核查（默认全部历史）")] = None,
    as_json: JsonOpt = False, repo: RepoOpt = None,
) -> None:
    """核查 git 历史：每个流程改动是否由 dj 办理、提交说明与改动相符、办理人当时有相应角色、签名有效。

    例：dj audit
    例：dj audit --since v2025
    """
    from dangjian_cli.audit import audit as run_audit

    root = _root(ctx, repo)
    if not gitrepo.is_repo(root):
        raise DjError(f"{root} 不是 git 仓库，没有历史可以核查；请在数据仓库的 git 克隆中运行。")
    findings = run_audit(root, since)
    if findings and not as_json:
        from rich.table import Table

        table = Table(title=f"审计发现（{len(findings)} 处）")
        for column in ("提交", "文件", "字段", "规则", "说明"):
            table.add_column(column, overflow="fold")
        for f in findings:
            table.add_row(f.commit[:7], f.file, f.field, f.rule, f.message)
        _console().print(table)
        raise typer.Exit(EXIT_ERROR)
    _report_findings(findings, as_json, "审计通过：所有流程改动都由有相应角色的人经 dj 办理。")


@app.command()
def renumber(
    ctx: typer.Context, project_id: IdArg,
    base: Annotated[str | None, typer.Option(help="同时避开这个分支上已用的编号，如 origin/main")] = None,
    on: DateOpt = None, repo: RepoOpt = None, as_: AsOpt = None, no_commit: NoCommitOpt = False,
) -> None:
    """重新编号：两处同时申报占用了同一个编号时，把本分支的项目改为下一个空闲编号（一次提交）。

    例：dj renumber 2025-机电-005 --base origin/main
    """
    session = _session(ctx, repo, as_, no_commit)
    outcome = actions.renumber(session, project_id, base=base, on=on)
    _done(session, outcome, f"已由 {project_id} 重新编号")
    _out(outcome.project.id)


def main() -> None:
    app()

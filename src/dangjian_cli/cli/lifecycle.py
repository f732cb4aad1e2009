"""The life of a project: apply → approve → mid-check → close → score → accept, and money."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from dangjian_cli.cli.base import (
    AsOpt,
    DateOpt,
    IdArg,
    JsonOpt,
    NoCommitOpt,
    ReasonOpt,
    RepoOpt,
    app,
    done,
    parse_date,
    parse_money,
    record_json,
    say,
    session_of,
)
from dangjian_cli.errors import DjError

# --- the life of a project -------------------------------------------------------------


@app.command()
def apply(
    ctx: typer.Context,
    project_id: Annotated[str | None, typer.Argument(help="重新申报被退回的项目时填写其编号", metavar="编号")] = None,
    from_file: Annotated[Path | None, typer.Option("--from", help="从 YAML 文件读取申报内容（键与项目记录相同）")
                         ] = None,
    from_docx: Annotated[Path | None, typer.Option("--from-docx", help="从填好的 Word 申报表（.docx）读取申报内容")
                         ] = None,
    check: Annotated[bool, typer.Option("--check", help="只检查 --from-docx 的申报表读出什么、哪些读不出，不申报")
                     ] = False,
    title: Annotated[str | None, typer.Option(help="项目名称")] = None,
    unit: Annotated[str | None, typer.Option(help="项目所在单位（二级党组织的名称或代码）")] = None,
    branch: Annotated[str | None, typer.Option(help="项目所在党支部")] = None,
    leader: Annotated[str | None, typer.Option(help="项目执行者")] = None,
    secretary: Annotated[str | None, typer.Option(help="支部书记")] = None,
    first: Annotated[str | None, typer.Option(help="第一责任人")] = None,
    direct: Annotated[str | None, typer.Option(help="直接责任人")] = None,
    category: Annotated[str | None, typer.Option(help="项目类别")] = None,
    type_: Annotated[str | None, typer.Option("--type", help="项目类型，如 创新探索型")] = None,
    stages: Annotated[int | None, typer.Option(help="分几年（阶段）实施，默认 1")] = None,
    start: Annotated[dt.date | None, typer.Option(parser=parse_date, metavar="日期", help="开始日期")] = None,
    end: Annotated[dt.date | None, typer.Option(parser=parse_date, metavar="日期", help="结束日期")] = None,
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
    例：dj apply --from-docx 申报表.docx --check
    """
    import json

    from dangjian_cli import actions, store

    session = session_of(ctx, repo, as_, no_commit)
    fields: dict[str, Any] = {}
    if from_file is not None:
        fields.update(store.read_yaml(from_file, str(from_file)))
    if check and from_docx is None:
        raise typer.BadParameter("--check 要和 --from-docx 一起用。", param_hint="--check")
    if from_docx is not None:
        from dangjian_cli import docximport

        imported = docximport.application(from_docx, str(from_docx), session.config)
        if check:
            say(docximport.summary(imported, str(from_docx)))
        docximport.refuse(imported, str(from_docx))
        if check:
            return
        fields.update(imported.fields)
        project_id, on = docximport.revising(imported, project_id, session.root), on or imported.applied
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
        say(json.dumps(record_json(outcome.project), ensure_ascii=False, indent=2))
    else:
        done(session, outcome, "已申报")


def _given(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


@app.command()
def approve(
    ctx: typer.Context,
    project_id: IdArg,
    opinion: Annotated[str, typer.Option(help="立项意见")] = "",
    doc_no: Annotated[str, typer.Option("--doc-no", help="立项文号，如 彩党组〔2025〕12号")] = "",
    funding: Annotated[Decimal | None, typer.Option(parser=parse_money, metavar="元",
                                                    help="资助经费（默认 dj.yaml 的 funding.standard）")] = None,
    on: DateOpt = None, repo: RepoOpt = None, as_: AsOpt = None, no_commit: NoCommitOpt = False,
) -> None:
    """立项（审批通过），记录资助经费、意见和文号。

    例：dj approve 2025-机电-003 --doc-no "彩党组〔2025〕12号" --opinion 同意立项
    """
    from dangjian_cli import actions

    session = session_of(ctx, repo, as_, no_commit)
    outcome = actions.approve(session, project_id, opinion=opinion, doc_no=doc_no, funding=funding, on=on)
    done(session, outcome, "已立项")


@app.command()
def reject(ctx: typer.Context, project_id: IdArg, reason: ReasonOpt, on: DateOpt = None,
           repo: RepoOpt = None, as_: AsOpt = None, no_commit: NoCommitOpt = False) -> None:
    """不予立项。

    例：dj reject 2025-机电-004 --reason "与往年项目重复"
    """
    from dangjian_cli import actions

    session = session_of(ctx, repo, as_, no_commit)
    done(session, actions.reject(session, project_id, reason=reason, on=on), "不予立项")


@app.command("return")
def return_(ctx: typer.Context, project_id: IdArg, reason: ReasonOpt, on: DateOpt = None,
            repo: RepoOpt = None, as_: AsOpt = None, no_commit: NoCommitOpt = False) -> None:
    """退回修改：项目回到草稿，修改后用 dj apply 编号 重新申报。

    例：dj return 2025-机电-005 --reason "预期目标不够具体，请量化"
    """
    from dangjian_cli import actions

    session = session_of(ctx, repo, as_, no_commit)
    done(session, actions.return_(session, project_id, reason=reason, on=on), "已退回修改")


_RESULTS = {"pass": "pass", "通过": "pass", "rectify": "rectify", "整改": "rectify", "限期整改": "rectify"}


def _result(text: str) -> str:
    """The conclusion as the record writes it, from its code or as a clerk says it (通过, 整改)."""
    if text.strip() not in _RESULTS:
        raise typer.BadParameter(f"“{text}”不是检查结论；请写 通过（pass）或 整改（rectify）。")
    return _RESULTS[text.strip()]


@app.command("mid-check")
def mid_check(
    ctx: typer.Context,
    project_id: IdArg,
    result: Annotated[str, typer.Option(parser=_result, metavar="结论",
                                        help="检查结论：通过（pass）或 整改（rectify，限期整改）")],
    opinion: Annotated[str, typer.Option(help="检查意见")] = "",
    deadline: Annotated[dt.date | None, typer.Option(parser=parse_date, metavar="日期",
                                                     help="整改期限（rectify 时必填）")] = None,
    issues: Annotated[str, typer.Option(help="存在的问题与整改要求（rectify 时填写）")] = "",
    on: DateOpt = None, repo: RepoOpt = None, as_: AsOpt = None, no_commit: NoCommitOpt = False,
) -> None:
    """中期检查：通过，或下发整改通知书限期整改。

    例：dj mid-check 2025-机电-003 --result rectify --deadline 2026-04-15 --issues "活动记录不全"
    """
    from dangjian_cli import actions

    session = session_of(ctx, repo, as_, no_commit)
    outcome = actions.mid_check(session, project_id, result=result, opinion=opinion, deadline=deadline,
                                issues=issues, on=on)
    done(session, outcome, "已记录中期检查")


@app.command()
def rectified(ctx: typer.Context, project_id: IdArg,
              note: Annotated[str, typer.Option(help="整改情况说明")] = "",
              on: DateOpt = None, repo: RepoOpt = None, as_: AsOpt = None,
              no_commit: NoCommitOpt = False) -> None:
    """整改完成，项目回到“已通过中期检查”。

    例：dj rectified 2025-机电-003 --note "已补齐活动记录"
    """
    from dangjian_cli import actions

    session = session_of(ctx, repo, as_, no_commit)
    done(session, actions.rectified(session, project_id, note=note, on=on), "已整改")


@app.command()
def close(
    ctx: typer.Context,
    project_id: IdArg,
    report: Annotated[Path, typer.Option(help="结题报告（Markdown，含 ## 项目概况 / 实施情况 / 成果经验 / 评价建议；"
                                              "或填好的 Word 结题报告 .docx）")],
    on: DateOpt = None, repo: RepoOpt = None, as_: AsOpt = None, no_commit: NoCommitOpt = False,
) -> None:
    """结题：提交四部分的结题报告。

    例：dj close 2025-机电-003 --report 结题报告.md
    """
    from dangjian_cli import actions, handedin, store

    session = session_of(ctx, repo, as_, no_commit)
    from dangjian_cli import docximport

    if docximport.is_word(report):
        sections = docximport.closing_report(report, str(report), project_id)
        done(session, actions.close(session, project_id, report=sections, on=on), "已结题")
        return
    try:
        raw = report.read_bytes()
    except FileNotFoundError:
        raise DjError(f"找不到结题报告 {report}；请检查 --report 的路径。") from None
    sections = handedin.parse_closing_report(store.decode(raw, str(report)))
    done(session, actions.close(session, project_id, report=sections, on=on), "已结题")


@app.command()
def score(
    ctx: typer.Context,
    project_id: Annotated[str | None, typer.Argument(help="项目编号；用 --sheet 时不填", metavar="编号")] = None,
    reviewer: Annotated[str, typer.Option(help="评审专家（或答辩评委）的姓名或邮箱")] = "",
    item: Annotated[list[str] | None, typer.Option("--item", help="评分项：代码=分数，每项一个 --item")] = None,
    sheet: Annotated[Path | None, typer.Option(help="一位评委对多个项目的评分表（.csv 或 .yaml）")] = None,
    round_: Annotated[str, typer.Option("--round", help="acceptance：验收评分；defense：答辩评分")] = "acceptance",
    comment: Annotated[str, typer.Option(help="评审意见")] = "",
    replace: Annotated[bool, typer.Option(
        "--replace", help="以这次的评分替换该评委已录入的不同评分（原评分留在 git 历史中）")] = False,
    on: DateOpt = None, repo: RepoOpt = None, as_: AsOpt = None, no_commit: NoCommitOpt = False,
) -> None:
    """录入一位评委的评分；--sheet 一次录入多个项目，有一行错则全部不录入。

    同一份评分再录一次不会改动记录；该评委已有不同的评分时，须加 --replace 才替换（原评分仍可用 dj log 查到）。

    例：dj score 2025-机电-003 --reviewer 钱评委 --item completeness=18 --item process_system=17 \\
        --item participation=16 --item education=18 --item strengthening=17
    例：dj score --sheet 钱评委评分表.csv --reviewer 钱评委
    """
    from dangjian_cli import actions, handedin, store

    if round_ not in ("acceptance", "defense"):
        raise typer.BadParameter("只能是 acceptance（验收评分）或 defense（答辩评分）。", param_hint="--round")
    if not reviewer:
        raise typer.BadParameter("请用 --reviewer 指定评委的姓名或邮箱。", param_hint="--reviewer")
    if (sheet is None) == (project_id is None):
        raise typer.BadParameter("请写项目编号和 --item，或只用 --sheet 指定评分表，二者选一。",
                                 param_hint="ID / --sheet")
    session = session_of(ctx, repo, as_, no_commit)
    defense = round_ == "defense"
    if sheet is not None:
        rubric = session.config.competition.defense if defense and session.config.competition \
            else session.config.acceptance
        rows = actions.sheet_rows(store.read_rows(sheet), rubric)
        outcomes = actions.score_sheet(session, rows, reviewer=reviewer, defense_round=defense, replace=replace,
                                       on=on)
        for outcome in outcomes:
            done(session, outcome, "已录入评分")
        return
    assert project_id is not None
    points = handedin.parse_points(item or [])
    if defense:
        outcome = actions.defense(session, project_id, judge=reviewer, points=points, comment=comment,
                                  replace=replace, on=on)
    else:
        outcome = actions.score(session, project_id, reviewer=reviewer, points=points, comment=comment,
                                replace=replace, on=on)
    done(session, outcome, "已录入评分")


@app.command()
def accept(ctx: typer.Context, project_id: IdArg, on: DateOpt = None, repo: RepoOpt = None,
           as_: AsOpt = None, no_commit: NoCommitOpt = False) -> None:
    """验收：按评分算出总分（评委够多时去掉最高分和最低分）和等次。

    例：dj accept 2025-机电-003
    """
    from dangjian_cli import actions

    session = session_of(ctx, repo, as_, no_commit)
    outcome = actions.accept(session, project_id, on=on)
    p = outcome.project
    done(session, outcome, "验收完成")
    result = p.result or (p.past_stages[-1].result if p.past_stages else None)
    if result is not None:
        say(f"总分 {result.total}，{'通过' if result.passed == 'yes' else '未通过'}"
             + (f"，等次：{result.grade}" if result.grade else ""))


@app.command()
def terminate(ctx: typer.Context, project_id: IdArg, reason: ReasonOpt, on: DateOpt = None,
              repo: RepoOpt = None, as_: AsOpt = None, no_commit: NoCommitOpt = False) -> None:
    """终止项目。

    例：dj terminate 2025-机电-006 --reason "支部撤并，项目无法继续"
    """
    from dangjian_cli import actions

    session = session_of(ctx, repo, as_, no_commit)
    done(session, actions.terminate(session, project_id, reason=reason, on=on), "已终止")


@app.command()
def spend(
    ctx: typer.Context, project_id: IdArg,
    amount: Annotated[Decimal, typer.Argument(parser=parse_money, help="金额（元），如 380 或 45.50", metavar="金额")],
    item: Annotated[str, typer.Argument(help="用途", metavar="用途")],
    receipt: Annotated[str, typer.Option(help="票据号")] = "",
    on: DateOpt = None, repo: RepoOpt = None, as_: AsOpt = None, no_commit: NoCommitOpt = False,
) -> None:
    """登记一笔经费支出；超出结余的支出会被拒绝。

    例：dj spend 2025-机电-003 380 星级党员公示栏制作 --receipt 0012345 --date 2025-07-02
    """
    from dangjian_cli import actions

    session = session_of(ctx, repo, as_, no_commit)
    outcome = actions.spend(session, project_id, amount=amount, item=item, receipt=receipt, on=on)
    done(session, outcome, "已登记支出")
    p = outcome.project
    say(f"资助 {p.granted} 元，已支出 {p.spent} 元，结余 {p.balance} 元")


@app.command()
def correct(
    ctx: typer.Context, project_id: IdArg,
    to: Annotated[dt.date | None, typer.Option("--date", parser=parse_date, metavar="日期",
                                               help="上一步实际办理的日期")] = None,
    reason: ReasonOpt = "",
    repo: RepoOpt = None, as_: AsOpt = None, no_commit: NoCommitOpt = False,
) -> None:
    """更正日期：把项目上一步（漏写 --date 而记成今天的那一步）的日期改为实际办理的日期，仅组织部干事。

    只改上一步写下的日期，别的都不动；更正本身是一次单独的提交，写明原因，dj audit 和 dj check --base 都认可它。

    例：dj correct 2025-机电-003 --date 2026-03-10 --reason "补录时漏写 --date"
    """
    from dangjian_cli import actions

    session = session_of(ctx, repo, as_, no_commit)
    outcome = actions.correct(session, project_id, to=to, reason=reason)
    done(session, outcome, "已更正日期")

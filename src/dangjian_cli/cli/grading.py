"""党支部分类定级 (seed 004): the `dj branch …` commands — parse, call, print."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dangjian_cli.cli import GROUPS
from dangjian_cli.cli.base import (
    AsOpt,
    DateOpt,
    JsonOpt,
    NoCommitOpt,
    RepoOpt,
    app,
    parse_date,
    root_of,
    say,
    session_of,
)
from dangjian_cli.cli.chinese import ChineseGroup, ChineseTyper
from dangjian_cli.errors import DjError

if TYPE_CHECKING:
    from dangjian_cli.gradeactions import BranchOutcome
    from dangjian_cli.session import Session

branch_app = ChineseTyper(cls=ChineseGroup, help=GROUPS["branch"][1], no_args_is_help=True, add_completion=False,
                         context_settings={"help_option_names": ["-h", "--help"]})
app.add_typer(branch_app, name="branch")

BranchArg = Annotated[str, typer.Argument(help="党支部定级编号，如 2026-机电-支01", metavar="编号")]
ItemsOpt = Annotated[list[str] | None, typer.Option("--item", help="一个指标的得分：代码=分数（可重复）")]
SheetOpt = Annotated[Path | None, typer.Option("--sheet", help="评分表文件（YAML，每行“代码: 分数”）")]
AsOfOpt = Annotated[dt.date | None, typer.Option("--date", parser=parse_date, metavar="日期",
                                                 help="按哪一天查看定级后果是否仍有效（默认今天）")]


def _done(session: Session, outcome: BranchOutcome, verb: str) -> None:
    from dangjian_cli import store

    b = outcome.branch
    if outcome.unchanged:
        say(f"{b.id}：{outcome.unchanged}")
        return
    shown = store.display(outcome.path, session.root)
    committed = f"已提交 {outcome.commit[:7]}" if outcome.commit else "未提交：--no-commit 或不在 git 仓库中"
    say(f"{verb}：{b.id}《{b.name}》，状态：{b.status.label}（{shown}，{committed}）")
    for form in outcome.forms:
        say(f"  表格：{store.display(form, session.root)}")


def _points(items: list[str] | None, sheet: Path | None) -> dict[str, str]:
    from dangjian_cli import store
    from dangjian_cli.handedin import parse_points

    points: dict[str, str] = {}
    if sheet is not None:
        points.update({str(k): str(v) for k, v in store.read_yaml(sheet, str(sheet)).items()})
    points.update(parse_points(items or []))
    return points


def _text_file(path: Path | None, what: str, option: str) -> str:
    if path is None:
        raise DjError(f"需要{what}；请用 {option} 文件 指定（Markdown 或纯文本）。")
    from dangjian_cli import store

    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DjError(f"找不到文件 {path}；请检查 {option} 的路径。") from None
    return store.decode(raw, str(path))


def _step(ctx: typer.Context, branch_id: str, action: str, args: dict[str, Any], on: dt.date | None,
          repo: Path | None, as_: str | None, no_commit: bool, verb: str) -> None:
    from dangjian_cli import gradeactions

    session = session_of(ctx, repo, as_, no_commit)
    _done(session, gradeactions.step(session, branch_id, action, args, on), verb)


@branch_app.command()
def survey(
    ctx: typer.Context,
    unit: Annotated[str | None, typer.Option(help="所属二级党组织（dj.yaml 的 units[].name）")] = None,
    name: Annotated[str | None, typer.Option(help="党支部名称（units[].branches 之一）")] = None,
    kind: Annotated[str | None, typer.Option(help="党支部类别（grading.kinds[].kind，如 student、teacher）")] = None,
    members: Annotated[int | None, typer.Option(help="党员人数")] = None,
    committee: Annotated[str | None, typer.Option(help="支部委员，用顿号或逗号分隔")] = None,
    secretary: Annotated[str | None, typer.Option(help="党支部书记")] = None,
    fact: Annotated[list[str] | None, typer.Option(
        "--fact", help="调查摸底的一个方面：组织设置=…、班子健全=…、制度完善=…、发展思路=…、活动开展=…、"
                       "作用发挥=…、经费场所保障=…（可重复）")] = None,
    from_file: Annotated[Path | None, typer.Option("--from", help="从 YAML 文件读取（键与记录相同）")] = None,
    last_grade: Annotated[str | None, typer.Option("--last-grade", help="上一年度等级（仅在没有上一年度记录时，"
                                                                       "由组织部干事按存档填写）")] = None,
    on: DateOpt = None, repo: RepoOpt = None, as_: AsOpt = None, no_commit: NoCommitOpt = False,
) -> None:
    """调查摸底：登记党支部的七个方面情况、党员人数、支部委员和书记，打印定级编号。

    例：dj branch survey --from 支01-调查摸底.yaml --date 2026-03-25
    例：dj branch survey --unit 机电学院党委 --name 机电学院学生第一党支部 --kind student --members 36 \\
        --committee 赵敏、刘洋、陈晨 --secretary 赵敏 --fact 组织设置=按年级设置（七个方面各一个 --fact）
    """
    import re

    from dangjian_cli import gradeactions, store
    from dangjian_cli.branchmodel import SURVEY_FACTS
    from dangjian_cli.grading import grade_of

    if from_file is None and unit is None:
        raise DjError("调查摸底需要支部交来的材料：请用 --from 指定调查摸底的 YAML 文件，"
                      "或用 --unit、--name、--kind、--members、--secretary、--fact 逐项填写。")
    session = session_of(ctx, repo, as_, no_commit)
    fields: dict[str, Any] = dict(store.read_yaml(from_file, str(from_file))) if from_file else {}
    options = {"unit": unit, "name": name, "kind": kind, "members": members, "secretary": secretary}
    fields.update({k: v for k, v in options.items() if v is not None})
    if committee is not None:
        fields["committee"] = [c for c in re.split(r"[、,，\s]+", committee) if c]
    by_label = {label: key for key, label in SURVEY_FACTS.items()}
    facts = dict(fields.get("survey") or {})
    for item in fact or []:
        key, sep, text = item.partition("=")
        key = by_label.get(key.strip(), key.strip())
        if not sep or key not in SURVEY_FACTS:
            raise DjError(f"调查摸底项“{item}”的写法不对；应写成 方面=情况，方面为："
                          f"{'、'.join(SURVEY_FACTS.values())}。")
        facts[key] = text.strip()
    fields["survey"] = facts
    outcome = gradeactions.survey(session, fields, last_grade=grade_of(last_grade), on=on)
    _done(session, outcome, "已调查摸底")
    say(outcome.branch.id)


@branch_app.command("self-assess")
def self_assess(ctx: typer.Context, branch_id: BranchArg, item: ItemsOpt = None, sheet: SheetOpt = None,
                report: Annotated[Path | None, typer.Option(help="自我评价报告（Markdown 或纯文本文件）")] = None,
                on: DateOpt = None, repo: RepoOpt = None, as_: AsOpt = None, no_commit: NoCommitOpt = False) -> None:
    """自评：支部按评分参考标准逐项打分，并提交自我评价报告（再次自评则替换）。

    例：dj branch self-assess 2026-机电-支01 --sheet 自评.yaml --report 自我评价报告.md
    """
    args = {"points": _points(item, sheet), "report": _text_file(report, "自我评价报告", "--report")}
    _step(ctx, branch_id, "self-assess", args, on, repo, as_, no_commit, "已自评")


@branch_app.command("unit-review")
def unit_review(
    ctx: typer.Context, branch_id: BranchArg, item: ItemsOpt = None, sheet: SheetOpt = None,
    appraisal: Annotated[str, typer.Option(help="党员和群众测评结果，如 满意率 96%")] = "",
    learning: Annotated[str, typer.Option(help="参考：学习型党组织建设验收情况")] = "",
    satisfaction: Annotated[str, typer.Option(help="参考：基层党组织和负责人群众满意度测评")] = "",
    propose: Annotated[str, typer.Option(help="建议等级：A、B、C 或 D")] = "",
    opinion: Annotated[str, typer.Option(help="初评意见")] = "",
    on: DateOpt = None, repo: RepoOpt = None, as_: AsOpt = None, no_commit: NoCommitOpt = False,
) -> None:
    """初评：二级党组织审查自评、组织党员和群众测评，打分并提出建议等级和初评意见。

    例：dj branch unit-review 2026-机电-支01 --sheet 初评.yaml --appraisal "满意率 96%" --propose A
    --opinion 同意
    """
    args = {"points": _points(item, sheet), "appraisal": appraisal, "learning": learning,
            "satisfaction": satisfaction, "proposed": propose.strip().upper(), "opinion": opinion}
    _step(ctx, branch_id, "unit-review", args, on, repo, as_, no_commit, "已初评")


@branch_app.command()
def decide(
    ctx: typer.Context, branch_id: BranchArg, item: ItemsOpt = None, sheet: SheetOpt = None,
    method: Annotated[list[str] | None, typer.Option("--method",
                                                     help="考评方式（grading.methods 之一，可重复）")] = None,
    grade: Annotated[str | None, typer.Option(help="不按分档定级时的等级 A、B、C、D（须写 --reason）")] = None,
    reason: Annotated[str, typer.Option(help="不按分档定级的理由")] = "",
    on: DateOpt = None, repo: RepoOpt = None, as_: AsOpt = None, no_commit: NoCommitOpt = False,
) -> None:
    """党委考评定级：录入党委考评得分和考评方式，按权重算出最终得分，按分档定级（或写明理由另定）。

    例：dj branch decide 2026-机电-支01 --sheet 考评.yaml --method 问卷调查 --method 个别访谈
    """
    from dangjian_cli.grading import grade_of

    args = {"points": _points(item, sheet), "methods": list(method or []), "grade": grade_of(grade),
            "reason": reason}
    _step(ctx, branch_id, "decide", args, on, repo, as_, no_commit, "已定级")


@branch_app.command()
def recommend(ctx: typer.Context, branch_id: BranchArg, on: DateOpt = None, repo: RepoOpt = None,
              as_: AsOpt = None, no_commit: NoCommitOpt = False) -> None:
    """推荐先进党支部：只能从 A 级党支部中推荐。

    例：dj branch recommend 2026-机电-支01
    """
    _step(ctx, branch_id, "recommend", {}, on, repo, as_, no_commit, "已推荐")


@branch_app.command()
def rectify(ctx: typer.Context, branch_id: BranchArg,
            item: Annotated[list[str] | None, typer.Option("--item", help="一条整改事项（可重复）")] = None,
            deadline: Annotated[dt.date | None, typer.Option(parser=parse_date, metavar="日期",
                                                             help="整改期限")] = None,
            on: DateOpt = None, repo: RepoOpt = None, as_: AsOpt = None, no_commit: NoCommitOpt = False) -> None:
    """对标整改：给党支部下发整改事项和期限（C、D 级必须整改，其他等级由党委决定）。

    例：dj branch rectify 2026-机电-支05 --item 健全“三会一课”记录 --deadline 2026-06-30
    """
    _step(ctx, branch_id, "rectify", {"items": list(item or []), "deadline": deadline}, on, repo, as_, no_commit,
          "已下发整改事项")


@branch_app.command()
def rectified(ctx: typer.Context, branch_id: BranchArg,
              note: Annotated[str, typer.Option(help="整改情况说明")] = "",
              on: DateOpt = None, repo: RepoOpt = None, as_: AsOpt = None, no_commit: NoCommitOpt = False) -> None:
    """整改完成：记录完成日期和整改情况。

    例：dj branch rectified 2026-机电-支05 --note 已补齐会议记录
    """
    _step(ctx, branch_id, "rectified", {"note": note}, on, repo, as_, no_commit, "已整改完成")


@branch_app.command("list")
def list_(
    ctx: typer.Context,
    round_: Annotated[str | None, typer.Option("--round", help="定级年度（默认 dj.yaml 的 grading.round）")] = None,
    unit: Annotated[str | None, typer.Option(help="按单位名称或代码筛选")] = None,
    grade: Annotated[str | None, typer.Option(help="按等级筛选：A、B、C、D")] = None,
    on: AsOfOpt = None, as_json: JsonOpt = False, repo: RepoOpt = None,
) -> None:
    """列出党支部定级记录：状态、最终得分、等级、推荐和仍有效的定级后果。

    例：dj branch list --unit 机电 --grade D
    """
    import json

    from dangjian_cli import store
    from dangjian_cli.branchshow import LIST_COLUMNS, list_row
    from dangjian_cli.cli.base import record_json
    from dangjian_cli.grading import grade_of, rules

    root = root_of(ctx, repo)
    config = store.load_config(root)
    wanted_round = round_ or rules(config).round
    names = {u.name for u in config.units if unit in (u.name, u.code)} if unit else set()
    letter = grade_of(grade)
    day = on or dt.date.today()
    found = [b for b in store.iter_branches(root, wanted_round)
             if (not unit or b.unit in names or b.unit == unit) and (letter is None or b.grade == letter)]
    if as_json:
        say(json.dumps([record_json(b) for b in found], ensure_ascii=False, indent=2))
        return
    from dangjian_cli.textout import print_table

    print_table(f"{config.org} {wanted_round} 年度党支部分类定级（{len(found)} 个）", LIST_COLUMNS,
                [list_row(b, day) for b in found], no_wrap=[0])


@branch_app.command()
def show(ctx: typer.Context, branch_id: BranchArg, on: AsOfOpt = None, as_json: JsonOpt = False,
         repo: RepoOpt = None) -> None:
    """查看一个党支部的定级记录：调查摸底、自评、初评、考评、推荐、仍有效的定级后果、整改，以及下一步。

    例：dj branch show 2026-机电-支01 --date 2027-05-01
    """
    import json

    from dangjian_cli import store
    from dangjian_cli.cli.base import record_json

    branch = store.load_branch(root_of(ctx, repo), branch_id)
    if as_json:
        say(json.dumps(record_json(branch), ensure_ascii=False, indent=2))
        return
    from dangjian_cli.branchshow import card_text

    sys.stdout.write(card_text(branch, on or dt.date.today()) + "\n")


@branch_app.command()
def log(ctx: typer.Context, branch_id: BranchArg, repo: RepoOpt = None) -> None:
    """从 git 历史重建党支部定级的每一步：日期、办理人、操作、状态变化、提交。

    例：dj branch log 2026-机电-支01
    """
    from dangjian_cli import gitrepo, store
    from dangjian_cli.branchshow import HISTORY_COLUMNS, history_rows
    from dangjian_cli.textout import print_table

    root = root_of(ctx, repo)
    store.load_branch(root, branch_id)  # the friendly "no such record"
    rows = history_rows(root, branch_id) if gitrepo.is_repo(root) else []
    if not rows:
        say(f"{branch_id} 还没有任何 git 提交记录（文件尚未提交，或不在 git 仓库中）。")
        return
    print_table(f"{branch_id} 的办理记录（来自 git 历史）", HISTORY_COLUMNS, rows)


# The paperwork (dj branch render, dj branch report) registers its commands on the same group.
from dangjian_cli.cli import gradingpaper as _paperwork  # noqa: E402,F401

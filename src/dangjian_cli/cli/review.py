"""Review between clones: check (with --base), audit, renumber."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from dangjian_cli.cli.base import (
    AsOpt,
    DateOpt,
    IdArg,
    JsonOpt,
    NoCommitOpt,
    RepoOpt,
    app,
    done,
    rich_console,
    root_of,
    say,
    session_of,
)
from dangjian_cli.errors import EXIT_ERROR, DjError


def _history_root(ctx: typer.Context, repo: Path | None) -> Path:
    """The repository to check: also one whose dj.yaml a commit deleted, so that the deletion is a finding."""
    from dangjian_cli import gitrepo

    try:
        return root_of(ctx, repo)
    except DjError:
        where = repo or (ctx.obj or {}).get("repo") or Path.cwd()
        if gitrepo.is_repo(where) and gitrepo.has_head(where):
            return Path(where).resolve()
        raise


def _report_findings(findings: list[Any], as_json: bool, passed: str) -> None:
    """Print problems (or findings) one per line on stderr, or as JSON; exit 1 when there are any."""
    import json

    if as_json:
        say(json.dumps([vars(f) for f in findings], ensure_ascii=False, indent=2))
    elif findings:
        for f in findings:
            sys.stderr.write(f"{f}\n")
        sys.stderr.write(f"共 {len(findings)} 处问题；请按提示改正后再试。\n")
    else:
        say(passed)
    if findings:
        raise typer.Exit(EXIT_ERROR)


@app.command()
def check(
    ctx: typer.Context,
    base: Annotated[str | None, typer.Option(help="与哪个版本比较（拉取请求的目标分支，如 origin/main）")] = None,
    as_json: JsonOpt = False, repo: RepoOpt = None,
) -> None:
    """检查 dj.yaml 和所有项目文件，逐条列出问题（文件和字段）；有问题时退出码为 1。

    加 --base 时，还按目标分支上的 dj.yaml 把本分支的每个提交重做一遍：记录必须与 dj 会写出的完全一致，
    办理人要有相应角色，配置只能由组织部干事修改；不能删除或改名项目，编号不能冲突，
    目标分支上已有新变化的项目，本分支的步骤在其上也要成立。

    例：dj check
    例：dj check --base origin/main
    """
    from dangjian_cli.checks import check_repository

    root = _history_root(ctx, repo) if base is not None else root_of(ctx, repo)
    found, count = check_repository(root)
    problems: list[Any] = found
    graded = ""
    if (root / "branches").is_dir():  # 党支部分类定级 (004): only a repository that grades reads its models
        from dangjian_cli import store
        from dangjian_cli.branchcheck import check_branches
        from dangjian_cli.errors import DjError

        try:
            config = store.load_config(root)
        except DjError:
            config = None  # reported with dj.yaml's own problems
        more, branches = check_branches(root, config)
        problems += more
        graded = f"、{branches} 个党支部定级记录" if branches else ""
    if base is not None:
        from dangjian_cli.audit import check_base

        problems += check_base(root, base)
    against = f"，相对 {base} 的提交都是合法步骤" if base else ""
    _report_findings(problems, as_json, f"检查通过：dj.yaml 和 {count} 个项目文件{graded}都没有问题{against}。")


@app.command()
def audit(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option(help="从哪个版本之后开始核查（默认全部历史）")] = None,
    as_json: JsonOpt = False, repo: RepoOpt = None,
) -> None:
    """核查 git 历史：按每个提交当时的 dj.yaml 重做其中的每一步（合并提交也不例外），
    记录必须与 dj 会写出的完全一致；配置只能由组织部干事修改；要求签名时签名须是提交者登记的密钥。

    例：dj audit
    例：dj audit --since v2025
    """
    from dangjian_cli import gitrepo
    from dangjian_cli.audit import audit as run_audit

    root = _history_root(ctx, repo)
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
        rich_console().print(table)
        raise typer.Exit(EXIT_ERROR)
    _report_findings(findings, as_json, "审计通过：每个改动记录的提交都按当时的规则重做无误，配置只由组织部干事修改。")


@app.command()
def renumber(
    ctx: typer.Context, project_id: IdArg,
    base: Annotated[str | None, typer.Option(
        help="目标分支，如 origin/main：编号与它冲突时才改号，并避开它上面已用的编号")] = None,
    force: Annotated[bool, typer.Option("--force", help="没有冲突也改号（仅组织部干事，且项目尚未立项）")] = False,
    on: DateOpt = None, repo: RepoOpt = None, as_: AsOpt = None, no_commit: NoCommitOpt = False,
) -> None:
    """重新编号：两处同时申报占用了同一个编号时，把本分支的项目改为下一个空闲编号（一次提交）。

    本单位的申报人可以给自己尚未立项的申报改号；组织部干事在编号冲突时、或对尚未立项的项目加 --force 时改号。
    改号后 dj log、dj show 和 dj verify-form 仍能沿用原编号下的历史。

    例：dj renumber 2025-机电-005 --base origin/main
    """
    from dangjian_cli import actions

    session = session_of(ctx, repo, as_, no_commit)
    outcome = actions.renumber(session, project_id, base=base, force=force, on=on)
    done(session, outcome, f"已由 {project_id} 重新编号")
    say(outcome.project.id)

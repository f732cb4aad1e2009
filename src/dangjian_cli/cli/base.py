"""The shared app and options of every command, and the one place where errors become exit codes."""

from __future__ import annotations

import datetime as dt
import errno
import os
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand

from dangjian_cli import __version__
from dangjian_cli.cli.chinese import ChineseGroup, ChineseTyper, usage_error
from dangjian_cli.errors import EXIT_BUG, EXIT_ERROR, DjError

# Only typer and the standard library at import time: each command imports what it needs when it runs.
if TYPE_CHECKING:
    from dangjian_cli.branchmodel import Branch
    from dangjian_cli.model import Project
    from dangjian_cli.session import Session
    from dangjian_cli.steps import Outcome


class _Group(ChineseGroup):
    """The one place where an expected failure becomes a red sentence and exit code 1."""

    # A command's module is imported when the command runs or prints its own help; `dj --help` lists
    # the summaries of the table in cli/__init__.py, so it imports no command at all.
    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        from dangjian_cli.cli import COMMANDS, GROUPS

        return [*COMMANDS, *GROUPS]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        from dangjian_cli.cli import COMMANDS, GROUPS

        if cmd_name not in self.commands and cmd_name in {**COMMANDS, **GROUPS}:
            module, summary = COMMANDS.get(cmd_name) or GROUPS[cmd_name]
            if self._listing:
                return TyperCommand(cmd_name, help=summary)
            self.commands[cmd_name] = _load(module, cmd_name) if cmd_name in COMMANDS else _load_group(module,
                                                                                                        cmd_name)
        return self.commands.get(cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except DjError as e:
            fail(e.message)
        except BrokenPipeError:
            # the reader went away (`dj list | head`): stop quietly, as other command-line tools do
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise SystemExit(0) from None
        except OSError as e:
            if os.environ.get("DJ_DEBUG"):
                raise
            where = f"（{e.filename}）" if e.filename else ""
            fail(f"读写文件失败{where}：{_OS_ERRORS.get(e.errno or 0, '系统拒绝了这次读写')}；"
                 f"请检查路径、权限和磁盘空间后再试。")
        except (typer.Exit, typer.Abort):
            raise
        except typer.TyperException as e:
            raise usage_error(e) from None  # a usage error: in Chinese, exit code 2
        except Exception:
            if os.environ.get("DJ_DEBUG"):
                raise
            fail("dj 运行中出了意料之外的错误（这是 dj 自身的缺陷，不是您操作有误）；请把所用的命令和这句话发给维护者，"
                 "设置环境变量 DJ_DEBUG=1 再运行一次可看到技术细节。", EXIT_BUG)


# What the system said, as a clerk would say it (errno → words).
_OS_ERRORS = {
    errno.EACCES: "没有权限", errno.EPERM: "没有权限", errno.ENOSPC: "磁盘空间已满", errno.EROFS: "磁盘是只读的",
    errno.ENOENT: "文件或文件夹不存在", errno.EISDIR: "这是文件夹，不是文件", errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.EEXIST: "文件已存在", errno.ENAMETOOLONG: "文件名太长", errno.EDQUOT: "磁盘配额已用完",
    errno.EIO: "磁盘读写出错", errno.EBUSY: "文件正被其他程序占用", errno.ELOOP: "符号链接绕成了圈",
}


def fail(message: str, code: int = EXIT_ERROR) -> None:
    from rich.console import Console

    Console(stderr=True, highlight=False).print(f"[bold red]错误：[/]{message}", markup=True,
                                                soft_wrap=True)
    raise typer.Exit(code)


app = ChineseTyper(
    cls=_Group,
    help="dj：党建工作项目化管理。申报 → 立项 → 中期检查（整改）→ 结题 → 验收，每一步都是一次 git 提交。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    suggest_commands=False,  # _Group suggests, from every command's name
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _load(module: str, name: str) -> Any:
    """Import the module of one command and build that command alone."""
    import typer.main

    __import__(f"dangjian_cli.cli.{module}")  # the import statement's path, so python -X importtime lists it
    info = next(i for i in app.registered_commands
                if (i.name or typer.main.get_command_name(getattr(i.callback, "__name__", ""))) == name)
    return typer.main.get_command_from_info(info, pretty_exceptions_short=app.pretty_exceptions_short,
                                            rich_markup_mode=app.rich_markup_mode)


def _load_group(module: str, name: str) -> Any:
    """Import the module of one command group (`dj branch …`) and build that group alone."""
    import typer.main

    __import__(f"dangjian_cli.cli.{module}")
    info = next(i for i in app.registered_groups if i.name == name)
    return typer.main.get_group_from_info(info, pretty_exceptions_short=app.pretty_exceptions_short,
                                          suggest_commands=True, rich_markup_mode=app.rich_markup_mode)


# --- option types --------------------------------------------------------------------


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"“{text}”不是有效日期，请写成 YYYY-MM-DD，例如 2025-05-20。") from None


def parse_money(text: str) -> Decimal:
    from dangjian_cli.model import money_text

    try:
        value = Decimal(money_text(text))
    except (ValueError, InvalidOperation):
        value = Decimal("NaN")
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise typer.BadParameter(f"“{text}”不是有效金额，请写成不小于 0、最多两位小数的普通数字，例如 1000 或 800.50"
                                 f"（不能用 1e3 这样的科学计数法）。")
    return value


RepoOpt = Annotated[Path | None, typer.Option("--repo", help="数据仓库目录（默认：从当前目录向上查找 dj.yaml）")]
AsOpt = Annotated[str | None, typer.Option("--as", help="替谁登记这一步：\"姓名 <邮箱>\"（仅组织部干事可代录）")]
NoCommitOpt = Annotated[bool, typer.Option("--no-commit", help="只写文件，不做 git 提交")]
NoFormsOpt = Annotated[bool, typer.Option("--no-forms", envvar="DJ_NO_FORMS",
                                          help="这一步不生成 Word 表格（需要时再用 dj render 生成）")]
DateOpt = Annotated[dt.date | None, typer.Option("--date", parser=parse_date, metavar="日期",
                                                  help="实际办理日期，如 2025-05-20（默认今天）")]
JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出，便于脚本处理")]
IdArg = Annotated[str, typer.Argument(help="项目编号，如 2025-机电-003", metavar="编号")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="理由")]


def _version(value: bool) -> None:
    if value:
        say(f"dj {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    ctx: typer.Context,
    repo: RepoOpt = None,
    as_: AsOpt = None,
    no_commit: NoCommitOpt = False,
    no_forms: NoFormsOpt = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="显示版本号")] = False,
) -> None:
    """dj：党建工作项目化管理。"""
    ctx.obj = {"repo": repo, "as": as_, "no_commit": no_commit, "no_forms": no_forms}


def session_of(ctx: typer.Context, repo: Path | None, as_: str | None, no_commit: bool) -> Session:
    from dataclasses import replace

    from dangjian_cli import lock
    from dangjian_cli.session import open_session

    g = ctx.obj or {}
    session = open_session(repo or g.get("repo"), as_ or g.get("as"), no_commit or g.get("no_commit", False))

    # Every writing command opens its session here: it holds the checkout's lock until the command ends,
    # so the id it allocates and the files it writes are nobody else's.
    command = " ".join(["dj", *sys.argv[1:]])
    ctx.with_resource(lock.hold(session.root, command if len(command) <= 80 else command[:79] + "…"))
    return replace(session, forms=False) if g.get("no_forms") else session


def root_of(ctx: typer.Context, repo: Path | None) -> Path:
    from dangjian_cli import paths

    return paths.find_root(override=repo or (ctx.obj or {}).get("repo"))


def current_id(root: Path, project_id: str) -> str:
    """The id a project has now: an old number that dj renumbered leads to the new one, with a note."""
    from dangjian_cli import gitrepo, paths

    if paths.project_path(root, project_id).exists() or not gitrepo.is_repo(root):
        return project_id
    new = gitrepo.renumbered_to(root, project_id)
    if new is None:
        return project_id
    say(f"（{project_id} 已重新编号为 {new}，以下是 {new}。）")
    return new


def say(text: str) -> None:
    sys.stdout.write(text + "\n")


def rich_console() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def with_progress(total: int, run: Callable[[Callable[[Path], None]], list[Path]]) -> list[Path]:
    """`run(advance)` under a progress bar of `total` forms, gone when it is done."""
    from rich.progress import Progress

    with Progress(console=rich_console(), transient=True) as progress:
        task = progress.add_task("生成表格", total=total)
        return run(lambda _: progress.advance(task))


def made(paths: Sequence[Path], pdf_dir: Path | None) -> None:
    """Each form made, and with --pdf each as a PDF in `pdf_dir` (LibreOffice, batched across the cores)."""
    for path in paths:
        say(f"已生成 {path}")
    if pdf_dir is not None:
        from dangjian_cli import render

        for path in render.to_pdf(paths, pdf_dir):
            say(f"已生成 {path}")
    if not paths:
        say("没有可生成的表格。")


def done(session: Session, outcome: Outcome, verb: str) -> None:
    from dangjian_cli import store

    p = outcome.project
    if outcome.unchanged:
        say(f"{p.id}：{outcome.unchanged}")
        return
    shown = store.display(outcome.path, session.root)
    if outcome.commit:
        committed = f"已提交 {outcome.commit[:7]}"
    elif not session.commit:
        committed = "未提交：--no-commit 或不在 git 仓库中"
    else:
        committed = "未提交"
    say(f"{verb}：{p.id}《{p.title}》，状态：{p.status.label}（{shown}，{committed}）")
    for form in outcome.forms:
        say(f"  表格：{store.display(form, session.root)}")
    if outcome.warning:
        sys.stderr.write(f"注意：{outcome.warning}\n")


def record_json(project: Project | Branch) -> dict[str, Any]:
    """The record with the same keys as its YAML file; dates, money and statuses as text."""
    import json

    from dangjian_cli import store

    data: dict[str, Any] = json.loads(json.dumps(store.record_data(project), ensure_ascii=False, default=str))
    return data

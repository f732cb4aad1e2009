"""Help pages and usage errors in Chinese: the words typer and its vendored click print around dj's own.

Why not a gettext catalog for click's and typer's domain: typer 0.29 vendors click as `typer._click`, and
that copy prints its words as plain literals ("Usage: ", "[OPTIONS]", "Show this message and exit.",
"Missing argument", "No such option", "Got unexpected extra argument(s)"), so a catalog would reach only
the half that typer itself passes through `_()`; and gettext picks the language from LANGUAGE/LC_ALL/LANG,
so a clerk whose terminal says C or en_US would still read English. dj's users read Chinese whatever the
locale. So dj says each word itself, at the three places they come from:

- the command classes below (every dj command and group is one of them, through ChineseTyper): the usage line, the help
  option, the placeholders of arguments and options;
- typer's rich_utils, whose panel titles and "[default: …]"/"[required]" are module constants
  (`use_chinese_panels`, run just before a help page or an error prints: rich_utils imports rich, so it
  is loaded only then, never for a command that just runs);
- `usage_error`, which turns each of click's usage errors into one Chinese sentence: what is wrong, where,
  what to do now. The exit code stays 2.

Only typer's own classes are imported here, which `dj` loads at start-up anyway.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args, get_origin

import typer
import typer.core
from typer._click.exceptions import (
    BadOptionUsage,
    BadParameter,
    MissingParameter,
    NoArgsIsHelpError,
    NoSuchOption,
    UsageError,
)
from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption
from typer.models import CommandFunctionType

OPTIONS = "[选项]"
SUBCOMMAND = "命令 [参数]..."
HELP = "显示本帮助并退出。"

# The placeholder an option's value shows in help, by its Python type; flags take no value and show none.
_PLACEHOLDERS: dict[Any, str] = {bool: "", str: "文字", int: "整数", float: "数字", Decimal: "金额",
                                 dt.date: "日期", dt.datetime: "日期"}
# How a value that is not of the type is explained, by the same types.
_EXPECTED: dict[Any, str] = {int: "整数，例如 2", float: "数字，例如 0.5", Decimal: "数字，例如 1000 或 800.50",
                             dt.date: "日期，写成 YYYY-MM-DD，例如 2025-05-20", bool: "是或否（true 或 false）"}
_ARGUMENT_NAMES = {"ID": "编号", "DIRECTORY": "目录"}


def _annotation(param: Any) -> Any:
    """The type of one value of the parameter: `list[str]` and `str | None` both give `str`."""
    annotation = param.type_descriptor.annotation
    while get_origin(annotation) is not None:
        inner = [a for a in get_args(annotation) if a is not type(None)]
        if not inner:
            break
        annotation = inner[0]
    return annotation


def _placeholder(param: Any) -> str:
    annotation = _annotation(param)
    if isinstance(annotation, type) and issubclass(annotation, Path):
        return "目录" if "目录" in (param.help or "") else "文件"
    return _PLACEHOLDERS.get(annotation, "文字")


class _Argument(TyperArgument):
    """An argument whose name is already its Chinese placeholder, so the help shows no type beside it."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None


def _localise(params: list[Any]) -> None:
    for param in params:
        if isinstance(param, TyperArgument):
            raw = (param.metavar or param.name or "").strip("[].").upper() or "值"
            param.metavar = _ARGUMENT_NAMES.get(raw, param.metavar or raw).strip("[].")
            param.__class__ = _Argument
        elif isinstance(param, TyperOption) and param.metavar is None:
            param.metavar = "" if param.is_flag else _placeholder(param)


class _Chinese:
    """What dj's commands and groups share: a Chinese usage line, help option and placeholders."""

    params: list[Any]

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [OPTIONS]
        for param in self.get_params(ctx):  # type: ignore[attr-defined]
            if isinstance(param, TyperArgument):
                name = param.metavar or param.name or ""
                name = name if param.required else f"[{name}]"
                pieces.append(name + ("..." if param.nargs != 1 else ""))
        if isinstance(self, TyperGroup):
            pieces.append(SUBCOMMAND)
        return pieces

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)), prefix="用法：")

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help, option.metavar = HELP, ""
        return option

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            rest: list[str] = super().parse_args(ctx, args)  # type: ignore[misc]
        except UsageError as e:
            if e.ctx is None:  # click's parser raises some without the context that says where
                e.ctx, e.cmd = ctx, ctx.command
            raise usage_error(e) from None
        return rest

    def format_help(self, ctx: Any, formatter: Any) -> None:
        use_chinese_panels()
        super().format_help(ctx, formatter)  # type: ignore[misc]


class ChineseCommand(_Chinese, TyperCommand):
    """Every dj command."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _localise(self.params)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # click words extra arguments in English; let it hand them back and say so in Chinese
        allowed, ctx.allow_extra_args = ctx.allow_extra_args, True
        try:
            rest: list[str] = super().parse_args(ctx, args)
        finally:
            ctx.allow_extra_args = allowed
        if rest and not allowed and not ctx.resilient_parsing:
            raise UsageError(f"多余的参数：{' '.join(rest)}；{self._takes(ctx)}", ctx)
        return rest

    def _takes(self, ctx: Any) -> str:
        arguments = [p.metavar or "" for p in self.params if isinstance(p, TyperArgument)]
        said = f"只需要写{'、'.join(arguments)}" if arguments else "不需要写参数"
        return f"{ctx.command_path} {said}，含空格的值请加引号（例如 --reason \"预算 不全\"）。"


class ChineseGroup(_Chinese, TyperGroup):
    """A group of commands (`dj`, `dj branch`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _localise(self.params)

    def names(self, ctx: Any) -> list[str]:
        return list(self.list_commands(ctx))

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and not args[0].startswith("-") and self.get_command(ctx, args[0]) is None:
            matches = difflib.get_close_matches(args[0], self.names(ctx))
            hint = f"您是不是要用 {ctx.command_path} {matches[0]}？" if matches else ""
            raise UsageError(f"没有“{args[0]}”这条命令；{hint}运行 {ctx.command_path} --help 查看全部命令。",
                                    ctx)
        return super().resolve_command(ctx, args)


class ChineseTyper(typer.Typer):
    """A typer app whose commands are all ChineseCommand (typer has no app-wide default for it)."""

    def command(
        self, name: str | None = None, **kwargs: Any
    ) -> Callable[[CommandFunctionType], CommandFunctionType]:
        kwargs.setdefault("cls", ChineseCommand)
        return super().command(name, **kwargs)


# --- values as click parsed them ----------------------------------------------------------------------------
# typer 0.29 checks every value through a pydantic TypeAdapter it builds per parameter, which imports
# pydantic into every command (a tenth of a second) and words its refusals in English. Text, paths,
# repeated text need no check, and dj's own parsers (dates, money) check theirs: click hands them over
# as they are. Everything else (whole numbers, paths with options) still goes through typer.

_TRUE, _FALSE = {"1", "true", "t", "yes", "y", "on"}, {"", "0", "false", "f", "no", "n", "off"}


def _flag(value: Any) -> bool:
    """A flag's value: click's bool, or the text of its environment variable (DJ_NO_FORMS=1) as pydantic reads it."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise BadParameter(f"“{value}”不是是或否，应写 1 或 0（true 或 false）")


_PLAIN: dict[Any, Callable[[Any], Any]] = {str: str, Path: Path, bool: _flag}


@dataclass(frozen=True)
class _PlainValue(RuntimeParam):
    """A value click parsed that needs no check, or only dj's own parser."""

    convert: Callable[[Any], Any]
    many: bool

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        return [self.convert(v) for v in value] if self.many else self.convert(value)


def _runtime_param(descriptor: TypeDescriptor) -> RuntimeParam:
    annotation: Any = descriptor.annotation
    info = descriptor.parameter_info
    inner = [a for a in get_args(annotation) if a is not type(None)] if get_origin(annotation) is not list else []
    one = inner[0] if len(inner) == 1 else annotation  # `str | None` is one str
    many = get_origin(one) is list
    leaf = get_args(one)[0] if many else one
    plain = (descriptor.file_annotation is None and not info.exists and not info.resolve_path
             and not info.allow_dash and info.path_type is None)
    if plain and info.parser is not None:
        convert: Callable[[Any], Any] = _parsed(info.parser)
    elif plain and leaf in _PLAIN:
        convert = _PLAIN[leaf]
    else:
        return build_runtime_param(descriptor)
    return _PlainValue(parameter_info=info, annotation=annotation, convert=convert, many=many)


def _parsed(parser: Callable[[str], Any]) -> Callable[[Any], Any]:
    """dj's own parser (dates, money), which refuses a bad value with a Chinese BadParameter itself."""
    def parse(value: Any) -> Any:
        try:
            return parser(value)
        except ValueError as e:
            raise BadParameter(str(e)) from None
    return parse


setattr(typer.core, "build_runtime_param", _runtime_param)  # noqa: B010 (typer.core exports no such name)


def use_chinese_panels() -> None:
    """Put typer's words around a help page or an error into Chinese (see the module's docstring)."""
    from typer import rich_utils

    rich_utils.DEFAULT_STRING = "[默认：{}]"
    rich_utils.ENVVAR_STRING = "[环境变量：{}]"
    rich_utils.REQUIRED_LONG_STRING = "[必填]"
    rich_utils.DEPRECATED_STRING = "（已停用）"
    rich_utils.ARGUMENTS_PANEL_TITLE = "参数"
    rich_utils.OPTIONS_PANEL_TITLE = "选项"
    rich_utils.COMMANDS_PANEL_TITLE = "命令"
    rich_utils.ERRORS_PANEL_TITLE = "错误"
    rich_utils.ABORTED_TEXT = "已取消。"
    rich_utils.RICH_HELP = "运行 [blue]{command_path} {help_option}[/] 查看用法。"
    rich_utils.OptionHighlighter.highlights = [*rich_utils.OptionHighlighter.highlights[:3], r"(?P<usage>用法：)"]
    if not getattr(rich_utils, "_dj_folds", False):
        # A summary or an option's help is mostly one run of Chinese with no space to break at, which rich
        # cuts with "…"; folding breaks it between characters, as Chinese is set.
        for name in ("_make_command_help", "_get_parameter_help"):
            setattr(rich_utils, name, _folding(getattr(rich_utils, name)))
        rich_utils._dj_folds = True  # type: ignore[attr-defined]


def _folding(make: Any) -> Any:
    def folded(**kwargs: Any) -> Any:
        made = make(**kwargs)
        for text in getattr(made, "renderables", [made]):
            if hasattr(text, "overflow"):
                text.overflow = "fold"
        return made

    return folded


def _option_names(ctx: Any) -> list[str]:
    return [name for param in ctx.command.get_params(ctx) if isinstance(param, TyperOption)
            for name in (*param.opts, *param.secondary_opts)]


def _where(e: Any) -> str:
    """The option or argument a BadParameter is about, as the user typed it."""
    if e.param_hint is not None:
        hint = e.param_hint if isinstance(e.param_hint, str) else " / ".join(e.param_hint)
        return hint.strip("'")
    param = e.param
    if isinstance(param, TyperOption):
        return max(param.opts, key=len)
    return (param.metavar or param.name) if param is not None else "参数"


def _bad_value(e: Any) -> str:
    where, cause = _where(e), e.__cause__
    sep = " " if where.startswith("-") else ""
    errors = cause.errors() if cause is not None and hasattr(cause, "errors") else None
    if not errors:  # dj's own check, already a Chinese sentence
        return f"{where}{sep}的值不对：{e.message}"
    value = errors[0].get("input")
    expected = _EXPECTED.get(_annotation(e.param), "合适的值") if e.param is not None else "合适的值"
    return f"{where}{sep}的值“{value}”不对，应为{expected}；请改正后再试。"


def _missing(e: Any) -> str:
    param, path = e.param, e.ctx.command_path if e.ctx else "dj"
    if isinstance(param, TyperOption):
        name = max(param.opts, key=len)
        what = f"（{param.help}）" if param.help else ""
        return f"缺少选项 {name}{what}：请加上 {name} 和它的值，运行 {path} --help 可看示例。"
    name = (param.metavar or param.name) if param is not None else "参数"
    what = f"（{param.help}）" if param is not None and param.help else ""
    return f"缺少{name}{what}：请写在 {path} 后面，运行 {path} --help 可看示例。"


def _no_such_option(e: Any) -> str:
    path = e.ctx.command_path if e.ctx else "dj"
    names = _option_names(e.ctx) if e.ctx else []
    matches = difflib.get_close_matches(e.option_name, names) or list(e.possibilities or [])
    hint = f"您是不是要用 {matches[0]}？" if matches else ""
    return f"{path} 没有 {e.option_name} 这个选项；{hint}运行 {path} --help 查看全部选项。"


def usage_error(e: Any) -> Any:
    """Click's usage error as one Chinese sentence (the same exception class, so the exit code stays 2)."""
    use_chinese_panels()
    if isinstance(e, NoArgsIsHelpError) or not isinstance(e, UsageError):
        return e
    if any("\u4e00" <= ch <= "\u9fff" for ch in e.message) and not isinstance(e, BadParameter):
        return e  # said by dj (or above) already
    path = e.ctx.command_path if e.ctx else "dj"
    if isinstance(e, MissingParameter):
        message = _missing(e)
    elif isinstance(e, BadParameter):
        message = _bad_value(e)
    elif isinstance(e, NoSuchOption):
        message = _no_such_option(e)
    elif isinstance(e, BadOptionUsage):
        message = f"选项 {e.option_name} 后面要写一个值；运行 {path} --help 可看示例。"
    elif e.message.startswith("Missing command"):
        message = f"{path} 后面要写一条命令；运行 {path} --help 查看全部命令。"
    else:
        message = f"命令写得不对（{e.message}）；运行 {path} --help 查看用法。"
    return UsageError(message, e.ctx)



"""The read commands' way with a broken file: one warning line each, the rest printed, exit code 1 at the end."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from dangjian_cli.errors import EXIT_ERROR

if TYPE_CHECKING:
    from dangjian_cli.branchmodel import Branch
    from dangjian_cli.config import Config
    from dangjian_cli.index import Index
    from dangjian_cli.summary import Summary

Broken = list[tuple[str, str]]  # (file, what is wrong with it)


@contextmanager
def usage() -> Iterator[None]:
    """Options given a value no repository could hold are usage errors (exit code 2), said in dj's sentence."""
    from dangjian_cli.filters import BadValue

    try:
        yield
    except BadValue as e:
        raise typer.BadParameter(e.message, param_hint=e.option) from None


def warn(broken: Sequence[tuple[str, str]]) -> None:
    """One line on stderr per broken file: the file and what is wrong are in its message."""
    for _, message in broken:
        sys.stderr.write(f"警告：{' '.join(message.split())}（已跳过这个文件，其余照常输出；"
                         f"运行 dj check 可列出全部问题）\n")
    sys.stderr.flush()


def finish(broken: Sequence[tuple[str, str]]) -> None:
    """After the output: a command that skipped a file did not see everything, and says so by its exit code."""
    if broken:
        sys.stdout.flush()
        raise typer.Exit(EXIT_ERROR)


def projects(found: Index, cycle: str | None = None) -> tuple[list[Summary], Broken]:
    """The readable projects (of a cycle), each broken file warned about."""
    rows, broken = found.readable(cycle)
    warn(broken)
    return rows, broken


def branches(root: Path, config: Config, round_: str | None) -> tuple[list[Branch], Broken]:
    """A round's branch records (or every round's), each broken file warned about; none without grading."""
    from dangjian_cli import store
    from dangjian_cli.branchmodel import Branch
    from dangjian_cli.errors import DjError

    if config.grading is None or not (root / store.BRANCHES_DIR).is_dir():
        return [], []
    out, broken = [], []
    for path in store.branch_files(root, round_):
        shown = store.display(path, root)
        try:
            out.append(store.validate(Branch, store.read_yaml(path, shown), shown))
        except DjError as e:
            broken.append((shown, e.message))
    warn(broken)
    return out, broken

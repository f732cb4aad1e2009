"""Tables on the terminal: rich's when a person is looking at a short one, plain aligned text otherwise."""

from __future__ import annotations

import functools
import itertools
import operator
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence

RICH_ROWS = 500  # a rich table lays out every row before printing the first: past this, print as we go


@functools.lru_cache(maxsize=4096)  # units, types and statuses repeat on every row
def display_width(text: str) -> int:
    """Columns a text takes in a terminal or a spreadsheet: Chinese characters take two."""
    return len(text) if text.isascii() else len(text) + sum(map(_extra, text))


@functools.cache
def _extra(ch: str) -> int:
    return 1 if unicodedata.east_asian_width(ch) in "WF" else 0


def aligned(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> Iterator[str]:
    """Lines of a table, each column padded to its widest cell; the last column, free text, is not padded."""
    table = [headers, *rows]
    padded = []
    for column in range(len(headers) - 1):
        widths = {cell: display_width(cell) for cell in {row[column] for row in table}}
        widest = max(widths.values())
        padded.append({cell: cell + " " * (widest - width) for cell, width in widths.items()})
    for row in table:
        yield "  ".join([*map(operator.getitem, padded, row), row[-1]]).rstrip()


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]],
                style: Callable[[Sequence[str]], str | None] = lambda row: None,
                no_wrap: Iterable[int] = ()) -> None:
    """A table with its title; `style` names a rich style for a row (used on a terminal only)."""
    if sys.stdout.isatty() and len(rows) <= RICH_ROWS:
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        table = Table(title=escape(title))
        keep = set(no_wrap)
        for i, header in enumerate(headers):
            table.add_column(header, no_wrap=i in keep, overflow="fold")
        for row in rows:
            table.add_row(*(escape(cell) for cell in row), style=style(row))
        Console(highlight=False, soft_wrap=False).print(table)
        return
    out = sys.stdout
    out.write(title + "\n")
    lines = aligned(headers, rows)
    while chunk := list(itertools.islice(lines, 2000)):  # a write per line costs more than the line
        out.write("\n".join(chunk) + "\n")
    out.flush()

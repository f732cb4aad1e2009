"""Tables on the terminal: rich's when a person is looking at a short one, plain aligned text otherwise."""

from __future__ import annotations

import functools
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence

RICH_ROWS = 500  # a rich table lays out every row before printing the first: past this, print as we go


@functools.lru_cache(maxsize=4096)  # units, types and statuses repeat on every row
def display_width(text: str) -> int:
    """Columns a text takes in a terminal or a spreadsheet: Chinese characters take two."""
    if text.isascii():
        return len(text)
    width = unicodedata.east_asian_width
    return len(text) + sum(1 for ch in text if width(ch) in "WF")


def aligned(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> Iterator[str]:
    """Lines of a table, each column padded to its widest cell; the last column, free text, is not padded."""
    widths = [[display_width(cell) for cell in row[:-1]] for row in (headers, *rows)]
    columns = [max(column) for column in zip(*widths, strict=True)]
    for row, row_widths in zip((headers, *rows), widths, strict=True):
        cells = [cell + " " * (column - width) for cell, width, column in zip(row, row_widths, columns, strict=False)]
        yield "  ".join([*cells, row[-1]]).rstrip()


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
    for line in aligned(headers, rows):
        out.write(line + "\n")
    out.flush()

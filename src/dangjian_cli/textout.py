"""Tables on the terminal: rich's when a person is looking at a short one, plain aligned text otherwise."""

from __future__ import annotations

import itertools
import operator
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence

RICH_ROWS = 500  # a rich table lays out every row before printing the first: past this, print as we go


class _Wide(dict[int, "int | str"]):
    """str.translate's table: a character that takes two columns becomes two; the rest stay as they are."""

    def __missing__(self, code: int) -> int | str:
        value: int | str = "  " if unicodedata.east_asian_width(chr(code)) in "WF" else code
        self[code] = value
        return value


_WIDE = _Wide()


def display_width(text: str) -> int:
    """Columns a text takes in a terminal or a spreadsheet: Chinese characters take two."""
    return len(text) if text.isascii() else len(text.translate(_WIDE))


def _widths(cells: Sequence[str]) -> Iterable[int]:
    """display_width of each cell, translated in one call: 100,000 calls would cost more than the table."""
    joined = "\n".join(cells)
    if joined.isascii():
        return map(len, cells)
    parts = joined.translate(_WIDE).split("\n")
    return map(len, parts) if len(parts) == len(cells) else map(display_width, cells)  # a cell held a line break


def aligned(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> Iterator[str]:
    """Lines of a table, each column padded to its widest cell; the last column, free text, is not padded.

    Every step is a map over a whole column, so a table of 100,000 rows costs a few C loops, not a
    Python loop per cell.
    """
    table = [headers, *rows]
    columns = []
    for column in range(len(headers) - 1):
        cells = list(map(operator.itemgetter(column), table))
        unique = list(dict.fromkeys(cells))  # ids differ on every row; units and statuses repeat
        widths = list(_widths(unique))
        widest = max(widths)
        padded = dict(zip(unique, map(operator.add, unique, map(" ".__mul__, map(widest.__sub__, widths))),
                          strict=True))
        columns.append(map(padded.__getitem__, cells))
    free = map(operator.itemgetter(len(headers) - 1), table)
    return map(str.rstrip, map("  ".join, zip(*columns, free, strict=True)))


def labelled(pairs: Sequence[tuple[str, str]]) -> list[str]:
    """A record's card as plain text: labels padded to one column, a value's further lines under its first."""
    width = max(display_width(label) for label, _ in pairs) + 2
    lines = []
    for label, value in pairs:
        first, *more = value.split("\n")
        lines.append((label + " " * (width - display_width(label)) + first).rstrip())
        lines += [(" " * width + line).rstrip() for line in more]
    return lines


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

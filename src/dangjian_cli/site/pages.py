"""The site's pages as text: records and numbers in, HTML out. Pure.

Nothing a record holds is ever read as markup or as a template: every value goes through `escape`, and the
only markup is what this module writes (`Html`). Links are relative, so the site works from any folder a
forge's pages service publishes it under, and from the disk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from html import escape
from urllib.parse import quote

from dangjian_cli.site.style import CSS


class Html(str):
    """Markup this module wrote itself: put in a page as it is."""


Cell = str | int | Decimal | None


def cell(value: Cell) -> str:
    if isinstance(value, Html):
        return value
    if isinstance(value, Decimal):
        return escape(money(value))
    return "—" if value is None or value == "" else escape(str(value))


def money(value: Decimal) -> str:
    """To the cent, with thousands separated, as a leader reads an amount."""
    return f"{value:,.2f}"


def link(href: str, text: str) -> Html:
    return Html(f'<a href="{escape(href)}">{escape(text)}</a>')


def project_href(project_id: str, depth: int = 0) -> str:
    return "../" * depth + "p/" + quote(project_id) + ".html"


def project_link(project_id: str, depth: int = 0) -> Html:
    return link(project_href(project_id, depth), project_id) if project_id else Html("—")


def code(text: str) -> Html:
    return Html(f"<code>{escape(text)}</code>") if text else Html("—")


def table(headers: Sequence[str], rows: Iterable[Sequence[Cell]], numeric: Iterable[int] = (),
          late: Iterable[int] = (), stats: Sequence[str | None] = ()) -> Html:
    """A table; `numeric` columns right-aligned, `late` rows marked, `stats[i]` names row i's number for checks."""
    right = set(numeric)
    marked = set(late)
    head = "".join(f'<th class="num">{escape(h)}</th>' if i in right else f"<th>{escape(h)}</th>"
                   for i, h in enumerate(headers))
    body = []
    for n, row in enumerate(rows):
        tds = []
        for i, value in enumerate(row):
            named = stats[n] if n < len(stats) and i == len(row) - 1 else None
            attrs = (' class="num"' if i in right else "") + (f' data-stat="{escape(named)}"' if named else "")
            tds.append(f"<td{attrs}>{cell(value)}</td>")
        body.append(("<tr class=\"late\">" if n in marked else "<tr>") + "".join(tds) + "</tr>")
    return Html(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


NAV = (("index.html", "概览"), ("projects.html", "全部项目"), ("todo.html", "待办事项"), ("grading.html", "分类定级"))


def frame(title: str, org: str, body: str, here: str, depth: int, made_on: dt.date, grading: bool) -> str:
    """A whole page: the organisation's banner, the pages' links, the body, the date it was made."""
    up = "../" * depth
    current = ' aria-current="page"'
    links = "".join(f'<a href="{up}{href}"{current if href == here else ""}>{escape(name)}</a>'
                    for href, name in NAV if grading or href != "grading.html")
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<link rel="icon" href="data:,"><title>{escape(title)} — {escape(org)}</title>'
            f"<style>{CSS}</style></head><body>"
            f"<header><h1>{escape(org)}</h1><p>党建工作项目化管理 · {escape(title)}</p></header>"
            f"<nav>{links}</nav><main>{body}</main>"
            f"<footer>由 dj site 根据数据仓库生成于 {made_on}；数据以仓库中的记录和 git 历史为准。</footer>"
            f"</body></html>\n")


def section(title: str, *parts: str, note: str = "", anchor: str = "") -> str:
    extra = f'<p class="note">{escape(note)}</p>' if note else ""
    named = f' id="{escape(anchor)}"' if anchor else ""
    return f"<h2{named}>{escape(title)}</h2>{extra}{''.join(parts)}"


def cards(items: Sequence[tuple[str, str, str | None]]) -> Html:
    """Big numbers: (label, value, the stat it is, for checks)."""
    out = []
    for label, value, stat in items:
        named = f' data-stat="{escape(stat)}"' if stat else ""
        out.append(f'<div class="card"><b{named}>{escape(value)}</b><span>{escape(label)}</span></div>')
    return Html(f'<div class="cards">{"".join(out)}</div>')


def record(pairs: Sequence[tuple[str, Cell]]) -> Html:
    items = "".join(f"<dt>{escape(label)}</dt><dd>{cell(value)}</dd>" for label, value in pairs)
    return Html(f'<dl class="record">{items}</dl>')


def paragraph(text: str) -> Html:
    return Html(f"<p>{escape(text)}</p>")

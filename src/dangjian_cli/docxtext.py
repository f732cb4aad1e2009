"""The text of a Word document as its reader sees it: paragraphs, tables, content controls and titled sections.

Deleted text of tracked changes, field codes and text boxes are not text of the form; a control still showing its
hint, and any hint left as text (【请…】), reads as empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.etree.ElementTree import Element

from dangjian_cli.docxform import HINT

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# Never text of the form: deleted text of tracked changes, field codes, text boxes (a drawing's copy of the text),
# the second rendering of an alternative, properties.
_SKIP = {f"{W}{t}" for t in ("del", "delText", "instrText", "txbxContent", "sdtPr", "pPr", "rPr", "tblPr",
                             "trPr", "tcPr", "moveFrom")} | {_MC_FALLBACK}
_WRAPPERS = {f"{W}{t}" for t in ("customXml", "ins", "moveTo", "smartTag")}
_NUMBERED = re.compile(r"^#*(?:[一二三四五六七八九十]+\s*[、.．]|（[一二三四五六七八九十]+）|\d+\s*[、.．])?"
                       r"\s*(.+?)\s*[：:]?$")
_SIGNATURES = re.compile(r"^(项目执行者|支部书记|负责人)?签字")


def _alias(sdt: Element) -> str:
    node = sdt.find(f"{W}sdtPr/{W}alias")
    return node.get(f"{W}val", "") if node is not None else ""


def _tag(sdt: Element, by_title: dict[str, str]) -> str:
    node = sdt.find(f"{W}sdtPr/{W}tag")
    tag = node.get(f"{W}val", "") if node is not None else ""
    return tag or by_title.get(_alias(sdt), "")


def _placeholder(sdt: Element) -> bool:
    return sdt.find(f"{W}sdtPr/{W}showingPlcHdr") is not None


def _controls(parent: Element) -> Iterator[Element]:
    """The content controls among `parent`'s children, each once: LibreOffice 7.4 saves one control as three in a
    row with the same title, so a control right after one of the same title is that one again."""
    previous = ""
    for child in parent:
        if child.tag != f"{W}sdt":
            previous = ""
            continue
        alias = _alias(child)
        if not (alias and alias == previous):
            yield child
        previous = alias


def _runs_text(node: Element, out: list[str]) -> None:
    kept = set(map(id, _controls(node)))
    for child in node:
        tag = child.tag
        if tag == f"{W}sdt":
            content = child.find(f"{W}sdtContent")
            if id(child) in kept and content is not None and not _placeholder(child):
                _runs_text(content, out)
        elif tag in _SKIP:
            continue
        elif tag == f"{W}t":
            out.append(child.text or "")
        elif tag in (f"{W}br", f"{W}cr"):
            out.append("\n")
        elif tag == f"{W}tab":
            out.append(" ")
        elif tag == f"{W}noBreakHyphen":
            out.append("-")
        elif tag == f"{W}p":
            out.append("\n")
            _runs_text(child, out)
        else:
            _runs_text(child, out)


def text(node: Element) -> str:
    """What the reader sees in a paragraph, cell or control: lines stripped, empty lines and hints dropped."""
    out: list[str] = []
    _runs_text(node, out)
    raw = HINT.sub("", "".join(out)).replace("\u00a0", " ").replace("\u200b", "").replace("\ufeff", "")
    return "\n".join(line.strip() for line in raw.split("\n") if line.strip())


def blocks(container: Element) -> Iterator[Element]:
    """Paragraphs and tables in reading order, looking through block-level controls and wrappers."""
    kept = set(map(id, _controls(container)))
    for child in container:
        if child.tag in (f"{W}p", f"{W}tbl"):
            yield child
        elif child.tag == f"{W}sdt":
            content = child.find(f"{W}sdtContent")
            if id(child) in kept and content is not None and not _placeholder(child):
                yield from blocks(content)
        elif child.tag in _WRAPPERS:
            yield from blocks(child)


def _children(parent: Element, tag: str) -> Iterator[Element]:
    for child in parent:
        if child.tag == tag:
            yield child
        elif child.tag == f"{W}sdt" or child.tag in _WRAPPERS:
            content = child.find(f"{W}sdtContent") if child.tag == f"{W}sdt" else child
            if content is not None:
                yield from _children(content, tag)


def rows(table: Element) -> list[list[str]]:
    return [[text(tc) for tc in _children(tr, f"{W}tc")] for tr in _children(table, f"{W}tr")]


def controls(body: Element, by_title: dict[str, str]) -> dict[str, list[str]]:
    """Every tagged control's text, by tag (a key of the record; `by_title` names those whose tag was lost)."""
    found: dict[str, list[str]] = {}

    def visit(node: Element) -> None:
        kept = set(map(id, _controls(node)))
        for child in node:
            if child.tag in _SKIP:
                continue
            if child.tag == f"{W}sdt":
                if id(child) not in kept:
                    continue
                tag = _tag(child, by_title)
                content = child.find(f"{W}sdtContent")
                if tag and content is not None:
                    found.setdefault(tag, []).append("" if _placeholder(child) else text(content))
            visit(child)

    visit(body)
    return found


def heading(paragraph_text: str, titles: tuple[str, ...]) -> str:
    """The section title a paragraph is (“二、项目背景”, “项目背景：”), or ""."""
    m = _NUMBERED.match(paragraph_text.replace(" ", "").replace("\u3000", ""))
    return m.group(1) if m and m.group(1) in titles else ""


def sections(body: Element, titles: tuple[str, ...]) -> dict[str, str]:
    """Each titled section's paragraphs (tables left out), up to the next title or a signature line."""
    out: dict[str, list[str]] = {}
    current: str | None = None
    for block in blocks(body):
        if block.tag != f"{W}p":
            continue
        line = text(block)
        title = heading(line, titles)
        if title:
            current = title
            out.setdefault(title, [])
        elif _SIGNATURES.match(line.replace(" ", "")):
            current = None
        elif current is not None and line:
            out[current].append(line)
    return {title: "\n".join(lines) for title, lines in out.items()}

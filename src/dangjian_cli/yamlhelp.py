"""A leaf beside yamlio: why a text is not YAML, in a clerk's words, and on which line each value stands."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml
from yaml.events import (
    CollectionEndEvent,
    DocumentEndEvent,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
    SequenceStartEvent,
)

GENERIC = "格式不正确；请检查这一行的缩进（只用空格，同一层左端对齐）、键后的英文冒号加空格“: ”以及引号和括号是否配对"

_FULL_COLON = re.compile(r"^\s*(?:-\s+)?[^\s#:'\"{}\[\],-][^:#'\"]*?：")
_KEY = re.compile(r"^(\s*(?:-\s+)?)([^\s#:'\"{}\[\],][^:#]*?):\s+(.*)$")


def diagnose(text: str, e: yaml.MarkedYAMLError) -> tuple[int | None, str]:
    """The line to show and what is wrong there, with the way to fix it (libyaml and PyYAML alike)."""
    lines = text.splitlines() or [""]
    problem, context = e.problem or "", e.context or ""
    mark, opened = e.problem_mark, e.context_mark
    if mark is None:
        return None, GENERIC
    line = mark.line + 1
    here = lines[mark.line] if mark.line < len(lines) else ""
    if "quoted scalar" in context and opened is not None:
        quote = _char(lines, opened.line, opened.column) or "引号"
        if "escape" in problem:
            return opened.line + 1, ("双引号里的反斜杠“\\”被当成了转义符；请把这个值改用单引号括起来，"
                                     "或把每个“\\”写成两个")
        return opened.line + 1, (f"的引号 {quote} 从这里开始却没有结束；请在这段文字末尾补上同样的引号 {quote}，"
                                 f"或去掉开头的引号")
    if "tab" in problem or _char(lines, mark.line, mark.column) == "\t" or _tab_indented(here):
        return line, "用 Tab 键缩进了，YAML 只能用空格缩进；请把这一行开头的 Tab 换成空格，与同一层的上下行对齐"
    colon = next((n for n in range(mark.line, max(mark.line - 3, -1), -1)
                  if n < len(lines) and _FULL_COLON.match(lines[n])), None)
    if colon is not None and "flow" not in context:
        name, _, rest = lines[colon].strip().partition("：")
        return colon + 1, f"的冒号是中文冒号“：”；键和值之间要用英文冒号加空格“: ”，请写成 {name}: {rest.strip()}"
    if "flow" in context and opened is not None:
        span = lines[opened.line:mark.line + 1]
        bracket = _char(lines, opened.line, opened.column) or "["
        if any("，" in part for part in span):
            return opened.line + 1, f"的 {bracket} 里用了中文逗号“，”；各项之间要用英文逗号“,”分隔"
        closing = "}" if bracket == "{" else "]"
        return opened.line + 1, (f"的 {bracket} 没有配对的 {closing}，或各项之间少了英文逗号“,”；"
                                 f"请检查这一行的括号和逗号")
    if "mapping values" in problem:
        typed = _KEY.match(here)
        if typed is not None and typed.end(2) < mark.column:
            value = typed.group(3).rstrip()
            example = f"{typed.group(2)}: '{value}'" if '"' in value else f'{typed.group(2)}: "{value}"'
            return line, (f"的值里有冒号加空格“: ”，YAML 会把它当成又一个键；请把整个值用引号括起来，"
                          f"例如 {example}")
        return line, "多了一个冒号，或缩进与上一行对不齐；请检查这一行和上一行"
    if "cannot start any token" in problem:
        char = _char(lines, mark.line, mark.column)
        return line, f"的值以“{char}”开头，YAML 不允许这样写；请把整个值用引号括起来"
    before = here[:mark.column].rstrip()
    if mark.column > len(here) - len(here.lstrip()) and before.endswith(("'", '"')):
        return line, "的引号结束后还有文字；请把整个值都放进引号里"
    if "simple key" in context and opened is not None:
        return opened.line + 1, "缺少冒号；每一行都要写成“键: 值”（英文冒号加空格），多行文字请用“键: |”"
    if "directive" in problem:
        return line, "以 % 开头，YAML 把它当成了指令；请删去这一行，或把整个值用引号括起来"
    if "expected" in problem or "block" in context:
        return line, ("的缩进与上文对不齐；同一层的键要左端对齐（只用空格），列表的每一项以“- ”开头，"
                      "请检查这一行和上一行")
    return line, GENERIC


def _char(lines: list[str], line: int, column: int) -> str:
    return lines[line][column] if line < len(lines) and column < len(lines[line]) else ""


def _tab_indented(line: str) -> bool:
    return "\t" in line[:len(line) - len(line.lstrip())]


Place = tuple[str | int, ...]


def places(next_event: Callable[[], Any]) -> dict[Place, int]:
    """Every value's place in the document (keys and 0-based list positions, as pydantic names them) → the
    1-based line of its key, or of its list item; a mapping or list also under its own place."""
    found: dict[Place, int] = {}
    stack: list[tuple[Place, Any]] = []  # (place, {} for a mapping awaiting a key / the key / a list's count)
    while True:
        event = next_event()
        if event is None or isinstance(event, DocumentEndEvent):
            return found
        if isinstance(event, CollectionEndEvent):
            stack.pop()
            _advance(stack)
            continue
        if not isinstance(event, NodeEvent):
            continue
        line = event.start_mark.line + 1 if event.start_mark is not None else 0
        if stack and isinstance(stack[-1][1], dict):  # a key of a mapping
            if isinstance(event, ScalarEvent):
                stack[-1] = (stack[-1][0], event.value)
                found[(*stack[-1][0], event.value)] = line
            continue
        here = _child(stack)
        found.setdefault(here, line)
        if isinstance(event, MappingStartEvent | SequenceStartEvent):
            stack.append((here, {} if isinstance(event, MappingStartEvent) else 0))
        else:
            _advance(stack)


def _child(stack: list[tuple[Place, Any]]) -> Place:
    if not stack:
        return ()
    parent, state = stack[-1]
    return (*parent, state)


def _advance(stack: list[tuple[Place, Any]]) -> None:
    """After a value: a mapping waits for its next key, a list counts one more item."""
    if not stack:
        return
    parent, state = stack[-1]
    stack[-1] = (parent, state + 1 if isinstance(state, int) else {})

"""A leaf: the strict YAML reader (libyaml's C parser) and the comment-keeping writer (ruamel, lazily)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from io import StringIO
from typing import TYPE_CHECKING, Any, Protocol

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.scanner import Scanner

from dangjian_cli.yamlhelp import GENERIC, Place, diagnose
from dangjian_cli.yamlhelp import places as _places

if TYPE_CHECKING:
    from ruamel.yaml import YAML

# Deeper than any record or dj.yaml by far; shallow enough that nothing downstream recurses into trouble.
MAX_DEPTH = 100
# One value longer than a whole year's reports put together is a paste gone wrong, not a record.
MAX_TEXT = 100_000
# Explicit !!str/!!seq/!!map (and the non-specific "!") change nothing when every scalar is text anyway.
_PLAIN_TAGS = frozenset({
    None,
    "!",
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
})
_KEY: Any = object()  # in a mapping: the next scalar is a key, not a value
_LIBYAML_TOO_DEEP = "exceeded maximum nesting depth"


class YamlError(Exception):
    """A text the reader will not turn into data: where (1-based line, if known) and what."""

    def __init__(self, line: int | None, problem: str) -> None:
        super().__init__(problem)
        self.line = line
        self.problem = problem


class Refused(YamlError):
    """Well-formed YAML that dj does not accept (tags, aliases, repeated keys…); the problem is Chinese."""

    line: int

    def __init__(self, line: int, problem: str, fix: str = "请改成普通的键和值后再试") -> None:
        super().__init__(line, problem)
        self.fix = fix


class Malformed(YamlError):
    """Not YAML at all; the problem says in Chinese what is wrong at that line and how to put it right."""


class CommentLost(Exception):
    """Writing would drop a comment the user wrote."""

    def __init__(self, comment: str) -> None:
        super().__init__(comment)
        self.comment = comment


class EventSource(Protocol):
    def get_event(self) -> Any: ...
    def dispose(self) -> None: ...


class PurePythonParser(Reader, Scanner, Parser):
    """PyYAML's parser written in Python: the same events as libyaml's, for where libyaml is missing."""

    def __init__(self, text: str) -> None:
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)


PARSER: Callable[[str], EventSource] = PurePythonParser
if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    PARSER = CParser


def load(text: str, parser: Callable[[str], EventSource] | None = None) -> Any:
    """One YAML document as dicts, lists and strings only (None for an empty text)."""
    try:
        events = (parser or PARSER)(text)  # the Python reader checks every character here
        try:
            return _build(events.get_event)
        finally:
            events.dispose()
    except yaml.reader.ReaderError as e:  # no mark: find the character's line ourselves
        if not isinstance(e.character, int):
            raise Malformed(None, GENERIC) from None
        found = text.find(chr(e.character))
        line = text.count("\n", 0, found) + 1 if found >= 0 else None
        raise Malformed(line, f"含有不能出现在 YAML 中的控制字符 U+{e.character:04X}；"
                              f"请删去这个字符（常随从网页或 Word 复制的文字混入）") from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        if e.problem == _LIBYAML_TOO_DEEP and mark is not None:  # libyaml stops at 1,000 levels of [ or {
            raise _too_deep(mark.line + 1) from None
        raise Malformed(*diagnose(text, e)) from None
    except yaml.YAMLError:
        raise Malformed(None, GENERIC) from None


def places(text: str) -> dict[Place, int]:
    """Where each value of a well-formed text stands: its place (keys, 0-based positions) → its 1-based line."""
    events = PARSER(text)
    try:
        return _places(events.get_event)
    finally:
        events.dispose()


def _build(next_event: Callable[[], Any]) -> Any:
    """Fill dicts and lists straight from the events, with a stack instead of recursion."""
    next_event()  # the stream starts
    event = next_event()
    if event.__class__ is StreamEndEvent:
        return None
    root: Any = None
    top: Any = None  # the dict or list being filled; None at the document's own level
    key: Any = _KEY
    stack: list[Any] = []
    while True:
        event = next_event()
        kind = event.__class__
        if kind is ScalarEvent:
            if event.tag not in _PLAIN_TAGS:
                raise _tag(event)
            value = event.value
            if len(value) > MAX_TEXT:
                raise Refused(event.start_mark.line + 1, f"一个值超过 {MAX_TEXT} 个字，不像是一份记录里的文字",
                              "请检查是否误粘贴了整份文件，改短后再试")
            if top.__class__ is dict:
                if key is _KEY:
                    if value in top:
                        raise Refused(event.start_mark.line + 1, f"键“{value}”重复出现")
                    key = value
                else:
                    top[key] = value
                    key = _KEY
            elif top is None:
                root = value
            else:
                top.append(value)
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            if event.tag not in _PLAIN_TAGS:
                raise _tag(event)
            new: Any = {} if kind is MappingStartEvent else []
            if top.__class__ is dict:
                if key is _KEY:
                    raise Refused(event.start_mark.line + 1, "键必须是文字")
                top[key] = new
            elif top is None:
                root = new
            else:
                top.append(new)
            stack.append(top)
            if len(stack) > MAX_DEPTH:
                raise _too_deep(event.start_mark.line + 1)
            top, key = new, _KEY
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            top, key = stack.pop(), _KEY
        elif kind is AliasEvent:
            raise Refused(event.start_mark.line + 1, "不允许使用锚点引用（*别名）")
        elif kind is DocumentEndEvent:
            break
    event = next_event()
    if event.__class__ is not StreamEndEvent:
        raise Malformed(event.start_mark.line + 1, "开始了第二份内容（“---”或“...”之后）；"
                                                   "一个文件只能写一份，请删去这一行，或把两份分成两个文件")
    return root


def _tag(event: Any) -> Refused:
    return Refused(event.start_mark.line + 1, f"不允许使用 YAML 标签 {event.tag}")


def _too_deep(line: int) -> Refused:
    return Refused(line, f"列表和表嵌套超过 {MAX_DEPTH} 层")


# --- writing: canonical YAML that keeps a user's comments (ruamel.yaml, imported only to write) ---------------

_STR_TAG = "tag:yaml.org,2002:str"
_resolver11 = yaml.resolver.Resolver()


def render(data: dict[str, Any], old_text: str | None, header: str) -> str:
    """`header` and canonical YAML for `data`, keeping every comment of `old_text` (raises CommentLost)."""
    if old_text is None or "#" not in old_text:
        from dangjian_cli.yamlemit import emit

        fast = emit(data)
        if fast is not None:
            return header + fast
    y = _yaml()
    if old_text is not None and "#" in old_text:
        tree = _merge(y.load(old_text), data)
        wanted = _comments(old_text)
    else:
        tree, wanted = _fresh(data), []
    out = StringIO()
    y.dump(tree, out)
    text = header + out.getvalue()
    lost = [c for c in wanted if c not in text]
    if lost:
        raise CommentLost(lost[0])
    return text


def _yaml() -> YAML:
    from ruamel.yaml import YAML

    y = YAML()  # round-trip: keeps comments
    y.indent(mapping=2, sequence=4, offset=2)
    y.width = 4096  # never fold a long line of Chinese text
    y.allow_unicode = True
    # Equal values (two steps on one day) must not become &anchors: the reader refuses aliases.
    y.representer.ignore_aliases = lambda _data: True

    def decimal(representer: Any, value: Decimal) -> Any:
        text = format(value, "f")
        tag = "tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int"
        return representer.represent_scalar(tag, text)

    y.representer.add_representer(Decimal, decimal)
    return y


def _scalar(value: Any) -> Any:
    """Multi-line text as a literal block; text another YAML reader would misread, quoted."""
    from ruamel.yaml.scalarstring import LiteralScalarString, SingleQuotedScalarString

    if not isinstance(value, str):
        return value
    value = str(value)  # a StrEnum such as Status becomes its plain text
    if "\n" in value:
        return LiteralScalarString(value)
    # YAML 1.1 readers (and Excel-minded eyes) read no/on/0012/2025-05-01 as non-text.
    if _resolver11.resolve(yaml.ScalarNode, value, (True, False)) != _STR_TAG:  # type: ignore[no-untyped-call]
        return SingleQuotedScalarString(value)
    return value


def _fresh(value: Any) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, dict):
        m = CommentedMap()
        for k, v in value.items():
            m[k] = _fresh(v)
        return m
    if isinstance(value, list):
        return CommentedSeq(_fresh(v) for v in value)
    return _scalar(value)


def _merge(old: Any, new: Any) -> Any:
    """Put `new`'s values into the loaded tree, so comments stay attached to their keys."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(new, dict) and isinstance(old, CommentedMap):
        for key in [k for k in old if k not in new]:
            del old[key]
        for key, value in new.items():
            old[key] = _merge(old[key], value) if key in old else _fresh(value)
        for key in new:
            old.move_to_end(key)
        old.fa.set_block_style()
        return old
    if isinstance(new, list) and isinstance(old, CommentedSeq):
        del old[len(new):]
        for i, value in enumerate(new):
            if i < len(old):
                old[i] = _merge(old[i], value)
            else:
                old.append(_fresh(value))
        old.fa.set_block_style()
        return old
    return _fresh(new)


def _comments(old_text: str) -> list[str]:
    """Every comment line in a YAML text ('#' inside quoted text is not one)."""
    found: list[str] = []
    loaded = _yaml().load(old_text)

    def walk(node: Any) -> None:
        ca = getattr(node, "ca", None)
        if ca is not None:
            for part in (ca.comment, *ca.items.values(), getattr(ca, "end", None)):
                _collect(part, found)
        if isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(loaded)
    return found


def _collect(part: Any, found: list[str]) -> None:
    if part is None:
        return
    if isinstance(part, list):
        for p in part:
            _collect(p, found)
        return
    value = getattr(part, "value", None)
    if isinstance(value, str):
        found.extend(line.strip() for line in value.splitlines() if line.strip().startswith("#"))

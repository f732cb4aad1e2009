"""Canonical YAML output that keeps a user's comments (ruamel.yaml, imported only to write)."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString, SingleQuotedScalarString

from dangjian_cli.errors import DjError
from dangjian_cli.store import strip_modeline

_STR_TAG = "tag:yaml.org,2002:str"
_resolver11 = yaml.resolver.Resolver()


def _yaml() -> YAML:
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


def render(data: dict[str, Any], old_text: str | None, header: str, shown: str) -> str:
    y = _yaml()
    body = strip_modeline(old_text.replace("\r\n", "\n")) if old_text else None
    if body is not None and "#" in body:
        tree = _merge(y.load(body), data)
        wanted = _comments(body)
    else:
        tree, wanted = _fresh(data), []
    out = StringIO()
    y.dump(tree, out)
    text = header + out.getvalue()
    lost = [c for c in wanted if c not in text]
    if lost:
        raise DjError(
            f"文件 {shown} 中的注释“{lost[0]}”所在的字段将被改写，注释无法保留；"
            f"请先把这条注释移到别处（例如文件开头）再操作。"
        )
    return text

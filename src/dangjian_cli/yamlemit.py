"""Canonical YAML for a record without comments: the bytes yamlio's ruamel writer gives, without importing ruamel.

A step writes one record; importing ruamel and dumping through it costs more than the rest of the write.
This emitter knows the record's shapes (mappings, lists of mappings, text, numbers, dates) and writes them
the way ruamel does with dj's settings. Anything it is not sure of (a colon or a quote in a text, an empty
list, a tab, an odd character) makes it give up, and ruamel writes the file: tests/test_yamlemit.py holds
the two equal over every record the tests and the demo write, and over random texts.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import yaml

_STR_TAG = "tag:yaml.org,2002:str"
_RESOLVER = yaml.resolver.Resolver()  # YAML 1.1's, as yamlio's writer asks: 'no', '0012' and dates get quotes
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Printable text in YAML's sense, minus the BOM, every line break but \n, and the two characters that can
# end a plain text early (": " and " #"). A text with any other character goes to ruamel.
_SAFE_TEXT = re.compile(r"[^\x00-\x1f\x7f-\x9f\ud800-\udfff\ufeff\ufffe\uffff\u2028\u2029\x85:#]*")
_INDICATORS = "-?:,[]{}#&*!|>'\"%@` "  # what a plain text may not start with
_INTEGER = re.compile(r"[-+]?[0-9][0-9_]*")  # YAML 1.2 reads it as a number even where 1.1 does not (00250093)
_LONGEST = 4000  # ruamel folds a plain line at spaces past its width (4096): leave long ones to it


# The characters a YAML 1.1 implicit type (number, date, bool, null…) can start with: other texts are text.
_RESOLVED_FIRST = frozenset(ch for ch in _RESOLVER.yaml_implicit_resolvers if ch)
_TEXTS: dict[str, str] = {}  # text → how it is written; "" when ruamel must write it
_KEYS_SEEN: set[str] = set()
_REMEMBERED = 50_000  # texts; then forgotten at once, so a long audit's memory stays flat


class _Unsure(Exception):
    pass


def emit(data: dict[str, Any]) -> str | None:
    """The YAML text of `data`, or None when ruamel must write it."""
    out: list[str] = []
    try:
        _mapping(data, 0, "", out)
    except _Unsure:
        return None
    return "".join(out)


def _mapping(data: dict[Any, Any], indent: int, first: str, out: list[str]) -> None:
    """`data` with its keys at column `indent`; `first` replaces the first key's indentation (a list's dash)."""
    if not data:
        raise _Unsure
    pad = " " * indent
    lead = first or pad
    for key, value in data.items():
        if key not in _KEYS_SEEN:
            if not isinstance(key, str) or not _KEY.fullmatch(key) or _plain(key) != key:
                raise _Unsure
            _KEYS_SEEN.add(key)
        kind = type(value)
        if kind is str:  # most of a record: looked up here, not through _scalar
            if "\n" in value:
                out.append(f"{lead}{key}: {_BLOCKS.get((value, indent)) or _block(value, indent + 2)}")
            else:
                out.append(f"{lead}{key}: {_TEXTS.get(value) or _text(value)}\n")
        elif kind is dict:
            out.append(f"{lead}{key}:\n")
            _mapping(value, indent + 2, "", out)
        elif kind is list:
            out.append(f"{lead}{key}:\n")
            _sequence(value, indent + 2, out)
        else:
            out.append(f"{lead}{key}: {_scalar(value)}\n")
        lead = pad


def _sequence(items: list[Any], indent: int, out: list[str]) -> None:
    if not items:
        raise _Unsure
    dash = " " * indent + "- "
    for item in items:
        kind = type(item)
        if kind is dict:
            _mapping(item, indent + 2, dash, out)
        elif kind is list or (kind is str and "\n" in item):
            raise _Unsure
        else:
            out.append(f"{dash}{_scalar(item)}\n")


def _scalar(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return _text(value)
    if kind is int:
        return str(value)
    if kind is Decimal:
        if not value.is_finite():
            raise _Unsure
        return format(value, "f")
    if kind is dt.date:
        return value.isoformat()  # type: ignore[no-any-return]
    if isinstance(value, str) and not isinstance(value, bool):
        return _text(str(value))  # a StrEnum such as Status as its plain text
    raise _Unsure


def _text(text: str) -> str:
    """_plain, remembered: a history's versions of one record repeat most of their texts."""
    found = _TEXTS.get(text)
    if found is None:
        if len(_TEXTS) > _REMEMBERED:
            _TEXTS.clear()
        try:
            found = _plain(text)
        except _Unsure:
            found = ""
        _TEXTS[text] = found
    if not found:
        raise _Unsure
    return found


def _plain(text: str) -> str:
    """A one-line text as ruamel writes it: plain, or in single quotes where YAML would read a non-text."""
    if (not text or text[-1] == " " or len(text) > _LONGEST or text[0] in _INDICATORS
            or not _SAFE_TEXT.fullmatch(text)):
        raise _Unsure
    if text[0] in _RESOLVED_FIRST and _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) != _STR_TAG:  # type: ignore[no-untyped-call]
        if "'" in text:
            raise _Unsure
        return f"'{text}'"
    if _INTEGER.fullmatch(text):
        return f"'{text}'"
    if text.startswith("...") or (text.isascii() and text[0] in "+.0123456789"):
        raise _Unsure  # ruamel asks YAML 1.2 too, where 1e3 and 0o17 are numbers
    return text


_BLOCKS: dict[tuple[str, int], str] = {}  # (text, its key's indent) → its literal block: versions repeat them


def _block(text: str, indent: int) -> str:
    """_literal, remembered (forgotten with the texts, so memory stays flat)."""
    if len(_BLOCKS) > _REMEMBERED:
        _BLOCKS.clear()
    found = _BLOCKS[(text, indent - 2)] = _literal(text, indent)
    return found


def _literal(text: str, indent: int) -> str:
    """A text of several lines as a literal block, its lines at column `indent`, with ruamel's chomping sign."""
    body = text.rstrip("\n")
    trailing = len(text) - len(body)
    lines = body.split("\n")
    if (not body or body[0] in " \n" or any(line != line.rstrip(" ") or len(line) > _LONGEST for line in lines)
            or not all(_SAFE_BLOCK.fullmatch(line) for line in lines)):
        raise _Unsure
    if trailing > 1:
        raise _Unsure  # kept blank lines: ruamel ends such a document with "..."
    sign = "-" if trailing == 0 else ""
    pad = " " * indent
    block = "".join(f"{pad}{line}\n" if line else "\n" for line in lines)
    return f"|{sign}\n{block}"


# Inside a literal block the ASCII indicators are only text; line breaks other than \n and control
# characters still go to ruamel.
_SAFE_BLOCK = re.compile(r"[^\x00-\x1f\x7f-\x9f\ud800-\udfff\ufeff\ufffe\uffff\u2028\u2029\x85]*")

"""Pydantic's refusals in a clerk's words: fields by their Chinese titles, list positions from 1, “或”, file lines."""

from __future__ import annotations

import difflib
import enum
import re
import sys
import types
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from dangjian_cli import yamlio

Loc = tuple[str | int, ...]

_ERROR_TEXT = {
    "date_from_datetime_parsing": "应为日期，格式 YYYY-MM-DD",
    "date_from_datetime_inexact": "应为日期，格式 YYYY-MM-DD",
    "date_parsing": "应为日期，格式 YYYY-MM-DD",
    "date_type": "应为日期，格式 YYYY-MM-DD",
    "decimal_parsing": "应为数字",
    "decimal_type": "应为数字",
    "decimal_max_places": "小数位太多",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "int_type": "应为整数",
    "string_type": "应为文字",
    "list_type": "应为列表（每项以“- ”开头）",
    "dict_type": "应为“键: 值”形式的表",
    "model_type": "应为“键: 值”形式的表",
    "model_attributes_type": "应为“键: 值”形式的表",
    "string_pattern_mismatch": "格式不正确",
    "string_too_short": "不能为空",
    "too_short": "至少要有一项",
    "enum": "取值无效",
    "literal_error": "取值无效",
    "greater_than_equal": "太小",
    "greater_than": "太小",
    "less_than_equal": "太大",
    "less_than": "太大",
    "finite_number": "应为有限的数字",
}
_FULL_WIDTH = {"，": "逗号", "：": "冒号", "；": "分号"}


def explain(error: ValidationError, text: str | None = None) -> list[str]:
    """Each problem as one Chinese phrase (“第 18 行：字段 people 第 4 项的 roles（角色）第 1 项取值无效……”).

    Unknown keys come first and all in one phrase (a typo of a required field also reports it missing), then
    every missing field in one phrase, then the rest; with the YAML `text` they were read from, each says its line.
    """
    model = _model_named(error.title)
    found = yamlio.places(text) if text is not None else {}
    unknown: list[tuple[Loc, str]] = []
    missing: list[tuple[Loc, str]] = []
    other: list[tuple[Loc, str]] = []
    for e in error.errors(include_url=False):
        loc: Loc = tuple(e["loc"])
        kind = e["type"]
        if kind == "extra_forbidden":
            unknown.append((loc, _unknown_key(model, loc)))
        elif kind == "missing":
            missing.append((loc, _named(model, loc)))
        else:
            other.append((loc, f"字段 {_where(model, loc)}{_what(model, loc, e)}" if loc else _what(model, loc, e)))
    keys = []  # one phrase: a key typed wrong is unknown, and the key meant is then missing
    if unknown:
        keys.append("有不认识的字段（可能拼写错误）：" + "、".join(t for _, t in unknown))
    if missing:
        keys.append("缺少必填项：" + "、".join(t for _, t in missing))
    out = [((unknown or missing)[0][0], "，".join(keys))] if keys else []
    out += other
    return [_at(found, loc) + phrase for loc, phrase in out]


def handed_in(model: type[BaseModel], fields: Mapping[str, Any], allowed: tuple[str, ...],
              complete: bool) -> list[str]:
    """What is wrong with the keys of a mapping a person handed in for `model`: keys not `allowed`, and (when it
    must be `complete`) every required field among them that is not there."""
    problems = []
    unknown = [k for k in fields if k not in allowed]
    if unknown:
        problems.append("有不认识的字段（可能拼写错误）："
                        + "、".join(_unknown_key(model, (k,), allowed) for k in unknown))
    absent = [k for k in allowed if k not in fields and model.model_fields[k].is_required()] if complete else []
    if absent:
        problems.append("缺少必填项：" + "、".join(_named(model, (k,)) for k in absent))
    return problems


def _at(found: Mapping[Loc, int], loc: Loc) -> str:
    for n in range(len(loc), -1, -1):
        if loc[:n] in found:
            return f"第 {found[loc[:n]]} 行："
    return ""


# --- the model's own words: titles, descriptions, enumerations ---------------------------------------------------


def _model_named(name: str) -> type[BaseModel] | None:
    """dj's model class of this name (pydantic names the model in its error)."""
    todo: list[type[BaseModel]] = [BaseModel]
    while todo:
        cls = todo.pop()
        if cls.__name__ == name and cls.__module__.startswith("dangjian_cli"):
            return cls
        todo.extend(cls.__subclasses__())
    return None


def _walk(model: type[BaseModel] | None, loc: Loc) -> list[tuple[str | int, Any]]:
    """Each part of `loc` with the field's FieldInfo (None for a list position, a dict key or an unknown part)."""
    out: list[tuple[str | int, Any]] = []
    current: Any = model
    for part in loc:
        info = None
        if isinstance(part, str) and isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(part)
            current = _inner(info.annotation) if info is not None else None
        elif isinstance(current, tuple):  # list[X] or dict[str, X]: the part is a position or a key
            current = _inner(current[1])
        else:
            current = None
        out.append((part, info))
    return out


def _inner(annotation: Any) -> Any:
    """The type a field's value is made of: a model, ("list"|"dict", item type), or the annotation itself."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _inner(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _inner(members[0]) if len(members) == 1 else annotation
    if origin is list:
        return ("list", typing.get_args(annotation)[0])
    if origin is dict:
        return ("dict", typing.get_args(annotation)[1])
    return annotation


def _where(model: type[BaseModel] | None, loc: Loc) -> str:
    """`people 第 4 项的 roles（角色）第 1 项`, `approval.funding（资助经费（元））`: keys as typed, positions from 1,
    the last field's title."""
    walked = _walk(model, loc)
    last_field = max((i for i, (p, _) in enumerate(walked) if isinstance(p, str)), default=-1)
    text = ""
    for i, (part, info) in enumerate(walked):
        if isinstance(part, int):
            text += ("" if text.endswith("）") else " ") + f"第 {part + 1} 项"
            continue
        if part.startswith(("function-", "[key]")) or part in _PYDANTIC_BRANCHES:
            continue  # pydantic's own name for a way it tried, not a place in the file
        text += ("" if not text else "的 " if text.endswith("项") else ".") + part
        if i == last_field and info is not None and info.title:
            text += f"（{info.title}）"
    return text


_PYDANTIC_BRANCHES = frozenset({"decimal", "str", "date", "int", "float", "list", "dict", "literal", "enum"})


def _named(model: type[BaseModel] | None, loc: Loc) -> str:
    """A missing field by its title with its key: `项目名称（title）`, `第一责任人（responsible.first）`."""
    info = _walk(model, loc)[-1][1] if loc else None
    title = info.title if info is not None and info.title else str(loc[-1])
    if any(isinstance(p, int) for p in loc):
        return f"{_where(model, loc[:-1])}的{title}（{loc[-1]}）"
    return f"{title}（{'.'.join(str(p) for p in loc)}）"


def _unknown_key(model: type[BaseModel] | None, loc: Loc, allowed: tuple[str, ...] | None = None) -> str:
    """An unknown key, and the key meant when it is a field's Chinese title or a near miss of a key."""
    key = str(loc[-1])
    parent = _walk(model, loc[:-1])
    current: Any = model
    if parent:
        last = parent[-1][1]
        current = _inner(last.annotation) if last is not None else None
    fields: dict[str, Any] = {}
    if isinstance(current, type) and issubclass(current, BaseModel):
        fields = {k: v for k, v in current.model_fields.items() if allowed is None or k in allowed}
    where = _where(model, loc[:-1])
    shown = f"{where}的 “{key}”" if where else f"“{key}”"
    by_title = [k for k, f in fields.items() if f.title and key.strip() in (f.title, f.title.split("（")[0])]
    if by_title:
        return f"{shown}（应写作 {by_title[0]}）"
    if "：" in key:
        return f"{shown}（其中“：”是中文冒号，键和值之间要用英文冒号加空格“: ”）"
    close = difflib.get_close_matches(key, list(fields), n=1, cutoff=0.75)
    return f"{shown}（是不是 {close[0]}？）" if close else shown


def _what(model: type[BaseModel] | None, loc: Loc, e: Any) -> str:
    kind = e["type"]
    value = e.get("input")
    shown = f"“{value}”" if isinstance(value, str) and len(value) <= 40 else ""
    if kind == "value_error":
        text = str(e["ctx"].get("error", e["msg"])) if "ctx" in e else str(e["msg"])
        text = text.removeprefix("Value error, ")
        return f"的值{shown}不对：{text}" if shown else f"不对：{text}"
    text = _ERROR_TEXT.get(kind, "取值无效")
    ctx = e.get("ctx") or {}
    if kind in ("enum", "literal_error"):
        choices = _choices(model, loc) or re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        if choices:
            text += f"，应为{_or(choices)}之一"
    elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than") and ctx:
        bound = next(iter(ctx.values()))
        text += f"（{'最小' if kind.startswith('greater') else '最大'} {bound}）"
    hint = ""
    if isinstance(value, str):
        marks = [f"“{c}”是中文{name}" for c, name in _FULL_WIDTH.items() if c in value]
        if marks:
            hint = f"（{'，'.join(marks)}，请改用英文标点，列表各项之间用英文逗号“,”分隔）"
    return f"{shown}{text}{hint}" if not shown else f"的值{shown}{text}{hint}"


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else "、".join(items[:-1]) + "或" + items[-1]


def _choices(model: type[BaseModel] | None, loc: Loc) -> list[str]:
    """The allowed values with their Chinese names: from the enum's labels or the field's description."""
    walked = _walk(model, loc)
    fields = [info for _, info in walked if info is not None]
    if not fields:
        return []
    info = fields[-1]
    inner = _inner(info.annotation)
    item = inner[1] if isinstance(inner, tuple) else inner
    if isinstance(item, type) and issubclass(item, enum.Enum):
        labels = getattr(sys.modules[item.__module__], f"{item.__name__.upper()}_LABELS", {})
        return [_labelled(str(m.value), str(labels.get(m, ""))) for m in item]
    origin: Any = typing.get_origin(item)
    literal = origin is typing.Literal
    values = [str(a) for a in typing.get_args(item)] if literal else []
    described = dict(re.findall(r"(\w+)：([^；]+)", info.description or ""))
    return [_labelled(v, described.get(v, "")) for v in values]


def _labelled(value: str, label: str) -> str:
    if not label:
        return value
    return label if value in label else f"{value}（{label}）"

"""What a clerk types to pick records (a unit, a type, a year, a status, a form): resolved against dj.yaml or refused.

Pure: dj.yaml and the names known in the repository in, the value the records hold out, or a DjError
that names every value that would have matched. A filter that matches nothing known is a typo, not an
empty table.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from dangjian_cli.config import CYCLE_PATTERN, Config, Unit
from dangjian_cli.errors import DjError
from dangjian_cli.model import STATUS_LABELS, Status

_YEAR = re.compile(CYCLE_PATTERN)


class BadValue(DjError):
    """A value no repository could hold (a status, a form, a year's shape): a usage error, whatever dj.yaml says."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option

_LOOKALIKE = str.maketrans({"O": "0", "o": "0", "〇": "0", "l": "1", "I": "1"})


def _clean(text: str) -> str:
    """Full-width letters and digits as their plain forms (a Chinese input method types ２０２５), trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


def unit(config: Config, text: str, option: str = "--unit") -> Unit:
    """A unit by its name or its code, as dj.yaml writes them."""
    wanted = _clean(text)
    found = config.find_unit(wanted)
    if found is not None:
        return found
    if not config.units:
        raise DjError(f"dj.yaml 中还没有任何单位（units），无从按 {option} “{text}”筛选；"
                      f"请先在 dj.yaml 的 units 中写上单位。")
    names = "、".join(f"{u.code}（{u.name}）" for u in config.units)
    raise DjError(f"单位“{text}”不在 dj.yaml 的 units 中，没有这个单位；{option} 可填单位代码或名称，可选：{names}。")


def unit_name(config: Config, text: str | None, option: str = "--unit",
              seen: Callable[[], Iterable[str]] = tuple) -> str | None:
    """The unit's name (what records hold), or None when no unit is asked for.

    A name only older records hold (a unit since renamed in dj.yaml) still picks those records. `seen`
    gives those names, asked only when needed: at 100,000 records, looking costs a tenth of a second.
    """
    if text is None:
        return None
    if config.find_unit(_clean(text)) is None and _clean(text) in set(seen()):
        return _clean(text)
    return unit(config, text, option).name


def project_type(config: Config, text: str | None) -> str | None:
    """A project type of dj.yaml, by its name or the one name it starts a clause of (“创新” for 创新探索型)."""
    if text is None:
        return None
    return _one("项目类型", "--type", text, [t.name for t in config.types])


def category(config: Config, text: str | None) -> str | None:
    if text is None:
        return None
    return _one("项目类别", "--category", text, list(config.categories))


def _one(what: str, option: str, text: str, names: list[str]) -> str:
    wanted = _clean(text)
    if wanted in names:
        return wanted
    starting = [n for n in names if wanted and n.startswith(wanted)]
    if len(starting) == 1:
        return starting[0]
    choices = "、".join(starting if len(starting) > 1 else names)
    if len(starting) > 1:
        raise DjError(f"{option} “{text}”可指多个{what}：{choices}；请写全其中一个。")
    raise DjError(f"没有{what}“{text}”；{option} 可选（dj.yaml 中的{what}）：{choices}。")


def status(text: str | None) -> Status | None:
    """A status by its code (approved), its label (已立项) or the start of the label that only it has (草稿)."""
    if text is None:
        return None
    wanted = _clean(text)
    for s, label in STATUS_LABELS.items():
        if wanted in (s.value, label):
            return s
    starting = [s for s, label in STATUS_LABELS.items() if wanted and label.startswith(wanted)]
    if len(starting) == 1:
        return starting[0]
    if len(starting) > 1:
        raise BadValue("--status", f"“{text}”可指多个状态：{'、'.join(s.label for s in starting)}；请写全其中一个。")
    names = "、".join(f"{label}（{s.value}）" for s, label in STATUS_LABELS.items())
    raise BadValue("--status", f"没有“{text}”这个状态；可选：{names}。")


def year(text: str, option: str = "--cycle", what: str = "年度") -> str:
    """A year as dj.yaml writes one (four digits): nothing else can become a folder's name."""
    wanted = _clean(text).removesuffix("年度").removesuffix("年")
    if _YEAR.fullmatch(wanted):
        return wanted
    if _YEAR.fullmatch(wanted.translate(_LOOKALIKE)):
        raise BadValue(option, f"“{text}”不是{what}：其中有字母（O 或 l）写成了数字的样子；"
                               f"请写成四位数字，如 {wanted.translate(_LOOKALIKE)}。")
    raise BadValue(option, f"“{text}”不是{what}；请写成四位数字，如 2025。")


def cycle(text: str | None, known: Callable[[], Iterable[str]], current: str, option: str = "--cycle",
          what: str = "年度", records: str = "项目") -> str | None:
    """A year that has records here (or is dj.yaml's own), or None when none is asked for; `known` gives the
    years that have records, asked only when a year is."""
    if text is None:
        return None
    wanted = year(text, option, what)
    have = sorted(set(known()) | {current})
    if wanted not in have:
        raise DjError(f"还没有 {wanted} {what}的{records}；{option} 可选：{'、'.join(have)}。")
    return wanted


def form(text: str | None, forms: Mapping[str, str]) -> str | None:
    """A form by its key (review) or its Chinese name as printed on it (验收评审表)."""
    if text is None:
        return None
    wanted = _clean(text)
    for key, name in forms.items():
        if wanted in (key, name):
            return key
    starting = [k for k, name in forms.items() if wanted and name.startswith(wanted)]
    if len(starting) == 1:
        return starting[0]
    names = "、".join(f"{name}（{key}）" for key, name in forms.items())
    raise BadValue("--form", f"没有“{text}”这种表格；可填表格名称或代码：{names}。")


LEDGER_FORMATS = {".xlsx": "Excel 工作簿", ".docx": "Word 文档", ".csv": "CSV 文本，Excel 可打开"}


def ledger_format(out: Path | None, given: str | None) -> str:
    """The ledger's format: the --out file's extension says it; --format only where the name does not."""
    choices = "、".join(f"{ext}（{name}）" for ext, name in LEDGER_FORMATS.items())
    named = None
    if given is not None:
        named = "." + _clean(given).lower().lstrip(".")
        named = {".excel": ".xlsx", ".word": ".docx"}.get(named, named)
        if named not in LEDGER_FORMATS:
            raise BadValue("--format", f"“{given}”不是 dj 能生成的格式；可选：{choices}。")
    suffix = out.suffix.lower() if out is not None else ""
    if out is not None and suffix and suffix not in LEDGER_FORMATS:
        raise BadValue("--out", f"文件 {out} 以 {out.suffix} 结尾，dj 不能生成这种文件；台账可生成：{choices}，"
                                f"请把文件名改为以其中之一结尾。")
    if out is not None and suffix and named and suffix != named:
        raise BadValue("--out", f"文件 {out} 是 {LEDGER_FORMATS[suffix]}，而 --format 是 {named[1:]}，二者不一致；"
                                f"请去掉 --format（格式按文件名决定），或改正文件名。")
    return (suffix or named or ".xlsx")[1:]


def forms_folder(out: Path | None) -> Path | None:
    """Forms go into a folder (one per record): a file's name there would become a folder of that name."""
    if out is not None and out.suffix.lower() in (".docx", ".doc", ".pdf", ".wps", ".xlsx"):
        raise BadValue("--out", f"{out} 像是文件名，而 --out 是存放表格的文件夹（每个编号一个子文件夹，"
                                f"文件名由 dj 按表格取）；请写一个文件夹，如 --out 表格。")
    return out

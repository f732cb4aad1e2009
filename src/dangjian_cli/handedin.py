"""What a user hands in, read into a step's details: a closing report's four sections, score items."""

from __future__ import annotations

import re

from dangjian_cli.errors import DjError
from dangjian_cli.model import CLOSING_SECTIONS

_HEADING = re.compile(r"^##\s+(.+?)\s*#*\s*$")


def parse_closing_report(markdown: str) -> dict[str, str]:
    """The four sections of a closing report (003): 项目概况、实施情况、成果经验、评价建议."""
    by_title = {title: key for key, title in CLOSING_SECTIONS.items()}
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for line in markdown.replace("\r\n", "\n").split("\n"):
        m = _HEADING.match(line)
        if m:
            current = by_title.get(m.group(1).strip())
            if current is not None:
                sections[current] = []
            continue
        if current is not None:
            sections[current].append(line)
    out = {key: "\n".join(lines).strip() for key, lines in sections.items()}
    missing = [title for key, title in CLOSING_SECTIONS.items() if not out.get(key)]
    if missing:
        raise DjError(
            f"结题报告缺少或未填写“{'、'.join(missing)}”部分；"
            f"报告应含四个二级标题：## 项目概况、## 实施情况、## 成果经验、## 评价建议，且每部分都有内容。"
        )
    return out


def parse_points(items: list[str]) -> dict[str, str]:
    """`--item KEY=POINTS` pairs into a mapping; values stay text until validated."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise DjError(f"评分项“{item}”的写法不对；应写成 代码=分数，例如 --item completeness=18。")
        code = key.strip()
        if code in out:
            # the last one would silently win: which of the two did the reviewer mean?
            raise DjError(f"评分项 {code} 写了两次（--item {code}={out[code]} 和 --item {item.strip()}）；"
                          f"每个评分项只写一个 --item，请删去多余的一个。")
        out[code] = value.strip()
    return out

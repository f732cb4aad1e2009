"""Chinese typesetting of what a form prints, in one place: quotes, spacing, money in 大写, emoji.

Pure functions of text and Decimal, no imports beyond the standard library: render.py applies them to every value
a form prints, and scripts/make_forms.py writes the forms' fixed texts by the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

# --- quotes (GB/T 15834-2011 4.1.3.3: 引号里面还要用引号时，外面一层用双引号，里面一层用单引号) -------------

_OPENING = {"“": "double", "‘": "single"}
_CLOSING = {"”": "double", "’": "single"}
_MARKS = {0: ("“", "”"), 1: ("‘", "’")}  # by depth: even depths double, odd depths single


def nest_quotes(text: str, depth: int = 0) -> str:
    """`text` with its quotation marks set by how deep they stand, `depth` being how deep `text` itself is quoted.

    A pair's kind follows its depth alone, whichever kind the writer typed: a title quoted once in a notice has its
    own “…” (and a stray top-level ‘…’) printed as ‘…’, and quotes inside those as “…”. ASCII double quotes count
    as marks, opening and closing in turn; an apostrophe stays what it is. A mark without its pair is kept at the
    depth it opens or closes.
    """
    out: list[str] = []
    stack = 0  # pairs open now, inside `text`
    ascii_open = False
    for char in text:
        if char == '"':
            char = "”" if ascii_open else "“"
            ascii_open = not ascii_open
        if char in _OPENING:
            out.append(_MARKS[(depth + stack) % 2][0])
            stack += 1
        elif char in _CLOSING:
            stack = max(stack - 1, 0)
            out.append(_MARKS[(depth + stack) % 2][1])
        else:
            out.append(char)
    return "".join(out)


def quoted(text: str) -> str:
    """`text` in quotation marks, its own quotes one level down: “…‘领航计划’…”."""
    return f"“{nest_quotes(text, 1)}”"


# --- spacing: no ASCII space between Chinese and a number (“在 2026年3月10日 的” → “在2026年3月10日的”) -------------

_CJK = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")  # ideographs, CJK marks
# A number, or a date written with its 年月日 (2026年3月10日), and the spaces either side of it.
_NUMBER = re.compile(r"( *)([0-9][0-9.,:%‰]*(?:[年月日][0-9][0-9.,:%‰]*)*[年月日]?)( *)")


def tight(text: str) -> str:
    """Without the ASCII spaces between Chinese text and the numbers or dates in it; other spaces stay."""
    def fix(m: re.Match[str]) -> str:
        before, after = text[m.start() - 1:m.start()], text[m.end():m.end() + 1]
        left = "" if _CJK.fullmatch(before) else m.group(1)
        right = "" if _CJK.fullmatch(after) else m.group(3)
        return left + m.group(2) + right

    return _NUMBER.sub(fix, text) if " " in text else text


def printed(value: Any) -> Any:
    """Every string of a form's values set by `tight`, lists and mappings all the way down."""
    if isinstance(value, str):
        return tight(value)
    if isinstance(value, Mapping):
        return {k: printed(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [printed(v) for v in value]
    return value


# --- money in 大写 (中国人民银行《正确填写票据和结算凭证的基本规定》) -----------------------------------------

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_PLACES = ("", "拾", "佰", "仟")  # within a group of four digits
_GROUPS = ("", "万", "亿", "万亿")  # one group of four digits each
_CENT = Decimal("0.01")


def _group(number: int) -> str:
    """0 < number < 10000 in 大写 without leading 零: 1010 → 壹仟零壹拾, 10 → 壹拾."""
    digits = f"{number:04d}".lstrip("0")
    out, zero = [], False
    for place, char in zip(range(len(digits) - 1, -1, -1), digits, strict=True):
        if char == "0":
            zero = True
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(_DIGITS[int(char)] + _PLACES[place])
    return "".join(out)


def _yuan(number: int) -> str:
    """The whole yuan in 大写: one 零 for each run of zeros between two figures, none at the end of a group."""
    out: list[str] = []
    skipped = False  # a group of four zeros stands between the last figure written and the next
    for n in range(len(_GROUPS) - 1, -1, -1):
        group = number // 10_000**n % 10_000
        if group == 0:
            skipped = bool(out)
            continue
        if out and (skipped or group < 1000):
            out.append("零")
        out.append(_group(group) + _GROUPS[n])
        skipped = False
    return "".join(out)


def in_words(amount: Decimal) -> str:
    """An amount of yuan in 大写, exact to the cent: 1000.00 → 壹仟元整, 10500.50 → 壹万零伍佰元伍角, 0.05 → 伍分.

    Rules of the bank's 基本规定: 整 after 元 when there are no 角 and 分 (none after 角, where it may be left out,
    nor after 分); 零 after 元 when 角 is 0 and 分 is not; one 零 for a run of zeros inside the figure, none before
    元 or at the end of a 万 or 亿 group. Refuses an amount with a fraction of a cent or of 10^16 yuan and more.
    """
    if amount != amount.quantize(_CENT) or not amount.is_finite():
        raise ValueError(f"金额 {amount} 不是精确到分的数")
    if amount < 0:
        return "负" + in_words(-amount)
    cents = int(amount * 100)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    if yuan >= 10_000**len(_GROUPS):
        raise ValueError(f"金额 {amount} 太大，无法写成大写")
    out = _yuan(yuan) + "元" if yuan else ""
    if jiao:
        out += _DIGITS[jiao] + "角"
    elif fen and yuan:
        out += "零"
    if fen:
        out += _DIGITS[fen] + "分"
    if not out:
        return "零元整"
    return out + ("" if jiao or fen else "整")


def money(amount: Decimal) -> str:
    """The figures and, beside them, the 大写 as official forms print money: 1000.00元（人民币壹仟元整）."""
    return f"{amount:.2f}元（人民币{in_words(amount)}）"


# --- emoji -----------------------------------------------------------------------------------------------------
# Decision: a record keeps its emoji (seed 001's own titles are full of them) and the tables and reports print
# them as typed, in the colour-emoji font the fontconfig substitution brings. A 公文 (the 立项通知, the 整改通知书)
# prints none: GB/T 9704 sets its text in 小标宋 and 仿宋, which have no emoji, Word, WPS and LibreOffice each
# fall back to a different face or to an empty box, and a colour picture has no place under a red seal. Those
# notices drop them and say so in the footer's record line, so the clerk knows the paper and the record differ.

_PICTOGRAPHS = (
    "\U0001f000-\U0001faff"  # pictographs, emoticons, transport, supplemental symbols, regional indicators, tones
    "\u231a\u231b\u23e9-\u23ec\u23f0\u23f3\u25fd\u25fe\u2614\u2615\u2648-\u2653\u267f\u2693\u26a1\u26aa\u26ab"
    "\u26bd\u26be\u26c4\u26c5\u26ce\u26d4\u26ea\u26f2\u26f3\u26f5\u26fa\u26fd\u2705\u270a\u270b\u2728\u274c"
    "\u274e\u2753-\u2755\u2757\u2795-\u2797\u27b0\u27bf\u2b1b\u2b1c\u2b50\u2b55"  # shown as emoji by default
)
_EMOJI = re.compile(
    "[0-9#*]\ufe0f?\u20e3"  # a keycap: 3️⃣
    "|[\u00a9\u00ae\u2000-\u2bff]\ufe0f"  # a symbol asked to show as emoji: ❤️ ☀️ ✔️
    f"|[{_PICTOGRAPHS}][\ufe0f\U0001f3fb-\U0001f3ff]?"
    "|[\u200d\ufe0f\U000e0020-\U000e007f]"  # what joins and qualifies them: ZWJ, the emoji selector, tags
)


def without_emoji(text: str) -> str:
    """`text` without its emoji, and without the spaces they leave at either end."""
    return re.sub(" {2,}", " ", _EMOJI.sub("", text)).strip() if has_emoji(text) else text


def has_emoji(text: str) -> bool:
    return _EMOJI.search(text) is not None

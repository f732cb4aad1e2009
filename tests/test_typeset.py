"""The typesetting rules every form's text goes through: nested quotes, no spaces around numbers, 大写 money, emoji."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from dangjian_cli import typeset

# Checked by hand against the bank's rules (中国人民银行《正确填写票据和结算凭证的基本规定》 and its examples).
HAND_CHECKED = {
    "1000.00": "壹仟元整",
    "10500.50": "壹万零伍佰元伍角",
    "0.05": "伍分",
    "100000010.00": "壹亿零壹拾元整",
    "1680.32": "壹仟陆佰捌拾元叁角贰分",  # the rules' own example (零 after 元 may be left out)
    "16409.02": "壹万陆仟肆佰零玖元零贰分",  # the rules' own example: 角 is 0, 分 is not: 零 after 元
    "325.04": "叁佰贰拾伍元零肆分",  # the rules' own example
    "107000.53": "壹拾万柒仟元伍角叁分",  # the rules' own example, without the optional 零
    "10.00": "壹拾元整",  # 壹 before 拾 always, even at the start
    "0.00": "零元整",
    "0.50": "伍角",
    "1.10": "壹元壹角",
    "1001.00": "壹仟零壹元整",
    "1010.00": "壹仟零壹拾元整",
    "100001.00": "壹拾万零壹元整",
    "100010000.00": "壹亿零壹万元整",
    "2000000000.00": "贰拾亿元整",
    "936.00": "玖佰叁拾陆元整",
    "64.00": "陆拾肆元整",
}


@pytest.mark.parametrize(("figures", "words"), HAND_CHECKED.items())
def test_money_in_words_matches_hand_checked_values(figures: str, words: str) -> None:
    assert typeset.in_words(Decimal(figures)) == words


def test_money_prints_figures_and_words_side_by_side() -> None:
    assert typeset.money(Decimal("1000.00")) == "1000.00元（人民币壹仟元整）"


_VALUES = {c: n for n, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
_PLACES = {"拾": 10, "佰": 100, "仟": 1000}


def _read_back(words: str) -> Decimal:
    """大写 back to a number, the way a bank clerk reads it: an independent check of every amount written."""
    cents = 0
    body = words.removesuffix("整")
    if "元" in body:
        yuan, body = body.split("元")
        total = section = digit = 0
        for char in yuan:
            if char in _VALUES:
                digit = _VALUES[char]
            elif char in _PLACES:
                section += digit * _PLACES[char]
                digit = 0
            elif char == "万":
                total += (section + digit) * 10_000
                section = digit = 0
            elif char == "亿":
                total = (total + section + digit) * 100_000_000
                section = digit = 0
        cents = (total + section + digit) * 100
    body = body.removeprefix("零")
    if "角" in body:
        jiao, body = body.split("角")
        cents += _VALUES[jiao] * 10
    if "分" in body:
        cents += _VALUES[body.removesuffix("分")]
    return Decimal(cents) / 100


def test_every_amount_reads_back_to_the_cent() -> None:
    rng = random.Random(2026)
    amounts = [Decimal(n) / 100 for n in range(0, 200_001, 7)]  # every shape of 0.00 … 2000.00
    amounts += [Decimal(rng.randrange(0, 10**12)) / 100 for _ in range(20_000)]
    amounts += [Decimal(f"{a}{b}") / 100 for a in ("1", "10", "100", "1000", "10001") for b in ("00000000", "00010000",
                                                                                           "00000010", "10000001")]
    for amount in amounts:
        words = typeset.in_words(amount)
        assert _read_back(words) == amount, (amount, words)
        if amount == 0:
            assert words == "零元整"
            continue
        assert "零零" not in words and not words.startswith("零"), (amount, words)
        assert words.endswith("整") == (amount % 1 == 0), (amount, words)  # 整 exactly when there are no 角 and 分
        assert "零万" not in words and "零亿" not in words and "零元" not in words, (amount, words)


def test_money_with_a_fraction_of_a_cent_is_refused_not_rounded() -> None:
    with pytest.raises(ValueError):
        typeset.in_words(Decimal("12.345"))


def test_quotes_inside_a_quoted_title_go_one_level_down() -> None:
    assert typeset.quoted("大学生党员创新创业“领航计划”") == "“大学生党员创新创业‘领航计划’”"
    # three levels: double, single, double again
    assert typeset.quoted("“三会一课”‘月月“亮”’") == "“‘三会一课’‘月月“亮”’”"
    assert typeset.quoted('学习"强国"积分') == "“学习‘强国’积分”"  # ASCII quotes count as marks
    assert typeset.quoted("党员之家") == "“党员之家”"
    assert typeset.nest_quotes("“两推一考双公示”提升") == "“两推一考双公示”提升"  # unquoted: as typed


def test_no_ascii_space_between_chinese_and_numbers_or_dates() -> None:
    assert typeset.tight("在 2026年3月10日 的中期检查中") == "在2026年3月10日的中期检查中"
    assert typeset.tight("支委 3 人，满意率 95% 以上") == "支委3人，满意率95%以上"
    assert typeset.tight("2024 年，支部") == "2024年，支部"
    assert typeset.tight("Word 2016 版本 A 2 b") == "Word 2016版本 A 2 b"  # Latin text keeps its spaces
    assert typeset.tight("    年  月  日") == "    年  月  日"  # a blank date to write in stays blank
    assert typeset.printed({"a": ["共 3 项"], "b": 3}) == {"a": ["共3项"], "b": 3}


def test_emoji_are_dropped_from_formal_text_and_nothing_else() -> None:
    title = "🚩✨“支部评级创先进，党员定星争优秀”——‘星级化’管理🇨🇳"
    assert typeset.without_emoji(title) == "“支部评级创先进，党员定星争优秀”——‘星级化’管理"
    assert typeset.without_emoji("批复3️⃣，给予经费⚾️支持 👨‍👩‍👧 ✅ ❤️") == "批复，给予经费支持"
    assert typeset.without_emoji("★五星支部☆ 第3名") == "★五星支部☆ 第3名"  # not emoji: stars stay
    assert typeset.has_emoji(title) and not typeset.has_emoji("‘星级化’管理 — 3")

"""Plain aligned tables: what `dj list` prints into a pipe, a file or a terminal past 500 rows."""

from __future__ import annotations

from dangjian_cli.textout import aligned, display_width


def test_chinese_and_emoji_take_two_columns() -> None:
    assert display_width("2025-机电-001") == 13  # 11 characters, two of them Chinese
    assert display_width("领航🚩计划") == 10  # the flag is wide too
    assert display_width("abc") == 3
    assert display_width("") == 0


def test_columns_line_up_by_display_width_and_the_free_text_is_not_padded() -> None:
    lines = list(aligned(("编号", "状态", "名称"),
                         [("2025-机电-001", "已立项", "领航🚩计划"), ("A", "整改中", ""), ("2025-x-1", "b", "题目")]))
    assert lines == [
        "编号" + " " * 9 + "  " + "状态" + "  " + "  " + "名称",
        "2025-机电-001" + "  " + "已立项" + "  " + "领航🚩计划",
        "A" + " " * 12 + "  " + "整改中",  # an empty last cell leaves no trailing spaces
        "2025-x-1" + " " * 5 + "  " + "b" + " " * 5 + "  " + "题目",
    ]


def test_a_cell_with_a_line_break_is_measured_on_its_own() -> None:
    lines = list(aligned(("a", "b"), [("甲\n乙", "x"), ("丙", "y")]))
    assert lines[2] == "丙" + " " * 3 + "  " + "y"  # widest is "甲\n乙": 5 columns

"""The strict reader, on libyaml's C parser and on the pure-Python fallback: the same data, the same refusals."""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import DATA, Dj, apply_sample, git
from dangjian_cli import store, yamlio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import repos

DEMO = Path(yamlio.__file__).parent / "demo"
SHOWN = "projects/2025/2025-机电-001.yaml"

Read = Callable[[str], dict[str, Any]]


@pytest.fixture(params=["libyaml", "python"])
def parse(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Read:
    """store.parse_yaml as dj runs it, with either parser underneath."""
    if request.param == "libyaml":
        if not yaml.__with_libyaml__:
            pytest.skip("PyYAML is built without libyaml here")
        monkeypatch.setattr(yamlio, "PARSER", yaml._yaml.CParser)
    else:
        monkeypatch.setattr(yamlio, "PARSER", yamlio.PurePythonParser)
    return lambda text: store.parse_yaml(text, SHOWN)


def refusal(parse: Read, text: str) -> str:
    with pytest.raises(store.DjError) as e:
        parse(text)
    return e.value.message


def test_with_libyaml_installed_dj_reads_with_it() -> None:
    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML is built without libyaml here")
    assert yamlio.PARSER is yaml._yaml.CParser


# --- what is accepted, and read as written -----------------------------------------------------------------------


YAML11 = {  # what a YAML 1.1 reader would turn into a boolean, a number, a date or nothing
    "a": "yes", "b": "no", "c": "on", "d": "Off", "e": "TRUE", "f": "0012", "g": "010", "h": "0o17", "i": "0x1F",
    "j": "1_000", "k": "1e3", "l": ".inf", "m": ".NaN", "n": "null", "o": "~", "p": "2025-05-01",
    "q": "2025-05-01T10:00:00", "r": "12:30:00", "s": "3.14", "t": "-0", "u": "=",
}


def test_every_scalar_stays_the_text_that_was_typed(parse: Read) -> None:
    text = "".join(f"{k}: {v}\n" for k, v in YAML11.items()) + "empty:\nquoted: '0012'\ndouble: \"no\"\n"
    assert parse(text) == {**YAML11, "empty": "", "quoted": "0012", "double": "no"}


def test_keys_are_text_too(parse: Read) -> None:
    """A key written 1, yes or ~ is the key "1", "yes", "~"; order is the file's."""
    data = parse("1: 一\nyes: 是\n~: 空\n2025-05-01: 日期\n")
    assert list(data.items()) == [("1", "一"), ("yes", "是"), ("~", "空"), ("2025-05-01", "日期")]


def test_plain_tags_and_an_unused_anchor_are_accepted(parse: Read) -> None:
    """`!!str 5` is the text 5; an &anchor nothing refers to changes nothing."""
    data = parse("a: !!str 5\nb: !!seq [1]\nc: !!map {x: 1}\nd: ! 7\ne: &here 八\n")
    assert data == {"a": "5", "b": ["1"], "c": {"x": "1"}, "d": "7", "e": "八"}


def test_text_in_every_style_and_nesting(parse: Read) -> None:
    text = ("title: 第1个党建项目 🌟\nbackground: |\n  第一段。\n\n  第二段。\nfolded: >\n  一\n  二\n"
            "flow: {a: [1, '2', \"三\"], b: {}}\nlist:\n  - item: 标识\n    amount: 300.00\n  -\n  - []\n")
    assert parse(text) == {
        "title": "第1个党建项目 🌟", "background": "第一段。\n\n第二段。\n", "folded": "一 二\n",
        "flow": {"a": ["1", "2", "三"], "b": {}}, "list": [{"item": "标识", "amount": "300.00"}, "", []],
    }


@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_file_saved_on_windows_reads_the_same(parse: Read, tmp_path: Path, bom: bool, newline: str) -> None:
    """UTF-8 with or without a BOM, LF or CRLF: the same data, with \\n inside a block of text."""
    text = "# 注释\nid: 2025-机电-001\nbackground: |\n  第一行\n  第二行\nbudget:\n  - amount: 300.00\n"
    path = tmp_path / "记录.yaml"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.replace("\n", newline).encode("utf-8"))
    expected = {"id": "2025-机电-001", "background": "第一行\n第二行\n", "budget": [{"amount": "300.00"}]}
    assert store.read_yaml(path, SHOWN) == expected
    assert parse("\ufeff" + text.replace("\n", newline)) == expected  # a BOM left in text handed over directly


def test_an_empty_file_or_a_list_is_not_a_record(parse: Read) -> None:
    for text in ("", "# 只有注释\n", "- a\n- b\n", "只是一句话\n"):
        assert refusal(parse, text) == f"文件 {SHOWN} 的内容应是“键: 值”形式的表，现在不是；请检查文件内容。"


# --- what is refused: one sentence with the line ------------------------------------------------------------------


def _refused(line: int, problem: str) -> str:
    return f"文件 {SHOWN} 第 {line} 行：{problem}；请改成普通的键和值后再试。"


def _bomb(levels: int = 9) -> str:
    """Billion laughs: 9 levels of 9 aliases would expand to 9**9 strings."""
    lines = ['lol0: &a0 "哈"']
    lines += [f"lol{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


REFUSALS = {
    "repeated key": ("id: 1\nleader: 张三\nleader: 李四\n", _refused(3, "键“leader”重复出现")),
    "repeated key, nested": ("a:\n  - x: 1\n    y: 2\n    x: 3\n", _refused(4, "键“x”重复出现")),
    "repeated key, flow": ("a: {x: 1, x: 1}\n", _refused(1, "键“x”重复出现")),
    "repeated empty key": ("'': 1\n? ''\n: 2\n", _refused(2, "键“”重复出现")),
    "python tag": ("id: 1\nleader: !!python/object/apply:os.system ['echo hi > 被执行.txt']\n",
                   _refused(2, "不允许使用 YAML 标签 tag:yaml.org,2002:python/object/apply:os.system")),
    "int tag": ("id: 1\n\nstages: !!int 5\n", _refused(3, "不允许使用 YAML 标签 tag:yaml.org,2002:int")),
    "local tag": ("id: !foo 1\n", _refused(1, "不允许使用 YAML 标签 !foo")),
    "tag on a mapping": ("a: !!python/object:os.popen {x: 1}\n",
                         _refused(1, "不允许使用 YAML 标签 tag:yaml.org,2002:python/object:os.popen")),
    "tag on a list": ("a:\n  b: !!set\n    - 1\n", _refused(2, "不允许使用 YAML 标签 tag:yaml.org,2002:set")),
    "alias": ("a: &x 1\nb: *x\n", _refused(2, "不允许使用锚点引用（*别名）")),
    "alias of a list": ("a: &x [1, 2]\nb:\n  - c\n  - *x\n", _refused(4, "不允许使用锚点引用（*别名）")),
    "alias as a key": ("a: &x k\n*x : 2\n", _refused(2, "不允许使用锚点引用（*别名）")),
    "undefined alias": ("a: *nowhere\n", _refused(1, "不允许使用锚点引用（*别名）")),
    "alias bomb": (_bomb(), _refused(2, "不允许使用锚点引用（*别名）")),
    "list as a key": ("a: 1\n? [x, y]\n: 2\n", _refused(2, "键必须是文字")),
    "mapping as a key": ("a: 1\n\n? {x: y}\n: 2\n", _refused(3, "键必须是文字")),
    "flow nesting": ("a: " + "[" * 10_000 + "]" * 10_000 + "\n", _refused(1, "列表和表嵌套超过 100 层")),
    "flow mapping nesting": ("a: " + "{a: " * 10_000 + "x" + "}" * 10_000 + "\n",
                             _refused(1, "列表和表嵌套超过 100 层")),
    "block nesting": ("a:\n  " + "- " * 10_000 + "x\n", _refused(2, "列表和表嵌套超过 100 层")),
    "indented nesting": ("".join("  " * i + "a:\n" for i in range(150)), _refused(101, "列表和表嵌套超过 100 层")),
    "two documents": ("a: 1\n---\nb: 2\n",
                      f"文件 {SHOWN} 第 2 行开始了第二份内容（“---”或“...”之后）；一个文件只能写一份，"
                      f"请删去这一行，或把两份分成两个文件。"),
    "control character": ("a: 1\nb: 响铃\x07\n",
                          f"文件 {SHOWN} 第 2 行含有不能出现在 YAML 中的控制字符 U+0007；"
                          f"请删去这个字符（常随从网页或 Word 复制的文字混入）。"),
    "a pasted runaway value": ("a: 1\nb: " + "长" * 100_001 + "\n",
                               f"文件 {SHOWN} 第 2 行：一个值超过 100000 个字，不像是一份记录里的文字；"
                               f"请检查是否误粘贴了整份文件，改短后再试。"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_what_dj_cannot_trust_is_refused_with_its_line(parse: Read, case: str) -> None:
    text, message = REFUSALS[case]
    assert refusal(parse, text) == message


@pytest.mark.parametrize(("text", "line"), [("a: b: c\n", 1), ("a: 1\nb: [1, 2\n", 2), ("a:\n  b: 1\n c: 2\n", 3),
                                            ("a: 'open\n", 1), ("- a\nb: 1\n", 2), ("a:\n\t- b\n", 2),
                                            ("a: @x\n", 1), ('a: "x" y\n', 1), ("a: 1\n张三\nb: 2\n", 2)])
def test_broken_yaml_names_its_line_in_chinese(parse: Read, text: str, line: int) -> None:
    """libyaml and Python word their errors differently, in English; the clerk reads the same Chinese from both."""
    message = refusal(parse, text)
    assert message.startswith(f"文件 {SHOWN} 第 {line} 行"), message
    assert "请" in message and message.endswith("。"), message
    words = set(re.findall(r"[A-Za-z]{2,}", message.replace(SHOWN, "")))
    assert words <= {"YAML", "Tab"}, message  # the names on the clerk's keyboard and file, not the parser's English


TAB = "用 Tab 键缩进了，YAML 只能用空格缩进；请把这一行开头的 Tab 换成空格，与同一层的上下行对齐"
CLERKS_WORDS = {  # what a clerk typed → the line and the sentence she reads, from either parser
    "a Tab for indentation": ("title: 党员先锋岗\n\tunit: 机电学院党委\n", 2, TAB),
    "a Tab in a nested list": ("milestones:\n  - date: 2025-06-30\n\t  content: 设岗定责\n", 3, TAB),
    "a colon inside a value": ("title: 党建: 引领\n", 1,
                               "的值里有冒号加空格“: ”，YAML 会把它当成又一个键；请把整个值用引号括起来，"
                               "例如 title: \"党建: 引领\""),
    "a full-width colon": ("title：党员先锋岗\nunit: 机电学院党委\n", 1,
                           "的冒号是中文冒号“：”；键和值之间要用英文冒号加空格“: ”，请写成 title: 党员先锋岗"),
    "a full-width colon on the last line": ("title: 党员先锋岗\nunit：机电学院党委\n", 2,
                                            "的冒号是中文冒号“：”；键和值之间要用英文冒号加空格“: ”，"
                                            "请写成 unit: 机电学院党委"),
    "a full-width comma in a broken list": ("roles: [reviewer，judge\nunit: 组织部\n", 1,
                                            "的 [ 里用了中文逗号“，”；各项之间要用英文逗号“,”分隔"),
    "an unclosed double quote": ('id: 1\ntitle: "党员先锋岗\nunit: 机电学院党委\nbranch: 第一支部\n', 2,
                                 "的引号 \" 从这里开始却没有结束；请在这段文字末尾补上同样的引号 \"，或去掉开头的引号"),
    "an unclosed single quote": ("title: '党员先锋岗\nunit: 机电学院党委\n", 1,
                                 "的引号 ' 从这里开始却没有结束；请在这段文字末尾补上同样的引号 '，或去掉开头的引号"),
}


@pytest.mark.parametrize("case", CLERKS_WORDS)
def test_a_clerks_yaml_mistake_is_explained_in_her_words(parse: Read, case: str) -> None:
    text, line, problem = CLERKS_WORDS[case]
    assert refusal(parse, text) == f"文件 {SHOWN} 第 {line} 行{problem}。"


def test_each_parser_is_the_one_at_work(parse: Read, request: pytest.FixtureRequest) -> None:
    """libyaml and the Python port are both used as the fixture says (the sentences above come from each)."""
    expected = {"libyaml": yaml._yaml.CParser if yaml.__with_libyaml__ else None,
                "python": yamlio.PurePythonParser}[request.node.callspec.params["parse"]]
    assert yamlio.PARSER is expected


def test_places_name_the_line_of_each_value() -> None:
    """The lines validation messages quote: a key's line for its value, an item's line for a list item."""
    text = "a: 1\nb:\n  - x\n  - {c: 2, d: [3, 4]}\ne:\n  f: g\n"
    assert yamlio.places(text) == {(): 1, ("a",): 1, ("b",): 2, ("b", 0): 3, ("b", 1): 4, ("b", 1, "c"): 4,
                                   ("b", 1, "d"): 4, ("b", 1, "d", 0): 4, ("b", 1, "d", 1): 4, ("e",): 5,
                                   ("e", "f"): 6}


def test_a_gbk_file_is_refused_with_the_way_out(parse: Read, tmp_path: Path) -> None:
    path = tmp_path / "记录.yaml"
    path.write_bytes("id: 2025-机电-001\ntitle: 党员先锋岗\n".encode("gbk"))
    with pytest.raises(store.DjError) as e:
        store.read_yaml(path, SHOWN)
    assert e.value.message == (f"文件 {SHOWN} 不是 UTF-8 编码（可能是 Windows 记事本保存的 GBK）；"
                               f"请用“另存为 → 编码 UTF-8”重新保存，或运行 iconv -f GBK -t UTF-8 转换后再试。")


# --- both parsers read every real record the same way ---------------------------------------------------------------


def _records() -> dict[str, str]:
    files = [*sorted(DATA.glob("*.yaml")), *sorted(DEMO.glob("*.yaml"))]
    found = {p.name: p.read_text(encoding="utf-8") for p in files}
    found["bench RECORD"] = repos.RECORD.format(id="2025-机电-001", n=1)
    found |= {f"bench record {i} ({repos.status_of(i)})": repos.record(i, dt.date(2026, 5, 1))
              for i in range(len(repos.STATUSES))}
    return found


RECORDS = _records()


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [k for k in value] + [x for v in value.values() for x in _leaves(v)]
    if isinstance(value, list):
        return [x for v in value for x in _leaves(v)]
    return [value]


@pytest.mark.parametrize("name", RECORDS)
def test_both_parsers_give_the_same_data(name: str) -> None:
    """The same dicts, lists and strings from libyaml and from Python, and the same as PyYAML's all-text reader."""
    text = RECORDS[name]
    fallback = yamlio.load(text, yamlio.PurePythonParser)
    if yaml.__with_libyaml__:
        assert yamlio.load(text, yaml._yaml.CParser) == fallback
    assert fallback == yaml.load(text, Loader=yaml.BaseLoader)
    leaves = _leaves(fallback)
    assert isinstance(fallback, dict) and len(leaves) > 10
    assert all(isinstance(x, str) for x in leaves)


def test_the_demo_scenario_keeps_its_order(parse: Read) -> None:
    """Mappings keep the file's key order at every depth (the writer and `dj show` rely on it)."""
    text = RECORDS["scenario.yaml"]
    data, reference = parse(text), yaml.load(text, Loader=yaml.BaseLoader)

    def order(value: Any) -> Any:
        if isinstance(value, dict):
            return [(k, order(v)) for k, v in value.items()]
        return [order(v) for v in value] if isinstance(value, list) else value

    assert order(data) == order(reference)


# --- as the clerk sees it -------------------------------------------------------------------------------------------


def test_a_record_nested_ten_thousand_deep_is_one_sentence(repo: Path, dj: Dj) -> None:
    """A pasted runaway `[[[[…` in a record: `dj show` says which file and line, no traceback."""
    pid = apply_sample(dj)
    path = repo / SHOWN
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    at = next(n for n, line in enumerate(lines, start=1) if line.startswith("goals:"))
    lines[at - 1] = "goals: " + "[" * 10_000 + "]" * 10_000 + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    git(repo, "commit", "-qam", "手工修改")

    r = dj("show", pid)

    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr.strip() == f"错误：文件 {SHOWN} 第 {at} 行：列表和表嵌套超过 100 层；请改成普通的键和值后再试。"

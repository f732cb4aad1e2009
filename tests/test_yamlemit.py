"""The record writer without ruamel: the same bytes as ruamel's, or it steps aside."""

from __future__ import annotations

import datetime as dt
import random
import subprocess
import sys
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest

from conftest import Dj
from dangjian_cli import store, yamlio
from dangjian_cli.model import Project
from dangjian_cli.yamlemit import emit


def by_ruamel(data: dict[str, Any]) -> str:
    """What yamlio wrote before the emitter existed: ruamel with dj's settings."""
    y = yamlio._yaml()
    out = StringIO()
    y.dump(yamlio._fresh(data), out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_records(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    root = tmp_path_factory.mktemp("demo") / "demo"
    subprocess.run([sys.executable, "-m", "dangjian_cli", "--no-forms", "demo", str(root)], check=True,
                   capture_output=True)
    files = sorted((root / "projects").glob("*/*.yaml"))
    assert len(files) >= 10
    return [store.record_data(Project.model_validate(yamlio.load(f.read_text(encoding="utf-8")))) for f in files]


def test_every_demo_record_comes_out_as_ruamel_writes_it(demo_records: list[dict[str, Any]]) -> None:
    written = [emit(data) for data in demo_records]
    for data, text in zip(demo_records, written, strict=True):
        assert text is None or text == by_ruamel(data), data["id"]
    # the point of it: the emitter writes the records themselves, not only toy ones
    assert sum(text is not None for text in written) >= len(written) * 3 // 4


def test_the_shapes_a_record_takes(tmp_path: Path) -> None:
    data = {
        "id": "2025-机电-001", "title": "党建“领航”🚩计划", "plan": "第一行\n\n第三行", "tail": "一行\n",
        "responsible": {"first": "张三", "direct": "李四"}, "stage": 2,
        "money": Decimal("1000.00"), "points": Decimal("3"),
        "milestones": [{"date": dt.date(2025, 6, 1), "content": "启动"},
                       {"date": dt.date(2025, 7, 1), "content": "多\n行"}],
        "past": [{"stage": 1, "scores": [{"points": {"a": Decimal("10.5")}, "tags": ["甲", "乙"]}]}],
        "passed": "yes", "code": "0012", "receipt": "00250093", "day": "2025-05-01",
        "mail": "sun@wy.caishen.example", "share": "覆盖率 92%", "list": "甲,乙",
        "quote": "“引号”和‘单引号’", "wide": "全角：冒号，逗号",
    }
    text = emit(data)
    assert text is not None and text == by_ruamel(data)
    assert yamlio.load(text) == yamlio.load(by_ruamel(data))


@pytest.mark.parametrize("value", [
    "a: b", "a #b", "", " 前空格", "末尾空格 ", "tab\there", "1e3", "0o17", "...", "- 列表", "[方括号]", "{花括号}",
    "行\u2028分隔", "\ufeffBOM", "尾空格 \n第二行", "两行\n\n", "\n前有空行",
])
def test_what_it_is_not_sure_of_goes_to_ruamel(value: str) -> None:
    assert emit({"title": value}) is None


# Mostly what records hold, now and then what YAML treats specially.
_PLAIN = [*"abcXYZ019 .-", "机", "电", "：", "，", "“", "”", "🚩", "\u3000", "\xa0", "\n"]
_SPECIAL = [*":#,'\"[]{}&*!|>%@`\\?~=\t", "\u2028", "\ufeff", "\x85", "\x07"]


def _text(rng: random.Random) -> str:
    return "".join(rng.choice(_SPECIAL if rng.random() < 0.03 else _PLAIN) for _ in range(rng.randint(1, 12)))


def test_random_texts_are_written_as_ruamel_writes_them_or_left_to_it() -> None:
    rng = random.Random(20261202)
    written = 0
    for _ in range(3000):
        texts = [_text(rng) for _ in range(3)]
        data = {"title": texts[0], "plan": texts[1], "milestones": [{"content": texts[2]}]}
        text = emit(data)
        if text is not None:
            written += 1
            assert text == by_ruamel(data), texts
            assert yamlio.load(text) == data
    assert written >= 300  # a test that only ever falls back would prove nothing


def test_a_step_on_a_record_without_comments_does_not_import_ruamel(repo: Path, dj: Dj, tmp_path: Path) -> None:
    from conftest import apply_sample
    from test_startup import _loaded

    pid = apply_sample(dj)
    loaded, _ = _loaded(tmp_path, "approve", pid, "--date", "2025-05-20", cwd=repo, DJ_NO_FORMS="1")
    assert "ruamel" not in loaded
    assert "已立项" in dj("show", pid).stdout

"""Word files from strangers: each hostile file is built here, handed to the real command, and refused in one Chinese
sentence with nothing written, or read without following anything it points to."""

from __future__ import annotations

import http.server
import io
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import Dj, git
from test_docx_import import FILLED, blank_application, fill
from test_messages import assert_chinese


@pytest.fixture(autouse=True)
def _no_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJ_NO_FORMS", "1")


@pytest.fixture
def filled(repo: Path, dj: Dj) -> Path:
    return fill(blank_application(dj, repo), repo.parent / "申报表.docx", FILLED)


def parts(docx: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(docx) as z:
        return {name: z.read(name) for name in z.namelist()}


def repack(target: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return target


def refused(dj: Dj, repo: Path, path: Path, *words: str) -> str:
    head = git(repo, "rev-parse", "HEAD")
    r = dj("apply", "--from-docx", str(path))
    assert r.exit_code == 1, r.stdout + r.stderr
    assert r.stderr.startswith("错误：") and r.stderr.count("\n") == 1, r.stderr  # one sentence
    for word in words:
        assert word in r.stderr, r.stderr
    assert_chinese(r.stdout + r.stderr, (str(path),))
    assert git(repo, "rev-parse", "HEAD") == head and not (repo / "projects").exists()
    return r.stderr


def test_a_zip_bomb_is_refused_before_it_is_unpacked(repo: Path, dj: Dj, filled: Path) -> None:
    entries = parts(filled)
    bomb = repo.parent / "炸弹.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
        with z.open("word/media/image1.png", "w", force_zip64=True) as f:  # 120 MB of zeros in a file of 120 KB
            block = bytes(1024 * 1024)
            for _ in range(120):
                f.write(block)
    assert bomb.stat().st_size < 1024 * 1024
    started = time.monotonic()
    refused(dj, repo, bomb, "压缩炸弹", "解压后有 120.")
    assert time.monotonic() - started < 5


def test_a_zip_of_thousands_of_entries_is_refused(repo: Path, dj: Dj, filled: Path) -> None:
    entries = parts(filled) | {f"word/media/x{n}.bin": b"" for n in range(3000)}
    refused(dj, repo, repack(repo.parent / "很多.docx", entries), "3", "个部件")


def test_a_file_too_large_to_be_a_form_is_refused_before_it_is_read(repo: Path, dj: Dj) -> None:
    huge = repo.parent / "大.docx"
    with huge.open("wb") as f:
        f.write(b"PK\x03\x04")
        f.truncate(25 * 1024 * 1024)
    refused(dj, repo, huge, "25.0 兆字节", "上限 20.0 兆字节")


@pytest.mark.parametrize(("content", "words"), [
    (b"\x7fELF\x02\x01\x01" + bytes(200), ("不是 Word 文档", "改成了 .docx 的名字")),
    (b"%PDF-1.7\n" + bytes(200), ("是PDF 文件",)),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200), ("旧版 Word 文件（.doc）或加了打开密码",)),
    ("项目名称：党员先锋岗\n".encode(), ("不是 Word 文档",)),
], ids=["program", "pdf", "old-word", "text"])
def test_a_renamed_file_is_refused_for_what_it_is(repo: Path, dj: Dj, content: bytes, words: tuple[str, ...]) -> None:
    path = repo.parent / "申报表.docx"
    path.write_bytes(content)
    refused(dj, repo, path, *words)


def test_an_excel_file_or_a_broken_download_is_refused(repo: Path, dj: Dj, filled: Path) -> None:
    sheet = repack(repo.parent / "表.docx", {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
    refused(dj, repo, sheet, "不是 Word 文档")
    half = repo.parent / "半个.docx"
    half.write_bytes(filled.read_bytes()[: filled.stat().st_size // 2])
    refused(dj, repo, half, "已损坏或不完整")


def test_macros_are_never_run_a_macro_enabled_document_is_refused(repo: Path, dj: Dj, filled: Path) -> None:
    docm = repo.parent / "申报表.docm"
    docm.write_bytes(filled.read_bytes())
    refused(dj, repo, docm, "带宏的 Word 文档（.docm）")
    entries = parts(filled)
    entries["[Content_Types].xml"] = entries["[Content_Types].xml"].replace(
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        b"application/vnd.ms-word.document.macroEnabled.main+xml")
    entries["word/vbaProject.bin"] = b"\xd0\xcf\x11\xe0 Sub AutoOpen() Shell \"calc\" End Sub"
    refused(dj, repo, repack(repo.parent / "改了名的宏.docx", entries), "带宏的 Word 文档")


def _with_document(filled: Path, target: Path, document: bytes) -> Path:
    return repack(target, parts(filled) | {"word/document.xml": document})


def test_an_external_entity_is_never_expanded(repo: Path, dj: Dj, filled: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("绝密内容", encoding="utf-8")
    document = parts(filled)["word/document.xml"].decode()
    document = document.replace("<w:document ", f'<!DOCTYPE w:document [<!ENTITY x SYSTEM "file://{secret}">]>'
                                                "<w:document ", 1).replace("张三", "&x;")
    message = refused(dj, repo, _with_document(filled, repo.parent / "实体.docx", document.encode()),
                      "文档类型声明或实体声明")
    assert "绝密内容" not in message


def test_a_billion_laughs_is_refused_at_once(repo: Path, dj: Dj, filled: Path) -> None:
    laughs = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    document = parts(filled)["word/document.xml"].decode()
    document = document.replace("<w:document ", f'<!DOCTYPE w:document [<!ENTITY l0 "哈">{laughs}]><w:document ', 1)
    started = time.monotonic()
    refused(dj, repo, _with_document(filled, repo.parent / "笑.docx", document.replace("张三", "&l9;").encode()),
            "实体声明")
    assert time.monotonic() - started < 5


def test_a_document_nested_deeper_than_word_ever_writes_is_refused(repo: Path, dj: Dj, filled: Path) -> None:
    document = parts(filled)["word/document.xml"].decode()
    deep = "<w:customXml>" * 5000 + "</w:customXml>" * 5000
    document = document.replace("<w:body>", f"<w:body>{deep}", 1)
    refused(dj, repo, _with_document(filled, repo.parent / "深.docx", document.encode()), "嵌套")


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A web server on this machine that records every request: nothing may ever reach it."""
    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", asked
    server.shutdown()


def test_a_remote_template_and_linked_content_are_never_fetched(repo: Path, dj: Dj, filled: Path,
                                                                 listener: tuple[str, list[str]]) -> None:
    url, asked = listener
    entries = parts(filled)
    rel = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships")
    entries["word/_rels/settings.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'relationships"><Relationship Id="rId1" Type="{rel}/attachedTemplate" Target="{url}/evil.dotm" '
        'TargetMode="External"/></Relationships>').encode()
    settings = entries["word/settings.xml"].decode()
    entries["word/settings.xml"] = settings.replace("<w:zoom", '<w:attachedTemplate r:id="rId1"/><w:zoom', 1).encode()
    document_rels = entries["word/_rels/document.xml.rels"].decode().replace(
        "</Relationships>", f'<Relationship Id="rId99" Type="{rel}/image" Target="{url}/track.png" '
                            'TargetMode="External"/></Relationships>')
    entries["word/_rels/document.xml.rels"] = document_rels.encode()
    document = entries["word/document.xml"].decode().replace(
        "<w:body>", f'<w:body><w:p><w:fldSimple w:instr="INCLUDETEXT &quot;{url}/include.docx&quot;"/></w:p>', 1)
    entries["word/document.xml"] = document.encode()
    assert b"attachedTemplate" in entries["word/settings.xml"]
    r = dj("apply", "--from-docx", str(repack(repo.parent / "远程模板.docx", entries)))
    assert r.exit_code == 0, r.stderr
    assert "已申报：2025-机电-001" in r.stdout
    assert asked == []
    assert not (repo / "evil.dotm").exists()


def test_a_hostile_closing_report_is_refused_the_same_way(repo: Path, dj: Dj) -> None:
    from conftest import apply_sample

    pid = apply_sample(dj)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b'<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><d>&e;</d>')
    report = repo.parent / "结题报告.docx"
    report.write_bytes(bomb.getvalue())
    r = dj("close", pid, "--report", str(report))
    assert r.exit_code == 1 and "实体声明" in r.stderr and "root:" not in r.stderr
    assert_chinese(r.stderr, (str(report),))

"""A Word file someone sent, opened as untrusted: limits first, then only the main document's XML, never a DTD.

Nothing in the file is followed: no relationship (remote template, linked picture, external data) is read, no
macro is run (a macro-enabled document is refused), and the XML is parsed by expat with every DOCTYPE and
entity declaration refused, so no external or recursive entity is ever expanded. Only the standard library.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, TreeBuilder

from dangjian_cli import filekinds
from dangjian_cli.errors import DjError

MAX_BYTES = 20 * 1024 * 1024  # a form with a few pasted photos; a bigger one is not a form
MAX_ENTRIES = 2000  # parts in the zip; Word writes about 15, a long document with pictures a few hundred
MAX_UNPACKED = 100 * 1024 * 1024  # all parts unpacked together: a zip bomb says far more than this
MAX_PART = 30 * 1024 * 1024  # the XML parsed here, unpacked
MAX_DEPTH = 200  # elements inside elements; Word nests a few dozen deep at most

_MAIN_TYPES = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
               "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml")
_MACRO_TYPES = ("application/vnd.ms-word.document.macroEnabled.main+xml",
                "application/vnd.ms-word.template.macroEnabledTemplate.main+xml")
_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_RESAVE = "请在 Word 或 WPS 中打开它，“另存为 → Word 文档（*.docx）”后再试"


class _Refused(Exception):
    """Raised from inside expat: the XML declares something dj never reads."""


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} 兆字节"


def main_document(path: Path, shown: str) -> Element:
    """The main document part (word/document.xml) of the .docx at `path`, parsed safely."""
    if path.suffix.lower() in (".docm", ".dotm"):
        raise DjError(f"文件 {shown} 是带宏的 Word 文档（{path.suffix}），dj 不打开带宏的文件；"
                      f"请在 Word 中“另存为 → Word 文档（*.docx）”（宏不会保存进去）后再试。")
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise DjError(f"文件 {shown} 有 {_mb(size)}，超过 dj 读取 Word 表格的上限 {_mb(MAX_BYTES)}；"
                          f"请删去其中的大图片，或把文字复制进一份新的表格后再试。")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DjError(f"找不到文件 {shown}；请检查路径。") from None
    except IsADirectoryError:
        raise DjError(f"{shown} 是文件夹，不是 Word 文件；请写出 .docx 文件的路径。") from None
    archive = _archive(raw, shown)
    with archive:
        names = archive.namelist()
        types = parse(_read(archive, "[Content_Types].xml", shown), shown)
        declared = {o.get("PartName", "").lstrip("/").lower(): o.get("ContentType", "")
                    for o in types.iter(f"{_CT}Override")}
        if any(t in _MACRO_TYPES for t in declared.values()) or any(
                n.lower().endswith("vbaproject.bin") for n in names):
            raise DjError(f"文件 {shown} 是带宏的 Word 文档，dj 不打开带宏的文件；"
                          f"请在 Word 中“另存为 → Word 文档（*.docx）”（宏不会保存进去）后再试。")
        main = _main_part(archive, names, shown)
        if declared.get(main.lower(), _MAIN_TYPES[0]) not in _MAIN_TYPES:
            raise DjError(f"文件 {shown} 不是 Word 文档；{_RESAVE}。")
        return parse(_read(archive, main, shown), shown)


def _archive(raw: bytes, shown: str) -> zipfile.ZipFile:
    """The zip, refused unless it is one of a sane size: checked on the directory, before anything is unpacked."""
    if not raw.startswith(b"PK\x03\x04"):
        kind = filekinds.binary_kind(raw)
        if kind is not None and kind[0].startswith("旧版 Office"):
            raise DjError(f"文件 {shown} 是旧版 Word 文件（.doc）或加了打开密码的文件；"
                          f"请在 Word 或 WPS 中去掉密码，“另存为 → Word 文档（*.docx）”后再试。")
        named = kind is not None and not kind[0].startswith("二进制")  # a PDF, a picture, an archive: say which
        what = f"是{kind[0]}，" if named and kind else "不是 Word 文档（可能只是把别的文件改成了 .docx 的名字），"
        raise DjError(f"文件 {shown} {what}dj 读不了；请发来用 Word 或 WPS 保存的 .docx 表格。")
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise DjError(f"文件 {shown} 已损坏或不完整（可能没有下载完），dj 读不了；"
                      f"请重新下载或让对方重新发送。") from None
    if len(entries) > MAX_ENTRIES:
        raise DjError(f"文件 {shown} 里有 {len(entries)} 个部件，远多于一份 Word 表格（上限 {MAX_ENTRIES}），"
                      f"dj 不解开它；请发来用 Word 或 WPS 正常保存的 .docx 表格。")
    unpacked = sum(e.file_size for e in entries)
    if unpacked > MAX_UNPACKED:
        raise DjError(f"文件 {shown} 解压后有 {_mb(unpacked)}，远超一份 Word 表格（上限 {_mb(MAX_UNPACKED)}），"
                      f"可能是“压缩炸弹”，dj 不解开它；请发来用 Word 或 WPS 正常保存的 .docx 表格。")
    if any(e.flag_bits & 0x1 for e in entries):
        raise DjError(f"文件 {shown} 加了密码，dj 读不了；请在 Word 中去掉密码后另存为 .docx 再试。")
    return archive


def _read(archive: zipfile.ZipFile, name: str, shown: str) -> bytes:
    """One part, unpacked no further than its declared size allows (a lying size fails its CRC check)."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise DjError(f"文件 {shown} 缺少 Word 文档必有的部分（{name}），不是完整的 Word 文档；{_RESAVE}。") from None
    if info.file_size > MAX_PART:
        raise DjError(f"文件 {shown} 的正文解压后有 {_mb(info.file_size)}，超过上限 {_mb(MAX_PART)}，dj 不解开它；"
                      f"请发来用 Word 或 WPS 正常保存的 .docx 表格。")
    try:
        with archive.open(info) as part:
            data = part.read(MAX_PART + 1)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError, RuntimeError):
        raise DjError(f"文件 {shown} 已损坏（{name} 解不开），dj 读不了；请重新下载或让对方重新发送。") from None
    if len(data) > MAX_PART:
        raise DjError(f"文件 {shown} 的正文解压后超过上限 {_mb(MAX_PART)}，dj 不解开它；请发来正常保存的 .docx 表格。")
    return data


def _main_part(archive: zipfile.ZipFile, names: list[str], shown: str) -> str:
    """Where the package says its document is: an internal target only, never outside the package."""
    if "_rels/.rels" in names:
        rels = parse(_read(archive, "_rels/.rels", shown), shown)
        for rel in rels.iter(f"{_RELS}Relationship"):
            if rel.get("Type") == _OFFICE_DOCUMENT and rel.get("TargetMode", "Internal") != "External":
                target = posixpath.normpath(rel.get("Target", "").lstrip("/"))
                if target in names:
                    return target
    if "word/document.xml" in names:
        return "word/document.xml"
    kind = filekinds.binary_kind(archive.fp.getvalue() if isinstance(archive.fp, io.BytesIO) else b"")
    what = kind[0] if kind is not None else "zip 压缩包"
    raise DjError(f"文件 {shown} 是{what}，不是 Word 文档；{_RESAVE}。")


def parse(data: bytes, shown: str) -> Element:
    """XML parsed by expat into an ElementTree, refusing any DOCTYPE, entity declaration or external reference."""
    from xml.parsers import expat

    parser = expat.ParserCreate(namespace_separator=" ")
    builder = TreeBuilder()
    depth = [0]

    def name(raw: str) -> str:
        uri, _, local = raw.rpartition(" ")
        return f"{{{uri}}}{local}" if uri else local

    def start(tag: str, attrs: dict[str, str]) -> None:
        depth[0] += 1
        if depth[0] > MAX_DEPTH:
            raise _Refused("深")
        builder.start(name(tag), {name(k): v for k, v in attrs.items()})

    def end(tag: str) -> None:
        depth[0] -= 1
        builder.end(name(tag))

    def refuse(*_: Any) -> Any:
        raise _Refused("声明")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    try:
        parser.Parse(data, True)
        return builder.close()
    except _Refused as e:
        if str(e) == "深":
            raise DjError(f"文件 {shown} 的结构嵌套了 {MAX_DEPTH} 层以上，不是正常的 Word 文档，dj 不读它；"
                          f"{_RESAVE}。") from None
        raise DjError(f"文件 {shown} 里含有 Word 从不写入的文档类型声明或实体声明（可能是恶意构造的文件），dj 不读它；"
                      f"请让对方用 Word 或 WPS 重新保存一份 .docx 发来。") from None
    except (expat.ExpatError, ValueError, AssertionError, IndexError):
        raise DjError(f"文件 {shown} 的内容已损坏（内部格式不对），dj 读不了；{_RESAVE}。") from None

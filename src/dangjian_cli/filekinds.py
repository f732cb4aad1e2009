"""What a file handed to dj really is when it is not text: Word, Excel, PDF, an archive or a picture, by its bytes."""

from __future__ import annotations

import io
import zipfile

_SAVE_AS_TEXT = "请在 Word 或 WPS 中打开它，“另存为 → 纯文本（*.txt）”、编码选 UTF-8，或把内容复制进记事本另存为 UTF-8"
_SAVE_AS_CSV = "请在 Excel 或 WPS 表格中打开它，“另存为 → CSV UTF-8（逗号分隔）（*.csv）”后再试"

# (first bytes, what it is, what to do): checked in order
_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF", "PDF 文件", "dj 读不了 PDF；请用这份 PDF 的 Word/WPS 原文件另存为纯文本，或用 PDF 阅读器“导出为文本”"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "旧版 Office 文件（.doc 或 .xls）",
     "请在 Word/Excel 或 WPS 中打开它：文档“另存为 → 纯文本（*.txt）”，"
     "表格“另存为 → CSV UTF-8（*.csv）”，编码选 UTF-8"),
    (b"{\\rtf", "RTF 格式的 Word 文件", _SAVE_AS_TEXT),
    (b"\x89PNG", "PNG 图片", "dj 读不了图片；请提供文字文件（把内容录入记事本，另存为 UTF-8）"),
    (b"\xff\xd8\xff", "JPEG 图片", "dj 读不了图片；请提供文字文件（把内容录入记事本，另存为 UTF-8）"),
    (b"Rar!", "RAR 压缩包", "请先解压，再把其中的文字文件交给 dj"),
    (b"7z\xbc\xaf", "7z 压缩包", "请先解压，再把其中的文字文件交给 dj"),
    (b"\x1f\x8b", "gzip 压缩包", "请先解压，再把其中的文字文件交给 dj"),
)


def binary_kind(raw: bytes) -> tuple[str, str] | None:
    """(what the file is, what to do) when `raw` is not a text at all; None for anything that may be text."""
    for magic, kind, advice in _MAGIC:
        if raw.startswith(magic):
            return kind, advice
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"PK\x05\x06"):
        return _zip_kind(raw)
    head = raw[:8192]
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "二进制文件，不是文字", "请提供用记事本等保存的 UTF-8 文字文件"
    return None


def utf16(raw: bytes) -> bool:
    """A text saved as “Unicode” by Notepad or Excel: UTF-16 with its byte-order mark."""
    return raw.startswith((b"\xff\xfe", b"\xfe\xff"))


def _zip_kind(raw: bytes) -> tuple[str, str]:
    """Office files are zip archives: Word keeps word/, Excel xl/, PowerPoint ppt/, WPS and LibreOffice a mimetype."""
    try:
        names = zipfile.ZipFile(io.BytesIO(raw)).namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        names = []
    if any(n.startswith("word/") for n in names):
        return "Word 文件（.docx）", _SAVE_AS_TEXT
    if any(n.startswith("xl/") for n in names):
        return "Excel 文件（.xlsx）", _SAVE_AS_CSV
    if any(n.startswith("ppt/") for n in names):
        return "PowerPoint 文件（.pptx）", "请把其中的文字复制进记事本，另存为 UTF-8 后再试"
    if "content.xml" in names:
        return "OpenDocument 文件（.odt 或 .ods）", ("请在 WPS 或 LibreOffice 中“另存为”纯文本（*.txt）"
                                                     "或 CSV（*.csv），编码选 UTF-8")
    return "zip 压缩包", "请先解压，再把其中的文字文件交给 dj"

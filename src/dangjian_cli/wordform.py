"""docxtpl with each template prepared once per process: read, pre-processed and compiled once, filled many times.

Only render's functions that fill templates import this module: it imports docx, docxtpl and jinja2 at its top.
A template is known by its path and the SHA-256 of its bytes, so a template edited meanwhile is read again.
"""

from __future__ import annotations

import hashlib
import io
import struct
import sys
import threading
import zlib
from collections.abc import Iterable, MutableMapping
from pathlib import Path
from typing import Any, cast

from docx import Document
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.part import Part, XmlPart
from docx.opc.phys_pkg import PhysPkgWriter
from docx.opc.pkgwriter import PackageWriter
from docxtpl import DocxTemplate  # type: ignore[import-untyped]
from jinja2 import Template, nodes
from jinja2.sandbox import SandboxedEnvironment

# docxtpl edits these parts in place while it fills a form: each fill starts from a fresh copy of the template's.
_EDITED = (CT.OPC_CORE_PROPERTIES, CT.WML_FOOTNOTES)
# docxtpl replaces these parts (headers, footers) or the body of this one with what it rendered.
_RENDERED = (CT.WML_DOCUMENT_MAIN, CT.WML_HEADER, CT.WML_FOOTER)
_DEFLATED = 8  # a zip entry's compression method: deflate
_KEPT = 32  # templates (and compiled sources) a process keeps; dj uses nine, tests a few more


class Environment(SandboxedEnvironment):
    """The sandbox user templates are rendered in, with autoescape, compiling each distinct source once."""

    def __init__(self) -> None:
        super().__init__(autoescape=True)
        self.compiled: dict[str, Template] = {}
        self.compiles = 0  # how many sources this process compiled: a test counts them

    def from_string(self, source: str | nodes.Template, globals: MutableMapping[str, Any] | None = None,
                    template_class: type[Template] | None = None) -> Template:
        if not isinstance(source, str) or globals is not None or template_class is not None:
            return super().from_string(source, globals, template_class)
        template = self.compiled.get(source)
        if template is None:
            template = super().from_string(source)
            self.compiles += 1
            if len(self.compiled) >= 8 * _KEPT:  # sources of footnotes re-rendered per section are never reused
                del self.compiled[next(iter(self.compiled))]
            self.compiled[source] = template
        return template


ENVIRONMENT = Environment()


class _Form(DocxTemplate):  # type: ignore[misc]
    """One fill of a prepared template: docxtpl's render, with the template's XML read and patched once."""

    def __init__(self, prepared: _Prepared) -> None:
        super().__init__(io.BytesIO())  # never read: the document is the prepared one
        self.docx = prepared.docx
        self.prepared = prepared

    def get_xml(self) -> str:
        return self.prepared.body_xml

    def patch_xml(self, src_xml: str) -> str:
        patched = self.prepared.patched.get(src_xml)
        if patched is None:
            patched = str(super().patch_xml(src_xml))
            if len(self.prepared.patched) >= _KEPT:
                self.prepared.patched.clear()
            self.prepared.patched[src_xml] = patched
        return patched


class _Entries:
    """Stands in for python-docx's zip writer: keeps each entry, in order, for render._stable to zip once."""

    def __init__(self) -> None:
        self.items: list[tuple[str, bytes]] = []

    def write(self, pack_uri: Any, blob: bytes) -> None:
        self.items.append((str(pack_uri.membername), blob))


class _Prepared:
    """A template read once: its document, its body's XML, and every relationship with the part it led to."""

    def __init__(self, data: bytes) -> None:
        self.docx = Document(io.BytesIO(data))
        _ = self.docx.core_properties  # a template without them gets python-docx's default part, once
        self.lock = threading.Lock()  # a fill edits the shared document
        self.patched: dict[str, str] = {}
        self.body_xml = str(DocxTemplate.get_xml(_Form(self)))
        package = self.docx.part.package
        # Parts no fill touches (styles, numbering, settings) are kept as their bytes: not serialized again for
        # every form. A copy's own relationships may lead to more such parts, hence the loop.
        frozen: dict[int, tuple[Part, Part]] = {}  # id → the part (held, so the id stays its own), its copy
        while stale := [rel for rel in package.iter_rels() if not rel.is_external and _untouched(rel.target_part)]:
            for rel in stale:
                part = rel.target_part
                if id(part) not in frozen:
                    frozen[id(part)] = (part, _copy(Part, part, part.blob))
                rel._target = frozen[id(part)][1]
        self.targets = [(rel, rel.target_part) for rel in package.iter_rels() if not rel.is_external]
        self.blobs = {id(part): part.blob for _, part in self.targets if part.content_type in _EDITED}
        # The bytes of the parts no fill touches, deflated once: most of a form's size and of its zipping.
        self.kept = [part.blob for _, part in self.targets if part.content_type not in (*_EDITED, *_RENDERED)]

    def fill(self, context: dict[str, Any]) -> list[tuple[str, bytes]]:
        """The template filled with `context`: the zip entries python-docx would save, in its order."""
        for rel, part in self.targets:  # what the last fill replaced or edited, back as the template has it
            rel._target = _copy(type(part), part, self.blobs[id(part)]) if id(part) in self.blobs else part
        _Form(self).render(context, ENVIRONMENT, autoescape=True)
        package = self.docx.part.package
        parts = package.parts
        for part in parts:
            part.before_marshal()
        entries = _Entries()
        writer = cast(PhysPkgWriter, entries)
        save: Any = PackageWriter  # python-docx's own save, step by step (these helpers of it are untyped)
        save._write_content_types_stream(writer, parts)
        save._write_pkg_rels(writer, package.rels)
        save._write_parts(writer, parts)
        return entries.items


def _untouched(part: Part) -> bool:
    """A part python-docx parsed that no fill changes."""
    return isinstance(part, XmlPart) and part.content_type not in (*_EDITED, *_RENDERED)


def _copy(kind: type[Part], part: Part, blob: bytes) -> Part:
    """A new part of `kind` with `blob` in place of `part`, related to what `part` is related to."""
    new: Part = kind.load(part.partname, part.content_type, blob, part.package)
    for rel in part.rels.values():
        new.load_rel(rel.reltype, rel._target, rel.rId, rel.is_external)
    return new


_prepared: dict[str, tuple[str, _Prepared]] = {}
# A prepared template's unchanged parts by the id of their bytes, which the entry holds so the id stays theirs.
_packed: dict[int, tuple[bytes, bytes, int]] = {}


def fill(template: Path, context: dict[str, Any]) -> list[tuple[str, bytes]]:
    """`template` filled with `context`, as zip entries; the template is read and compiled once per process."""
    prepared = prepare(template)
    with prepared.lock:
        return prepared.fill(context)


def prepare(template: Path) -> _Prepared:
    """The template read and pre-processed, from this process's cache while its bytes are the same."""
    data = template.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    key = str(template.resolve())
    known = _prepared.pop(key, None)
    if known is None or known[0] != digest:
        for _, stale in [known] if known else []:
            _forget(stale)
        while len(_prepared) >= _KEPT:  # the least recently used goes
            _forget(_prepared.pop(next(iter(_prepared)))[1])
        known = (digest, _Prepared(data))
        _packed.update({id(blob): (blob, *_deflate(blob)) for blob in known[1].kept})
    _prepared[key] = known
    return known[1]


def _forget(prepared: _Prepared) -> None:
    for blob in prepared.kept:
        _packed.pop(id(blob), None)


def _deflate(data: bytes) -> tuple[bytes, int]:
    """`data` deflated as zipfile deflates it (zlib's default level, raw stream), and its CRC-32."""
    deflater = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return deflater.compress(data) + deflater.flush(), zlib.crc32(data)


_CREATED_ON = 0 if sys.platform == "win32" else 3  # zipfile's "made by" system: 0 MS-DOS, 3 Unix
_DOS_DAY = (1 << 5) | 1  # 1980-01-01 at 00:00:00, the earliest time a zip entry can carry


def zipped(entries: Iterable[tuple[str, bytes]]) -> bytes:
    """The entries as zipfile writes them (deflated, dated 1980-01-01, mode 644), a template's parts deflated once.

    The same bytes as `ZipFile.writestr` gives for each entry, so a form's bytes do not depend on the cache.
    """
    out, directory = io.BytesIO(), io.BytesIO()
    count = 0
    for name, data in entries:
        known = _packed.get(id(data))
        deflated, crc = known[1:] if known is not None and known[0] is data else _deflate(data)
        try:
            raw, flags = name.encode("ascii"), 0
        except UnicodeEncodeError:
            raw, flags = name.encode("utf-8"), 0x800  # zipfile's flag for a UTF-8 name
        offset = out.tell()
        out.write(struct.pack("<4s2B4HL2L2H", b"PK\x03\x04", 20, 0, flags, _DEFLATED, 0, _DOS_DAY, crc,
                              len(deflated), len(data), len(raw), 0) + raw + deflated)
        directory.write(struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", 20, _CREATED_ON, 20, 0, flags,
                                    _DEFLATED, 0, _DOS_DAY, crc, len(deflated), len(data), len(raw), 0, 0,
                                    0, 0, 0o644 << 16, offset) + raw)
        count += 1
    start = out.tell()
    out.write(directory.getvalue())
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(directory.getvalue()), start, 0))
    return out.getvalue()

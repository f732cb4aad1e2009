"""Files on disk: find the data repository, id → path, read YAML strictly, write atomically."""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from dangjian_cli import atomic, filekinds, yamlio
from dangjian_cli.config import Config
from dangjian_cli.errors import DjError
from dangjian_cli.model import SCHEMA_VERSION, Project, SchemaVersioned, explain
from dangjian_cli.paths import BRANCHES_DIR as BRANCHES_DIR
from dangjian_cli.paths import CONFIG_FILE as CONFIG_FILE
from dangjian_cli.paths import PROJECTS_DIR as PROJECTS_DIR
from dangjian_cli.paths import SCHEMAS_DIR as SCHEMAS_DIR
from dangjian_cli.paths import find_root as find_root
from dangjian_cli.paths import project_path as project_path
from dangjian_cli.paths import project_relpath as project_relpath

if TYPE_CHECKING:  # branch records: only the grading commands read them, so only they pay for the model
    from dangjian_cli.branchmodel import Branch

MODELINE = "# yaml-language-server: $schema="
# A record, dj.yaml or a file handed in (an application, a score sheet, a closing report) larger than this is
# not one: a year of a project's steps takes a few dozen KB. Refused before it is read, let alone parsed.
MAX_FILE_BYTES = 1024 * 1024

M = TypeVar("M", bound=BaseModel)


def display(path: Path, root: Path | None = None) -> str:
    """A path as users should read it: relative to the data repository when possible."""
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return str(path)


def decode(raw: bytes, shown: str, limit: int = MAX_FILE_BYTES) -> str:
    """UTF-8 text with any BOM removed; anything else (Word, Excel, PDF, GBK…) is refused with a way out."""
    if len(raw) > limit:
        raise _too_large(shown, len(raw), limit)
    kind = filekinds.binary_kind(raw)
    if kind is not None:
        raise _not_text(shown, kind)
    if filekinds.utf16(raw):
        raise DjError(f"文件 {shown} 是 UTF-16 编码（记事本里的“Unicode”）；请用“另存为 → 编码 UTF-8”重新保存后再试。")
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        raw.decode("gbk")
    except UnicodeDecodeError:
        raise DjError(f"文件 {shown} 不是 UTF-8 编码的文字；"
                      f"请在记事本中“另存为 → 编码 UTF-8”重新保存后再试。") from None
    raise DjError(
        f"文件 {shown} 不是 UTF-8 编码（可能是 Windows 记事本保存的 GBK）；"
        f"请用“另存为 → 编码 UTF-8”重新保存，或运行 iconv -f GBK -t UTF-8 转换后再试。"
    )


def _not_text(shown: str, kind: tuple[str, str]) -> DjError:
    space = " " if kind[0][:1].isascii() else ""
    return DjError(f"文件 {shown} 是{space}{kind[0]}，不是 dj 能读的文字文件；{kind[1]}。")


def _too_large(shown: str, size: int, limit: int) -> DjError:
    return DjError(f"文件 {shown} 有 {_size(size)}，超过 dj 读取的上限 {_size(limit)}，不像一份记录或申报材料"
                   f"（可能选错了文件）；请检查文件后再试。")


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def parse_yaml(text: str, shown: str) -> dict[str, Any]:
    """Parse one YAML document into dicts, lists and strings only."""
    data = _load(text, shown)
    if not isinstance(data, dict):
        raise DjError(f"文件 {shown} 的内容应是“键: 值”形式的表，现在不是；请检查文件内容。")
    return data


def _load(text: str, shown: str) -> Any:
    try:
        return yamlio.load(text)
    except yamlio.Refused as e:
        raise DjError(f"文件 {shown} 第 {e.line} 行：{e.problem}；{e.fix}。") from None
    except yamlio.Malformed as e:
        where = f" 第 {e.line} 行" if e.line is not None else " "
        raise DjError(f"文件 {shown}{where}{e.problem}。") from None


def read_text(path: Path, shown: str, limit: int = MAX_FILE_BYTES) -> str:
    """A text file's content, refused (before reading it) when it is too large to be what dj expects."""
    try:
        size = path.stat().st_size
        if size > limit:
            with path.open("rb") as f:
                kind = filekinds.binary_kind(f.read(8192))
            if kind is not None and not kind[0].startswith("zip"):
                raise _not_text(shown, kind)
            raise _too_large(shown, size, limit)
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DjError(f"找不到文件 {shown}；请检查路径或编号。") from None
    except IsADirectoryError:
        raise DjError(f"{shown} 是文件夹，不是文件；请写出文件夹里那个文件的名字。") from None
    return decode(raw, shown, limit)


def read_yaml(path: Path, shown: str, limit: int = MAX_FILE_BYTES) -> dict[str, Any]:
    return parse_yaml(read_text(path, shown, limit), shown)


def check_version(data: dict[str, Any], shown: str) -> None:
    """Refuse a file written by a newer dj before reading anything else from it."""
    try:
        version = SchemaVersioned.model_validate(data).schema_version
    except ValidationError:
        raise DjError(f"文件 {shown} 的 schema_version 应为整数；请改正。") from None
    if version > SCHEMA_VERSION:
        raise DjError(
            f"文件 {shown} 的数据格式版本为 {version}，本工具只认识到 {SCHEMA_VERSION}；"
            f"请先升级 dj（pip install -U dangjian_cli）再操作。"
        )


def validate(model: type[M], data: dict[str, Any], shown: str, text: str | None = None) -> M:
    """The data as the model, or a refusal naming the file (and, given the `text` it was read from, the line)."""
    check_version(data, shown)
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise invalid(shown, explain(e, text)) from None


def read_valid(model: type[M], path: Path, shown: str) -> M:
    """A YAML file read, parsed and validated as `model`."""
    text = read_text(path, shown)
    return validate(model, parse_yaml(text, shown), shown, text)


def invalid(shown: str, problems: list[str]) -> DjError:
    """The refusal for a file with these problems: the first of them, and how many more `dj check` lists."""
    more = f"（另有 {len(problems) - 1} 处问题，运行 dj check 查看全部）" if len(problems) > 1 else ""
    return DjError(f"文件 {shown} {problems[0]}{more}；请改正后再试。")


# --- the data repository -------------------------------------------------------------


def load_config(root: Path) -> Config:
    path = root / CONFIG_FILE
    return read_valid(Config, path, CONFIG_FILE)


def load_project(root: Path, project_id: str) -> Project:
    return _read_record(Project, root, project_path(root, project_id), project_id,
                        "没有编号为 {id} 的项目（{shown} 不存在）；请用 dj list 查看已有项目。")


def _read_record(model: type[M], root: Path, path: Path, record_id: str, missing: str) -> M:
    """The record at the path its id gives, validated, and holding that id."""
    shown = display(path, root)
    refuse_links(root, path)
    if not path.is_file():
        raise DjError(missing.format(id=record_id, shown=shown))
    record = read_valid(model, path, shown)
    if getattr(record, "id", None) != record_id:
        raise DjError(f"文件 {shown} 中的编号是 {getattr(record, 'id', '')}，与文件名不符；请改正 id 或文件名。")
    return record


def project_files(root: Path, cycle: str | None = None) -> list[Path]:
    return _record_files(root, PROJECTS_DIR, cycle)


def _record_files(root: Path, folder: str, cycle: str | None) -> list[Path]:
    """Every <folder>/<cycle>/*.yaml, sorted by folder then name; a symbolic link among them is refused."""
    base = root / folder
    if cycle is not None and (not cycle or cycle in (".", "..") or "/" in cycle or "\\" in cycle):
        raise DjError(f"“{cycle}”不是年度（应形如 2025）；请检查 --cycle。")
    refuse_links(root, base if cycle is None else base / cycle)
    cycles = [base / cycle] if cycle is not None else _entries(root, base, dirs=True)
    return sorted(p for folder_path in cycles for p in _entries(root, folder_path, dirs=False))


def _entries(root: Path, folder: Path, dirs: bool) -> list[Path]:
    """The sub-folders (or the .yaml files) of `folder`; a symbolic link is refused by name."""
    try:
        with os.scandir(folder) as it:
            entries = list(it)
    except (FileNotFoundError, NotADirectoryError):
        return []
    out = []
    for entry in entries:
        if not dirs and not entry.name.endswith(".yaml"):
            continue
        if entry.is_symlink():
            _refuse_link(root, Path(entry.path))
        if entry.is_dir() if dirs else entry.is_file():
            out.append(Path(entry.path))
    return out


def refuse_links(root: Path, path: Path) -> None:
    """A record's file, or a folder on its way from the repository's root, that is a symbolic link is refused:
    dj reads and writes only what lies in the repository (a link could point anywhere)."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return
    for n in range(1, len(parts) + 1):
        here = root.joinpath(*parts[:n])
        if here.is_symlink():
            _refuse_link(root, here)


def _refuse_link(root: Path, link: Path) -> None:
    shown = link.relative_to(root).as_posix()
    what = "文件夹" if link.is_dir() else "文件"
    raise DjError(f"{shown} 是符号链接（指向 {os.readlink(link)}），dj 只读写仓库里真实的文件和文件夹；"
                  f"请把它换成真实的{what}（把内容复制进来）后再试。")


def iter_projects(root: Path, cycle: str | None = None) -> Iterator[Project]:
    for path in project_files(root, cycle):
        yield read_valid(Project, path, display(path, root))


def read_rows(path: Path) -> list[tuple[str, dict[str, str]]]:
    """A table a person filled in (a score sheet): CSV with a header row, or a YAML list of mappings.

    Each row comes with where it stands in the file (“第 3 行”), for messages.
    """
    shown = str(path)
    text = read_text(path, shown)
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text, newline=""))
        return [(f"第 {reader.line_num} 行", {str(k).strip(): (v or "").strip() for k, v in row.items() if k})
                for row in reader]
    items = _load(text, shown)
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise DjError(f"{shown} 应是一个列表，每项写一个项目的编号和各项得分（id: …，代码: 分数）；请改正后再试。")
    return [(f"第 {n} 项", {str(k): str(v) for k, v in item.items()}) for n, item in enumerate(items, start=1)]


def iter_unit_projects(root: Path, cycle: str, code: str) -> Iterator[Project]:
    """One unit's projects in a cycle, found by file name without reading the others."""
    for path in sorted((root / PROJECTS_DIR / cycle).glob(f"{cycle}-{code}-*.yaml")):
        yield load_project(root, path.stem)


def promotions(root: Path, cycles: Iterable[str], code: str, parent_id: str) -> list[str]:
    """The projects a unit filed in these cycles as promotions of `parent_id` (their `parent`).

    Only a file that names the parent is parsed: a unit's cycle can hold tens of thousands of projects.
    """
    found = []
    for cycle in dict.fromkeys(cycles):
        for path in sorted((root / PROJECTS_DIR / cycle).glob(f"{cycle}-{code}-*.yaml")):
            if parent_id.encode("utf-8") in path.read_bytes() and load_project(root, path.stem).parent == parent_id:
                found.append(path.stem)
    return found


def next_id(root: Path, cycle: str, code: str, also_taken: Iterable[str] = ()) -> str:
    """The next free number for a unit in a cycle, from the file names alone (and ids taken elsewhere)."""
    prefix = f"{cycle}-{code}-"
    stems = [p.stem for p in (root / PROJECTS_DIR / cycle).glob(f"{prefix}*.yaml")] + list(also_taken)
    numbers = [int(m.group(1)) for stem in stems if (m := re.fullmatch(re.escape(prefix) + r"([0-9]+)", stem))]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


# --- branch records (004) -------------------------------------------------------------


def branch_path(root: Path, branch_id: str) -> Path:
    """The id gives the path: branches/<round>/<id>.yaml. Nothing else can name a branch's file."""
    from dangjian_cli.branchmodel import BRANCH_ID_RE

    if not BRANCH_ID_RE.fullmatch(branch_id):
        raise DjError(f"“{branch_id}”不是有效的党支部定级编号（应形如 2026-机电-支01）；请用 dj branch list 查看编号。")
    return root / BRANCHES_DIR / branch_id[:4] / f"{branch_id}.yaml"


def load_branch(root: Path, branch_id: str) -> Branch:
    from dangjian_cli.branchmodel import Branch

    return _read_record(Branch, root, branch_path(root, branch_id), branch_id,
                        "没有编号为 {id} 的党支部定级记录（{shown} 不存在）；请用 dj branch list 查看已有记录。")


def branch_files(root: Path, round_: str | None = None) -> list[Path]:
    return _record_files(root, BRANCHES_DIR, round_ or None)


def iter_branches(root: Path, round_: str | None = None) -> list[Branch]:
    """Every branch record of a round (or of all rounds), read and validated."""
    from dangjian_cli.branchmodel import Branch

    return [read_valid(Branch, p, display(p, root)) for p in branch_files(root, round_)]


def next_branch_id(root: Path, round_: str, code: str, also_taken: Iterable[str] = ()) -> str:
    """The next free number for a unit's branch in a round: 2026-机电-支01, from the file names alone."""
    prefix = f"{round_}-{code}-支"
    stems = [p.stem for p in (root / BRANCHES_DIR / round_).glob(f"{prefix}*.yaml")] + list(also_taken)
    numbers = [int(m.group(1)) for stem in stems if (m := re.fullmatch(re.escape(prefix) + r"([0-9]+)", stem))]
    return f"{prefix}{max(numbers, default=0) + 1:02d}"


def branch_text(root: Path, branch: Branch) -> tuple[Path, str]:
    path = branch_path(root, branch.id)
    shown = display(path, root)
    refuse_links(root, path)
    old = decode(path.read_bytes(), shown) if path.exists() else None
    return path, render_yaml(record_data(branch), old, modeline(path, root, "branch.schema.json"), shown)


# --- writing -------------------------------------------------------------------------


def strip_modeline(text: str) -> str:
    first, _, rest = text.partition("\n")
    return rest if first.startswith(MODELINE) else text


def modeline(path: Path, root: Path, schema: str) -> str:
    return _modeline(path.resolve().relative_to(root.resolve()).as_posix(), schema)


def _modeline(relpath: str, schema: str) -> str:
    return f"{MODELINE}{'../' * relpath.count('/')}{SCHEMAS_DIR}/{schema}\n"


def fresh_text(relpath: str, record: Project | Branch) -> str | None:
    """What dj writes at `relpath` for a record when the file it replaces has no comments, or None when only
    the comment-keeping writer knows (the audit then reads the committed file instead of comparing bytes)."""
    from dangjian_cli.yamlemit import emit

    body = emit(record_data(record))
    schema = "project.schema.json" if isinstance(record, Project) else "branch.schema.json"
    return None if body is None else _modeline(relpath, schema) + body


def record_data(project: Project | Branch) -> dict[str, Any]:
    """The record as it is stored: model field order, defaults left out."""
    data = project.model_dump(mode="python", exclude_defaults=True)
    data.pop("schema_version", None)
    return {"schema_version": project.schema_version, **data}


def project_text(root: Path, project: Project, was: Path | None = None) -> tuple[Path, str]:
    """Where the record goes and its text, keeping the comments of the file it replaces (or `was`)."""
    path = project_path(root, project.id)
    shown = display(path, root)
    refuse_links(root, path)
    source = was if was is not None else path
    old = decode(source.read_bytes(), shown) if source.exists() else None
    return path, render_yaml(record_data(project), old, modeline(path, root, "project.schema.json"), shown)


def write_project(root: Path, project: Project, was: Path | None = None) -> Path:
    """Write the record at the path its id gives; `was` is where it lived before a renumbering."""
    path, text = project_text(root, project, was)
    atomic.write_text(path, text)
    return path


def render_yaml(data: dict[str, Any], old_text: str | None, header: str, shown: str) -> str:
    """Canonical YAML for `data`, keeping every comment the user wrote in `old_text`."""
    body = strip_modeline(old_text.replace("\r\n", "\n")) if old_text else None
    try:
        return yamlio.render(data, body, header)
    except yamlio.CommentLost as e:
        raise DjError(
            f"文件 {shown} 中的注释“{e.comment}”所在的字段将被改写，注释无法保留；"
            f"请先把这条注释移到别处（例如文件开头）再操作。"
        ) from None

"""Where things are in a data repository: its root, its folders, and the file a project's id names.

Nothing but the standard library: a command that only needs a path (`dj log` starts git with it) gets it
before the models are imported.
"""

from __future__ import annotations

import re
from pathlib import Path

from dangjian_cli.errors import DjError

CONFIG_FILE = "dj.yaml"
PROJECTS_DIR = "projects"
BRANCHES_DIR = "branches"  # 党支部分类定级 (004): branches/<round>/<id>.yaml
SCHEMAS_DIR = "schemas"

ID_PATTERN = r"^[0-9]{4}-[0-9A-Za-z\u4e00-\u9fff]{1,16}-[0-9]{3,}$"
ID_RE = re.compile(ID_PATTERN)


def find_root(start: Path | None = None, override: Path | None = None) -> Path:
    """The folder holding dj.yaml: --repo, or the nearest one walking up like git does."""
    if override is not None:
        if not (override / CONFIG_FILE).is_file():
            raise DjError(f"{override} 下没有 {CONFIG_FILE}；请检查 --repo 的路径，或先运行 dj init。")
        return override.resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise DjError(
        f"当前目录及其上级目录中都没有 {CONFIG_FILE}；请进入数据仓库目录，或用 --repo 指定，或先运行 dj init。"
    )


def project_path(root: Path, project_id: str) -> Path:
    """The id gives the path: projects/<cycle>/<id>.yaml. Nothing else can name a file."""
    return root / project_relpath(project_id)


def project_relpath(project_id: str) -> str:
    """project_path relative to the repository, as git names it (a string: 10,000 Paths cost a tenth of a second)."""
    if not ID_RE.fullmatch(project_id):
        raise DjError(f"“{project_id}”不是有效的项目编号（应形如 2025-机电-003）；请用 dj list 查看编号。")
    return f"{PROJECTS_DIR}/{project_id[:4]}/{project_id}.yaml"

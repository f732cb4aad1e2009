"""A new data repository: dj.yaml from a preset, its folders, schemas, CI, Word templates and first commit."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from importlib import resources
from pathlib import Path

from dangjian_cli import atomic, gitrepo, store
from dangjian_cli.config import CYCLE_PATTERN, PRESET_LABELS, PRESETS, Config, find_preset, preset_text
from dangjian_cli.errors import DjError

GITIGNORE = "# dj 生成的表格和临时文件不进入版本库\nout/\n__pycache__/\n.*.tmp\n"


def _set_line(text: str, key: str, value: str) -> str:
    """Replace a top-level `key:` line, keeping every comment of the preset."""
    line = f"{key}: {json.dumps(value, ensure_ascii=False)}"
    new, count = re.subn(rf"^{key}:.*$", lambda _: line, text, count=1, flags=re.M)
    return new if count else f"{line}\n{text}"


_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_ROUND = re.compile(r"^(\s+round:\s*\")(\d{4})(\")")


def _shift_calendar(text: str, years: int) -> str:
    """Move the preset's calendar to the chosen cycle: 2025-05-10 becomes 2026-05-10 for cycle 2026."""
    if not years:
        return text

    def shift(m: re.Match[str]) -> str:
        day = min(int(m.group(3)), 28) if m.group(2) == "02" else int(m.group(3))
        return f"{int(m.group(1)) + years:04d}-{m.group(2)}-{day:02d}"

    def later(m: re.Match[str]) -> str:
        return f"{m.group(1)}{int(m.group(2)) + years:04d}{m.group(3)}"

    out, inside = [], False
    for line in text.splitlines(keepends=True):
        if not line.startswith((" ", "#", "\n")):
            inside = line.startswith(("calendar:", "grading:"))  # grading (004) has its round and its own calendar
        if inside and not line.lstrip().startswith("#"):
            line = _ROUND.sub(later, _DAY.sub(shift, line))
        out.append(line)
    return "".join(out)


CI_FILES = {"github.yml": ".github/workflows/dj.yml", "gitlab-ci.yml": ".gitlab-ci.yml"}


def _write_ci(target: Path) -> list[Path]:
    """The forge's pull-request check: `dj check --base` against the target branch (kept if present)."""
    from dangjian_cli import __version__

    written = []
    for name, where in CI_FILES.items():
        path = target / where
        if not path.exists():
            text = (resources.files("dangjian_cli") / "ci" / name).read_text("utf-8")
            atomic.write_text(path, text.replace("@VERSION@", __version__))
            written.append(path)
    return written


def _copy_forms(target: Path) -> list[Path]:
    """Every template dj ships (the projects', the cycle's, the grading's), for the clerk to edit in templates/
    (an edited one is kept)."""
    from dangjian_cli import render

    copied = []
    for form in render.shipped_templates():
        path = target / render.TEMPLATES_DIR / f"{form}.docx"
        if not path.exists():
            atomic.write_bytes(path, render.template_path(None, form).read_bytes())
            copied.append(path)
    return copied


_FIRST_PERSON = re.compile(r"^(people:\n  - name: )[^\n]*\n(    email: )[^\n]*$", re.M)


def _register_clerk(text: str, clerk: tuple[str, str]) -> str:
    """The person who creates the repository is its first clerk, in place of the preset's placeholder."""
    name, email = (json.dumps(v, ensure_ascii=False) for v in clerk)
    people = store.parse_yaml(text, store.CONFIG_FILE).get("people") or []
    if any(isinstance(p, dict) and str(p.get("email", "")).lower() == clerk[1].lower() for p in people):
        return text
    new, count = _FIRST_PERSON.subn(lambda m: f"{m.group(1)}{name}\n{m.group(2)}{email}", text, count=1)
    if count:
        return new
    entry = f"people:\n  - {{name: {name}, email: {email}, unit: 组织部, roles: [clerk, approver]}}"
    new, count = re.subn(r"^people:[ \t]*(\[\])?[ \t]*$", lambda _: entry, text, count=1, flags=re.M)
    return new if count else f"{text.rstrip()}\n{entry}\n"


def preset_key(name: str) -> str:
    """The preset a clerk named, by its key or in Chinese (高校、县委组织部、乡镇、教育系统)."""
    key = find_preset(name) or find_preset(name.lower())
    if key is None:
        choices = "、".join(f"{k}（{PRESET_LABELS[k].split('（')[0]}）" for k in PRESETS)
        raise DjError(f"没有名为“{name}”的预设；请用 --preset 选一个：{choices}。")
    return key


def init(target: Path, *, preset: str = "college", org: str | None = None, cycle: str | None = None,
         config_text: str | None = None, today: dt.date | None = None,
         author: tuple[str, str] | None = None, clerk: tuple[str, str] | None = None) -> Path:
    """Create a data repository: dj.yaml from a preset, folders, schemas, git, first commit.

    Its creator (`clerk`, or git's user) is recorded as the first clerk, so that their registration
    of units and people is a legal change in the audit.
    """
    target = target.resolve()  # git runs inside target, so every path handed to it must be absolute
    if (target / store.CONFIG_FILE).exists():
        raise DjError(f"{target} 已经是 dj 数据仓库（已有 {store.CONFIG_FILE}）；无需再次初始化。")
    if cycle is not None and not re.fullmatch(CYCLE_PATTERN, cycle):
        raise DjError(f"--cycle 的值“{cycle}”不对：年度写成四位数字，例如 --cycle 2025；请改正后再试。")
    if config_text is None:
        preset = preset_key(preset)
        config_text = preset_text(preset)
        if not org:  # a preset's org is a placeholder (中共XX学院委员会), which would be printed on every form
            raise DjError("请用 --org 写上本单位党组织的全称，例如 --org 中共彩神学院委员会："
                          "它印在每一份表格的抬头和落款上。")
    if org:
        config_text = _set_line(config_text, "org", org)
    preset_cycle = str(store.parse_yaml(config_text, store.CONFIG_FILE).get("cycle", ""))
    new_cycle = cycle or str((today or dt.date.today()).year)
    config_text = _set_line(config_text, "cycle", new_cycle)
    if preset_cycle.isdigit() and new_cycle.isdigit():
        config_text = _shift_calendar(config_text, int(new_cycle) - int(preset_cycle))
    store.validate(Config, store.parse_yaml(config_text, store.CONFIG_FILE), store.CONFIG_FILE)
    target.mkdir(parents=True, exist_ok=True)
    use_git = shutil.which("git") is not None
    if use_git and author is None and gitrepo.identity(target) is None:
        raise DjError(
            "git 的 user.name/user.email 尚未设置，无法提交；"
            "请先运行 git config --global user.name \"姓名\" 和 git config --global user.email \"邮箱\"。"
        )
    creator = clerk or author or (gitrepo.identity(target) if use_git else None)
    if creator is not None:
        config_text = _register_clerk(config_text, creator)
        store.validate(Config, store.parse_yaml(config_text, store.CONFIG_FILE), store.CONFIG_FILE)
    if use_git and not gitrepo.is_repo(target):
        gitrepo.init(target)
    config_path = target / store.CONFIG_FILE
    atomic.write_text(config_path, store.modeline(config_path, target, "config.schema.json")
                       + store.strip_modeline(config_text))
    keep = target / store.PROJECTS_DIR / ".gitkeep"
    keep.parent.mkdir(exist_ok=True)
    keep.touch()
    gitignore = target / ".gitignore"
    if not gitignore.exists():
        atomic.write_text(gitignore, GITIGNORE)
    from dangjian_cli import schemas

    files = [config_path, keep, gitignore, *schemas.write(target),
             *_write_ci(target), *_copy_forms(target)]
    if use_git:
        text = gitrepo.message(f"init: 建立党建项目数据仓库（预设 {preset}）", {"Dj-Action": "init"})
        gitrepo.commit(target, files, text, author=author or clerk)
        gitrepo.write_commit_graph(target)
    return target

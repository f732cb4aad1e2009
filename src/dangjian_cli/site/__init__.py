"""`dj site`: a static, offline site from the repository alone, for the leadership and any forge's pages service.

The facts are the other commands' own: `dj stats --cycle`'s statistics, `dj due`'s deadlines, `dj todo --all`'s
tasks, `dj stats`' grading tables, each project's steps from git. Pages are plain HTML with inline CSS and SVG:
no script, no font or style from the network, only relative links.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from dangjian_cli.branchmodel import Branch
from dangjian_cli.config import Config
from dangjian_cli.errors import DjError
from dangjian_cli.index import Index
from dangjian_cli.summary import Summary

MARK = ".dj-site"  # in every folder dj site wrote: the one kind of folder it replaces


def _target(root: Path, out: Path) -> Path:
    """The folder to (re)write, refused when replacing it could lose anything dj did not write."""
    out = out.absolute()
    if out.exists() and not out.is_dir():
        raise DjError(f"--out 的 {out} 是一个文件，不是文件夹；请写一个文件夹名，例如 --out 网站。")
    if out == root.absolute() or (out / "dj.yaml").exists() or root.absolute().is_relative_to(out):
        raise DjError(f"--out 的 {out} 是数据仓库本身或包含它；网站要写进一个单独的文件夹，例如 --out 网站。")
    if out.is_dir() and any(out.iterdir()) and not (out / MARK).exists():
        raise DjError(f"--out 的文件夹 {out} 里已有不是 dj site 生成的文件，dj 不会替换它；"
                      f"请换一个空文件夹或新的文件夹名。")
    return out


def _write(folder: Path, pages: dict[str, str]) -> None:
    for name, text in pages.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def build(root: Path, config: Config, found: Index, projects: Sequence[Summary], branches: Sequence[Branch],
          out: Path, today: dt.date, cycle: str) -> tuple[Path, int]:
    """Write the site into `out` (a new folder, or one dj site wrote before) whole or not at all; (folder, pages)."""
    from dangjian_cli import due, gradingstats, report, todo
    from dangjian_cli.site import views
    from dangjian_cli.site.commits import histories

    target = _target(root, out)
    year = [p for p in projects if p.cycle == cycle]
    round_ = config.grading.round if config.grading else ""
    graded = [b for b in branches if b.round == round_]
    tasks = todo.for_repository(found, projects, branches, config)
    facts = views.Facts(
        config=config, cycle=cycle, today=today, projects=projects, year=year,
        stats=report.statistics(year, config), due=due.due(projects, config, today, None, branches), tasks=tasks,
        histories=histories(root), grading=gradingstats.tables(graded, config) if graded else [],
        grading_round=round_, ids=frozenset(p.id for p in projects))
    groups = [(p.name, p.unit, mine) for p, mine in todo.by_person(tasks, config)]
    busy = {name for name, _, _ in groups}
    waiting: dict[str, list[todo.Task]] = {}
    for t in tasks:
        if t.record:
            waiting.setdefault(t.record, []).append(t)
    pages = {"index.html": views.index(facts), "projects.html": views.projects(facts),
             "todo.html": views.todo(facts, groups, [p.name for p in config.people if p.name not in busy]),
             MARK: "dj site 生成的网站；再次运行 dj site 会整个替换这个文件夹。\n"}
    if facts.grading:
        pages["grading.html"] = views.grading(facts)
    for p in projects:
        pages[f"p/{p.id}.html"] = views.project(facts, p, waiting.get(p.id, []))
    # Written beside the old site, then put in its place: a reader never finds half a site.
    fresh = target.with_name(f".{target.name}.dj-site-{os.getpid()}")
    shutil.rmtree(fresh, ignore_errors=True)
    try:
        fresh.mkdir(parents=True)
        _write(fresh, pages)
        old = target.with_name(f".{target.name}.dj-site-old-{os.getpid()}")
        if target.exists():
            target.rename(old)
        fresh.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    return target, len(pages) - 1

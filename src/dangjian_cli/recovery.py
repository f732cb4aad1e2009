"""Retrying a step is harmless: was it done already, did a run die half way, and does its date look forgotten?

Each answer is the step's own rule, re-run on a version of the record git holds: never a reading of
git's messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dangjian_cli import gitrepo, gitstream, replay, store
from dangjian_cli.context import Context
from dangjian_cli.errors import DjError
from dangjian_cli.model import Project
from dangjian_cli.transitions import TRANSITIONS


def _history(root: Any, project: Project) -> list[gitrepo.LogEntry]:
    if not gitrepo.is_repo(root) or not gitrepo.has_head(root):
        return []
    return gitrepo.history(root, store.project_path(root, project.id))


def record_at(root: Any, rev: str, relpath: str) -> Project | None:
    """The project file as `rev` holds it, or None when it is not there or not a valid record."""
    oid = gitrepo.file_at(root, rev, relpath)
    if oid is None:
        return None
    raw = gitstream.blobs(root, [oid]).get(oid)
    try:
        return store.validate(Project, store.parse_yaml(store.decode(raw or b"", relpath), relpath), relpath)
    except DjError:
        return None


def _rerun(action: str, before: Project, ctx: Context, args: Mapping[str, Any]) -> Project | None:
    try:
        return replay.run(action, before, ctx, args)
    except DjError:
        return None


def already_done(root: Any, current: Project, action: str, ctx: Context, args: Mapping[str, Any]) -> str | None:
    """The record's last commit, when it was this very step: re-run on the version before, it gives the record."""
    entries = _history(root, current)
    if len(entries) < 2 or entries[0].trailers.get("Dj-Action") != action:
        return None
    last = entries[0]
    relpath = store.display(last.path, root) if last.path else store.project_relpath(current.id)
    before = record_at(root, f"{last.commit}^", relpath)
    if before is None:
        return None
    return last.commit if _rerun(action, before, ctx, args) == current else None


def interrupted(root: Any, project_id: str, action: str, ctx: Context, args: Mapping[str, Any]) -> Project | None:
    """The committed record, when the file, which differs from it, holds exactly what this step writes on it (dj
    died before its commit): the retry then commits the step instead of calling the file a hand edit."""
    if not store.project_path(root, project_id).is_file():
        return None
    committed = record_at(root, "HEAD", store.project_relpath(project_id))
    if committed is None:
        return None
    try:
        on_disk = store.load_project(root, project_id)
    except DjError:
        return None
    return committed if _rerun(action, committed, ctx, args) == on_disk else None


def repeats_last(before: Project, after: Project, action: str) -> bool:
    """Whether the entry this step adds equals the one the record ends with: only then can the run be a retry
    of the last one (already_done asks git), so a first run costs no look at the history."""
    for field in TRANSITIONS[action].writes:
        old, new = getattr(before, field, None), getattr(after, field, None)
        if isinstance(old, list) and isinstance(new, list) and len(new) == len(old) + 1:
            return bool(old) and new[-1] == old[-1]
    return False


def date_warning(root: Any, before: Project, action: str, ctx: Context) -> str:
    """A step dated today by default right after a back-dated one: the clerk is catching up and may have forgotten
    --date. Only then: steps months apart, each entered on its day, are the normal life of a project."""
    if not TRANSITIONS[action].in_order:
        return ""
    entries = _history(root, before)
    if not entries:
        return ""
    last = entries[0]
    said, entered = last.trailers.get("Dj-Date", ""), last.committed[:10]
    if not said or said >= entered or said == str(ctx.on):
        return ""
    step = TRANSITIONS.get(last.trailers.get("Dj-Action", ""))
    what = f"上一步（{step.label}）" if step else "上一步"
    return (f"{what}是补录的（办理日期 {said}，录入于 {entered}），这一步却没有写 --date，已按今天 {ctx.on} 记录；"
            f"如果实际不是今天办理的，请由组织部干事用 dj correct {before.id} --date 实际日期 --reason 原因 更正。")

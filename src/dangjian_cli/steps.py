"""The one transaction of every step: forms staged, records written, one git commit, or everything rolled back."""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dangjian_cli import atomic, gitrepo, replay, store
from dangjian_cli.context import Context
from dangjian_cli.errors import DjError
from dangjian_cli.kinds import PROJECT, AnyRecord, RecordKind
from dangjian_cli.model import Project, Status
from dangjian_cli.session import Session
from dangjian_cli.transitions import TRANSITIONS


@dataclass(frozen=True)
class Outcome:
    """What a step left behind: the new record, its file, the commit and the forms."""

    project: Project
    path: Path
    commit: str | None  # None when no commit was made
    forms: tuple[Path, ...] = ()  # the step's forms, in out/<id>/
    unchanged: str = ""  # the record already holds what the step writes: no commit, and why
    warning: str = ""  # the step was recorded, but something about it looks wrong (one sentence)


def context(session: Session, on: dt.date | None) -> Context:
    """The rules' view of a session: its config, who acts, the step's date and today."""
    return Context(session.config, session.actor, on or session.today, session.today)


def _summary(action: str, before: Project | None, after: Project) -> str:
    if action == "apply":
        return f"申报《{after.title}》（{after.unit}）"
    if action == "approve" and after.approval:
        return f"立项，资助 {after.approval.funding} 元"
    if action == "mid-check":
        rect = after.open_rectification
        return f"中期检查，限期 {rect.deadline} 前整改" if rect else "中期检查通过"
    if action == "score" and after.scores:
        return "录入评分"
    if action == "accept":
        if after.status is Status.approved and after.past_stages:
            done = after.past_stages[-1]
            return f"第 {done.stage} 阶段验收通过（{done.result.total} 分），进入第 {after.stage} 阶段"
        if after.result:
            verdict = "验收通过" if after.result.passed == "yes" else "验收未通过"
            return f"{verdict}，总分 {after.result.total}" + (f"，{after.result.grade}" if after.result.grade else "")
    return TRANSITIONS[action].label


def record(session: Session, action: str, before: Project | None, after: Project, on: dt.date | None,
           summary: str | None = None, args: Mapping[str, Any] | None = None) -> Outcome:
    """Write the new record and make the one commit of this step (or roll back)."""
    return record_many(session, action, [(before, after)], on, summary, args)[0]


def record_many(session: Session, action: str, changes: Sequence[tuple[Project | None, Project]],
                on: dt.date | None, summary: str | None = None,
                args: Mapping[str, Any] | None = None) -> list[Outcome]:
    """Write every changed record and make one commit holding exactly those files (or roll all back).

    The step's forms are rendered first, from the text about to be written, so a broken template
    stops the step before anything is written.
    """
    paths, sha, forms = transact(session, PROJECT, action, changes, on, summary, args)
    return [Outcome(after, path, sha, forms.get(after.id, ())) for (_, after), path in zip(changes, paths,
                                                                                          strict=True)]


def transact(session: Session, kind: RecordKind, action: str, changes: Sequence[tuple[AnyRecord | None, AnyRecord]],
             on: dt.date | None, summary: str | None = None, args: Mapping[str, Any] | None = None
             ) -> tuple[list[Path], str | None, dict[str, tuple[Path, ...]]]:
    """The transaction of any kind of record: forms staged, files written, one commit, or all rolled back."""
    root = session.root
    texts = [kind.text(root, after) for _, after in changes]
    # Staged inside out/ so the finished forms move into place with a rename.
    with tempfile.TemporaryDirectory(prefix=".dj-forms-", dir=_out_dir(root) if session.forms else None) as staging:
        staged = _stage_forms(session, kind, action, [a for _, a in changes], texts, Path(staging))
        old = {path: path.read_bytes() if path.exists() else None for path, _ in texts}
        try:
            for path, text in texts:
                atomic.write_text(path, text)
            sha = commit(session, action, changes, on or session.today, summary, args=args, kind=kind) \
                if session.commit else None
        except BaseException:
            written = {path: text.encode("utf-8") for path, text in texts}
            for path, data in old.items():
                if not path.exists() or path.read_bytes() != written[path]:
                    continue  # not what this step wrote: leave another step's file alone
                if data is None:
                    path.unlink()
                else:
                    atomic.write_bytes(path, data)
            raise
        forms = {pid: tuple(_place(p, root) for p in paths) for pid, paths in staged.items()}
    return [path for path, _ in texts], sha, forms


def _out_dir(root: Path) -> Path:
    out = root / "out"
    out.mkdir(exist_ok=True)
    return out


def _stage_forms(session: Session, kind: RecordKind, action: str, records: Sequence[AnyRecord],
                 texts: Sequence[tuple[Path, str]], staging: Path) -> dict[str, list[Path]]:
    step_forms = kind.transitions[action].forms
    if not session.forms or not step_forms:
        return {}
    from dangjian_cli import render

    return {record.id: kind.render_forms(record, session.config, step_forms, staging / record.id, root=session.root,
                                         blob=render.blob_id(text.encode("utf-8")))
            for record, (_, text) in zip(records, texts, strict=True)}


def _place(staged: Path, root: Path) -> Path:
    target = root / "out" / staged.parent.name / staged.name
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staged, target)
    return target


def commit(session: Session, action: str, changes: Sequence[tuple[AnyRecord | None, AnyRecord]], on: dt.date,
           summary: str | None, moved_from: Sequence[Path] = (), args: Mapping[str, Any] | None = None,
           kind: RecordKind = PROJECT) -> str:
    before, after = changes[0]
    ids = [a.id for _, a in changes]
    statuses = {(b.status.value if b else "new", a.status.value) for b, a in changes}
    kept = kind.recorded(args or {})
    trailers = {
        "Dj-Action": action,
        kind.trailer: ", ".join(ids),
        "Dj-From": ", ".join(sorted({f for f, _ in statuses})),
        "Dj-To": ", ".join(sorted({t for _, t in statuses})),
        "Dj-Actor": str(session.actor),
        "Dj-Entered-By": str(session.entered_by) if session.entered_by else "",
        "Dj-Date": str(on),
        # What the audit needs to re-run the step: every argument the record does not hold verbatim.
        "Dj-Args": json.dumps(kept, ensure_ascii=False, sort_keys=True, default=str) if kept else "",
    }
    target = after.id if len(ids) == 1 else f"{ids[0]} 等 {len(ids)} 个{kind.noun}"
    if not summary:
        assert isinstance(after, Project) and (before is None or isinstance(before, Project))
        summary = _summary(action, before, after)
    text = gitrepo.message(f"{action} {target}: {summary}", trailers)
    paths = [*moved_from, *(session.root / kind.path(i) for i in ids)]
    return gitrepo.commit(session.root, paths, text, author=session.author, when=session.when)


def is_dirty(session: Session, record_id: str, kind: RecordKind = PROJECT) -> bool:
    """Whether the record's file has changes dj did not commit (never, when dj does not commit)."""
    return session.commit and bool(gitrepo.dirty(session.root, [session.root / kind.path(record_id)]))


def refuse_dirty(session: Session, record_id: str, kind: RecordKind = PROJECT) -> None:
    if is_dirty(session, record_id, kind):
        raise dirty_refusal(session, record_id, kind)


def dirty_refusal(session: Session, record_id: str, kind: RecordKind = PROJECT) -> DjError:
    shown = store.display(session.root / kind.path(record_id), session.root)
    # `git checkout -- FILE` would restore the staged version, which a dj killed before its commit leaves
    undo = (f"撤销（git checkout HEAD -- {shown}，会丢掉这些修改）" if gitrepo.file_at(session.root, "HEAD", shown)
            else "删除或移走这个从未提交过的文件")
    return DjError(f"{shown} 有尚未提交的手工修改，dj 不会把它们混进自己的提交；"
                   f"请先提交（git commit {shown}）或{undo}后再试。")


def step(session: Session, project_id: str, action: str, args: Mapping[str, Any] | None = None,
         on: dt.date | None = None) -> Outcome:
    """Run one workflow step on one project: the common path of every state change.

    `args` are the step's own arguments: they go into the commit, so the audit can re-run the step.
    """
    refuse_dirty(session, project_id)
    before = store.load_project(session.root, project_id)
    after = replay.run(action, before, context(session, on), args or {})
    return record(session, action, before, after, on, args=args)

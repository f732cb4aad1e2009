"""The kinds of record dj keeps: where their files live, their model, their steps and how each step re-runs.

Projects (projects/<cycle>/<id>.yaml) and branch grading records (branches/<round>/<id>.yaml, seed 004)
go through the same transaction and the same audit; what differs between them is here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from dangjian_cli import grading, replay, store
from dangjian_cli.branchmodel import Branch
from dangjian_cli.config import Config
from dangjian_cli.context import Context
from dangjian_cli.model import Project
from dangjian_cli.transitions import BRANCH_TRANSITIONS, TRANSITIONS, Transition
from dangjian_cli.workflow import APPLICATION_FIELDS

AnyRecord = Project | Branch


@dataclass(frozen=True)
class RecordKind:
    key: str  # "project" or "branch"
    noun: str  # what users call one record
    folder: str  # the folder under the repository root
    trailer: str  # the trailer naming the records a commit changed
    model: type[BaseModel]
    transitions: Mapping[str, Transition]
    creators: frozenset[str]  # the steps that may add a file
    free: frozenset[str]  # what a commit without dj's trailers may change
    new_command: str  # how a new record is made, for findings

    def path(self, record_id: str) -> str:
        """The record's path relative to the repository root, as git names it."""
        if self.key == "project":
            return store.project_relpath(record_id)
        return store.branch_path(Path(), record_id).as_posix()

    def holds(self, path: str) -> bool:
        return path.startswith(f"{self.folder}/") and path.endswith(".yaml")

    def run(self, action: str, before: Any, ctx: Context, args: Mapping[str, Any],
            peers: grading.Peers) -> AnyRecord:
        if self.key == "project":
            return replay.run(action, before, ctx, args)
        return replay.run_branch(action, before, ctx, args, peers)

    def read_back(self, action: str, after: Any, args: Mapping[str, Any]) -> dict[str, Any]:
        if self.key == "project":
            return replay.read_back(action, after, args)
        return replay.branch_read_back(action, after, args)

    def recorded(self, args: Mapping[str, Any]) -> dict[str, Any]:
        return replay.recorded(args, replay.VERBATIM if self.key == "project" else replay.BRANCH_VERBATIM)

    def render_forms(self, record: AnyRecord, config: Config, forms: Sequence[str], out_dir: Path, *, root: Path,
                     blob: str) -> list[Path]:
        """Those of `forms` the record has the facts for, into `out_dir` (Word is imported only here)."""
        if isinstance(record, Branch):
            from dangjian_cli import gradingforms

            return [gradingforms.render_form(record, config, f, out_dir, root=root, blob=blob)
                    for f in forms if f in gradingforms.available(record)]
        from dangjian_cli import render

        return [render.render(record, config, f, out_dir, root=root, blob=blob)
                for f in forms if f in render.available(record)]

    def text(self, root: Path, record: AnyRecord) -> tuple[Path, str]:
        """Where the record goes and its text, keeping the comments of the file it replaces."""
        if isinstance(record, Branch):
            return store.branch_text(root, record)
        return store.project_text(root, record)


PROJECT = RecordKind("project", "项目", store.PROJECTS_DIR, "Dj-Project", Project, TRANSITIONS,
                     frozenset({"apply", "promote"}), frozenset(APPLICATION_FIELDS) | {"schema_version"},
                     "dj apply 或 dj promote")
# Every field of a branch's record is some step's: a hand commit may change none of them.
BRANCH = RecordKind("branch", "党支部定级记录", store.BRANCHES_DIR, "Dj-Branch", Branch, BRANCH_TRANSITIONS,
                    frozenset({"survey"}), frozenset({"schema_version"}), "dj branch survey")
KINDS = (PROJECT, BRANCH)


def kind_of(path: str) -> RecordKind | None:
    """The kind of record a repository path holds, or None when it holds none."""
    return next((k for k in KINDS if k.holds(path)), None)

"""Every project's history for the site, from one walk over git's log (a `git log` per project would take minutes
at 10,000 projects): who took which step when, with the commit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from dangjian_cli import gitrepo, gitstream, store
from dangjian_cli.model import Status
from dangjian_cli.transitions import TRANSITIONS


@dataclass(frozen=True)
class Step:
    date: str
    who: str
    what: str
    change: str
    commit: str


def _label(status: str) -> str:
    try:
        return Status(status).label
    except ValueError:
        return "新建" if status in ("", "new") else status


def _name(person: str) -> str:
    return person.split(" <")[0].strip()


def step_of(c: gitstream.CommitChanges) -> Step:
    t = c.trailers
    action = t.get("Dj-Action", "")
    what = TRANSITIONS[action].label if action in TRANSITIONS else "手工修改"
    who = _name(t.get("Dj-Actor", c.author))
    if "Dj-Entered-By" in t:
        who += f"（{_name(t['Dj-Entered-By'])} 代录）"
    change = f"{_label(t['Dj-From'])} → {_label(t['Dj-To'])}" if "Dj-From" in t and "Dj-To" in t else ""
    return Step(t.get("Dj-Date", c.committed[:10]), who, what, change, c.commit)


def histories(root: Path) -> dict[str, list[Step]]:
    """Project id → its steps, oldest first; a file dj renumbered keeps the steps of its old number."""
    if not gitrepo.is_repo(root) or not gitrepo.has_head(root):
        return {}
    out: dict[str, list[Step]] = {}
    for c in gitstream.changes(root, ["HEAD"], [store.PROJECTS_DIR]):
        step = step_of(c)
        for f in c.files:
            if f.kind == "D":
                continue
            new = PurePosixPath(f.new_path).stem
            if f.kind == "R":
                out[new] = out.pop(PurePosixPath(f.old_path).stem, [])
            out.setdefault(new, []).append(step)
    return out

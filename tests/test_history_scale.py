"""A long history: the commit-graph dj keeps, and an audit that reads records ahead and lets old versions go."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import CLERK, Dj, apply_sample, git, ok
from dangjian_cli import audit, gitstream, history

pytestmark = pytest.mark.usefixtures("no_forms")


def rel(project_id: str) -> str:
    return f"projects/{project_id[:4]}/{project_id}.yaml"


# --- the commit-graph ----------------------------------------------------------------------------


def chunks(graph: Path) -> set[bytes]:
    """The chunk ids a commit-graph file lists in its table of contents."""
    data = graph.read_bytes()
    assert data[:4] == b"CGPH", graph
    return {data[8 + 12 * i:12 + 12 * i] for i in range(data[6])}


def test_every_step_keeps_the_commit_graph_with_changed_path_filters(repo: Path, dj: Dj) -> None:
    first = apply_sample(dj)
    ok(dj, "approve", first, "--date", "2025-05-20")
    second = apply_sample(dj, date="2025-05-21")  # the last step: it must be in the graph too
    chain = repo / ".git" / "objects" / "info" / "commit-graphs" / "commit-graph-chain"
    layers = [chain.parent / f"graph-{h}.graph" for h in chain.read_text().split()]
    assert layers and all({b"BIDX", b"BDAT"} <= chunks(layer) for layer in layers)
    git(repo, "commit-graph", "verify")
    # git asks the filters of every commit it walks: none lacks one, and the other project's commits are skipped
    trace = repo.parent / "trace"
    env = {**os.environ, "GIT_TRACE2_PERF": str(trace)}
    out = subprocess.run(["git", "-c", "core.commitGraph=true", "log", "--format=%s", "--", rel(first)], cwd=repo,
                         env=env, check=True, capture_output=True, text=True).stdout
    assert second not in out and first in out
    stats = [json.loads(line.split("statistics:", 1)[1]) for line in trace.read_text(encoding="utf-8").splitlines()
             if "| bloom" in line and "statistics:" in line]
    assert stats and stats[-1]["filter_not_present"] == 0 and stats[-1]["definitely_not"] >= 1


# --- an audit over one project changed many times --------------------------------------------------


def spends(repo: Path, project_id: str, count: int, forged: set[int]) -> list[str]:
    """`count` spends of 1.00 on the approved project, written with git fast-import as dj writes them,
    except the `forged` ones, whose file records 100.00; the commit ids, oldest first."""
    base = (repo / rel(project_id)).read_text(encoding="utf-8")
    assert "spending:" not in base
    actor = f"{CLERK[0]} <{CLERK[1]}>"
    entries = ""
    stream = []
    for i in range(count):
        item = f"第{i + 1}笔 党员活动材料"
        entries += f"  - date: 2025-06-01\n    amount: {'100.00' if i in forged else '1.00'}\n    item: {item}\n"
        data = (base + "spending:\n" + entries).encode()
        args = json.dumps({"amount": "1.00", "item": item}, ensure_ascii=False, sort_keys=True)
        body = (f"spend {project_id}: 经费支出\n\nDj-Action: spend\nDj-Project: {project_id}\nDj-From: approved\n"
                f"Dj-To: approved\nDj-Actor: {actor}\nDj-Date: 2025-06-01\nDj-Args: {args}\n").encode()
        stamp = f"{actor} {1748739600 + 60 * i} +0800\n".encode()  # from 2025-06-01 09:00, a minute apart
        stream += [b"commit refs/heads/main\n", b"mark :%d\n" % (i + 1), b"author " + stamp, b"committer " + stamp,
                   b"data %d\n%s\n" % (len(body), body), b"from HEAD^0\n" if i == 0 else b"",
                   b"M 100644 inline %s\ndata %d\n%s\n" % (rel(project_id).encode(), len(data), data)]
    marks = repo.parent / "marks"
    subprocess.run(["git", "fast-import", "--quiet", f"--export-marks={marks}"], cwd=repo, input=b"".join(stream),
                   check=True)
    git(repo, "reset", "-q", "--hard", "main")
    ids = dict(line.split() for line in marks.read_text().splitlines())
    return [ids[f":{i + 1}"] for i in range(count)]


@pytest.mark.parametrize("room", ["default", "tight"])
def test_forged_steps_at_both_ends_of_a_long_history_are_found(repo: Path, dj: Dj, room: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """300 spends on one project, the first and the last forged: only they are found. Tight: records read
    ahead 7 commits at a time and room for one record only, so every version is read again from git."""
    if room == "tight":
        monkeypatch.setattr(audit, "_WINDOW", 7)
        monkeypatch.setattr(history, "_RECORD_BYTES", 1)
    pid = apply_sample(dj)
    ok(dj, "approve", pid, "--date", "2025-05-20")
    commits = spends(repo, pid, 300, forged={0, 299})
    r = dj("audit", "--json")
    assert r.exit_code == 1, r.stderr
    findings = json.loads(r.stdout)
    assert {(f["commit"], f["file"], f["field"], f["rule"]) for f in findings} == {
        (commits[0], rel(pid), "spending", "replay"), (commits[-1], rel(pid), "spending", "replay")}


def test_a_record_moved_out_of_the_projects_folder_is_a_deletion(repo: Path, dj: Dj) -> None:
    """The audit walks the whole tree and picks dj's files itself: a move out of sight is still seen."""
    pid = apply_sample(dj)
    (repo / "archive").mkdir()
    git(repo, "mv", rel(pid), f"archive/{pid}.yaml")
    git(repo, "commit", "-q", "-m", "归档")
    findings = json.loads(dj("audit", "--json").stdout)
    assert [(f["file"], f["rule"]) for f in findings] == [(rel(pid), "deleted")]


def test_trailers_read_as_git_reads_each_key(repo: Path) -> None:
    """One list of trailers per commit, read by dj, gives what git's per-key placeholders give."""
    message = ("subject\n\nbody\n\nDj-Action: spend\ndj-project: 2025-机电-001\nDj-Project: 2025-机电-002\n"
               'Dj-Args: {"amount":\n  "1.00"}\nDj-Date:\nSigned-off-by: 王干事 <wang@zzb.example>\n')
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    keys = "".join(f"%(trailers:key={k},valueonly,separator=%x2C)%x1f" for k in gitstream.TRAILERS)
    per_key = git(repo, "log", "-1", f"--format={keys}").split("\x1f")
    wanted = {k: v.strip() for k, v in zip(gitstream.TRAILERS, per_key, strict=False) if v.strip()}
    got = gitstream.parse_trailers(git(repo, "log", "-1", f"--format={gitstream.TRAILER_FORMAT}").rstrip("\n"))
    assert got == wanted == {"Dj-Action": "spend", "Dj-Project": "2025-机电-001,2025-机电-002",
                             "Dj-Args": '{"amount":\n  "1.00"}'}

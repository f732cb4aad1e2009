"""Benchmarks for dj: prints figures, asserts nothing (targets are read by people, not tests).

    python bench/bench.py [--projects 2000] [--commits 20000]

Targets: `dj --help`, `dj show` under 0.5 s; `dj list` over 2,000 projects under 3 s;
`dj log` in a 20,000-commit history under 1 s; peak memory of `dj list` under 150 MB;
`dj audit` over 20,000 commits under 60 s; `dj render --all` at 20 forms a second or better.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests" / "data"

RECORD = """\
# yaml-language-server: $schema=../../schemas/project.schema.json
schema_version: 1
id: {id}
title: 第{n}个党建项目：“党员先锋岗”引领实验室安全管理 🌟
cycle: '2025'
unit: 机电学院党委
branch: 机电学院教工第一党支部
leader: 张三
secretary: 张书记
responsible:
  first: 张书记
  direct: 赵院长
category: 作风建设
type: 创新探索型
period:
  start: 2025-05-01
  end: 2026-06-30
background: |
  实验室安全是学院工作的重中之重。

  党员教师在安全管理中应发挥先锋作用。
budget:
  - item: 安全标识制作
    amount: 300.00
status: approved
applied: 2025-05-06
applicant: 张书记
approval:
  date: 2025-05-20
  by: 王干事
  funding: 1000
"""


def dj(*args: str, cwd: Path, check: bool = True) -> tuple[float, int]:
    """Wall time and peak RSS (KiB) of one `dj` run in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "dangjian_cli", *args], cwd=cwd, check=check,
                   capture_output=True, env={**os.environ, "COLUMNS": "200"})
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before)


def best(runs: int, *args: str, cwd: Path) -> tuple[float, int]:
    results = [dj(*args, cwd=cwd) for _ in range(runs)]
    return min(r[0] for r in results), max(r[1] for r in results)


def git(cwd: Path, *args: str, stdin: bytes | None = None) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, input=stdin)


def make_repo(root: Path, projects: int) -> None:
    root.mkdir()
    shutil.copy(TESTS / "dj.yaml", root / "dj.yaml")
    folder = root / "projects" / "2025"
    folder.mkdir(parents=True)
    for n in range(1, projects + 1):
        pid = f"2025-机电-{n:03d}"
        (folder / f"{pid}.yaml").write_text(RECORD.format(id=pid, n=n), encoding="utf-8")
    git(root, "init", "-q")
    git(root, "config", "user.name", "王干事")
    git(root, "config", "user.email", "wang@zzb.example")
    git(root, "add", ".")
    git(root, "commit", "-qm", "bench")


def add_history(root: Path, commits: int, projects: int) -> None:
    """`commits` commits, each rewriting one project file, written fast with git fast-import."""
    lines = []
    for i in range(commits):
        n = i % projects + 1
        pid = f"2025-机电-{n:03d}"
        data = RECORD.format(id=pid, n=n).replace("funding: 1000", f"funding: {1000 + i % 7}").encode()
        msg = f"approve {pid}: bench\n\nDj-Action: approve\nDj-Project: {pid}\nDj-Actor: 王干事 <wang@zzb.example>\n"
        body = msg.encode()
        lines.append(b"commit refs/heads/bench\n")
        lines.append(f"committer 王干事 <wang@zzb.example> {1700000000 + i} +0800\n".encode())
        lines.append(b"data %d\n%s\n" % (len(body), body))
        if i == 0:
            lines.append(b"from HEAD\n")
        path = f"projects/2025/{pid}.yaml".encode()
        lines.append(b"M 100644 inline %s\ndata %d\n%s\n" % (path, len(data), data))
    git(root, "fast-import", "--quiet", stdin=b"".join(lines))
    git(root, "reset", "-q", "--hard", "bench")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=2000)
    parser.add_argument("--commits", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        make_repo(root, args.projects)
        print(f"dj --help                        {best(3, '--help', cwd=root)[0]:.3f} s")
        t, rss = best(3, "show", "2025-机电-001", cwd=root)
        print(f"dj show (1 of {args.projects} projects)       {t:.3f} s")
        t, rss = best(3, "list", cwd=root)
        print(f"dj list ({args.projects} projects)            {t:.3f} s, peak {rss / 1024:.0f} MB")
        t, _ = best(1, "check", cwd=root)
        print(f"dj check ({args.projects} projects)           {t:.3f} s")
        t, _ = dj("apply", "--from", str(TESTS / "application.yaml"), cwd=root)
        print(f"dj apply (one step, its form, its commit) {t:.3f} s")
        small = Path(tmp) / "small"
        make_repo(small, 200)
        t, rss = dj("render", "--all", cwd=small)
        print(f"dj render --all (200 projects, 400 forms) {t:.3f} s, peak {rss / 1024:.0f} MB")
        add_history(root, args.commits, args.projects)
        t, _ = best(3, "log", "2025-机电-007", cwd=root)
        print(f"dj log ({args.commits} commits, no commit-graph)  {t:.3f} s")
        git(root, "commit-graph", "write", "--reachable", "--changed-paths")
        t, _ = best(3, "log", "2025-机电-007", cwd=root)
        print(f"dj log ({args.commits} commits, commit-graph)     {t:.3f} s")
        # The synthetic history's trailers are incomplete, so audit reports findings: only time matters here.
        t, rss = dj("audit", "--json", cwd=root, check=False)
        print(f"dj audit ({args.commits} commits)            {t:.3f} s, peak {rss / 1024:.0f} MB")
        t, _ = dj("check", "--base", "HEAD~1000", cwd=root, check=False)
        print(f"dj check --base (1000 commits)        {t:.3f} s")


if __name__ == "__main__":
    main()

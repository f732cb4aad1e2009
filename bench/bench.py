"""Benchmarks for dj: prints figures, asserts nothing (targets are read by people, not tests).

    python bench/bench.py [--projects 2000] [--commits 20000] [--against 6aedd5e]

Targets: `dj --help`, `dj show` under 0.5 s; `dj list` over 2,000 projects under 3 s;
`dj log` in a 20,000-commit history under 1 s; peak memory of `dj list` under 150 MB;
`dj render --all` at 20 forms a second or better; `dj audit` over 20,000 legal `spend` commits
within 1.5× of the time of the version before replay (`--against 6aedd5e`), with peak memory that
does not grow with the history (20k against its last 5k close to 1: records grow with their spends,
so 20k/5k also counts bigger records). `git log --raw` over the same range is the floor.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests" / "data"

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
  funding: 1000.00
"""


# `python -c DJ ARGS…` runs dj and, as it exits, prints its own peak RSS (KiB) last on stderr.
DJ = ("import atexit, resource, runpy, sys; "
      "atexit.register(lambda: print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)); "
      "runpy.run_module('dangjian_cli', run_name='__main__', alter_sys=True)")


class Run(NamedTuple):
    seconds: float
    peak: int  # KiB: the largest of the process and those it waited for (dj's git processes)
    code: int
    out: bytes
    err: bytes

    @property
    def own(self) -> int:
        """dj's own peak RSS (KiB), without its git processes."""
        return int(self.err.split()[-1])


def run(cmd: list[str], cwd: Path) -> Run:
    """One process, timed, with the peak RSS the kernel reports for it when it is reaped."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, env={**os.environ, "COLUMNS": "200"})
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(elapsed, usage.ru_maxrss, child.returncode, out.read(), err.read())


def dj(*args: str, cwd: Path, check: bool = True, python: str = sys.executable) -> Run:
    """One `dj` run in a fresh process."""
    result = run([python, "-c", DJ, *args], cwd)
    if check and result.code:
        raise SystemExit(f"dj {' '.join(args)} exited with {result.code}: {result.err.decode()[-500:]}")
    return result


def best(runs: int, *args: str, cwd: Path) -> tuple[float, int]:
    """The fastest of `runs` runs, and the largest peak RSS (KiB, with git) among them."""
    results = [dj(*args, cwd=cwd) for _ in range(runs)]
    return min(r.seconds for r in results), max(r.peak for r in results)


def git(cwd: Path, *args: str, stdin: bytes | None = None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, input=stdin).stdout.decode()


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


ACTOR = "王干事 <wang@zzb.example>"  # the clerk of tests/data/dj.yaml: may spend for any unit
FIRST_SPEND = dt.datetime(2025, 6, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # after approval (05-20)


def spend(i: int) -> tuple[dt.datetime, dict[str, str]]:
    """The `i`-th spend of the history: when it was committed, and its arguments (its Dj-Args)."""
    when = FIRST_SPEND + dt.timedelta(minutes=30 * i)  # 20,000 spends end in July 2026
    receipt = {"receipt": f"FP{i:06d}"} if i % 2 else {}
    return when, {"amount": "10.00", "item": f"第{i + 1}笔 党员活动材料", **receipt}


def spending_entry(i: int) -> str:
    """The entry dj adds to the record's `spending:` list for the `i`-th spend (its fields in dj's order)."""
    when, args = spend(i)
    return f"  - date: {when.date()}\n" + "".join(f"    {key}: {value}\n" for key, value in args.items())


def add_history(root: Path, start: int, commits: int, projects: int) -> None:
    """Spends `start`..`start + commits` as dj writes them (10.00 each, round-robin over the
    approved projects), written fast with git fast-import."""
    lines = []
    for i in range(start, start + commits):
        n = i % projects + 1
        pid = f"2025-机电-{n:03d}"
        when, args = spend(i)
        entries = "".join(spending_entry(j) for j in range(n - 1, i + 1, projects))
        data = (RECORD.format(id=pid, n=n) + "spending:\n" + entries).encode()
        body = (f"spend {pid}: 经费支出\n\nDj-Action: spend\nDj-Project: {pid}\nDj-From: approved\n"
                f"Dj-To: approved\nDj-Actor: {ACTOR}\nDj-Date: {when.date()}\n"
                f"Dj-Args: {json.dumps(args, ensure_ascii=False, sort_keys=True)}\n").encode()
        stamp = f"{ACTOR} {int(when.timestamp())} +0800\n"
        lines.append(b"commit refs/heads/bench\n")
        lines.append(f"author {stamp}committer {stamp}".encode())
        lines.append(b"data %d\n%s\n" % (len(body), body))
        if i == start:
            lines.append(b"from HEAD\n")
        path = f"projects/2025/{pid}.yaml".encode()
        lines.append(b"M 100644 inline %s\ndata %d\n%s\n" % (path, len(data), data))
    git(root, "fast-import", "--quiet", stdin=b"".join(lines))
    git(root, "reset", "-q", "--hard", "bench")


def old_dj(rev: str, where: Path) -> str:
    """The python of a throw-away venv holding dj as it was at `rev` of this repository."""
    source, venv = where / "src", where / "venv"
    source.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([venv / "bin" / "pip", "install", "-q", str(source)], check=True, capture_output=True)
    return str(venv / "bin" / "python")


def audit_figures(root: Path, base: str, label: str, old: str | None) -> Run:
    """`dj audit --since base` (which must find nothing), the git log floor, and the old dj if given."""
    new = dj("audit", "--json", "--since", base, cwd=root, check=False)
    findings = json.loads(new.out or b"[]")
    if new.code or findings:
        for f in findings[:5]:
            print(f"  {f['commit'][:7]} {f['file']} {f['rule']}: {f['message']}")
        raise SystemExit(f"FAILED: dj audit found {len(findings)} findings (exit {new.code}) in the synthetic "
                         f"history; it must replay clean, fix add_history.")
    floor = run(["git", "log", "--raw", "--no-abbrev", f"{base}..HEAD"], root)
    print(f"dj audit ({label}, 0 findings)  {new.seconds:.3f} s, peak {new.own / 1024:.0f} MB "
          f"({new.peak / 1024:.0f} MB with git); git log --raw {floor.seconds:.3f} s, peak {floor.peak / 1024:.0f} MB; "
          f"audit/git-log {new.seconds / floor.seconds:.1f}×")
    if old:
        was = dj("audit", "--json", "--since", base, cwd=root, check=False, python=old)
        print(f"  dj audit of --against ({label})  {was.seconds:.3f} s, peak {was.own / 1024:.0f} MB "
              f"({len(json.loads(was.out or b'[]'))} findings; time only); "
              f"new/old {new.seconds / was.seconds:.2f}×")
    return new


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=2000)
    parser.add_argument("--commits", type=int, default=20000)
    parser.add_argument("--against", metavar="REV", help="also time `dj audit` of this older version, e.g. 6aedd5e")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        old = old_dj(args.against, Path(tmp) / "old") if args.against else None
        root = Path(tmp) / "repo"
        make_repo(root, args.projects)
        print(f"dj --help                        {best(3, '--help', cwd=root)[0]:.3f} s")
        t, rss = best(3, "show", "2025-机电-001", cwd=root)
        print(f"dj show (1 of {args.projects} projects)       {t:.3f} s")
        t, rss = best(3, "list", cwd=root)
        print(f"dj list ({args.projects} projects)            {t:.3f} s, peak {rss / 1024:.0f} MB")
        t, _ = best(1, "check", cwd=root)
        print(f"dj check ({args.projects} projects)           {t:.3f} s")
        t = dj("apply", "--from", str(TESTS / "application.yaml"), cwd=root).seconds
        print(f"dj apply (one step, its form, its commit) {t:.3f} s")
        small = Path(tmp) / "small"
        make_repo(small, 200)
        r = dj("render", "--all", cwd=small)
        print(f"dj render --all (200 projects, 400 forms) {r.seconds:.3f} s, peak {r.peak / 1024:.0f} MB")
        # The base's records were made by hand (the audit would call them so): audit only the spends after it.
        base = git(root, "rev-parse", "HEAD").strip()
        few = args.commits // 4
        add_history(root, 0, few, args.projects)
        first = audit_figures(root, base, f"{few} spends", old)
        add_history(root, few, args.commits - few, args.projects)
        full = audit_figures(root, base, f"{args.commits} spends", old)
        # Records grow with their spends: the last commits alone tell history's length from records' size.
        last = audit_figures(root, git(root, "rev-parse", f"HEAD~{few}").strip(),
                             f"last {few} of {args.commits} spends", old)
        print(f"dj audit peak memory {args.commits}/{few} spends  {full.own / first.own:.2f}× "
              f"({full.peak / first.peak:.2f}× with git); {args.commits}/last {few}  {full.own / last.own:.2f}× "
              f"({full.peak / last.peak:.2f}× with git)")
        t, _ = best(3, "log", "2025-机电-007", cwd=root)
        print(f"dj log ({args.commits} commits, no commit-graph)  {t:.3f} s")
        git(root, "commit-graph", "write", "--reachable", "--changed-paths")
        t, _ = best(3, "log", "2025-机电-007", cwd=root)
        print(f"dj log ({args.commits} commits, commit-graph)     {t:.3f} s")
        t = dj("check", "--base", "HEAD~1000", cwd=root, check=False).seconds
        print(f"dj check --base (1000 commits)        {t:.3f} s")


if __name__ == "__main__":
    main()

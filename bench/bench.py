"""dj at province scale: one table of medians and of ratios to peers measured in the same run.

    python bench/bench.py [--sizes 1000,10000,100000] [--only help,show,...] [--runs 5] [--pdf]
                          [--against REV] [--cache /tmp/dj-bench] [--markdown]

The targets are issue 11's. Asserts nothing and never stops at a missed target: a figure that is
slow, fails or is killed after --timeout is printed as such, with ✗. Repositories are built once
(git fast-import) and cached under --cache by size and builder version.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path

import peers
import repos
from peers import Cmd, Sample, Timing, check_jsonschema, dj_command, old_dj, typer_app, version_of

FIGURES = ("help", "show", "step", "list", "due", "check", "site", "render", "pdf", "audit", "log", "first")
INDEX = Path(".git") / "dj" / "index.sqlite3"  # where dj keeps its index: deleted for a cold run
RENDER_PROJECTS = 50  # ~150 forms: a throughput, not a start-up
PDF_PROJECTS = 33  # ~100 forms, converted in one `dj render --all --pdf`
HISTORY_PROJECTS = 2000
STEP = ("spend", repos.first_with("approved"), "10", "材料")  # a step that prints no form with DJ_NO_FORMS=1
NO_FORMS = {"DJ_NO_FORMS": "1"}


@dataclass(frozen=True)
class Row:
    figure: str
    measured: str
    peer: str = ""
    ratio: str = ""
    target: str = ""
    ok: bool | None = None  # None: a figure without a target, or one not measured

    @property
    def mark(self) -> str:
        return "" if self.ok is None else "✓" if self.ok else "✗"


def short(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.cache: Path = args.cache
        self.cache.mkdir(parents=True, exist_ok=True)
        self.timing = Timing(args.runs, args.budget, args.timeout)
        self.dj = dj_command(sys.executable)
        self.old = old_dj(args.against, self.cache) if args.against else None
        self.against: str | None = args.against
        self.commits: int = args.commits
        self.scratch = Path(tempfile.mkdtemp(prefix="dj-bench-"))

    # --- the pieces every figure uses -------------------------------------------------------------------------

    def projects(self, n: int) -> Path:
        return self.built(f"projects-{n}", repos.build_projects, n)

    def history(self, commits: int) -> Path:
        return self.built(f"history-{commits}-{HISTORY_PROJECTS}", repos.build_history, commits, HISTORY_PROJECTS)

    def built(self, name: str, build: Callable[..., None], *args: int) -> Path:
        start = time.perf_counter()
        root = repos.cached(self.cache, name, build, *args)
        if (spent := time.perf_counter() - start) > 1:
            print(f"built {root} in {spent:.0f} s", file=sys.stderr)
        return root

    def cmd(self, root: Path, *args: str, old: bool = False, env: dict[str, str] | None = None,
            before: Callable[[], None] | None = None, after: Callable[[], None] | None = None) -> Cmd:
        """This dj (or with `old` the --against one) in `root`."""
        program = self.old if old else self.dj
        assert program is not None
        return Cmd([*program, *args], root, env or {}, before, after)

    def help(self, root: Path) -> Cmd:
        return self.cmd(root, "--help")

    def step(self, root: Path, old: bool = False) -> Cmd:
        return self.cmd(root, *STEP, old=old, env=NO_FORMS, after=lambda: repos.restore(root))

    def cold(self, root: Path, *args: str) -> Cmd:
        def forget() -> None:
            for path in (root / INDEX).parent.glob(INDEX.name + "*"):  # with its -wal and -journal
                path.unlink()

        return self.cmd(root, *args, before=forget)

    def seconds(self, s: Sample) -> str:
        return s.why() if s.failure else f"{s.seconds:.3f} s"

    def ratio(self, figure: str, mine: Sample, peer: Sample, peer_name: str, limit: float,
              faster: bool = False) -> Row:
        """`mine / peer` ≤ limit, or with `faster` the speed-up `peer / mine` ≥ limit."""
        target = f">= {limit:.1f}x" if faster else f"<= {limit:.1f}x"
        if mine.failure:
            return Row(figure, self.seconds(mine), f"{self.seconds(peer)} {peer_name}", "", target, False)
        if peer.failure:
            return Row(figure, self.seconds(mine), f"{self.seconds(peer)} {peer_name}", "n/a", target)
        value = peer.seconds / mine.seconds if faster else mine.seconds / peer.seconds
        ok = value >= limit if faster else value <= limit
        return Row(figure, self.seconds(mine), f"{self.seconds(peer)} {peer_name}", f"{value:.2f}", target, ok)

    def within(self, figure: str, mine: Sample, limit: float) -> Row:
        ok = not mine.failure and mine.seconds <= limit
        return Row(figure, self.seconds(mine), "", "", f"<= {limit:g} s", ok)

    # --- the figures --------------------------------------------------------------------------------------------

    def fig_help(self, sizes: list[int]) -> Iterator[Row]:
        floor, = self.timing.measure(Cmd([sys.executable, "-c", "pass"], self.cache))
        yield Row("python -c pass", self.seconds(floor))
        mine, peer = self.timing.measure(self.help(self.cache), Cmd([*typer_app(self.cache), "--help"], self.cache))
        yield self.ratio("dj --help / bare typer --help", mine, peer, "typer", 1.2)

    def fig_show(self, sizes: list[int]) -> Iterator[Row]:
        for n in (n for n in sizes if n in (1000, 100000)):
            root = self.projects(n)
            mine, peer = self.timing.measure(self.cmd(root, "show", repos.first_with("accepted")), self.help(root))
            yield self.ratio(f"dj show ID @{short(n)} / dj --help", mine, peer, "--help", 1.5)

    def fig_step(self, sizes: list[int]) -> Iterator[Row]:
        for n in (n for n in sizes if n in (1000, 100000)):
            root = self.projects(n)
            mine, peer = self.timing.measure(self.step(root), self.help(root))
            yield self.ratio(f"dj spend (no forms) @{short(n)} / dj --help", mine, peer, "--help", 1.5)

    def whole(self, command: str, sizes: list[int]) -> Iterator[Row]:
        """`dj list` or `dj due`: warm at 10k against --help, cold at 10k, warm at 100k."""
        if 10000 in sizes:
            root = self.projects(10000)
            mine, peer = self.timing.measure(self.cmd(root, command), self.help(root))
            yield self.ratio(f"dj {command} @10k warm / dj --help", mine, peer, "--help", 2)
            cold, = self.timing.measure(self.cold(root, command), warm=False)
            yield self.within(f"dj {command} @10k cold", cold, 3)
        if 100000 in sizes:
            warm, = self.timing.measure(self.cmd(self.projects(100000), command))
            yield self.within(f"dj {command} @100k warm", warm, 1.5)

    def fig_list(self, sizes: list[int]) -> Iterator[Row]:
        return self.whole("list", sizes)

    def fig_due(self, sizes: list[int]) -> Iterator[Row]:
        return self.whole("due", sizes)

    def fig_check(self, sizes: list[int]) -> Iterator[Row]:
        if 10000 not in sizes:
            return
        root = self.projects(10000)
        peer_cmd = check_jsonschema(self.cache)
        if peer_cmd is None:
            cold, = self.timing.measure(self.cold(root, "check"), warm=False)
            yield Row("dj check @10k cold vs check-jsonschema", self.seconds(cold), "n/a (not installable)",
                      "n/a", ">= 8x")
        else:
            files = sorted(str(p.relative_to(root)) for p in (root / "projects").glob("*/*.yaml"))
            schema = repos.REPO / "schemas" / "project.schema.json"
            cold, peer = self.timing.measure(self.cold(root, "check"),
                                             Cmd([*peer_cmd, "--schemafile", str(schema), *files], root,
                                                 timeout=max(self.timing.timeout, 1800)), warm=False)
            name = f"check-jsonschema {version_of(peer_cmd)}"
            yield self.ratio("dj check @10k cold: check-jsonschema / dj", cold, peer, name, 8, faster=True)
        warm, = self.timing.measure(self.cmd(root, "check"))
        yield self.within("dj check @10k warm", warm, 1)

    def fig_site(self, sizes: list[int]) -> Iterator[Row]:
        """`dj site` of the 10k repository within 10 s, beside `dj list` of the same repository in the same run."""
        if 10000 not in sizes:
            return
        root = self.projects(10000)
        out = self.scratch / "site"
        mine, peer = self.timing.measure(self.cmd(root, "site", "--out", str(out)), self.cmd(root, "list"))
        row = self.within("dj site @10k warm", mine, 10)
        yield replace(row, peer=f"{self.seconds(peer)} dj list",
                      ratio="" if mine.failure or peer.failure else f"{mine.seconds / peer.seconds:.1f}")

    def forms(self, projects: int, pdf: bool) -> tuple[Sample, int]:
        """`dj render --all` into a fresh folder each run, and how many forms (or PDFs) the last run made."""
        root = self.built(f"projects-{projects}", repos.build_projects, projects)
        out = self.scratch / "forms"
        sample, = self.timing.measure(self.cmd(root, "render", "--all", "--out", str(out), *(["--pdf"] * pdf),
                                               env=NO_FORMS, before=lambda: shutil.rmtree(out, ignore_errors=True)))
        made = len(list((out / "pdf").glob("**/*.pdf"))) if pdf else len(list(out.glob("**/*.docx")))
        return sample, made

    def fig_render(self, sizes: list[int]) -> Iterator[Row]:
        sample, made = self.forms(RENDER_PROJECTS, pdf=False)
        figure = f"dj render --all: forms/s ({made} forms)"
        if sample.failure or not made:
            yield Row(figure, sample.why() if sample.failure else "no forms", target=">= 60/s",
                      ok=False)
            return
        rate = made / sample.seconds
        yield Row(figure, f"{rate:.1f}/s", "", "", ">= 60/s", rate >= 60)

    def fig_pdf(self, sizes: list[int]) -> Iterator[Row]:
        sample, made = self.forms(PDF_PROJECTS, pdf=True)
        figure = f"dj render --all --pdf: s per 100 PDFs ({made} made)"
        if sample.failure or not made:
            yield Row(figure, sample.why() if sample.failure else "no PDFs", target="<= 20 s",
                      ok=False)
            return
        per100 = sample.seconds * 100 / made
        yield Row(figure, f"{per100:.1f} s", "", "", "<= 20 s", per100 <= 20)

    def audited(self, commits: int, last: int | None = None) -> tuple[Path, Sample]:
        """`dj audit` over the history, or over its `last` commits only."""
        root = self.history(commits)
        since = f"HEAD~{last}" if last else repos.HISTORY_BASE
        sample, = self.timing.measure(self.cmd(root, "audit", "--json", "--since", since))
        findings = json.loads(sample.runs[-1].out or b"[]") if not sample.failure else []
        if findings:  # a history the builder made must replay clean: its findings are the builder's bug
            print(f"  ! dj audit found {len(findings)} findings in {root}, e.g. {findings[0]}", file=sys.stderr)
            sample.runs.append(sample.runs[-1]._replace(code=1))
        return root, sample

    def fig_audit(self, sizes: list[int]) -> Iterator[Row]:
        # Flat: the whole history against its last quarter, so the records (which grow with their spends)
        # are the same size in both and only the length of the history differs.
        few = self.commits // 4
        _, small = self.audited(self.commits, last=few)
        root, full = self.audited(self.commits)
        floor, = self.timing.measure(Cmd(["git", "log", "--raw", "--no-abbrev", f"{repos.HISTORY_BASE}..HEAD"], root))
        label = short(self.commits)
        yield replace(self.within(f"dj audit, {label} commits", full, 5), peer=f"{self.seconds(floor)} git log --raw")
        broken = full.failure or small.failure
        yield Row(f"dj audit, {label} commits: peak RSS with git", "—" if broken else f"{full.peak_mb:.0f} MB",
                  target="< 100 MB", ok=not broken and full.peak_mb < 100)
        growth = full.peak_mb / small.peak_mb
        yield Row(f"dj audit peak RSS {label} / its last {short(few)} commits",
                  "—" if broken else f"{full.peak_mb:.0f} MB",
                  f"{small.peak_mb:.0f} MB @last {short(few)}", "" if broken else f"{growth:.2f}", "<= 1.1x (flat)",
                  not broken and growth <= 1.1)
        if self.old:
            was, = self.timing.measure(self.cmd(root, "audit", "--json", "--since", repos.HISTORY_BASE, old=True))
            # No target: the audit replays steps the old one may not have checked at all.
            compared = self.ratio(f"dj audit {label} / --against {self.against}", full, was, "old", 1.0)
            yield replace(compared, target="", ok=None)

    def fig_log(self, sizes: list[int]) -> Iterator[Row]:
        root = self.history(self.commits)
        pid = repos.history_id(1)
        raw = Cmd(["git", "log", "--format=%H", "--", f"projects/2025/{pid}.yaml"], root)
        mine, peer = self.timing.measure(self.cmd(root, "log", pid), raw)
        yield self.ratio(f"dj log ID ({short(self.commits)} commits) / git log", mine, peer, "git log", 1.5)

    def fig_first(self, sizes: list[int]) -> Iterator[Row]:
        root = self.projects(3)
        figures = {"list": ("list",), "show": ("show", repos.project_id(0)), "step": STEP}
        for name, args in figures.items():
            figure = f"3 projects: dj {name} / --against"
            if self.old is None:
                yield Row(figure, "skipped (no --against)", target="<= 1.0x")
                continue
            new, old = (self.step(root, old) if name == "step" else self.cmd(root, *args, old=old)
                        for old in (False, True))
            mine, peer = self.timing.measure(new, old)
            yield self.ratio(figure, mine, peer, f"dj {self.against}", 1.0)


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


HEAD = ("figure", "measured", "peer", "ratio", "target", "ok")


def table(rows: list[Row], markdown: bool) -> str:
    cells = [HEAD, *((r.figure, r.measured, r.peer, r.ratio, r.target, r.mark) for r in rows)]
    if markdown:
        def md(cells_: tuple[str, ...]) -> str:
            return "| " + " | ".join(c.replace("<=", "≤").replace(">=", "≥").replace("|", "\\|") for c in cells_) + " |"

        return "\n".join([md(HEAD), "|" + "---|" * len(HEAD), *(md(c) for c in cells[1:])])
    widths = [max(width(c[i]) for c in cells) for i in range(len(HEAD))]
    return "\n".join("  ".join(c + " " * (w - width(c)) for c, w in zip(line, widths, strict=True)).rstrip()
                     for line in cells)


def describe(args: argparse.Namespace, started: dt.datetime) -> str:
    rev = subprocess.run(["git", "-C", str(repos.REPO), "describe", "--always", "--dirty"], capture_output=True,
                         text=True).stdout.strip()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"dj {metadata.version('dangjian_cli')} ({rev}), python {platform.python_version()}, "
            f"typer {metadata.version('typer')}; {os.cpu_count()} cores, load {load}; "
            f"median of up to {args.runs} runs ({args.budget:.0f} s a figure), killed after {args.timeout:.0f} s; "
            f"started {started:%Y-%m-%d %H:%M}")


def main() -> None:
    peers.launcher()  # first, while this process is small: see peers._LAUNCHER
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000", help="repository sizes (projects), comma-separated")
    parser.add_argument("--only", help=f"figures to run, comma-separated, of: {','.join(FIGURES)}")
    parser.add_argument("--runs", type=int, default=5, help="runs per command; the median is shown")
    parser.add_argument("--budget", type=float, default=90, help="seconds of runs per figure before fewer are taken")
    parser.add_argument("--timeout", type=float, default=120, help="seconds after which a run is killed and fails")
    parser.add_argument("--commits", type=int, default=20000, help="length of the spend history")
    parser.add_argument("--against", metavar="REV", help="compare the 3-project figures with dj at this revision")
    parser.add_argument("--pdf", action="store_true", help="also time PDFs (needs LibreOffice)")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/dj-bench"), help="where built repositories stay")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    wanted = args.only.split(",") if args.only else [f for f in FIGURES if f != "pdf" or args.pdf]
    unknown = set(wanted) - set(FIGURES)
    if unknown:
        parser.error(f"unknown figures {', '.join(sorted(unknown))}; choose from {', '.join(FIGURES)}")
    started = dt.datetime.now()
    bench = Bench(args)
    rows: list[Row] = []
    try:
        for name in (f for f in FIGURES if f in wanted):
            print(f"measuring {name} …", file=sys.stderr)
            for row in getattr(bench, f"fig_{name}")(sizes):
                print("  " + " | ".join(x for x in (row.figure, row.measured, row.ratio, row.mark) if x),
                      file=sys.stderr)
                rows.append(row)
    finally:
        shutil.rmtree(bench.scratch, ignore_errors=True)
    print(describe(args, started))
    print(table(rows, args.markdown))


if __name__ == "__main__":
    main()

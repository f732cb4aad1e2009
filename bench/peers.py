"""Timing a command in a fresh process, and the peers dj is measured against in the same run:
`python -c pass`, a bare typer app, check-jsonschema (in a venv of its own), an older dj."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import NamedTuple

from repos import REPO


class Run(NamedTuple):
    seconds: float
    peak: int  # KiB: the largest of the process and those it waited for (dj's git processes)
    code: int
    out: bytes
    err: bytes
    timed_out: bool


# Linux keeps a process's peak RSS across exec, so a child forked from the bench (hundreds of MB by the
# time it has built the 100k repository) would report the bench's own peak. Every command is therefore
# started by this small launcher, started once while the bench is still small.
_LAUNCHER = r"""
import json, os, signal, subprocess, sys, threading, time
for line in sys.stdin:
    job = json.loads(line)
    with open(job["out"], "wb") as out, open(job["err"], "wb") as err:
        start = time.perf_counter()
        child = subprocess.Popen(job["argv"], cwd=job["cwd"], stdout=out, stderr=err, start_new_session=True,
                                 env=job["env"])
        late = threading.Event()
        def kill():
            late.set()
            os.killpg(child.pid, signal.SIGKILL)  # its own session: the command and its git children
        timer = threading.Timer(job["timeout"], kill)
        timer.start()
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - start
        timer.cancel()
    print(json.dumps([elapsed, usage.ru_maxrss, os.waitstatus_to_exitcode(status), late.is_set()]), flush=True)
"""
_launcher: subprocess.Popen[str] | None = None


def launcher() -> subprocess.Popen[str]:
    """The process that starts every timed command; call it early, while the bench is small."""
    global _launcher
    if _launcher is None:
        _launcher = subprocess.Popen([sys.executable, "-c", _LAUNCHER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True)
    return _launcher


def run(cmd: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 120) -> Run:
    """One process, timed, with the peak RSS the kernel reports when it is reaped; killed after `timeout`."""
    import json

    with tempfile.TemporaryDirectory() as folder:
        out, err = Path(folder, "out"), Path(folder, "err")
        job = {"argv": [str(a) for a in cmd], "cwd": str(cwd), "out": str(out), "err": str(err), "timeout": timeout,
               "env": {**os.environ, "COLUMNS": "200", **(env or {})}}
        spawner = launcher()
        assert spawner.stdin is not None and spawner.stdout is not None
        spawner.stdin.write(json.dumps(job) + "\n")
        spawner.stdin.flush()
        elapsed, peak, code, late = json.loads(spawner.stdout.readline())
        return Run(elapsed, peak, code, out.read_bytes(), err.read_bytes(), late)


@dataclass(frozen=True)
class Cmd:
    """A command to time, with what must happen (untimed) before and after each of its runs."""

    argv: Sequence[str]
    cwd: Path
    env: Mapping[str, str] = field(default_factory=dict)
    before: Callable[[], None] | None = None
    after: Callable[[], None] | None = None
    timeout: float | None = None  # a peer must finish to be a peer: it may get longer than dj

    def once(self, timeout: float) -> Run:
        if self.before:
            self.before()
        try:
            return run(self.argv, self.cwd, self.env, self.timeout or timeout)
        finally:
            if self.after:
                self.after()


@dataclass
class Sample:
    """The runs of one command; a failed or killed run ends them and is what the figure reports."""

    runs: list[Run] = field(default_factory=list)

    @property
    def failure(self) -> Run | None:
        return next((r for r in self.runs if r.code or r.timed_out), None)

    @property
    def seconds(self) -> float:
        return median(r.seconds for r in self.runs)

    @property
    def peak_mb(self) -> float:
        return max(r.peak for r in self.runs) / 1024

    def why(self) -> str:
        """What went wrong, for the table: "> 120 s" (killed then) or "exit 1"."""
        bad = self.failure
        assert bad is not None
        return f"> {bad.seconds:.0f} s" if bad.timed_out else f"exit {bad.code}"


PRIME = 900.0  # seconds a first run may take: what the warm runs after it need (dj's index) is built there


@dataclass(frozen=True)
class Timing:
    runs: int = 5
    budget: float = 90.0  # seconds of timed runs per figure after the first round: slow figures get fewer runs
    timeout: float = 120.0

    def measure(self, *cmds: Cmd, warm: bool = True) -> list[Sample]:
        """Runs the commands in turn (a b a b …), so a load that comes and goes hits each alike.

        `warm`: after one untimed run each. Cold figures pass False: their `before` makes each run the first.
        """
        samples = [Sample() for _ in cmds]
        if warm:  # page cache, .pyc files and dj's index as a second run finds them
            for cmd, sample in zip(cmds, samples, strict=True):
                first = cmd.once(max(self.timeout, PRIME))
                if first.code or first.timed_out:
                    sample.runs.append(first)
        start = time.perf_counter()
        for round_ in range(self.runs):
            if round_ and time.perf_counter() - start > self.budget:
                break
            for cmd, sample in zip(cmds, samples, strict=True):
                if sample.failure is None:
                    sample.runs.append(cmd.once(self.timeout))
        for cmd, sample in zip(cmds, samples, strict=True):
            if (bad := sample.failure) is not None and not bad.timed_out:
                tail = (bad.err or bad.out).decode(errors="replace").strip()[-400:]
                print(f"  ! {' '.join(map(str, cmd.argv))[:120]} exited {bad.code}: {tail}", file=sys.stderr)
        return samples


def dj_command(python: str) -> list[str]:
    """How a user starts this python's dj: its console script."""
    script = Path(python).parent / "dj"
    if not script.exists():
        raise SystemExit(f"{python} has no dj installed beside it; run the bench with the venv's python.")
    return [str(script)]


TYPER_APP = '''\
"""A bare typer app with two commands: the floor for `dj --help`."""

import typer

app = typer.Typer()


@app.command()
def hello(name: str = "world") -> None:
    """Say hello."""
    print(f"hello {name}")


@app.command()
def bye(name: str = "world") -> None:
    """Say goodbye."""
    print(f"bye {name}")


if __name__ == "__main__":
    app()
'''


def typer_app(cache: Path) -> list[str]:
    """The bare typer app, run by the same python (and so the same typer) as dj."""
    path = cache / "typer_app.py"
    if not path.exists() or path.read_text() != TYPER_APP:
        path.write_text(TYPER_APP)
    return [sys.executable, str(path)]


def check_jsonschema(cache: Path) -> list[str] | None:
    """check-jsonschema from its own venv under the cache (installed with pip once), or None if pip cannot."""
    venv = cache / "check-jsonschema"
    script = venv / "bin" / "check-jsonschema"
    if script.exists():
        return [str(script)]
    print("installing check-jsonschema into", venv, file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    pip = subprocess.run([venv / "bin" / "pip", "install", "-q", "check-jsonschema"], capture_output=True)
    if pip.returncode or not script.exists():
        print("  pip could not install check-jsonschema:", pip.stderr.decode()[-300:], file=sys.stderr)
        return None
    return [str(script)]


def version_of(cmd: Sequence[str]) -> str:
    done = subprocess.run([*cmd, "--version"], capture_output=True, text=True)
    return done.stdout.strip().split()[-1] if done.returncode == 0 and done.stdout.strip() else "?"


def old_dj(rev: str, cache: Path) -> list[str]:
    """dj as it was at `rev` of this repository, in a venv of its own under the cache (kept per commit)."""
    sha = subprocess.run(["git", "-C", str(REPO), "rev-parse", f"{rev}^{{commit}}"], check=True,
                         capture_output=True, text=True).stdout.strip()
    where = cache / f"dj-{sha[:12]}"
    script = where / "venv" / "bin" / "dj"
    if script.exists():
        return [str(script)]
    print(f"installing dj {rev} ({sha[:12]}) into {where}", file=sys.stderr)
    source, venv = where / "src", where / "venv"
    subprocess.run(["rm", "-rf", str(where)], check=True)
    source.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", sha], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([venv / "bin" / "pip", "install", "-q", str(source)], check=True, capture_output=True)
    return [str(script)]

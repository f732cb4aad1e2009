"""A temporary data repository with a git identity, and `dj(...)` running the real CLI."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dangjian_cli.cli import app

DATA = Path(__file__).parent / "data"
CLERK = ("王干事", "wang@zzb.example")


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str


Dj = Callable[..., Run]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "core.quotepath=off", *args], cwd=repo, check=True,
                          capture_output=True, text=True).stdout


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No global git config, no DJ_DEBUG, a wide terminal: every test sees the same world."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("DJ_DEBUG", raising=False)
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(var, raising=False)


def make_repo(path: Path, user: tuple[str, str] | None = CLERK) -> Path:
    path.mkdir(parents=True)
    shutil.copy(DATA / "dj.yaml", path / "dj.yaml")
    (path / ".gitignore").write_text("out/\n", encoding="utf-8")  # as dj init writes it: forms stay local
    git(path, "init", "-q", "-b", "main")
    if user:
        git(path, "config", "user.name", user[0])
        git(path, "config", "user.email", user[1])
        git(path, "add", "dj.yaml", ".gitignore")
        git(path, "commit", "-q", "-m", "配置")
    return path


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = make_repo(tmp_path / "repo")
    monkeypatch.chdir(path)
    return path


@pytest.fixture
def dj() -> Dj:
    runner = CliRunner()

    def run(*args: str) -> Run:
        result = runner.invoke(app, list(args), catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    return run


def ok(dj: Dj, *args: str) -> str:
    """Run dj, which must succeed; what it printed."""
    r = dj(*args)
    assert r.exit_code == 0, r.stderr
    return r.stdout


@pytest.fixture
def no_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    """Steps print no Word forms: for stories about something else (`pytestmark = pytest.mark.usefixtures(…)`)."""
    monkeypatch.setenv("DJ_NO_FORMS", "1")


def apply_sample(dj: Dj, *extra: str, date: str = "2025-05-06") -> str:
    """File the sample application; return the new id."""
    r = dj("apply", "--from", str(DATA / "application.yaml"), "--date", date, "--json", *extra)
    assert r.exit_code == 0, r.stderr
    import json

    return str(json.loads(r.stdout)["id"])


def points(*values: str) -> list[str]:
    keys = ("completeness", "process", "participation", "education", "strengthening")
    out: list[str] = []
    for key, value in zip(keys, values, strict=True):
        out += ["--item", f"{key}={value}"]
    return out


@pytest.fixture
def forge(tmp_path: Path) -> Path:
    """A bare repository holding main with the data repository's dj.yaml, as GitHub or Gitea would."""
    seed = make_repo(tmp_path / "seed")
    bare = tmp_path / "forge.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    git(seed, "push", "-q", str(bare), "main")
    return bare


def clone(forge: Path, where: Path, user: tuple[str, str]) -> Path:
    """Somebody's own clone of the forge, with their git identity."""
    git(forge.parent, "clone", "-q", str(forge), str(where))
    git(where, "config", "user.name", user[0])
    git(where, "config", "user.email", user[1])
    return where

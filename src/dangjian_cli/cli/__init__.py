"""The `dj` command: one short function per command — parse, call, print."""

# Importing a module registers its commands; this order is the order of `dj --help`.
from dangjian_cli.cli import setup, lifecycle, panels, paperwork, reading, review  # noqa: F401, I001
from dangjian_cli.cli.base import app


def main() -> None:
    app()


__all__ = ["app", "main"]

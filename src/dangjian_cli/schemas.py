"""The JSON Schemas under schemas/ that give editors Chinese hints: the records', dj.yaml's and an application's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dangjian_cli import atomic
from dangjian_cli.paths import SCHEMAS_DIR


def dump(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


def all_schemas() -> dict[str, dict[str, Any]]:
    """Each file's name and its schema."""
    from dangjian_cli.branchmodel import Branch
    from dangjian_cli.config import Config
    from dangjian_cli.examples import application_schema
    from dangjian_cli.model import Project

    return {"project.schema.json": Project.model_json_schema(), "config.schema.json": Config.model_json_schema(),
            "branch.schema.json": Branch.model_json_schema(), "application.schema.json": application_schema()}


def write(root: Path) -> list[Path]:
    """Write every schema into the repository's schemas/."""
    out = []
    for name, schema in all_schemas().items():
        path = root / SCHEMAS_DIR / name
        atomic.write_text(path, dump(schema))
        out.append(path)
    return out

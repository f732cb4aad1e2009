"""`dj init` from each preset, and the committed JSON Schemas kept current."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import CLERK, Dj, git
from dangjian_cli import store
from dangjian_cli.config import Config
from dangjian_cli.model import Project

ROOT = Path(__file__).parent.parent


@pytest.fixture
def identity(tmp_path: Path) -> None:
    git(tmp_path, "config", "--global", "user.name", CLERK[0])
    git(tmp_path, "config", "--global", "user.email", CLERK[1])


@pytest.mark.parametrize("preset, criterion", [
    ("college", "项目完整性"), ("county", "群众满意率"), ("township", "目标实现率"), ("school", ""),
])
def test_init_writes_a_ready_repository_from_a_preset(tmp_path: Path, dj: Dj, identity: None,
                                                       preset: str, criterion: str) -> None:
    target = tmp_path / "党建项目"
    r = dj("init", str(target), "--preset", preset, "--org", "中共某某委员会", "--cycle", "2026")
    assert r.exit_code == 0, r.stderr

    text = (target / "dj.yaml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=schemas/config.schema.json\n")
    assert "\n#" in text  # the preset's explanatory comments are kept
    config = Config.model_validate(yaml.load(text, Loader=yaml.BaseLoader))
    assert config.org == "中共某某委员会" and config.cycle == "2026"
    assert criterion in {c.name for c in config.acceptance.criteria} or not criterion
    assert (target / "projects").is_dir()
    assert "out/" in (target / ".gitignore").read_text(encoding="utf-8")
    assert json.loads((target / "schemas" / "project.schema.json").read_text(encoding="utf-8"))["title"] == "Project"
    assert json.loads((target / "schemas" / "application.schema.json").read_text(encoding="utf-8"))["title"] == "申报书"
    assert git(target, "status", "--porcelain") == ""
    assert git(target, "log", "--format=%s").strip().startswith("init:")
    # every template for the clerk to edit, the grading's (004 附表1—5) beside the projects', committed
    committed = set(git(target, "ls-files", "templates").split())
    assert {"templates/application.docx", "templates/ledger.docx", "templates/grading_rubric.docx",
            "templates/grading_branch.docx", "templates/grading_summary.docx",
            "templates/grading_rectification.docx"} <= committed
    from docx import Document

    title = [p.text for p in Document(str(target / "templates" / "grading_summary.docx")).paragraphs]
    assert "高等学校基层党支部分类定级汇总表" in title


def test_college_preset_carries_001s_rules(tmp_path: Path, dj: Dj, identity: None) -> None:
    target = tmp_path / "college"
    assert dj("init", str(target), "--preset", "高校", "--org", "中共彩神学院委员会").exit_code == 0
    config = store.load_config(target)
    assert config.funding.standard == 1000  # 001: 每个项目 1000 元
    assert config.categories == [
        "作风建设", "发展党员质量", "党员教育管理", "服务型党支部", "创新支部活动", "大学生党支部",
    ]
    assert sum(c.max for c in config.acceptance.criteria) == 100
    assert [t.name for t in config.types] == ["创新探索型", "典型示范型", "制度推广型"]


def test_init_twice_or_with_an_unknown_preset_is_refused(tmp_path: Path, dj: Dj, identity: None) -> None:
    target = tmp_path / "r"
    assert dj("init", str(target), "--org", "中共彩神学院委员会").exit_code == 0
    again = dj("init", str(target))
    assert again.exit_code == 1 and "已经是 dj 数据仓库" in again.stderr
    unknown = dj("init", str(tmp_path / "x"), "--preset", "province", "--org", "中共某某委员会")
    assert unknown.exit_code == 1
    assert "没有名为“province”的预设" in unknown.stderr and "college（高校党委）" in unknown.stderr
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("name, key", [("高校", "college"), ("县委组织部", "county"), ("乡镇", "township"),
                                       ("教育系统", "school"), ("School", "school")])
def test_a_preset_may_be_named_in_chinese(tmp_path: Path, dj: Dj, identity: None, name: str, key: str) -> None:
    target = tmp_path / "r"
    r = dj("init", str(target), "--preset", name, "--org", "中共某某委员会")
    assert r.exit_code == 0, r.stderr
    assert f"（预设 {key}）" in r.stdout
    assert git(target, "log", "--format=%s").strip() == f"init: 建立党建项目数据仓库（预设 {key}）"


def test_init_without_org_asks_for_it_and_writes_nothing(tmp_path: Path, dj: Dj, identity: None) -> None:
    """Without --org every form would be headed 中共XX学院委员会."""
    r = dj("init", str(tmp_path / "r"), "--preset", "college")
    assert r.exit_code == 1
    assert "请用 --org 写上本单位党组织的全称" in r.stderr
    assert not (tmp_path / "r").exists()


def test_a_cycle_that_is_not_a_year_is_named_as_the_option_the_user_gave(tmp_path: Path, dj: Dj,
                                                                          identity: None) -> None:
    r = dj("init", str(tmp_path / "r"), "--org", "中共某某委员会", "--cycle", "2025年")
    assert r.exit_code == 1
    assert "--cycle 的值“2025年”不对：年度写成四位数字" in r.stderr and "dj.yaml" not in r.stderr
    assert not (tmp_path / "r").exists()


def test_git_shows_chinese_file_names_as_they_are(tmp_path: Path, dj: Dj, identity: None) -> None:
    target = tmp_path / "r"
    assert dj("init", str(target), "--org", "中共某某委员会").exit_code == 0
    (target / "projects" / "机电.txt").write_text("x", encoding="utf-8")
    plain = subprocess.run(["git", "status", "--porcelain"], cwd=target, capture_output=True, text=True).stdout
    assert plain == "?? projects/机电.txt\n"  # git's default would print "projects/\346\234\272\347\224\265.txt"


@pytest.mark.parametrize("name", ["project.schema.json", "config.schema.json", "branch.schema.json",
                                  "application.schema.json"])
def test_committed_schemas_match_the_models(name: str) -> None:
    """Editors complete fields from schemas/; a model change without `dj schema` fails here."""
    from dangjian_cli import schemas

    committed = (ROOT / "schemas" / name).read_text(encoding="utf-8")
    assert committed == schemas.dump(schemas.all_schemas()[name]), "运行 dj schema 更新 schemas/"


def test_schema_titles_are_chinese() -> None:
    props = Project.model_json_schema()["properties"]
    assert props["leader"]["title"] == "项目执行者"
    assert props["responsible"]["title"] == "责任人"

"""Files a branch fills in and hands to the clerk, as commented examples to copy (`dj new`), and the schema
that gives an application file its Chinese hints in an editor wherever it is saved."""

from __future__ import annotations

import os
from pathlib import Path

from dangjian_cli import atomic, store
from dangjian_cli.config import Config
from dangjian_cli.model import CLOSING_SECTIONS, Project
from dangjian_cli.workflow import APPLICATION_FIELDS

APPLICATION_SCHEMA = "application.schema.json"  # written by schemas.py

KINDS = {"application": ("申报书.yaml", "申报书"), "report": ("结题报告.md", "结题报告")}


def application_schema() -> dict[str, object]:
    """The project record's schema cut down to what an application holds (`dj apply --from`)."""
    schema = Project.model_json_schema()
    properties = schema["properties"]
    schema["properties"] = {k: properties[k] for k in APPLICATION_FIELDS if k in properties}
    schema["required"] = [k for k in schema.get("required", []) if k in schema["properties"]]
    schema["title"] = "申报书"
    schema["description"] = "dj apply --from 读取的申报内容：键与项目记录相同，编号、状态和日期由 dj 填写。"
    schema["additionalProperties"] = False
    return schema


def _title(model: type[Project] | type[object], field: str) -> str:
    info = getattr(model, "model_fields", {}).get(field)
    return str(info.title) if info is not None and info.title else field


def _choices(names: list[str]) -> str:
    return "、".join(names) if names else "（dj.yaml 中尚未登记）"


def application(config: Config, schema_ref: str | None) -> str:
    """A complete application to copy: every field with its Chinese name, and the choices dj.yaml allows.

    Inside a repository it names the repository's schema, so an editor hints every field in Chinese.
    """
    from dangjian_cli.model import BudgetLine, Milestone, Period, Responsible

    unit = config.units[0].name if config.units else "机电学院党委"
    category = config.categories[0]
    kind = config.types[0].name
    year = int(config.cycle)

    def t(field: str) -> str:
        return _title(Project, field)

    modeline = f"{store.MODELINE}{schema_ref}\n" if schema_ref else ""
    return f"""{modeline}# 项目申报书。把每一项换成本支部的内容，再由组织部干事在数据仓库里运行：
#     dj apply --from 申报书.yaml
# 以 # 开头的是说明，可以留着。用 VS Code（装 YAML 插件）打开时，每个字段都有中文提示。
# 含冒号、引号或以符号开头的内容，请整段放在引号里；多段文字写在 | 下面，每行缩进两个空格。

title: "示例：“党员先锋岗”引领实验室安全管理"   # {t("title")}
unit: {unit}   # {t("unit")}，可选：{_choices([u.name for u in config.units])}
branch: 机电学院教工第一党支部   # {t("branch")}
leader: 张三   # {t("leader")}
secretary: 张书记   # {t("secretary")}
responsible:   # {t("responsible")}
  first: 张书记   # {_title(Responsible, "first")}
  direct: 赵院长   # {_title(Responsible, "direct")}
category: {category}   # {t("category")}，可选：{_choices(config.categories)}
type: {kind}   # {t("type")}，可选：{_choices([x.name for x in config.types])}
period:   # {t("period")}（年-月-日）
  start: {year}-05-01   # {_title(Period, "start")}
  end: {year + 1}-06-30   # {_title(Period, "end")}
background: |   # {t("background")}
  实验室安全是学院工作的重中之重。

  党员教师在安全管理中应发挥先锋作用。
plan: |   # {t("plan")}
  设立党员先锋岗，每周巡查一次。
goals: |   # {t("goals")}
  全年实验室零事故。
measures: |   # {t("measures")}
  支部书记亲自抓，每月在支委会上通报。
milestones:   # {t("milestones")}：每项写 {_title(Milestone, "date")} 和 {_title(Milestone, "content")}
  - {{date: {year}-06-30, content: 设岗定责}}
  - {{date: {year}-12-31, content: 中期总结}}
budget:   # {t("budget")}：每项写 {_title(BudgetLine, "item")} 和 {_title(BudgetLine, "amount")}，金额加引号
  - {{item: 安全标识制作, amount: "300.00"}}
  - {{item: 培训资料, amount: "450.50"}}
"""


_REPORT_HINTS = {"overview": "项目的由来、目标和立项以来的基本情况",
                 "implementation": "按进度安排做了哪些工作、参与人数、经费使用",
                 "achievements": "取得的成效、形成的制度和可推广的做法",
                 "evaluation": "支部的自我评价、存在的不足和下一步打算"}


def report() -> str:
    """A closing report to copy: the four sections dj requires, each with what belongs in it."""
    parts = [f"## {title}\n\n（在这里写{_REPORT_HINTS.get(key, '这一部分的内容')}）\n"
             for key, title in CLOSING_SECTIONS.items()]
    return ("<!-- 结题报告：保留下面四个二级标题（## 开头的行），每部分都要有内容，再由干事运行\n"
            "     dj close 项目编号 --report 结题报告.md -->\n\n" + "\n".join(parts))


def schema_ref(file: Path, root: Path) -> str:
    """How the file at `file` names the repository's application schema: relative when it can."""
    schema = (root / store.SCHEMAS_DIR / APPLICATION_SCHEMA).resolve()
    try:
        return Path(os.path.relpath(schema, file.resolve().parent)).as_posix()
    except ValueError:  # another drive on Windows
        return schema.as_uri()


def write(kind: str, file: Path, config: Config, root: Path | None) -> Path:
    """Write the example of `kind` at `file`, never over an existing file."""
    from dangjian_cli.errors import DjError

    if file.exists():
        raise DjError(f"{file} 已经存在；请换一个文件名（dj new {kind} 新文件名），或先把原文件改名。")
    if kind == "application":
        text = application(config, schema_ref(file, root) if root is not None else None)
    else:
        text = report()
    atomic.write_text(file, text)
    return file

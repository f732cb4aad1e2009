"""`dj check`: validate dj.yaml and every project file, listing each problem with file and field."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from dangjian_cli import gitstream, index, scoring, store
from dangjian_cli.config import Config, Rubric
from dangjian_cli.errors import DjError
from dangjian_cli.index import Judge
from dangjian_cli.model import Project, ScoreSheet, Status, explain

S = Status
_APPROVED = {S.approved, S.rectifying, S.midchecked, S.closed, S.accepted, S.failed}


@dataclass(frozen=True)
class Problem:
    """One thing wrong, in the shape `dj check --json` and `dj audit --json` both print."""

    file: str
    message: str
    field: str = ""
    rule: str = "invalid"  # invalid (a file dj cannot accept) or what dj audit found: hand-edit, role, …
    commit: str = ""

    def __str__(self) -> str:
        field = f" 字段 {self.field}" if self.field else ""
        where = f"（提交 {self.commit[:7]}）" if self.commit else ""
        return f"{self.file}{field}{where}：{self.message}"


def _load(path: Path, root: Path, model: type[Config] | type[Project]) -> tuple[object | None, list[Problem]]:
    shown = store.display(path, root)
    try:
        data = store.read_yaml(path, shown)
        store.check_version(data, shown)
        return model.model_validate(data), []
    except DjError as e:
        return None, [Problem(shown, e.message)]
    except ValidationError as e:
        return None, [Problem(shown, p) for p in explain(e)]


def status_problems(project: Project, config: Config) -> list[str]:
    """Workflow fields that do not agree with the status (a hand edit, most likely)."""
    out = []
    status = project.status
    if status in _APPROVED and project.approval is None:
        out.append(f"字段 approval：状态为“{status.label}”却没有立项记录")
    if status is S.rejected and project.rejection is None:
        out.append("字段 rejection：状态为“未立项”却没有不予立项的记录")
    if status is S.terminated and project.termination is None:
        out.append("字段 termination：状态为“已终止”却没有终止记录")
    if status is S.rectifying and project.open_rectification is None:
        out.append("字段 rectifications：状态为“整改中”却没有未完成的整改通知")
    if status in (S.closed, S.accepted, S.failed) and project.closing_report is None:
        out.append(f"字段 closing_report：状态为“{status.label}”却没有结题报告")
    if project.stage > project.stages:
        out.append(f"字段 stage：当前阶段 {project.stage} 大于阶段数 {project.stages}")
    if status in (S.accepted, S.failed):
        if project.result is None:
            out.append(f"字段 result：状态为“{status.label}”却没有验收结果")
        elif project.scores:
            rules = config.acceptance
            expected = scoring.trimmed_mean([s.total for s in project.scores], rules.trim_from)
            if project.result.total != expected:
                out.append(f"字段 result.total：验收总分 {project.result.total} 与评分算出的 {expected} 不符")
            if (project.result.passed == "yes") != (status is S.accepted):
                out.append("字段 result.passed：是否通过与项目状态不符")
    return out + score_problems(project, config) + money_problems(project)


def score_problems(project: Project, config: Config) -> list[str]:
    """Each sheet's total follows from its points (and the criteria's weights)."""
    sheets: list[tuple[str, ScoreSheet, Rubric]] = [("scores", s, config.acceptance) for s in project.scores]
    if project.competition and config.competition:
        sheets += [("competition.scores", s, config.competition.defense) for s in project.competition.scores]
    out = []
    for field, sheet, rubric in sheets:
        expected = scoring.sheet_total(sheet.points, rubric)
        if sheet.total != expected:
            out.append(f"字段 {field}：{sheet.reviewer} 的合计 {sheet.total} 与各项得分算出的 {expected} 不符")
    return out


def money_problems(project: Project) -> list[str]:
    out = []
    if project.spending and project.approval is None:
        out.append("字段 spending：项目尚未立项，不应有经费支出")
    elif project.spent > project.granted:
        out.append(f"字段 spending：已支出 {project.spent} 元，超过资助经费 {project.granted} 元")
    retained = project.result.retained if project.result else None
    if retained is not None and retained != project.balance:
        out.append(f"字段 result.retained：留存 {retained} 元与结余 {project.balance} 元不符")
    return out


def _line(text: str, needle: str, after: int = 0) -> int:
    """The line (from 1) where `needle` first stands at or after line `after`; 0 when it is not found."""
    lines = text.splitlines()
    return next((n for n in range(after, len(lines)) if needle in lines[n]), -1) + 1


def people_problems(config: Config, text: str) -> list[Problem]:
    """People dj cannot tell apart, or whose unit matches no unit (回避 and the applicant's reach follow the unit)."""
    import difflib

    out = []
    names = [u.name for u in config.units]
    first_of: dict[str, tuple[int, str]] = {}
    for n, person in enumerate(config.people, start=1):
        line = _line(text, person.email) or _line(text, person.name)
        where = f"第 {line} 行，" if line else ""
        key = person.email.strip().lower()
        if key in first_of:
            other_line, other = first_of[key]
            out.append(Problem(store.CONFIG_FILE, f"{where}{person.name} 与第 {other_line} 行的 {other} 用同一个邮箱 "
                                                  f"{person.email}：dj 按邮箱认人，两人的每一步都会记在先写的那位名下；"
                                                  f"请给每人写自己的邮箱（与其 git 的 user.email 一致）",
                               field=f"people 第 {n} 项"))
        else:
            first_of[key] = (line, person.name)
        if not person.unit or person.unit in names:
            continue
        unit = config.find_unit(person.unit)
        close = [unit.name] if unit else difflib.get_close_matches(person.unit, names, n=1, cutoff=0.6)
        if close:
            out.append(Problem(store.CONFIG_FILE, f"{where}{person.name} 的单位“{person.unit}”不是 units 中的单位名称，"
                                                  f"是不是“{close[0]}”？回避和申报权限按单位名称比对，写错了就不起作用；"
                                                  f"请改为 units 中的名称", field=f"people 第 {n} 项 unit"))
    return out


def judging(root: Path, config: Config | None) -> tuple[Judge, str]:
    """What `dj check` finds in one file under this dj.yaml, and the key its findings are kept under."""
    rules = gitstream.blob_id((root / store.CONFIG_FILE).read_bytes()) if config is not None else ""

    def judge(shown: str, project: Project) -> tuple[str, ...]:
        from dangjian_cli.workflow import reference_problems  # only when a file is read: list stays light

        found = []
        expected = store.project_relpath(project.id)  # relative, as `shown` is
        if shown != expected:
            found.append(f"字段 id：编号 {project.id} 应保存在 {expected}")
        if config is not None:
            found += reference_problems(project, config) + status_problems(project, config)
        return tuple(found)

    return judge, rules


def repository_index(root: Path, config: Config) -> index.Index:
    """The project files' summaries; a file read for them is judged too, so `dj check` finds it done."""
    return index.load(root, *judging(root, config))


def check_repository(root: Path) -> tuple[list[Problem], int]:
    """Every problem in dj.yaml and the project files, and how many files there are.

    A file already checked under the same dj.yaml is not read again.
    """
    config, problems = _load(root / store.CONFIG_FILE, root, Config)
    if isinstance(config, Config):
        problems += people_problems(config, (root / store.CONFIG_FILE).read_text("utf-8", errors="replace"))
    found = index.load(root, *judging(root, config if isinstance(config, Config) else None), problems=True)
    seen: dict[str, str] = {}
    for path, summary in found.files():
        problems += [Problem(path, m) for m in found.problems.get(path, ())]
        if summary is not None:
            if summary.id in seen:
                problems.append(Problem(path, f"字段 id：编号 {summary.id} 与 {seen[summary.id]} 重复"))
            seen.setdefault(summary.id, path)
    return problems, len(found.rows)

"""What `dj show` and `dj log` print: a project, and its history rebuilt from git."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from dangjian_cli import gitrepo, store, workflow
from dangjian_cli.config import Config
from dangjian_cli.context import add_months
from dangjian_cli.gitrepo import LogEntry
from dangjian_cli.model import Project, Status
from dangjian_cli.textout import labelled
from dangjian_cli.transitions import Transition


def _pairs(project: Project, replaced: Collection[str] = ()) -> list[tuple[str, str]]:
    """The card's rows; `replaced`: the reviewers (e-mail, lower case) whose sheet replaced an earlier one."""
    p = project
    rows = [
        ("项目编号", p.id), ("项目名称", p.title), ("年度", p.cycle), ("状态", p.status.label),
        ("项目所在单位", p.unit), ("项目所在支部", p.branch), ("项目执行者", p.leader),
        ("支部书记", p.secretary),
        ("责任人", f"第一责任人 {p.responsible.first}；直接责任人 {p.responsible.direct}"),
        ("类别 / 类型", f"{p.category} / {p.type}"),
        ("实施周期", f"{p.period.start} 至 {p.period.end}"),
    ]
    if p.stages > 1:
        rows.append(("阶段", f"第 {p.stage} 阶段，共 {p.stages} 阶段"))
    if p.parent:
        rows.append(("上一阶段项目", p.parent))
    if p.applied:
        rows.append(("申报", f"{p.applied} {p.applicant}"))
    for text, label in ((p.background, "项目背景"), (p.plan, "实施方案"), (p.goals, "预期目标"),
                        (p.measures, "保障措施")):
        if text:
            rows.append((label, text.strip()))
    if p.milestones:
        rows.append(("进度安排", "\n".join(f"{m.date} {m.content}" for m in p.milestones)))
    if p.budget:
        lines = [f"{b.item}：{b.amount} 元" for b in p.budget]
        rows.append(("经费预算", "\n".join([*lines, f"合计：{p.budget_total} 元"])))
    for r in p.returns:
        rows.append(("退回修改", f"{r.date} {r.by}：{r.reason}"))
    if p.rejection:
        rows.append(("不予立项", f"{p.rejection.date} {p.rejection.by}：{p.rejection.reason}"))
    if p.approval:
        a = p.approval
        rows.append(("立项", f"{a.date} {a.by}，资助 {a.funding} 元" + (f"，文号 {a.doc_no}" if a.doc_no else "")
                     + (f"\n意见：{a.opinion}" if a.opinion else "")))
    for m in p.mid_checks:
        verdict = "通过" if m.result == "pass" else "限期整改"
        rows.append(("中期检查", f"{m.date} {m.by}：{verdict}" + (f"。{m.opinion}" if m.opinion else "")))
    for notice in p.rectifications:
        state = f"已于 {notice.done} 完成" if notice.done else "尚未完成"
        rows.append(("整改通知", f"{notice.issued} 下发，期限 {notice.deadline}，{state}\n{notice.issues}"))
    for s in p.past_stages:
        rows.append((f"第 {s.stage} 阶段验收", f"{s.result.date} 总分 {s.result.total} {s.result.grade}"))
    if p.closing_report:
        rows.append(("结题", f"{p.closing_report.date} 已提交结题报告"))
    for sheet in p.scores:
        again = "（替换了先前的评分，原评分见 dj log）" if sheet.email.lower() in replaced else ""
        rows.append(("验收评分", f"{sheet.date} {sheet.reviewer}：{sheet.total} 分{again}"
                     + (f"。{sheet.comment}" if sheet.comment else "")))
    if p.result:
        res = p.result
        verdict = "通过" if res.passed == "yes" else "未通过"
        rows.append(("验收结果", f"{res.date} 总分 {res.total}，{verdict}" + (f"，{res.grade}" if res.grade else "")
                     + (f"，{res.award}" if res.award else "")))
    if p.termination:
        rows.append(("终止", f"{p.termination.date} {p.termination.by}：{p.termination.reason}"))
    if p.approval:
        lines = [f"{s.date} {s.item} {s.amount} 元" + (f"（票据 {s.receipt}）" if s.receipt else "")
                 for s in p.spending]
        money = f"资助 {p.granted} 元，已支出 {p.spent} 元，结余 {p.balance} 元"
        if p.result and p.result.retained is not None:
            money += f"（验收后 {p.result.retained} 元留存支部）"
        rows.append(("经费", "\n".join([money, *lines])))
    if p.competition:
        c = p.competition
        text = f"{c.recommended} 由 {c.recommended_by} 推荐" + (f"；{c.shortlisted} 入围答辩" if c.shortlisted else "")
        text += "".join(f"\n答辩评分 {s.date} {s.reviewer}：{s.total} 分" for s in c.scores)
        if c.total is not None:
            text += f"\n答辩得分 {c.total}" + (f"，获{c.award}" if c.award else "")
        rows.append(("创新项目评比", text))
    return rows


class Former(list[str]):
    """The numbers a project had before a renumbering, oldest first, and what else its history tells the card."""

    root: Path | None = None
    replaced: frozenset[str] = frozenset()  # reviewers (e-mail) whose sheet replaced an earlier one (--replace)


def _card(project: Project, former: Sequence[str]) -> tuple[list[tuple[str, str]], str]:
    """The card's labelled rows and what can be done next; `former` are the numbers before a renumbering."""
    rows = _pairs(project, getattr(former, "replaced", frozenset()))
    if former:
        rows.insert(1, ("原编号", "、".join(former) + "（已重新编号）"))
    offered = next_steps(project, getattr(former, "root", None))
    if offered:
        hint = "下一步可以：\n" + "\n".join(f"  {label}：{command}" for label, command in offered)
    else:
        hint = "该项目已办结。"
    return rows, hint


def next_steps(project: Project, root: Path | None) -> list[tuple[str, str]]:
    """The steps the project's status allows that dj would accept now, each with its command; award where it is due.

    The status alone offers more: a promotion the type does not have or that was made, an acceptance before any
    score, spending with nothing left. Those the step would refuse are left out, a close before its time says when.
    """
    config = _config(root)
    out: list[tuple[str, str]] = []
    for t in workflow.possible(project):
        command = t.command.replace("ID", project.id)
        if t.action == "accept" and not project.scores:
            continue
        if t.action == "spend" and project.balance <= 0:
            continue
        if t.action == "promote" and (config is None or not _promotable(project, config, root)):
            continue
        if t.action == "close" and config is not None and (earliest := _earliest_close(project, config)):
            command += f"（最早 {earliest} 可以结题）"
        out.append((t.label, command))
    if config is not None and _award_due(project, config):
        award = workflow.TRANSITIONS["award"]
        out.insert(0, (award.label, f"dj award --cycle {project.cycle} --dry-run（与本年度已验收的项目一起排名，"
                                    f"确认后去掉 --dry-run）"))
    return out


def _config(root: Path | None) -> Config | None:
    if root is None:
        return None
    from dangjian_cli.errors import DjError

    try:
        return store.load_config(root)
    except DjError:
        return None


def _promotable(project: Project, config: Config, root: Path | None) -> bool:
    kind = config.project_type(project.type)
    if kind is None or not kind.next:
        return False
    unit = config.unit(project.unit)
    if root is None or unit is None:
        return True
    # The round a promotion is filed in now: the refusal also looks in dj.yaml's cycle (where older versions of dj
    # filed them), which at a province's scale holds tens of thousands of files — too many for a hint.
    return not store.promotions(root, [workflow.promoted_cycle(project, config.cycle)], unit.code, project.id)


def _earliest_close(project: Project, config: Config) -> dt.date | None:
    kind, start = config.project_type(project.type), workflow.stage_start(project)
    if kind is None or not kind.min_months or start is None:
        return None
    return add_months(start, kind.min_months)


def _award_due(project: Project, config: Config) -> bool:
    """Accepted, passed, at or above the awards' line and not yet placed: the cycle's 评比表彰 is its next step."""
    r = project.result
    return (project.status is Status.accepted and config.awards is not None and r is not None and r.passed == "yes"
            and not r.award and r.total >= config.awards.min_total)


def describe(project: Project, former: Sequence[str] = ()) -> Any:
    """The project's card for a terminal; `former` are the numbers it had before dj renumbered it, oldest first."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    rows, hint = _card(project, former)
    table = Table(show_header=False, box=None, padding=(0, 2, 0, 0))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for label, value in rows:
        table.add_row(label, value)
    return Group(table, Text(""), Text(hint))


def card_text(project: Project, former: Sequence[str] = ()) -> str:
    """The same card as plain text, labels padded to one column, for a pipe or a file."""
    rows, hint = _card(project, former)
    return "\n".join([*labelled(rows), "", hint])


def _label(status: str) -> str:
    if status == "new":
        return "新建"
    try:
        return Status(status).label
    except ValueError:
        return status


def former_ids(root: Path, project_id: str) -> Callable[[], list[str]]:
    """The numbers the project had before dj renumbered it, oldest first (empty outside git).

    git starts looking now and the call returned gives the answer, so the walk runs while the record is read.
    """
    if not gitrepo.is_repo(root) or not gitrepo.has_head(root):
        return lambda: _rooted(root)
    entries = gitrepo.history_started(root, store.project_path(root, project_id))

    def answer() -> list[str]:
        found = entries()
        paths = [e.path for e in found if e.path is not None]
        former = Former(stem for stem in dict.fromkeys(p.stem for p in reversed(paths)) if stem != project_id)
        former.root = root
        former.replaced = frozenset(str(_args(e.trailers).get("reviewer", "")).lower() for e in found
                                    if e.trailers.get("Dj-Action") == "score" and _args(e.trailers).get("replace"))
        return former

    return answer


def _rooted(root: Path) -> list[str]:
    former = Former()
    former.root = root
    return former


def _args(trailers: Mapping[str, str]) -> dict[str, Any]:
    import json

    try:
        found = json.loads(trailers.get("Dj-Args") or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


HISTORY_COLUMNS = ("日期", "办理人", "操作", "状态变化", "提交", "记录版本")


def history_rows(root: Path, project_id: str, entries: list[LogEntry] | None = None) -> list[tuple[str, ...]]:
    """`dj log`'s rows, oldest first: one per commit that touched the project's file (`entries`, when git was
    asked already)."""
    config = _config(root)

    def name(email: str) -> str:
        person = config.person(email) if config else None
        return person.name if person else email

    return log_rows(root, store.project_path(root, project_id), workflow.TRANSITIONS, _label, name, entries)


def _detail(action: str, args: Mapping[str, Any], name: Callable[[str], str]) -> str:
    """What tells one row from the next of the same step: whose sheet, what a correction changed."""
    if action in ("score", "defense") and args.get("reviewer"):
        who = "评审" if action == "score" else "答辩评委"
        return f"（{who}：{name(str(args['reviewer']))}" + ("，替换原评分）" if args.get("replace") else "）")
    if action == "correct" and args.get("to"):
        return f"（上一步日期改为 {args['to']}：{args.get('reason', '')}）"
    return ""


def log_rows(root: Path, path: Path, steps: Mapping[str, Transition], status_label: Callable[[str], str],
             name: Callable[[str], str] = str, entries: list[LogEntry] | None = None) -> list[tuple[str, ...]]:
    """A record's history from git (`entries`, or asked now), oldest first, in HISTORY_COLUMNS: its steps named
    from its table. `name` turns a reviewer's e-mail in Dj-Args into the name the row shows.
    """
    rows: list[tuple[str, ...]] = []
    for e in reversed(gitrepo.history(root, path) if entries is None else entries):
        t = e.trailers
        action = t.get("Dj-Action", "")
        label = steps[action].label if action in steps else "手工修改"
        if action in steps:
            label += _detail(action, _args(t), name)
        if e.path is not None and e.path.stem != path.stem:
            label += f"（原编号 {e.path.stem}）"
        who = t.get("Dj-Actor", f"{e.author} <{e.email}>").split(" <")[0]
        if "Dj-Entered-By" in t:
            who += f"（{t['Dj-Entered-By'].split(' <')[0]} 代录）"
        change = f"{status_label(t['Dj-From'])} → {status_label(t['Dj-To'])}" if "Dj-From" in t and "Dj-To" in t else ""
        rows.append((t.get("Dj-Date", e.committed[:10]), who, label, change, e.commit[:7], e.blob[:10]))
    return rows

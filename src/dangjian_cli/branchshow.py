"""What `dj branch show`, `list` and `log` print: a branch's grading record, and its history from git."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from dangjian_cli import store
from dangjian_cli.branchmodel import SURVEY_FACTS, Branch, BranchStatus
from dangjian_cli.gradeconfig import grade_label
from dangjian_cli.show import log_rows
from dangjian_cli.textout import labelled
from dangjian_cli.transitions import BRANCH_TRANSITIONS, branch_possible


def _points(points: dict[str, object]) -> str:
    return "、".join(f"{k}={v}" for k, v in points.items())


def consequences_text(branch: Branch, day: dt.date) -> str:
    """The consequences in force on `day`, each with the day it ends; '' when none."""
    return "；".join(f"{c.text}（至 {c.until}）" for c in branch.consequences_on(day))


def rows(b: Branch, day: dt.date) -> list[tuple[str, str]]:
    out = [
        ("编号", b.id), ("党支部", b.name), ("所属单位", b.unit), ("定级年度", b.round), ("类别", b.kind),
        ("状态", b.status.label), ("党员人数", str(b.members)), ("党支部书记", b.secretary),
        ("支部委员", "、".join(b.committee) or "—"),
        ("上一年度等级", grade_label(b.last_grade) if b.last_grade else "—"),
        ("调查摸底", f"{b.survey.date} {b.survey.by}\n" + "\n".join(
            f"{label}：{getattr(b.survey, key)}" for key, label in SURVEY_FACTS.items())),
    ]
    if (sa := b.self_assessment) is not None:
        out.append(("自评", f"{sa.date} {sa.by}：{sa.total} 分（{_points(dict(sa.points))}）\n{sa.report.strip()}"))
    if (ur := b.unit_review) is not None:
        refs = "".join(f"\n{label}：{text}" for label, text in (("学习型党组织建设验收", ur.learning),
                                                               ("满意度测评", ur.satisfaction)) if text)
        out.append(("初评", f"{ur.date} {ur.by}：{ur.total} 分，建议 {ur.proposed} 级\n"
                           f"党员和群众测评：{ur.appraisal}{refs}\n意见：{ur.opinion.strip()}"))
    if (d := b.decision) is not None:
        text = (f"{d.date} {d.by}：党委考评 {d.total} 分，最终得分 {d.final} 分，分档 {d.band} 级，"
                f"定为{grade_label(d.grade)}\n考评方式：{'、'.join(d.methods)}")
        out.append(("党委考评", text + (f"\n理由：{d.reason.strip()}" if d.reason else "")))
    if (r := b.recommendation) is not None:
        out.append(("推荐", f"{r.date} {r.by}：推荐为{r.title}"))
    if (now := consequences_text(b, day)):
        out.append(("定级后果", now.replace("；", "\n")))
    for n in b.rectifications:
        state = f"已于 {n.done} 完成" + (f"：{n.note}" if n.note else "") if n.done else "尚未完成"
        out.append(("对标整改", f"{n.issued} {n.by} 下发，期限 {n.deadline}，{state}\n"
                    + "\n".join(f"{i}. {item}" for i, item in enumerate(n.items, start=1))))
    return out


def card_text(branch: Branch, day: dt.date) -> str:
    """The branch's card as plain text, labels padded to one column, and the next steps."""
    lines = labelled(rows(branch, day))
    steps = branch_possible(branch)
    hint = ("下一步可以：\n" + "\n".join(f"  {t.label}：{t.command.replace('ID', branch.id)}" for t in steps)
            if steps else "")
    return "\n".join([*lines, "", hint]).rstrip()


def list_row(b: Branch, day: dt.date) -> tuple[str, ...]:
    d = b.decision
    return (b.id, b.unit, b.kind, b.last_grade or "—", b.status.label, str(d.final) if d else "—",
            b.grade or "—", "已推荐" if b.recommendation else "", consequences_text(b, day) or "", b.name)


LIST_COLUMNS = ("编号", "单位", "类别", "上年", "状态", "最终得分", "等级", "推荐", "定级后果", "党支部")


HISTORY_COLUMNS = ("日期", "办理人", "操作", "状态变化", "提交", "记录版本")


def history_rows(root: Path, branch_id: str) -> list[tuple[str, ...]]:
    """`dj branch log`'s rows, oldest first: one per commit that touched the branch's file."""
    return log_rows(root, store.branch_path(root, branch_id), BRANCH_TRANSITIONS, _label)


def _label(status: str) -> str:
    if status == "new":
        return "新建"
    try:
        return BranchStatus(status).label
    except ValueError:
        return status

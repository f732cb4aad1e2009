"""The bench's data repositories, written with git fast-import and cached by size and builder version.

Every builder leaves a repository that looks like a fresh clone: one branch, the work tree checked
out, the clerk of tests/data/dj.yaml as the git identity, and the built commit noted so a run that
was stopped half-way (a spend committed, a file edited) can be put back with `restore`.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from itertools import chain
from pathlib import Path

BUILD = 1  # bump when a builder writes different repositories: older caches are then ignored
REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "tests" / "data" / "dj.yaml"
SCHEMAS = REPO / "schemas"
ACTOR = "王干事 <wang@zzb.example>"  # the clerk of tests/data/dj.yaml: may take any step for any unit
HEAD_NOTE = "dj-bench-head"  # under .git/: the commit the builder made

# (name, code, branches) of every unit in tests/data/dj.yaml, with the applicant who writes for it.
UNITS = (
    ("机电学院党委", "机电", ("机电学院教工第一党支部", "机电学院学生第一党支部"), "张书记"),
    ("外国语学院党委", "外语", ("外国语学院教工党支部",), "李书记"),
)
CATEGORIES = ("作风建设", "发展党员质量", "党员教育管理")
TYPES = ("创新探索型", "典型示范型", "制度推广型")
CRITERIA = ("completeness", "process", "participation", "education", "strengthening")
REVIEWERS = (("钱评委", "qian@x.example"), ("孙评委", "sun@x.example"), ("周评委", "zhou@x.example"))
# One lap of 20 projects: every status dj has, weighted roughly as a cycle's repository holds them.
STATUSES = ("applied", "approved", "rectifying", "midchecked", "closed", "accepted", "approved", "applied",
            "rectifying", "midchecked", "approved", "draft", "closed", "accepted", "rejected", "approved",
            "rectifying", "midchecked", "terminated", "failed")
_SPENT = ("approved", "rectifying", "midchecked", "closed", "accepted", "failed", "terminated")
_CHECKED = ("midchecked", "closed", "accepted", "failed")

APPLICATION = """\
# yaml-language-server: $schema=../../schemas/project.schema.json
schema_version: 1
id: {id}
title: 第{n}个党建项目：“党员先锋岗”引领{topic} 🌟
cycle: '2025'
unit: {unit}
branch: {branch}
leader: 刘海涛
secretary: {applicant}
responsible:
  first: {applicant}
  direct: 赵院长
category: {category}
type: {type}
period:
  start: 2025-06-01
  end: {end}
background: |
  {topic}是学院工作的重中之重。支部现有党员 23 名，其中高级职称 14 名、“双肩挑”干部 5 名，
  业务骨干多、任务重，长期存在“业务考核硬、党员考核软”的问题，先锋模范作用缺少可量化、可比较的衡量办法。

  2024 年，支部在本支部试行党员积分定星，半年时间内党员参加组织生活的出勤率由 82% 提高到 96%，
  有 6 名党员主动承担了本科生导师和实验室安全员工作，取得了初步成效。

  为把试点中形成的做法在学院各党支部中进行典型示范，变个别做法为共性方法，支部申报本项目。
plan: |
  一、支部评级。对照学院党支部分类定级标准，围绕组织设置、班子建设、组织生活、作用发挥、
  基础保障五个方面，每学期开展一次支部自评、学院党委初评，评级结果在学院公示。

  二、党员定星。设置“政治学习星、教书育人星、科研创新星、服务师生星、遵规守纪星”五颗星，
  党员年初认星、平时争星、年底评星，评星结果与民主评议党员挂钩。

  三、示范带动。每季度组织一次“星级党员”示范课或经验分享，邀请兄弟党支部观摩，逐步在全院推开。
goals: |
  支部评级达到“先进”等次；党员定星参与率 100%，五星党员不少于 5 名；
  形成实施细则并在学院各党支部推行。
measures: |
  支部书记为项目第一执行人，支委分工负责五颗星的考评；学院党委每学期听取一次汇报；
  星级评定结果在学院宣传栏和公众号公示，接受群众监督。
  项目经费专款专用，每笔支出经支部委员会研究并在支部党员大会上通报，票据由组织委员统一保管。
milestones:
  - date: 2025-06-30
    content: 制定评星标准和积分细则，党员认星
  - date: 2025-12-31
    content: 第一次支部自评和党员半年评星
  - date: 2026-03-31
    content: 接受中期检查，在兄弟党支部推广
  - date: 2026-05-31
    content: 年度评星、总结，形成实施细则
budget:
  - item: 星级党员公示栏制作
    amount: 380.00
  - item: 学习资料印制
    amount: 260.00
  - item: 经验交流会场地与资料
    amount: 300.00
status: {status}
applied: 2025-05-06
applicant: {applicant}
"""
TOPICS = ("实验室安全管理", "青年教师思想引领", "学生党员发展质量", "“三会一课”规范化", "志愿服务常态化")

APPROVAL = """\
approval:
  date: 2025-05-20
  by: 王干事
  opinion: 同意立项。试点基础扎实，请注意把评星结果与民主评议党员工作衔接。
  funding: 1000.00
  doc_no: 彩党组〔2025〕12号
"""
CLOSING = """\
closing_report:
  date: 2026-05-25
  overview: |
    本项目 2025 年 5 月立项，实施周期一年，资助经费 1000 元。
    项目以“支部评级、党员定星”为抓手，推动党员教育管理由“软约束”变为“硬指标”。
  implementation: |
    一是建立标准，制定评定标准和积分细则 12 条。二是过程管理，按月登记积分，每学期公示一次。
    三是示范推广，组织“星级党员”示范课 4 次。
  achievements: |
    支部在学院党支部分类定级中被评为“先进”等次；评出五星党员 7 名；形成实施细则，经学院党委会审议后在全院施行。
  evaluation: |
    党员认可度高。不足是部分积分项仍依赖自报，核实工作量较大；建议结合信息化平台实行线上记分。
"""


def today() -> dt.date:
    return dt.date.today()


def project_id(i: int) -> str:
    """The id of the `i`-th project (0-based): the units take turns, each numbering its own."""
    return f"2025-{UNITS[i % len(UNITS)][1]}-{i // len(UNITS) + 1:03d}"


def status_of(i: int) -> str:
    """Each lap starts one status later, so every unit gets every status."""
    return STATUSES[(i + i // len(STATUSES)) % len(STATUSES)]


def first_with(status: str) -> str:
    """The id of the first project a builder gives `status`."""
    return project_id(next(i for i in range(len(STATUSES) ** 2) if status_of(i) == status))


def _days(i: int, spread: int, prime: int) -> dt.timedelta:
    """A deterministic offset in −spread…+spread days, scattered over the projects."""
    return dt.timedelta(days=(i * prime) % (2 * spread + 1) - spread)


def _scores(i: int, passed: bool) -> tuple[str, Decimal]:
    sheets, totals = [], []
    for k, (name, email) in enumerate(REVIEWERS):
        points = [(15 + (i + 2 * k + c * c) % 6) if passed else (9 + (i + k + c) % 4) for c in range(len(CRITERIA))]
        totals.append(Decimal(sum(points)))
        sheets.append(f"  - reviewer: {name}\n    email: {email}\n    date: 2026-06-0{k + 2}\n    points:\n"
                      + "".join(f"      {c}: {p}\n" for c, p in zip(CRITERIA, points, strict=True))
                      + f"    total: {sum(points)}.00\n    comment: 标准清晰，台账完整。\n")
    # Fewer sheets than trim_from (5): the plain mean, half up, as scoring.trimmed_mean computes it.
    mean = (sum(totals, Decimal(0)) / len(totals)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return "scores:\n" + "".join(sheets), mean


def _grade(total: Decimal) -> str:
    return "优秀" if total >= 85 else "较好" if total >= 70 else "一般" if total >= 60 else ""


def record(i: int, day: dt.date) -> str:
    """The `i`-th project's record (~3.6 KB), valid for `dj check`; deadlines scattered around `day`."""
    unit, _, branches, applicant = UNITS[i % len(UNITS)]
    status = status_of(i)
    end = max(day + _days(i, 120, 53), dt.date(2025, 7, 1))
    text = APPLICATION.format(
        id=project_id(i), n=i + 1, topic=TOPICS[i % len(TOPICS)], unit=unit,
        branch=branches[(i // len(UNITS)) % len(branches)], applicant=applicant,
        category=CATEGORIES[(i // 3) % len(CATEGORIES)], type=TYPES[(i // 7) % len(TYPES)], end=end, status=status,
    )
    if status == "draft":
        text += "returns:\n  - date: 2025-05-15\n    by: 王干事\n    reason: 预算明细不全，请补充后重新申报\n"
    if status == "rejected":
        text += "rejection:\n  date: 2025-05-20\n  by: 王干事\n  reason: 与往年项目重复\n"
    if status in _SPENT:
        text += APPROVAL
    if status == "rectifying":
        deadline = day + _days(i, 60, 37)  # overdue and due-soon work for `dj due`
        issued = deadline - dt.timedelta(days=30)
        text += (f"mid_checks:\n  - date: {issued}\n    by: 王干事\n    result: rectify\n    opinion: 活动记录不全\n"
                 f"rectifications:\n  - issued: {issued}\n    deadline: {deadline}\n"
                 f"    issues: 活动记录不全，请补齐三次主题党日的记录和照片。\n")
    if status in _CHECKED:
        text += ("mid_checks:\n  - date: 2026-03-10\n    by: 王干事\n    result: pass\n"
                 "    opinion: 台账完整，进度符合计划。\n")
    if status in ("closed", "accepted", "failed"):
        text += CLOSING
    spent = Decimal(0)
    if status in ("accepted", "failed"):
        sheets, total = _scores(i, passed=status == "accepted")
        text += sheets
        passed = status == "accepted"
        spent = Decimal("230.00")
        retained = f"  retained: {Decimal('1000.00') - spent}\n" if passed else ""
        grade = _grade(total) if passed else "''"
        text += (f"result:\n  date: 2026-06-12\n  by: 王干事\n  total: {total}\n  grade: {grade}\n"
                 f"  passed: '{'yes' if passed else 'no'}'\n{retained}")
    if status == "terminated":
        text += "termination:\n  date: 2026-01-10\n  by: 王干事\n  reason: 项目负责人调离，支部申请终止\n"
    if status in _SPENT and status != "terminated":
        text += ("spending:\n  - date: 2025-06-20\n    amount: 150.00\n    item: 星级党员公示栏制作\n"
                 "    receipt: '00231876'\n"
                 "  - date: 2025-09-12\n    amount: 80.00\n    item: 学习资料印制\n")
    return text


# --- git ---------------------------------------------------------------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True).stdout.decode()


def _init(root: Path) -> None:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "王干事")
    git(root, "config", "user.email", "wang@zzb.example")


def _commit_header(message: str, when: dt.datetime, mark: int = 0) -> bytes:
    """A commit on main (fast-import continues the branch it is building); `mark` names it for a tag."""
    body = message.encode()
    stamp = f"{ACTOR} {int(when.timestamp())} +0800\n"
    named = b"mark :%d\n" % mark if mark else b""
    return (b"commit refs/heads/main\n" + named + f"author {stamp}committer {stamp}".encode()
            + b"data %d\n%s\n" % (len(body), body))


def _file(path: str, data: bytes) -> bytes:
    return b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data)


def _fast_import(root: Path, chunks: Iterator[bytes]) -> None:
    """Stream the commits to git fast-import (never all in memory: 100,000 records are 360 MB)."""
    with subprocess.Popen(["git", "fast-import", "--quiet"], cwd=root, stdin=subprocess.PIPE) as child:
        assert child.stdin is not None
        for chunk in chunks:
            child.stdin.write(chunk)
        child.stdin.close()
        if child.wait():
            raise SystemExit(f"git fast-import failed in {root}")


def _finish(root: Path) -> None:
    """Check the work tree out, as a fresh clone has it, and note the commit `restore` goes back to."""
    git(root, "reset", "-q", "--hard", "main")
    (root / ".git" / HEAD_NOTE).write_text(git(root, "rev-parse", "HEAD"))


def _base_files(records: Iterator[tuple[str, str]]) -> Iterator[bytes]:
    yield _file("dj.yaml", CONFIG.read_bytes())
    yield _file(".gitignore", b"out/\n")
    for schema in sorted(SCHEMAS.glob("*.json")):
        yield _file(f"schemas/{schema.name}", schema.read_bytes())
    for pid, text in records:
        yield _file(f"projects/2025/{pid}.yaml", text.encode())


def build_projects(root: Path, projects: int) -> None:
    """`projects` records of every status, in one commit, as a repository cloned from a unit's server."""
    _init(root)
    day = today()
    when = dt.datetime(2026, 6, 30, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    head = _commit_header(f"导入 {projects} 个项目（bench）\n", when)
    _fast_import(root, chain([head], _base_files((project_id(i), record(i, day)) for i in range(projects))))
    _finish(root)


def restore(root: Path) -> None:
    """Put a cached repository back at the commit its builder made, work tree clean."""
    head = (root / ".git" / HEAD_NOTE).read_text().strip()
    if git(root, "rev-parse", "HEAD").strip() != head or git(root, "status", "--porcelain", "-uno"):
        git(root, "reset", "-q", "--hard", head)


def cached(cache: Path, name: str, build: object, *args: int) -> Path:
    """The repository `name` under the cache, built by `build(root, *args)` unless a finished one is there."""
    root = cache / f"v{BUILD}" / name
    if (root / ".git" / HEAD_NOTE).exists():
        restore(root)
        return root
    partial = root.with_name(root.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    assert callable(build)
    build(partial, *args)
    partial.rename(root)
    return root


# --- a valid history of spends (the audit's and `dj log`'s bench) -------------------------------------------------

RECORD = """\
# yaml-language-server: $schema=../../schemas/project.schema.json
schema_version: 1
id: {id}
title: 第{n}个党建项目：“党员先锋岗”引领实验室安全管理 🌟
cycle: '2025'
unit: 机电学院党委
branch: 机电学院教工第一党支部
leader: 张三
secretary: 张书记
responsible:
  first: 张书记
  direct: 赵院长
category: 作风建设
type: 创新探索型
period:
  start: 2025-05-01
  end: 2026-06-30
background: |
  实验室安全是学院工作的重中之重。

  党员教师在安全管理中应发挥先锋作用。
budget:
  - item: 安全标识制作
    amount: 300.00
status: approved
applied: 2025-05-06
applicant: 张书记
approval:
  date: 2025-05-20
  by: 王干事
  funding: 1000.00
"""
FIRST_SPEND = dt.datetime(2025, 6, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # after approval (05-20)
BUSY = 200  # every 200th spend goes to project 001: the `dj log` of a project with many commits
HISTORY_BASE = "bench-base"  # the tag on the hand-made records the spends start from: audit --since it


def history_id(n: int) -> str:
    return f"2025-机电-{n:03d}"


def spender(i: int, projects: int) -> int:
    """Which project (1-based) the `i`-th spend is for: 001 every BUSY-th, the others round-robin."""
    return 1 if i % BUSY == 0 else 2 + (i - i // BUSY - 1) % (projects - 1)


def spend(i: int, n: int) -> tuple[dt.datetime, dict[str, str]]:
    """The `i`-th spend: when it was committed, and its arguments (its Dj-Args)."""
    when = FIRST_SPEND + dt.timedelta(minutes=30 * i)  # 20,000 spends end in July 2026
    receipt = {"receipt": f"FP{i:06d}"} if i % 2 else {}
    amount = "1.00" if n == 1 else "10.00"  # within the grant: 001 takes one in BUSY, the others ~1 in 2,000
    return when, {"amount": amount, "item": f"第{i + 1}笔 党员活动材料", **receipt}


def _history(projects: int, commits: int) -> Iterator[bytes]:
    entries: dict[int, list[str]] = {}
    for i in range(commits):
        n = spender(i, projects)
        pid = history_id(n)
        when, args = spend(i, n)
        # The entry as dj adds it to `spending:` (its fields in dj's order).
        entries.setdefault(n, []).append(f"  - date: {when.date()}\n"
                                         + "".join(f"    {key}: {value}\n" for key, value in args.items()))
        data = RECORD.format(id=pid, n=n) + "spending:\n" + "".join(entries[n])
        body = (f"spend {pid}: 经费支出\n\nDj-Action: spend\nDj-Project: {pid}\nDj-From: approved\n"
                f"Dj-To: approved\nDj-Actor: {ACTOR}\nDj-Date: {when.date()}\n"
                f"Dj-Args: {json.dumps(args, ensure_ascii=False, sort_keys=True)}\n")
        yield _commit_header(body, when) + _file(f"projects/2025/{pid}.yaml", data.encode())


def build_history(root: Path, commits: int, projects: int) -> None:
    """`projects` approved records (by hand, tagged HISTORY_BASE), then `commits` legal spends as dj writes them."""
    _init(root)
    when = FIRST_SPEND - dt.timedelta(days=10)
    head = _commit_header(f"导入 {projects} 个已立项项目（bench）\n", when, mark=1)
    base = _base_files((history_id(n), RECORD.format(id=history_id(n), n=n)) for n in range(1, projects + 1))
    tag = f"reset refs/tags/{HISTORY_BASE}\nfrom :1\n\n".encode()
    _fast_import(root, chain([head], base, [tag], _history(projects, commits)))
    _finish(root)

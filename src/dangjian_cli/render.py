"""Word forms: which template, what it sees, docxtpl in a sandbox, the same bytes every time, PDF.

docx, docxtpl and jinja2 are imported inside the functions that use them, so reading commands start fast.
A template sees only plain values built here; user text is escaped and never evaluated as a template.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from dangjian_cli import gitstream, scoring, store, typeset
from dangjian_cli.config import Config
from dangjian_cli.errors import DjError
from dangjian_cli.model import Project, Status

TEMPLATES_DIR = "templates"
OUT_DIR = "out"
FORMS = {  # one project's forms, in the order of its life
    "application": "申报表", "approval": "立项通知", "midcheck": "中期检查表", "rectification": "整改通知书",
    "closing": "结题报告", "review": "验收评审表", "acceptance": "验收报告",
}
CYCLE_FORMS = {"awards": "表彰名单", "ledger": "台账"}  # one per cycle

# XML 1.0 cannot hold these; a user's paste from a PDF or a terminal sometimes does.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def available(project: Project) -> list[str]:
    """The forms the record has the facts for."""
    has = {
        "application": project.status is not Status.draft or project.applied is not None,
        "approval": project.approval is not None,
        "midcheck": bool(project.mid_checks),
        "rectification": bool(project.rectifications),
        "closing": project.closing_report is not None,
        "review": bool(project.scores),
        "acceptance": project.result is not None,
    }
    return [form for form in FORMS if has[form]]


def blob_id(data: bytes) -> str:
    """git's blob id of a record file, short: the version a printed form was made from."""
    return gitstream.blob_id(data)[:10]


def template_path(root: Path | None, form: str) -> Path:
    """The data repository's templates/<form>.docx wins over the one dj ships."""
    if root is not None:
        own = root / TEMPLATES_DIR / f"{form}.docx"
        if own.is_file():
            return own
    return Path(str(resources.files("dangjian_cli") / "forms" / f"{form}.docx"))


def shipped_templates() -> list[str]:
    """The name of every template dj ships (forms/<name>.docx): the projects' forms, the cycle's, the grading's."""
    folder = resources.files("dangjian_cli") / "forms"
    return sorted(entry.name.removesuffix(".docx") for entry in folder.iterdir() if entry.name.endswith(".docx"))


def form_path(out_dir: Path, project_id: str, form: str) -> Path:
    return out_dir / f"{project_id}-{FORMS.get(form) or CYCLE_FORMS[form]}.docx"


# --- what a template sees ---------------------------------------------------------------


def clean(value: Any) -> Any:
    """Strings without the characters XML cannot hold; lists and mappings cleaned all the way down."""
    if isinstance(value, str):
        return _ILLEGAL.sub("", value)
    if isinstance(value, Mapping):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


def lines(text: str) -> list[str]:
    """A multi-paragraph field as its paragraphs, one Word paragraph each."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def cn_date(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "    年  月  日"


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def doc_number(number: str, code: str, day: dt.date | None) -> str:
    """A notice's 文号, or a place left to write it by hand (彩党组〔2026〕　　号): never nothing."""
    if number:
        return number
    return f"{code}〔{day.year if day else '　　　　'}〕　　号"


def _documents(project: Project, config: Config) -> dict[str, str]:
    """dj.yaml's fixed texts of the 公文 notices, each blank one by its rule (config.Documents)."""
    d = config.documents
    issuer = d.issuer or config.org
    return {"issuer": issuer, "mark": d.mark or f"{issuer}文件", "to": d.to or f"{project.unit}、{project.branch}",
            "cc": "，".join(d.cc) + "。" if d.cc else "", "printer": d.printer or issuer,
            "report_to": d.report_to or issuer}


def _retained(result_retained: Decimal | None, balance: Decimal) -> str:
    if result_retained is None:
        return ""
    if result_retained == balance:
        return "，全部留存支部"
    return f"，其中{typeset.money(result_retained)}留存支部"


def _verdict(project: Project, total: Decimal | None, config: Config) -> dict[str, str]:
    result = project.result
    if result is not None:
        passed = result.passed == "yes"
        grade = result.grade
    elif total is not None:
        passed = total >= config.acceptance.pass_line
        grade = scoring.grade(total, config.acceptance) if passed else ""
    else:
        return {"passed_text": "尚未验收", "grade_text": ""}
    return {"passed_text": "验收通过" if passed else "验收未通过", "grade_text": f"，等次为“{grade}”" if grade else ""}


def context(project: Project, config: Config, blob: str) -> dict[str, Any]:
    """Everything any project form may print, as text, numbers and lists of text."""
    p = project
    approval, result, report = p.approval, p.result, p.closing_report
    rubric = config.acceptance
    total = result.total if result else (
        scoring.trimmed_mean([s.total for s in p.scores], rubric.trim_from) if p.scores else None)
    latest = p.rectifications[-1] if p.rectifications else None
    values: dict[str, Any] = {
        "org": config.org, "id": p.id, "blob": blob, "title": p.title, "cycle": p.cycle, "unit": p.unit,
        "branch": p.branch, "leader": p.leader, "secretary": p.secretary, "first": p.responsible.first,
        "direct": p.responsible.direct, "category": p.category, "type": p.type,
        "stages_note": f"（分 {p.stages} 个阶段实施，现为第 {p.stage} 阶段）" if p.stages > 1 else "",
        "period": f"{cn_date(p.period.start)} 至 {cn_date(p.period.end)}", "applied_on": cn_date(p.applied),
        "background": lines(p.background), "plan": lines(p.plan), "goals": lines(p.goals),
        "measures": lines(p.measures),
        "milestones": [{"date": cn_date(m.date), "content": m.content} for m in p.milestones],
        "budget": [{"n": n, "item": b.item, "amount": _money(b.amount)} for n, b in enumerate(p.budget, start=1)],
        "budget_total": _money(p.budget_total),
        "doc_no": doc_number(approval.doc_no, config.documents.code, approval.date) if approval else "",
        "funding": _money(p.granted), "funding_text": typeset.money(p.granted),
        "opinion": approval.opinion if approval else "", "approved_on": cn_date(approval.date if approval else None),
        "checks": [{"stage": m.stage, "date": cn_date(m.date), "by": m.by, "opinion": m.opinion,
                    "result": "通过" if m.result == "pass" else "限期整改"} for m in p.mid_checks],
        "rectifications": [{"issued": cn_date(r.issued), "deadline": cn_date(r.deadline), "issues": r.issues,
                            "state": f"{cn_date(r.done)}完成" if r.done else "未完成"} for r in p.rectifications],
        "r": {"issued": cn_date(latest.issued), "deadline": cn_date(latest.deadline), "note": latest.note,
              "issues_lines": lines(latest.issues), "done": cn_date(latest.done) if latest.done else "",
              "doc_no": doc_number(getattr(latest, "doc_no", ""), config.documents.code, latest.issued)}
        if latest else {},
        "closed_on": cn_date(report.date if report else None),
        "reviewers": [s.reviewer for s in p.scores],
        "criteria": [{"name": c.name, "max": c.max, "points": [s.points.get(c.key, "") for s in p.scores]}
                     for c in rubric.criteria],
        "totals": [s.total for s in p.scores], "max_total": rubric.max_total,
        "total": total if total is not None else "",
        "trimmed_note": "，去掉一个最高分和一个最低分后取平均" if scoring.is_trimmed(len(p.scores), rubric.trim_from)
        else "，取平均分",
        "scored_on": cn_date(max((s.date for s in p.scores), default=None)),
        "granted": _money(p.granted), "spent": _money(p.spent), "balance": _money(p.balance),
        "granted_text": typeset.money(p.granted), "spent_text": typeset.money(p.spent),
        "balance_text": typeset.money(p.balance), "retained_text": _retained(result.retained if result else None,
                                                                            p.balance),
        "award": result.award if result else "", "accepted_on": cn_date(result.date if result else None),
        **_verdict(p, total, config),
        # The notices are 公文: their title in nested quotes, without emoji (typeset.py says why), and a word on
        # the footer's record line when the paper leaves some out.
        "doc": _documents(p, config), "formal_title": typeset.without_emoji(p.title),
        "quoted_title": typeset.quoted(typeset.without_emoji(p.title)),
        "emoji_note": " · 项目名称中的表情符号未印出" if typeset.has_emoji(p.title) else "",
    }
    if report is not None:
        values.update({key: lines(getattr(report, key)) for key in ("overview", "implementation", "achievements",
                                                                      "evaluation")})
    printed: dict[str, Any] = typeset.printed(clean(values))
    return printed


# --- rendering -------------------------------------------------------------------------


def _bad_tag(template: Path, env: Any) -> str:
    """The first tag in the template's text that Jinja cannot read, for the error message."""
    from docx import Document

    doc = Document(str(template))
    texts: list[str] = [p.text for p in doc.paragraphs]
    texts += [p.text for t in doc.tables for row in t.rows for cell in row.cells for p in cell.paragraphs]
    texts += [p.text for s in doc.sections for p in s.footer.paragraphs]
    for text in texts:
        tags: list[str] = re.findall(r"\{\{.*?(?:\}\}|$)|\{%.*?(?:%\}|$)", text)
        for tag in tags:
            if not tag.startswith("{{"):
                if not tag.endswith("%}"):
                    return tag
                continue
            try:
                env.parse(tag)
            except Exception:
                return tag
    return ""


def _stable(entries: Iterable[tuple[str, bytes]], stamp: dt.date, author: str) -> bytes:
    """The .docx zipped with fixed entry times and document properties: the same record gives the same bytes."""
    from dangjian_cli import wordform

    when = f"{stamp.isoformat()}T00:00:00Z"

    def props(data: bytes) -> bytes:
        text = data.decode("utf-8")
        text = re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rf"\g<1>{when}", text)
        text = re.sub(r"(<cp:lastModifiedBy>)[^<]*", rf"\g<1>{_xml(author)}", text)
        return text.encode("utf-8")

    return wordform.zipped((name, props(data) if name == "docProps/core.xml" else data) for name, data in entries)


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_template(template: Path, values: Mapping[str, Any], target: Path, stamp: dt.date, author: str) -> Path:
    """Fill one template and write it atomically; a broken template is a DjError naming the bad tag."""
    from dangjian_cli import wordform

    with _reading(template):
        entries = wordform.fill(template, dict(values))
    _write_form(target, _stable(entries, stamp, author))
    return target


@contextmanager
def _reading(template: Path) -> Iterator[None]:
    """A template Word or Jinja cannot read is a DjError naming the file, and the tag when one is wrong."""
    from jinja2 import TemplateError

    from dangjian_cli import wordform

    try:
        yield
    except TemplateError as e:
        tag = _bad_tag(template, wordform.ENVIRONMENT)
        where = f"“{tag}”" if tag else f"（{e.message}）"
        raise DjError(f"模板 {template} 中的标记{where}有误，无法生成表格；请在 Word 中改正该标记"
                      f"（变量写成 {{{{ 名称 }}}}），或删除该模板改用 dj 自带的。") from None
    except (zipfile.BadZipFile, KeyError, ValueError) as e:
        raise DjError(f"模板 {template} 不是有效的 Word 文档（{e}）；请用 Word 另存为 .docx 后再试。") from None


def _write_form(target: Path, data: bytes) -> None:
    """Through a temporary file and a rename, so no reader sees half a form; not fsynced, unlike a record.

    A form is remade from its record by `dj render` at any time, and two fsyncs per form were most of the time
    `render --all` took on a busy disk.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")  # lock.py's strays
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def stamp(project: Project) -> dt.date:
    from dangjian_cli.workflow import last_step_date

    return last_step_date(project) or dt.date(2000, 1, 1)


def render(project: Project, config: Config, form: str, out_dir: Path, *, root: Path | None,
           blob: str) -> Path:
    """One project form into `out_dir`, named `<id>-<表名>.docx`."""
    if form not in FORMS:
        raise DjError(f"没有名为“{form}”的表格；可选：{'、'.join(f'{k}（{v}）' for k, v in FORMS.items())}。")
    if form not in available(project):
        raise DjError(f"项目 {project.id} 目前还没有{FORMS[form]}（状态：{project.status.label}）；"
                      f"可生成：{'、'.join(FORMS[f] for f in available(project)) or '无'}。")
    return render_template(template_path(root, form), context(project, config, blob),
                           form_path(out_dir, project.id, form), stamp(project), config.org)


def record_blob(root: Path, project_id: str) -> str:
    return blob_id(store.project_path(root, project_id).read_bytes())


# What every form of one `render_many` shares: the configuration, the data repository, the output folder, and the
# function that makes one form of one record (a module-level function, so a spawned worker can be handed it).
Maker = Callable[..., Path]  # (record, config, form, out_dir, *, root, blob) → the form's path
_Shared = tuple[Config, Path, Path, Maker]
_Task = tuple[Any, str, tuple[str, ...]]  # a record, its file's blob id, the forms to make of it
_shared: _Shared | None = None  # in a worker process, set once when it starts
POOL_FROM = 16  # forms: below this, one process (a worker's start and its first templates cost more than it saves)


def _render_forms(shared: _Shared, task: _Task) -> list[Path]:
    config, root, out_dir, make = shared
    record, blob, forms = task
    return [make(record, config, form, out_dir / record.id, root=root, blob=blob) for form in forms]


def _render_task(task: _Task) -> list[Path]:
    assert _shared is not None, "a worker renders only after _start_worker"
    return _render_forms(_shared, task)


def cores() -> int:
    """The cores this process may run on (a container's or taskset's limit, not the machine's)."""
    if sys.version_info >= (3, 13):
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def render_many(root: Path, config: Config, records: Iterable[Any], out_dir: Path,
                forms: Sequence[str] | None = None, progress: Callable[[Path], None] | None = None, *,
                has: Callable[[Any], list[str]] = available, make: Maker = render,
                blob_of: Callable[[Path, str], str] = record_blob) -> list[Path]:
    """Every available form (or those asked for) of many records, across the machine's cores.

    Projects by default; `has`, `make` and `blob_of` give another kind's forms (a branch's, gradingforms.py).
    A form's name is its template's, so the templates are read once here before the workers start.
    """
    tasks: list[_Task] = []
    for record in records:
        wanted = tuple(form for form in has(record) if forms is None or form in forms)
        if wanted:
            tasks.append((record, blob_of(root, record.id), wanted))
    shared = (config, root, out_dir, make)
    count = sum(len(wanted) for _, _, wanted in tasks)
    workers = min(cores(), len(tasks))
    if count < POOL_FROM or workers < 2:
        return _collect((path for task in tasks for path in _render_forms(shared, task)), progress)
    # Each worker compiles each template once; chunks of a few projects keep the queue's round trips few while
    # every worker still gets several chunks to balance the load.
    chunk = max(1, min(8, len(tasks) // (8 * workers)))
    from dangjian_cli import wordform

    for template in {template_path(root, form) for _, _, wanted in tasks for form in wanted}:
        with _reading(template):  # read here, once: forked workers start with it
            wordform.prepare(template)
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=(os.getpid(), shared))
    try:
        with _terminate_as_exit():
            made = pool.map(_render_task, tasks, chunksize=chunk)
            return _collect((path for paths in made for path in paths), progress)
    except BaseException:
        # Ctrl-C or SIGTERM: the forms being made are dropped with the rest, not waited for
        for worker in list((getattr(pool, "_processes", None) or {}).values()):  # the executor offers no terminate()
            worker.terminate()
        raise
    finally:  # no worker is left behind
        pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """SIGTERM ends dj the way Ctrl-C does, through `finally`, instead of dying on the spot."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    before = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before if before is not None else signal.SIG_DFL)


def _start_worker(parent: int, shared: _Shared) -> None:
    """A worker dies with the dj that started it, even when dj is killed with SIGKILL (Linux)."""
    import signal

    global _shared
    _shared = shared

    # A forked worker inherits dj's handlers: SIGTERM must end it, not become an error it reports and
    # outlives; Ctrl-C reaches the whole process group, and dj itself then shuts the pool down.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
        try:  # dj may have died before the request above was made
            os.kill(parent, 0)
        except ProcessLookupError:
            signal.raise_signal(signal.SIGTERM)


def _collect(paths: Iterable[Path], progress: Callable[[Path], None] | None) -> list[Path]:
    done = []
    for path in paths:
        done.append(path)
        if progress:
            progress(path)
    return done


# --- PDF -------------------------------------------------------------------------------


def to_pdf(paths: Sequence[Path], out_dir: Path, runs: int | None = None) -> list[Path]:
    """Each .docx as `out_dir/<its name>.pdf`, by LibreOffice runs of many forms each, one run per core at most."""
    from dangjian_cli import pdf

    return pdf.to_pdf(paths, out_dir, runs or cores())

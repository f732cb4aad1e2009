"""Was every change made through dj, by someone allowed to make it? `dj check --base` and `dj audit`.

Every commit that changes a record is re-run (stepcheck.py): the step its trailers name, with its
recorded arguments, date and actor, on the record as it was before, under the dj.yaml in force then
(the parent's for an audit, the target branch's for a pull request). A merge must equal its first
parent with the other side's steps re-run on top. Configuration (dj.yaml, allowed_signers,
templates, schemas, CI files) changes only by a clerk, and signatures are checked per commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path

from dangjian_cli import gitrepo, gitstream, signing, store
from dangjian_cli.branchmodel import Branch
from dangjian_cli.checks import Problem
from dangjian_cli.config import Config
from dangjian_cli.errors import DjError
from dangjian_cli.history import Commit, History, found, is_record
from dangjian_cli.kinds import KINDS, PROJECT, AnyRecord, kind_of
from dangjian_cli.stepcheck import clerks, is_clerk, peers_at, record_findings, rerun

_CI_FILES = (".github/", ".gitlab-ci.yml")
_GUARDED_DIRS = ("templates/", "schemas/", ".github/")


def _is_guarded(path: str, config: Config | None) -> bool:
    signers = config.allowed_signers if config else "allowed_signers"
    return path in (store.CONFIG_FILE, signers, ".gitlab-ci.yml") or path.startswith(_GUARDED_DIRS)


def _config_findings(k: Commit, files: Sequence[gitstream.FileChange]) -> list[Problem]:
    if k.rules is None or is_clerk(k.rules, k.c.email):
        return []  # the repository's first commit, or a clerk's
    return [k.found(f.new_path or f.old_path, "", "config",
                    f"{f.new_path or f.old_path} 被 {k.c.author} <{k.c.email}> {'删除' if f.kind == 'D' else '修改'}；"
                    f"配置、签名公钥、表格模板、schema 和 CI 文件只能由{clerks(k.rules)}修改。") for f in files]


def _signature_findings(h: History, k: Commit, shown: str) -> list[Problem]:
    assert k.rules is not None
    signers = h.objects.read(f"{k.rules_rev}:{k.rules.allowed_signers}") if k.rules_rev else None
    raw = h.objects.read(k.c.commit) or b""
    why = signing.verify(raw, signers, k.c.email.lower())
    if not why:
        return []
    return [k.found(shown, "", "signature", f"{why}；本仓库要求签名提交（require_signed），"
                    f"请提交者 {k.c.author} 用在 {k.rules.allowed_signers} 中登记的本人密钥签名后重新提交。")]


# --- merges ------------------------------------------------------------------------------


def _merge_findings(h: History, k: Commit, files: Sequence[gitstream.FileChange]) -> list[Problem]:
    """A merge must hold its first parent with the other side's steps re-run on top, and nothing else."""
    first, others = k.c.parents[0], k.c.parents[1:]
    out: list[Problem] = []
    for other in others:
        fork = h.fork(first, other)
        if fork is None:
            return [k.found(files[0].new_path, "", "merge", f"合并提交 {k.c.commit[:7]}（{k.c.author}）并入了一段"
                            f"与本仓库没有共同起点的历史；请撤销该合并。")]
        for f in files:
            path = f.new_path if f.new_blob else f.old_path
            if f.new_blob == h.objects.oid(f"{other}:{path}") and f.old_blob == h.objects.oid(f"{fork}:{path}"):
                continue  # only the other side changed it: its own commits are audited one by one
            if not is_record(path):
                if not is_clerk(k.rules, k.c.email):
                    out.append(k.found(path, "", "merge", f"合并提交 {k.c.commit[:7]}（{k.c.author}）改动了 {path}，"
                                       f"与合并的两边都不同；配置只能由{clerks(k.rules)}在普通提交中修改。"))
                continue
            expected, why = _rebase(h, path, _record(h, path, f.old_blob), fork, other)
            if why:
                out.append(k.found(path, "status", "merge", f"合并提交 {k.c.commit[:7]} 把另一边的步骤并入了"
                                   f"已经变化的项目：{why}；请撤销该合并，按主线上的记录用 dj 重新办理。"))
            elif _record(h, path, f.new_blob) != expected:
                out.append(k.found(path, "", "merge", f"合并提交 {k.c.commit[:7]}（{k.c.author}）中的 {path} 不等于"
                                   f"把另一边的步骤在主线上重做的结果；合并时手工改动了记录；"
                                   f"请撤销该合并，用 dj 重新办理。"))
    return out


def _record(h: History, path: str, oid: str | None) -> AnyRecord | str | None:
    return h.record(oid, kind_of(path) or PROJECT)


def _rebase(h: History, path: str, start: AnyRecord | str | None, fork: str, other: str
            ) -> tuple[AnyRecord | str | None, str]:
    """`start` with the steps of fork..other that touched `path` re-run on top: the result, or why one fails."""
    current, kind = start, kind_of(path) or PROJECT
    for side in gitstream.changes(h.root, [f"{fork}..{other}"], [path]):
        change = next((g for g in side.files if g.new_path == path), None)
        after = h.record(change.new_blob if change else None, kind)
        sk = Commit(side, h.config_at(side.parents[0]) if side.parents else None, None)
        t = kind.transitions.get(sk.action)
        if after is None or isinstance(after, str) or current is None or isinstance(current, str):
            current = after
        elif t is None:  # a hand edit: carried over as it is, in the fields a hand may change
            free = kind.free - {"schema_version"}
            current = current.model_copy(update={key: getattr(after, key) for key in free})
        else:
            peers = peers_at(h, side.parents[0] if side.parents else None, after) if isinstance(after, Branch) \
                else None
            expected, refused = rerun(sk, t, current, after, path, kind, peers)
            if refused:
                return None, f"{side.commit[:7]}“{t.label}”{refused[0].message}"
            current = expected
    return current, ""


# --- walking history ---------------------------------------------------------------------


def _findings(h: History, k: Commit) -> list[Problem]:
    c = k.c
    records = [f for f in c.files if is_record(f.old_path) or is_record(f.new_path)]
    guarded = [f for f in c.files if f not in records and (_is_guarded(f.old_path, k.rules)
                                                           or _is_guarded(f.new_path, k.rules))]
    if not records and not guarded:
        return []
    if len(c.parents) > 1:
        return _merge_findings(h, k, records + guarded)
    out = _config_findings(k, guarded) + record_findings(h, k, records)
    if k.rules is not None and k.rules.require_signed:
        out += _signature_findings(h, k, (records + guarded)[0].new_path)
    return out


def _watched(config: Config | None) -> list[str]:
    # The default signers file always, and HEAD's: a key slipped in before the file moved still shows.
    return list(dict.fromkeys([store.PROJECTS_DIR, store.BRANCHES_DIR, store.CONFIG_FILE, "templates", "schemas",
                               *_CI_FILES, "allowed_signers", config.allowed_signers if config else "allowed_signers"]))


def verify(root: Path, revisions: Sequence[str], base: str | None = None,
           watched_config: Config | None = None, fork: str | None = None) -> list[Problem]:
    """Check each commit of `revisions` against the rules before it (or always `base`'s rules)."""
    with gitstream.Objects(root) as objects:
        h = History(root, objects)
        fixed = h.config_at(base) if base else None
        fork_config = h.config_at(fork) if fork else None
        out: list[Problem] = []
        roots = 0
        for c in _read_ahead(h, gitstream.changes(root, revisions, _watched(watched_config), merges=True,
                                                whole_tree=True)):
            parent = c.parents[0] if c.parents else None
            k = Commit(c, h.config_at(parent), base or parent, fixed)
            k.fork, k.fork_config = fork, fork_config
            if not c.parents:
                roots += 1
                if base or roots > 1:  # only the repository's own first commit starts from nothing
                    out.append(k.found(c.files[0].new_path if c.files else "", "", "root",
                                       f"提交 {c.commit[:7]}（{c.author}）是另一段历史的起点，不是由本仓库的历史而来；"
                                       f"请撤销并入它的合并。"))
            found_here = _findings(h, k)
            h.walked(c, legal=not any(f.file == store.CONFIG_FILE for f in found_here))
            out += found_here
        for merge, parents in gitrepo.merges(root, revisions):
            out += _dropped_findings(h, merge, parents)
        return out


_WINDOW = 256  # commits whose records are asked of git at once


def _read_ahead(h: History, commits: Iterator[gitstream.CommitChanges]) -> Iterator[gitstream.CommitChanges]:
    """The commits in windows, each window's records asked of git while the window before it is checked."""
    window = list(islice(commits, _WINDOW))
    asked = h.ask(window)
    while window:
        following = list(islice(commits, _WINDOW))
        asked_next = h.ask(following, after=window)
        h.collect(asked)
        yield from window
        window, asked = following, asked_next


def _dropped_findings(h: History, merge: str, parents: Sequence[str]) -> list[Problem]:
    """A merge that keeps its first parent's record and silently drops the other side's steps (`-s ours`)."""
    out = []
    for other in parents[1:]:
        fork = h.fork(parents[0], other)
        if fork is None:
            continue  # reported as an unrelated history
        paths = [p for kind in KINDS for p in gitrepo.changed_paths(h.root, fork, other, kind.folder)]
        for path in paths:
            kept, theirs = h.objects.oid(f"{merge}:{path}"), h.objects.oid(f"{other}:{path}")
            if kept == theirs or kept != h.objects.oid(f"{parents[0]}:{path}"):
                continue  # taken over, or changed by the merge itself: checked against the first parent
            expected, why = _rebase(h, path, _record(h, path, kept), fork, other)
            if why or expected != _record(h, path, kept):
                out.append(found(path, "", "merge", f"合并提交 {merge[:7]} 保留了一边的记录，丢掉了另一边"
                                 f"（{other[:7]}）已经办理的步骤；请撤销该合并，正常合并后再提交。", merge))
    return out


def audit(root: Path, since: str | None = None) -> list[Problem]:
    """Every commit since `since` (or ever), checked against the rules of its time."""
    start = gitrepo.rev_parse(root, since) if since else None
    return verify(root, [f"{start}..HEAD" if start else "HEAD"], watched_config=_head_config(root))


def _head_config(root: Path) -> Config | None:
    try:
        return store.load_config(root)
    except DjError:
        return None


def check_base(root: Path, base: str) -> list[Problem]:
    """What a pull request adds on top of `base`, checked against `base`'s own rules."""
    target = gitrepo.rev_parse(root, base)
    fork = gitrepo.merge_base(root, target, "HEAD")
    if fork is None:
        raise DjError(f"本分支与 {base} 没有共同的历史，不是从数据仓库克隆出来的；请从 {base} 重新建分支后再办理。")
    if gitrepo.file_at(root, target, store.CONFIG_FILE) is None:
        raise DjError(f"{base} 上没有 {store.CONFIG_FILE}；请确认 --base 指向数据仓库的主分支。")
    out = verify(root, [f"{fork}..HEAD"], base=target, watched_config=_head_config(root), fork=fork)
    return out + list(_duplicate_ids(root, base, target, fork)) + _overtaken(root, base, target, fork)


def _overtaken(root: Path, base: str, target: str, fork: str) -> list[Problem]:
    """Records both this branch and `base` changed since they parted: this branch's steps must still hold."""
    mine, theirs = ({p for kind in KINDS for p in gitrepo.changed_paths(root, fork, rev, kind.folder)}
                    for rev in ("HEAD", target))
    out = []
    with gitstream.Objects(root) as objects:
        h = History(root, objects)
        for path in sorted(mine & theirs):
            if objects.oid(f"{fork}:{path}") is None:
                continue  # new on both sides: two applications took one number (reported as duplicate-id)
            start = _record(h, path, objects.oid(f"{target}:{path}"))
            _, why = _rebase(h, path, start, fork, "HEAD")
            if why:
                out.append(found(path, "status", "overtaken",
                                 f"{base} 上这个项目已有新的变化，本分支的步骤不再成立：{why}；"
                                  f"请先 git fetch 并 git rebase {base}，再按最新记录办理。"))
    return out


def _duplicate_ids(root: Path, base: str, target: str, fork: str) -> Iterable[Problem]:
    taken = gitrepo.files_at(root, target, store.PROJECTS_DIR)
    before = gitrepo.files_at(root, fork, store.PROJECTS_DIR)
    for path, blob in gitrepo.files_at(root, "HEAD", store.PROJECTS_DIR).items():
        if path not in before and path in taken and taken[path] != blob:
            project_id = Path(path).stem
            yield found(path, "id", "duplicate-id", f"编号 {project_id} 在 {base} 上已被另一个项目占用"
                         f"（两处同时申报）；请在本分支运行 dj renumber {project_id} --base {base} "
                         f"换一个编号后再提交。")
    # A branch's record has no renumbering: the later survey is dropped and taken again on top of `base`.
    taken = gitrepo.files_at(root, target, store.BRANCHES_DIR)
    before = gitrepo.files_at(root, fork, store.BRANCHES_DIR)
    for path, blob in gitrepo.files_at(root, "HEAD", store.BRANCHES_DIR).items():
        if path not in before and path in taken and taken[path] != blob:
            yield found(path, "id", "duplicate-id", f"编号 {Path(path).stem} 在 {base} 上已被另一个党支部定级记录占用"
                         f"（两处同时调查摸底）；请 git rebase {base}，去掉本分支的这次调查摸底，"
                         f"再按 {base} 上最新的记录用 dj branch survey 重新办理。")

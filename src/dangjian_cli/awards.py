"""Steps over many projects or a unit's share: awards (001, 003), the innovation competition (002), quotas (003).

Pure functions like workflow's: records and a Context in, new records or a DjError out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from dangjian_cli import scoring
from dangjian_cli.config import Awards, Competition, Config, Person, Quota, Role, Unit
from dangjian_cli.context import Context
from dangjian_cli.errors import DjError
from dangjian_cli.model import Entry, Project, Status
from dangjian_cli.scoring import Placing
from dangjian_cli.summary import Summary
from dangjian_cli.workflow import TRANSITIONS, begin, put_sheet, score_sheet, update

# --- quotas (003: a township proposes 2–3 innovation projects a year, a department 1–2) ---


def counts_for(quota: Quota, project: Project | Summary) -> bool:
    """Whether a project takes one of its unit's places: a rejected application gives its place back."""
    return (project.status is not Status.rejected
            and (not quota.types or project.type in quota.types)
            and (not quota.categories or project.category in quota.categories))


def check_quota(config: Config, unit: Unit, siblings: Iterable[Project], new: Project) -> None:
    """Refuse an application beyond the unit's maximum for the cycle."""
    quota = config.quota(unit.kind)
    if quota is None or quota.max is None or not counts_for(quota, new):
        return
    taken = sorted(p.id for p in siblings if p.cycle == new.cycle and counts_for(quota, p))
    if len(taken) >= quota.max:
        raise DjError(
            f"{unit.name} {new.cycle} 年度已申报 {len(taken)} 个项目（{'、'.join(taken)}），"
            f"已达 dj.yaml 中 quotas 规定的上限 {quota.max} 个；请先撤回或终止其中一个，或与组织部商定调整名额。"
        )


# --- the innovation competition (002) ----------------------------------------------


def _competition(config: Config) -> Competition:
    if config.competition is None:
        raise DjError("dj.yaml 中没有 competition（创新项目评比）配置；请先按预设补上推荐名额、答辩评分标准和奖项。")
    return config.competition


def _entry(project: Project, shortlisted: bool = False) -> Entry:
    entry = project.competition
    if entry is None:
        raise DjError(f"项目 {project.id} 还没有被推荐参加评比；请先由所在单位用 dj recommend {project.id} 推荐。")
    if shortlisted and entry.shortlisted is None:
        raise DjError(f"项目 {project.id} 尚未入围答辩；请先用 dj shortlist {project.id} 确定入围。")
    return entry


def recommend(project: Project, ctx: Context) -> Project:
    """基层推荐: the project's own unit (its applicant, or a clerk) puts it forward, before calendar.recommend_by."""
    begin(project, "recommend", ctx)
    _competition(ctx.config)
    if project.competition is not None:
        raise DjError(f"项目 {project.id} 已于 {project.competition.recommended} 推荐过，无需再次推荐。")
    deadline = ctx.config.calendar.recommend_by
    if deadline is not None and ctx.on > deadline:
        raise DjError(f"推荐截止日期是 {deadline}，{ctx.on} 已过期，不能再推荐；"
                      f"确是在截止日期前推荐的，请用 --date 写上实际推荐的日期。")
    return update(project, competition=Entry(recommended=ctx.on, recommended_by=ctx.actor.name))


def shortlist(project: Project, ctx: Context) -> Project:
    """初步审核: the department picks the finalists who defend on site."""
    begin(project, "shortlist", ctx)
    entry = _entry(project)
    if entry.shortlisted is not None:
        raise DjError(f"项目 {project.id} 已于 {entry.shortlisted} 入围答辩，无需再次办理。")
    if ctx.on < entry.recommended:
        raise DjError(f"入围日期 {ctx.on} 早于推荐日期 {entry.recommended}；请检查 --date。")
    return update(project, competition=entry.model_copy(update={"shortlisted": ctx.on}))


def defense(project: Project, ctx: Context, *, judge: Person, points: Mapping[str, str],
            comment: str = "") -> Project:
    """答辩评分: a judge's sheet against the competition's own criteria; again replaces it."""
    begin(project, "defense", ctx)
    rules = _competition(ctx.config)
    entry = _entry(project, shortlisted=True)
    assert entry.shortlisted is not None
    if ctx.on < entry.shortlisted:
        raise DjError(f"评分日期 {ctx.on} 早于入围日期 {entry.shortlisted}；请检查 --date。")
    sheet = score_sheet(project, ctx, rules.defense, reviewer=judge, role=Role.judge, points=points,
                        comment=comment)
    return update(project, competition=entry.model_copy(update={"scores": put_sheet(entry.scores, sheet)}))


# --- awards --------------------------------------------------------------------------


Ranking = tuple[list[Placing], list[Project]]  # everyone's place, and the records whose award changed


class Undecided(DjError):
    """A tie across a prize's boundary that the panel has not ordered: the refusal, and the ranking as it stands.

    `placings` breaks the tie by number only, to show where the tied projects stand; `tied` holds each
    group the panel must order, and no award is given from it.
    """

    def __init__(self, message: str, placings: list[Placing], tied: list[list[str]]) -> None:
        super().__init__(message)
        self.placings = placings
        self.tied = tied


def _rank(totals: Mapping[str, Decimal], rules: Awards, order: Sequence[str]) -> list[Placing]:
    """scoring.rank_awards, whose refusal of an unordered tie carries the ranking the panel must decide on."""
    try:
        return scoring.rank_awards(totals, rules, order)
    except DjError as refused:
        if any(pid not in totals for pid in order):
            raise
        rest = sorted((pid for pid in totals if pid not in order), key=lambda pid: (-totals[pid], pid))
        trial = scoring.rank_awards(totals, rules, [*order, *rest])
        groups: dict[Decimal, list[Placing]] = {}
        for pl in trial:
            groups.setdefault(pl.total, []).append(pl)
        tied = [[pl.project_id for pl in group] for group in groups.values()
                if len({pl.award for pl in group}) > 1 and not all(pl.project_id in order for pl in group)]
        if not tied:
            raise
        raise Undecided(refused.message, trial, tied) from None


def award(projects: Sequence[Project], ctx: Context, order: Sequence[str] = ()) -> Ranking:
    """评比表彰 (001, 003): rank the cycle's accepted projects; return the ranking and the changed records."""
    if ctx.config.awards is None:
        raise DjError("dj.yaml 中没有 awards（评比表彰）配置；请先按预设补上参评最低分和奖项名额。")
    accepted = [p for p in projects if p.status is Status.accepted and p.result is not None]
    if not accepted:
        raise DjError("本年度还没有已验收的项目，无法评比表彰；请先完成验收（dj accept）。")
    for p in accepted:
        begin(p, "award", ctx)
    totals = {p.id: p.result.total for p in accepted if p.result is not None}
    placings = _rank(totals, ctx.config.awards, order)
    won = {pl.project_id: pl.award for pl in placings}
    changed = []
    for p in accepted:
        assert p.result is not None
        prize = won.get(p.id, "")
        if p.result.award != prize:
            changed.append(update(p, result=p.result.model_copy(update={"award": prize})))
    return placings, changed


def competition_award(projects: Sequence[Project], ctx: Context, order: Sequence[str] = ()) -> Ranking:
    """评选基层党建工作创新项目奖 (002): finalists ranked by their judges' trimmed mean."""
    rules = _competition(ctx.config)
    eligible = TRANSITIONS["competition-award"].sources  # a finalist terminated since drops out
    finalists = [p for p in projects
                 if p.competition is not None and p.competition.shortlisted is not None and p.status in eligible]
    if not finalists:
        raise DjError("还没有入围答辩的项目；请先用 dj shortlist 确定入围项目，并录入答辩评分。")
    unscored = [p.id for p in finalists if p.competition is not None and not p.competition.scores]
    if unscored:
        raise DjError(f"{'、'.join(unscored)} 还没有答辩评分；请先用 dj score ID --round defense 录入。")
    totals: dict[str, Decimal] = {}
    for p in finalists:
        begin(p, "competition-award", ctx)
        assert p.competition is not None
        totals[p.id] = scoring.trimmed_mean([s.total for s in p.competition.scores], rules.defense.trim_from)
    placings = _rank(totals, rules.awards, order)
    won = {pl.project_id: pl.award for pl in placings}
    changed = []
    for p in finalists:
        assert p.competition is not None
        entry = p.competition.model_copy(update={"total": totals[p.id], "award": won.get(p.id, "")})
        if entry != p.competition:
            changed.append(update(p, competition=entry))
    return placings, changed

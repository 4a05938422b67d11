"""Aggregates for the dashboard and the daily summary, computed in SQL (SQLite and PostgreSQL)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, case, distinct, exists, func, literal, nulls_first, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from ..coverage import campaign_grids, campaign_households, campaign_tallies, household_stats
from ..clock import day_bounds
from ..extensions import db
from ..models import (
    REACHED_OUTCOMES,
    RESIDENT_CATEGORIES,
    AuditLog,
    Campaign,
    CampaignTally,
    CareTag,
    Case,
    CaseEvent,
    Checkpoint,
    Community,
    DailySummary,
    Grid,
    GridCount,
    Household,
    Patrol,
    PatrolScan,
    Resident,
    Route,
    Street,
    User,
    Visit,
)
from ..paging import Page, take_page
from ..patrols.queries import round_results

BURST_SECONDS = 10  # two knocks closer than this are not two real conversations
BURST_FLAG = 3  # this many such quick successions in a day flags the volunteer


@dataclass
class Coverage:
    obj: object
    households: int
    visited: int
    reached: int

    @property
    def share(self) -> float:
        return self.reached / self.households if self.households else 0.0


def coverage_by(campaign: Campaign, model, grid_id: int | None = None) -> list[Coverage]:
    """Households, visited and reached per grid or per building of the campaign's scope
    (buildings of one grid when grid_id is given: a community can have thousands).

    Two aggregates instead of one outer join over every household: the door counts come from an
    index, and only visited households are joined to their visits.
    """
    if model is Grid and not grid_id:
        return _coverage_by_grid(campaign)
    key = Household.grid_id if model is Grid else Household.building_id
    scope = campaign_households(campaign)
    if grid_id:
        scope = and_(scope, Household.grid_id == grid_id)
    doors = dict(db.session.execute(select(key, func.count()).where(scope).group_by(key)).all())
    stats = household_stats(campaign)
    visited = {k: (int(v), int(r or 0)) for k, v, r in db.session.execute(
        select(key, func.count(), func.sum(stats.c.reached))
        .join(stats, stats.c.household_id == Household.id).where(scope).group_by(key)).all()}
    objects = db.session.scalars(select(model).where(model.id.in_(doors)).order_by(model.id)).all()
    return [Coverage(obj, int(doors[obj.id]), *visited.get(obj.id, (0, 0))) for obj in objects]


def _coverage_by_grid(campaign: Campaign) -> list[Coverage]:
    """Per grid, from the kept counts (coverage.py): as quick for a district as for a village."""
    doors = dict(db.session.execute(select(GridCount.grid_id, GridCount.households)
                                    .where(GridCount.grid_id.in_(campaign_grids(campaign)))).all())
    tallies = {t.grid_id: t for t in db.session.scalars(select(CampaignTally)
                                                        .where(CampaignTally.campaign_id == campaign.id))}
    grids = db.session.scalars(select(Grid).where(Grid.id.in_(campaign_grids(campaign))).order_by(Grid.id)).all()
    return [Coverage(grid, int(doors.get(grid.id, 0)), tallies[grid.id].visited if grid.id in tallies else 0,
                     tallies[grid.id].reached if grid.id in tallies else 0)
            for grid in grids if doors.get(grid.id)]


@dataclass
class Rollup:
    """One community's (or a street's, or the district's) campaign figures in the admin's roll-up."""

    name: str
    households: int = 0
    visited: int = 0
    reached: int = 0
    escalated: int = 0
    campaign: str | None = None
    community_id: int | None = None  # a community's row links down to its dashboard

    @property
    def share(self) -> float:
        return self.reached / self.households if self.households else 0.0

    def add(self, other: Rollup) -> None:
        for attr in ("households", "visited", "reached", "escalated"):
            setattr(self, attr, getattr(self, attr) + getattr(other, attr))


def district_rollup(today: date) -> tuple[list[tuple[Rollup, list[Rollup]]], Rollup]:
    """Every street's communities with the campaign in force in each (the latest whole-community one),
    from the kept counts: four small queries, the same at 3,000 households as at 300,000."""
    communities = db.session.execute(select(Community.id, Community.name, Street.id, Street.name)
                                     .join(Street, Street.id == Community.street_id)
                                     .order_by(Street.name, Community.name)).all()
    campaigns: dict[int, tuple[int, str]] = {}
    for campaign_id, community_id, name in db.session.execute(
            select(Campaign.id, Campaign.community_id, Campaign.name)
            .where(Campaign.grid_id.is_(None), Campaign.starts_on <= today, Campaign.ends_on >= today)
            .order_by(Campaign.starts_on, Campaign.id)):
        campaigns[community_id] = (campaign_id, name)  # the latest started wins, as in active_campaign
    households = dict(db.session.execute(select(Grid.community_id, func.sum(GridCount.households))
                                         .join(Grid, Grid.id == GridCount.grid_id).group_by(Grid.community_id)).all())
    ids = [campaign_id for campaign_id, _ in campaigns.values()]
    tallies = campaign_tallies(ids)
    streets: dict[int, tuple[Rollup, list[Rollup]]] = {}
    district = Rollup("")
    for community_id, community_name, street_id, street_name in communities:
        campaign_id, campaign_name = campaigns.get(community_id, (None, None))
        visited, reached, escalated = tallies.get(campaign_id, (0, 0, 0))
        row = Rollup(community_name, int(households.get(community_id) or 0), visited, reached, escalated,
                     campaign_name, community_id)
        street, rows = streets.setdefault(street_id, (Rollup(street_name), []))
        rows.append(row)
        street.add(row)
        district.add(row)
    return list(streets.values()), district


@dataclass
class StreetSummary:
    """A street's communities with their signed summaries of a day, and the total of those signed."""
    street: Street
    entries: list[tuple[Community, DailySummary | None, dict | None]]
    totals: dict[str, int]


def street_summaries(day: date) -> list[StreetSummary]:
    """Every street's communities and their signed summary of the day, in three statements however
    many communities there are (one for the summaries with their signers, two for the places)."""
    signed = {summary.community_id: summary for summary in db.session.scalars(
        select(DailySummary).where(DailySummary.day == day).options(joinedload(DailySummary.signed_by)))}
    result = []
    for street in db.session.scalars(select(Street).order_by(Street.name).options(selectinload(Street.communities))):
        totals = {column: 0 for column in (*SUMMARY_COLUMNS, "findings", "open_cases")}
        entries = []
        for community in street.communities:
            summary = signed.get(community.id)
            figures = json.loads(summary.figures)["totals"] if summary else None
            for column in totals if figures else ():
                totals[column] += figures.get(column, 0)
            entries.append((community, summary, figures))
        result.append(StreetSummary(street, entries, totals))
    return result


def _seconds_between(later, earlier):
    if db.engine.dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 86400
    return func.extract("epoch", later - earlier)


@dataclass
class VolunteerDay:
    user: User
    knocks: int
    reached: int
    first: datetime
    last: datetime
    quick: int

    @property
    def burst(self) -> bool:
        return self.quick >= BURST_FLAG


def knocks_by_volunteer(community_ids, day: date) -> list[VolunteerDay]:
    """Today's knocks per volunteer: count, reached, first and last, and knocks too fast to be real."""
    start, end = day_bounds(day)
    of_the_day = _door_knocks_of_the_day(community_ids, start, end)
    previous = func.lag(of_the_day.c.visited_at).over(partition_by=of_the_day.c.user_id,
                                                      order_by=of_the_day.c.visited_at)
    knocks = select(of_the_day.c.user_id, of_the_day.c.outcome, of_the_day.c.visited_at,
                    previous.label("previous")).subquery()
    gap = _seconds_between(knocks.c.visited_at, knocks.c.previous)
    rows = db.session.execute(
        select(User, func.count(), func.sum(case((knocks.c.outcome.in_(REACHED_OUTCOMES), 1), else_=0)),
               func.min(knocks.c.visited_at), func.max(knocks.c.visited_at),
               func.sum(case((and_(knocks.c.previous.isnot(None), gap < BURST_SECONDS), 1), else_=0)))
        .join(knocks, knocks.c.user_id == User.id).group_by(User.id).order_by(func.count().desc())).all()
    return [VolunteerDay(u, int(n), int(r or 0), f, la, int(q or 0)) for u, n, r, f, la, q in rows]


def _door_knocks_of_the_day(community_ids, start: datetime, end: datetime):
    """The community's doors first, then each door's visits of the day (ix_visits_household_at), so
    the cost follows the community, not the district's visits. PostgreSQL gets the per-door walk
    spelled out (LATERAL, kept apart by OFFSET 0): given `IN (the community's doors)` its planner
    scans every visit of the district and hashes (20 ms at 300,000 households against 2 ms). SQLite
    already probes the index per door, and has no LATERAL."""
    of_the_day = (Visit.undone_at.is_(None), Visit.visited_at >= start, Visit.visited_at < end,
                  Visit.channel == "door")
    columns = (Visit.user_id, Visit.outcome, Visit.visited_at)
    doors_of = Household.community_id.in_(community_ids)
    if db.engine.dialect.name != "postgresql":
        return select(*columns).where(Visit.household_id.in_(select(Household.id).where(doors_of)),
                                      *of_the_day).subquery()
    per_door = select(*columns).where(Visit.household_id == Household.id, *of_the_day).offset(0).lateral()
    return select(per_door).select_from(Household).join(per_door, literal(True)).where(doors_of).subquery()


def open_case_count(community_ids, at: datetime | None = None) -> int:
    """Cases open at a moment (now if None): created by then and not solved by then."""
    statement = select(func.count(Case.id)).where(Case.community_id.in_(community_ids))
    if at is None:
        return db.session.scalar(statement.where(Case.status != "solved"))
    solved = exists().where(CaseEvent.case_id == Case.id, CaseEvent.status == "solved", CaseEvent.at < at)
    return db.session.scalar(statement.where(Case.created_at < at, ~solved))


def findings_count(community_ids, day: date) -> int:
    start, end = day_bounds(day)
    seen = func.coalesce(PatrolScan.device_time, PatrolScan.scanned_at)
    return db.session.scalar(select(func.count(PatrolScan.id)).join(Checkpoint).where(
        Checkpoint.community_id.in_(community_ids), PatrolScan.result == "finding", seen >= start, seen < end))


def _findings(community_ids, day: date):
    start, end = day_bounds(day)
    seen = func.coalesce(PatrolScan.device_time, PatrolScan.scanned_at)
    return (select(PatrolScan).join(Checkpoint).where(
        Checkpoint.community_id.in_(community_ids), PatrolScan.result == "finding", seen >= start, seen < end)
        .options(selectinload(PatrolScan.checkpoint),
                 selectinload(PatrolScan.patrol).selectinload(Patrol.user),
                 selectinload(PatrolScan.case).selectinload(Case.group))
        .order_by(seen, PatrolScan.id))


def findings_of(community_ids, day: date, page_number: int = 1) -> Page:
    """The day's patrol findings themselves (the summary lists them, not only counts them), in the order
    they were seen, a page at a time (?findings_page=)."""
    return take_page(_findings(community_ids, day), page_number, scalars=True, name="findings_page")


def all_findings(community_ids, day: date, limit: int = 5000) -> list[PatrolScan]:
    """Every finding of the day, for the summary's export (a day's patrols find dozens, not thousands)."""
    return list(db.session.scalars(_findings(community_ids, day).limit(limit)))


SUMMARY_COLUMNS = ("checked", "reached", "not_home", "refused", "vacant",
                   *(f"new_{category}" for category in RESIDENT_CATEGORIES))


@dataclass
class SummaryRow:
    grid_id: int
    grid_name: str
    figures: dict = field(default_factory=dict)


def daily_summary(community_id: int, day: date) -> tuple[list[SummaryRow], dict]:
    """One row per grid: households checked, reached, not home, refused, vacant, and new arrivals by the
    four categories; plus the community's patrol findings, its rounds by state and open cases at the end
    of the day."""
    start, end = day_bounds(day)
    day_visits = and_(Visit.undone_at.is_(None), Visit.visited_at >= start, Visit.visited_at < end)

    def households_with(*outcomes):
        condition = Visit.outcome.in_(outcomes) if outcomes else literal(True)
        return func.count(distinct(case((condition, Visit.household_id))))

    visits = dict((row[0], row[1:]) for row in db.session.execute(
        select(Household.grid_id, households_with(), households_with(*REACHED_OUTCOMES),
               households_with("not_home"), households_with("refused"), households_with("vacant", "moved_out"))
        .join(Visit, Visit.household_id == Household.id)
        .where(Household.community_id == community_id, day_visits).group_by(Household.grid_id)).all())
    arrivals: dict[int, dict[str, int]] = {}
    for grid_id, category, number in db.session.execute(
            select(Household.grid_id, Resident.category, func.count(Resident.id)).join(Household)
            .where(Household.community_id == community_id, Resident.created_at >= start, Resident.created_at < end)
            .group_by(Household.grid_id, Resident.category)).all():
        arrivals.setdefault(grid_id, {})[category] = int(number)
    rows = []
    for grid in db.session.scalars(select(Grid).where(Grid.community_id == community_id).order_by(Grid.id)):
        counted = visits.get(grid.id, (0, 0, 0, 0, 0))
        figures = dict(zip(("checked", "reached", "not_home", "refused", "vacant"), (int(n) for n in counted)))
        for category in RESIDENT_CATEGORIES:
            figures[f"new_{category}"] = arrivals.get(grid.id, {}).get(category, 0)
        rows.append(SummaryRow(grid.id, grid.name, figures))
    totals = {column: sum(row.figures[column] for row in rows) for column in SUMMARY_COLUMNS}
    totals["findings"] = findings_count([community_id], day)
    totals["open_cases"] = open_case_count([community_id], end)
    # 一日三巡: how the day's rounds went (on time, late, incomplete, missed), as the dashboard counts them.
    totals["rounds"] = patrol_summary([community_id], day)
    from ..lists.queries import day_counts  # pushed-list checks (一摸四查) count in the day's summary

    totals.update(day_counts(community_id, day))
    return rows, totals


def summary_table(community_id: int, day: date) -> tuple[list[dict], dict]:
    """The daily summary as plain rows ({"grid": name, figure: n, …}) and totals, as it is shown and signed."""
    rows, totals = daily_summary(community_id, day)
    return [{"grid": row.grid_name, **row.figures} for row in rows], totals


def care_list(household_scope, page_number: int = 1) -> Page:
    """Residents with care tags in scope, with the household's last contact (a verified visit), longest
    without contact first, a page at a time; the page counts them all.
    The last contact is looked up per door (ix_visits_household_at), not grouped over every visit of
    the district; the household and the tags come in the same two statements, not one per row."""
    last_contact = (select(func.max(Visit.visited_at))
                    .where(Visit.household_id == Household.id, Visit.undone_at.is_(None), Visit.outcome == "verified")
                    .correlate(Household).scalar_subquery().label("last_contact"))
    in_care = (Resident.moved_out.is_(False), exists().where(CareTag.resident_id == Resident.id))
    total = db.session.scalar(select(func.count()).select_from(Resident).join(Resident.household)
                              .where(household_scope, *in_care))
    statement = (select(Resident, last_contact).join(Resident.household)
                 .options(contains_eager(Resident.household), selectinload(Resident.care_tags))
                 .where(household_scope, *in_care)
                 .order_by(nulls_first(last_contact.asc()), Household.address, Resident.id))
    return take_page(statement, page_number, total=total)


def audit_entries(user_ids: list[int] | None, page_number: int = 1) -> Page:
    """The audit log, newest first, a page at a time: everyone's (user_ids None) or these users'."""
    statement = select(AuditLog).options(joinedload(AuditLog.user)).order_by(AuditLog.at.desc(), AuditLog.id.desc())
    if user_ids is not None:
        statement = statement.where(AuditLog.user_id.in_(user_ids))
    return take_page(statement, page_number, scalars=True)


def patrol_summary(community_ids, day: date) -> dict[str, int]:
    counts: dict[str, int] = {}
    for route in db.session.scalars(select(Route).where(Route.community_id.in_(community_ids))):
        for result in round_results(route, day):
            counts[result.state] = counts.get(result.state, 0) + 1
    return counts



"""Campaign state: which drive is in force, and the one rule of "reached" and "escalated".

A household is reached in a campaign once it has a live (not undone) visit whose outcome is in
REACHED_OUTCOMES; it is escalated when it is not reached and has max_attempts or more not_home
visits. DoorState applies the rule to a few doors in Python (card, walk, floor picture);
household_stats()/coverage()/escalations() apply the same rule in SQL to a whole campaign
(campaign page, dashboard, summary). Both read the same constants; change them together here.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import and_, bindparam, case, event, func, or_, select
from sqlalchemy.orm import Session, make_transient_to_detached

from .clock import local_today, slot_of, suggest_slot
from .extensions import db
from .models import REACHED_OUTCOMES, Campaign, CampaignTally, Grid, GridCount, Household, NoteSlip, Visit

PROXY_AFTER_FAILURES = 2
DEFAULT_MAX_ATTEMPTS = 3


# Which campaign is in force changes a few times a month, and every card and knock asks: each worker
# keeps the answer for CAMPAIGN_TTL seconds (a campaign written through this process's sessions clears
# it at once; other workers and machines see the change within the TTL). Nothing here must be shared.
CAMPAIGN_TTL = 30.0
_in_force_lock = threading.Lock()


def _in_force() -> dict[tuple[int, int | None, date], tuple[float, dict | None]]:
    """This app's cache (one app per worker; tests make many apps on many databases)."""
    return current_app.extensions.setdefault("doorstep.campaigns_in_force", {})


def active_campaign(community_id: int, grid_id: int | None = None) -> Campaign | None:
    """The drive in force today for a community (or one of its grids); the latest started wins."""
    cache = g.setdefault("active_campaigns", {}) if has_request_context() else {}
    if (community_id, grid_id) not in cache:
        cache[(community_id, grid_id)] = _cached_active_campaign(community_id, grid_id)
    return cache[(community_id, grid_id)]


def _cached_active_campaign(community_id: int, grid_id: int | None) -> Campaign | None:
    key, now, cache = (community_id, grid_id, local_today()), time.monotonic(), _in_force()
    hit = cache.get(key)
    if hit is not None and hit[0] > now:
        if hit[1] is None:
            return None
        # Rebuilt from the values kept, and attached to this session without a query.
        campaign = Campaign(**hit[1])
        make_transient_to_detached(campaign)
        return db.session.merge(campaign, load=False)
    campaign = _active_campaign(community_id, grid_id)
    values = None if campaign is None else {c.key: getattr(campaign, c.key) for c in Campaign.__mapper__.column_attrs}
    with _in_force_lock:
        cache[key] = (now + CAMPAIGN_TTL, values)
        if len(cache) > 5000:  # days go by: drop stale keys now and then
            for stale in [k for k, (until, _) in cache.items() if until <= now]:
                cache.pop(stale, None)
    return campaign


def forget_campaigns() -> None:
    if has_app_context():
        with _in_force_lock:
            _in_force().clear()


@event.listens_for(Session, "after_flush")
def _campaign_written(session, _context) -> None:
    if any(isinstance(obj, Campaign) for obj in (*session.new, *session.dirty, *session.deleted)):
        forget_campaigns()


def _active_campaign(community_id: int, grid_id: int | None) -> Campaign | None:
    today = local_today()
    statement = select(Campaign).where(
        Campaign.community_id == community_id, Campaign.starts_on <= today, Campaign.ends_on >= today)
    if grid_id is not None:
        statement = statement.where(or_(Campaign.grid_id.is_(None), Campaign.grid_id == grid_id))
    else:
        statement = statement.where(Campaign.grid_id.is_(None))
    return db.session.scalar(statement.order_by(Campaign.starts_on.desc(), Campaign.id.desc()).limit(1))


def _newest_first(campaign: Campaign) -> tuple:
    # _active_campaign's order: the latest started wins, and of two started the same day the later made.
    return (-campaign.starts_on.toordinal(), -campaign.id)


@dataclass(frozen=True)
class TakenOver:
    """A newer drive in force that now takes the knocks of an older one: in all of its doors (grid None),
    or in one grid of them."""
    by: Campaign
    grid: Grid | None = None


def taken_over(campaigns: list[Campaign], today: date) -> dict[int, list[TakenOver]]:
    """For each drive in force today, the newer ones that take its knocks (active_campaign's rule over a
    list already read): without it, a drive whose figures stopped growing looks like idle volunteers."""
    in_force = sorted((c for c in campaigns if c.starts_on <= today <= c.ends_on), key=_newest_first)
    result = {}
    for position, campaign in enumerate(in_force):
        newer = [other for other in in_force[:position] if other.community_id == campaign.community_id]
        whole = next((other for other in newer if other.grid_id in (None, campaign.grid_id)), None)
        if whole is not None:
            result[campaign.id] = [TakenOver(whole)]
        elif campaign.grid_id is None:  # grid drives take their grid; the newest of each grid counts
            newest_of_grid = {}
            for other in newer:
                newest_of_grid.setdefault(other.grid_id, other)
            if newest_of_grid:
                result[campaign.id] = [TakenOver(other, other.grid) for other in newest_of_grid.values()]
    return result


@dataclass
class DoorState:
    """A door's standing in the campaign: what the floor picture and the walk show."""

    attempts: int = 0  # not_home visits
    reached: bool = False
    last_outcome: str | None = None
    last_at: datetime | None = None
    # When nobody was home (stored times): turned into times of day only when a revisit asks.
    not_home_at: list[datetime] = field(default_factory=list)
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    slip_left: bool = False

    def count(self, outcome: str, moment: datetime, slip_left: bool = False) -> None:
        """Add one live visit of the campaign, in the order they were logged."""
        self.last_outcome, self.last_at = outcome, moment
        if outcome == "not_home":
            self.attempts += 1
            self.not_home_at.append(moment)
        elif outcome in REACHED_OUTCOMES:
            self.reached = True
        self.slip_left = self.slip_left or slip_left

    @property
    def key(self) -> str:
        """reached, vacant, moved_out, not_home, refused, wrong_address or not_yet."""
        if self.last_outcome in ("vacant", "moved_out"):
            return self.last_outcome
        if self.reached:
            return "reached"
        return self.last_outcome or "not_yet"

    @property
    def picture_key(self) -> str:
        """The floor picture's cells: reached, vacant, escalated, slip_left, not_home, refused, wrong_address,
        not_yet. An escalated door (the rule of `escalated`, on the secretary's list) shows as escalated
        whatever its last knock was: the lead must see which doors are out of the volunteers' hands."""
        key = self.key
        if key == "moved_out":
            return "vacant"
        if self.escalated:
            return "escalated"
        if key == "not_home" and self.slip_left:
            return "slip_left"
        return key

    @property
    def escalated(self) -> bool:
        return not self.reached and self.attempts >= self.max_attempts

    @property
    def failed_slots(self) -> list[str]:
        return [slot_of(moment) for moment in self.not_home_at]

    @property
    def suggested_slot(self) -> str:
        return suggest_slot(self.failed_slots)

    @property
    def offer_proxy(self) -> bool:
        return not self.reached and self.attempts >= PROXY_AFTER_FAILURES


@lru_cache(maxsize=2)
def _door_visits(in_campaign: bool):
    """door_states' statement (the campaign's live visits), built once on the tables: every card, knock
    and walk runs it, and building an ORM select costs several times what SQLite takes to answer it."""
    visits, slips = Visit.__table__, NoteSlip.__table__
    live = visits.c.undone_at.is_(None)
    if in_campaign:
        live = and_(live, visits.c.campaign_id == bindparam("campaign_id"))
    return (select(visits.c.household_id, visits.c.outcome, func.coalesce(visits.c.device_time, visits.c.visited_at),
                   slips.c.id)
            .select_from(visits.outerjoin(slips, slips.c.visit_id == visits.c.id))
            .where(live, visits.c.household_id.in_(bindparam("household_ids", expanding=True)))
            .order_by(visits.c.household_id, visits.c.id))


def door_states(household_ids: list[int], campaign: Campaign | None) -> dict[int, DoorState]:
    """States of many doors from one query over their visits in the campaign (and the slips bound to them)."""
    max_attempts = campaign.max_attempts if campaign else DEFAULT_MAX_ATTEMPTS
    states = {hid: DoorState(max_attempts=max_attempts) for hid in household_ids}
    if not household_ids:
        return states
    parameters = {"household_ids": list(household_ids), **({"campaign_id": campaign.id} if campaign else {})}
    rows = db.session.execute(_door_visits(campaign is not None), parameters).all()
    for household_id, outcome, moment, slip_id in rows:
        states[household_id].count(outcome, moment, slip_left=slip_id is not None)
    return states


# --- the same rule in SQL, over a whole campaign ---------------------------------------------


def campaign_households(campaign: Campaign):
    condition = Household.community_id == campaign.community_id
    if campaign.grid_id:
        condition = and_(condition, Household.grid_id == campaign.grid_id)
    return condition


def household_stats(campaign: Campaign):
    """Per household visited in a campaign: reached (0/1) and not-home attempts (a subquery)."""
    return (select(Visit.household_id.label("household_id"),
                   func.max(case((Visit.outcome.in_(REACHED_OUTCOMES), 1), else_=0)).label("reached"),
                   func.sum(case((Visit.outcome == "not_home", 1), else_=0)).label("attempts"))
            .where(Visit.campaign_id == campaign.id, Visit.undone_at.is_(None))
            .group_by(Visit.household_id).subquery())


def escalated_sql(stats, campaign: Campaign):
    """DoorState.escalated, for rows of household_stats()."""
    return and_(stats.c.reached == 0, stats.c.attempts >= campaign.max_attempts)


# The grids a campaign covers: its own grid, or every grid of its community (a join condition).
_COVERS_GRID = and_(Grid.community_id == Campaign.community_id,
                    or_(Campaign.grid_id.is_(None), Grid.id == Campaign.grid_id))


def coverage(campaign: Campaign) -> dict:
    """Households, visited, reached and escalated in a campaign, from the kept counts (see
    models/tallies.py): a few rows per grid, whatever the size of the community or district."""
    return coverages([campaign])[campaign.id]


def coverages(campaigns) -> dict[int, dict]:
    """coverage() of many campaigns in two statements (a list of campaigns is not one query each)."""
    ids = [c.id for c in campaigns]
    totals = dict(db.session.execute(
        select(Campaign.id, func.sum(GridCount.households)).join(Grid, _COVERS_GRID)
        .join(GridCount, GridCount.grid_id == Grid.id).where(Campaign.id.in_(ids)).group_by(Campaign.id)).all())
    tallies = campaign_tallies(ids)
    result = {}
    for campaign_id in ids:
        visited, reached, escalated = tallies.get(campaign_id, (0, 0, 0))
        result[campaign_id] = {"total": int(totals.get(campaign_id) or 0), "visited": visited, "reached": reached,
                               "escalated": escalated}
    return result


def campaign_tallies(campaign_ids) -> dict[int, tuple[int, int, int]]:
    """Per campaign: households visited, reached and escalated, summed from the kept counts over its grids."""
    if not campaign_ids:
        return {}
    return {campaign_id: (int(v or 0), int(r or 0), int(e or 0)) for campaign_id, v, r, e in db.session.execute(
        select(CampaignTally.campaign_id, func.sum(CampaignTally.visited), func.sum(CampaignTally.reached),
               func.sum(CampaignTally.escalated))
        .where(CampaignTally.campaign_id.in_(campaign_ids)).group_by(CampaignTally.campaign_id))}


def campaign_grids(campaign: Campaign):
    """The grids a campaign covers (a subquery)."""
    return select(Grid.id).join(Campaign, _COVERS_GRID).where(Campaign.id == campaign.id)


def counted_tallies(campaign_ids=None) -> dict[tuple[int, int], tuple[int, int, int]]:
    """(campaign, grid) → (visited, reached, escalated) counted the slow way, from the visits themselves:
    what the kept counts must equal."""
    per_door = (select(Visit.campaign_id, Household.grid_id, Campaign.max_attempts,
                       func.sum(case((Visit.outcome.in_(REACHED_OUTCOMES), 1), else_=0)).label("r"),
                       func.sum(case((Visit.outcome == "not_home", 1), else_=0)).label("nh"))
                .join(Household, Household.id == Visit.household_id).join(Campaign, Campaign.id == Visit.campaign_id)
                .where(Visit.undone_at.is_(None))
                .group_by(Visit.campaign_id, Visit.household_id, Household.grid_id, Campaign.max_attempts))
    if campaign_ids is not None:
        per_door = per_door.where(Visit.campaign_id.in_(campaign_ids))
    d = per_door.subquery()
    rows = db.session.execute(select(
        d.c.campaign_id, d.c.grid_id, func.count(), func.sum(case((d.c.r > 0, 1), else_=0)),
        func.sum(case((and_(d.c.r == 0, d.c.nh >= d.c.max_attempts), 1), else_=0)))
        .group_by(d.c.campaign_id, d.c.grid_id)).all()
    return {(c, g): (int(v), int(r), int(e)) for c, g, v, r, e in rows}


def kept_tallies(campaign_ids=None) -> dict[tuple[int, int], tuple[int, int, int]]:
    statement = select(CampaignTally)
    if campaign_ids is not None:
        statement = statement.where(CampaignTally.campaign_id.in_(campaign_ids))
    return {(t.campaign_id, t.grid_id): (t.visited, t.reached, t.escalated) for t in db.session.scalars(statement)
            if (t.visited, t.reached, t.escalated) != (0, 0, 0)}


def counted_grid_households() -> dict[int, int]:
    """grid → households, counted from the rows: what the kept GridCount must equal."""
    return dict(db.session.execute(select(Household.grid_id, func.count()).group_by(Household.grid_id)).all())


def kept_grid_households() -> dict[int, int]:
    return {grid_id: n for grid_id, n in db.session.execute(select(GridCount.grid_id, GridCount.households)) if n}


def recount_tallies() -> None:
    """Rebuild the kept counts from the rows (after a repair by hand, or a restore of part of the data)."""
    db.session.execute(CampaignTally.__table__.delete())
    db.session.execute(GridCount.__table__.delete())
    for (campaign_id, grid_id), (visited, reached, escalated) in counted_tallies().items():
        db.session.add(CampaignTally(campaign_id=campaign_id, grid_id=grid_id, visited=visited, reached=reached,
                                     escalated=escalated))
    for grid_id, households in counted_grid_households().items():
        db.session.add(GridCount(grid_id=grid_id, households=households))
    db.session.flush()


def escalations(campaign: Campaign) -> list[tuple[Household, int]]:
    """Households with max_attempts or more not_home knocks and no contact yet."""
    stats = household_stats(campaign)
    rows = db.session.execute(
        select(Household, stats.c.attempts).join(stats, stats.c.household_id == Household.id)
        .where(escalated_sql(stats, campaign))
        .order_by(Household.address)).all()
    return [(household, int(n)) for household, n in rows]

"""What the door-knocking screens read: campaigns in force, door states, the revisit list."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import g, has_request_context
from sqlalchemy import and_, func, or_, select

from ..clock import local_today, slot_of, suggest_slot
from ..extensions import db
from ..models import REACHED_OUTCOMES, Campaign, Household, NoteSlip, ResidentChange, StatusChange, Visit, utcnow

UNDO_WINDOW = timedelta(minutes=5)
RECENT_VISITS = 8
PROXY_AFTER_FAILURES = 2


def active_campaign(community_id: int, grid_id: int | None = None) -> Campaign | None:
    """The drive in force today for a community (or one of its grids); the latest started wins."""
    cache = g.setdefault("active_campaigns", {}) if has_request_context() else {}
    if (community_id, grid_id) not in cache:
        cache[(community_id, grid_id)] = _active_campaign(community_id, grid_id)
    return cache[(community_id, grid_id)]


def _active_campaign(community_id: int, grid_id: int | None) -> Campaign | None:
    today = local_today()
    statement = select(Campaign).where(
        Campaign.community_id == community_id, Campaign.starts_on <= today, Campaign.ends_on >= today)
    if grid_id is not None:
        statement = statement.where(or_(Campaign.grid_id.is_(None), Campaign.grid_id == grid_id))
    else:
        statement = statement.where(Campaign.grid_id.is_(None))
    return db.session.scalar(statement.order_by(Campaign.starts_on.desc(), Campaign.id.desc()).limit(1))


def _campaign_visits(campaign: Campaign | None):
    live = Visit.undone_at.is_(None)
    return and_(live, Visit.campaign_id == campaign.id) if campaign else live


@dataclass
class DoorState:
    """A door's standing in the campaign: what the floor picture and the walk show."""

    attempts: int = 0  # not_home visits
    reached: bool = False
    last_outcome: str | None = None
    last_at: datetime | None = None
    failed_slots: list[str] = field(default_factory=list)
    max_attempts: int = 3
    slip_left: bool = False

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
        """The floor picture's colours: reached, vacant, slip_left, not_home, refused, wrong_address, not_yet."""
        key = self.key
        if key == "moved_out":
            return "vacant"
        if key == "not_home" and self.slip_left:
            return "slip_left"
        return key

    @property
    def escalated(self) -> bool:
        return not self.reached and self.attempts >= self.max_attempts

    @property
    def suggested_slot(self) -> str:
        return suggest_slot(self.failed_slots)

    @property
    def offer_proxy(self) -> bool:
        return not self.reached and self.attempts >= PROXY_AFTER_FAILURES


def door_states(household_ids: list[int], campaign: Campaign | None) -> dict[int, DoorState]:
    """States of many doors from one query over their visits in the campaign."""
    max_attempts = campaign.max_attempts if campaign else 3
    states = {hid: DoorState(max_attempts=max_attempts) for hid in household_ids}
    if not household_ids:
        return states
    rows = db.session.execute(
        select(Visit.household_id, Visit.outcome, func.coalesce(Visit.device_time, Visit.visited_at))
        .where(_campaign_visits(campaign), Visit.household_id.in_(household_ids))
        .order_by(Visit.household_id, Visit.id)).all()
    for household_id, outcome, moment in rows:
        state = states[household_id]
        state.last_outcome, state.last_at = outcome, moment
        if outcome == "not_home":
            state.attempts += 1
            state.failed_slots.append(slot_of(moment))
        elif outcome in REACHED_OUTCOMES:
            state.reached = True
    slipped = select(NoteSlip.household_id).join(Visit, Visit.id == NoteSlip.visit_id).where(
        NoteSlip.household_id.in_(household_ids), _campaign_visits(campaign))
    for household_id in db.session.scalars(slipped):
        states[household_id].slip_left = True
    return states


def recent_visits(household_id: int) -> list[Visit]:
    return list(db.session.scalars(
        select(Visit).where(Visit.household_id == household_id)
        .order_by(Visit.visited_at.desc(), Visit.id.desc()).limit(RECENT_VISITS)))


def undoable_visit(household_id: int, user_id: int) -> Visit | None:
    """This user's own latest knock at this door, if still within the undo window."""
    visit = db.session.scalar(
        select(Visit).where(Visit.household_id == household_id, Visit.user_id == user_id)
        .order_by(Visit.id.desc()).limit(1))
    if visit and visit.undone_at is None and utcnow() - visit.visited_at <= UNDO_WINDOW:
        return visit
    return None


def household_history(household_id: int) -> list[tuple[datetime, str, object]]:
    """Status changes and resident corrections, newest first."""
    statuses = db.session.scalars(select(StatusChange).where(StatusChange.household_id == household_id)
                                  .order_by(StatusChange.at.desc()).limit(20)).all()
    residents = db.session.scalars(select(ResidentChange).where(ResidentChange.household_id == household_id)
                                   .order_by(ResidentChange.at.desc()).limit(20)).all()
    entries = [(c.at, "status", c) for c in statuses] + [(c.at, "resident", c) for c in residents]
    return sorted(entries, key=lambda entry: entry[0], reverse=True)[:20]


def revisit_list(scope_filter) -> list[tuple[Household, DoorState]]:
    """Doors in scope whose latest knock in their campaign found nobody home, oldest first."""
    latest = (select(Visit.household_id, func.max(Visit.id).label("last_id"))
              .where(Visit.undone_at.is_(None)).group_by(Visit.household_id).subquery())
    households = db.session.scalars(
        select(Household).join(latest, latest.c.household_id == Household.id)
        .join(Visit, Visit.id == latest.c.last_id)
        .where(scope_filter, Visit.outcome == "not_home")
        .order_by(Visit.visited_at).limit(300)).all()
    result = []
    by_campaign: dict[int | None, tuple[Campaign | None, list[Household]]] = {}
    for household in households:
        campaign = active_campaign(household.community_id, household.grid_id)
        by_campaign.setdefault(campaign.id if campaign else None, (campaign, []))[1].append(household)
    for campaign, group in by_campaign.values():
        states = door_states([h.id for h in group], campaign)
        result.extend((h, states[h.id]) for h in group if not states[h.id].reached)
    return sorted(result, key=lambda pair: pair[1].last_at or utcnow())


def find_households(scope_filter, query: str, limit: int = 20) -> list[Household]:
    """Addresses in scope containing every word typed (spaces split the words)."""
    words = [w for w in query.replace("号", "号 ").split() if w][:5]
    if not words:
        return []
    statement = select(Household).where(scope_filter)
    for word in words:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(Household.address.like(f"%{escaped}%", escape="\\"))
    return list(db.session.scalars(statement.order_by(Household.address).limit(limit)))

"""What the door-knocking screens read: recent visits, undo, history, the revisit list, find."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from ..coverage import DoorState, active_campaign, door_states
from ..extensions import db
from ..models import Campaign, Household, Resident, ResidentChange, StatusChange, Visit, utcnow

UNDO_WINDOW = timedelta(minutes=5)
RECENT_VISITS = 8


def resident_of(household: Household, resident_id: int) -> Resident | None:
    resident = db.session.get(Resident, resident_id)
    return resident if resident is not None and resident.household_id == household.id else None


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

"""What the door-knocking screens read: recent visits, undo, history, the revisit list, find."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from types import SimpleNamespace

from sqlalchemy import String, and_, bindparam, func, literal, select, union_all
from sqlalchemy.orm import joinedload

from ..buildings.queries import next_door_columns
from ..coverage import DEFAULT_MAX_ATTEMPTS, DoorState, active_campaign, door_states
from ..extensions import db
from ..models import (
    Campaign,
    Household,
    NoteSlip,
    Resident,
    ResidentChange,
    SlipReply,
    StatusChange,
    User,
    Visit,
    utcnow,
)
from ..paging import Page, take_page
from ..scope import Scope
from ..search import search

UNDO_WINDOW = timedelta(minutes=5)
RECENT_VISITS = 8


# What a door's screen loads with the household: nobody, the residents' names (the walk's row), or the
# residents with their care tags (the card).
RESIDENTS_LOADED = {None: (), "names": (joinedload(Household.residents),),
                    "card": (joinedload(Household.residents).joinedload(Resident.care_tags),)}


@lru_cache(maxsize=256)
def household_by_sticker(scope: Scope, residents: str | None = None, with_next: bool = False,
                         with_building: bool = True):
    """The statement for the household behind a sticker (`:token`) in a scope, with what its screen shows;
    with_next adds the next door in walking order (next_id, next_token, next_room, next_entrance) to the
    same row.

    Built once per scope and shape in each worker: every card and knock runs it, and building the select
    (with the next door's subqueries) and its cache key cost more than SQLite takes to answer it."""
    statement = select(Household).options(*([joinedload(Household.building)] if with_building else []),
                                          *RESIDENTS_LOADED[residents])
    if with_next:
        statement = statement.add_columns(*next_door_columns())
    return statement.where(Household.sticker_token == bindparam("token"), scope.households())


def resident_of(household: Household, resident_id: int) -> Resident | None:
    resident = db.session.get(Resident, resident_id)
    return resident if resident is not None and resident.household_id == household.id else None


@dataclass
class CardVisits:
    """Everything the card shows of a door's visits, from one query."""

    state: DoorState
    recent: list[Visit]
    undoable: Visit | None
    undoable_slip: NoteSlip | None
    # The kind of the newest answer still to handle to a slip left here ("call_me" …), else None.
    open_answer: str | None = None


def card_visits(household_id: int, campaign: Campaign | None, user_id: int, limit: int = 300) -> CardVisits:
    """The door's visits (newest first, with who knocked and the slip bound), read once: the campaign
    state, the last few visits and this user's undoable knock are all taken from them."""
    open_answer = (select(SlipReply.kind).where(SlipReply.slip_id == NoteSlip.id, SlipReply.handled_at.is_(None))
                   .correlate(NoteSlip).order_by(SlipReply.id.desc()).limit(1).scalar_subquery())
    rows = db.session.execute(
        select(Visit, NoteSlip, open_answer).outerjoin(NoteSlip, NoteSlip.visit_id == Visit.id)
        .options(joinedload(Visit.user))
        .where(Visit.household_id == household_id).order_by(Visit.id.desc()).limit(limit)).all()
    state = DoorState(max_attempts=campaign.max_attempts if campaign else DEFAULT_MAX_ATTEMPTS)
    answer = next((kind for _visit, _slip, kind in rows if kind is not None), None)
    rows = [(visit, slip) for visit, slip, _kind in rows]
    for visit, slip in reversed(rows):
        if visit.undone_at is None and (campaign is None or visit.campaign_id == campaign.id):
            state.count(visit.outcome, visit.device_time or visit.visited_at, slip_left=slip is not None)
    mine = next(((v, s) for v, s in rows if v.user_id == user_id), (None, None))
    if mine[0] is None or mine[0].undone_at is not None or utcnow() - mine[0].visited_at > UNDO_WINDOW:
        mine = (None, None)
    recent = sorted((v for v, _ in rows), key=lambda v: (v.visited_at, v.id), reverse=True)[:RECENT_VISITS]
    return CardVisits(state, recent, *mine, open_answer=answer)


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a household's history: a status change or a resident's corrected field."""

    at: datetime
    who: str
    old_status: str | None = None
    new_status: str | None = None
    resident_name: str | None = None
    field: str | None = None
    old_value: str | None = None
    new_value: str | None = None

    @property
    def user(self):  # the template reads change.user.display_name and change.resident.name
        return SimpleNamespace(display_name=self.who)

    @property
    def resident(self):
        return SimpleNamespace(name=self.resident_name)


def household_history(household_id: int, limit: int = 20) -> list[tuple[datetime, str, HistoryEntry]]:
    """Status changes and resident corrections, newest first, in one query."""
    def none(name):
        return literal(None, String).label(name)

    statuses = (select(StatusChange.at.label("at"), literal("status").label("kind"), User.display_name.label("who"),
                       StatusChange.old_status.label("old_status"), StatusChange.new_status.label("new_status"),
                       none("resident_name"), none("field"), none("old_value"), none("new_value"))
                .join(User, User.id == StatusChange.user_id).where(StatusChange.household_id == household_id))
    residents = (select(ResidentChange.at, literal("resident"), User.display_name, none("old_status"),
                        none("new_status"), Resident.name, ResidentChange.field, ResidentChange.old_value,
                        ResidentChange.new_value)
                 .join(User, User.id == ResidentChange.user_id).join(Resident, Resident.id == ResidentChange.resident_id)
                 .where(ResidentChange.household_id == household_id))
    both = union_all(statuses, residents).subquery()
    rows = db.session.execute(select(both).order_by(both.c.at.desc()).limit(limit)).all()
    return [(row[0], row[1], HistoryEntry(row[0], *row[2:])) for row in rows]


def revisit_list(scope_filter, page_number: int = 1) -> Page:
    """Doors in scope whose latest knock in their campaign found nobody home, oldest first, a page at a time:
    rows of (household, its DoorState)."""
    # Each door's latest knock, looked up per door in scope: grouping every visit of the district
    # first made a volunteer's list cost what the district had knocked. PostgreSQL's planner hashes
    # every not-home visit when given a correlated max(); LATERAL … LIMIT 1 keeps it per door (1 ms
    # for a grid of a 300,000-household district, against 20). SQLite runs the correlated form per door.
    if db.engine.dialect.name == "postgresql":
        last = (select(Visit.outcome, Visit.visited_at)
                .where(Visit.household_id == Household.id, Visit.undone_at.is_(None))
                .order_by(Visit.id.desc()).limit(1).lateral())
        statement = select(Household).join(last, literal(True)).where(last.c.outcome == "not_home")
        oldest_first = last.c.visited_at
    else:
        latest = (select(func.max(Visit.id)).where(Visit.household_id == Household.id, Visit.undone_at.is_(None))
                  .correlate(Household).scalar_subquery())
        statement = (select(Household).join(Visit, and_(Visit.household_id == Household.id, Visit.id == latest))
                     .where(Visit.outcome == "not_home"))
        oldest_first = Visit.visited_at
    page = take_page(statement.where(scope_filter).order_by(oldest_first, Household.id), page_number, scalars=True)
    households, result = page.rows, []
    by_campaign: dict[int | None, tuple[Campaign | None, list[Household]]] = {}
    for household in households:
        campaign = active_campaign(household.community_id, household.grid_id)
        by_campaign.setdefault(campaign.id if campaign else None, (campaign, []))[1].append(household)
    for campaign, group in by_campaign.values():
        states = door_states([h.id for h in group], campaign)
        result.extend((h, states[h.id]) for h in group if not states[h.id].reached)
    return replace(page, rows=sorted(result, key=lambda pair: pair[1].last_at or utcnow()))


def find_households(scope: Scope, query: str, limit: int = 20) -> list[Household]:
    """Doors in scope for an address as typed, best first: the one tolerant search, by address only
    (a wrong lane still finds the door by its numbers)."""
    return [hit.household for hit in search(scope, query, people=False, limit=limit)]

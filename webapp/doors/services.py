"""What happens at the door: knocks, undo, residents corrected, status changed, stickers."""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..audit import audit
from ..extensions import db
from ..idempotency import claim, find_by_request_id, insert_once
from ..models import (
    Household,
    NoteSlip,
    Resident,
    ResidentChange,
    RetiredSticker,
    StatusChange,
    StickerFlag,
    Visit,
    new_token,
    utcnow,
)
from ..coverage import active_campaign
from .queries import UNDO_WINDOW

# A knock with these outcomes also changes the household's status.
STATUS_AFTER_OUTCOME = {"vacant": "vacant", "moved_out": "moved_out"}


def record_knock(household: Household, user_id: int, *, request_id: str, outcome: str, channel: str | None,
                 note: str | None, device_time: datetime | None, clock_corrected: bool = False) -> Visit:
    """One knock, exactly once per request id: a replay returns the first visit unchanged."""
    campaign = active_campaign(household.community_id, household.grid_id)
    visit = Visit(request_id=request_id, household_id=household.id, user_id=user_id,
                  campaign_id=campaign.id if campaign else None, outcome=outcome, channel=channel or "door",
                  note=(note or "").strip() or None, device_time=device_time,
                  clock_corrected=clock_corrected)
    visit, created = insert_once(visit)
    if not created:
        return visit  # a replay: the first answer, and none of its side effects again
    new_status = STATUS_AFTER_OUTCOME.get(outcome)
    if new_status:
        _set_status(household, new_status, user_id, visit_id=visit.id)
    if outcome == "moved_out":
        for resident in household.residents:
            if not resident.moved_out:
                _change_resident(resident, user_id, "moved_out", "0", "1", visit_id=visit.id)
                resident.moved_out, resident.moved_out_at = True, utcnow()
    return visit


def insert_knock(household: Household, user_id: int, campaign_id: int | None, knock) -> tuple[Visit, bool]:
    """The common knock (no side effects on the household): one INSERT … ON CONFLICT (request_id) DO NOTHING
    RETURNING id, so a new knock is a single write statement and a replay returns the first visit.

    The Visit returned is built from what the request already has; it is not in the session.
    """
    assert knock.outcome not in STATUS_AFTER_OUTCOME
    values = {"request_id": knock.request_id, "household_id": household.id, "campaign_id": campaign_id,
              "user_id": user_id, "channel": knock.channel, "outcome": knock.outcome, "note": knock.note,
              "visited_at": utcnow(), "device_time": knock.device_time, "clock_corrected": knock.clock_corrected}
    connection = db.session.connection()
    new_id = connection.execute(_knock_insert(connection.dialect.name), values).scalar()
    if new_id is None:  # a replay: the first answer, unchanged
        return find_by_request_id(Visit, knock.request_id), False
    return Visit(id=new_id, household=household, undone_at=None, **values), True


@lru_cache(maxsize=4)
def _knock_insert(dialect: str):
    """The knock's INSERT, built once per database kind (the values come with each execution)."""
    insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
    return (insert(Visit.__table__).on_conflict_do_nothing(index_elements=["request_id"])
            .returning(Visit.__table__.c.id))


def undo_knock(visit: Visit, user_id: int, request_id: str) -> bool:
    """Take back one's own knock within the undo window, with what it changed. False if too late."""
    if not claim(request_id, user_id, "undo"):
        return visit.undone_at is not None
    if visit.undone_at is not None:
        return True
    if visit.user_id != user_id or utcnow() - visit.visited_at > UNDO_WINDOW:
        return False
    visit.undone_at = utcnow()
    household = visit.household
    changes = db.session.scalars(select(StatusChange).where(StatusChange.visit_id == visit.id)
                                 .order_by(StatusChange.id.desc())).all()
    for change in changes:
        if household.status == change.new_status:
            _set_status(household, change.old_status, user_id, visit_id=visit.id)
    moved = db.session.scalars(select(ResidentChange).where(
        ResidentChange.visit_id == visit.id, ResidentChange.field == "moved_out", ResidentChange.new_value == "1"))
    for change in moved:
        resident = change.resident
        _change_resident(resident, user_id, "moved_out", "1", "0", visit_id=visit.id)
        resident.moved_out, resident.moved_out_at = False, None
    # A slip left with the knock goes back to the volunteer's pad (it can be left at another door),
    # unless the household has already answered it.
    for slip in db.session.scalars(select(NoteSlip).where(NoteSlip.visit_id == visit.id)):
        if not slip.replies:
            slip.state, slip.visit_id, slip.household_id, slip.bound_by_id, slip.bound_at = \
                "printed", None, None, None, None
    return True


def _set_status(household: Household, status: str, user_id: int, visit_id: int | None = None) -> None:
    if household.status == status:
        return
    db.session.add(StatusChange(household_id=household.id, visit_id=visit_id, user_id=user_id,
                                old_status=household.status, new_status=status))
    household.status = status


def _change_resident(resident: Resident, user_id: int, field_name: str, old, new, visit_id: int | None = None):
    db.session.add(ResidentChange(resident_id=resident.id, household_id=resident.household_id, visit_id=visit_id,
                                  user_id=user_id, field=field_name, old_value=None if old is None else str(old),
                                  new_value=None if new is None else str(new)))


def change_status(household: Household, status: str, user_id: int, request_id: str) -> None:
    if claim(request_id, user_id, "status"):
        _set_status(household, status, user_id)


def correct_resident(resident: Resident, user_id: int, request_id: str, *, name: str, category: str,
                     phone: str | None) -> None:
    """Confirm or correct a person on the spot; each changed field is written to the history."""
    if not claim(request_id, user_id, "resident"):
        return
    updates = {"name": name.strip(), "category": category}
    if phone:
        updates["phone"] = phone.replace(" ", "").replace("-", "")
    for field_name, value in updates.items():
        old = getattr(resident, field_name)
        if old != value:
            # Phone numbers are kept out of the history in clear: only their last four digits.
            shown_old, shown_new = (old, value) if field_name != "phone" else (_tail(old), _tail(value))
            _change_resident(resident, user_id, field_name, shown_old, shown_new)
            setattr(resident, field_name, value)


def _tail(phone: str | None) -> str | None:
    return f"…{phone[-4:]}" if phone else None


def set_moved_out(resident: Resident, user_id: int, request_id: str, moved_out: bool) -> None:
    if not claim(request_id, user_id, "resident") or resident.moved_out == moved_out:
        return
    _change_resident(resident, user_id, "moved_out", int(resident.moved_out), int(moved_out))
    resident.moved_out, resident.moved_out_at = moved_out, utcnow() if moved_out else None


def add_resident(household: Household, user_id: int, request_id: str, *, name: str, category: str,
                 phone: str | None) -> Resident | None:
    if not claim(request_id, user_id, "resident"):
        return None
    resident = Resident(household_id=household.id, name=name.strip(), category=category,
                        phone=phone.replace(" ", "").replace("-", "") if phone else None)
    db.session.add(resident)
    db.session.flush()
    _change_resident(resident, user_id, "added", None, resident.name)
    return resident


def flag_sticker(household: Household, user_id: int, request_id: str, found_at: str) -> None:
    if claim(request_id, user_id, "flag"):
        db.session.add(StickerFlag(household_id=household.id, reported_by_id=user_id,
                                   found_at_address=found_at.strip()))


def retire_sticker(household: Household, user_id: int, request_id: str, reason: str) -> None:
    """Reissue (the old sticker answers "replaced") or revoke (it answers "revoked"); a new token either way."""
    if not claim(request_id, user_id, "sticker"):
        return
    old = household.sticker_token
    db.session.add(RetiredSticker(token=old, household_id=household.id, reason=reason, retired_by_id=user_id))
    household.sticker_token = new_token()
    audit(user_id, f"sticker_{reason}", "household", household.id, address=household.address)

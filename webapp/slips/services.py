"""Printing pads, binding slips at the door, storing answers, confirming after a call-back."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..doors.services import record_knock
from ..extensions import db
from ..idempotency import claim, find_by_request_id, insert_once, new_request_id
from ..scope import Scope, current_scope, door_in_scope
from ..models import (
    Household,
    NoteSlip,
    Resident,
    SelfReport,
    SlipPad,
    SlipReply,
    Visit,
    new_token,
    utcnow,
)
from . import codes


def _numbered_pad(community_id: int, issued_to_id: int | None, created_by_id: int, request_id: str) -> SlipPad:
    """The community's next pad number. Two secretaries making pads at once on PostgreSQL may pick
    the same number: the unique (community, number) refuses the second, which takes the next."""
    while True:
        number = (db.session.scalar(select(func.max(SlipPad.number)).where(SlipPad.community_id == community_id))
                  or 0) + 1
        savepoint = db.session.begin_nested()
        try:
            pad = SlipPad(community_id=community_id, number=number, issued_to_id=issued_to_id,
                          created_by_id=created_by_id, request_id=request_id)
            db.session.add(pad)
            db.session.flush()
            savepoint.commit()
            return pad
        except IntegrityError:
            savepoint.rollback()


def create_pad(request_id: str, community_id: int, count: int, issued_to_id: int | None,
               created_by_id: int) -> SlipPad | None:
    """A pad of freshly numbered slips. A replay of the same request makes nothing and answers with the pad
    the first made (None only for a pad made before pads kept their request id)."""
    if not claim(request_id, created_by_id, "pad"):
        return find_by_request_id(SlipPad, request_id)
    pad = _numbered_pad(community_id, issued_to_id, created_by_id, request_id)
    made = 0
    while made < count:
        savepoint = db.session.begin_nested()
        try:
            db.session.add(NoteSlip(code=codes.new_code(), community_id=community_id, pad_id=pad.id))
            db.session.flush()
            savepoint.commit()
            made += 1
        except IntegrityError:  # a code already printed: draw another
            savepoint.rollback()
    return pad


class SlipError(ValueError):
    """A slip that cannot be bound, with the message for the volunteer."""


def bind_slip(visit: Visit, raw_code: str, user_id: int, request_id: str, scope: Scope | None = None) -> NoteSlip:
    code = codes.normalize(raw_code)
    if not codes.is_valid(code):
        raise SlipError(_("This slip number is not right: check it and type it again."))
    slip = db.session.scalar(select(NoteSlip).where(NoteSlip.code == code))
    if slip is not None and slip.visit_id == visit.id:
        return slip  # the same binding again: nothing to do
    # A code that does not exist, one of another community, and one left at a door this user may
    # not see all get the same words: typing codes must not tell which exist or where they went.
    if slip is None or slip.community_id != visit.household.community_id or (
            slip.state == "bound" and not door_in_scope(slip.household_id, scope or current_scope())):
        raise SlipError(_("This slip number cannot be used here. Check it, or use a slip from your own pad."))
    if slip.state == "void":
        raise SlipError(_("This slip was cancelled; use another one."))
    if slip.state == "bound":
        raise SlipError(_("This slip was already left at %(address)s.", address=slip.household.address))
    if visit.outcome != "not_home" or visit.undone_at is not None:
        raise SlipError(_("A slip goes with a knock where nobody was home."))
    if db.session.scalar(select(NoteSlip.id).where(NoteSlip.visit_id == visit.id)):
        raise SlipError(_("A slip was already left for this knock."))
    if not claim(request_id, user_id, "slip"):
        return slip
    slip.state, slip.visit_id, slip.household_id = "bound", visit.id, visit.household_id
    slip.bound_by_id, slip.bound_at = user_id, utcnow()
    return slip


def store_reply(slip: NoteSlip | None, request_id: str, *, kind: str, home_slot: str | None, phone: str | None,
                message: str | None) -> None:
    """A resident's answer; for an unknown code nothing is stored, and nothing tells them so."""
    if slip is None:
        return
    insert_once(SlipReply(slip_id=slip.id, request_id=request_id, kind=kind,
                          home_slot=home_slot if kind == "home_at" else None,
                          phone=(phone or "").replace(" ", "").replace("-", "") or None,
                          message=(message or "").strip() or None))


def confirm_reply(reply: SlipReply, user_id: int, request_id: str, outcome: str, note: str | None) -> Visit | None:
    """After calling back: a phone visit that marks the door reached, and the answer handled."""
    if reply.handled_at is not None:
        return None
    household = reply.slip.household
    if household is None:
        raise SlipError(_("This slip was never left at a door."))
    visit = record_knock(household, user_id, request_id=request_id, outcome=outcome, channel="phone",
                         note=note, device_time=None)
    for answer in reply.slip.replies:
        if answer.handled_at is None:
            answer.handled_at, answer.handled_by_id, answer.handled_visit_id = utcnow(), user_id, visit.id
    return visit


def close_unplaced_reply(reply: SlipReply, user_id: int, request_id: str) -> None:
    """An answer to a slip at no door, dealt with by phone: every open answer of that slip is marked handled
    (no visit: nobody knows the door; the caller records the phone visit on its card once they do)."""
    if not claim(request_id, user_id, "slip_reply"):
        return
    for answer in reply.slip.replies:
        if answer.handled_at is None:
            answer.handled_at, answer.handled_by_id = utcnow(), user_id


def store_self_report(grid_id: int, request_id: str, **fields) -> None:
    insert_once(SelfReport(grid_id=grid_id, request_id=request_id, **fields))


def confirm_self_report(report: SelfReport, household: Household, user_id: int, request_id: str) -> Visit | None:
    """Add the person to the household and record a phone visit: the household is reached."""
    if report.state != "new" or not claim(request_id, user_id, "self_report"):
        return None
    resident = Resident(household_id=household.id, name=report.name, phone=report.phone, category=report.category)
    db.session.add(resident)
    db.session.flush()
    visit = record_knock(household, user_id, request_id=new_request_id(), outcome="verified", channel="phone",
                         note=_("Self-report confirmed: %(name)s", name=report.name), device_time=None)
    report.state, report.household_id, report.resident_id = "confirmed", household.id, resident.id
    report.handled_by_id, report.handled_at = user_id, utcnow()
    return visit


def new_household(building, room: str) -> Household:
    """A door the registry did not know, found through a self-report."""
    household = Household(community_id=building.community_id, grid_id=building.grid_id, building_id=building.id,
                          entrance=1, floor=_floor_of(room), room=room, address=f"{building.name}{room}",
                          sticker_token=new_token())
    db.session.add(household)
    db.session.flush()
    return household


def _floor_of(room: str) -> int:
    digits = "".join(ch for ch in room if "0" <= ch <= "9")  # not isdigit(): "²" is a digit to it
    return min(200, max(1, int(digits[:-2]))) if len(digits) >= 3 else 1


def dismiss_self_report(report: SelfReport, user_id: int, request_id: str) -> None:
    if report.state == "new" and claim(request_id, user_id, "self_report"):
        report.state, report.handled_by_id, report.handled_at = "dismissed", user_id, utcnow()

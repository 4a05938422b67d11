"""Creating invites, joining through one, and ending or keeping the people who joined."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash

from ..audit import audit
from ..auth.services import username_taken
from ..auth.sessions import end_all_sessions
from ..extensions import db
from ..idempotency import claim
from ..models import (
    Invite,
    InviteJoin,
    InvitePlace,
    RoleAssignment,
    User,
    utcnow,
)

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXY"  # no 0/O, 1/I/L, U, Z
CODE_LENGTH = 6


def normalize_code(raw: str | None) -> str:
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())[:12]


def create_invite(community_id: int, user_id: int, request_id: str, *, title: str, role: str,
                  grid_ids: list[int], building_ids: list[int], valid_from: datetime, valid_until: datetime,
                  max_joins: int) -> Invite:
    """One invite per request id: a replay returns the first one."""
    existing = db.session.scalar(select(Invite).where(Invite.request_id == request_id))
    if existing is not None:
        return existing
    invite = Invite(request_id=request_id, community_id=community_id, title=title.strip(), role=role,
                    valid_from=valid_from, valid_until=valid_until, max_joins=max_joins,
                    created_by_id=user_id, code=_free_code())
    invite.places = ([InvitePlace(grid_id=g) for g in ([] if role == "lead" else grid_ids)]
                     + [InvitePlace(building_id=b) for b in building_ids])
    db.session.add(invite)
    db.session.flush()
    audit(user_id, "invite_created", "invite", invite.id, title=invite.title, role=role, max_joins=max_joins)
    return invite


def _free_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(select(Invite.id).where(Invite.code == code)) is None:
            return code


def join_count(invite_id: int) -> int:
    return db.session.scalar(select(func.count(InviteJoin.id)).where(InviteJoin.invite_id == invite_id)) or 0


@dataclass
class JoinResult:
    user: User | None = None
    # None when joined; else "closed" (the invite cannot be joined now), "username" (taken),
    # or "replay" (the same request id with a different password).
    problem: str | None = None


def join(invite: Invite, request_id: str, *, username: str, name: str, phone: str, password: str,
         password_hash: str) -> JoinResult:
    """Create the person and their time-limited assignments; call inside writing() with the invite locked."""
    earlier = db.session.scalar(select(InviteJoin).where(InviteJoin.request_id == request_id))
    if earlier is not None:  # a double tap or a resend: the first answer, if it is the same person
        if earlier.invite_id == invite.id and check_password_hash(earlier.user.password_hash, password):
            return JoinResult(earlier.user)
        return JoinResult(problem="replay")
    if invite.state(joined=join_count(invite.id)) != "open":
        return JoinResult(problem="closed")
    username = username.strip()
    if username_taken(username):
        return JoinResult(problem="username")
    savepoint = db.session.begin_nested()
    try:
        user = User(username=username, display_name=name.strip(), phone=phone.replace(" ", "").replace("-", ""),
                    password_hash=password_hash)
        db.session.add(user)
        db.session.flush()
        for place in invite.places:
            db.session.add(RoleAssignment(user_id=user.id, role=invite.role, grid_id=place.grid_id,
                                          building_id=place.building_id, valid_from=invite.valid_from,
                                          valid_until=invite.valid_until, created_by_id=invite.created_by_id))
        db.session.add(InviteJoin(request_id=request_id, invite_id=invite.id, user_id=user.id))
        db.session.flush()
    except IntegrityError:  # the same user name taken by a join racing this one
        savepoint.rollback()
        return JoinResult(problem="username")
    savepoint.commit()
    db.session.expire(user, ["assignments"])
    return JoinResult(user)


def _assignments_of(invite: Invite, user_id: int):
    """The assignments an invite gave this person (same role, places and creator, from the window's start)."""
    grid_ids = [p.grid_id for p in invite.places if p.grid_id]
    building_ids = [p.building_id for p in invite.places if p.building_id]
    return select(RoleAssignment).where(
        RoleAssignment.user_id == user_id, RoleAssignment.role == invite.role,
        RoleAssignment.valid_from == invite.valid_from,
        RoleAssignment.grid_id.in_(grid_ids) | RoleAssignment.building_id.in_(building_ids))


def end_person(person: InviteJoin, by_user_id: int, request_id: str) -> None:
    if not claim(request_id, by_user_id, "invite_end_person") or person.ended_at is not None:
        return
    now = utcnow()
    for assignment in db.session.scalars(_assignments_of(person.invite, person.user_id)):
        if assignment.valid_until is None or assignment.valid_until > now:
            # valid_until must stay after valid_from (a window that has not begun ends at its start).
            assignment.valid_until = max(now, assignment.valid_from + timedelta(microseconds=1))
    person.ended_at, person.ended_by_id = now, by_user_id
    db.session.flush()
    end_all_sessions(person.user)  # every open session of theirs ends now
    audit(by_user_id, "invite_person_ended", "user", person.user_id, name=person.user.display_name)


def end_invite(invite: Invite, by_user_id: int, request_id: str) -> None:
    """Nobody can join any more, and everyone who joined (and was not kept) loses access now."""
    if not claim(request_id, by_user_id, "invite_end") or invite.ended_at is not None:
        return
    invite.ended_at = utcnow()
    for person in invite.joins:
        if person.ended_at is None and person.kept_at is None:
            end_person(person, by_user_id, f"{request_id[:48]}-{person.id}")
    audit(by_user_id, "invite_ended", "invite", invite.id, title=invite.title)


def keep_person(person: InviteJoin, by_user_id: int, request_id: str) -> bool:
    """Turn a temporary helper into a regular one: their assignments no longer end. False if already ended."""
    if not claim(request_id, by_user_id, "invite_keep"):
        return person.kept_at is not None
    if person.ended_at is not None:
        return False
    if person.kept_at is None:
        db.session.execute(update(RoleAssignment).where(
            RoleAssignment.id.in_(_assignments_of(person.invite, person.user_id)
                                  .with_only_columns(RoleAssignment.id))).values(valid_until=None))
        person.kept_at = utcnow()
        audit(by_user_id, "invite_person_kept", "user", person.user_id, name=person.user.display_name)
    return True

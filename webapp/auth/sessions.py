"""Revocable sessions.

The session cookie is signed, not stored, so a copied cookie would work until it expires.
Instead the login id kept in it is "<user id>:<session version>" (User.get_id), and the
version lives in the database: every request loads the user anyway (one light query with
their assignments), so checking the version costs nothing extra and holds across gunicorn
processes and machines. Bumping the version ends every session of that user at once.

- end_all_sessions(user): logout, password change or reset, "end access" call it; the
  caller's transaction commits it. (To keep the caller's own session after a password
  change, call flask_login.login_user(user) again after the commit.)
- load_user(login_id): the Flask-Login user loader. It answers a SignedInUser, a plain copy of
  the user and their assignments read by one Core statement built once (the ORM's row objects
  cost several times the query); current_user.record() is the User row, for the few views that
  change it.

Why not keep users in each worker's memory for a few seconds, as the campaign in force is? Then
ending someone's access would take effect at once only in the worker that did it. The light
read costs about a tenth of a millisecond, and ended access stays ended everywhere at once.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from flask import flash, session
from flask_babel import gettext as _
from flask_login import UserMixin
from sqlalchemy import bindparam, select

from ..extensions import db
from ..models import RoleAssignment, User
from ..models.accounts import AssignmentPeriod, HoldsAssignments

_LOGIN_ID = re.compile(r"([1-9][0-9]{0,9}):([0-9]{1,9})", re.ASCII)
_FLASK_LOGIN_KEYS = ("_user_id", "_fresh", "_id", "_remember", "_remember_seconds")


def end_all_sessions(user: User) -> None:
    """End every session of this user, on every device. The caller's transaction commits."""
    # An SQL increment, so two workers ending sessions at once both count.
    user.session_version = User.session_version + 1
    db.session.flush()


def _forget_login(message: str) -> None:
    for key in _FLASK_LOGIN_KEYS:
        session.pop(key, None)
    flash(message, "info")


@dataclass(frozen=True)
class SignedInAssignment(AssignmentPeriod):
    role: str
    community_id: int | None
    grid_id: int | None
    building_id: int | None
    valid_from: datetime
    valid_until: datetime | None


@dataclass(frozen=True, eq=False)
class SignedInUser(HoldsAssignments, UserMixin):
    """Who is logged in, as this request read them: current_user. Read-only; record() is the row."""
    id: int
    username: str
    display_name: str
    locale: str | None
    disabled: bool
    must_change_password: bool
    session_version: int
    assignments: tuple[SignedInAssignment, ...]

    def record(self) -> User:
        """The User row itself (in this request's session), to change it."""
        return db.session.get(User, self.id)


_USER_FIELDS = ("id", "username", "display_name", "locale", "disabled", "must_change_password", "session_version")
_ASSIGNMENT_FIELDS = ("role", "community_id", "grid_id", "building_id", "valid_from", "valid_until")


@lru_cache(maxsize=1)
def _user_with_assignments():
    """One row per assignment (or one with none): built once, run on every request."""
    users, assignments = User.__table__, RoleAssignment.__table__
    return (select(*(users.c[name] for name in _USER_FIELDS),
                   *(assignments.c[name].label(f"a_{name}") for name in _ASSIGNMENT_FIELDS))
            .outerjoin(assignments, assignments.c.user_id == users.c.id)
            .where(users.c.id == bindparam("user_id"))
            .order_by(assignments.c.id))


def _signed_in_user(user_id: int) -> SignedInUser | None:
    rows = db.session.connection().execute(_user_with_assignments(), {"user_id": user_id}).all()
    if not rows:
        return None
    user_values = rows[0][:len(_USER_FIELDS)]
    assignments = tuple(SignedInAssignment(*row[len(_USER_FIELDS):]) for row in rows if row.a_role is not None)
    return SignedInUser(*user_values, assignments=assignments)


def load_user(login_id: str) -> SignedInUser | None:
    """The user of a session whose version is still current and who may still work."""
    from .services import may_hold_session

    match = _LOGIN_ID.fullmatch(login_id or "")
    if match is None:
        _forget_login(_("Your session has ended. Please log in again."))
        return None
    user_id, version = int(match.group(1)), int(match.group(2))
    if user_id > 2**31 - 1:
        _forget_login(_("Your session has ended. Please log in again."))
        return None
    # One query for the user and their assignments: this runs on every request.
    user = _signed_in_user(user_id)
    if user is not None and not may_hold_session(user):
        # Disabled, or every assignment past its valid-until: the session ends on the next request, and
        # says why (ending a person's access also ends their sessions: that is not "log in again").
        _forget_login(_("Your access has ended or not begun yet. Ask your community office."))
        return None
    if user is None or user.session_version != version:
        _forget_login(_("Your session has ended. Please log in again."))
        return None
    return user

"""Revocable sessions.

The session cookie is signed, not stored, so a copied cookie would work until it expires.
Instead the login id kept in it is "<user id>:<session version>" (User.get_id), and the
version lives in the database: every request loads the user anyway (one query with their
assignments), so checking the version costs nothing extra and holds across gunicorn
processes and machines. Bumping the version ends every session of that user at once.

- end_all_sessions(user): logout, password change or reset, "end access" call it; the
  caller's transaction commits it. (To keep the caller's own session after a password
  change, call flask_login.login_user(user) again after the commit.)
- load_user(login_id): the Flask-Login user loader.
"""
from __future__ import annotations

import re

from flask import flash, session
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import User

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


def load_user(login_id: str) -> User | None:
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
    user = db.session.get(User, user_id, options=[joinedload(User.assignments)])
    if user is None or user.session_version != version:
        _forget_login(_("Your session has ended. Please log in again."))
        return None
    if not may_hold_session(user):
        # Disabled, or every assignment past its valid-until: the session ends on the next request.
        _forget_login(_("Your access has ended or not begun yet. Ask your community office."))
        return None
    return user

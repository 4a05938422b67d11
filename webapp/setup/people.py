"""People: volunteers, building leads and secretaries added, assigned, reset and ended.

`flask create-user` and the /users page both go through here. A new person, and anyone whose
password is reset, gets a one-time code to log in with, and must choose their own password at once.
Ending someone's access ends their assignments now and every session they hold.
"""
from __future__ import annotations

import secrets
from datetime import datetime

from ..auth.services import username_taken
from ..auth.sessions import end_all_sessions
from ..extensions import db
from ..models import RoleAssignment, User, utcnow
from .services import SetupError

CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def one_time_code() -> str:
    """Ten characters, easy to read out over the phone: e.g. k7m2p-9x4ad."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def _hash(password: str) -> str:
    from ..auth.services import hash_password

    return hash_password(password)


def create_person(username: str, name: str, phone: str | None, role: str, *, community_id: int | None = None,
                  grid_ids=(), building_ids=(), valid_until: datetime | None = None, created_by_id: int | None = None,
                  password: str | None = None) -> tuple[User, str | None]:
    """A new user with their assignments; returns (user, one-time code or None when a password was given)."""
    from flask_babel import gettext as _

    if username_taken(username):
        raise SetupError("username", _("That user name is taken; choose another."))
    code = None
    if password is None:
        code = one_time_code()
    user = User(username=username, display_name=name, phone=phone or None,
                password_hash=_hash(password or code), must_change_password=code is not None)
    db.session.add(user)
    db.session.flush()
    assign(user, role, community_id=community_id, grid_ids=grid_ids, building_ids=building_ids,
           valid_until=valid_until, created_by_id=created_by_id)
    return user, code


def assignment_problems(role: str, *, community_id: int | None = None, grid_ids=(), building_ids=(),
                        valid_until: datetime | None = None, **_) -> list[SetupError]:
    """What is missing or wrong in an assignment, every problem at once (a form shows them all together)."""
    from flask_babel import gettext as _

    problems = []
    if valid_until is not None and valid_until <= utcnow():
        problems.append(SetupError("valid_until", _("The end of access must be in the future.")))
    if role == "secretary" and community_id is None:
        problems.append(SetupError("community", _("Choose the community.")))
    elif role == "lead" and not building_ids:
        problems.append(SetupError("buildings", _("Choose at least one building.")))
    elif role == "volunteer" and not grid_ids and not building_ids:
        problems.append(SetupError("grids", _("Choose at least one grid or building.")))
    elif role not in ("admin", "secretary", "lead", "volunteer"):
        problems.append(SetupError("role", _("Choose a role.")))
    return problems


def assign(user: User, role: str, *, community_id: int | None = None, grid_ids=(), building_ids=(),
           valid_until: datetime | None = None, created_by_id: int | None = None, within=None) -> None:
    """Replace the user's current assignments (within the given communities, or all) with these."""
    problems = assignment_problems(role, community_id=community_id, grid_ids=grid_ids, building_ids=building_ids,
                                   valid_until=valid_until)
    if problems:
        raise problems[0]
    now = utcnow()
    if role == "admin":
        rows = [RoleAssignment(role="admin")]
    elif role == "secretary":
        rows = [RoleAssignment(role="secretary", community_id=community_id)]
    elif role == "lead":
        rows = [RoleAssignment(role="lead", building_id=bid) for bid in building_ids]
    else:
        rows = [RoleAssignment(role="volunteer", grid_id=gid) for gid in grid_ids]
        rows += [RoleAssignment(role="volunteer", building_id=bid) for bid in building_ids]
    _end_assignments(user, now, within)
    for row in rows:
        row.user_id, row.valid_from, row.valid_until, row.created_by_id = user.id, now, valid_until, created_by_id
        db.session.add(row)
    user.disabled = False
    db.session.flush()
    db.session.refresh(user, ["assignments"])


def _in_communities(assignment: RoleAssignment, community_ids) -> bool:
    if community_ids is None:
        return True
    place = assignment.community_id or (assignment.grid.community_id if assignment.grid else None) or (
        assignment.building.community_id if assignment.building else None)
    return place in community_ids


def _end_assignments(user: User, now: datetime, within=None) -> None:
    for assignment in user.assignments:
        if assignment.is_current(now) and _in_communities(assignment, within):
            if assignment.valid_from < now:
                assignment.valid_until = now
            else:  # began this very instant: nothing to keep
                db.session.delete(assignment)


def reset_password(user: User) -> str:
    """A new one-time code; the old password and every open session stop working."""
    code = one_time_code()
    user.password_hash = _hash(code)
    user.must_change_password = True
    end_all_sessions(user)
    return code


def end_access(user: User, within=None) -> None:
    """Now: their assignments (in these communities) end, and so does every session they hold."""
    _end_assignments(user, utcnow(), within)
    if not user.current_assignments():
        user.disabled = True
    end_all_sessions(user)


def set_own_password(user: User, password: str) -> None:
    user.password_hash = _hash(password)
    user.must_change_password = False
    end_all_sessions(user)

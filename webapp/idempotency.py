"""Request ids: every write form carries one, so a replay or a double tap changes nothing twice.

Visits keep their request id in their own unique column; other writes claim theirs in
processed_requests. The database's unique constraint is the judge, so two workers racing
with the same id still produce one write. A replay is the same person's same kind of write and
answers as the first did; an id already used by someone else or for another kind of write is
refused (409) with nothing written.
"""
from __future__ import annotations

import re
import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import Conflict

from .extensions import db
from .models import ProcessedRequest

REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def new_request_id() -> str:
    return uuid.uuid4().hex


def valid_request_id(value: str | None) -> bool:
    return bool(value) and REQUEST_ID.match(value) is not None


class RequestIdReused(Conflict):
    """A request id already used by another person, or for another kind of write: not a replay of that
    write, so it is refused (409, the error page says to reload) and the transaction writes nothing."""


def _replay_or_refuse(used: ProcessedRequest, user_id: int, kind: str) -> None:
    if used.user_id != user_id or used.kind != kind:
        raise RequestIdReused()


def already_processed(request_id: str, user_id: int, kind: str) -> bool:
    """Whether this is a replay: the id was already processed for this user and this kind of write.

    An id used by someone else or for another kind of write raises RequestIdReused (409)."""
    used = db.session.get(ProcessedRequest, request_id)
    if used is None:
        return False
    _replay_or_refuse(used, user_id, kind)
    return True


def claim(request_id: str, user_id: int, kind: str) -> bool:
    """Record this request id; False on a replay (the same user's same kind of write: skip it).

    An id already used by another user or for another kind of write raises RequestIdReused (409): the
    caller's write transaction (database.writing) rolls back, so nothing is written."""
    if already_processed(request_id, user_id, kind):
        return False
    savepoint = db.session.begin_nested()
    try:
        db.session.add(ProcessedRequest(request_id=request_id, user_id=user_id, kind=kind))
        savepoint.commit()
    except IntegrityError:
        savepoint.rollback()
        used = db.session.get(ProcessedRequest, request_id)  # a worker racing with the same id won
        if used is not None:
            _replay_or_refuse(used, user_id, kind)
        return False
    return True


def find_by_request_id(model, request_id: str):
    return db.session.scalar(select(model).where(model.request_id == request_id))


def insert_once(row):
    """Insert a row carrying its own unique request_id: (row, True), or on a replay (the first row, False).

    The unique column decides, so a new write costs no look-up first, and two workers racing with
    the same id still store one row.
    """
    savepoint = db.session.begin_nested()
    try:
        db.session.add(row)
        db.session.flush()
    except IntegrityError:
        savepoint.rollback()
        return find_by_request_id(type(row), row.request_id), False
    savepoint.commit()
    return row, True


def write_once(request_id: str, user_id: int, kind: str, action):
    """Run action() in a write transaction of its own, unless this request id was already processed
    (then nothing runs, and None is returned). For writes whose service has no request id of its own.
    An id used by another user or for another kind of write raises RequestIdReused (409)."""
    from .database import writing

    with writing():
        if claim(request_id, user_id, kind):
            return action()
    return None

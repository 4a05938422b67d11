"""Counting hits per address on public pages, across workers (in the database)."""
from datetime import timedelta

from flask import abort, request
from sqlalchemy import func, select

from ..database import writing
from ..extensions import db
from ..models import RateEvent, utcnow


def limit(bucket: str, allowed: int, per_seconds: int) -> None:
    """Abort with 429 once this address has made `allowed` hits in the window."""
    key = f"{bucket}:{request.remote_addr or 'unknown'}"[:96]
    since = utcnow() - timedelta(seconds=per_seconds)
    with writing():
        hits = db.session.scalar(select(func.count()).select_from(RateEvent)
                                 .where(RateEvent.key == key, RateEvent.at >= since))
        if hits >= allowed:
            abort(429)
        db.session.add(RateEvent(key=key))
        # Old events are dropped as we go, so the table stays small.
        db.session.execute(RateEvent.__table__.delete().where(RateEvent.key == key,
                                                              RateEvent.at < utcnow() - timedelta(days=1)))

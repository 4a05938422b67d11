"""Checking passwords, throttling guesses, and who may hold a session."""
from __future__ import annotations

import math
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import LoginAttempt, User, utcnow

# Compared against when the user name is unknown, so timing does not reveal which names exist.
_DUMMY_HASH = generate_password_hash("not a real password", method="pbkdf2:sha256:1000")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def seconds_until_unlocked(username: str, address: str) -> int:
    """0 if this user name and address may try again; otherwise how long to wait."""
    window = timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    since = utcnow() - window
    wait = 0
    for column, value in ((LoginAttempt.username, username.lower()), (LoginAttempt.address, address)):
        failures = select(LoginAttempt.at).where(
            column == value, LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False)
        )
        count = db.session.scalar(select(func.count()).select_from(failures.subquery()))
        if count >= limit:
            oldest = db.session.scalar(failures.order_by(LoginAttempt.at.desc()).offset(limit - 1).limit(1))
            wait = max(wait, math.ceil((oldest + window - utcnow()).total_seconds()))
    return wait


def record_attempt(username: str, address: str, succeeded: bool) -> None:
    db.session.add(LoginAttempt(username=username.lower()[:40], address=address[:64], succeeded=succeeded))
    if succeeded:
        # A good login forgives this user's earlier typos.
        db.session.execute(
            LoginAttempt.__table__.delete().where(
                LoginAttempt.username == username.lower(), LoginAttempt.succeeded.is_(False)
            )
        )


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or user.disabled:
        return None
    return user


def may_hold_session(user: User) -> bool:
    """Access ends on its own: a user needs at least one assignment valid right now."""
    return not user.disabled and bool(user.current_assignments())


def safe_next(target: str | None) -> str | None:
    """Only same-site paths are followed after login."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def prune_old_attempts() -> None:
    cutoff = utcnow() - timedelta(days=30)
    db.session.execute(LoginAttempt.__table__.delete().where(or_(LoginAttempt.at < cutoff)))

"""Checking passwords, throttling guesses, and who may hold a session."""
from __future__ import annotations

import ipaddress
import math
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import LoginAttempt, User, utcnow

# Compared against when the user name is unknown, so timing does not reveal which names exist;
# made with the configured method, so it costs what a real check costs.
_DUMMY_HASHES: dict[str, str] = {}


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_hex(16), method=method)
    return _DUMMY_HASHES[method]


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def address_key(address: str) -> str:
    """The address throttling counts by: the IPv4 address, or the /64 network of an IPv6 one
    (one phone or home line holds a whole /64)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return (address or "unknown")[:64]
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _growing_delay(failures: int, free: int) -> int:
    """No wait for the first `free` failures, then 30 s, 60 s, 120 s … up to the ceiling."""
    if failures < free:
        return 0
    config = current_app.config
    return min(config["LOGIN_MAX_DELAY_SECONDS"], config["LOGIN_BASE_DELAY_SECONDS"] * 2 ** min(failures - free, 20))


def _failures(*conditions) -> tuple[int, datetime | None]:
    since = utcnow() - timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    count, last = db.session.execute(
        select(func.count(), func.max(LoginAttempt.at))
        .where(*conditions, LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False))
    ).one()
    return count, last


def seconds_until_unlocked(username: str, address: str) -> int:
    """0 if this user name may try from this address now; otherwise how many seconds to wait.

    Throttling never locks anyone out; it slows guessing down with growing delays:
    - per (user name, address) pair: after LOGIN_MAX_FAILURES failures in the window, each further
      try waits 30 s, 60 s, 120 s … (LOGIN_MAX_DELAY_SECONDS at most) after the last failure.
      Failures from other addresses never slow this pair down, so a stranger cannot lock a user
      out, and the right password from an address that did not fail still logs in.
    - per address: a looser ceiling (LOGIN_ADDRESS_MAX_FAILURES failures over any user names)
      slows password spraying from one address; a user who has logged in from that address in
      the last 30 days is not held by it (a shared NAT or office line keeps working).
    """
    config, name, key = current_app.config, username.strip().lower()[:40], address_key(address)
    now = utcnow()
    wait = 0
    count, last = _failures(LoginAttempt.username == name, LoginAttempt.address == key)
    if last is not None:
        wait = max(wait, _growing_delay(count, config["LOGIN_MAX_FAILURES"]) - (now - last).total_seconds())
    count, last = _failures(LoginAttempt.address == key)
    if last is not None and count >= config["LOGIN_ADDRESS_MAX_FAILURES"] and not _known_here(name, key):
        wait = max(wait, _growing_delay(count, config["LOGIN_ADDRESS_MAX_FAILURES"]) - (now - last).total_seconds())
    return max(0, math.ceil(wait))


def _known_here(name: str, key: str) -> bool:
    since = utcnow() - timedelta(days=30)
    return db.session.scalar(select(LoginAttempt.id).where(
        LoginAttempt.username == name, LoginAttempt.address == key, LoginAttempt.succeeded.is_(True),
        LoginAttempt.at >= since).limit(1)) is not None


def record_attempt(username: str, address: str, succeeded: bool) -> None:
    name, key = username.strip().lower()[:40], address_key(address)
    db.session.add(LoginAttempt(username=name, address=key, succeeded=succeeded))
    if succeeded:
        # A good login forgives this user's earlier typos from this address (not anyone else's guesses).
        db.session.execute(
            LoginAttempt.__table__.delete().where(
                LoginAttempt.username == name, LoginAttempt.address == key, LoginAttempt.succeeded.is_(False)
            )
        )
        if secrets.randbelow(100) == 0:
            prune_old_attempts()


def username_taken(username: str, except_id: int | None = None) -> bool:
    """The one check of a user name in use, whatever its case (李 adds "Wang", 王 has "wang")."""
    statement = select(User.id).where(func.lower(User.username) == username.strip().lower())
    if except_id:
        statement = statement.where(User.id != except_id)
    return db.session.scalar(statement) is not None


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    if user is None:
        check_password_hash(_dummy_hash(), password)
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
    db.session.execute(LoginAttempt.__table__.delete().where(LoginAttempt.at < cutoff))

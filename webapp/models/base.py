"""Small helpers shared by the model modules."""
import secrets
from datetime import datetime, timezone

from sqlalchemy import CheckConstraint


def utcnow() -> datetime:
    """Naive UTC: stored the same way on SQLite and PostgreSQL; shown in local time by Babel."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def new_token() -> str:
    """A printed token: 128 random bits, URL-safe, never a database id."""
    return secrets.token_urlsafe(16)


def one_of(column: str, values, name: str | None = None) -> CheckConstraint:
    """A CHECK constraint limiting a text column to an enumeration."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name or f"{column}_valid")

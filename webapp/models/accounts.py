"""Users, what they are assigned to, and their login attempts."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import one_of, utcnow

ROLES = ("admin", "secretary", "lead", "volunteer")

# Each role is tied to exactly the kind of place it works on.
_SCOPE_MATCHES_ROLE = (
    "(role = 'admin' AND community_id IS NULL AND grid_id IS NULL AND building_id IS NULL)"
    " OR (role = 'secretary' AND community_id IS NOT NULL AND grid_id IS NULL AND building_id IS NULL)"
    " OR (role = 'lead' AND building_id IS NOT NULL AND community_id IS NULL AND grid_id IS NULL)"
    " OR (role = 'volunteer' AND community_id IS NULL"
    " AND ((grid_id IS NOT NULL AND building_id IS NULL) OR (grid_id IS NULL AND building_id IS NOT NULL)))"
)


class HoldsAssignments:
    """What a user is, from their assignments: shared by the User row and the light SignedInUser each
    request loads (webapp/auth/sessions.py)."""

    def get_id(self) -> str:
        """What Flask-Login keeps in the session: the id and the session version, "12:3"."""
        return f"{self.id}:{self.session_version}"

    def current_assignments(self, now: datetime | None = None) -> list:
        now = now or utcnow()
        return [a for a in self.assignments if a.is_current(now)]

    def roles(self) -> set[str]:
        return {a.role for a in self.current_assignments()}


class AssignmentPeriod:
    """When an assignment holds: shared by the RoleAssignment row and SignedInUser's light copy."""

    def is_current(self, now: datetime) -> bool:
        return self.valid_from <= now and (self.valid_until is None or now < self.valid_until)


class User(HoldsAssignments, UserMixin, db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str | None] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(256))
    locale: Mapped[str | None] = mapped_column(String(8))
    disabled: Mapped[bool] = mapped_column(default=False)
    # Logged in with a one-time code (new person, password reset): must choose a password first.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default="0")
    # Part of the login id kept in the session cookie: bumping it ends every session of the user
    # (logout, password change or reset, end of access). See webapp/auth/sessions.py.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    assignments: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", foreign_keys="RoleAssignment.user_id", order_by="RoleAssignment.id"
    )


class RoleAssignment(AssignmentPeriod, db.Model):
    """A role on one place (community, grid or building), optionally for a limited time."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        one_of("role", ROLES),
        CheckConstraint(_SCOPE_MATCHES_ROLE, name="scope_matches_role"),
        CheckConstraint("valid_until IS NULL OR valid_until > valid_from", name="valid_period"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    valid_from: Mapped[datetime] = mapped_column(default=utcnow)
    valid_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(back_populates="assignments", foreign_keys=[user_id])
    community: Mapped["Community | None"] = relationship()  # noqa: F821
    grid: Mapped["Grid | None"] = relationship()  # noqa: F821
    building: Mapped["Building | None"] = relationship()  # noqa: F821


class LoginAttempt(db.Model):
    """Every login attempt, so throttling works across gunicorn workers."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    succeeded: Mapped[bool] = mapped_column(default=False)

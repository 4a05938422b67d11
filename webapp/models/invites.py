"""Invites for temporary helpers: who may join, where, for how long, and who joined."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import new_token, one_of, utcnow

INVITE_ROLES = ("volunteer", "lead")


class Invite(db.Model):
    """A secretary's invitation: a role on some grids or buildings, for a time window, for up to N people."""

    __tablename__ = "invites"
    __table_args__ = (
        one_of("role", INVITE_ROLES),
        CheckConstraint("valid_until > valid_from", name="window_ordered"),
        CheckConstraint("max_joins >= 1", name="max_joins_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    # Printed on the poster as /join/<token>: 128 random bits, URL-safe.
    token: Mapped[str] = mapped_column(String(32), unique=True, default=new_token)
    # A short code on the poster, typed at /join when the QR cannot be scanned.
    code: Mapped[str] = mapped_column(String(12), unique=True)
    title: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(16))
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime]
    max_joins: Mapped[int]
    ended_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    community: Mapped["Community"] = relationship()  # noqa: F821
    places: Mapped[list[InvitePlace]] = relationship(back_populates="invite", order_by="InvitePlace.id",
                                                     cascade="all, delete-orphan")
    joins: Mapped[list[InviteJoin]] = relationship(back_populates="invite", order_by="InviteJoin.id")

    def state(self, now: datetime | None = None, joined: int | None = None) -> str:
        """open, not_yet, expired, ended or full."""
        now = now or utcnow()
        if self.ended_at is not None:
            return "ended"
        if now >= self.valid_until:
            return "expired"
        if (len(self.joins) if joined is None else joined) >= self.max_joins:
            return "full"
        if now < self.valid_from:
            return "not_yet"
        return "open"


class InvitePlace(db.Model):
    """One grid or one building an invite gives access to."""

    __tablename__ = "invite_places"
    __table_args__ = (
        CheckConstraint("(grid_id IS NULL) <> (building_id IS NULL)", name="grid_or_building"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    invite_id: Mapped[int] = mapped_column(ForeignKey("invites.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))

    invite: Mapped[Invite] = relationship(back_populates="places")
    grid: Mapped["Grid | None"] = relationship()  # noqa: F821
    building: Mapped["Building | None"] = relationship()  # noqa: F821


class InviteJoin(db.Model):
    """A person who joined through an invite; their access is the invite's role assignments."""

    __tablename__ = "invite_joins"
    __table_args__ = (UniqueConstraint("user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    invite_id: Mapped[int] = mapped_column(ForeignKey("invites.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Turned into a regular volunteer: the access no longer ends with the window.
    kept_at: Mapped[datetime | None]

    invite: Mapped[Invite] = relationship(back_populates="joins")
    user: Mapped["User"] = relationship(foreign_keys=[user_id])  # noqa: F821

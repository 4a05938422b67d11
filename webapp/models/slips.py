"""Note slips (留言条), the residents' answers, self-reports (报备), and public rate limits."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import one_of, utcnow

SLIP_STATES = ("printed", "bound", "void")
REPLY_KINDS = ("home_at", "call_me", "moved", "message")
SELF_REPORT_STATES = ("new", "confirmed", "dismissed")


class SlipPad(db.Model):
    """A pad of pre-numbered slips printed for a community and issued to one volunteer."""

    __tablename__ = "slip_pads"
    __table_args__ = (UniqueConstraint("community_id", "number", name="uq_slip_pads_community_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    # 第 n 本: counted within the community (the id runs across communities).
    number: Mapped[int]
    issued_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The form that made it: a replay of that form answers with this pad (empty for pads made before).
    request_id: Mapped[str | None] = mapped_column(String(64), unique=True)

    community: Mapped["Community"] = relationship()  # noqa: F821
    issued_to: Mapped["User | None"] = relationship(foreign_keys=[issued_to_id])  # noqa: F821
    slips: Mapped[list[NoteSlip]] = relationship(back_populates="pad", order_by="NoteSlip.id")


class NoteSlip(db.Model):
    """One slip: its short code is printed beside a QR to /s/<code>."""

    __tablename__ = "note_slips"
    __table_args__ = (one_of("state", SLIP_STATES),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    pad_id: Mapped[int] = mapped_column(ForeignKey("slip_pads.id"), index=True)
    state: Mapped[str] = mapped_column(String(8), default="printed")
    # Set when a volunteer leaves it at a door after a not_home knock.
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), unique=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    bound_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    bound_at: Mapped[datetime | None]

    pad: Mapped[SlipPad] = relationship(back_populates="slips")
    community: Mapped["Community"] = relationship()  # noqa: F821
    household: Mapped["Household | None"] = relationship()  # noqa: F821
    visit: Mapped["Visit | None"] = relationship()  # noqa: F821
    bound_by: Mapped["User | None"] = relationship(foreign_keys=[bound_by_id])  # noqa: F821
    replies: Mapped[list[SlipReply]] = relationship(back_populates="slip", order_by="SlipReply.id")


class SlipReply(db.Model):
    """What a resident answered through a slip: when they are home, a number, moved, a message."""

    __tablename__ = "slip_replies"
    __table_args__ = (one_of("kind", REPLY_KINDS),)
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    slip_id: Mapped[int] = mapped_column(ForeignKey("note_slips.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    home_slot: Mapped[str | None] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(String(20))
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None]
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handled_visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))

    slip: Mapped[NoteSlip] = relationship(back_populates="replies")
    handled_by: Mapped["User | None"] = relationship()  # noqa: F821


class SelfReport(db.Model):
    """报备: a resident reports themselves through a grid's public code."""

    __tablename__ = "self_reports"
    __table_args__ = (one_of("state", SELF_REPORT_STATES), one_of("category", (
        "local_permanent", "nonlocal_permanent", "local_temporary", "nonlocal_temporary")))
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(20))
    address_text: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(24))
    arrived_from: Mapped[str | None] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12), default="new")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handled_at: Mapped[datetime | None]

    grid: Mapped["Grid"] = relationship()  # noqa: F821
    household: Mapped["Household | None"] = relationship()  # noqa: F821
    handled_by: Mapped["User | None"] = relationship()  # noqa: F821


class RateEvent(db.Model):
    """One hit on a public page, counted per address so codes cannot be probed."""

    __tablename__ = "rate_events"
    __table_args__ = (Index("ix_rate_events_key_at", "key", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(96))
    at: Mapped[datetime] = mapped_column(default=utcnow)

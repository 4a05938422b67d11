"""Door-knock drives (campaigns), visits, and the history they leave behind."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import sent_late
from ..extensions import db
from .base import one_of, utcnow


class Campaign(db.Model):
    """排查行动: a drive over a community (or one grid of it) between two dates."""

    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="dates_ordered"),
        CheckConstraint("max_attempts >= 1", name="max_attempts_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    name: Mapped[str] = mapped_column(String(80))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    # not_home attempts before a household escalates to the secretary's list.
    max_attempts: Mapped[int] = mapped_column(default=3)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    community: Mapped["Community"] = relationship()  # noqa: F821
    grid: Mapped["Grid | None"] = relationship()  # noqa: F821


CHANNELS = ("door", "phone", "proxy")
OUTCOMES = ("verified", "not_home", "refused", "vacant", "moved_out", "wrong_address")
# A household counts as reached in a campaign once it has one of these.
REACHED_OUTCOMES = ("verified", "vacant", "moved_out")


class Visit(db.Model):
    """敲门 / 入户走访: one contact attempt and its outcome."""

    __tablename__ = "visits"
    __table_args__ = (
        one_of("channel", CHANNELS),
        one_of("outcome", OUTCOMES),
        Index("ix_visits_household_at", "household_id", "visited_at"),
        Index("ix_visits_campaign_household", "campaign_id", "household_id"),
        Index("ix_visits_user_at", "user_id", "visited_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # The phone's id for this write: the same id posted twice gives one row.
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[str] = mapped_column(String(8), default="door")
    outcome: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    visited_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the phone says the knock happened (kept offline and sent later); None if sent at once.
    device_time: Mapped[datetime | None]
    # The phone's clock was wrong when it reported device_time (corrected or replaced by the server).
    clock_corrected: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    undone_at: Mapped[datetime | None]

    household: Mapped["Household"] = relationship()  # noqa: F821
    user: Mapped["User"] = relationship()  # noqa: F821
    campaign: Mapped[Campaign | None] = relationship()

    @property
    def reached(self) -> bool:
        return self.outcome in REACHED_OUTCOMES

    @property
    def sent_late(self) -> bool:
        """补发: it reached the server well after the tap (it waited on the phone)."""
        return sent_late(self.device_time, self.visited_at)


class StatusChange(db.Model):
    """Every change of a household's status, with who, when and (if any) the visit behind it."""

    __tablename__ = "status_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    old_status: Mapped[str] = mapped_column(String(24))
    new_status: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped["User"] = relationship()  # noqa: F821


class ResidentChange(db.Model):
    """One corrected field of a resident (or an added / moved-out person), with who and when."""

    __tablename__ = "resident_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    field: Mapped[str] = mapped_column(String(24))
    old_value: Mapped[str | None] = mapped_column(String(120))
    new_value: Mapped[str | None] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped["User"] = relationship()  # noqa: F821
    resident: Mapped["Resident"] = relationship()  # noqa: F821


class ProcessedRequest(db.Model):
    """Request ids of writes other than visits, so a replayed form changes nothing twice."""

    __tablename__ = "processed_requests"
    request_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(default=utcnow)

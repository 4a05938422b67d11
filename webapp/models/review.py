"""一汇总、一上报: the daily summary a secretary signs and sends up."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow


class DailySummary(db.Model):
    """A community's day, signed: the figures as they stood when signed, and the comment."""

    __tablename__ = "daily_summaries"
    __table_args__ = (UniqueConstraint("community_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    day: Mapped[date] = mapped_column(index=True)
    comment: Mapped[str | None] = mapped_column(Text)
    figures: Mapped[str] = mapped_column(Text)  # JSON snapshot of the table at signing
    signed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)

    community: Mapped["Community"] = relationship()  # noqa: F821
    signed_by: Mapped["User"] = relationship()  # noqa: F821

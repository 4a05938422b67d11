"""Residents of a household and the care they need."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import one_of, utcnow

# 本地常住 / 外地常住 / 本地暂住 / 外地暂住
RESIDENT_CATEGORIES = ("local_permanent", "nonlocal_permanent", "local_temporary", "nonlocal_temporary")
CARE_TAGS = ("elderly_alone", "elderly", "disabled", "chronic_illness", "pregnant", "infant")


class Resident(db.Model):
    __tablename__ = "residents"
    __table_args__ = (one_of("category", RESIDENT_CATEGORIES),)
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    name: Mapped[str] = mapped_column(String(40), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    id_number: Mapped[str | None] = mapped_column(String(18))
    birth_date: Mapped[date | None]
    category: Mapped[str] = mapped_column(String(24), default="local_permanent")
    moved_out: Mapped[bool] = mapped_column(default=False)
    moved_out_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    household: Mapped["Household"] = relationship(back_populates="residents")  # noqa: F821
    care_tags: Mapped[list[CareTag]] = relationship(
        back_populates="resident", cascade="all, delete-orphan", order_by="CareTag.tag"
    )

    def age_on(self, day: date) -> int | None:
        if self.birth_date is None:
            return None
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday


class CareTag(db.Model):
    __tablename__ = "care_tags"
    __table_args__ = (UniqueConstraint("resident_id", "tag"), one_of("tag", CARE_TAGS))
    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    tag: Mapped[str] = mapped_column(String(24))

    resident: Mapped[Resident] = relationship(back_populates="care_tags")

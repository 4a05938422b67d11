"""Where people live: street → community → grid → building → household."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import new_token, one_of, utcnow

BUILDING_KINDS = ("walkup", "tower", "bungalow", "courtyard")
HOUSEHOLD_STATUSES = ("occupied", "vacant", "rented_out", "registered_elsewhere", "moved_out")


class Street(db.Model):
    __tablename__ = "streets"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)

    communities: Mapped[list[Community]] = relationship(back_populates="street", order_by="Community.name")


class Community(db.Model):
    __tablename__ = "communities"
    __table_args__ = (UniqueConstraint("street_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    # Printed on note slips so a resident can call back.
    callback_phone: Mapped[str | None] = mapped_column(String(32))

    street: Mapped[Street] = relationship(back_populates="communities")
    grids: Mapped[list[Grid]] = relationship(back_populates="community", order_by="Grid.id")
    buildings: Mapped[list[Building]] = relationship(back_populates="community", order_by="Building.sort_key")


class Grid(db.Model):
    __tablename__ = "grids"
    __table_args__ = (UniqueConstraint("community_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    # The grid's public self-report code (/g/<token>).
    report_token: Mapped[str] = mapped_column(String(32), unique=True, default=new_token)

    community: Mapped[Community] = relationship(back_populates="grids")
    buildings: Mapped[list[Building]] = relationship(back_populates="grid", order_by="Building.sort_key")


class Building(db.Model):
    """A walk-up block, a tower, a row of bungalows or a courtyard."""

    __tablename__ = "buildings"
    __table_args__ = (
        one_of("kind", BUILDING_KINDS),
        CheckConstraint("entrances >= 1", name="entrances_positive"),
        CheckConstraint("floors >= 1", name="floors_positive"),
        UniqueConstraint("community_id", "name"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # community_id repeats grid.community_id so scope filters need no join.
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16))
    entrances: Mapped[int] = mapped_column(default=1)
    floors: Mapped[int] = mapped_column(default=1)
    sort_key: Mapped[str] = mapped_column(String(40), default="")

    community: Mapped[Community] = relationship(back_populates="buildings")
    grid: Mapped[Grid] = relationship(back_populates="buildings")
    households: Mapped[list[Household]] = relationship(
        back_populates="building", order_by="(Household.entrance, Household.floor.desc(), Household.room)"
    )


class Household(db.Model):
    """One door. Carries the sticker token printed on its QR sticker."""

    __tablename__ = "households"
    __table_args__ = (
        one_of("status", HOUSEHOLD_STATUSES),
        CheckConstraint("entrance >= 1", name="entrance_positive"),
        UniqueConstraint("building_id", "entrance", "room"),
        Index("ix_households_building_layout", "building_id", "entrance", "floor"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # community_id and grid_id repeat the building's so every scope filter is one indexed column.
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"))
    entrance: Mapped[int] = mapped_column(default=1)
    floor: Mapped[int] = mapped_column(default=1)
    room: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(120), index=True)
    sticker_token: Mapped[str] = mapped_column(String(32), unique=True, default=new_token)
    status: Mapped[str] = mapped_column(String(24), default="occupied")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    building: Mapped[Building] = relationship(back_populates="households")
    residents: Mapped[list["Resident"]] = relationship(back_populates="household", order_by="Resident.id")


STICKER_RETIRE_REASONS = ("replaced", "revoked")


class RetiredSticker(db.Model):
    """A sticker token no longer in use: scanning it says it was replaced or revoked."""

    __tablename__ = "retired_stickers"
    __table_args__ = (one_of("reason", STICKER_RETIRE_REASONS),)
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    reason: Mapped[str] = mapped_column(String(16))
    retired_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    household: Mapped[Household] = relationship()


class StickerFlag(db.Model):
    """A volunteer found this household's sticker on another door (or a copy on two doors)."""

    __tablename__ = "sticker_flags"
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    found_at_address: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]

    household: Mapped[Household] = relationship()
    reported_by: Mapped["User"] = relationship()  # noqa: F821

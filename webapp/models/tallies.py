"""Counts kept up to date as rows are written, so dashboards do not grow with the district.

The database keeps them itself: triggers (see the speed migration) add to them in the same
transaction as the visit or household that changes them, on SQLite and PostgreSQL alike, so the
knock stays one INSERT and no code path can forget them. coverage.recount_tallies() rebuilds them
from the rows (and a test checks that the kept counts equal a recount).
"""
from __future__ import annotations

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class CampaignTally(db.Model):
    """Per campaign and grid: households visited, reached and escalated (the rule in coverage.py)."""

    __tablename__ = "campaign_tallies"
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), primary_key=True)
    visited: Mapped[int] = mapped_column(default=0, server_default="0")
    reached: Mapped[int] = mapped_column(default=0, server_default="0")
    escalated: Mapped[int] = mapped_column(default=0, server_default="0")


class GridCount(db.Model):
    """Households per grid."""

    __tablename__ = "grid_counts"
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), primary_key=True)
    households: Mapped[int] = mapped_column(default=0, server_default="0")

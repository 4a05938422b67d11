"""Read-only registry queries. Counts are SQL aggregates, never Python loops over rows."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select

from ..extensions import db
from ..models import Building, Community, Grid, Household, Resident, Street


@dataclass
class Counted:
    """An object with the counts shown next to it."""

    obj: object
    households: int = 0
    buildings: int = 0
    grids: int = 0
    residents: int = 0


def _household_counts(group_col):
    return (
        select(group_col.label("key"), func.count(Household.id).label("n"))
        .group_by(group_col)
        .subquery()
    )


def communities_with_counts(where: ColumnElement) -> list[Counted]:
    households = _household_counts(Household.community_id)
    buildings = select(Building.community_id.label("key"), func.count().label("n")).group_by(Building.community_id).subquery()
    grids = select(Grid.community_id.label("key"), func.count().label("n")).group_by(Grid.community_id).subquery()
    rows = db.session.execute(
        select(Community, func.coalesce(households.c.n, 0), func.coalesce(buildings.c.n, 0), func.coalesce(grids.c.n, 0))
        .join(Street)
        .outerjoin(households, households.c.key == Community.id)
        .outerjoin(buildings, buildings.c.key == Community.id)
        .outerjoin(grids, grids.c.key == Community.id)
        .where(where)
        .order_by(Street.name, Community.name)
    ).all()
    return [Counted(c, households=h, buildings=b, grids=g) for c, h, b, g in rows]


def grids_with_counts(where: ColumnElement) -> list[Counted]:
    households = _household_counts(Household.grid_id)
    buildings = select(Building.grid_id.label("key"), func.count().label("n")).group_by(Building.grid_id).subquery()
    rows = db.session.execute(
        select(Grid, func.coalesce(households.c.n, 0), func.coalesce(buildings.c.n, 0))
        .outerjoin(households, households.c.key == Grid.id)
        .outerjoin(buildings, buildings.c.key == Grid.id)
        .where(where)
        .order_by(Grid.community_id, Grid.id)
    ).all()
    return [Counted(g, households=h, buildings=b) for g, h, b in rows]


def buildings_with_counts(where: ColumnElement) -> list[Counted]:
    households = _household_counts(Household.building_id)
    rows = db.session.execute(
        select(Building, func.coalesce(households.c.n, 0))
        .outerjoin(households, households.c.key == Building.id)
        .where(where)
        .order_by(Building.community_id, Building.sort_key, Building.name)
    ).all()
    return [Counted(b, households=h) for b, h in rows]


def resident_count(where: ColumnElement) -> int:
    return db.session.scalar(
        select(func.count(Resident.id)).join(Household).where(where, Resident.moved_out.is_(False))
    )

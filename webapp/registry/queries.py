"""Read-only registry queries. Counts are SQL aggregates, never Python loops over rows."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select

from ..extensions import db
from ..models import Building, Community, Grid, GridCount, Household, Resident, Street


@dataclass
class Counted:
    """An object with the counts shown next to it."""

    obj: object
    households: int = 0
    buildings: int = 0
    grids: int = 0
    residents: int = 0


def _count_of(model, *where):
    """A count per row of the outer query, by index (correlated), not a count of the whole table
    grouped and joined: a community's page must not cost what the district holds."""
    return select(func.count()).select_from(model).where(*where).scalar_subquery()


def _households_of_grids(*where):
    """Households counted from the kept grid counts (tallies.GridCount), summed over grids."""
    return (select(func.coalesce(func.sum(GridCount.households), 0)).join(Grid, Grid.id == GridCount.grid_id)
            .where(*where).scalar_subquery())


def communities_with_counts(where: ColumnElement) -> list[Counted]:
    rows = db.session.execute(
        select(Community, _households_of_grids(Grid.community_id == Community.id),
               _count_of(Building, Building.community_id == Community.id),
               _count_of(Grid, Grid.community_id == Community.id))
        .join(Street)
        .where(where)
        .order_by(Street.name, Community.name)
    ).all()
    return [Counted(c, households=h, buildings=b, grids=g) for c, h, b, g in rows]


def grids_with_counts(where: ColumnElement) -> list[Counted]:
    rows = db.session.execute(
        select(Grid, func.coalesce(GridCount.households, 0), _count_of(Building, Building.grid_id == Grid.id))
        .outerjoin(GridCount, GridCount.grid_id == Grid.id)
        .where(where)
        .order_by(Grid.community_id, Grid.id)
    ).all()
    return [Counted(g, households=h, buildings=b) for g, h, b in rows]


def buildings_with_counts(where: ColumnElement) -> list[Counted]:
    rows = db.session.execute(
        select(Building, _count_of(Household, Household.building_id == Building.id))
        .where(where)
        .order_by(Building.community_id, Building.sort_key, Building.name)
    ).all()
    return [Counted(b, households=h) for b, h in rows]


def resident_count(where: ColumnElement) -> int:
    return db.session.scalar(
        select(func.count(Resident.id)).join(Household).where(where, Resident.moved_out.is_(False))
    )

"""Read-only registry queries. Counts are SQL aggregates, never Python loops over rows."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, or_, select

from ..extensions import db
from ..models import Building, Community, Grid, Household, Resident, RoleAssignment, Street, User, utcnow


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


def users_in_communities(community_ids: frozenset[int] | None) -> list[User]:
    """Users holding a current assignment in these communities (None: every user)."""
    statement = select(User).order_by(User.username)
    if community_ids is not None:
        now = utcnow()
        in_scope = or_(
            RoleAssignment.community_id.in_(community_ids),
            RoleAssignment.grid_id.in_(select(Grid.id).where(Grid.community_id.in_(community_ids))),
            RoleAssignment.building_id.in_(select(Building.id).where(Building.community_id.in_(community_ids))),
        )
        current = and_(RoleAssignment.valid_from <= now,
                       or_(RoleAssignment.valid_until.is_(None), RoleAssignment.valid_until > now))
        statement = statement.where(
            User.id.in_(select(RoleAssignment.user_id).where(in_scope, current, RoleAssignment.role != "admin"))
        )
    return list(db.session.scalars(statement))

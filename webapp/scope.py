"""The one place that decides what a user may see.

Every query for places and people goes through a Scope. Anything outside it answers 404,
never 403: a user must not learn that an object exists.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import abort, g
from flask_login import current_user
from sqlalchemy import and_, false, func, or_, select, true
from sqlalchemy.orm import selectinload

from .extensions import db
from .models import Building, Community, Grid, Household, RoleAssignment, User, utcnow


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    user_id: int | None = None
    community_ids: frozenset[int] = field(default_factory=frozenset)
    grid_ids: frozenset[int] = field(default_factory=frozenset)
    building_ids: frozenset[int] = field(default_factory=frozenset)
    # Communities the user runs (secretary) or all of them (admin): manage users, export.
    managed_community_ids: frozenset[int] = field(default_factory=frozenset)
    # What the user is, role by role (a person may hold several): the home page's sections.
    roles: frozenset[str] = field(default_factory=frozenset)
    lead_building_ids: frozenset[int] = field(default_factory=frozenset)
    volunteer_building_ids: frozenset[int] = field(default_factory=frozenset)
    access_ends: datetime | None = None  # the earliest end of a time-limited assignment

    @classmethod
    def for_user(cls, user: User | None) -> Scope:
        if user is None or not getattr(user, "is_authenticated", False):
            return cls()
        now = utcnow()
        communities, grids, buildings, led, volunteered = set(), set(), set(), set(), set()
        everything = False
        assignments = user.current_assignments(now)
        for assignment in assignments:
            if assignment.role == "admin":
                everything = True
            elif assignment.role == "secretary":
                communities.add(assignment.community_id)
            elif assignment.grid_id is not None:
                grids.add(assignment.grid_id)
            elif assignment.building_id is not None:
                buildings.add(assignment.building_id)
                (led if assignment.role == "lead" else volunteered).add(assignment.building_id)
        ends = [a.valid_until for a in assignments if a.valid_until]
        return cls(everything, user.id, frozenset(communities), frozenset(grids), frozenset(buildings),
                   managed_community_ids=frozenset(communities), roles=frozenset(a.role for a in assignments),
                   lead_building_ids=frozenset(led), volunteer_building_ids=frozenset(volunteered),
                   access_ends=min(ends) if ends else None)

    # --- SQL filters -------------------------------------------------------------------------
    def _filter(self, community_col, grid_col=None, building_col=None):
        if self.everything:
            return true()
        clauses = []
        if self.community_ids:
            clauses.append(community_col.in_(self.community_ids))
        if grid_col is not None and self.grid_ids:
            clauses.append(grid_col.in_(self.grid_ids))
        if building_col is not None and self.building_ids:
            clauses.append(building_col.in_(self.building_ids))
        return or_(*clauses) if clauses else false()

    def households(self):
        return self._filter(Household.community_id, Household.grid_id, Household.building_id)

    def buildings(self):
        return self._filter(Building.community_id, Building.grid_id, Building.id)

    def grids(self):
        """Grids seen whole: the secretary's, and those assigned to a volunteer."""
        return self._filter(Grid.community_id, Grid.id)

    def communities(self):
        if self.everything:
            return true()
        return Community.id.in_(self.managed_community_ids) if self.managed_community_ids else false()

    def manages(self, community_id: int) -> bool:
        return self.everything or community_id in self.managed_community_ids


def current_scope() -> Scope:
    if "scope" not in g:
        g.scope = Scope.for_user(current_user if current_user.is_authenticated else None)
    return g.scope


def or_404(found):
    """The one way a view turns "not found or not yours" into a 404 (never a hint which)."""
    if found is None:
        abort(404)
    return found


def managed_or_404(model, object_id: int):
    """An object of a community the user runs (by its community_id), else 404."""
    found = db.session.get(model, object_id)
    return or_404(found if found is not None and current_scope().manages(found.community_id) else None)


def child_or_404(model, object_id: int, **parent):
    """An object by id that belongs where the URL says (e.g. list_id=pushed.id), else 404."""
    found = db.session.get(model, object_id)
    return or_404(found if found is not None and all(getattr(found, key) == value for key, value in parent.items())
                  else None)


def _one_or_404(statement):
    return or_404(db.session.scalars(statement.limit(1)).first())


def household_by_token_or_404(token: str) -> Household:
    scope = current_scope()
    return _one_or_404(select(Household).where(Household.sticker_token == token, scope.households()))


def door_in_scope(household_id: int | None, scope: Scope) -> bool:
    """Whether this household is one the scope sees (one indexed lookup)."""
    return household_id is not None and db.session.scalar(
        select(Household.id).where(Household.id == household_id, scope.households())) is not None


def household_or_404(household_id: int) -> Household:
    return _one_or_404(select(Household).where(Household.id == household_id, current_scope().households()))


def building_or_404(building_id: int) -> Building:
    return _one_or_404(select(Building).where(Building.id == building_id, current_scope().buildings()))


def grid_or_404(grid_id: int) -> Grid:
    return _one_or_404(select(Grid).where(Grid.id == grid_id, current_scope().grids()))


def community_or_404(community_id: int) -> Community:
    return _one_or_404(select(Community).where(Community.id == community_id, current_scope().communities()))


def managed_communities_or_404() -> list[Community]:
    """The communities a secretary runs (every one for an admin); 404 for anyone else."""
    scope = current_scope()
    if not scope.everything and not scope.managed_community_ids:
        abort(404)
    return list(db.session.scalars(select(Community).where(scope.communities()).order_by(Community.id)))


def chosen_community(communities: list[Community]) -> Community:
    """The community named by ?community=<id> (default the first); 404 if it is not among them."""
    from .hypermedia import id_arg

    wanted = id_arg("community")
    if wanted is None:
        return communities[0]
    chosen = next((c for c in communities if c.id == wanted), None)
    if chosen is None:
        abort(404)
    return chosen


def _assignments_in(community_ids):
    """An assignment's place lies in these communities (a community, one of its grids or buildings)."""
    return or_(
        RoleAssignment.community_id.in_(community_ids),
        RoleAssignment.grid_id.in_(select(Grid.id).where(Grid.community_id.in_(community_ids))),
        RoleAssignment.building_id.in_(select(Building.id).where(Building.community_id.in_(community_ids))),
    )


def _current_assignment(now: datetime):
    return and_(RoleAssignment.valid_from <= now,
                or_(RoleAssignment.valid_until.is_(None), RoleAssignment.valid_until > now))


def users_in_communities(community_ids: frozenset[int] | None) -> list[User]:
    """Users holding a current assignment in these communities (None: every user), with their
    assignments and the places those name: pages list them, and a statement per user would grow
    with the district."""
    statement = select(User).order_by(User.username).options(selectinload(User.assignments).options(
        selectinload(RoleAssignment.community), selectinload(RoleAssignment.grid),
        selectinload(RoleAssignment.building)))
    if community_ids is not None:
        statement = statement.where(User.id.in_(select(RoleAssignment.user_id).where(
            _assignments_in(community_ids), _current_assignment(utcnow()), RoleAssignment.role != "admin")))
    return list(db.session.scalars(statement))


def ended_users_in_communities(community_ids: frozenset[int], roles, *, user_id: int | None = None,
                               limit: int = 50) -> list[tuple[User, datetime]]:
    """People who held one of `roles` in these communities and hold nothing there now (ended by hand,
    by their day, or with their invite), with when it ended, the latest first: a secretary can give
    their access back. They are not on users_in_communities()' list, so they would vanish."""
    now = utcnow()
    held_here = and_(_assignments_in(community_ids), RoleAssignment.role.in_(list(roles)))
    still_here = select(RoleAssignment.user_id).where(_assignments_in(community_ids), _current_assignment(now))
    ended = (select(RoleAssignment.user_id, func.max(RoleAssignment.valid_until).label("ended"))
             .where(held_here, RoleAssignment.valid_until <= now, RoleAssignment.user_id.not_in(still_here))
             .group_by(RoleAssignment.user_id).subquery())
    statement = select(User, ended.c.ended).join(ended, ended.c.user_id == User.id)
    if user_id is not None:
        statement = statement.where(User.id == user_id)
    return [(user, when) for user, when in db.session.execute(
        statement.order_by(ended.c.ended.desc(), User.id.desc()).limit(limit))]


def helpers_in_communities(community_ids) -> list[User]:
    """The volunteers and building leads among them: who a slip pad or a list check can go to."""
    return [u for u in users_in_communities(frozenset(community_ids)) if u.roles() & {"volunteer", "lead"}]

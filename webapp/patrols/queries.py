"""Patrol reads: who patrols what, the day's rounds with their states, anomalies, cases."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import distinct, func, or_, select, true
from sqlalchemy.orm import joinedload

from ..clock import day_bounds, local_naive, local_now
from ..extensions import db
from ..paging import Page, take_page
from ..scope import Scope
from ..models import (
    Case,
    Checkpoint,
    Patrol,
    PatrolScan,
    PatrolSignoff,
    Route,
    RoutePatroller,
    RouteStop,
    WorkGroup,
    WorkGroupMember,
)
from .rounds import RoundResult, Seen, Window, round_state, too_fast


def windows_of(route: Route) -> list[Window]:
    return [Window(w.round_no, w.starts_at, w.ends_at) for w in route.windows]


def routes_patrolled_by(user_id: int) -> list[Route]:
    return list(db.session.scalars(select(Route).join(RoutePatroller).where(RoutePatroller.user_id == user_id)
                                   .order_by(Route.community_id, Route.name)))


def routes_of(community_ids) -> list[Route]:
    return list(db.session.scalars(select(Route).where(Route.community_id.in_(community_ids))
                                   .order_by(Route.community_id, Route.name)))


def checkpoints_left(patrol: Patrol) -> int:
    """How many of the round's checkpoints have not been scanned on it yet."""
    seen = db.session.scalar(select(func.count(distinct(PatrolScan.checkpoint_id)))
                             .where(PatrolScan.patrol_id == patrol.id)) or 0
    return max(len(patrol.route.stops) - seen, 0)


def open_patrol(user_id: int) -> Patrol | None:
    return db.session.scalar(select(Patrol).where(Patrol.user_id == user_id, Patrol.ended_at.is_(None))
                             .order_by(Patrol.id.desc()).limit(1))


def routes_through(checkpoint_id: int) -> list[Route]:
    return list(db.session.scalars(select(Route).join(RouteStop).where(RouteStop.checkpoint_id == checkpoint_id)))


def checkpoint_in_scope(token: str, scope: Scope) -> Checkpoint | None:
    """A checkpoint a user may see: on a route they patrol, or in a community they run."""
    statement = select(Checkpoint).where(Checkpoint.token == token)
    if not scope.everything:
        patrolled = select(RouteStop.checkpoint_id).join(RoutePatroller, RoutePatroller.route_id == RouteStop.route_id)\
            .where(RoutePatroller.user_id == scope.user_id)
        statement = statement.where(or_(Checkpoint.community_id.in_(scope.managed_community_ids),
                                        Checkpoint.id.in_(patrolled)))
    return db.session.scalar(statement)


@dataclass
class PatrolView:
    patrol: Patrol
    fast: list = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.patrol.ended_at is not None and not self.patrol.scans


@dataclass
class RouteDay:
    route: Route
    rounds: list[RoundResult]
    patrols: list[PatrolView]
    unvisited_this_week: list[Checkpoint]


def _patrols_of(route: Route, day: date) -> list[Patrol]:
    return list(db.session.scalars(select(Patrol).where(Patrol.route_id == route.id, Patrol.day == day)
                                   .order_by(Patrol.started_at)))


def _seen(patrol: Patrol) -> list[Seen]:
    return [Seen(s.checkpoint_id, local_naive(s.seen_at), patrol.id) for s in patrol.scans]


def round_results(route: Route, day: date, now: datetime | None = None,
                  patrols: list[Patrol] | None = None) -> list[RoundResult]:
    """The state of each of a route's rounds on a day (what the home page, dashboard and CSV need)."""
    now = now or local_now()
    patrols = _patrols_of(route, day) if patrols is None else patrols
    stop_ids = {stop.checkpoint_id for stop in route.stops}
    results = []
    for window in windows_of(route):
        of_round = [p for p in patrols if p.round_no == window.round_no]
        seen = [one for p in of_round for one in _seen(p)]
        results.append(round_state(window, day, stop_ids, seen, any(p.ended_at is None for p in of_round), now,
                                   ended_patrol=any(p.ended_at is not None for p in of_round)))
    return results


def route_day(route: Route, day: date, now: datetime | None = None) -> RouteDay:
    """Every round of a route on a day, with its state, patrols and anomalies (the day's log)."""
    patrols = _patrols_of(route, day)
    positions = {stop.checkpoint_id: stop.position for stop in route.stops}
    walk = {stop.checkpoint_id: stop.walk_minutes for stop in route.stops}
    views = [PatrolView(patrol, too_fast(_seen(patrol), positions, walk)) for patrol in patrols]
    return RouteDay(route, round_results(route, day, now, patrols), views, unvisited_checkpoints(route, day))


def unvisited_checkpoints(route: Route, day: date) -> list[Checkpoint]:
    """Checkpoints of the route nobody has scanned in the seven days up to this day."""
    week_start, week_end = day_bounds(day - timedelta(days=6))[0], day_bounds(day)[1]
    visited = set(db.session.scalars(
        select(PatrolScan.checkpoint_id).where(
            func.coalesce(PatrolScan.device_time, PatrolScan.scanned_at) >= week_start,
            func.coalesce(PatrolScan.device_time, PatrolScan.scanned_at) < week_end).distinct()))
    return [stop.checkpoint for stop in route.stops if stop.checkpoint_id not in visited]


def signoff_of(community_id: int, day: date) -> PatrolSignoff | None:
    return db.session.scalar(select(PatrolSignoff).where(PatrolSignoff.community_id == community_id,
                                                         PatrolSignoff.day == day))


def groups_of(community_ids) -> list[WorkGroup]:
    return list(db.session.scalars(select(WorkGroup).where(WorkGroup.community_id.in_(community_ids))
                                   .order_by(WorkGroup.community_id, WorkGroup.id)))


def my_group_ids(user_id: int) -> list[int]:
    return list(db.session.scalars(select(WorkGroupMember.work_group_id).where(WorkGroupMember.user_id == user_id)))


def _cases_worked_on(scope: Scope):
    """The cases a user may move along: every case (admin), their communities' (secretary), their groups'."""
    if scope.everything:
        return true()
    return or_(Case.community_id.in_(scope.managed_community_ids),
               Case.work_group_id.in_(select(WorkGroupMember.work_group_id)
                                      .where(WorkGroupMember.user_id == scope.user_id)))


def visible_cases(scope: Scope, page: int = 1, open_only: bool = True, mine: bool = False) -> Page:
    """The cases a user may open, newest first, a page at a time (webapp/paging.py), the page counting them all:
    those they work on and those they reported themselves; `mine`: only their own reports."""
    reported = Case.created_by_id == scope.user_id
    conditions = [reported if mine else or_(_cases_worked_on(scope), reported)]
    if open_only:
        conditions.append(Case.status != "solved")
    total = db.session.scalar(select(func.count()).select_from(Case).where(*conditions))
    statement = (select(Case).options(joinedload(Case.group)).where(*conditions)
                 .order_by(Case.created_at.desc(), Case.id.desc()))
    return take_page(statement, page, scalars=True, total=total)


def reported_case_count(user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Case).where(Case.created_by_id == user_id))


def may_move_case(case: Case, scope: Scope) -> bool:
    """Whether a user may change a case's state (a reporter who is neither secretary nor in its group may only read)."""
    return scope.manages(case.community_id) or case.work_group_id in my_group_ids(scope.user_id)


def cases_of_scans(scan_ids) -> dict[int, Case]:
    """The case each of these scans opened (a finding handed to a work group), by scan id."""
    if not scan_ids:
        return {}
    return {case.scan_id: case for case in db.session.scalars(select(Case).where(Case.scan_id.in_(list(scan_ids))))}


def patrol_in_scope(patrol_id: int, scope: Scope) -> Patrol | None:
    """A round its walker or the secretary of its route's community may open."""
    patrol = db.session.get(Patrol, patrol_id)
    if patrol is None or not (patrol.user_id == scope.user_id or scope.manages(patrol.route.community_id)):
        return None
    return patrol


def case_in_scope(case_id: int, scope: Scope) -> Case | None:
    """A case its reporter, its work group, the secretary of its community or an admin may open."""
    case = db.session.get(Case, case_id)
    if case is None:
        return None
    if case.created_by_id == scope.user_id or may_move_case(case, scope):
        return case
    return None


def seal_checks_of(household_id: int, limit: int = 10) -> list[PatrolScan]:
    """Patrol scans at a sealed door that is this household: shown in its history."""
    return list(db.session.scalars(select(PatrolScan).join(Checkpoint).options(
        joinedload(PatrolScan.patrol).joinedload(Patrol.user))  # the card shows who walked: no query per scan
        .where(Checkpoint.household_id == household_id).order_by(PatrolScan.scanned_at.desc()).limit(limit)))


def day_scans(community_id: int, day: date) -> list[PatrolScan]:
    return list(db.session.scalars(select(PatrolScan).join(Patrol).join(Route).where(
        Route.community_id == community_id, Patrol.day == day).order_by(Patrol.route_id, Patrol.id, PatrolScan.id)))



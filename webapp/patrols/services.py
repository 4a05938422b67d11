"""Patrol writes: set-up, rounds started and ended, scans, cases moved along, the day signed off."""
from __future__ import annotations

from datetime import date, datetime, time

from flask_babel import gettext as _
from sqlalchemy import select

from ..clock import local_naive, local_today
from ..database import taken
from ..extensions import db
from ..forms import FieldError
from ..idempotency import claim, find_by_request_id, insert_once
from ..labels import FINDING_LABELS
from ..printing import category_words_in
from ..models import (
    Case,
    CaseEvent,
    Checkpoint,
    Household,
    Patrol,
    PatrolScan,
    PatrolSignoff,
    Route,
    RoutePatroller,
    RouteStop,
    RouteWindow,
    WorkGroup,
    WorkGroupMember,
    utcnow,
)
from .queries import windows_of
from .rounds import round_for


class PatrolError(ValueError):
    """A patrol action that cannot be done, with the message for the person."""


class SetupError(FieldError):
    """A patrol set-up form that cannot be applied: the message belongs beside `field`."""

    def __init__(self, field: str, message: str, warning: bool = False):
        super().__init__(field, message)
        self.warning = warning  # the person may confirm and keep what they typed


def start_round(route: Route, user_id: int, request_id: str) -> Patrol:
    existing = find_by_request_id(Patrol, request_id)
    if existing is not None:
        return existing
    already = db.session.scalar(select(Patrol).where(Patrol.user_id == user_id, Patrol.ended_at.is_(None)))
    if already is not None:
        if already.request_id == request_id:  # the same start, raced: its twin committed first
            return already
        raise PatrolError(_("Finish your round on %(route)s first.", route=already.route.name))
    now = utcnow()
    patrol = Patrol(request_id=request_id, route_id=route.id, user_id=user_id, day=local_today(),
                    round_no=round_for(windows_of(route), local_naive(now).time()), started_at=now)
    return insert_once(patrol)[0]


def record_scan(patrol: Patrol, checkpoint: Checkpoint, user_id: int, *, request_id: str, result: str,
                finding_kind: str | None, note: str | None, resolution: str | None, work_group: WorkGroup | None,
                device_time: datetime | None, clock_corrected: bool = False) -> PatrolScan:
    if patrol.ended_at is not None and find_by_request_id(PatrolScan, request_id) is None:
        raise PatrolError(_("This round has ended. Start a new one to scan again."))
    if checkpoint.id not in {stop.checkpoint_id for stop in patrol.route.stops}:
        raise PatrolError(_("This checkpoint is not on the route %(route)s.", route=patrol.route.name))
    finding = result == "finding"
    scan, created = insert_once(PatrolScan(
        request_id=request_id, patrol_id=patrol.id, checkpoint_id=checkpoint.id, device_time=device_time,
        clock_corrected=clock_corrected, result=result, finding_kind=finding_kind if finding else None, note=(note or "").strip() or None,
        resolution=resolution if finding else None))
    if created and finding and resolution == "handed" and work_group is not None:
        title = _("%(label)s: %(value)s", label=checkpoint.name, value=FINDING_LABELS.get(finding_kind, finding_kind))
        case = Case(community_id=checkpoint.community_id, work_group_id=work_group.id, scan_id=scan.id,
                    title=title[:120], created_by_id=user_id)
        db.session.add(case)
        db.session.flush()
        db.session.add(CaseEvent(request_id=f"case-open-{case.id}", case_id=case.id, user_id=user_id,
                                 status="open", note=scan.note))
    return scan


def end_round(patrol: Patrol, user_id: int, request_id: str, reason: str | None) -> None:
    if patrol.ended_at is not None or not claim(request_id, user_id, "end_round"):
        return
    missing = {stop.checkpoint_id for stop in patrol.route.stops} - {s.checkpoint_id for s in patrol.scans}
    if missing and not (reason or "").strip():
        raise PatrolError(_("Some checkpoints were not scanned: say why before you end the round."))
    patrol.ended_at, patrol.end_reason = utcnow(), (reason or "").strip() or None


def move_case(case: Case, user_id: int, request_id: str, status: str, note: str | None) -> None:
    event, created = insert_once(CaseEvent(
        request_id=request_id, case_id=case.id, user_id=user_id, status=status, note=(note or "").strip() or None))
    if created:
        case.status = status


def sign_off(request_id: str, community_id: int, day: date, user_id: int, comment: str | None) -> None:
    """Sign (or sign again) the day's patrol log; a replay of the same request id changes nothing."""
    if not claim(request_id, user_id, "signoff"):
        return
    signoff = db.session.scalar(select(PatrolSignoff).where(PatrolSignoff.community_id == community_id,
                                                            PatrolSignoff.day == day))
    if signoff is None:
        signoff = PatrolSignoff(community_id=community_id, day=day, user_id=user_id)
        db.session.add(signoff)
    signoff.comment, signoff.user_id, signoff.signed_at = (comment or "").strip() or None, user_id, utcnow()


def create_checkpoint(community_id: int, name: str, kind: str, household_id: int | None) -> Checkpoint:
    checkpoint = Checkpoint(community_id=community_id, name=name.strip(), kind=kind, household_id=household_id)
    db.session.add(checkpoint)
    db.session.flush()
    return checkpoint


def parse_windows(text: str) -> list[tuple[time, time]]:
    """'08:00-10:00, 14:00-16:00' → [(08:00, 10:00), (14:00, 16:00)]; raises PatrolError."""
    windows = []
    for part in text.replace("，", ",").replace("－", "-").replace("–", "-").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            start_text, end_text = (piece.strip() for piece in part.split("-"))
            start, end = time.fromisoformat(_pad(start_text)), time.fromisoformat(_pad(end_text))
        except ValueError:
            raise PatrolError(_("Write each window as 08:00-10:00, separated by commas.")) from None
        if end <= start:
            raise PatrolError(_("A window must end after it starts."))
        windows.append((start, end))
    if not windows:
        raise PatrolError(_("Give at least one time window."))
    windows.sort()
    for (_s1, e1), (s2, _e2) in zip(windows, windows[1:]):
        if s2 < e1:
            raise PatrolError(_("Windows must not overlap."))
    return windows


def _pad(text: str) -> str:
    return text if len(text) == 5 else ("0" + text if len(text) == 4 else text)


def create_route(community_id: int, name: str, windows: list[tuple[time, time]],
                 stops: list[tuple[int, int]], patroller_ids: list[int]) -> Route:
    """stops: (checkpoint id, walking minutes from the previous stop), in walking order."""
    route = Route(community_id=community_id, name=name.strip())
    db.session.add(route)
    db.session.flush()
    for number, (start, end) in enumerate(windows, 1):
        db.session.add(RouteWindow(route_id=route.id, round_no=number, starts_at=start, ends_at=end))
    for position, (checkpoint_id, minutes) in enumerate(stops, 1):
        db.session.add(RouteStop(route_id=route.id, checkpoint_id=checkpoint_id, position=position,
                                 walk_minutes=minutes if position > 1 else 0))
    for user_id in dict.fromkeys(patroller_ids):
        db.session.add(RoutePatroller(route_id=route.id, user_id=user_id))
    db.session.flush()
    return route


def create_group(community_id: int, name: str, member_ids: list[int]) -> WorkGroup:
    group = WorkGroup(community_id=community_id, name=name.strip())
    db.session.add(group)
    db.session.flush()
    for user_id in dict.fromkeys(member_ids):
        db.session.add(WorkGroupMember(work_group_id=group.id, user_id=user_id))
    return group


# --- the secretary's set-up forms: checked, then created once per request id ---------------------


def _name_taken(model, community_id: int, name: str) -> bool:
    return taken(model, model.community_id == community_id, model.name == name.strip())


def set_up_checkpoint(request_id: str, user_id: int, community_id: int, name: str, kind: str,
                      household_address: str | None, name_confirmed: bool = False) -> None:
    if not claim(request_id, user_id, "setup-checkpoint"):
        return
    household_id = None
    if kind == "sealed_door":
        household_id = db.session.scalar(select(Household.id).where(
            Household.community_id == community_id, Household.address == (household_address or "").strip()))
        if household_id is None:
            raise SetupError("household_address", _("No door with this address in the community."))
    words = category_words_in(name)
    if words and not name_confirmed:
        raise SetupError("name", _("“%(words)s” says who lives there or what is wrong: neighbours must not read it. "
                                   "Stickers print only the address or the place; better name the checkpoint by its "
                                   "place, or tick the box to keep this name.", words="、".join(words)), warning=True)
    if _name_taken(Checkpoint, community_id, name):
        raise SetupError("name", _("A checkpoint with this name already exists."))
    create_checkpoint(community_id, name, kind, household_id)


def set_up_group(request_id: str, user_id: int, community_id: int, name: str, member_ids: list[int]) -> None:
    if not claim(request_id, user_id, "setup-group"):
        return
    if _name_taken(WorkGroup, community_id, name):
        raise SetupError("name", _("A group with this name already exists."))
    create_group(community_id, name, member_ids)


def set_up_route(request_id: str, user_id: int, community_id: int, name: str, windows_text: str,
                 stops: list[tuple[int, int, int]], patroller_ids: list[int]) -> None:
    """stops: (position typed, checkpoint id, walking minutes) for the community's own checkpoints."""
    if not claim(request_id, user_id, "setup-route"):
        return
    try:
        windows = parse_windows(windows_text)
    except PatrolError as error:
        raise SetupError("windows", str(error)) from None
    if len(stops) < 2:
        raise SetupError("name", _("Number at least two checkpoints in walking order."))
    if _name_taken(Route, community_id, name):
        raise SetupError("name", _("A route with this name already exists."))
    create_route(community_id, name, windows, [(c, w) for _p, c, w in sorted(stops)], patroller_ids)

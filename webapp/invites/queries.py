"""What the secretary sees of her invites: who joined each one and what they did."""
from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import func, select

from ..extensions import db
from ..paging import Page, take_page
from ..models import Invite, InviteJoin, ListTask, NoteSlip, Patrol, PatrolScan, Visit
from ..scope import child_or_404, managed_or_404


def invite_or_404(invite_id: int) -> Invite:
    return managed_or_404(Invite, invite_id)


def person_or_404(invite: Invite, join_id: int) -> InviteJoin:
    return child_or_404(InviteJoin, join_id, invite_id=invite.id)


def invites_of(community_id: int, page_number: int = 1) -> Page:
    """Newest first, with how many joined each: rows of (invite, joined), a page at a time."""
    # Counted per invite shown (by index), not every join of the district grouped first.
    joined = select(func.count(InviteJoin.id)).where(InviteJoin.invite_id == Invite.id).scalar_subquery()
    total = db.session.scalar(select(func.count(Invite.id)).where(Invite.community_id == community_id))
    page = take_page(select(Invite, joined).where(Invite.community_id == community_id)
                     .order_by(Invite.valid_from.desc(), Invite.id.desc()), page_number, total=total)
    return replace(page, rows=[(invite, int(n)) for invite, n in page.rows])


@dataclass
class Activity:
    knocks: int = 0
    slips: int = 0
    scans: int = 0
    tasks: int = 0


def activity_of(user_ids: list[int]) -> dict[int, Activity]:
    """Knocks, slips left, patrol scans and list checks done by each person (since ever)."""
    found = {user_id: Activity() for user_id in user_ids}
    if not user_ids:
        return found
    counts = (
        ("knocks", select(Visit.user_id, func.count()).where(Visit.user_id.in_(user_ids), Visit.undone_at.is_(None))
         .group_by(Visit.user_id)),
        ("slips", select(NoteSlip.bound_by_id, func.count()).where(NoteSlip.bound_by_id.in_(user_ids))
         .group_by(NoteSlip.bound_by_id)),
        ("scans", select(Patrol.user_id, func.count(PatrolScan.id)).join(PatrolScan, PatrolScan.patrol_id == Patrol.id)
         .where(Patrol.user_id.in_(user_ids)).group_by(Patrol.user_id)),
        ("tasks", select(ListTask.assignee_id, func.count()).where(ListTask.assignee_id.in_(user_ids),
                                                                   ListTask.done_at.isnot(None))
         .group_by(ListTask.assignee_id)),
    )
    for name, statement in counts:
        for user_id, number in db.session.execute(statement):
            setattr(found[user_id], name, int(number))
    return found

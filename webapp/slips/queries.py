"""Slips, answers and self-reports as each person may see them; slip figures per campaign."""
from __future__ import annotations

import re
import statistics

from sqlalchemy import and_, exists, func, or_, select, true
from sqlalchemy.orm import aliased, selectinload

from ..extensions import db
from ..models import (
    REACHED_OUTCOMES,
    Campaign,
    Grid,
    Household,
    NoteSlip,
    SelfReport,
    SlipPad,
    SlipReply,
    Visit,
)
from ..paging import PAGE_SIZE, Page, take_page
from ..scope import Scope, door_in_scope
from ..search import search


def slip_of_visit(visit_id: int) -> NoteSlip | None:
    return db.session.scalar(select(NoteSlip).where(NoteSlip.visit_id == visit_id))


def open_answers_at(household_ids) -> dict[int, SlipReply]:
    """The newest answer still to handle to a slip left at each of these doors (the revisit list says the
    household answered, so nobody walks back to a door that asked to be called)."""
    ids = list(household_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(NoteSlip.household_id, SlipReply).join(SlipReply.slip).where(
        NoteSlip.household_id.in_(ids), SlipReply.handled_at.is_(None)).order_by(SlipReply.created_at, SlipReply.id))
    return {household_id: reply for household_id, reply in rows}


def my_slip_counts(user_id: int) -> tuple[int, int]:
    """(slips this volunteer left, of them answered): every slip, not a page of them."""
    answered = exists().where(SlipReply.slip_id == NoteSlip.id)
    left, replied = db.session.execute(
        select(func.count(NoteSlip.id), func.count(NoteSlip.id).filter(answered))
        .where(NoteSlip.bound_by_id == user_id)).one()
    return int(left), int(replied or 0)


def my_slips(user_id: int, answered: bool, page_number: int = 1, *, total: int | None = None) -> Page:
    """Slips this volunteer left, answered ones or those still waiting, newest first, a page at a time
    (?answered_page= / ?waiting_page=)."""
    replied = exists().where(SlipReply.slip_id == NoteSlip.id)
    statement = (select(NoteSlip).where(NoteSlip.bound_by_id == user_id, replied if answered else ~replied)
                 .options(selectinload(NoteSlip.household), selectinload(NoteSlip.replies))
                 .order_by(NoteSlip.bound_at.desc(), NoteSlip.id.desc()))
    return take_page(statement, page_number, scalars=True, total=total,
                     name="answered_page" if answered else "waiting_page")


def community_pads(community_id: int, page_number: int = 1) -> Page:
    """The pads printed for a community, newest first, a page at a time (?pads_page=); each row is
    (pad, slips in it, its first code), counted in the same statement, and the page counts every pad."""
    def of_the_pad(column):
        return select(column).where(NoteSlip.pad_id == SlipPad.id).correlate(SlipPad).scalar_subquery()

    in_community = SlipPad.community_id == community_id
    total = db.session.scalar(select(func.count(SlipPad.id)).where(in_community))
    # The first slip as printed (the lowest id), not the alphabetically first code: the one on top of the pad.
    first_code = (select(NoteSlip.code).where(NoteSlip.pad_id == SlipPad.id).correlate(SlipPad)
                  .order_by(NoteSlip.id).limit(1).scalar_subquery())
    statement = (select(SlipPad, of_the_pad(func.count(NoteSlip.id)), first_code)
                 .where(in_community).options(selectinload(SlipPad.issued_to)).order_by(SlipPad.id.desc()))
    return take_page(statement, page_number, total=total, name="pads_page")


def my_pads(user_id: int) -> list[SlipPad]:
    return list(db.session.scalars(select(SlipPad).where(SlipPad.issued_to_id == user_id)
                                   .order_by(SlipPad.id.desc())))


def open_replies(scope: Scope, page_number: int = 1) -> Page:
    """Unhandled answers to slips left in scope (or by this user), and to slips of theirs at no door,
    oldest first, a page at a time (?replies_page=); the page counts them all."""
    statement = _open_replies(scope)
    total = db.session.scalar(statement.with_only_columns(func.count(SlipReply.id)).order_by(None))
    statement = statement.options(selectinload(SlipReply.slip).selectinload(NoteSlip.household),
                                  selectinload(SlipReply.slip).selectinload(NoteSlip.replies),
                                  selectinload(SlipReply.slip).selectinload(NoteSlip.bound_by),
                                  selectinload(SlipReply.slip).selectinload(NoteSlip.pad).selectinload(SlipPad.issued_to))
    return take_page(statement.order_by(SlipReply.created_at, SlipReply.id), page_number, scalars=True,
                     total=total, name="replies_page", endpoint="slips.inbox")


def _unplaced(scope: Scope):
    """Slips at no door (never bound, or given back by an undone knock) whose answers this user takes: the
    secretary's (or admin's) community's, and those of a pad issued to this user. Nobody else would ever
    see an answer to one."""
    community = true() if scope.everything else NoteSlip.community_id.in_(scope.managed_community_ids)
    mine = NoteSlip.pad_id.in_(select(SlipPad.id).where(SlipPad.issued_to_id == scope.user_id))
    return and_(NoteSlip.household_id.is_(None), or_(community, mine))


def _open_replies(scope: Scope):
    return (select(SlipReply).join(SlipReply.slip).outerjoin(Household, Household.id == NoteSlip.household_id)
            .where(SlipReply.handled_at.is_(None),
                   or_(scope.households(), NoteSlip.bound_by_id == scope.user_id, _unplaced(scope))))


def inbox_count(scope: Scope) -> int:
    """What waits in the user's inbox, answers and self-reports together, in one statement: the home page's
    Inbox button shows it, so nobody has to open the inbox to learn a resident asked to be called."""
    replies = _open_replies(scope).with_only_columns(func.count(SlipReply.id)).scalar_subquery()
    reports = _open_reports(scope).with_only_columns(func.count(SelfReport.id)).scalar_subquery()
    return sum(db.session.execute(select(replies, reports)).one())


def page_of_reply(reply: SlipReply, scope: Scope) -> int:
    """The page of the open answers that shows this one (a refused confirmation is shown where it is)."""
    before = db.session.scalar(_open_replies(scope).with_only_columns(func.count(SlipReply.id))
                               .where(or_(SlipReply.created_at < reply.created_at,
                                          and_(SlipReply.created_at == reply.created_at, SlipReply.id < reply.id))))
    return before // PAGE_SIZE + 1


def _open_reports(scope: Scope):
    return select(SelfReport).where(SelfReport.state == "new",
                                    SelfReport.grid_id.in_(select(Grid.id).where(scope.grids())))


def open_reports(scope: Scope, page_number: int = 1) -> Page:
    """New self-reports of the grids the user sees whole (a secretary's community, a volunteer's grids),
    oldest first, a page at a time (?reports_page=); the page counts them all."""
    statement = _open_reports(scope)
    total = db.session.scalar(statement.with_only_columns(func.count(SelfReport.id)))
    statement = statement.options(selectinload(SelfReport.grid).selectinload(Grid.community))
    return take_page(statement.order_by(SelfReport.created_at, SelfReport.id), page_number, scalars=True,
                     total=total, name="reports_page", endpoint="slips.inbox")


def page_of_report(report: SelfReport, scope: Scope) -> int:
    """The page of the open reports that shows this one (a refused confirmation is shown where it is)."""
    before = db.session.scalar(_open_reports(scope).with_only_columns(func.count(SelfReport.id)).where(
        or_(SelfReport.created_at < report.created_at,
            and_(SelfReport.created_at == report.created_at, SelfReport.id < report.id))))
    return before // PAGE_SIZE + 1


def report_in_scope(report_id: int, scope: Scope) -> SelfReport | None:
    report = db.session.get(SelfReport, report_id)
    if report is None or db.session.scalar(select(Grid.id).where(Grid.id == report.grid_id, scope.grids())) is None:
        return None
    return report


def unplaced_reply_in_scope(reply_id: int, scope: Scope) -> SlipReply | None:
    """An answer to a slip at no door that this user takes (see _unplaced), handled or not."""
    return db.session.scalar(select(SlipReply).join(SlipReply.slip).where(SlipReply.id == reply_id, _unplaced(scope)))


def reply_in_scope(reply_id: int, scope: Scope) -> SlipReply | None:
    """A reply to a slip this user bound, or to a slip at a door in their scope."""
    reply = db.session.get(SlipReply, reply_id)
    household = reply.slip.household if reply else None
    if reply is None or household is None:
        return None
    if reply.slip.bound_by_id == scope.user_id or door_in_scope(household.id, scope):
        return reply
    return None


def suggested_households(report: SelfReport, scope: Scope, limit: int = 5) -> list[Household]:
    """Doors of the report's grid (within the caller's scope) for the address as typed, best first;
    where the reporter's name already lives adds to the rank.

    The one tolerant search: a wrong street or lane still matches on its numbers (长庚里96号 finds
    新塘里96号).
    """
    hits = search(scope, report.address_text, within=Household.grid_id == report.grid_id, people=False,
                  name=report.name, limit=limit)
    return [hit.household for hit in hits]


def slip_figures(campaign: Campaign) -> dict:
    """Slips left in the campaign, answered, share, median hours to the first answer, and how many doors
    are still silent: figures only, in two statements (silent_slips() lists those doors)."""
    first_reply = (select(func.min(SlipReply.created_at)).where(SlipReply.slip_id == NoteSlip.id)
                   .correlate(NoteSlip).scalar_subquery())
    left = db.session.execute(select(NoteSlip.bound_at, first_reply).join(Visit, Visit.id == NoteSlip.visit_id)
                              .where(Visit.campaign_id == campaign.id)).all()
    hours = [(replied - bound).total_seconds() / 3600 for bound, replied in left if replied is not None]
    return {
        "left": len(left), "answered": len(hours),
        "share": (len(hours) / len(left)) if left else None,
        "median_hours": statistics.median(hours) if hours else None,
        "silent": db.session.scalar(_silent(campaign).with_only_columns(func.count(NoteSlip.id))),
    }


def silent_slips(campaign: Campaign, page_number: int = 1, *, total: int | None = None) -> Page:
    """The doors still silent after a slip (no answer, nobody reached since), the longest waiting first, a
    page at a time (?silent<campaign id>_page=: /slips shows one list per campaign)."""
    statement = (_silent(campaign).options(selectinload(NoteSlip.household), selectinload(NoteSlip.bound_by))
                 .order_by(NoteSlip.bound_at, NoteSlip.id))
    return take_page(statement, page_number, scalars=True, total=total, name=silent_page_name(campaign))


def silent_page_name(campaign: Campaign) -> str:
    return f"silent{campaign.id}_page"


SILENT_PAGE = re.compile(r"silent([1-9][0-9]{0,9})_page", re.ASCII)
# /slips shows this many campaigns' figures, the newest first; "show more" brings the earlier ones.
CAMPAIGNS_SHOWN = 5


def community_campaigns(community_id: int, page_number: int = 1) -> Page:
    """A community's campaigns for /slips, newest first, a few at a time (?campaigns_page=), all counted."""
    in_community = Campaign.community_id == community_id
    total = db.session.scalar(select(func.count(Campaign.id)).where(in_community))
    statement = select(Campaign).where(in_community).order_by(Campaign.starts_on.desc(), Campaign.id.desc())
    return take_page(statement, page_number, CAMPAIGNS_SHOWN, scalars=True, total=total, name="campaigns_page")


def campaign_of_silent_page(community_id: int, names) -> tuple[str, Campaign] | None:
    """Which campaign's silent doors an htmx "show more" asks for (?silent<campaign id>_page=), if it is one
    of this community's: any campaign's, not only those on the first page of /slips."""
    for name in names:
        found = SILENT_PAGE.fullmatch(name)
        if found:
            campaign = db.session.scalar(select(Campaign).where(Campaign.id == int(found.group(1)),
                                                                Campaign.community_id == community_id))
            return (name, campaign) if campaign is not None else None
    return None


def _silent(campaign: Campaign):
    """Slips left in the campaign that nobody answered, at doors nobody has reached since."""
    later = aliased(Visit)
    reached = exists().where(later.household_id == NoteSlip.household_id, later.campaign_id == campaign.id,
                             later.undone_at.is_(None), later.outcome.in_(REACHED_OUTCOMES))
    return (select(NoteSlip).join(Visit, Visit.id == NoteSlip.visit_id)
            .where(Visit.campaign_id == campaign.id, ~exists().where(SlipReply.slip_id == NoteSlip.id), ~reached))

"""Campaign coverage and the escalation list, aggregated in SQL."""
from __future__ import annotations

from sqlalchemy import and_, case, func, select

from ..extensions import db
from ..models import REACHED_OUTCOMES, Campaign, Household, StickerFlag, Visit


def campaign_households(campaign: Campaign):
    condition = Household.community_id == campaign.community_id
    if campaign.grid_id:
        condition = and_(condition, Household.grid_id == campaign.grid_id)
    return condition


def household_stats(campaign: Campaign):
    """Per household visited in a campaign: reached (0/1) and not-home attempts (a subquery)."""
    return (select(Visit.household_id.label("household_id"),
                   func.max(case((Visit.outcome.in_(REACHED_OUTCOMES), 1), else_=0)).label("reached"),
                   func.sum(case((Visit.outcome == "not_home", 1), else_=0)).label("attempts"))
            .where(Visit.campaign_id == campaign.id, Visit.undone_at.is_(None))
            .group_by(Visit.household_id).subquery())


def coverage(campaign: Campaign) -> dict:
    total = db.session.scalar(select(func.count(Household.id)).where(campaign_households(campaign)))
    per_household = household_stats(campaign)
    visited, reached, escalated = db.session.execute(select(
        func.count(), func.coalesce(func.sum(per_household.c.reached), 0),
        func.coalesce(func.sum(case(
            (and_(per_household.c.reached == 0, per_household.c.attempts >= campaign.max_attempts), 1), else_=0)), 0),
    ).select_from(per_household)).one()
    return {"total": total, "visited": visited, "reached": int(reached), "escalated": int(escalated)}


def escalations(campaign: Campaign) -> list[tuple[Household, int]]:
    """Households with max_attempts or more not_home knocks and no contact yet."""
    stats = household_stats(campaign)
    rows = db.session.execute(
        select(Household, stats.c.attempts).join(stats, stats.c.household_id == Household.id)
        .where(stats.c.reached == 0, stats.c.attempts >= campaign.max_attempts)
        .order_by(Household.address)).all()
    return [(household, int(n)) for household, n in rows]


def open_sticker_flags(community_ids) -> list[StickerFlag]:
    statement = select(StickerFlag).join(StickerFlag.household).where(StickerFlag.resolved_at.is_(None))
    if community_ids is not None:
        statement = statement.where(Household.community_id.in_(community_ids))
    return list(db.session.scalars(statement.order_by(StickerFlag.at.desc()).limit(100)))

"""What the campaign pages read besides coverage (webapp.coverage): wrong-door sticker reports."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload

from ..extensions import db
from ..models import Household, StickerFlag
from ..paging import Page, take_page
from ..scope import Scope


def open_sticker_flags(community_ids, page_number: int = 1) -> Page:
    """Stickers reported on the wrong door and not yet checked (everywhere if community_ids is None), newest
    first, a page at a time (?flags_page=); the page counts them all."""
    statement = select(StickerFlag).join(StickerFlag.household).where(StickerFlag.resolved_at.is_(None))
    if community_ids is not None:
        statement = statement.where(Household.community_id.in_(community_ids))
    total = db.session.scalar(statement.with_only_columns(func.count(StickerFlag.id)))
    statement = statement.options(contains_eager(StickerFlag.household), selectinload(StickerFlag.reported_by))
    return take_page(statement.order_by(StickerFlag.at.desc(), StickerFlag.id.desc()), page_number, scalars=True,
                     total=total, name="flags_page", endpoint="campaigns.index")


def flag_in_scope(flag_id: int, scope: Scope) -> StickerFlag | None:
    flag = db.session.get(StickerFlag, flag_id)
    return flag if flag is not None and scope.manages(flag.household.community_id) else None

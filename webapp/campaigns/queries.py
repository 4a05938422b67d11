"""What the campaign pages read besides coverage (webapp.coverage): wrong-door sticker reports."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import Household, StickerFlag
from ..scope import Scope


def open_sticker_flags(community_ids) -> list[StickerFlag]:
    statement = select(StickerFlag).join(StickerFlag.household).where(StickerFlag.resolved_at.is_(None))
    if community_ids is not None:
        statement = statement.where(Household.community_id.in_(community_ids))
    return list(db.session.scalars(statement.order_by(StickerFlag.at.desc()).limit(100)))


def flag_in_scope(flag_id: int, scope: Scope) -> StickerFlag | None:
    flag = db.session.get(StickerFlag, flag_id)
    return flag if flag is not None and scope.manages(flag.household.community_id) else None

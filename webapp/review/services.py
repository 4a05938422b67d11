"""Signing the daily summary: the figures are frozen as they stood when signed."""
from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from ..extensions import db
from ..idempotency import claim
from ..models import DailySummary, utcnow
from .queries import summary_table


def sign_summary(request_id: str, community_id: int, day: date, user_id: int, comment: str | None) -> None:
    """Sign (or sign again) the day's summary; a replay of the same request id changes nothing."""
    if not claim(request_id, user_id, "summary"):
        return
    rows, totals = summary_table(community_id, day)
    signed = db.session.scalar(select(DailySummary).where(DailySummary.community_id == community_id,
                                                          DailySummary.day == day))
    if signed is None:
        signed = DailySummary(community_id=community_id, day=day, signed_by_id=user_id, figures="{}")
        db.session.add(signed)
    signed.figures = json.dumps({"rows": rows, "totals": totals}, ensure_ascii=False)
    signed.comment = (comment or "").strip() or None
    signed.signed_by_id, signed.signed_at = user_id, utcnow()

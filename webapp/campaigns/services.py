"""Writes of the campaign pages: starting a drive, marking a wrong-door report as checked.

Each takes the form's request id: a replay of the same id changes nothing. The caller opens the
transaction (`with writing():`).
"""
from __future__ import annotations

from datetime import date

from ..idempotency import claim
from ..extensions import db
from ..models import Campaign, StickerFlag, utcnow


def start_campaign(request_id: str, user_id: int, community_id: int, grid_id: int | None, name: str,
                   starts_on: date, ends_on: date, max_attempts: int) -> None:
    if claim(request_id, user_id, "campaign"):
        db.session.add(Campaign(community_id=community_id, grid_id=grid_id, name=name.strip(), starts_on=starts_on,
                                ends_on=ends_on, max_attempts=max_attempts, created_by_id=user_id))


def resolve_flag(flag: StickerFlag, request_id: str, user_id: int) -> None:
    if flag.resolved_at is None and claim(request_id, user_id, "flag"):
        flag.resolved_at = utcnow()

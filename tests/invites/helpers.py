"""Making invites and joining them, as the secretary and a helper would in the browser."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from tests.conftest import PASSWORD

JOIN_PASSWORD = "Sweep-afternoon-2026"


def make_invite(app, community_id: int, *, role="volunteer", grid_ids=(), building_ids=(), starts=-1.0, ends=5.0,
                max_joins=10, title="自来水公司支援") -> tuple[int, str]:
    """An invite straight in the database, its window in hours from now: (id, token)."""
    from webapp.extensions import db
    from webapp.invites.services import create_invite
    from webapp.models import User, utcnow

    with app.app_context():
        secretary = db.session.scalar(select(User).where(User.username == "secretary"))
        now = utcnow()
        invite = create_invite(community_id, secretary.id, f"req-{now.timestamp()}-{title}", title=title, role=role,
                               grid_ids=list(grid_ids), building_ids=list(building_ids),
                               valid_from=now + timedelta(hours=starts), valid_until=now + timedelta(hours=ends),
                               max_joins=max_joins)
        db.session.commit()
        return invite.id, invite.token


def shift_window(app, invite_id: int, *, starts: float | None = None, ends: float | None = None) -> None:
    """Move an invite's window (and the access it gave) to hours from now, as if the clock had moved on."""
    from webapp.extensions import db
    from webapp.models import Invite, InviteJoin, RoleAssignment, utcnow

    with app.app_context():
        invite = db.session.get(Invite, invite_id)
        now = utcnow()
        new_from = now + timedelta(hours=starts) if starts is not None else invite.valid_from
        new_until = now + timedelta(hours=ends) if ends is not None else invite.valid_until
        user_ids = [j.user_id for j in db.session.scalars(select(InviteJoin).where(InviteJoin.invite_id == invite_id))]
        for assignment in db.session.scalars(select(RoleAssignment).where(
                RoleAssignment.user_id.in_(user_ids), RoleAssignment.valid_from == invite.valid_from,
                RoleAssignment.valid_until.isnot(None))):
            assignment.valid_from, assignment.valid_until = new_from, new_until
        invite.valid_from, invite.valid_until = new_from, new_until
        db.session.commit()


def join_fields(client, token: str) -> dict:
    html = client.get(f"/join/{token}").get_data(as_text=True)
    fields = dict(re.findall(r'name="(csrf_token|request_id)" value="([^"]+)"', html))
    assert set(fields) == {"csrf_token", "request_id"}, html[:2000]
    return fields


def join(client, token: str, username: str, name: str = "李志强", phone: str = "13912345678",
         password: str = JOIN_PASSWORD, fields: dict | None = None):
    fields = fields or join_fields(client, token)
    return client.post(f"/join/{token}", data={**fields, "username": username, "name": name, "phone": phone,
                                               "password": password})


__all__ = ["PASSWORD", "JOIN_PASSWORD", "make_invite", "shift_window", "join_fields", "join"]

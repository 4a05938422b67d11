"""Helpers for door-knocking tests: post a knock like the page does, count rows."""
import re
import uuid

from sqlalchemy import func, select

from tests.conftest import csrf_token_from

HX = {"HX-Request": "true"}


def knock(client, token, outcome="not_home", *, request_id=None, htmx=False, csrf=None, **fields):
    csrf = csrf or csrf_token_from(client, "/")
    data = {"outcome": outcome, "channel": "door", "note": "", "request_id": uuid.uuid4().hex if request_id is None else request_id,
            "csrf_token": csrf, **fields}
    headers = {**HX, "X-CSRFToken": csrf} if htmx else {}
    return client.post(f"/h/{token}", data=data, headers=headers)


def count(app, model, *where):
    from webapp.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def form_request_id(html: str) -> str:
    return re.search(r'name="request_id"[^>]*value="([\w-]+)"|value="([\w-]+)"[^>]*name="request_id"', html).group(1)

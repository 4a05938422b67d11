"""Helpers for the set-up tests: post a form with its CSRF token and a fresh request id."""
import io
import re
import uuid

REQUEST_ID = re.compile(r'name="request_id" value="([^"]+)"')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client, path="/"):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def post(client, path, data=None, *, request_id=None, token_from="/", **kwargs):
    form = {"csrf_token": csrf(client, token_from), "request_id": request_id or uuid.uuid4().hex}
    form.update(data or {})
    return client.post(path, data=form, **kwargs)


def upload(client, data: bytes, filename="registry.csv", community=None):
    path = "/registry/import" + (f"?community={community}" if community else "")
    return post(client, path, {"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def confirm_path(page: str) -> str:
    match = re.search(r'action="(/registry/import/[A-Za-z0-9_-]+/confirm)"', page)
    assert match, "no confirm form on the preview"
    return match.group(1)


def count(app, model, *where):
    from sqlalchemy import func, select

    from webapp.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))

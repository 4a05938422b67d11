import uuid

from sqlalchemy import select

from tests.conftest import csrf_token_from
from tests.doors.helpers import knock


def slip_codes(app, community_id, count=3):
    from webapp.extensions import db
    from webapp.models import NoteSlip

    with app.app_context():
        return db.session.scalars(select(NoteSlip.code).where(NoteSlip.community_id == community_id,
                                                              NoteSlip.state == "printed")
                                  .order_by(NoteSlip.id).limit(count)).all()


def last_visit_id(app):
    from webapp.extensions import db
    from webapp.models import Visit

    with app.app_context():
        return db.session.scalar(select(Visit.id).order_by(Visit.id.desc()))


def not_home_with_slip(app, client, token, code, htmx=False):
    knock(client, token, "not_home")
    visit_id = last_visit_id(app)
    csrf = csrf_token_from(client, "/")
    headers = {"HX-Request": "true", "X-CSRFToken": csrf} if htmx else {}
    response = client.post(f"/h/{token}/visits/{visit_id}/slip",
                           data={"csrf_token": csrf, "request_id": uuid.uuid4().hex, "slip_code": code},
                           headers=headers)
    return response, visit_id

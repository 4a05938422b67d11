"""Sticker sheets, reissue and revoke."""
import uuid

from sqlalchemy import select

from tests.conftest import csrf_token_from
from tests.doors.helpers import count


def _tokens_of(app, building_id):
    from webapp.extensions import db
    from webapp.models import Household

    with app.app_context():
        return db.session.execute(select(Household.sticker_token, Household.address)
                                  .where(Household.building_id == building_id)).all()


def test_every_building_page_links_to_its_sticker_sheet(client, login_as, world):
    login_as("volunteer")
    for page in ("", "/walk", "/floors"):
        html = client.get(f"/buildings/{world.volunteer_building}{page}").get_data(as_text=True)
        assert f'href="/buildings/{world.volunteer_building}/stickers"' in html, page


def test_sticker_sheet_has_a_qr_and_address_per_door_and_nothing_about_residents(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import Household, Resident

    login_as("secretary")
    response = client.get(f"/buildings/{world.volunteer_building}/stickers")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    doors = _tokens_of(app, world.volunteer_building)
    assert html.count('<svg class="qr"') == len(doors)
    for _token, address in doors:
        assert address in html
    with app.app_context():
        names = db.session.scalars(select(Resident.name).join(Household)
                                   .where(Household.building_id == world.volunteer_building)).all()
    assert not any(name in html for name in names)
    for category in ("本地常住", "外地暂住", "独居老人"):
        assert category not in html
    assert "@page" in client.get("/static/css/print.css").get_data(as_text=True)


def test_sticker_sheet_is_scoped(client, login_as, world):
    login_as("volunteer")
    assert client.get(f"/buildings/{world.second_building}/stickers").status_code == 404


def _post(client, token, action):
    csrf = csrf_token_from(client, "/")
    return client.post(f"/h/{token}/sticker/{action}", data={"csrf_token": csrf, "request_id": uuid.uuid4().hex,
                                                              "confirmed": "1"})


def test_reissued_sticker_answers_replaced_and_is_audited(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import AuditLog, Household

    login_as("secretary")
    old = world.volunteer_household
    response = _post(client, old, "reissue")
    assert response.status_code == 303
    with app.app_context():
        new = db.session.scalar(select(Household.sticker_token).where(Household.building_id == world.volunteer_building)
                                .order_by(Household.id))
        audit = db.session.scalar(select(AuditLog))
        assert audit.action == "sticker_replaced" and audit.user.username == "secretary"
    assert new != old and len(new) >= 16
    retired = client.get(f"/h/{old}")
    assert retired.status_code == 410
    assert "这张门牌码已更换" in retired.get_data(as_text=True)
    assert client.get(f"/h/{new}").status_code == 200


def test_revoked_sticker_answers_revoked_and_takes_no_knock(app, client, login_as, auth, world):
    from webapp.models import Visit

    login_as("secretary")
    _post(client, world.volunteer_household, "revoke")
    auth.logout()
    login_as("volunteer")
    response = client.get(f"/h/{world.volunteer_household}")
    assert response.status_code == 410 and "这张门牌码已作废" in response.get_data(as_text=True)
    csrf = csrf_token_from(client, "/")
    knock = client.post(f"/h/{world.volunteer_household}", data={"csrf_token": csrf, "outcome": "verified",
                                                                 "request_id": uuid.uuid4().hex})
    assert knock.status_code == 410
    assert count(app, Visit) == 0


def test_volunteers_cannot_reissue_stickers(app, client, login_as, world):
    from webapp.models import RetiredSticker

    login_as("volunteer")
    assert _post(client, world.volunteer_household, "reissue").status_code == 404
    assert count(app, RetiredSticker) == 0


def test_retired_sticker_outside_scope_is_a_plain_404(client, login_as, auth, world):
    login_as("secretary")
    _post(client, world.volunteer_household, "reissue")
    auth.logout()
    login_as("volunteer2")
    assert client.get(f"/h/{world.volunteer_household}").status_code == 404


def test_reissue_and_revoke_ask_first_and_answer_htmx_with_a_redirect(client, login_as, world):
    """htmx asks hx-confirm only of requests it sends itself: the sticker forms must be hx-post forms."""
    import re

    login_as("secretary")
    html = client.get(f"/h/{world.volunteer_household}").get_data(as_text=True)
    forms = [tag for tag in re.findall(r"<form\b[^>]*>", html) if "/sticker/" in tag]
    assert len(forms) == 2
    for tag in forms:
        action = re.search(r'action="([^"]+)"', tag).group(1)
        assert f'hx-post="{action}"' in tag and "hx-confirm=" in tag, tag
    csrf = csrf_token_from(client, "/")
    response = client.post(f"/h/{world.volunteer_household}/sticker/revoke",
                           data={"csrf_token": csrf, "request_id": uuid.uuid4().hex},
                           headers={"HX-Request": "true", "X-CSRFToken": csrf})
    assert response.status_code == 200
    assert response.headers["HX-Redirect"].endswith("sticker=revoke")

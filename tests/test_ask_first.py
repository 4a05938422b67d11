"""A change that cannot be taken back asks first, also without JavaScript.

With htmx the page asks (hx-confirm) before it sends. A phone without JavaScript posted the plain form
and the change happened on the first tap: a password reset, access ended, an invite ended, a door
removed, a sticker reissued or revoked. Now that first post answers a page asking the same question; its
button sends the same form again (the same request id) with confirmed=1, and 取消 goes back."""
import re
import uuid
from html import unescape

from sqlalchemy import func, select

from tests.conftest import csrf_token_from
from tests.forms import form_fields
from tests.invites.helpers import join, make_invite


def _state(app):
    """What any of these changes would touch."""
    from webapp.extensions import db
    from webapp.models import Household, Invite, RetiredSticker, RoleAssignment, User

    with app.app_context():
        return (db.session.scalar(select(func.count(RetiredSticker.id))),
                db.session.scalar(select(func.count(Household.id)).where(Household.status == "moved_out")),
                db.session.scalar(select(func.count(Household.id))),
                db.session.scalar(select(func.sum(User.session_version))),
                tuple(db.session.scalars(select(RoleAssignment.valid_until).order_by(RoleAssignment.id))),
                tuple(db.session.scalars(select(Invite.ended_at).order_by(Invite.id))))


def test_each_change_that_cannot_be_taken_back_asks_first_without_javascript(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import Household, User

    invite_id, token = make_invite(app, world.first_community, grid_ids=[world.volunteer_grid])
    assert join(app.test_client(), token, "qing.shi").status_code == 303
    with app.app_context():
        volunteer = db.session.scalar(select(User.id).where(User.username == "volunteer"))
        door = db.session.scalar(select(Household).where(
            Household.community_id == world.first_community,
            Household.sticker_token.not_in([world.volunteer_household, world.other_household])).order_by(Household.id))
        door_id, address = door.id, door.address
    login_as("secretary")
    invite_page = client.get(f"/invites/{invite_id}").get_data(as_text=True)
    join_id = re.search(rf"/invites/{invite_id}/people/(\d+)/end", invite_page).group(1)
    cases = [  # (the page the button is on, where it posts, words of the question)
        (f"/users/{volunteer}", f"/users/{volunteer}/reset", "重置"),
        (f"/users/{volunteer}", f"/users/{volunteer}/end", "结束"),
        (f"/invites/{invite_id}", f"/invites/{invite_id}/people/{join_id}/end", "结束"),
        (f"/invites/{invite_id}", f"/invites/{invite_id}/end", "邀请"),
        (f"/setup/households/{door_id}", f"/setup/households/{door_id}/remove", address),
        (f"/h/{world.volunteer_household}", f"/h/{world.volunteer_household}/sticker/revoke", "作废"),
        (f"/h/{world.other_household}", f"/h/{world.other_household}/sticker/reissue", "新"),
    ]
    for page, action, words in cases:
        before = _state(app)
        sent = form_fields(client.get(page).get_data(as_text=True), action)  # the button's form, as shown
        asked = client.post(action, data=sent)
        assert asked.status_code == 200, action
        html = asked.get_data(as_text=True)
        assert words in html and "确定" in html and "取消" in html, action
        assert _state(app) == before, f"{action} changed something before it was confirmed"
        # The page's own button: the same form, the same request id, confirmed.
        again = form_fields(html, action)
        assert again["request_id"] == sent["request_id"] and again["confirmed"] == "1"
        cancel = unescape(re.search(r'<a class="button" href="([^"]+)">取消</a>', html).group(1))
        assert cancel.split("#")[0] == page
        done = client.post(action, data=again)
        assert done.status_code in (200, 303), action
        assert _state(app) != before, f"{action} did nothing once confirmed"
        before = _state(app)  # a double tap on 确定: the same request id, nothing more
        assert client.post(action, data=again).status_code in (200, 303, 404, 410)  # (ended or retired: gone)
        assert _state(app) == before, f"{action} replayed wrote again"


def test_with_htmx_the_page_asks_and_the_post_goes_straight_through(app, client, login_as, world):
    login_as("secretary")
    csrf = csrf_token_from(client, f"/h/{world.volunteer_household}")
    before = _state(app)
    response = client.post(f"/h/{world.volunteer_household}/sticker/revoke",
                           data={"csrf_token": csrf, "request_id": uuid.uuid4().hex},
                           headers={"HX-Request": "true", "X-CSRFToken": csrf})
    assert response.status_code == 200 and "HX-Redirect" in response.headers
    assert _state(app) != before

"""Undoing a not_home knock releases the slip left with it (issue #13)."""
import uuid

from sqlalchemy import select

from tests.conftest import csrf_token_from
from tests.slips.helpers import not_home_with_slip, slip_codes


def _undo(client, token, visit_id):
    csrf = csrf_token_from(client, f"/h/{token}")
    return client.post(f"/h/{token}/undo/{visit_id}", data={"csrf_token": csrf, "request_id": uuid.uuid4().hex})


def test_undoing_the_knock_gives_the_slip_back(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import Household, NoteSlip

    code = slip_codes(app, world.first_community)[1]
    shown = f"{code[:4]}-{code[4:]}"
    login_as("volunteer")
    response, visit_id = not_home_with_slip(app, client, world.volunteer_household, code)
    assert response.status_code == 303
    assert shown in client.get("/slips/mine").get_data(as_text=True)
    assert _undo(client, world.volunteer_household, visit_id).status_code == 303
    card = client.get(f"/h/{world.volunteer_household}").get_data(as_text=True)  # where the 303 leads
    assert f"留言条 {shown} 已不再登记在这户" in card  # said once, on the card
    with app.app_context():
        slip = db.session.scalar(select(NoteSlip).where(NoteSlip.code == code))
        assert slip.state == "printed" and slip.visit_id is None and slip.household_id is None
        other = db.session.scalars(select(Household.sticker_token).where(
            Household.building_id == world.volunteer_building, Household.sticker_token != world.volunteer_household)
            .order_by(Household.id)).first()
    # /slips/mine no longer lists it as left at a door waiting for an answer.
    assert shown not in client.get("/slips/mine").get_data(as_text=True)
    # The same slip can be left at another door.
    response, second_visit = not_home_with_slip(app, client, other, code)
    assert response.status_code == 303
    with app.app_context():
        slip = db.session.scalar(select(NoteSlip).where(NoteSlip.code == code))
        assert slip.state == "bound" and slip.visit_id == second_visit


def test_the_slip_figures_stop_counting_an_undone_slip(app, client, login_as, auth, world):
    from webapp.coverage import active_campaign
    from webapp.slips.queries import slip_figures

    code = slip_codes(app, world.first_community)[1]
    login_as("volunteer")
    _response, visit_id = not_home_with_slip(app, client, world.volunteer_household, code)
    with app.test_request_context():
        before = slip_figures(active_campaign(world.first_community))
    _undo(client, world.volunteer_household, visit_id)
    with app.test_request_context():
        after = slip_figures(active_campaign(world.first_community))
    assert before["left"] == after["left"] + 1


def test_undoing_says_the_slip_went_back_on_every_path(app, client, login_as, world):
    """The slip is not released silently: the card (with and without htmx) and the walk row say which
    slip no longer counts and to take it off the door."""
    from tests.doors.helpers import HX

    codes = slip_codes(app, world.first_community, 3)
    login_as("volunteer")
    for code, how in zip(codes, ("htmx", "plain", "walk")):
        _response, visit_id = not_home_with_slip(app, client, world.volunteer_household, code)
        csrf = csrf_token_from(client, f"/h/{world.volunteer_household}")
        data = {"csrf_token": csrf, "request_id": uuid.uuid4().hex}
        if how == "walk":
            data["return_to"] = "walk"
        headers = {**HX, "X-CSRFToken": csrf} if how in ("htmx", "walk") else {}
        response = client.post(f"/h/{world.volunteer_household}/undo/{visit_id}", data=data, headers=headers,
                               follow_redirects=how == "plain")
        html = response.get_data(as_text=True)
        assert response.status_code == 200, how
        assert f"留言条 {code[:4]}-{code[4:]} 已不再登记在这户" in html and "请取下" in html, how


def test_undoing_a_knock_without_a_slip_says_nothing_of_slips(app, client, login_as, world):
    from tests.doors.helpers import HX, knock
    from tests.slips.helpers import last_visit_id

    login_as("volunteer")
    knock(client, world.volunteer_household, "not_home")
    visit_id = last_visit_id(app)
    csrf = csrf_token_from(client, f"/h/{world.volunteer_household}")
    response = client.post(f"/h/{world.volunteer_household}/undo/{visit_id}",
                           data={"csrf_token": csrf, "request_id": uuid.uuid4().hex}, headers={**HX, "X-CSRFToken": csrf})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "已撤销" in html and "已不再登记在这户" not in html


def _answer(app, code, handled=False):
    from webapp.extensions import db
    from webapp.models import NoteSlip, SlipReply, utcnow

    with app.app_context():
        slip = db.session.scalar(select(NoteSlip).where(NoteSlip.code == code))
        db.session.add(SlipReply(slip_id=slip.id, request_id=uuid.uuid4().hex, kind="call_me", phone="13800001111",
                                 handled_at=utcnow() if handled else None))
        db.session.commit()


KEPT = "仍登记在这户：住户已经回复了它，不能再贴到别的门上。"


def test_undoing_a_knock_whose_slip_was_answered_says_the_slip_stays_on_every_path(app, client, login_as, world):
    """Undo gives a slip back to the pad unless the household has answered it; then the slip stayed with the
    door and nothing said so (a volunteer would look for it on the pad). The card (with and without htmx) and
    the walk row (with and without htmx) now say it stays, and where its answer waits."""
    from tests.doors.helpers import HX
    from webapp.extensions import db
    from webapp.models import NoteSlip

    codes = slip_codes(app, world.first_community, 4)
    login_as("volunteer")
    for code, how in zip(codes, ("htmx", "plain", "walk-htmx", "walk-plain")):
        _response, visit_id = not_home_with_slip(app, client, world.volunteer_household, code)
        _answer(app, code)
        csrf = csrf_token_from(client, f"/h/{world.volunteer_household}")
        data = {"csrf_token": csrf, "request_id": uuid.uuid4().hex}
        if how.startswith("walk"):
            data["return_to"] = "walk"
        headers = {**HX, "X-CSRFToken": csrf} if how.endswith("htmx") else {}
        response = client.post(f"/h/{world.volunteer_household}/undo/{visit_id}", data=data, headers=headers,
                               follow_redirects=how.endswith("plain"))
        html = response.get_data(as_text=True)
        assert response.status_code == 200, how
        assert f"留言条 {code[:4]}-{code[4:]} {KEPT}" in html, how
        assert "已不再登记在这户" not in html and "已撤销" in html, how
        assert 'href="/inbox"' in html, how  # its answer, one tap away (on the card, its notice links there)
        with app.app_context():
            slip = db.session.scalar(select(NoteSlip).where(NoteSlip.code == code))
            assert slip.state == "bound" and slip.visit_id == visit_id, how
        if how == "walk-plain":
            row = html.split(f"留言条 {code[:4]}-{code[4:]} {KEPT}")[0].rsplit("<li ", 1)[1]
            assert "已撤销" in row  # said in that door's row, beside its 已撤销
            assert html.count(KEPT) == 1


def test_a_kept_slip_whose_answer_was_handled_does_not_send_to_the_inbox(app, client, login_as, world):
    from tests.doors.helpers import HX

    code = slip_codes(app, world.first_community, 1)[0]
    login_as("volunteer")
    _response, visit_id = not_home_with_slip(app, client, world.volunteer_household, code)
    _answer(app, code, handled=True)
    csrf = csrf_token_from(client, f"/h/{world.volunteer_household}")
    response = client.post(f"/h/{world.volunteer_household}/undo/{visit_id}", headers={**HX, "X-CSRFToken": csrf},
                           data={"request_id": uuid.uuid4().hex, "return_to": "walk"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and KEPT in html and "待办回复" not in html

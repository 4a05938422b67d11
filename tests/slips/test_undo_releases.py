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

"""A volunteer leaves a slip after a not_home knock; wrong slips get clear messages."""
import uuid

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token_from
from tests.doors.helpers import count, knock
from tests.slips.helpers import last_visit_id, not_home_with_slip, slip_codes


def test_not_home_fragment_offers_the_slip_form_within_budget(client, login_as, world):
    login_as("volunteer")
    response = knock(client, world.volunteer_household, "not_home", htmx=True)
    html = response.get_data(as_text=True)
    assert 'name="slip_code"' in html
    assert len(response.get_data()) <= 2048, len(response.get_data())


@pytest.mark.parametrize("htmx", [False, True])
def test_bind_a_slip_by_its_number(app, client, login_as, world, htmx):
    from webapp.extensions import db
    from webapp.models import NoteSlip

    code = slip_codes(app, world.first_community)[0]
    login_as("volunteer")
    typed = f"{code[:4].lower()} {code[4:]}"
    response, visit_id = not_home_with_slip(app, client, world.volunteer_household, typed, htmx=htmx)
    assert response.status_code == (200 if htmx else 303)
    with app.app_context():
        slip = db.session.scalar(select(NoteSlip).where(NoteSlip.code == code))
        assert slip.state == "bound" and slip.visit_id == visit_id and slip.bound_by.username == "volunteer"
    card = client.get(f"/h/{world.volunteer_household}").get_data(as_text=True)
    assert f"{code[:4]}-{code[4:]}" in card


def test_slip_errors(app, client, login_as, world):
    from webapp.models import NoteSlip

    first, second = slip_codes(app, world.first_community, 2)
    other_community = slip_codes(app, world.second_community)[0]
    login_as("volunteer")
    not_home_with_slip(app, client, world.volunteer_household, first)
    cases = {
        first[:-1] + ("2" if first[-1] != "2" else "3"): "留言条编号不对",
        other_community: "不能在这里使用",
        first: "这张留言条已经留在",
        "": "请输入留言条上印的编号",
    }
    for code, message in cases.items():
        knock(client, world.volunteer_household, "not_home")
        visit_id = last_visit_id(app)
        csrf = csrf_token_from(client, "/")
        response = client.post(f"/h/{world.volunteer_household}/visits/{visit_id}/slip",
                               data={"csrf_token": csrf, "request_id": uuid.uuid4().hex, "slip_code": code},
                               headers={"HX-Request": "true", "X-CSRFToken": csrf})
        assert response.status_code == 422, code
        assert message in response.get_data(as_text=True), code
    assert count(app, NoteSlip, NoteSlip.state == "bound") == 1
    # A verified knock takes no slip.
    knock(client, world.volunteer_household, "verified")
    csrf = csrf_token_from(client, "/")
    response = client.post(f"/h/{world.volunteer_household}/visits/{last_visit_id(app)}/slip",
                           data={"csrf_token": csrf, "request_id": uuid.uuid4().hex, "slip_code": second})
    assert response.status_code == 422 and "无人在家" in response.get_data(as_text=True)


def test_void_slip_is_refused(app, client, login_as, world):
    from sqlalchemy import update

    from webapp.extensions import db
    from webapp.models import NoteSlip

    code = slip_codes(app, world.first_community)[0]
    with app.app_context():
        db.session.execute(update(NoteSlip).where(NoteSlip.code == code).values(state="void"))
        db.session.commit()
    login_as("volunteer")
    response, _ = not_home_with_slip(app, client, world.volunteer_household, code)
    assert response.status_code == 422 and "已作废" in response.get_data(as_text=True)


def test_binding_on_another_volunteers_visit_outside_scope_is_404(app, client, login_as, world):
    code = slip_codes(app, world.first_community)[0]
    login_as("volunteer")
    knock(client, world.volunteer_household, "not_home")
    csrf = csrf_token_from(client, "/")
    response = client.post(f"/h/{world.second_household}/visits/{last_visit_id(app)}/slip",
                           data={"csrf_token": csrf, "request_id": uuid.uuid4().hex, "slip_code": code})
    assert response.status_code == 404


def test_bind_page_prefilled_from_a_scan(app, client, login_as, world):
    code = slip_codes(app, world.first_community)[0]
    login_as("volunteer")
    knock(client, world.volunteer_household, "not_home")
    page = client.get(f"/h/{world.volunteer_household}/visits/{last_visit_id(app)}/slip",
                      query_string={"slip_code": code})
    assert page.status_code == 200 and f'value="{code}"' in page.get_data(as_text=True)


def test_my_slips_lists_left_answered_and_waiting(app, client, login_as, world):
    code = slip_codes(app, world.first_community)[0]
    login_as("volunteer")
    not_home_with_slip(app, client, world.volunteer_household, code)
    html = client.get("/slips/mine").get_data(as_text=True)
    assert f"{code[:4]}-{code[4:]}" in html and "等待回复" in html


def test_without_javascript_the_card_after_not_home_offers_the_slip_field(client, login_as, world):
    login_as("volunteer")
    response = knock(client, world.volunteer_household, "not_home")
    assert response.status_code == 200  # the card itself, the knock confirmed
    card = response.get_data(as_text=True)
    assert 'name="slip_code"' in card and "/slip" in card


@pytest.mark.parametrize("one_step", [False, True])
def test_a_number_typed_in_full_width_binds_the_slip(app, client, login_as, world, one_step):
    """A Chinese keyboard types ７ＨＭＫ－ＦＸＢ７: the same slip, not "this number is not right"."""
    from webapp.extensions import db
    from webapp.models import NoteSlip

    code = slip_codes(app, world.first_community)[0]
    typed = "".join(chr(ord(ch) + 0xFEE0) for ch in code.lower())
    typed = f"{typed[:4]}－{typed[4:]}"
    login_as("volunteer")
    if one_step:  # the knock form's own slip_code field
        response = knock(client, world.volunteer_household, "not_home", slip_code=typed)
        visit_id = last_visit_id(app)
    else:
        response, visit_id = not_home_with_slip(app, client, world.volunteer_household, typed)
    assert response.status_code == (200 if one_step else 303)
    assert "留言条编号不对" not in response.get_data(as_text=True)
    with app.app_context():
        slip = db.session.scalar(select(NoteSlip).where(NoteSlip.code == code))
        assert slip.state == "bound" and slip.visit_id == visit_id

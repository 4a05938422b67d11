"""Typing slip codes tells nothing outside one's scope: not which codes exist, not where a slip was left."""
import re

from sqlalchemy import select

from tests.slips.helpers import not_home_with_slip, slip_codes

NEUTRAL = "这个留言条编号不能在这里使用"


def _message(response) -> str:
    html = response.get_data(as_text=True)
    found = re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]+)<', html)
    return " ".join(found)


def _address(app, token):
    from webapp.extensions import db
    from webapp.models import Household

    with app.app_context():
        return db.session.scalar(select(Household.address).where(Household.sticker_token == token))


def test_a_slip_left_outside_ones_grids_gets_the_neutral_message(app, client, login_as, auth, world):
    code = slip_codes(app, world.first_community)[0]
    login_as("secretary")
    response, _ = not_home_with_slip(app, client, world.other_household, code)
    assert response.status_code == 303
    auth.logout()
    login_as("volunteer")
    response, _ = not_home_with_slip(app, client, world.volunteer_household, code)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and NEUTRAL in html
    assert _address(app, world.other_household) not in html and "已经留在" not in html


def test_a_slip_left_inside_ones_scope_names_the_door(app, client, login_as, auth, world):
    code = slip_codes(app, world.first_community)[0]
    login_as("volunteer")
    not_home_with_slip(app, client, world.volunteer_household, code)
    auth.logout()
    login_as("secretary")  # the whole community is hers
    response, _ = not_home_with_slip(app, client, world.other_household, code)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "已经留在" in html and _address(app, world.volunteer_household) in html


def test_existing_and_made_up_codes_of_another_community_read_the_same(app, client, login_as, world):
    from webapp.slips import codes

    real = slip_codes(app, world.first_community)[0]
    made_up = "2345678" + codes.check_character("2345678")  # well-formed, printed on no slip
    assert codes.is_valid(made_up) and made_up != real
    login_as("volunteer2")
    first, _ = not_home_with_slip(app, client, world.second_household, real)
    second, _ = not_home_with_slip(app, client, world.second_household, made_up)
    assert first.status_code == second.status_code == 422
    assert NEUTRAL in first.get_data(as_text=True)
    assert _message(first) == _message(second) != ""

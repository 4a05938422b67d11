"""Logging a knock at the door: one tap, exactly once, page or fragment, never a 500."""
import re
import uuid

import pytest
from sqlalchemy import select

from tests.doors.helpers import count, knock


def test_card_has_the_contracted_form(client, login_as, world):
    login_as("volunteer")
    html = client.get(f"/h/{world.volunteer_household}").get_data(as_text=True)
    for name in ('name="outcome"', 'name="channel"', 'name="note"', 'name="request_id"'):
        assert name in html
    request_id_inputs = [tag for tag in re.findall(r"<input[^>]*>", html) if 'name="request_id"' in tag]
    assert request_id_inputs and all('type="hidden"' in tag for tag in request_id_inputs)
    for value in ("verified", "not_home", "refused", "vacant", "moved_out", "wrong_address"):
        assert f'value="{value}"' in html


def test_knock_without_javascript_answers_with_the_card_in_one_round_trip(app, client, login_as, world):
    from webapp.models import Visit

    login_as("volunteer")
    request_id = uuid.uuid4().hex
    response = knock(client, world.volunteer_household, "not_home", request_id=request_id)
    # The card itself (not a redirect and a second request): confirmed, with undo and the slip offer.
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<html" in page and "已记录" in page and "无人在家" in page and "撤销" in page
    assert 'name="slip_code"' in page and "下一户" in page
    assert count(app, Visit) == 1
    # A reload posts the same request id again: the same card, still one visit.
    again = knock(client, world.volunteer_household, "not_home", request_id=request_id)
    assert again.status_code == 200 and "已记录" in again.get_data(as_text=True)
    assert count(app, Visit) == 1


def test_knock_with_htmx_returns_a_small_fragment(app, client, login_as, world):
    from webapp.models import Visit

    login_as("volunteer")
    response = knock(client, world.volunteer_household, "verified", htmx=True)
    assert response.status_code == 200
    body = response.get_data()
    assert b"<html" not in body and "已核实".encode() in body
    assert len(body) <= 2048, len(body)  # a knock's response fragment stays within 2 KB
    assert "HX-Request" in response.headers["Vary"]
    assert count(app, Visit, Visit.outcome == "verified") == 1


def test_not_home_with_htmx_offers_the_slip_in_a_small_fragment(app, client, login_as, world):
    """After 无人在家 the swapped panel holds the form that binds a slip (field slip_code), its own
    request id, and an undo: all within the fragment budget."""
    from webapp.models import Visit

    login_as("volunteer")
    response = knock(client, world.volunteer_household, "not_home", htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert 'name="slip_code"' in body and "撤销" in body
    request_ids = re.findall(r'name="request_id" value="([^"]+)"', body)
    assert len(request_ids) >= 2 and len(set(request_ids)) == len(request_ids)  # one per form, each new
    assert len(response.get_data()) <= 2048
    assert count(app, Visit, Visit.outcome == "not_home") == 1


@pytest.mark.parametrize("htmx", [False, True])
def test_same_request_id_twice_gives_one_visit_and_the_first_answer(app, client, login_as, world, htmx):
    from webapp.models import Visit

    login_as("volunteer")
    request_id = uuid.uuid4().hex
    first = knock(client, world.volunteer_household, "not_home", request_id=request_id, htmx=htmx)
    second = knock(client, world.volunteer_household, "verified", request_id=request_id, htmx=htmx)
    assert first.status_code == second.status_code
    assert count(app, Visit) == 1
    assert count(app, Visit, Visit.outcome == "not_home") == 1
    # The panel's own line says what was logged (the door's state above it says 无人在家 anyway); without
    # JavaScript that panel is in the card the knock answers with.
    logged = re.search(r'<p class="done-line">(.*?)</p>', second.get_data(as_text=True), re.DOTALL).group(1)
    assert "无人在家" in logged and "已核实" not in logged


@pytest.mark.parametrize("fields,message", [
    ({"outcome": "exploded"}, "请选择敲门结果"),
    ({"outcome": ""}, "请选择敲门结果"),
    ({"note": "长" * 501}, "备注请不要超过 500 个字"),
    ({"outcome": "wrong_address", "note": ""}, "请写明正确的地址或住户"),
    ({"channel": "pigeon"}, "请选择上门、电话或他人代答"),
    ({"request_id": ""}, "表单缺少请求编号"),
    ({"request_id": "bad id!"}, "表单已损坏"),
])
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_input_gets_a_message_and_writes_nothing(app, client, login_as, world, fields, message, htmx):
    from webapp.models import Visit

    login_as("volunteer")
    fields = dict(fields)
    outcome = fields.pop("outcome", "not_home")
    response = knock(client, world.volunteer_household, outcome, htmx=htmx, **fields)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert ("<html" in html) is (not htmx)
    assert "下一户" in html  # the next door is still offered beside the message
    assert count(app, Visit) == 0


def test_knock_on_a_household_outside_scope_is_404_and_writes_nothing(app, client, login_as, world):
    from webapp.models import Visit

    login_as("volunteer")
    assert knock(client, world.second_household).status_code == 404
    assert knock(client, world.other_household, htmx=True).status_code == 404
    assert count(app, Visit) == 0


def test_knock_without_csrf_is_refused(app, client, login_as, world):
    from webapp.models import Visit

    login_as("volunteer")
    response = client.post(f"/h/{world.volunteer_household}", data={"outcome": "verified",
                                                                   "request_id": uuid.uuid4().hex})
    assert response.status_code == 400
    assert count(app, Visit) == 0


def test_missing_channel_means_at_the_door(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import Visit

    login_as("volunteer")
    knock(client, world.volunteer_household, "verified", channel="")
    with app.app_context():
        assert db.session.scalar(select(Visit.channel)) == "door"


def test_visit_counts_towards_the_active_campaign(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import Campaign, Visit

    login_as("volunteer")
    knock(client, world.volunteer_household, "verified")
    with app.app_context():
        visit = db.session.scalar(select(Visit))
        campaign = db.session.get(Campaign, visit.campaign_id)
        assert campaign.community_id == world.first_community


def test_device_time_is_kept_beside_server_time(app, client, login_as, world):
    from datetime import timedelta

    from webapp.extensions import db
    from webapp.models import Visit, utcnow

    login_as("volunteer")
    tapped = (utcnow() - timedelta(minutes=7)).replace(microsecond=0)
    knock(client, world.volunteer_household, "not_home", device_time=tapped.isoformat() + "Z")
    knock(client, world.volunteer_household, "not_home", device_time="not a time")
    with app.app_context():
        times = db.session.scalars(select(Visit.device_time).order_by(Visit.id)).all()
    assert times == [tapped, None]


def test_vacant_and_moved_out_change_household_status_with_history(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import Household, Resident, StatusChange

    login_as("volunteer")
    knock(client, world.volunteer_household, "moved_out")
    with app.app_context():
        household = db.session.scalar(select(Household).where(Household.sticker_token == world.volunteer_household))
        assert household.status == "moved_out"
        assert all(r.moved_out for r in db.session.scalars(select(Resident).where(Resident.household_id == household.id)))
        change = db.session.scalar(select(StatusChange).where(StatusChange.household_id == household.id))
        assert change.new_status == "moved_out" and change.visit_id is not None
    html = client.get(f"/h/{world.volunteer_household}").get_data(as_text=True)
    assert "变更记录" in html and "已搬离" in html


def test_refused_keeps_the_household_status(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import Household

    login_as("volunteer")
    with app.app_context():
        before = db.session.scalar(select(Household.status).where(Household.sticker_token == world.volunteer_household))
    knock(client, world.volunteer_household, "refused")
    with app.app_context():
        after = db.session.scalar(select(Household.status).where(Household.sticker_token == world.volunteer_household))
    assert before == after


def test_last_visits_show_who_when_and_outcome(client, login_as, world):
    login_as("volunteer")
    knock(client, world.volunteer_household, "not_home", note="门口有快递")
    html = client.get(f"/h/{world.volunteer_household}").get_data(as_text=True)
    section = html.split("最近走访")[1]
    assert "无人在家" in section and "李志愿" in section and "门口有快递" in section


def test_next_door_names_the_entrance_when_the_walk_moves_on_to_another(client, login_as, make_world):
    """From 1单元102 (the last door of entrance 1) the next door is 2单元601: 下一户 › 601 alone would send
    the volunteer up the wrong stairs. Within an entrance the room number is enough."""
    built = make_world()
    login_as(built.users["volunteer"])
    last_of_first_entrance, first_of_second = built.walkup_tokens[11], built.walkup_tokens[12]
    card = client.get(f"/h/{last_of_first_entrance}").get_data(as_text=True)
    assert f'href="/h/{first_of_second}">下一户 › 2 单元 601</a>' in card
    answer = knock(client, last_of_first_entrance, "not_home", htmx=True).get_data(as_text=True)
    assert f'href="/h/{first_of_second}">下一户 › 2 单元 601</a>' in answer
    within = client.get(f"/h/{built.walkup_tokens[10]}").get_data(as_text=True)
    assert f'href="/h/{last_of_first_entrance}">下一户 › 102</a>' in within

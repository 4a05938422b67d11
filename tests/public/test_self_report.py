"""A resident reports themselves with a grid's code; the grid worker confirms after calling back."""
import re
import uuid

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token_from
from tests.doors.helpers import count


def _grid_token(app, grid_id):
    from webapp.extensions import db
    from webapp.models import Grid

    with app.app_context():
        return db.session.scalar(select(Grid.report_token).where(Grid.id == grid_id))


def _report(client, token, **overrides):
    csrf = csrf_token_from(client, f"/g/{token}")
    data = {"csrf_token": csrf, "request_id": uuid.uuid4().hex, "name": "刘新来", "phone": "13700002222",
            "address_text": "长庚里2号1单元101", "category": "nonlocal_temporary", "arrived_from": "湖南长沙",
            "note": ""}
    data.update(overrides)
    return client.post(f"/g/{token}", data=data), data


def test_self_report_lands_in_the_grid_inbox_with_suggestions(app, client, login_as, world):
    from webapp.models import SelfReport

    token = _grid_token(app, world.volunteer_grid)
    page = client.get(f"/g/{token}")
    assert page.status_code == 200 and "长庚社区" in page.get_data(as_text=True)
    response, data = _report(client, token)
    assert response.status_code == 200 and "谢谢" in response.get_data(as_text=True)
    client.post(f"/g/{token}", data=data)  # twice
    assert count(app, SelfReport) == 1
    login_as("volunteer")
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "刘新来" in inbox and "长庚里2号1单元101" in inbox
    # The door typed is suggested first (checked), found by the one tolerant search.
    first = re.search(r'name="household_id" value="\d+" checked> ([^<]+)</label>', inbox)
    assert first and first.group(1).strip() == "长庚里2号1单元101"


def test_wrong_lane_still_suggests_the_door_by_its_numbers(app, world):
    from webapp.extensions import db
    from webapp.models import Household, SelfReport
    from webapp.scope import Scope
    from webapp.slips.queries import suggested_households

    with app.app_context():
        target = db.session.scalar(select(Household).where(Household.grid_id == world.volunteer_grid)
                                   .order_by(Household.id).offset(3))
        wrong_lane = "新塘里" + target.address.removeprefix("长庚里")
        report = SelfReport(grid_id=world.volunteer_grid, request_id="x" * 10, name="某人", phone="13700000000",
                            address_text=wrong_lane, category="local_permanent")
        volunteer = Scope(grid_ids=frozenset({world.volunteer_grid}))
        assert suggested_households(report, volunteer)[0].id == target.id
        # The caller's scope bounds the suggestions: someone who cannot see the grid gets none.
        elsewhere = Scope(grid_ids=frozenset({world.second_grid}))
        assert suggested_households(report, elsewhere) == []


def test_an_address_typed_with_full_width_digits_still_suggests_the_door(app, client, login_as, world):
    """长庚里２号１单元１０１ as a Chinese keyboard types it is the door 长庚里2号1单元101."""
    token = _grid_token(app, world.volunteer_grid)
    full_width = "".join(chr(ord(ch) + 0xFEE0) if ch.isascii() and ch.isdigit() else ch for ch in "长庚里2号1单元101")
    response, _data = _report(client, token, address_text=full_width, phone="１３７ ０００２ ２２２２")
    assert response.status_code == 200
    login_as("volunteer")
    inbox = client.get("/inbox").get_data(as_text=True)
    assert full_width in inbox  # shown as the resident typed it
    first = re.search(r'name="household_id" value="\d+" checked> ([^<]+)</label>', inbox)
    assert first and first.group(1).strip() == "长庚里2号1单元101"


@pytest.mark.parametrize("overrides,message", [
    ({"name": ""}, "请填写您的姓名"),
    ({"phone": "no phone"}, "请输入数字电话号码"),
    ({"address_text": ""}, "请填写您的住址"),
    ({"address_text": "长" * 121}, "请不要超过 120 个字"),
    ({"category": "tourist"}, "请选择一项"),
    ({"note": "长" * 501}, "请不要超过 500 个字"),
])
def test_bad_self_reports_get_messages_and_store_nothing(app, client, world, overrides, message):
    from webapp.models import SelfReport

    response, _ = _report(client, _grid_token(app, world.volunteer_grid), **overrides)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(app, SelfReport) == 0


def test_unknown_grid_code_is_404(client):
    assert client.get("/g/no-such-grid-token").status_code == 404


def test_confirming_adds_the_person_and_reaches_the_household(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import Household, Resident, SelfReport, Visit

    _report(client, _grid_token(app, world.volunteer_grid))
    login_as("volunteer")
    with app.app_context():
        report_id = db.session.scalar(select(SelfReport.id))
        household = db.session.scalar(select(Household).where(Household.sticker_token == world.volunteer_household))
    csrf = csrf_token_from(client, "/inbox")
    response = client.post(f"/inbox/reports/{report_id}/confirm", data={
        "csrf_token": csrf, "request_id": uuid.uuid4().hex, "household_id": str(household.id)})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(SelfReport, report_id).state == "confirmed"
        resident = db.session.scalar(select(Resident).where(Resident.name == "刘新来"))
        assert resident.household_id == household.id and resident.category == "nonlocal_temporary"
        visit = db.session.scalar(select(Visit).where(Visit.household_id == household.id))
        assert visit.channel == "phone" and visit.outcome == "verified"


def test_confirming_into_a_new_household(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import Household, SelfReport

    _report(client, _grid_token(app, world.volunteer_grid))
    login_as("volunteer")
    with app.app_context():
        report_id = db.session.scalar(select(SelfReport.id))
    csrf = csrf_token_from(client, "/inbox")
    client.post(f"/inbox/reports/{report_id}/confirm", data={
        "csrf_token": csrf, "request_id": uuid.uuid4().hex, "household_id": "",
        "building_id": str(world.volunteer_building), "room": "701"})
    with app.app_context():
        new = db.session.scalar(select(Household).where(Household.building_id == world.volunteer_building,
                                                        Household.room == "701"))
        assert new is not None and len(new.sticker_token) >= 16 and new.residents[0].name == "刘新来"


def test_reports_of_other_grids_are_out_of_reach(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import SelfReport

    _report(client, _grid_token(app, world.second_grid))
    login_as("volunteer")
    assert "刘新来" not in client.get("/inbox").get_data(as_text=True)
    with app.app_context():
        report_id = db.session.scalar(select(SelfReport.id))
    csrf = csrf_token_from(client, "/inbox")
    response = client.post(f"/inbox/reports/{report_id}/dismiss", data={"csrf_token": csrf,
                                                                        "request_id": uuid.uuid4().hex})
    assert response.status_code == 404


def test_grid_poster_encodes_the_report_code(app, client, login_as, world):
    login_as("secretary")
    html = client.get(f"/grids/{world.volunteer_grid}/poster").get_data(as_text=True)
    assert '<svg class="qr"' in html and "扫码报备" in html


def test_a_new_household_without_a_room_is_sent_back_with_the_message_beside_the_room(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import Household, SelfReport

    _report(client, _grid_token(app, world.volunteer_grid))
    login_as("volunteer")
    with app.app_context():
        report_id = db.session.scalar(select(SelfReport.id))
        households = db.session.scalar(select(func.count()).select_from(Household))
    csrf = csrf_token_from(client, "/inbox")
    response = client.post(f"/inbox/reports/{report_id}/confirm", data={
        "csrf_token": csrf, "request_id": uuid.uuid4().hex, "household_id": "",
        "building_id": str(world.volunteer_building), "room": "  "})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    room = html.index('name="room"')
    assert "刘新来" in html  # the inbox itself, with the report
    assert "请填写新住户的房号" in html[room:room + 400]  # beside the room
    form = html[html.index(f"/inbox/reports/{report_id}/confirm"):]
    form = form[:form.index("</form>")]
    assert f'<option value="{world.volunteer_building}" selected>' in form
    assert re.search(r'name="household_id" value="" checked', form)
    assert 'aria-invalid="true"' in form
    with app.app_context():
        assert db.session.get(SelfReport, report_id).state == "new"
        assert db.session.scalar(select(func.count()).select_from(Household)) == households


def test_the_thank_you_page_callback_number_can_be_tapped_to_call(app, client, world):
    response, _ = _report(client, _grid_token(app, world.volunteer_grid))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "谢谢" in html
    link = re.search(r'<a href="tel:([^"]+)"><strong>([^<]+)</strong></a>', html)
    assert link and link.group(1) == link.group(2).replace(" ", "")

"""Undo, residents corrected on the spot, status, wrong-door reports."""
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.conftest import csrf_token_from
from tests.doors.helpers import HX, count, knock


def _visit_id(app):
    from webapp.extensions import db
    from webapp.models import Visit

    with app.app_context():
        return db.session.scalar(select(Visit.id).order_by(Visit.id.desc()))


def _undo_last(app, client, token, htmx=True):
    """Tap 撤销 on the newest knock at this door (with htmx, or as a plain form)."""
    csrf = csrf_token_from(client, "/")
    return client.post(f"/h/{token}/undo/{_visit_id(app)}", data={"csrf_token": csrf, "request_id": uuid.uuid4().hex},
                       headers={**HX, "X-CSRFToken": csrf} if htmx else {})


@pytest.mark.parametrize("htmx", [False, True])
def test_undo_takes_back_the_knock_and_what_it_changed(app, client, login_as, world, htmx):
    from webapp.extensions import db
    from webapp.models import Household, Resident, Visit

    def door_as_it_is():
        with app.app_context():
            household = db.session.scalar(select(Household).where(Household.sticker_token == world.volunteer_household))
            return household.status, [(r.id, r.moved_out) for r in db.session.scalars(
                select(Resident).where(Resident.household_id == household.id).order_by(Resident.id))]

    before = door_as_it_is()
    assert before[0] != "moved_out" and before[1] and not any(moved for _id, moved in before[1])
    login_as("volunteer")
    knock(client, world.volunteer_household, "moved_out")
    assert door_as_it_is() != before  # the knock changed the door and its people
    response = _undo_last(app, client, world.volunteer_household, htmx)
    if htmx:
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "已撤销" in html and 'name="outcome"' in html and "<html" not in html
    else:
        assert response.status_code == 303
    with app.app_context():
        visit = db.session.scalar(select(Visit))
        assert visit.undone_at is not None
    assert door_as_it_is() == before  # status and every resident exactly as before the knock


def test_the_cards_record_reloads_after_a_knock_and_an_undo(app, client, login_as, world):
    """The card's last visits and status sit below the knock: a knock or an undo answers
    HX-Trigger: door-changed, and /h/<token>/record is that record as it is now, in scope only."""
    import re

    login_as("volunteer")
    token = world.volunteer_household

    def record_rows():
        response = client.get(f"/h/{token}/record", headers=HX)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert html.startswith("<div id=\"door-record\"") and "<html" not in html
        return re.findall(r'<li class="row static( undone)?">\s*<span class="title">([^<]*)', html)

    before = record_rows()
    knocked = knock(client, token, "moved_out", htmx=True)
    assert knocked.status_code == 200 and knocked.headers.get("HX-Trigger") == "door-changed, residents-changed"
    after = record_rows()
    assert after[0] == ("", "已搬离") and after[1:] == before[:len(after) - 1]
    page = client.get(f"/h/{token}/record", headers=HX).get_data(as_text=True)
    assert '<option selected value="moved_out">' in page or re.search(r'<option[^>]*selected[^>]*value="moved_out"', page)
    undone = _undo_last(app, client, token)
    assert undone.status_code == 200 and undone.headers.get("HX-Trigger") == "door-changed, residents-changed"
    assert record_rows()[0] == (" undone", "已搬离 ")
    # Without htmx the record is the card's; another community's door is not there at all.
    plain = client.get(f"/h/{token}/record")
    assert plain.status_code == 303 and plain.headers["Location"].endswith(f"/h/{token}#door-record")
    assert client.get(f"/h/{world.second_household}/record", headers=HX).status_code == 404


def test_the_cards_residents_reload_after_a_knock_that_moves_them_out_and_its_undo(app, client, login_as, world):
    """已搬离 marks everyone at the door as moved out, but the card's list of residents still showed them living
    there until a reload. That knock and its undo also answer residents-changed, and /h/<token>/residents is
    the list as it is now; other knocks leave the list alone (no second request for nothing)."""
    import re

    login_as("volunteer")
    token = world.volunteer_household

    def residents():
        response = client.get(f"/h/{token}/residents", headers=HX)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert html.startswith('<section class="card" id="residents"') and "<html" not in html
        assert 'hx-trigger="residents-changed from:body"' in html  # it keeps listening
        return re.findall(r'<li class="row static( moved)?">', html)

    living = residents()
    assert living and all(moved == "" for moved in living)
    assert knock(client, token, "not_home", htmx=True).headers.get("HX-Trigger") == "door-changed"
    assert knock(client, token, "moved_out", htmx=True).headers.get("HX-Trigger") == "door-changed, residents-changed"
    assert residents() == [" moved"] * len(living)
    assert "已搬离" in client.get(f"/h/{token}/residents", headers=HX).get_data(as_text=True)
    undone = _undo_last(app, client, token)
    assert undone.headers.get("HX-Trigger") == "door-changed, residents-changed"
    assert residents() == living
    # Without htmx it is the card's list; another community's door is not there at all.
    plain = client.get(f"/h/{token}/residents")
    assert plain.status_code == 303 and plain.headers["Location"].endswith(f"/h/{token}#residents")
    assert client.get(f"/h/{world.second_household}/residents", headers=HX).status_code == 404


def test_undo_is_refused_after_the_window(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import Visit, utcnow

    login_as("volunteer")
    knock(client, world.volunteer_household, "not_home")
    with app.app_context():
        db.session.execute(update(Visit).values(visited_at=utcnow() - timedelta(minutes=6)))
        db.session.commit()
    response = _undo_last(app, client, world.volunteer_household)
    assert response.status_code == 422
    assert "已超过可撤销时间" in response.get_data(as_text=True)
    assert count(app, Visit, Visit.undone_at.is_(None)) == 1


def test_nobody_can_undo_someone_elses_knock(app, client, login_as, auth, world):
    from webapp.models import Visit

    login_as("secretary")
    knock(client, world.volunteer_household, "not_home")
    auth.logout()
    login_as("volunteer")
    response = _undo_last(app, client, world.volunteer_household, htmx=False)
    assert response.status_code == 404
    assert count(app, Visit, Visit.undone_at.is_(None)) == 1


def _first_resident(app, token):
    from webapp.extensions import db
    from webapp.models import Household, Resident

    with app.app_context():
        return db.session.scalar(select(Resident).join(Household).where(Household.sticker_token == token)
                                 .order_by(Resident.id))


@pytest.mark.parametrize("htmx", [False, True])
def test_correcting_a_resident_records_each_change(app, client, login_as, world, htmx):
    from webapp.extensions import db
    from webapp.models import Resident, ResidentChange

    resident = _first_resident(app, world.volunteer_household)
    login_as("volunteer")
    csrf = csrf_token_from(client, "/")
    prefix = f"r{resident.id}-"
    data = {"csrf_token": csrf, prefix + "request_id": uuid.uuid4().hex, prefix + "name": "王小明",
            prefix + "category": "nonlocal_temporary", prefix + "phone": "13912345678"}
    response = client.post(f"/h/{world.volunteer_household}/residents/{resident.id}", data=data,
                           headers={**HX, "X-CSRFToken": csrf} if htmx else {})
    assert response.status_code == (200 if htmx else 303)
    if htmx:
        html = response.get_data(as_text=True)
        assert "王小明" in html and "外地暂住" in html and "139****5678" in html and "13912345678" not in html
    with app.app_context():
        stored = db.session.get(Resident, resident.id)
        assert (stored.name, stored.category, stored.phone) == ("王小明", "nonlocal_temporary", "13912345678")
        changes = db.session.scalars(select(ResidentChange).where(ResidentChange.resident_id == resident.id)).all()
        assert {c.field for c in changes} == {"name", "category", "phone"}
        assert all(c.user.username == "volunteer" for c in changes)
        assert not any("13912345678" in (c.new_value or "") for c in changes)  # history keeps phones masked
    # The same form posted again changes nothing more.
    client.post(f"/h/{world.volunteer_household}/residents/{resident.id}", data=data)
    assert count(app, ResidentChange) == 3


def test_bad_resident_input_gets_messages_and_writes_nothing(app, client, login_as, world):
    from webapp.models import ResidentChange

    resident = _first_resident(app, world.volunteer_household)
    login_as("volunteer")
    csrf = csrf_token_from(client, "/")
    prefix = f"r{resident.id}-"
    response = client.post(f"/h/{world.volunteer_household}/residents/{resident.id}", data={
        "csrf_token": csrf, prefix + "request_id": uuid.uuid4().hex, prefix + "name": "",
        prefix + "category": "alien", prefix + "phone": "call me"}, headers={**HX, "X-CSRFToken": csrf})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "请填写姓名" in html and "请输入数字电话号码" in html
    assert count(app, ResidentChange) == 0


def test_add_a_person_and_mark_one_moved_out(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import Household, Resident

    login_as("volunteer")
    csrf = csrf_token_from(client, "/")
    add = {"csrf_token": csrf, "new-request_id": uuid.uuid4().hex, "new-name": "陈新来",
           "new-category": "nonlocal_temporary", "new-phone": ""}
    assert client.post(f"/h/{world.volunteer_household}/residents", data=add).status_code == 303
    assert client.post(f"/h/{world.volunteer_household}/residents", data=add).status_code == 303  # replay
    with app.app_context():
        household_id = db.session.scalar(select(Household.id).where(Household.sticker_token == world.volunteer_household))
    assert count(app, Resident, Resident.name == "陈新来", Resident.household_id == household_id) == 1
    resident = _first_resident(app, world.volunteer_household)
    client.post(f"/h/{world.volunteer_household}/residents/{resident.id}/moved-out",
                data={"csrf_token": csrf, "request_id": uuid.uuid4().hex, "moved_out": "1"})
    with app.app_context():
        assert db.session.get(Resident, resident.id).moved_out is True


def test_resident_of_another_household_is_404(app, client, login_as, world):
    other = _first_resident(app, world.second_household)
    login_as("volunteer")
    csrf = csrf_token_from(client, "/")
    response = client.post(f"/h/{world.volunteer_household}/residents/{other.id}", data={
        "csrf_token": csrf, f"r{other.id}-request_id": uuid.uuid4().hex, f"r{other.id}-name": "X",
        f"r{other.id}-category": "local_permanent"})
    assert response.status_code == 404


def test_status_change_is_kept_in_history(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import Household, StatusChange

    login_as("volunteer")
    csrf = csrf_token_from(client, "/")
    response = client.post(f"/h/{world.volunteer_household}/status",
                           data={"csrf_token": csrf, "request_id": uuid.uuid4().hex, "status": "registered_elsewhere"})
    assert response.status_code == 303
    with app.app_context():
        household = db.session.scalar(select(Household).where(Household.sticker_token == world.volunteer_household))
        assert household.status == "registered_elsewhere"
        change = db.session.scalar(select(StatusChange))
        assert change.new_status == "registered_elsewhere" and change.user.username == "volunteer"
    bad = client.post(f"/h/{world.volunteer_household}/status",
                      data={"csrf_token": csrf, "request_id": uuid.uuid4().hex, "status": "haunted"})
    assert bad.status_code == 422
    assert count(app, StatusChange) == 1


def test_a_sticker_found_on_the_wrong_door_is_flagged_for_the_secretary(app, client, login_as, auth, world):
    from webapp.models import StickerFlag

    login_as("volunteer")
    csrf = csrf_token_from(client, "/")
    empty = client.post(f"/h/{world.volunteer_household}/flag", data={"csrf_token": csrf,
                                                                      "request_id": uuid.uuid4().hex, "found_at": ""})
    assert empty.status_code == 422 and "请写下贴着这张门牌码的门的地址" in empty.get_data(as_text=True)
    ok = client.post(f"/h/{world.volunteer_household}/flag", data={"csrf_token": csrf,
                                                                   "request_id": uuid.uuid4().hex,
                                                                   "found_at": "长庚里12号3单元501"})
    assert ok.status_code == 303
    assert count(app, StickerFlag) == 1
    auth.logout()
    login_as("secretary")
    page = client.get("/campaigns").get_data(as_text=True)
    assert "长庚里12号3单元501" in page
    from webapp.extensions import db

    with app.app_context():
        flag_id = db.session.scalar(select(StickerFlag.id))
    csrf = csrf_token_from(client, "/campaigns")
    resolved = client.post(f"/stickers/flags/{flag_id}/resolve", data={"csrf_token": csrf,
                                                                       "request_id": uuid.uuid4().hex})
    assert resolved.status_code == 303
    assert "长庚里12号3单元501" not in client.get("/campaigns").get_data(as_text=True)
    auth.logout()
    login_as("volunteer")
    assert client.post(f"/stickers/flags/{flag_id}/resolve", data={
        "csrf_token": csrf_token_from(client, "/"), "request_id": uuid.uuid4().hex}).status_code == 404

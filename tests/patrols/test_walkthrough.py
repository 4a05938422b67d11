"""Defects a phone walkthrough found in patrols (issue #13)."""
import csv
import io
from datetime import time

from webapp.patrols.rounds import Window, round_state
from tests.patrols.test_rounds import DAY, STOPS, at
from tests.patrols.test_views import _route, _scan, _start, _patrol_id


def test_a_finding_without_a_work_group_answers_htmx_with_the_fragment(app, client, login_as):
    route_id, tokens, _ = _route(app, "volunteer")
    login_as("volunteer")
    patrol_id = _patrol_id(_start(client, route_id))
    response = _scan(client, tokens[0], patrol_id, htmx=True, result="finding", finding_kind="gathering",
                     resolution="handed")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请选择工作小组" in html
    # The swap target and nothing around it: no page chrome, no second header or title.
    assert html.lstrip().startswith('<section class="card knock" id="scan">')
    assert "<html" not in html and "<header" not in html and "<h1" not in html
    # A plain request still gets the whole page with the message.
    page = _scan(client, tokens[0], patrol_id, result="finding", finding_kind="gathering", resolution="handed")
    assert page.status_code == 422 and "<html" in page.get_data(as_text=True)


def test_a_scan_refused_by_htmx_on_an_ended_round_is_a_fragment(app, client, login_as):
    from tests.conftest import csrf_token_from
    import uuid

    route_id, tokens, _ = _route(app, "volunteer")
    login_as("volunteer")
    patrol_id = _patrol_id(_start(client, route_id))
    csrf = csrf_token_from(client, f"/patrols/{patrol_id}")
    client.post(f"/patrols/{patrol_id}/end", data={"csrf_token": csrf, "request_id": uuid.uuid4().hex,
                                                   "reason": "下雨"})
    response = _scan(client, tokens[0], patrol_id, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "这一轮巡查已结束" in html and "<html" not in html


def test_a_round_inside_its_window_is_not_called_not_yet_due():
    evening = Window(3, time(19), time(21))
    # 19:41, nothing scanned yet: the window is open, the round is due now.
    assert round_state(evening, DAY, STOPS, [], False, at(19, 41)).state == "due"
    assert round_state(evening, DAY, STOPS, [], False, at(19)).state == "due"
    assert round_state(evening, DAY, STOPS, [], False, at(18, 59)).state == "pending"
    assert round_state(evening, DAY, STOPS, [], False, at(21, 0, 1)).state == "missed"


def test_the_patrol_csv_says_results_in_words_with_one_charset(app, client, login_as, auth):
    from webapp.clock import local_today

    route_id, tokens, _ = _route(app, "volunteer")
    login_as("volunteer")
    patrol_id = _patrol_id(_start(client, route_id))
    _scan(client, tokens[0], patrol_id)
    _scan(client, tokens[1], patrol_id, result="finding", finding_kind="gathering", resolution="solved")
    auth.logout()
    login_as("secretary")
    with app.app_context():
        today = local_today()
    exported = client.get("/patrols/log.csv", query_string={"day": today.isoformat()})
    assert exported.headers["Content-Type"].lower().count("charset") == 1
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    results = {row[7] for row in rows[1:]}
    assert results == {"一切正常", "发现问题"}
    assert not {"normal", "finding"} & {cell for row in rows for cell in row}


def test_checkpoint_stickers_print_the_place_and_a_neutral_label_only(app, client, login_as):
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import Checkpoint, Household, Route, RouteStop

    route_id, _tokens, community_id = _route(app, "volunteer")
    with app.app_context():
        household = db.session.scalar(select(Household).where(Household.community_id == community_id)
                                      .order_by(Household.id))
        address = household.address
        route = db.session.get(Route, route_id)
        door = Checkpoint(community_id=community_id, name=f"居家观察户 {address}", kind="sealed_door",
                          household_id=household.id)
        lane = Checkpoint(community_id=community_id, name="隔离人员 长庚里北巷", kind="lane")
        db.session.add_all([door, lane])
        db.session.flush()
        last = max(stop.position for stop in route.stops)
        db.session.add_all([RouteStop(route_id=route_id, checkpoint_id=door.id, position=last + 1, walk_minutes=1),
                            RouteStop(route_id=route_id, checkpoint_id=lane.id, position=last + 2, walk_minutes=1)])
        db.session.commit()
    login_as("secretary")
    sheet = client.get(f"/patrols/routes/{route_id}/stickers").get_data(as_text=True)
    assert "居家观察" not in sheet and "隔离" not in sheet
    assert f'<p class="sticker-address">{address}</p>' in sheet
    assert '<p class="sticker-address">长庚里北巷</p>' in sheet
    assert sheet.count('<p class="sticker-label">巡查点位</p>') == sheet.count('<svg class="qr"')


def test_the_checkpoint_form_warns_about_a_name_that_says_who_lives_there(app, client, login_as):
    import uuid

    from tests.conftest import csrf_token_from
    from tests.doors.helpers import count
    from webapp.models import Checkpoint

    login_as("secretary")
    before = count(app, Checkpoint)
    csrf = csrf_token_from(client, "/patrols/setup")
    data = {"csrf_token": csrf, "request_id": uuid.uuid4().hex, "form": "checkpoint", "name": "居家观察户 北巷",
            "kind": "lane"}
    warned = client.post("/patrols/setup", data=data)
    html = warned.get_data(as_text=True)
    assert warned.status_code == 422 and "居家观察" in html and 'name="name_confirmed"' in html
    assert count(app, Checkpoint) == before
    kept = client.post("/patrols/setup", data={**data, "name_confirmed": "1"})
    assert kept.status_code == 303 and count(app, Checkpoint) == before + 1

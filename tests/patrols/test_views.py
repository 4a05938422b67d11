"""Rounds through the HTTP doors: start, scan, findings, end, cases, the secretary's log."""
import csv
import io
import re
import uuid

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token_from
from tests.doors.helpers import count


def _route(app, username):
    from webapp.extensions import db
    from webapp.models import Route, RoutePatroller, User

    with app.app_context():
        route = db.session.scalar(select(Route).join(RoutePatroller).join(User).where(User.username == username))
        return route.id, [stop.checkpoint.token for stop in route.stops], route.community_id


def _start(client, route_id):
    csrf = csrf_token_from(client, "/patrols")
    return client.post("/patrols/start", data={"csrf_token": csrf, "request_id": uuid.uuid4().hex,
                                                "route_id": str(route_id)})


def _scan(client, token, patrol_id, htmx=False, request_id=None, **fields):
    csrf = csrf_token_from(client, f"/c/{token}")
    data = {"csrf_token": csrf, "request_id": request_id or uuid.uuid4().hex, "patrol_id": str(patrol_id),
            "result": "normal", **fields}
    headers = {"HX-Request": "true", "X-CSRFToken": csrf} if htmx else {}
    return client.post(f"/c/{token}", data=data, headers=headers)


def _patrol_id(response):
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_volunteer_walks_a_round(app, client, login_as):
    from webapp.extensions import db
    from webapp.models import Patrol, PatrolScan

    route_id, tokens, _ = _route(app, "volunteer")
    login_as("volunteer")
    assert "长庚里一日三巡" in client.get("/patrols").get_data(as_text=True)
    started = _start(client, route_id)
    assert started.status_code == 303
    patrol_id = _patrol_id(started)
    page = client.get(f"/c/{tokens[0]}").get_data(as_text=True)
    assert "一切正常" in page and 'name="patrol_id"' in page
    assert _scan(client, tokens[0], patrol_id).status_code == 303
    fragment = _scan(client, tokens[1], patrol_id, htmx=True)
    assert fragment.status_code == 200 and "已扫描" in fragment.get_data(as_text=True)
    replay_id = uuid.uuid4().hex
    _scan(client, tokens[2], patrol_id, request_id=replay_id)
    _scan(client, tokens[2], patrol_id, request_id=replay_id)
    assert count(app, PatrolScan) == 3
    with app.app_context():
        assert db.session.get(Patrol, patrol_id).round_no in (1, 2, 3)


def test_a_round_started_at_a_sticker_goes_on_to_scan_that_checkpoint(app, client, login_as):
    """从这里开始一轮巡查: the volunteer stands at the checkpoint she scanned, so its all-normal / finding form comes
    next, not the round's list with the checkpoint still 尚未扫描 and a second scan of the same sticker to do."""
    from webapp.models import Patrol

    route_id, tokens, _ = _route(app, "volunteer")
    login_as("volunteer")
    page = client.get(f"/c/{tokens[1]}").get_data(as_text=True)
    assert "从这里开始一轮巡查" in page and f'name="checkpoint" value="{tokens[1]}"' in page
    csrf = csrf_token_from(client, f"/c/{tokens[1]}")
    form = {"csrf_token": csrf, "request_id": uuid.uuid4().hex, "route_id": str(route_id), "checkpoint": tokens[1]}
    started = client.post("/patrols/start", data=form)
    assert started.status_code == 303 and started.headers["Location"].endswith(f"/c/{tokens[1]}")
    assert client.post("/patrols/start", data=form).headers["Location"] == started.headers["Location"]  # a double tap
    assert count(app, Patrol) == 1
    page = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "一切正常" in page and 'name="patrol_id"' in page
    # A token that is not on the route (or made up) starts the round and shows the round, as before.
    other = {**form, "request_id": uuid.uuid4().hex, "checkpoint": "x" * 22}
    with app.app_context():
        from webapp.extensions import db
        patrol = db.session.scalar(select(Patrol))
        patrol.ended_at = patrol.started_at
        db.session.commit()
    started = client.post("/patrols/start", data=other)
    assert started.status_code == 303 and "/patrols/" in started.headers["Location"]


def test_the_last_checkpoint_of_a_round_offers_to_end_it_there(app, client, login_as):
    """After the last sticker the volunteer is not sent to look for a next checkpoint: she ends the round on the
    spot (else it stays open, shows as under way on the log and stops the next round from starting)."""
    from webapp.extensions import db
    from webapp.models import Patrol

    route_id, tokens, _ = _route(app, "volunteer")
    login_as("volunteer")
    patrol_id = _patrol_id(_start(client, route_id))
    for token in tokens[:-1]:
        html = _scan(client, token, patrol_id, htmx=True).get_data(as_text=True)
        assert "扫描下一个点位" in html and "/end" not in html
    html = _scan(client, tokens[-1], patrol_id, htmx=True).get_data(as_text=True)
    assert "本轮所有点位都已扫描" in html and "扫描下一个点位" not in html
    form = html.split("<form", 1)[1].split("</form>")[0]
    assert f'action="/patrols/{patrol_id}/end"' in form and 'name="request_id"' in form
    fields = dict(re.findall(r'name="(csrf_token|request_id)"[^>]*value="([^"]*)"', form))
    ended = client.post(f"/patrols/{patrol_id}/end", data=fields)
    assert ended.status_code == 303 and ended.headers["Location"].endswith("/patrols")
    with app.app_context():
        assert db.session.get(Patrol, patrol_id).ended_at is not None


def test_a_finding_handed_to_a_work_group_opens_a_case(app, client, login_as, auth):
    from webapp.extensions import db
    from webapp.models import Case, WorkGroup

    route_id, tokens, community_id = _route(app, "volunteer")
    with app.app_context():
        group = db.session.scalar(select(WorkGroup).where(WorkGroup.community_id == community_id,
                                                          WorkGroup.name == "防控组"))
    login_as("volunteer")
    patrol_id = _patrol_id(_start(client, route_id))
    response = _scan(client, tokens[3], patrol_id, result="finding", finding_kind="seal_broken",
                     note="封条被撕开", resolution="handed", work_group_id=str(group.id))
    assert response.status_code == 303
    with app.app_context():
        case = db.session.scalar(select(Case))
        assert case.work_group_id == group.id and case.status == "open" and case.title.endswith("：封条破损")
        case_id = case.id
    auth.logout()
    # A member of the work group (the building lead is in 防控组) moves it along.
    login_as("lead")
    assert "封条破损" in client.get("/cases").get_data(as_text=True)
    csrf = csrf_token_from(client, f"/cases/{case_id}")
    for status in ("in_progress", "solved"):
        client.post(f"/cases/{case_id}", data={"csrf_token": csrf, "request_id": uuid.uuid4().hex,
                                               "status": status, "note": f"{status} 备注"})
    timeline = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert timeline.count('class="row static"') >= 4  # found, opened, in progress, solved
    assert "</strong>：solved 备注" in timeline  # Chinese punctuation between a state and its note
    with app.app_context():
        assert db.session.get(Case, case_id).status == "solved"


def test_the_sealed_door_check_shows_in_the_household_history(app, client, login_as, auth):
    from webapp.extensions import db
    from webapp.models import Checkpoint

    route_id, tokens, _ = _route(app, "volunteer")
    with app.app_context():
        sealed = db.session.scalar(select(Checkpoint).where(Checkpoint.kind == "sealed_door"))
        household_token = sealed.household.sticker_token
    login_as("volunteer")
    patrol_id = _patrol_id(_start(client, route_id))
    _scan(client, sealed.token, patrol_id)
    auth.logout()
    login_as("secretary")
    card = client.get(f"/h/{household_token}").get_data(as_text=True)
    assert "巡查封条检查" in card and "封条完好" in card


@pytest.mark.parametrize("fields,message", [
    ({"result": "finding"}, "请选择发现的问题"),
    ({"result": "finding", "finding_kind": "gathering"}, "请选择现场解决或转交"),
    ({"result": "finding", "finding_kind": "gathering", "resolution": "handed"}, "请选择工作小组"),
    ({"result": "finding", "finding_kind": "other", "resolution": "solved"}, "请说明发现的情况"),
    ({"result": "party"}, "请选择“一切正常”或“发现问题”"),
    ({"note": "长" * 501}, "请不要超过 500 个字"),
])
def test_bad_scans_get_messages_and_write_nothing(app, client, login_as, fields, message):
    from webapp.models import Case, PatrolScan

    route_id, tokens, _ = _route(app, "volunteer")
    login_as("volunteer")
    patrol_id = _patrol_id(_start(client, route_id))
    response = _scan(client, tokens[0], patrol_id, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(app, PatrolScan) == 0 and count(app, Case) == 0


def test_ending_with_unscanned_checkpoints_needs_a_reason(app, client, login_as):
    from webapp.extensions import db
    from webapp.models import Patrol

    route_id, tokens, _ = _route(app, "volunteer")
    login_as("volunteer")
    patrol_id = _patrol_id(_start(client, route_id))
    _scan(client, tokens[0], patrol_id)
    csrf = csrf_token_from(client, f"/patrols/{patrol_id}")
    refused = client.post(f"/patrols/{patrol_id}/end", data={"csrf_token": csrf, "request_id": uuid.uuid4().hex})
    assert refused.status_code == 422 and "结束前请说明原因" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Patrol, patrol_id).ended_at is None
    ok = client.post(f"/patrols/{patrol_id}/end", data={"csrf_token": csrf, "request_id": uuid.uuid4().hex,
                                                        "reason": "北门施工封闭"})
    assert ok.status_code == 303
    with app.app_context():
        assert db.session.get(Patrol, patrol_id).end_reason == "北门施工封闭"
    # A scan on an ended round is refused.
    late = _scan(client, tokens[1], patrol_id)
    assert late.status_code == 422 and "这一轮巡查已结束" in late.get_data(as_text=True)


def test_a_round_ended_with_nothing_scanned_shows_as_incomplete_and_can_start_again(app, client, login_as):
    """Ended with its reason before any checkpoint was scanned, the round read 未到时间 or 应巡 on the
    patroller's page, as if nobody had gone out."""
    from webapp.extensions import db
    from webapp.models import Patrol

    route_id, _tokens, _ = _route(app, "volunteer")
    login_as("volunteer")
    patrol_id = _patrol_id(_start(client, route_id))
    csrf = csrf_token_from(client, f"/patrols/{patrol_id}")
    ended = client.post(f"/patrols/{patrol_id}/end", data={"csrf_token": csrf, "request_id": uuid.uuid4().hex,
                                                           "reason": "暴雨，改日再巡"})
    assert ended.status_code == 303
    with app.app_context():
        round_no = db.session.get(Patrol, patrol_id).round_no
    page = client.get("/patrols").get_data(as_text=True)
    line = re.search(rf'<li class="round (round-[a-z_]+)"><span>第 {round_no} 轮 ·.*?</li>', page, re.S)
    assert line.group(1) == "round-incomplete" and "<strong>未完成</strong>" in line.group(0), line.group(0)
    assert "开始一轮巡查" in page  # the round can be walked again
    again = _start(client, route_id)
    assert again.status_code == 303


def test_one_round_at_a_time(app, client, login_as):
    route_id, _tokens, _ = _route(app, "volunteer")
    login_as("volunteer")
    _start(client, route_id)
    second = _start(client, route_id)
    assert second.status_code == 422 and "请先结束" in second.get_data(as_text=True)


def test_checkpoints_and_routes_of_others_are_404(app, client, login_as):
    route_id, tokens, _ = _route(app, "volunteer")
    other_route, other_tokens, _ = _route(app, "volunteer2")
    login_as("volunteer")
    assert client.get(f"/c/{other_tokens[0]}").status_code == 404
    assert _start(client, other_route).status_code == 404
    assert "新塘里一日三巡" not in client.get("/patrols").get_data(as_text=True)
    assert client.get("/patrols/log").status_code == 404
    assert client.get("/patrols/setup").status_code == 404
    assert client.get("/c/no-such-checkpoint").status_code == 404


def test_secretary_log_signoff_and_csv(app, client, login_as, auth):
    from webapp.extensions import db
    from webapp.models import PatrolSignoff

    route_id, tokens, community_id = _route(app, "volunteer")
    login_as("volunteer")
    patrol_id = _patrol_id(_start(client, route_id))
    for token in tokens:
        _scan(client, token, patrol_id, device_time="")
    auth.logout()
    login_as("secretary")
    html = client.get("/patrols/log").get_data(as_text=True)
    assert "长庚里一日三巡" in html and "第 1 轮" in html and "5/5" in html
    csrf = csrf_token_from(client, "/patrols/log")
    from webapp.clock import local_today

    with app.app_context():
        today = local_today()
    response = client.post("/patrols/log/signoff", data={"csrf_token": csrf, "request_id": uuid.uuid4().hex,
                                                         "day": today.isoformat(), "comment": "巡查到位"})
    assert response.status_code == 303
    assert "巡查到位" in client.get("/patrols/log").get_data(as_text=True)
    assert count(app, PatrolSignoff) == 1
    exported = client.get("/patrols/log.csv", query_string={"day": today.isoformat()})
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "路线" and len(rows) == 1 + len(tokens)
    with app.app_context():
        from webapp.models import Route

        names = {stop.checkpoint.name for stop in db.session.get(Route, route_id).stops}
    assert {row[4] for row in rows[1:]} == names and rows[1][0] == "长庚里一日三巡"
    answer = client.get("/patrols/log", query_string={"day": "yesterday"})
    assert answer.status_code == 422 and 'id="day-error"' in answer.get_data(as_text=True)


def test_secretary_sets_up_a_route_with_windows(app, client, login_as):
    from webapp.extensions import db
    from webapp.models import Checkpoint, Route

    login_as("secretary")
    csrf = csrf_token_from(client, "/patrols/setup")
    response = client.post("/patrols/setup", data={"csrf_token": csrf, "request_id": uuid.uuid4().hex,
                                                   "form": "checkpoint", "name": "南门岗亭", "kind": "sentry"})
    assert response.status_code == 303
    with app.app_context():
        ids = db.session.scalars(select(Checkpoint.id).where(Checkpoint.name.in_(["南门岗亭", "东门岗亭"]))).all()
    data = {"csrf_token": csrf, "request_id": uuid.uuid4().hex, "form": "route", "name": "夜巡",
            "windows": "20:00-21:00, 22:00-23:00", f"stop-{ids[0]}": "1", f"stop-{ids[1]}": "2",
            f"walk-{ids[1]}": "5"}
    assert client.post("/patrols/setup", data=data).status_code == 303
    with app.app_context():
        route = db.session.scalar(select(Route).where(Route.name == "夜巡"))
        assert [w.round_no for w in route.windows] == [1, 2] and len(route.stops) == 2
    bad = client.post("/patrols/setup", data={**data, "request_id": uuid.uuid4().hex, "name": "坏路线",
                                              "windows": "21:00-20:00"})
    assert bad.status_code == 422 and "结束时间必须晚于开始时间" in bad.get_data(as_text=True)
    sheet = client.get(f"/patrols/routes/{route.id}/stickers").get_data(as_text=True)
    assert sheet.count('<svg class="qr"') == 2 and "南门岗亭" in sheet


def test_a_route_sent_back_with_a_message_keeps_its_stops_and_patrollers(app, client, login_as):
    """The walking order, minutes and patrollers are not WTForms fields: a 422 must not blank them."""
    from webapp.extensions import db
    from webapp.models import Checkpoint, User

    login_as("secretary")
    with app.app_context():
        first, second = db.session.scalars(select(Checkpoint.id).order_by(Checkpoint.id)).all()[:2]
        volunteer = db.session.scalar(select(User.id).where(User.username == "volunteer"))
    csrf = csrf_token_from(client, "/patrols/setup")
    bad = client.post("/patrols/setup", data={
        "csrf_token": csrf, "request_id": uuid.uuid4().hex, "form": "route", "name": "",
        "windows": "20:00-21:00", f"stop-{first}": "1", f"stop-{second}": "2", f"walk-{second}": "7",
        "patroller": str(volunteer)})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert f'name="stop-{first}" value="1"' in html and f'name="stop-{second}" value="2"' in html
    assert f'name="walk-{second}" value="7"' in html
    assert f'name="patroller" value="{volunteer}" checked' in html
    assert f'name="member" value="{volunteer}" checked' not in html
    fresh = client.get("/patrols/setup").get_data(as_text=True)
    assert f'name="stop-{first}" value=""' in fresh and " checked" not in fresh


@pytest.mark.parametrize("bad, message", [
    ({"walk": "99999"}, "分钟：请填 0 至 600 的整数。"),
    ({"walk": "-1"}, "分钟：请填 0 至 600 的整数。"),
    ({"stop": "abc"}, "顺序：请填 1 至 999 的整数。"),
    ({"stop": "-1"}, "顺序：请填 1 至 999 的整数。"),
    ({"stop": "99999999999999999999"}, "顺序：请填 1 至 999 的整数。"),
    ({"stop": "7" * 10000}, "顺序：请填 1 至 999 的整数。"),
    ({"stop": "²"}, "顺序：请填 1 至 999 的整数。"),
    ({"patroller": "other community"}, "请从列出的人员中选择。"),
    ({"patroller": "zzz"}, "请从列出的人员中选择。"),
    ({"patroller": "-1"}, "请从列出的人员中选择。"),
])
def test_a_route_with_a_bad_number_or_person_is_refused_beside_the_field(app, client, login_as, bad, message):
    """Bad walking orders, minutes and patrollers are refused with a message, not dropped: nothing is made."""
    from webapp.extensions import db
    from webapp.models import Checkpoint, Community, Route, User

    login_as("secretary")
    with app.app_context():
        first_community = db.session.scalar(select(Community.id).order_by(Community.id))
        first, second, third = db.session.scalars(select(Checkpoint.id).where(
            Checkpoint.community_id == first_community).order_by(Checkpoint.id)).all()[:3]
        outsider = db.session.scalar(select(User.id).where(User.username == "volunteer2"))
    routes = count(app, Route)
    csrf = csrf_token_from(client, "/patrols/setup")
    request_id = uuid.uuid4().hex
    data = {"csrf_token": csrf, "request_id": request_id, "form": "route", "name": "复查路线",
            "windows": "20:00-21:00", f"stop-{first}": "1", f"stop-{second}": "2", f"walk-{second}": "5"}
    if "walk" in bad:
        data[f"walk-{second}"] = bad["walk"]
    if "stop" in bad:
        data[f"stop-{third}"] = bad["stop"]
    if "patroller" in bad:
        data["patroller"] = str(outsider) if bad["patroller"] == "other community" else bad["patroller"]
    refused = client.post("/patrols/setup", data=data)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert message in html and 'class="error"' in html
    if "stop" in bad or "walk" in bad:
        checkpoint = third if "stop" in bad else second
        assert f'id="stop-{checkpoint}-error"' in html  # beside that checkpoint's order and minutes
    assert count(app, Route) == routes
    # Corrected, the same form (the same request id) makes the route: the refusal claimed nothing.
    fixed = {k: v for k, v in data.items() if k != "patroller" and k != f"stop-{third}"}
    fixed[f"walk-{second}"] = "5"
    assert client.post("/patrols/setup", data=fixed).status_code == 303
    with app.app_context():
        route = db.session.scalar(select(Route).where(Route.name == "复查路线"))
        assert [(s.checkpoint_id, s.walk_minutes) for s in route.stops][1] == (second, 5)


@pytest.mark.parametrize("member", ["other community", "zzz", "-1", "99999"])
def test_a_group_with_a_person_not_shown_is_refused(app, client, login_as, member):
    from webapp.extensions import db
    from webapp.models import User, WorkGroup

    login_as("secretary")
    with app.app_context():
        outsider = db.session.scalar(select(User.id).where(User.username == "volunteer2"))
        volunteer = db.session.scalar(select(User.id).where(User.username == "volunteer"))
    groups = count(app, WorkGroup)
    csrf = csrf_token_from(client, "/patrols/setup")
    refused = client.post("/patrols/setup", data={
        "csrf_token": csrf, "request_id": uuid.uuid4().hex, "form": "group", "name": "复查小组",
        "member": [str(volunteer), str(outsider) if member == "other community" else member]})
    assert refused.status_code == 422 and "请从列出的人员中选择。" in refused.get_data(as_text=True)
    assert count(app, WorkGroup) == groups


def test_full_width_numbers_count_on_a_route(app, client, login_as):
    """A Chinese IME types １ and ５: they are the numbers 1 and 5 (forms.typed_int), as in every number field."""
    from webapp.extensions import db
    from webapp.models import Checkpoint, Community, Route

    login_as("secretary")
    with app.app_context():
        first_community = db.session.scalar(select(Community.id).order_by(Community.id))
        first, second = db.session.scalars(select(Checkpoint.id).where(
            Checkpoint.community_id == first_community).order_by(Checkpoint.id)).all()[:2]
    csrf = csrf_token_from(client, "/patrols/setup")
    made = client.post("/patrols/setup", data={
        "csrf_token": csrf, "request_id": uuid.uuid4().hex, "form": "route", "name": "全角路线",
        "windows": "20:00-21:00", f"stop-{first}": "２", f"stop-{second}": "１", f"walk-{first}": "１２"})
    assert made.status_code == 303
    with app.app_context():
        route = db.session.scalar(select(Route).where(Route.name == "全角路线"))
        assert [(s.checkpoint_id, s.walk_minutes) for s in route.stops] == [(second, 0), (first, 12)]


def test_the_patrol_log_csv_says_how_each_finding_was_dealt_with(app, client, login_as, auth):
    """The secretary reads the exported log as she reads the page: solved on the spot, or handed to which group."""
    from webapp.clock import local_today
    from webapp.extensions import db
    from webapp.models import WorkGroup

    route_id, tokens, community_id = _route(app, "volunteer")
    with app.app_context():
        group = db.session.scalar(select(WorkGroup).where(WorkGroup.community_id == community_id,
                                                          WorkGroup.name == "防控组"))
        today = local_today()
    login_as("volunteer")
    patrol_id = _patrol_id(_start(client, route_id))
    _scan(client, tokens[0], patrol_id)
    assert _scan(client, tokens[1], patrol_id, result="finding", finding_kind="gathering", note="门口聚集七八人",
                 resolution="solved").status_code == 303
    assert _scan(client, tokens[3], patrol_id, result="finding", finding_kind="seal_broken", note="封条被撕开",
                 resolution="handed", work_group_id=str(group.id)).status_code == 303
    auth.logout()
    login_as("secretary")
    exported = client.get("/patrols/log.csv", query_string={"day": today.isoformat()})
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    column = rows[0].index("处理方式")
    assert [row[column] for row in rows[1:]] == ["", "现场解决", "转交工作小组：防控组"]
    # The daily summary lists the findings as what happened: 已转交工作小组, not the form's choice 转交工作小组.
    summary = client.get("/summary").get_data(as_text=True)
    assert "已转交工作小组" in summary and "现场解决" in summary

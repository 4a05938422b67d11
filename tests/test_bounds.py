"""Every integer and date from a request is range-checked: out of range is a 4xx, never a 500."""
import uuid

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token_from

HUGE = ["2147483648", "9223372036854775808", "99999999999999999999999", "-1", "0", "²", "١", "1e3", " ", "0x10"]
ODD_DAYS = ["0001-01-01", "9999-12-31", "1999-12-31", "2100-01-01", "20261120", "2026-02-30", "2026-1-1", "２０２６-01-01"]


def _post(client, path, **fields):
    token = csrf_token_from(client, "/")
    return client.post(path, data={"csrf_token": token, "request_id": uuid.uuid4().hex, **fields})


@pytest.mark.parametrize("raw, expected", [
    ("1", 1), ("2147483647", 2147483647), ("2147483648", None), ("0", None), ("-5", None), ("²", None),
    ("٣", None), ("１", None), ("", None), (None, None), (" 7 ", 7), ("7.0", None), ("9" * 5000, None),
])
def test_parse_int(raw, expected):
    from webapp.hypermedia import parse_int

    assert parse_int(raw) == expected


@pytest.mark.parametrize("raw, ok", [("2026-11-20", True), ("2000-01-01", True), ("2099-12-31", True),
                                     *[(day, False) for day in ODD_DAYS], ("", False), (None, False)])
def test_parse_day(raw, ok):
    from webapp.clock import parse_day

    assert (parse_day(raw) is not None) == ok


@pytest.mark.parametrize("path", ["/buildings/2147483648", "/buildings/9223372036854775808", "/grids/0",
                                  "/patrols/99999999999", "/campaigns/-1", "/cases/2147483648"])
def test_ids_in_urls_are_404(client, login_as, path):
    login_as("admin")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("value", HUGE)
def test_query_string_ids_are_4xx(client, login_as, value):
    login_as("secretary")
    for path in ("/slips/print?pad=", "/summary?community=", "/patrols/log?community=", "/dashboard?grid="):
        assert client.get(path + value).status_code == 404, (path, value)


@pytest.mark.parametrize("day", ODD_DAYS)
def test_odd_days_are_a_message_beside_the_day_picker(client, login_as, day):
    """Every page and export that reads ?day= answers a bad day with its page (today's figures) and the
    message beside the day picker, a 422: never a bare 400, never a file of the wrong day."""
    login_as("secretary")
    pages = {"/summary": "每日汇总", "/summary.csv": "每日汇总", "/summary.xlsx": "每日汇总",
             "/patrols/log": "巡查日志", "/patrols/log.csv": "巡查日志"}
    for path, heading in pages.items():
        for extra in ({}, {"print": 1}) if path == "/summary" else ({},):
            answer = client.get(path, query_string={"day": day, **extra})
            assert answer.status_code == 422 and answer.mimetype == "text/html", (path, day, answer.status_code)
            html = answer.get_data(as_text=True)
            assert f"<h1>{heading}</h1>" in html, path
            picker = html.split('<label for="day">')[1].split("</form>")[0]
            assert 'aria-invalid="true"' in picker and 'id="day-error"' in picker and "2000-01-01" in picker, path
    login_as("admin")
    assert client.get("/summary/street", query_string={"day": day}).status_code == 422, day


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_odd_days_in_forms_are_422(app, client, login_as, day):
    login_as("secretary")
    response = _post(client, "/summary", day=day, comment="x")
    assert response.status_code == 422
    response = _post(client, "/patrols/log/signoff", day=day, comment="x")
    assert response.status_code == 422
    response = _post(client, "/campaigns", name="测试", community_id="1", grid_id="0", starts_on=day,
                     ends_on="2026-12-01", max_attempts="3")
    assert response.status_code == 422


@pytest.mark.parametrize("value", HUGE)
def test_form_ids_are_4xx(app, client, login_as, world, value):
    from webapp.extensions import db
    from webapp.models import Checkpoint, Route, RoutePatroller, SelfReport, User

    with app.app_context():
        volunteer = db.session.scalar(select(User.id).where(User.username == "volunteer"))
        route = db.session.scalar(select(Route).join(RoutePatroller).where(RoutePatroller.user_id == volunteer))
        token = db.session.get(Checkpoint, route.stops[0].checkpoint_id).token
        report = SelfReport(grid_id=world.volunteer_grid, request_id=uuid.uuid4().hex, name="某人",
                            phone="13700000000", address_text="长庚里1号", category="local_permanent")
        db.session.add(report)
        db.session.commit()
        report_id = report.id
    login_as("volunteer")
    assert _post(client, "/patrols/start", route_id=value).status_code in (400, 404, 422)
    assert _post(client, f"/c/{token}", patrol_id=value, result="normal").status_code in (400, 404, 422)
    assert _post(client, f"/c/{token}", patrol_id="1", result="finding", finding_kind="other", note="x",
                 resolution="handed", work_group_id=value).status_code in (400, 404, 422)
    for field in ("household_id", "building_id"):
        status = _post(client, f"/inbox/reports/{report_id}/confirm", **{field: value}, room="101").status_code
        assert status in (400, 404, 422), (field, status)


def test_a_room_with_superscripts_makes_a_sane_floor(app):
    from webapp.slips.services import _floor_of

    assert _floor_of("²01") == 1 and _floor_of("9999999999999999") == 200 and _floor_of("1502") == 15

"""What a phone walkthrough of the daily summary and the admin's roll-ups found: the print view leads back,
signing is confirmed where the user looks, a bad ?day= is a message beside the day picker, and the
roll-ups link down to each community."""
import re
import uuid
from datetime import date, timedelta

import pytest

from tests.conftest import csrf_token_from
from tests.doors.helpers import count

DAY = date(2026, 11, 20)


def _today(app):
    from webapp.clock import local_today

    with app.app_context():
        return local_today()


def test_the_print_view_leads_back_to_the_summary(client, login_as, world):
    login_as("secretary")
    html = client.get("/summary", query_string={"print": 1, "day": DAY.isoformat(),
                                                "community": world.first_community}).get_data(as_text=True)
    head = re.search(r'<header class="no-print sheet-head">(.*?)</header>', html, re.S)
    assert head, "the print view has a header that is not printed"
    link = re.search(r'<a href="([^"]+)">‹ ([^<]+)</a>', head.group(1))
    assert link and link.group(2) == "返回每日汇总"
    assert link.group(1).replace("&amp;", "&") == f"/summary?community={world.first_community}&day={DAY.isoformat()}"
    assert client.get(link.group(1).replace("&amp;", "&")).status_code == 200


def _sign_form(client, comment="全部完成", day=DAY):
    return {"csrf_token": csrf_token_from(client, f"/summary?day={DAY.isoformat()}"),
            "request_id": uuid.uuid4().hex, "day": day.isoformat(), "comment": comment}


def test_signing_without_javascript_confirms_at_the_top(app, client, login_as, world):
    from webapp.models import DailySummary

    login_as("secretary")
    answer = client.post("/summary", data=_sign_form(client))
    assert answer.status_code == 303
    html = client.get(answer.headers["Location"]).get_data(as_text=True)
    flash = re.search(r'<p class="flash success" role="status">([^<]+)</p>', html)
    assert flash and "已签批并上报" in flash.group(1) and "2026-11-20" in flash.group(1)
    assert html.index(flash.group(0)) < html.index("<h1>")  # above everything else on the page
    assert count(app, DailySummary) == 1
    # Shown once: the next look at the page has no confirmation left over.
    assert "已签批并上报" not in client.get(answer.headers["Location"]).get_data(as_text=True)


def test_signing_with_htmx_confirms_beside_the_button(app, client, login_as, world):
    from webapp.models import DailySummary

    login_as("secretary")
    form = _sign_form(client)
    answer = client.post(f"/summary?community={world.first_community}", data=form, headers={"HX-Request": "true"})
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert "<html" not in html  # the sign card alone
    assert 'id="sign"' in html and 'hx-post="/summary?community=' in html
    assert "重新签批" in html.split('<button type="submit" class="primary">')[1].split("</button>")[0]
    # Right under the card's heading, which htmx scrolls to the top of the screen.
    status = re.search(r'<h2>签批上报</h2>\s*<p class="flash success" role="status">([^<]+)</p>', html)
    assert status and "已签批并上报" in status.group(1)
    assert form["request_id"] not in html  # a fresh request id for signing again
    # The same request again (a double tap) signs once.
    assert client.post("/summary", data=form, headers={"HX-Request": "true"}).status_code == 200
    assert count(app, DailySummary) == 1


def test_the_summary_page_has_the_sign_card_for_htmx(client, login_as):
    login_as("secretary")
    html = client.get("/summary").get_data(as_text=True)
    card = html.split('<section class="card" id="sign">')[1].split("</section>")[0]
    assert 'hx-target="#sign"' in card and 'hx-swap="outerHTML show:#sign:top"' in card and 'method="post"' in card


@pytest.mark.parametrize("bad", ["abc", "2026-13-45", "2099-01-01", "tomorrow", "1999-12-31", "2026-02-30"])
def test_a_bad_day_is_a_message_beside_the_day_picker(app, client, login_as, world, bad):
    from webapp.models import DailySummary

    if bad == "tomorrow":
        bad = (_today(app) + timedelta(days=1)).isoformat()
    login_as("secretary")
    for query in ({"day": bad}, {"day": bad, "print": 1}):
        answer = client.get("/summary", query_string=query)
        assert answer.status_code == 422
        html = answer.get_data(as_text=True)
        assert "<h1>每日汇总</h1>" in html and '<section class="card" id="sign">' in html  # the normal page
        picker = html.split('<label for="day">')[1].split("</form>")[0]
        assert 'aria-invalid="true"' in picker and 'aria-describedby="day-error"' in picker
        error = re.search(r'<p class="error" id="day-error" role="alert">([^<]+)</p>', picker)
        assert error and "2000-01-01" in error.group(1) and _today(app).isoformat() in error.group(1)
        assert f'value="{_today(app).isoformat()}"' in picker  # today's figures, and the picker says so
    assert count(app, DailySummary) == 0
    login_as("admin")
    answer = client.get("/summary/street", query_string={"day": bad})
    assert answer.status_code == 422
    assert 'id="day-error"' in answer.get_data(as_text=True) and "<h1>街道汇总</h1>" in answer.get_data(as_text=True)


def test_a_day_to_come_cannot_be_signed(app, client, login_as):
    from webapp.models import DailySummary

    login_as("secretary")
    tomorrow = _today(app) + timedelta(days=1)
    answer = client.post("/summary", data=_sign_form(client, day=tomorrow))
    assert answer.status_code == 422
    assert "不能签批尚未到来的日子" in answer.get_data(as_text=True)
    assert count(app, DailySummary) == 0


def test_good_days_still_answer_200(app, client, login_as):
    login_as("secretary")
    assert client.get("/summary", query_string={"day": _today(app).isoformat()}).status_code == 200
    assert client.get("/summary", query_string={"day": "2000-01-01"}).status_code == 200
    assert 'id="day-error"' not in client.get("/summary").get_data(as_text=True)


def test_the_district_roll_up_links_down_to_each_community(app, client, login_as, world):
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import Community

    with app.app_context():
        communities = dict(db.session.execute(select(Community.id, Community.name)).all())
    login_as("admin")
    html = client.get("/dashboard/district").get_data(as_text=True)
    links = dict((int(i), name) for i, name in
                 re.findall(r'<th scope="row"><a class="row-link" href="/dashboard\?community=(\d+)">([^<]+)</a>', html))
    assert links == communities
    for community_id, name in links.items():
        page = client.get(f"/dashboard?community={community_id}")
        assert page.status_code == 200 and name in page.get_data(as_text=True)
    street = client.get("/summary/street", query_string={"day": DAY.isoformat()}).get_data(as_text=True)
    down = dict((int(i), name) for i, name in re.findall(
        r'<a class="row-link" href="/summary\?community=(\d+)&amp;day=2026-11-20">([^<]+)</a>', street))
    assert down == communities
    for community_id in down:
        assert client.get(f"/summary?community={community_id}&day={DAY.isoformat()}").status_code == 200


def test_the_roll_ups_stay_the_admins(client, login_as, world):
    login_as("secretary")
    assert client.get("/dashboard/district").status_code == 404
    assert client.get("/summary/street", query_string={"day": "abc"}).status_code == 404
    # What the roll-up links to stays out of a secretary's reach outside her community.
    assert client.get(f"/dashboard?community={world.second_community}").status_code == 404
    assert client.get(f"/summary?community={world.second_community}").status_code == 404


def test_a_refused_sign_with_htmx_is_the_card_with_its_message(app, client, login_as):
    from webapp.models import DailySummary

    login_as("secretary")
    answer = client.post("/summary", data=_sign_form(client, comment="长" * 1001), headers={"HX-Request": "true"})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "<html" not in html and 'id="sign"' in html
    assert re.search(r'<p class="error" id="comment-error">[^<]+1000', html)
    assert 'role="status"' not in html and count(app, DailySummary) == 0

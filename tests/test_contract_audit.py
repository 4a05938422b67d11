"""DESIGN.md's promises as an outside checker reads them, where the app once kept them only in part."""
import re

import pytest

from tests.conftest import csrf_token_from
from tests.doors.helpers import HX, count, knock

OUTCOMES = ("verified", "not_home", "refused", "vacant", "moved_out", "wrong_address")


def _knock_form(html: str) -> str | None:
    """The card's form whose fields include `outcome` (DESIGN.md), or None."""
    return next((form for form in re.findall(r"<form.*?</form>", html, re.DOTALL) if 'name="outcome"' in form), None)


def _fields(form: str) -> dict:
    return dict(re.findall(r'name="(csrf_token|request_id)"[^>]*value="([^"]*)"', form))


def test_a_card_reopened_right_after_a_knock_still_has_the_knock_form(app, client, login_as, world):
    """Contract: the card at /h/<token> has a form with outcome, channel, note and a hidden request_id.
    Reopened within the undo window it showed only what was logged, so a second attempt had no form."""
    from webapp.models import Visit

    login_as("volunteer")
    card = f"/h/{world.volunteer_household}"
    for attempt in (1, 2, 3):
        html = client.get(card).get_data(as_text=True)
        form = _knock_form(html)
        assert form is not None, f"attempt {attempt}: no form with an outcome field on the card"
        for name in ('name="channel"', 'name="note"'):
            assert name in form
        assert re.search(r'<input type="hidden" name="request_id" value="[\w-]+">', form)
        assert all(f'value="{value}"' in form for value in OUTCOMES)
        fields = _fields(form)
        answer = client.post(card, data={**fields, "outcome": "not_home", "channel": "door", "note": ""})
        assert answer.status_code == 200
        assert 'name="slip_code"' in answer.get_data(as_text=True)
        assert count(app, Visit) == attempt
    # The reopened card shows what was just logged (undo, slip) above the form, and one #knock only.
    html = client.get(card).get_data(as_text=True)
    assert html.count('id="knock"') == 1 and "撤销" in html and 'name="slip_code"' in html


def test_the_form_on_a_reopened_card_sends_by_htmx_and_replaces_both(app, client, login_as, world):
    from webapp.models import Visit

    login_as("volunteer")
    card = f"/h/{world.volunteer_household}"
    knock(client, world.volunteer_household, "not_home")
    html = client.get(card).get_data(as_text=True)
    area = html.split('<div id="knock-area">')[1]
    # What was logged, then the form for another outcome right below it: no button leading to that form.
    assert area.count("记录其他结果") == 1 and "again=1" not in area, area[:3000]
    form = _knock_form(area)
    assert 'hx-target="#knock-area"' in form and 'hx-swap="innerHTML"' in form and 'data-queue="knock"' in form
    fields = _fields(form)
    answer = client.post(card, data={**fields, "outcome": "verified", "channel": "phone", "note": ""},
                         headers={**HX, "X-CSRFToken": fields["csrf_token"]})
    fragment = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "<html" not in fragment and 'id="knock"' in fragment
    assert count(app, Visit) == 2
    # The same request id again: the first answer, no second row.
    client.post(card, data={**fields, "outcome": "verified", "channel": "phone", "note": ""},
                headers={**HX, "X-CSRFToken": fields["csrf_token"]})
    assert count(app, Visit) == 2


@pytest.mark.parametrize("page", ["-1", "0", "abc", "1.5", "²", "99999999999999999999"])
def test_an_out_of_range_page_number_is_a_4xx(client, login_as, page):
    """Contract: every integer from a request is range-checked; out of range is a 4xx (was: page 1)."""
    login_as("secretary")
    for path in ("/revisits", "/cases", "/audit"):
        good = client.get(path, query_string={"page": "2"})
        assert good.status_code == 200, path
        answer = client.get(path, query_string={"page": page})
        assert 400 <= answer.status_code < 500, (path, page, answer.status_code)
    assert 400 <= client.get("/inbox", query_string={"replies_page": page}).status_code < 500
    assert 400 <= client.get("/slips", query_string={"pads_page": page}).status_code < 500
    assert client.get("/slips", query_string={"pads_page": "2"}).status_code == 200


def test_a_page_number_in_range_still_shows_the_list(client, login_as):
    login_as("secretary")
    assert client.get("/revisits?page=100000").status_code == 200  # shows at most MOST_PAGES pages
    assert client.get("/revisits").status_code == 200
    assert csrf_token_from(client, "/revisits")


def test_logout_typed_as_an_address_offers_the_button_and_the_post_ends_every_session(app, client, auth, login_as):
    """/logout by GET (typed, bookmarked) was a bare 405; it now shows the button, and changes nothing itself."""
    login_as("volunteer")
    page = client.get("/logout")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'action="/logout"' in html and "退出登录" in html
    assert client.get("/").status_code == 200  # the GET logged nobody out
    token = re.search(r'name="csrf_token" value="([^"]+)"', html.split("<main")[1]).group(1)
    assert client.post("/logout", data={"csrf_token": token}).status_code in (302, 303)
    assert client.get("/").status_code == 302
    # Logged out, /logout leads to the login page.
    assert client.get("/logout").headers["Location"].startswith("/login")


def test_the_campaign_glossary_word_on_the_slips_page(client, login_as):
    """Glossary: 排查行动 is Campaign (the slips figures said 活动)."""
    from flask_babel import force_locale, gettext

    with client.application.test_request_context(), force_locale("zh_Hans_CN"):
        assert gettext("Earlier campaigns") == "更早的排查行动"


def test_an_invite_made_with_the_forms_defaults_can_be_joined_at_once(app, client, login_as, world):
    """Contract: /join/<token> is a public page with the fields username, name, phone, password. An invite
    made with the form as shown defaulted to 14:00–20:00, so before 14:00 its link had no form."""
    from webapp.clock import local_now

    login_as("secretary")
    html = client.get("/invites").get_data(as_text=True)
    form = next(f for f in re.findall(r"<form.*?</form>", html, re.DOTALL) if 'name="max_joins"' in f)
    shown = dict(re.findall(r'name="(csrf_token|request_id|day|starts|ends|max_joins)"[^>]*value="([^"]*)"', form))
    with app.app_context():
        now = local_now()
    assert shown["day"] == now.date().isoformat() and shown["starts"] <= now.strftime("%H:%M") < shown["ends"]
    action = re.search(r'action="([^"#]+)', form).group(1).replace("&amp;", "&")
    made = client.post(action, data={**shown, "title": "自来水公司支援", "role": "volunteer",
                                     "grids": str(world.volunteer_grid)}, follow_redirects=True)
    assert made.status_code == 200, made.status_code
    token = re.search(r"/join/([\w-]+)", made.get_data(as_text=True)).group(1)
    client.post("/logout", data={"csrf_token": csrf_token_from(client, "/")})
    page = client.get(f"/join/{token}")
    names = set(re.findall(r'name="(\w+)"', page.get_data(as_text=True).split("<main")[1]))
    assert page.status_code == 200 and {"username", "name", "phone", "password"} <= names


def test_every_post_form_on_the_everyday_pages_carries_csrf_and_a_request_id(client, auth, login_as, world):
    """Every write form carries a request id, every POST a CSRF token: the log-in, log-out and language forms
    too (they had the CSRF token only)."""
    pages = {None: ["/login", "/join"], "volunteer": ["/", f"/h/{world.volunteer_household}",
                                                      f"/buildings/{world.volunteer_building}/walk", "/logout"],
             "secretary": ["/users", "/invites", "/registry/import"]}
    for user, paths in pages.items():
        if user:
            login_as(user)
        for path in paths:
            html = client.get(path).get_data(as_text=True)
            forms = re.findall(r'<form[^>]*method="post".*?</form>', html, re.DOTALL)
            assert forms, path
            for form in forms:
                assert 'name="csrf_token"' in form, (path, form[:120])
                assert re.search(r'name="([\w-]+-)?request_id" value="[\w-]+"', form), (path, form[:160])
        if user:
            auth.logout()

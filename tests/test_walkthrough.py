"""What a phone walkthrough found (issue #13), across journeys: favicon, local times in exports,
success messages, keypads, one set of outcome words."""
import csv
import io
import re
import uuid

from sqlalchemy import select

from tests.conftest import csrf_token_from
from tests.doors.helpers import knock


def test_the_favicon_is_a_small_icon_not_a_404_page(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    assert len(response.get_data()) < 1024
    assert '<link rel="icon" href="/favicon.ico"' in client.get("/login").get_data(as_text=True)


def test_the_summary_exports_print_the_sign_off_in_local_time(app, client, login_as, world):
    from webapp.clock import local_naive, local_today
    from webapp.extensions import db
    from webapp.models import DailySummary

    login_as("secretary")
    with app.app_context():
        day = local_today().isoformat()
    csrf = csrf_token_from(client, "/summary")
    client.post("/summary", data={"csrf_token": csrf, "request_id": uuid.uuid4().hex, "day": day, "comment": "好"})
    with app.app_context():
        signed_at = db.session.scalar(select(DailySummary.signed_at))
        local = local_naive(signed_at).isoformat(" ", "minutes")
        utc = signed_at.isoformat(" ", "minutes")
    assert local != utc  # Asia/Shanghai is UTC+8
    rows = list(csv.reader(io.StringIO(client.get("/summary.csv", query_string={"day": day})
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    signed_row = next(row for row in rows if row[0] == "签批人")
    assert signed_row[2] == local
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(client.get("/summary.xlsx", query_string={"day": day}).get_data())).active
    cells = [str(value) for row in sheet.iter_rows(values_only=True) for value in row if value is not None]
    assert local in cells and utc not in cells


def test_ending_a_round_says_so(app, client, login_as):
    from tests.patrols.test_views import _patrol_id, _route, _scan, _start

    route_id, tokens, _ = _route(app, "volunteer")
    login_as("volunteer")
    patrol_id = _patrol_id(_start(client, route_id))
    for token in tokens:
        _scan(client, token, patrol_id)
    csrf = csrf_token_from(client, f"/patrols/{patrol_id}")
    ended = client.post(f"/patrols/{patrol_id}/end", data={"csrf_token": csrf, "request_id": uuid.uuid4().hex},
                        follow_redirects=True)
    assert ended.status_code == 200
    assert re.search(r'<p class="flash success" role="status">长庚里一日三巡 第 \d 轮巡查已结束。</p>',
                     ended.get_data(as_text=True))


def test_ending_a_round_without_a_reason_shows_the_message_at_the_top_and_focuses_the_field(app, client, login_as):
    from tests.patrols.test_views import _patrol_id, _route, _start

    route_id, _tokens, _ = _route(app, "volunteer")
    login_as("volunteer")
    patrol_id = _patrol_id(_start(client, route_id))
    csrf = csrf_token_from(client, f"/patrols/{patrol_id}")
    html = client.post(f"/patrols/{patrol_id}/end", data={"csrf_token": csrf, "request_id": uuid.uuid4().hex}) \
        .get_data(as_text=True)
    main = html.split('<main id="main">')[1]
    assert main.index('role="alert"') < main.index("<h2>")  # before the first section, not at the bottom
    assert re.search(r'<textarea[^>]*autofocus[^>]*name="reason"|<textarea[^>]*name="reason"[^>]*autofocus', html)


def test_confirming_a_slip_answer_in_the_inbox_says_so(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import SlipReply
    from tests.slips.helpers import not_home_with_slip, slip_codes

    code = slip_codes(app, world.first_community)[1]
    login_as("volunteer")
    not_home_with_slip(app, client, world.volunteer_household, code)
    with app.app_context():
        from webapp.models import NoteSlip

        slip = db.session.scalar(select(NoteSlip).where(NoteSlip.code == code))
        reply = SlipReply(slip_id=slip.id, request_id=uuid.uuid4().hex, kind="call_me", phone="13800138000")
        db.session.add(reply)
        db.session.commit()
        reply_id = reply.id
    inbox = client.get("/inbox").get_data(as_text=True)
    assert 'href="tel:13800138000"' in inbox  # tap to call
    csrf = csrf_token_from(client, "/inbox")
    done = client.post(f"/inbox/replies/{reply_id}/confirm", follow_redirects=True,
                       data={"csrf_token": csrf, "request_id": uuid.uuid4().hex, "outcome": "verified", "note": ""})
    assert done.status_code == 200 and "已确认" in done.get_data(as_text=True)


def test_phone_fields_bring_up_a_phone_keypad(client, login_as, world):
    login_as("volunteer")
    card = client.get(f"/h/{world.volunteer_household}").get_data(as_text=True)
    phones = re.findall(r'<input[^>]*name="[^"]*phone"[^>]*>', card)
    assert phones and all('type="tel"' in tag and 'inputmode="tel"' in tag for tag in phones)


def test_walk_and_card_use_one_set_of_outcome_words(client, login_as, world):
    login_as("volunteer")
    card = client.get(f"/h/{world.volunteer_household}").get_data(as_text=True)
    walk = client.get(f"/buildings/{world.volunteer_building}/walk").get_data(as_text=True)
    for word in ("已核实", "无人在家", "拒绝配合", "空置"):
        assert word in card and word in walk
    assert ">核实<" not in walk and ">不在家<" not in walk


def test_a_vacant_door_does_not_say_vacant_twice(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import Household

    login_as("volunteer")
    knock(client, world.volunteer_household, "vacant")
    card = client.get(f"/h/{world.volunteer_household}").get_data(as_text=True)
    meta = card.split('id="door-meta"')[1].split("</p>")[0]
    assert meta.count("空置") == 1
    walk = client.get(f"/buildings/{world.volunteer_building}/walk").get_data(as_text=True)
    with app.app_context():
        household_id = db.session.scalar(select(Household.id).where(
            Household.sticker_token == world.volunteer_household))
    row = walk.split(f'id="h-{household_id}"')[1].split("</li>")[0]
    assert row.split("<form")[0].count("空置") == 1  # the outcome buttons below say it once more, as a choice
    head = row.split("</div>")[0]
    assert head.count("空置") == 1


def test_escalations_do_not_say_reported_up(client, login_as, world):
    login_as("secretary")
    html = client.get("/campaigns").get_data(as_text=True) + client.get("/dashboard").get_data(as_text=True)
    assert "已上报" not in html


def test_the_campaign_form_asks_for_a_name_not_a_persons_name(client, login_as):
    login_as("secretary")
    html = client.get("/campaigns").get_data(as_text=True)
    label = re.search(r'<label for="name">([^<]*)</label>', html).group(1)
    assert "名称" in label and "姓名" not in label


def test_every_htmx_form_answers_an_error_with_its_fragment_never_the_page(app, client, login_as, world):
    """The hx- forms of the card (knock, residents), the slip binding and the checkpoint scan: a 422 to htmx
    is the swapped piece with its message, never a page with a second header."""
    from tests.slips.helpers import last_visit_id
    from tests.patrols.test_views import _patrol_id, _route, _scan, _start

    login_as("volunteer")
    token = world.volunteer_household
    csrf = csrf_token_from(client, f"/h/{token}")
    hx = {"HX-Request": "true", "X-CSRFToken": csrf}
    answers = {
        "knock": client.post(f"/h/{token}", headers=hx, data={"csrf_token": csrf, "request_id": uuid.uuid4().hex,
                                                               "outcome": "party", "channel": "door"}),
        "add person": client.post(f"/h/{token}/residents", headers=hx, data={
            "csrf_token": csrf, "new-request_id": uuid.uuid4().hex, "new-name": "", "new-category": "local_permanent",
            "new-phone": "abc"}),
    }
    knock(client, token, "not_home")
    answers["slip"] = client.post(f"/h/{token}/visits/{last_visit_id(app)}/slip", headers=hx, data={
        "csrf_token": csrf, "request_id": uuid.uuid4().hex, "slip_code": "XXXX"})
    route_id, tokens, _ = _route(app, "volunteer")
    patrol_id = _patrol_id(_start(client, route_id))
    answers["scan"] = _scan(client, tokens[0], patrol_id, htmx=True, result="finding")
    for name, response in answers.items():
        html = response.get_data(as_text=True)
        assert response.status_code == 422, name
        assert "<html" not in html and "<header" not in html and 'class="error' in html, name


def test_a_residents_correction_form_carries_its_own_request_id(app, client, login_as, world):
    """The resident forms are prefixed (r12-name …): their request id must be too, or every save is a 422."""
    login_as("volunteer")
    card = client.get(f"/h/{world.volunteer_household}").get_data(as_text=True)
    form = card.split('/residents/', 1)[1].split("</form>")[0]
    resident_id = form.split('"', 1)[0]
    request_id = re.search(rf'name="r{resident_id}-request_id" value="([\w-]+)"', form).group(1)
    csrf = csrf_token_from(client, f"/h/{world.volunteer_household}")
    saved = client.post(f"/h/{world.volunteer_household}/residents/{resident_id}", data={
        "csrf_token": csrf, f"r{resident_id}-request_id": request_id, f"r{resident_id}-name": "张更正",
        f"r{resident_id}-category": "local_permanent", f"r{resident_id}-phone": ""})
    assert saved.status_code == 303


def test_the_csv_says_its_charset_once_even_compressed(client, login_as):
    login_as("secretary")
    for encoding in ("identity", "gzip", "br"):
        response = client.get("/summary.csv", headers={"Accept-Encoding": encoding})
        assert response.status_code == 200
        assert response.headers["Content-Type"].lower().count("charset") == 1, response.headers["Content-Type"]


def test_a_refused_knock_from_the_walk_answers_with_the_row(app, client, login_as, world):
    """The walk swaps a door's row: a 422 there is that row with its message, not the card's knock form."""
    login_as("volunteer")
    csrf = csrf_token_from(client, f"/buildings/{world.volunteer_building}/walk")
    response = client.post(f"/h/{world.volunteer_household}", headers={"HX-Request": "true", "X-CSRFToken": csrf},
                           data={"csrf_token": csrf, "request_id": uuid.uuid4().hex, "outcome": "party",
                                 "return_to": "walk"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.lstrip().startswith('<li id="h-') and 'class="error"' in html and 'id="knock"' not in html

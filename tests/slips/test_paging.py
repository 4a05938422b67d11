"""The inbox (answers to slips, self-reports) and a volunteer's own slips show every row, 50 at a time,
within the reader's scope: they used to stop at 200 rows without a word."""
import re
import uuid
from datetime import date, timedelta

from sqlalchemy import func, select

from tests.paging import HTMX, check_bad_pages, more_links, page_through, section


def _replies(html):
    return [int(n) for n in re.findall(r"回复第(\d+)条", html)]


def _reports(html):
    return [int(n) for n in re.findall(r'<span class="title">报备人(\d+)</span>', html)]


def _slips(html):
    return [int(a + b) for a, b in re.findall(r"MS(\d\d)-(\d{4})", html)]


def _replies_part(html):
    return section(html, "<h2>留言条回复")


def _reports_part(html):
    return section(html, "<h2>居民报备")


def _slip_world(app, make_world):
    """In a fresh community: the secretary left 80 slips on the tower (the lead's grid) with an answer each;
    the volunteer left 135 on the walk-up (their grid): 60 answered, 75 still waiting; one answer is handled.
    Times repeat in threes, so only the id keeps the order. Self-reports: 70 new in the volunteer's grid,
    30 new in the other grid, and 5 already confirmed."""
    from webapp.extensions import db
    from webapp.models import Household, NoteSlip, SelfReport, SlipPad, SlipReply, User, utcnow

    built = make_world()
    with app.app_context():
        users = {role: db.session.scalar(select(User.id).where(User.username == name))
                 for role, name in built.users.items()}
        walkup = db.session.scalars(select(Household.id).where(Household.building_id == built.walkup_id)).all()
        tower = db.session.scalars(select(Household.id).where(Household.building_id == built.tower_id)).all()
        pad = SlipPad(community_id=built.community_id, number=1, issued_to_id=users["volunteer"],
                      created_by_id=users["secretary"])
        db.session.add(pad)
        db.session.flush()
        start = utcnow() - timedelta(days=2)
        slips = []
        for n in range(1, 216):
            by_volunteer = n > 80
            slips.append(NoteSlip(code=f"MS{n:06d}", community_id=built.community_id, pad_id=pad.id, state="bound",
                                  household_id=(walkup[n % len(walkup)] if by_volunteer else tower[n % len(tower)]),
                                  bound_by_id=users["volunteer" if by_volunteer else "secretary"],
                                  bound_at=start + timedelta(minutes=n // 3)))
        db.session.add_all(slips)
        db.session.flush()
        answered = slips[:140]  # the secretary's 80 and the volunteer's first 60
        db.session.add_all([SlipReply(request_id=uuid.uuid4().hex, slip_id=slip.id, kind="message",
                                      message=f"回复第{n}条", created_at=start + timedelta(hours=1, minutes=n // 3))
                            for n, slip in enumerate(answered, start=1)])
        db.session.add(SlipReply(request_id=uuid.uuid4().hex, slip_id=slips[0].id, kind="message",
                                 message="回复第999条", created_at=start, handled_at=start))
        grids = [built.grid_ids[0]] * 70 + [built.grid_ids[1]] * 30
        db.session.add_all([SelfReport(request_id=uuid.uuid4().hex, grid_id=grid, name=f"报备人{n}",
                                       phone=f"1380000{n:04d}", address_text="试验里1号", category="local_permanent",
                                       created_at=start + timedelta(minutes=n // 3))
                            for n, grid in enumerate(grids, start=1)])
        db.session.add_all([SelfReport(request_id=uuid.uuid4().hex, grid_id=built.grid_ids[0], name=f"报备人{n}",
                                       phone="13800009999", address_text="试验里1号", category="local_permanent",
                                       state="confirmed") for n in range(901, 906)])
        db.session.commit()
    return built


def test_the_inbox_pages_both_lists_and_counts_them_all(app, client, login_as, make_world):
    built = _slip_world(app, make_world)
    login_as(built.users["secretary"])
    page = client.get("/inbox").get_data(as_text=True)
    assert '<span class="count">140</span>' in section(page, "<h2>留言条回复")
    assert '<span class="count">100</span>' in section(page, "<h2>居民报备")

    # Oldest first; equal times in the order they came (the id); none lost, none twice, none handled.
    replies = page_through(client, "/inbox", "replies_page", _replies, _replies_part)
    assert replies == list(range(1, 141))
    reports = page_through(client, "/inbox", "reports_page", _reports, _reports_part)
    assert reports == list(range(1, 101))

    # Each list keeps the other's page: the JS-off reader who opened both sees both opened.
    href, fetched = more_links(section(client.get("/inbox?replies_page=2").get_data(as_text=True), "<h2>居民报备"))
    assert "replies_page=2" in href and "reports_page=2" in href
    assert "replies_page" not in fetched  # htmx asks for the reports alone
    both = client.get(href).get_data(as_text=True)
    assert _replies(both) == list(range(1, 101)) and _reports(both) == list(range(1, 101))
    assert _replies(client.get(fetched, headers=HTMX).get_data(as_text=True)) == []

    check_bad_pages(client, "/inbox", "replies_page", _replies, _replies_part)
    check_bad_pages(client, "/inbox", "reports_page", _reports, _reports_part)


def test_the_inbox_keeps_to_the_readers_scope(app, client, auth, login_as, make_world):
    built = _slip_world(app, make_world)
    # The volunteer: answers to their own slips (60) and reports of their grid (70), nothing of the tower's.
    login_as(built.users["volunteer"])
    page = client.get("/inbox").get_data(as_text=True)
    assert '<span class="count">60</span>' in section(page, "<h2>留言条回复")
    assert '<span class="count">70</span>' in section(page, "<h2>居民报备")
    assert page_through(client, "/inbox", "replies_page", _replies, _replies_part) == list(range(81, 141))
    assert page_through(client, "/inbox", "reports_page", _reports, _reports_part) == list(range(1, 71))
    assert _replies(client.get("/inbox?replies_page=3", headers=HTMX).get_data(as_text=True)) == []
    # Another community's secretary sees none of them, on any page.
    auth.logout()
    login_as("secretary")
    for path in ("/inbox", "/inbox?replies_page=3", "/inbox?reports_page=2"):
        html = client.get(path).get_data(as_text=True)
        assert _replies(html) == [] and _reports(html) == []


def test_a_refused_confirmation_on_a_later_page_is_shown_with_its_message(app, client, auth, login_as, make_world):
    from webapp.extensions import db
    from webapp.models import SelfReport

    built = _slip_world(app, make_world)
    login_as(built.users["secretary"])
    with app.app_context():
        report_id = db.session.scalar(select(SelfReport.id).where(SelfReport.name == "报备人77"))
    response = client.post(f"/inbox/reports/{report_id}/confirm",
                           data={"csrf_token": auth.csrf("/inbox"), "request_id": uuid.uuid4().hex,
                                 "household_id": "", "building_id": str(built.walkup_id), "room": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert _reports(html) == list(range(1, 101))  # shown down to its page, the 2nd
    row = html[html.index("报备人77</span>"):html.index("报备人78</span>")]
    assert "请填写新住户的房号" in row or 'aria-invalid="true"' in row
    # Its "show more" links lead to the inbox, not to the form's address.
    assert more_links(section(html, "<h2>留言条回复"))[0] == "/inbox?replies_page=2"


def test_my_slips_pages_answered_and_waiting_and_counts_every_slip(app, client, auth, login_as, make_world):
    built = _slip_world(app, make_world)
    login_as(built.users["volunteer"])
    page = client.get("/slips/mine").get_data(as_text=True)
    stats = page[page.index('<dl class="stats">'):page.index("</dl>")]
    assert [int(n) for n in re.findall(r"<dd>(\d+)</dd>", stats)] == [135, 60, 75, 1]

    def answered(html):
        return _slips(section(html, "已回复</h2>")) if "已回复</h2>" in html else _slips(html)

    def waiting(html):
        return _slips(section(html, "等待回复</h2>")) if "等待回复</h2>" in html else _slips(html)

    # Newest first; equal times by the newest id first.
    def answered_part(html):
        return section(html, "已回复</h2>")

    def waiting_part(html):
        return section(html, "等待回复</h2>")

    assert page_through(client, "/slips/mine", "answered_page", answered, answered_part) == list(range(140, 80, -1))
    assert page_through(client, "/slips/mine", "waiting_page", waiting, waiting_part) == list(range(215, 140, -1))
    check_bad_pages(client, "/slips/mine", "waiting_page", waiting, waiting_part)
    # Only one's own slips: the secretary left none of these.
    auth.logout()
    login_as(built.users["secretary"])
    html = client.get("/slips/mine?answered_page=5&waiting_page=5").get_data(as_text=True)
    assert not set(_slips(html)) & set(range(81, 216))


def _pads(html):
    return [int(n) for n in re.findall(r'<span class="title">第 (\d+) 本 ·', html)]


def test_the_pads_of_a_community_show_every_one_a_page_at_a_time(app, client, auth, login_as, make_world):
    """120 pads (it used to show the newest 50 and nothing else), each with its own count of slips and first
    code; another community's pads never show."""
    from webapp.extensions import db
    from webapp.models import NoteSlip, SlipPad, User

    built, other = make_world(), make_world()
    with app.app_context():
        secretary = db.session.scalar(select(User.id).where(User.username == built.users["secretary"]))
        for community, pads in ((built.community_id, 120), (other.community_id, 3)):
            for n in range(1, pads + 1):
                pad = SlipPad(community_id=community, number=n, created_by_id=secretary,
                              issued_to_id=secretary if n % 2 else None)
                db.session.add(pad)
                db.session.flush()
                db.session.add_all([NoteSlip(code=f"{n:03d}P{community % 10}{k:02d}", community_id=community,
                                             pad_id=pad.id) for k in range(1 + n % 4)])
        db.session.commit()
    login_as(built.users["secretary"])
    page = client.get("/slips").get_data(as_text=True)
    assert '<span class="count">120</span>' in page
    pads = page_through(client, "/slips", "pads_page", _pads)
    assert pads == list(range(120, 0, -1))  # newest first, every one
    whole = client.get("/slips?pads_page=3").get_data(as_text=True)
    for n in (120, 77, 1):  # each row counts its own slips and shows its first code
        row = whole.split(f"第 {n} 本 · ")[1].split("</li>")[0]
        slips = 1 + n % 4
        assert row.startswith(f"{slips} 张") and f">{n:03d}P…" in row, row
    check_bad_pages(client, "/slips", "pads_page", _pads)


def test_an_answer_handled_on_a_later_page_comes_back_to_that_page(app, client, auth, login_as, make_world):
    """Handling an answer or a report far down the inbox returns to the pages the reader had open, not page
    1: the form carries them, and the redirect keeps them (without JavaScript, as the inbox works)."""
    from webapp.extensions import db
    from webapp.models import SelfReport, SlipReply

    built = _slip_world(app, make_world)
    login_as(built.users["secretary"])
    page = client.get("/inbox?replies_page=2&reports_page=2").get_data(as_text=True)
    with app.app_context():
        reply_id = db.session.scalar(select(SlipReply.id).where(SlipReply.message == "回复第77条"))
        report_id = db.session.scalar(select(SelfReport.id).where(SelfReport.name == "报备人88"))
    assert f'action="/inbox/replies/{reply_id}/confirm?replies_page=2&amp;reports_page=2"' in page
    assert f'action="/inbox/reports/{report_id}/dismiss?replies_page=2&amp;reports_page=2"' in page
    csrf = auth.csrf("/inbox")
    answer = client.post(f"/inbox/replies/{reply_id}/confirm?replies_page=2&reports_page=2",
                         data={"csrf_token": csrf, "request_id": uuid.uuid4().hex, "outcome": "verified", "note": ""})
    assert answer.status_code == 303 and answer.headers["Location"] == "/inbox?replies_page=2&reports_page=2"
    answer = client.post(f"/inbox/reports/{report_id}/dismiss?replies_page=2&reports_page=2",
                         data={"csrf_token": csrf, "request_id": uuid.uuid4().hex})
    assert answer.status_code == 303 and answer.headers["Location"] == "/inbox?replies_page=2&reports_page=2"
    back = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert _replies(back) == [n for n in range(1, 101) if n != 77] + [101]  # the rows around it, still shown
    assert 88 not in _reports(back) and 89 in _reports(back)
    # An action from page 1 still comes back to the plain inbox.
    with app.app_context():
        first = db.session.scalar(select(SlipReply.id).where(SlipReply.message == "回复第1条"))
    answer = client.post(f"/inbox/replies/{first}/confirm",
                         data={"csrf_token": csrf, "request_id": uuid.uuid4().hex, "outcome": "verified", "note": ""})
    assert answer.headers["Location"] == "/inbox"


def test_the_doors_still_silent_after_a_slip_show_every_one_a_page_at_a_time(app, client, login_as, make_world):
    """A campaign with 130 doors silent after a slip: /slips counted them and listed every one on one page.
    Now the figures are counts, and the doors come 50 at a time, the longest waiting first. An answered slip,
    or a door reached since, is not silent."""
    from webapp.extensions import db
    from webapp.models import Household, NoteSlip, SlipPad, SlipReply, User, Visit, utcnow

    built = make_world(tower_floors=35)
    with app.app_context():
        volunteer = db.session.scalar(select(User.id).where(User.username == built.users["volunteer"]))
        doors = db.session.scalars(select(Household.id).where(Household.community_id == built.community_id)
                                   .order_by(Household.id)).all()
        assert len(doors) >= 150
        pad = SlipPad(community_id=built.community_id, number=1, created_by_id=volunteer)
        db.session.add(pad)
        db.session.flush()
        start = utcnow() - timedelta(days=1)
        for n in range(1, 151):  # 1–130 silent; 131–140 answered; 141–150 at doors reached since
            at = start + timedelta(minutes=n // 3)
            visit = Visit(request_id=uuid.uuid4().hex, household_id=doors[n], campaign_id=built.campaign_id,
                          user_id=volunteer, outcome="not_home", visited_at=at)
            db.session.add(visit)
            db.session.flush()
            slip = NoteSlip(code=f"SL{n:06d}", community_id=built.community_id, pad_id=pad.id, state="bound",
                            household_id=doors[n], visit_id=visit.id, bound_by_id=volunteer, bound_at=at)
            db.session.add(slip)
            db.session.flush()
            if 131 <= n <= 140:
                db.session.add(SlipReply(request_id=uuid.uuid4().hex, slip_id=slip.id, kind="message",
                                         message="在家", created_at=at + timedelta(hours=2)))
            if n > 140:
                db.session.add(Visit(request_id=uuid.uuid4().hex, household_id=doors[n], campaign_id=built.campaign_id,
                                     user_id=volunteer, outcome="verified", visited_at=at + timedelta(hours=3)))
        db.session.commit()
    login_as(built.users["secretary"])
    page = client.get("/slips").get_data(as_text=True)
    card = page.split("<h2>试验走访</h2>")[1].split("</section>")[0]
    assert "<dt>已留条</dt><dd>150</dd>" in card and "<dt>已回复</dt><dd>10</dd>" in card
    assert "<dd>2.0 <small>小时</small></dd>" in card  # the median wait for the first answer
    assert '留条后仍无回音 <span class="count">130</span>' in card

    def silent(html):
        return [int(n) for n in re.findall(r"SL(\d\d)-(\d{4})", html) for n in [n[0] + n[1]]]

    name = f"silent{built.campaign_id}_page"
    assert page_through(client, "/slips", name, silent) == list(range(1, 131))
    check_bad_pages(client, "/slips", name, silent)


def test_every_campaign_of_the_community_is_reachable_a_few_at_a_time(app, client, login_as, make_world):
    """/slips showed the latest five campaigns and nothing of the earlier ones. Now five come at a time, the
    newest first, and "earlier campaigns" brings the next five (in place with htmx; without JavaScript the
    page shows every campaign up to there). An earlier campaign's silent doors page like the first's."""
    from webapp.extensions import db
    from webapp.models import Campaign, Household, NoteSlip, SlipPad, User, Visit, utcnow

    built = make_world()
    with app.app_context():
        secretary = db.session.scalar(select(User.id).where(User.username == built.users["secretary"]))
        first = db.session.get(Campaign, built.campaign_id)
        first.name = "第0轮走访"
        first.starts_on = first.ends_on = date.today() - timedelta(days=400)
        doors = db.session.scalars(select(Household.id).where(Household.community_id == built.community_id)
                                   .order_by(Household.id)).all()
        assert len(doors) >= 60
        oldest_other = None
        for n in range(1, 13):  # 12 more campaigns, one a month; 第1轮 the oldest of them
            day = date.today() - timedelta(days=30 * (13 - n))
            campaign = Campaign(community_id=built.community_id, name=f"第{n}轮走访", starts_on=day, ends_on=day)
            db.session.add(campaign)
            oldest_other = oldest_other or campaign
        db.session.commit()
        oldest_id = oldest_other.id
    login_as(built.users["secretary"])

    def rounds(html):
        return [int(n) for n in re.findall(r"<h2>第(\d+)轮走访</h2>", html)]

    page = client.get("/slips").get_data(as_text=True)
    assert rounds(page) == [12, 11, 10, 9, 8]
    assert "更早的排查行动" in page and "显示更多" not in section(page, "<h2>第12轮走访")
    assert page_through(client, "/slips", "campaigns_page", rounds, size=5) == list(range(12, -1, -1))
    check_bad_pages(client, "/slips", "campaigns_page", rounds, size=5)

    with app.app_context():
        pad = SlipPad(community_id=built.community_id, number=1, created_by_id=secretary)
        db.session.add(pad)
        db.session.flush()
        start = utcnow() - timedelta(days=360)
        for n in range(1, 61):  # the oldest campaign's 60 doors, silent after a slip
            visit = Visit(request_id=uuid.uuid4().hex, household_id=doors[n], campaign_id=oldest_id,
                          user_id=secretary, outcome="not_home", visited_at=start + timedelta(minutes=n))
            db.session.add(visit)
            db.session.flush()
            db.session.add(NoteSlip(code=f"OL{n:06d}", community_id=built.community_id, pad_id=pad.id,
                                    state="bound", household_id=doors[n], visit_id=visit.id, bound_by_id=secretary,
                                    bound_at=start + timedelta(minutes=n)))
        db.session.commit()

    # The oldest campaign's silent doors (on the third page of campaigns): 50, then the rest in place.
    def silent(html):
        return [int(a + b) for a, b in re.findall(r"OL(\d\d)-(\d{4})", html)]

    everything = client.get("/slips?campaigns_page=3").get_data(as_text=True)
    card = section(everything, "<h2>第1轮走访</h2>")
    assert '留条后仍无回音 <span class="count">60</span>' in card and silent(card) == list(range(1, 51))
    plain, fetched = more_links(card)
    assert f"silent{oldest_id}_page=2" in fetched and "campaigns_page" not in fetched
    rest = client.get(fetched, headers=HTMX)
    assert rest.status_code == 200 and silent(rest.get_data(as_text=True)) == list(range(51, 61))
    assert "<h2>" not in rest.get_data(as_text=True)  # the rows alone, not campaign cards
    # Without JavaScript the same link keeps the campaigns shown and shows all 60 doors.
    whole = client.get(plain).get_data(as_text=True)
    assert rounds(whole) == list(range(12, -1, -1)) and silent(whole) == list(range(1, 61))

    # A campaign id that is not this community's asks for nothing: the secretary's own page, whole.
    other = client.get("/slips?silent999999_page=2", headers=HTMX)
    assert other.status_code == 200 and rounds(other.get_data(as_text=True)) == [12, 11, 10, 9, 8]


def test_a_refused_confirmation_of_an_answer_is_shown_beside_its_field_where_it_is(app, client, auth, login_as,
                                                                                    make_world):
    """Confirming an answer with a bad form (an outcome not offered, a note past 500 characters: only a
    hand-made post or an old page can send them) answered a bare 422 error page. Now it is the inbox again,
    shown down to that answer's page, with the message beside the field and what was typed kept; nothing
    is written."""
    from webapp.extensions import db
    from webapp.models import SlipReply, Visit

    built = _slip_world(app, make_world)
    login_as(built.users["secretary"])
    with app.app_context():
        reply_id = db.session.scalar(select(SlipReply.id).where(SlipReply.message == "回复第77条"))
        visits = db.session.scalar(select(func.count(Visit.id)))
    csrf = auth.csrf("/inbox")
    cases = [({"outcome": "escaped", "note": "打过电话"}, f'id="outcome-{reply_id}-error"', "请选择"),
             ({"outcome": "moved_out", "note": "长" * 501}, f'id="note-{reply_id}-error"', "500")]
    for sent, error_id, words in cases:
        answer = client.post(f"/inbox/replies/{reply_id}/confirm",
                             data={"csrf_token": csrf, "request_id": uuid.uuid4().hex, **sent})
        assert answer.status_code == 422
        html = answer.get_data(as_text=True)
        assert "<h2>留言条回复" in html and 77 in _replies(html)  # the inbox, down to the answer's page (2)
        row = html.split("回复第77条")[1].split("</li>")[0]
        assert error_id in row and words in row.split(error_id)[1].split("</p>")[0]
        assert 'aria-invalid="true"' in row
        if sent["outcome"] == "moved_out":  # what was chosen and typed is kept
            assert '<option value="moved_out" selected>' in row and f'value="{"长" * 501}"' in row
        # The other answers keep their blank forms.
        other = html.split("回复第76条")[1].split("</li>")[0]
        assert "error" not in other and 'value="长' not in other
    with app.app_context():
        assert db.session.get(SlipReply, reply_id).handled_at is None
        assert db.session.scalar(select(func.count(Visit.id))) == visits

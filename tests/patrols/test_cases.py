"""Cases (问题事项) after a finding is handed on: its reporter follows it, closing it says what was done,
and the list shows every case a page at a time."""
import re
import uuid

from sqlalchemy import func, select

from tests.conftest import csrf_token_from
from tests.patrols.test_views import _patrol_id, _route, _scan, _start

HTMX = {"HX-Request": "true"}


def _group(app, community_id, name="防控组"):
    from webapp.extensions import db
    from webapp.models import WorkGroup

    with app.app_context():
        return db.session.scalar(select(WorkGroup.id).where(WorkGroup.community_id == community_id,
                                                            WorkGroup.name == name))


def _report(app, client, login_as, linked=True):
    """The volunteer hands a broken seal to 防控组 on a round: (case id, patrol id, checkpoint token)."""
    from webapp.extensions import db
    from webapp.models import Case

    route_id, tokens, community_id = _route(app, "volunteer")
    login_as("volunteer")
    patrol_id = _patrol_id(_start(client, route_id))
    response = _scan(client, tokens[3], patrol_id, htmx=True, result="finding", finding_kind="seal_broken",
                     note="封条被撕开", resolution="handed", work_group_id=str(_group(app, community_id)))
    assert response.status_code == 200
    with app.app_context():
        case_id = db.session.scalar(select(Case.id))
    if linked:  # straight after the scan, the answer leads to the case it opened
        assert f'href="/cases/{case_id}"' in response.get_data(as_text=True)
    return case_id, patrol_id, tokens[3]


def _move(client, case_id, request_id=None, **fields):
    csrf = csrf_token_from(client, f"/cases/{case_id}")
    return client.post(f"/cases/{case_id}", data={"csrf_token": csrf, "request_id": request_id or uuid.uuid4().hex,
                                                  **fields})


def _events(app, case_id):
    from webapp.extensions import db
    from webapp.models import CaseEvent

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id))


def _status(app, case_id):
    from webapp.extensions import db
    from webapp.models import Case

    with app.app_context():
        return db.session.get(Case, case_id).status


def test_the_reporter_follows_their_case_but_cannot_move_it(app, client, login_as, auth):
    case_id, patrol_id, _token = _report(app, client, login_as)

    # From the round, and from "cases I reported" on the patrols page and in the cases list.
    assert f'href="/cases/{case_id}"' in client.get(f"/patrols/{patrol_id}").get_data(as_text=True)
    assert "我上报的事项" in client.get("/patrols").get_data(as_text=True)
    mine = client.get("/cases?show=mine").get_data(as_text=True)
    assert f'href="/cases/{case_id}"' in mine and "封条破损" in mine
    assert f'href="/cases/{case_id}"' in client.get("/cases").get_data(as_text=True)

    page = client.get(f"/cases/{case_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "封条破损" in html and "待处理" in html and "封条被撕开" in html
    assert 'name="status"' not in html and "工作小组和社区书记" in html  # read-only, and says who moves it
    assert _move(client, case_id, status="in_progress", note="我来处理").status_code == 404
    assert _status(app, case_id) == "open" and _events(app, case_id) == 1
    auth.logout()

    # The work group moves it along; the reporter sees the new state and its history.
    login_as("lead")
    assert _move(client, case_id, status="in_progress", note="已联系物业").status_code == 303
    auth.logout()
    login_as("volunteer")
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "进行中" in html and "已联系物业" in html
    auth.logout()

    # Someone else's case, or a case of another community, stays a 404.
    login_as("volunteer2")
    assert client.get(f"/cases/{case_id}").status_code == 404
    assert f"/cases/{case_id}" not in client.get("/cases?show=all").get_data(as_text=True)
    assert f"/cases/{case_id}" not in client.get("/cases?show=mine").get_data(as_text=True)


def test_a_case_reported_by_someone_else_is_a_404_for_a_volunteer(app, client, login_as):
    from webapp.extensions import db
    from webapp.models import Case, User

    _route_id, _tokens, community_id = _route(app, "volunteer")
    group = _group(app, community_id)
    with app.app_context():
        lead = db.session.scalar(select(User.id).where(User.username == "lead"))
        case = Case(community_id=community_id, work_group_id=group, title="东门：人员聚集",
                    created_by_id=lead)
        db.session.add(case)
        db.session.commit()
        case_id = case.id
    login_as("volunteer")  # neither its reporter nor in its group nor the secretary
    assert client.get(f"/cases/{case_id}").status_code == 404
    assert _move(client, case_id, status="solved", note="x").status_code in (400, 404)
    assert "东门：人员聚集" not in client.get("/cases?show=all").get_data(as_text=True)
    assert "我上报的事项" not in client.get("/patrols").get_data(as_text=True)  # they reported none


def test_solving_a_case_needs_a_note_and_a_replay_answers_the_first_close(app, client, login_as, auth):
    case_id, _patrol_id, _token = _report(app, client, login_as, linked=False)
    auth.logout()
    login_as("lead")
    for note in ("", "   "):
        refused = _move(client, case_id, status="solved", note=note)
        html = refused.get_data(as_text=True)
        assert refused.status_code == 422
        # The message sits beside the note field, and the page says where to look.
        assert re.search(r'id="note-error">[^<]*请说明做了什么', html)
        assert 'role="alert"' in html
        assert _status(app, case_id) == "open" and _events(app, case_id) == 1
    # Moving it to "in progress" needs no note.
    assert _move(client, case_id, status="in_progress").status_code == 303
    closing = uuid.uuid4().hex
    assert _move(client, case_id, request_id=closing, status="solved", note="已重新贴封条并告知住户").status_code == 303
    assert _status(app, case_id) == "solved" and _events(app, case_id) == 3
    # The same close sent again (a phone that lost the answer), even without its note, answers as the first time.
    for note in ("已重新贴封条并告知住户", ""):
        replay = _move(client, case_id, request_id=closing, status="solved", note=note)
        assert replay.status_code == 303 and replay.headers["Location"].endswith(f"/cases/{case_id}")
    assert _events(app, case_id) == 3 and _status(app, case_id) == "solved"
    assert "已重新贴封条并告知住户" in client.get(f"/cases/{case_id}").get_data(as_text=True)


def _many_cases(app, community_id, n, reporter="volunteer", status="open"):
    from datetime import timedelta

    from webapp.extensions import db
    from webapp.models import Case, User, utcnow

    group = _group(app, community_id)
    with app.app_context():
        user = db.session.scalar(select(User.id).where(User.username == reporter))
        now = utcnow()
        db.session.add_all([Case(community_id=community_id, work_group_id=group, title=f"事项{i:03d}", status=status,
                                 created_by_id=user, created_at=now - timedelta(minutes=i)) for i in range(n)])
        db.session.commit()


def _titles(html):
    return re.findall(r'<span class="title">事项(\d+)', html)


def _more_link(html):
    found = re.search(r'<li class="more"><a class="button wide" href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_cases_list_shows_every_case_a_page_at_a_time(app, client, login_as):
    _route_id, _tokens, community_id = _route(app, "volunteer")
    _many_cases(app, community_id, 230)
    _many_cases(app, community_id, 5, status="solved")
    login_as("secretary")
    first = client.get("/cases").get_data(as_text=True)
    assert len(_titles(first)) == 50 and '<span class="count">230</span>' in first
    assert _titles(first)[:2] == ["000", "001"]  # newest first
    assert _more_link(first) == "/cases?page=2" and "显示更多" in first
    shown, link = _titles(first), _more_link(first)
    while link:  # htmx: each "show more" brings the next slice alone
        part = client.get(link, headers=HTMX).get_data(as_text=True)
        assert "<html" not in part
        shown += _titles(part)
        link = _more_link(part)
    assert len(shown) == 230 == len(set(shown))  # nothing cut off at 200, nothing twice
    # Without JavaScript the link shows the list again up to that page; the filter is kept.
    assert _titles(client.get("/cases?page=5").get_data(as_text=True)) == shown
    every = client.get("/cases?show=all").get_data(as_text=True)
    assert '<span class="count">235</span>' in every and _more_link(every) == "/cases?show=all&page=2"
    assert client.get("/cases?page=abc").status_code == 400 and client.get("/cases?show=nonsense").status_code == 200

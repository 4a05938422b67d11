"""A volunteer's list checks (/tasks) show every open check and every one done today, 50 at a time: the
open list used to stop at 200 and the done list at 100, without a word."""
import json
import re
import uuid
from datetime import timedelta

from sqlalchemy import select

from tests.paging import check_bad_pages, page_through, section


def _open(html):
    return [int(n) for n in re.findall(r'<span class="title">待查(\d+) ', html)]


def _done(html):
    return [int(n) for n in re.findall(r'<span class="title">已查(\d+) ·', html)]


def _open_part(html):
    return html.split("<h2>今天已完成")[0]


def _done_part(html):
    return section(html, "<h2>今天已完成")


def _task_world(app, make_world):
    """In a fresh community, a pushed list with 265 rows: the volunteer has 130 open checks (due times
    repeat in threes, so only the id keeps the order) and 75 done today; the secretary has 60 open."""
    from webapp.clock import day_bounds, local_naive
    from webapp.extensions import db
    from webapp.models import ListRow, ListTask, PushedList, User, utcnow

    built = make_world()
    with app.app_context():
        users = {role: db.session.scalar(select(User.id).where(User.username == name))
                 for role, name in built.users.items()}
        pushed = PushedList(request_id=uuid.uuid4().hex, community_id=built.community_id, title="11月24日推送",
                            header=json.dumps(["姓名"]), uploaded_by_id=users["secretary"])
        db.session.add(pushed)
        db.session.flush()
        now = utcnow()
        day_start = day_bounds(local_naive(now).date())[0]
        people = [(f"待查{n}", users["volunteer"], None) for n in range(1, 131)]
        people += [(f"已查{n}", users["volunteer"], n) for n in range(1, 76)]
        people += [(f"别人{n}", users["secretary"], None) for n in range(1, 61)]
        for line, (name, assignee, done) in enumerate(people, start=1):
            row = ListRow(list_id=pushed.id, line=line, cells=json.dumps({"姓名": name}), name=name)
            db.session.add(row)
            db.session.flush()
            number = int(re.sub(r"\D", "", name))
            db.session.add(ListTask(
                row_id=row.id, community_id=built.community_id, method="phone", assignee_id=assignee,
                due_at=now + timedelta(hours=number // 3), result="found" if done else None,
                # Done today, the latest first: 已查1 was finished last (times repeat in threes too).
                done_at=min(now, day_start + timedelta(hours=12)) - timedelta(seconds=done // 3) if done else None))
        db.session.commit()
    return built


def test_the_volunteers_checks_show_every_one_a_page_at_a_time(app, client, login_as, make_world):
    built = _task_world(app, make_world)
    login_as(built.users["volunteer"])
    page = client.get("/tasks").get_data(as_text=True)
    assert "130 项待查" in page
    assert "别人" not in page  # the secretary's checks are theirs
    # Soonest due first, equal times in the order they were made; none lost, none twice.
    assert page_through(client, "/tasks", "open_page", _open,
                        _open_part) == list(range(1, 131))
    # Done today, latest first, equal times newest id first.
    done = page_through(client, "/tasks", "done_page", _done, _done_part)
    assert done == sorted(range(1, 76), key=lambda n: (n // 3, -n))
    check_bad_pages(client, "/tasks", "open_page", _open, _open_part)
    check_bad_pages(client, "/tasks", "done_page", _done, _done_part)

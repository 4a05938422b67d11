"""The daily summary lists every patrol finding of the day, 50 at a time: it used to show the first 100
under a count of all of them, without a word."""
import re
import uuid
from datetime import timedelta

from sqlalchemy import select

from tests.paging import check_bad_pages, page_through, section


def _findings(html):
    return [int(n) for n in re.findall(r'<span class="note">发现(\d+)</span>', html)]


def _findings_part(html):
    return section(html, "<h2>巡查发现问题")


def test_the_summary_lists_every_finding_of_the_day(app, client, login_as, make_world):
    from webapp.clock import local_today
    from webapp.clock import day_bounds, local_naive
    from webapp.extensions import db
    from webapp.models import Checkpoint, Patrol, PatrolScan, Route, User, utcnow

    built, other = make_world(), make_world()
    with app.app_context():
        patroller = db.session.scalar(select(User.id).where(User.username == built.users["volunteer"]))
        day_start = day_bounds(local_naive(utcnow()).date())[0]
        yesterday = (local_today() - timedelta(days=1)).isoformat()
        for world, findings in ((built, 130), (other, 4)):
            checkpoint = Checkpoint(community_id=world.community_id, name="东门", kind="sentry")
            route = Route(community_id=world.community_id, name=f"一日三巡{world.community_id}")
            db.session.add_all([checkpoint, route])
            db.session.flush()
            patrol = Patrol(request_id=uuid.uuid4().hex, route_id=route.id, user_id=patroller, day=local_today(),
                            round_no=1)
            db.session.add(patrol)
            db.session.flush()
            # Seen times repeat in threes (only the id keeps the order); a scan from yesterday never shows.
            db.session.add_all([PatrolScan(request_id=uuid.uuid4().hex, patrol_id=patrol.id,
                                           checkpoint_id=checkpoint.id, result="finding", finding_kind="gathering",
                                           note=f"发现{n}", scanned_at=day_start + timedelta(minutes=n // 3))
                                for n in range(1, findings + 1)])
            db.session.add(PatrolScan(request_id=uuid.uuid4().hex, patrol_id=patrol.id, checkpoint_id=checkpoint.id,
                                      result="finding", finding_kind="gathering", note="发现999",
                                      scanned_at=day_start - timedelta(minutes=5)))
        db.session.commit()
    login_as(built.users["secretary"])
    page = client.get("/summary").get_data(as_text=True)
    assert '<h2>巡查发现问题 <span class="count">130</span></h2>' in page
    assert page_through(client, "/summary", "findings_page", _findings, _findings_part) == list(range(1, 131))
    assert _findings(client.get(f"/summary?day={yesterday}").get_data(as_text=True)) == [999]
    check_bad_pages(client, "/summary", "findings_page", _findings, _findings_part)

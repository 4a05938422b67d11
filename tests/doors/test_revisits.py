"""The revisit list, time-of-day suggestions, proxy offers and escalation."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from tests.doors.helpers import knock


def _set_times(app, hours_local):
    """Place the knocks (in order) at these local hours today (Asia/Shanghai is UTC+8)."""
    from webapp.extensions import db
    from webapp.models import Visit

    with app.app_context():
        ids = db.session.scalars(select(Visit.id).order_by(Visit.id)).all()
        for visit_id, hour in zip(ids, hours_local):
            utc_hour = (hour - 8) % 24
            db.session.execute(update(Visit).where(Visit.id == visit_id).values(
                visited_at=datetime(2026, 11, 20, utc_hour, 0)))
        db.session.commit()


def test_not_home_doors_are_listed_with_a_different_time_of_day(app, client, login_as, world):
    login_as("volunteer")
    knock(client, world.volunteer_household, "not_home")
    _set_times(app, [19])  # an evening attempt failed
    html = client.get("/revisits").get_data(as_text=True)
    assert "1 次" in html and "建议上午上门" in html  # not the evening again
    assert "房东" not in html.split("回访清单")[2]  # no proxy offer after one attempt


def test_proxy_is_offered_after_two_failures(app, client, login_as, world):
    login_as("volunteer")
    knock(client, world.volunteer_household, "not_home")
    knock(client, world.volunteer_household, "not_home")
    _set_times(app, [19, 9])
    html = client.get("/revisits").get_data(as_text=True)
    assert "2 次" in html and "建议下午上门" in html and "房东" in html


def test_reached_doors_leave_the_list(client, login_as, world):
    login_as("volunteer")
    knock(client, world.volunteer_household, "not_home")
    knock(client, world.volunteer_household, "verified")
    assert world.volunteer_household not in client.get("/revisits").get_data(as_text=True)


def test_an_undone_knock_does_not_count_and_the_oldest_comes_first(app, client, login_as, world):
    """The list reads each door's latest knock that stands: an undone "verified" leaves the door
    not home; the door waiting longest is first."""
    from webapp.extensions import db
    from webapp.models import Household, Visit, utcnow
    from tests.review.helpers import households_of_building

    with app.app_context():
        first, second = [h.sticker_token for h in households_of_building(world.volunteer_building)[:2]]
    login_as("volunteer")
    knock(client, first, "not_home")
    knock(client, second, "not_home")
    knock(client, first, "verified")
    with app.app_context():
        db.session.execute(update(Visit).where(Visit.id == db.session.scalar(select(func.max(Visit.id))))
                           .values(undone_at=utcnow()))
        second_id = db.session.scalar(select(Household.id).where(Household.sticker_token == second))
        db.session.execute(update(Visit).where(Visit.household_id == second_id)  # knocked an hour earlier
                           .values(visited_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    page = client.get("/revisits").get_data(as_text=True)
    assert first in page and second in page
    assert page.index(second) < page.index(first)


def test_revisit_list_is_scoped(client, login_as, auth, world):
    login_as("volunteer2")
    knock(client, world.second_household, "not_home")
    auth.logout()
    login_as("volunteer")
    assert world.second_household not in client.get("/revisits").get_data(as_text=True)


@pytest.mark.parametrize("failed,expected", [
    ([], "evening"), (["evening"], "morning"), (["evening", "morning"], "afternoon"),
    (["evening", "morning", "afternoon", "evening"], "morning"),
])
def test_suggested_slot(failed, expected):
    from webapp.clock import suggest_slot

    assert suggest_slot(failed) == expected


def test_escalation_after_the_campaign_limit(app, client, login_as, auth, world):
    login_as("volunteer")
    for _ in range(3):
        knock(client, world.volunteer_household, "not_home")
    auth.logout()
    login_as("secretary")
    from webapp.extensions import db
    from webapp.models import Campaign

    with app.app_context():
        campaign_id = db.session.scalar(select(Campaign.id).where(Campaign.community_id == world.first_community))
    html = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    section = html.split("转社区书记跟进")[1]
    assert "3 次" in section and f"/h/{world.volunteer_household}" in section

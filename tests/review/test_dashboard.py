"""The secretary's dashboard: coverage, today's knocks with bursts flagged, slips, patrols, cases."""
import re
from datetime import timedelta

from sqlalchemy import select

from tests.review.helpers import add_visit, households_of_building, user_id, utc_of_local


def test_dashboard_coverage_and_knocks(app, client, login_as, world):
    from webapp.clock import local_today
    from webapp.coverage import active_campaign
    from webapp.extensions import db
    from webapp.models import Grid, Household

    with app.app_context():
        doors = households_of_building(world.volunteer_building)
        campaign = active_campaign(world.first_community)
        # Local noon today: the same local day whenever the test runs (a minute after midnight too).
        volunteer, now = user_id("volunteer"), utc_of_local(local_today(), 12)
        # Five knocks two seconds apart: too fast to be real conversations.
        for number, door in enumerate(doors[:5]):
            add_visit(door.id, volunteer, "verified" if number % 2 == 0 else "not_home",
                      now - timedelta(minutes=1) + timedelta(seconds=2 * number), campaign.id)
        add_visit(doors[5].id, user_id("lead"), "verified", now - timedelta(hours=1), campaign.id)
        # Knocks that are not the community's door knocks of today count for nobody.
        other_door = db.session.scalar(select(Household.id).where(Household.community_id == world.second_community))
        add_visit(other_door, volunteer, "verified", now - timedelta(minutes=30))
        add_visit(doors[6].id, volunteer, "verified", now - timedelta(days=1), campaign.id)
        add_visit(doors[7].id, volunteer, "verified", now - timedelta(minutes=40), campaign.id, channel="phone")
        add_visit(doors[8].id, volunteer, "verified", now - timedelta(minutes=50), campaign.id).undone_at = now
        db.session.commit()
        grid_name = db.session.get(Grid, world.volunteer_grid).name
    login_as("secretary")
    html = client.get("/dashboard").get_data(as_text=True)
    # The drive's coverage counts yesterday's and the phone call too; not the undone knock.
    assert "<dt>已敲门</dt><dd>8</dd>" in html and "<dt>已走访</dt><dd>6</dd>" in html
    grid_row = html.split(f'#buildings">{grid_name}</a>')[1].split("</li>")[0]
    assert ">6/" in grid_row
    flagged = html.split('class="flagged"')[1].split("</tr>")[0]
    assert "李志愿" in flagged and "<td>5</td>" in flagged and "<td>3</td>" in flagged
    assert "有 4 次敲门与上一次相隔不到 10 秒" in flagged
    lead_row = re.search(r"<tr([^>]*)><td>黄楼长", html)
    assert lead_row and "flagged" not in lead_row.group(1)
    assert f"/buildings/{world.volunteer_building}/floors" not in html  # buildings come with the grid
    drilled = client.get("/dashboard", query_string={"grid": world.volunteer_grid}).get_data(as_text=True)
    assert f"/buildings/{world.volunteer_building}/floors" in drilled  # drill down to the floor picture


def test_dashboard_is_light_enough_for_a_phone(client, login_as):
    import gzip

    login_as("secretary")
    body = client.get("/dashboard").get_data()
    assert len(gzip.compress(body)) < 15 * 1024

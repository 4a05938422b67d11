"""The counts the dashboards read are kept by the database as visits and households are written:
they always equal a recount from the rows, on SQLite and PostgreSQL."""
import re
import uuid

from sqlalchemy import select

from tests.conftest import csrf_token_from
from tests.doors.helpers import HX, knock


def _tallies(app):
    from webapp.coverage import counted_tallies, kept_tallies

    with app.app_context():
        return kept_tallies(), counted_tallies()


def _doors(app, world):
    from webapp.extensions import db
    from webapp.models import Household

    with app.app_context():
        return db.session.scalars(select(Household.sticker_token).where(Household.grid_id == world.volunteer_grid)
                                  .order_by(Household.id).limit(4)).all()


def test_kept_counts_equal_a_recount_after_knocks_escalations_and_undo(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import Visit

    kept, counted = _tallies(app)
    assert kept == counted  # whatever the demo knocked, counted by the migration and the triggers
    login_as("volunteer")
    csrf = csrf_token_from(client, "/")
    first, second, third, fourth = _doors(app, world)
    for _ in range(3):  # escalates …
        knock(client, first, "not_home", htmx=True, csrf=csrf)
    knock(client, first, "verified", htmx=True, csrf=csrf)  # … and is reached after all
    for _ in range(3):
        knock(client, second, "not_home", htmx=True, csrf=csrf)  # stays escalated
    knock(client, third, "vacant", htmx=True, csrf=csrf)  # the ORM path (status changes too)
    knock(client, fourth, "refused", htmx=True, csrf=csrf)
    request_id = uuid.uuid4().hex
    knock(client, fourth, "verified", htmx=True, csrf=csrf, request_id=request_id)
    knock(client, fourth, "verified", htmx=True, csrf=csrf, request_id=request_id)  # a replay counts once
    kept, counted = _tallies(app)
    assert kept == counted and sum(v[0] for v in counted.values()) >= 4
    assert sum(v[2] for v in counted.values()) >= 1  # the second door escalated
    with app.app_context():
        last = db.session.scalar(select(Visit.id).where(Visit.request_id == request_id))
    response = client.post(f"/h/{fourth}/undo/{last}", headers={**HX, "X-CSRFToken": csrf},
                           data={"request_id": uuid.uuid4().hex})
    assert response.status_code == 200
    kept, counted = _tallies(app)
    assert kept == counted


def test_household_counts_follow_imports_and_moves(app, world):
    from sqlalchemy import func

    from webapp.extensions import db
    from webapp.models import GridCount, Household

    def counts():
        kept = {g: n for g, n in db.session.execute(select(GridCount.grid_id, GridCount.households)) if n}
        real = dict(db.session.execute(select(Household.grid_id, func.count()).group_by(Household.grid_id)).all())
        return kept, real

    with app.app_context():
        kept, real = counts()
        assert kept == real and sum(real.values()) > 0
        household = db.session.scalar(select(Household).where(Household.grid_id == world.volunteer_grid).limit(1))
        household.grid_id = world.other_grid
        db.session.add(Household(community_id=household.community_id, grid_id=world.other_grid,
                                 building_id=household.building_id, entrance=9, floor=1, room="901",
                                 address="测试地址 9-901"))
        db.session.commit()
        kept, real = counts()
        assert kept == real


def test_the_dashboard_reads_the_kept_counts(app, client, login_as, world):
    from webapp.coverage import active_campaign
    from webapp.extensions import db
    from webapp.models import CampaignTally

    login_as("secretary")
    before = client.get("/dashboard").get_data(as_text=True)
    with app.app_context():  # a count changed behind the visits' back shows on the dashboard: it is what is read
        campaign = active_campaign(world.first_community)
        assert campaign is not None
        tally = db.session.get(CampaignTally, (campaign.id, world.volunteer_grid))
        if tally is None:
            tally = CampaignTally(campaign_id=campaign.id, grid_id=world.volunteer_grid, visited=0, reached=0,
                                  escalated=0)
            db.session.add(tally)
        tally.visited += 1000
        tally.reached += 1000
        db.session.commit()
    after = client.get("/dashboard").get_data(as_text=True)
    assert before != after and re.search(r"\b10\d\d\b", after)


def test_recount_rebuilds_the_counts(app):
    from webapp.coverage import counted_tallies, kept_tallies, recount_tallies
    from webapp.extensions import db
    from webapp.models import CampaignTally

    with app.app_context():
        db.session.execute(CampaignTally.__table__.update().values(visited=0))
        recount_tallies()
        db.session.commit()
        assert kept_tallies() == counted_tallies()


def test_the_admin_sees_the_district_roll_up_and_no_one_else_does(app, client, login_as, auth, world):
    login_as("volunteer")
    knock(client, world.volunteer_household, "verified", htmx=True)
    assert client.get("/dashboard/district").status_code == 404
    auth.logout()
    login_as("secretary")
    assert client.get("/dashboard/district").status_code == 404
    auth.logout()
    login_as("admin")
    html = client.get("/dashboard/district").get_data(as_text=True)
    assert "全区覆盖" in html or "District coverage" in html
    from webapp.extensions import db
    from webapp.models import Community

    with app.app_context():
        names = db.session.scalars(select(Community.name)).all()
    assert all(name in html for name in names)


def test_check_restore_finds_kept_counts_that_differ_from_a_recount(app, world):
    """`flask check-restore` passes on a sound database and names a grid count that drifted."""
    from sqlalchemy import update

    from webapp.extensions import db
    from webapp.models import GridCount

    runner = app.test_cli_runner()
    sound = runner.invoke(args=["check-restore"])
    assert sound.exit_code == 0 and "Restore checks out" in sound.output, sound.output
    with app.app_context():
        db.session.execute(update(GridCount).where(GridCount.grid_id == world.volunteer_grid)
                           .values(households=GridCount.households + 1))
        db.session.commit()
    drifted = runner.invoke(args=["check-restore"])
    assert drifted.exit_code != 0 and "household counts per grid differ from a recount" in drifted.output

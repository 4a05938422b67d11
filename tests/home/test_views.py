"""Each role's home page shows its own real data from the demo street."""
from sqlalchemy import func, select


def _count(app, statement):
    from webapp.extensions import db

    with app.app_context():
        return db.session.scalar(statement)


def test_volunteer_sees_their_grids_and_buildings_only(app, client, login_as, world):
    from webapp.models import Building, Grid

    login_as("volunteer")
    html = client.get("/").get_data(as_text=True)
    assert "我的网格" in html and "要走访的楼栋" in html
    assert f"/grids/{world.volunteer_grid}" in html
    assert f"/buildings/{world.volunteer_building}" in html
    assert f"/buildings/{world.other_building}" not in html
    assert f"/buildings/{world.second_building}" not in html
    assert "您的使用权限至" in html  # temporary volunteers see when access ends
    name = _count(app, select(Grid.name).where(Grid.id == world.volunteer_grid))
    assert name in html
    assert _count(app, select(func.count()).select_from(Building).where(Building.grid_id == world.volunteer_grid)) > 0


def test_lead_sees_their_buildings_with_household_counts(app, client, login_as, world):
    from webapp.models import Building, Household

    login_as("lead")
    html = client.get("/").get_data(as_text=True)
    assert "我负责的楼栋" in html
    name = _count(app, select(Building.name).where(Building.id == world.lead_building))
    households = _count(app, select(func.count()).select_from(Household).where(
        Household.building_id == world.lead_building))
    assert name in html and f"{households} 户" in html
    assert f"/buildings/{world.other_building}" not in html


def test_secretary_sees_the_community_grids_buildings_households_and_users(app, client, login_as, world):
    from webapp.models import Community, Household

    login_as("secretary")
    html = client.get("/").get_data(as_text=True)
    community = _count(app, select(Community.name).where(Community.id == world.first_community))
    households = _count(app, select(func.count()).select_from(Household).where(
        Household.community_id == world.first_community))
    assert community in html
    assert f"<dd>{households}</dd>" in html
    assert f"/grids/{world.other_grid}" in html and f"/buildings/{world.other_building}" in html
    assert f"/buildings/{world.second_building}" not in html
    assert "（volunteer）" in html and "（volunteer2）" not in html


def test_admin_sees_every_community_and_user(app, client, login_as, world):
    login_as("admin")
    html = client.get("/").get_data(as_text=True)
    assert "长庚社区" in html and "新塘社区" in html
    for username in ("admin", "secretary", "lead", "volunteer", "volunteer2"):
        assert f"（{username}）" in html


def test_home_needs_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_an_access_chosen_to_end_with_a_day_says_that_day(app, client, login_as, world):
    """Access given "until 12/31" ends at the midnight after it: home said it "expires 1/1 00:00". It now says
    the last day; an end at another time of day (an invite's window) keeps its time."""
    from datetime import date, datetime, timedelta

    from webapp.clock import end_of_local_day
    from webapp.extensions import db
    from webapp.models import RoleAssignment, User

    last_day = date.today() + timedelta(days=20)
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == "volunteer"))
        assignments = db.session.scalars(select(RoleAssignment).where(RoleAssignment.user_id == user_id)).all()
        for assignment in assignments:
            assignment.valid_until = end_of_local_day(last_day)
        db.session.commit()
    login_as("volunteer")
    html = client.get("/").get_data(as_text=True)
    assert f"您的使用权限至 {last_day.year}/{last_day.month}/{last_day.day} 止。" in html
    with app.app_context():
        for assignment in db.session.scalars(select(RoleAssignment).where(RoleAssignment.user_id == user_id)):
            assignment.valid_until = datetime.combine(last_day, datetime.min.time()) + timedelta(hours=10)  # 18:00
        db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert f"您的使用权限至 {last_day.year}/{last_day.month}/{last_day.day} 18:00 止。" in html


def test_a_secretary_of_an_empty_community_is_shown_where_to_start(app, client, login_as, world):
    """A new community has no households: its card on the secretary's home page says to import the registry or
    generate a building, with the links; a community with households does not."""
    from webapp.extensions import db
    from webapp.models import Community, RoleAssignment, User

    with app.app_context():
        first = db.session.get(Community, world.first_community)
        empty = Community(name="幸福社区", street_id=first.street_id)
        db.session.add(empty)
        db.session.flush()
        secretary = db.session.scalar(select(User).where(User.username == "secretary"))
        db.session.add(RoleAssignment(user_id=secretary.id, role="secretary", community_id=empty.id))
        db.session.commit()
        empty_id = empty.id
    page = login_as("secretary").get("/").get_data(as_text=True)
    assert f'href="/registry/import?community={empty_id}"' in page
    assert f'href="/setup/buildings/new?community={empty_id}"' in page
    assert f'href="/registry/import?community={world.first_community}"' not in page

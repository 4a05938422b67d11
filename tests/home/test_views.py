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
    assert "您的使用权限将于" in html  # temporary volunteers see when access ends
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

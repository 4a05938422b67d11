"""Secretaries start campaigns and see coverage; others cannot."""
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token_from
from tests.doors.helpers import count, knock


def _form(client, **overrides):
    csrf = csrf_token_from(client, "/campaigns")
    data = {"csrf_token": csrf, "request_id": uuid.uuid4().hex, "name": "春节前排查", "grid_id": "0",
            "starts_on": date.today().isoformat(), "ends_on": (date.today() + timedelta(days=10)).isoformat(),
            "max_attempts": "2"}
    data.update(overrides)
    return data


def test_secretary_creates_a_campaign_once_per_request_id(app, client, login_as, world):
    from webapp.models import Campaign

    login_as("secretary")
    before = count(app, Campaign)
    data = _form(client, community_id=str(world.first_community))
    assert client.post("/campaigns", data=data).status_code == 303
    assert client.post("/campaigns", data=data).status_code == 303
    assert count(app, Campaign) == before + 1
    assert "春节前排查" in client.get("/campaigns").get_data(as_text=True)


def test_newest_campaign_takes_the_knocks_and_its_limit(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import Campaign, Visit

    login_as("secretary")
    client.post("/campaigns", data=_form(client, community_id=str(world.first_community),
                                         starts_on=date.today().isoformat()))
    knock(client, world.volunteer_household, "not_home")
    knock(client, world.volunteer_household, "not_home")
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.name == "春节前排查"))
        assert db.session.scalar(select(Visit.campaign_id).limit(1)) == campaign.id
    html = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert f"/h/{world.volunteer_household}" in html.split("转社区书记跟进")[1]  # two attempts reach its limit of 2


@pytest.mark.parametrize("overrides,message", [
    ({"name": ""}, "请给排查行动起个名字"),
    ({"ends_on": "2000-01-01"}, "结束日期不能早于开始日期"),
    ({"max_attempts": "0"}, "请填写 1 到 10 之间的数"),
    ({"starts_on": "not a date"}, 'id="starts_on-error"'),
])
def test_bad_campaign_input_gets_messages(app, client, login_as, world, overrides, message):
    from webapp.models import Campaign

    login_as("secretary")
    before = count(app, Campaign)
    response = client.post("/campaigns", data=_form(client, community_id=str(world.first_community), **overrides))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert count(app, Campaign) == before


def test_secretary_cannot_start_a_campaign_in_another_community(app, client, login_as, world):
    from webapp.models import Campaign

    login_as("secretary")
    before = count(app, Campaign)
    response = client.post("/campaigns", data=_form(client, community_id=str(world.second_community)))
    assert response.status_code == 422
    assert count(app, Campaign) == before


def test_volunteers_and_leads_have_no_campaign_pages(client, login_as):
    login_as("volunteer")
    assert client.get("/campaigns").status_code == 404


def test_campaign_of_another_community_is_404(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import Campaign

    with app.app_context():
        other = db.session.scalar(select(Campaign.id).where(Campaign.community_id == world.second_community))
    login_as("secretary")
    assert client.get(f"/campaigns/{other}").status_code == 404


def test_a_secretary_starts_a_campaign_with_the_form_as_her_page_shows_it(app, client, login_as, world):
    """The page's own form, as a phone sends it: a secretary has one community, so the form shows no
    community choice, and starting a campaign failed with no message (the hidden community came empty)."""
    from webapp.extensions import db
    from webapp.models import Campaign

    from tests.forms import form_fields

    login_as("secretary")
    fields = form_fields(client.get("/campaigns").get_data(as_text=True), "/campaigns")
    assert fields["community_id"] == str(world.first_community)  # hers, the only one: not a choice shown
    fields.update(name="冬季复查", ends_on=(date.today() + timedelta(days=5)).isoformat())
    response = client.post("/campaigns", data=fields)
    assert response.status_code == 303, response.get_data(as_text=True)[-2000:]
    with app.app_context():
        made = db.session.scalar(select(Campaign).where(Campaign.name == "冬季复查"))
        assert made is not None and made.community_id == world.first_community
    # A community slipped into the post by hand is refused, and says so.
    fields = form_fields(client.get("/campaigns").get_data(as_text=True), "/campaigns")
    fields.update(name="越界行动", community_id=str(world.second_community), ends_on=date.today().isoformat())
    refused = client.post("/campaigns", data=fields)
    assert refused.status_code == 422 and '<p class="error" role="alert">' in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Campaign).where(Campaign.name == "越界行动")) is None


def test_a_drive_whose_knocks_a_newer_one_takes_says_so(app, client, login_as, world):
    """The latest started drive takes the knocks (a grid's drive in its grid): the older drive's figures
    stop growing there, and its row and page say where new knocks go instead of looking idle."""
    from webapp.extensions import db
    from webapp.models import Campaign, Grid, Visit

    with app.app_context():
        grid_name = db.session.get(Grid, world.volunteer_grid).name
        older = db.session.scalar(select(Campaign).where(Campaign.community_id == world.first_community)
                                  .order_by(Campaign.id.desc()))
        older_id, older_name = older.id, older.name
    login_as("secretary")
    listed = client.get("/campaigns").get_data(as_text=True)
    assert "新走访记入" not in listed and "新的走访记入" not in listed
    assert client.post("/campaigns", data=_form(client, community_id=str(world.first_community), name="网格冲刺",
                                                grid_id=str(world.volunteer_grid))).status_code == 303
    older_row = client.get("/campaigns").get_data(as_text=True).split(older_name)[1].split("</li>")[0]
    assert f"{grid_name}的新走访记入“网格冲刺”。" in older_row
    assert f"{grid_name}的新走访记入“网格冲刺”。" in client.get(f"/campaigns/{older_id}").get_data(as_text=True)
    knock(client, world.volunteer_household, "not_home")  # as the secretary, in that grid
    with app.app_context():
        sprint = db.session.scalar(select(Campaign).where(Campaign.name == "网格冲刺"))
        assert db.session.scalar(select(Visit.campaign_id).order_by(Visit.id.desc()).limit(1)) == sprint.id
    # A newer drive of the whole community takes every door from both.
    assert client.post("/campaigns", data=_form(client, community_id=str(world.first_community),
                                                name="全面复查")).status_code == 303
    html = client.get("/campaigns").get_data(as_text=True)
    for name in (older_name, "网格冲刺"):
        row = html.split(f"{name}")[1].split("</li>")[0]
        assert "新的走访记入“全面复查”。" in row and "的新走访记入" not in row, row
    assert "记入" not in html.split("全面复查")[1].split("</li>")[0]

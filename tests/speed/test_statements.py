"""How much SQL the hottest requests run (counted, not timed): a card ≤ 6 statements, and a knock
one write statement in one write transaction; list pages run no statement per row."""
import re
import uuid
from contextlib import contextmanager

from sqlalchemy import event, func, select

from tests.conftest import csrf_token_from
from tests.doors.helpers import HX, knock

TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)", re.I)


@contextmanager
def statements(app):
    """The SQL statements run inside the block (transaction control left out), and the commits."""
    from webapp.extensions import db

    seen = {"sql": [], "commits": 0}

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        if not TRANSACTION_CONTROL.match(statement):
            seen["sql"].append(statement)

    def on_commit(conn):
        seen["commits"] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "commit", on_commit)


def writes(sql):
    return [s for s in sql if s.lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]


def _busy_household(app, client, world):
    """The volunteer's door with a bit of everything: knocks (one undone), a slip, a status change,
    a corrected resident, care tags."""
    from webapp.extensions import db
    from webapp.models import Household, Resident

    with app.app_context():
        household = db.session.scalar(select(Household).where(Household.sticker_token == world.volunteer_household))
        resident = db.session.scalar(select(Resident).where(Resident.household_id == household.id).limit(1))
        resident_id = resident.id if resident else None
    for outcome in ("not_home", "refused", "vacant", "verified", "not_home"):
        assert knock(client, world.volunteer_household, outcome, htmx=True).status_code == 200
    csrf = csrf_token_from(client, "/")
    client.post(f"/h/{world.volunteer_household}/residents", headers={**HX, "X-CSRFToken": csrf},
                data={"new-name": "王小明", "new-category": "local_permanent", "new-request_id": uuid.uuid4().hex})
    if resident_id:
        client.post(f"/h/{world.volunteer_household}/residents/{resident_id}", headers={**HX, "X-CSRFToken": csrf},
                    data={f"r{resident_id}-name": "李改名", f"r{resident_id}-category": "local_permanent",
                          f"r{resident_id}-request_id": uuid.uuid4().hex})


def test_a_card_runs_at_most_6_statements(app, client, login_as, world):
    login_as("volunteer")
    _busy_household(app, client, world)
    client.get(f"/h/{world.other_household}")  # nothing cached from this door's own requests
    with statements(app) as seen:
        response = client.get(f"/h/{world.volunteer_household}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "李改名" in html and "王小明" in html  # history and residents are really there
    assert len(seen["sql"]) <= 6, "\n".join(seen["sql"])
    assert not writes(seen["sql"])


def test_a_cold_card_with_its_campaign_not_yet_known_still_runs_at_most_6(app, client, login_as, world):
    from webapp.coverage import forget_campaigns

    login_as("volunteer")
    with app.app_context():
        forget_campaigns()
    with statements(app) as seen:
        assert client.get(f"/h/{world.volunteer_household}").status_code == 200
    assert len(seen["sql"]) <= 6, "\n".join(seen["sql"])


def test_a_knock_is_one_write_statement_in_one_transaction(app, client, login_as, world):
    login_as("volunteer")
    csrf = csrf_token_from(client, "/")
    knock(client, world.volunteer_household, "refused", htmx=True, csrf=csrf)  # the campaign is known now
    for return_to in ("", "walk"):
        with statements(app) as seen:
            response = knock(client, world.volunteer_household, "not_home", htmx=True, csrf=csrf, return_to=return_to)
        assert response.status_code == 200 and "无人在家" in response.get_data(as_text=True)
        written = writes(seen["sql"])
        assert len(written) == 1 and "INSERT INTO visits" in written[0], written
        assert "ON CONFLICT" in written[0].upper()
        assert len(seen["sql"]) <= 5, "\n".join(seen["sql"])
        assert seen["commits"] <= 2  # the reads' transaction and the one write transaction


def test_a_replayed_knock_writes_nothing_and_answers_as_the_first(app, client, login_as, world):
    from webapp.models import Visit
    from tests.doors.helpers import count

    login_as("volunteer")
    request_id = uuid.uuid4().hex
    first = knock(client, world.volunteer_household, "not_home", htmx=True, request_id=request_id)
    with statements(app) as seen:
        again = knock(client, world.volunteer_household, "verified", htmx=True, request_id=request_id)
    assert first.status_code == again.status_code == 200
    assert "无人在家" in again.get_data(as_text=True) and "已核实" not in again.get_data(as_text=True)
    assert count(app, Visit) == 1
    assert all("ON CONFLICT" in s.upper() for s in writes(seen["sql"]))


def test_the_knock_fragment_counts_this_knock_in_the_door_state(app, client, login_as, world):
    login_as("volunteer")
    knock(client, world.volunteer_household, "not_home", htmx=True)
    html = knock(client, world.volunteer_household, "not_home", htmx=True).get_data(as_text=True)
    assert "×2" in html  # the out-of-band door state includes the knock just written


def _add_care_residents(app, building_id, names):
    from webapp.extensions import db
    from webapp.models import CareTag, Resident, utcnow
    from tests.review.helpers import add_visit, households_of_building, user_id

    with app.app_context():
        for door, name in zip(households_of_building(building_id), names):
            person = Resident(household_id=door.id, name=name, category="local_permanent")
            db.session.add(person)
            db.session.flush()
            db.session.add_all([CareTag(resident_id=person.id, tag="elderly_alone"),
                                CareTag(resident_id=person.id, tag="disabled")])
            add_visit(door.id, user_id("lead"), "verified", utcnow())
        db.session.commit()


def test_the_care_list_runs_no_statement_per_resident(app, client, login_as, world):
    """An N+1 grows with the district: one care resident or seven, the same statements."""
    login_as("secretary")
    _add_care_residents(app, world.lead_building, ["关怀一"])
    with statements(app) as one:
        assert "关怀一" in client.get("/care").get_data(as_text=True)
    _add_care_residents(app, world.volunteer_building, [f"关怀{n}" for n in "二三四五六七"])
    with statements(app) as seven:
        html = client.get("/care").get_data(as_text=True)
    assert all(f"关怀{n}" in html for n in "二三四五六七") and html.count("独居老人") >= 7
    assert len(seven["sql"]) == len(one["sql"]), "\n".join(seven["sql"])


def test_the_street_summary_runs_no_statement_per_community(app, client, login_as, world):
    """The admin's street roll-up: a third community and two signed summaries add no statements."""
    import json

    from webapp.clock import local_today
    from webapp.extensions import db
    from webapp.models import Community, DailySummary
    from tests.review.helpers import user_id

    login_as("admin")
    with statements(app) as before:
        assert client.get("/summary/street").status_code == 200
    with app.app_context():
        first = db.session.get(Community, world.first_community)
        db.session.add(Community(street_id=first.street_id, name="第三社区"))
        figures = json.dumps({"totals": {"checked": 3}, "rows": []})
        for community_id, signer in ((world.first_community, "secretary"), (world.second_community, "admin")):
            db.session.add(DailySummary(community_id=community_id, day=local_today(), figures=figures,
                                        signed_by_id=user_id(signer)))
        db.session.commit()
    with statements(app) as after:
        html = client.get("/summary/street").get_data(as_text=True)
    assert "第三社区" in html and "<dt>排查户数</dt><dd>6</dd>" in html  # two signed, totalled
    assert len(after["sql"]) == len(before["sql"]), "\n".join(after["sql"])


def test_people_lists_run_no_statement_per_person(app, client, login_as, world):
    """The admin's home and the people page list every user with their assignments and places."""
    from webapp.extensions import db
    from webapp.setup.people import create_person

    login_as("admin")
    with statements(app) as before:
        client.get("/users")
        client.get("/")
    with app.app_context():
        for n in range(4):
            create_person(f"extra{n}", f"加人{n}", None, "volunteer", community_id=world.first_community,
                          grid_ids=[world.volunteer_grid], password="correct-horse-7")
        create_person("extra-lead", "加楼长", None, "lead", community_id=world.first_community,
                      building_ids=[world.lead_building], password="correct-horse-7")
        db.session.commit()
    with statements(app) as after:
        people = client.get("/users").get_data(as_text=True)
        client.get("/")
    assert "加人3" in people and "加楼长" in people
    assert len(after["sql"]) == len(before["sql"]), "\n".join(after["sql"])


def test_the_campaign_list_counts_each_drive_in_a_fixed_number_of_statements(app, client, login_as, world):
    """The admin's list of every drive: two drives more (one of a whole community, one of a single
    grid) add no statement, and each drive's figures count its own doors."""
    from datetime import timedelta

    from webapp.clock import local_today
    from webapp.extensions import db
    from webapp.models import Campaign, Household
    from tests.review.helpers import user_id

    def add_drives(*drives):
        with app.app_context():
            for name, community, grid in drives:
                db.session.add(Campaign(community_id=community, grid_id=grid, name=name, created_by_id=user_id("admin"),
                                        starts_on=local_today() - timedelta(days=400),
                                        ends_on=local_today() - timedelta(days=300)))
            db.session.commit()

    login_as("admin")
    add_drives(("往年网格", world.first_community, world.volunteer_grid))
    with statements(app) as before:
        assert client.get("/campaigns").status_code == 200
    add_drives(("整个社区", world.second_community, None), ("单个网格", world.first_community, world.other_grid))
    with app.app_context():
        in_grid = db.session.scalar(select(func.count()).select_from(Household)
                                    .where(Household.grid_id == world.other_grid))
        in_second = db.session.scalar(select(func.count()).select_from(Household)
                                      .where(Household.community_id == world.second_community))
    with statements(app) as after:
        html = client.get("/campaigns").get_data(as_text=True)
    assert len(after["sql"]) == len(before["sql"]), "\n".join(after["sql"])
    assert f"已走访 0 / {in_grid} 户" in html.split("单个网格")[1].split("</li>")[0]
    assert f"已走访 0 / {in_second} 户" in html.split("整个社区")[1].split("</li>")[0]


def test_search_runs_no_statement_per_hit(app, client, login_as, world):
    """The secretary's search names who lives at each door found: read with the doors, not per door."""
    from webapp.extensions import db
    from webapp.models import Resident
    from tests.review.helpers import households_of_building

    login_as("secretary")

    def add_people(building_id, count):
        with app.app_context():
            for door in households_of_building(building_id)[:count]:
                db.session.add(Resident(household_id=door.id, name="查找测", category="local_permanent"))
            db.session.commit()

    add_people(world.lead_building, 1)
    with statements(app) as one:
        assert client.get("/search", query_string={"q": "查找测"}).get_data(as_text=True).count('<span class="person-name">查找测') == 1
    add_people(world.volunteer_building, 5)
    with statements(app) as six:
        html = client.get("/search", query_string={"q": "查找测"}).get_data(as_text=True)
    assert html.count('<span class="person-name">查找测') == 6, html[-1500:]
    assert len(six["sql"]) == len(one["sql"]), "\n".join(six["sql"])


def test_the_floor_picture_runs_no_statement_per_door_or_escalation(app, client, login_as, make_world):
    """The lead's floor picture (≤ 50 ms at district scale): marking escalated doors reads them from the one
    query door_states() runs, not a statement per door; a building twice as tall runs the same."""
    from webapp.extensions import db
    from webapp.models import Household, User, Visit, utcnow

    def picture(built):
        login_as(built.users["lead"])
        client.get(f"/buildings/{built.tower_id}/floors")  # the campaign in force is known after a first look
        with statements(app) as seen:
            html = client.get(f"/buildings/{built.tower_id}/floors").get_data(as_text=True)
        return html, len(seen["sql"])

    small = make_world(tower_floors=5, doors_per_floor=2)
    _html, plain = picture(small)
    tall = make_world(tower_floors=10, doors_per_floor=4)
    with app.app_context():
        doors = db.session.scalars(select(Household.id).where(Household.building_id == tall.tower_id)).all()
        user = db.session.scalar(select(User.id).where(User.username == tall.users["lead"]))
        for door in doors[:12]:
            for _ in range(3):
                db.session.add(Visit(request_id=uuid.uuid4().hex, household_id=door, user_id=user,
                                     campaign_id=tall.campaign_id, outcome="not_home", visited_at=utcnow()))
        db.session.commit()
    html, escalated = picture(tall)
    assert html.count("cell cell-escalated") == 12
    assert escalated == plain, (plain, escalated)

"""The building lead's floor picture: a cell per door, coloured by its state in the campaign."""
import re

from sqlalchemy import select

from tests.review.helpers import add_visit, households_of_building, user_id


def test_floor_picture_colours_and_counts(app, client, login_as, world):
    from webapp.coverage import active_campaign
    from webapp.extensions import db
    from webapp.models import NoteSlip, utcnow

    with app.app_context():
        doors = households_of_building(world.lead_building)
        campaign = active_campaign(doors[0].community_id, doors[0].grid_id)
        lead, now = user_id("lead"), utcnow()
        add_visit(doors[0].id, lead, "verified", now, campaign.id)                    # reached
        add_visit(doors[1].id, lead, "not_home", now, campaign.id)                    # not home ×2
        add_visit(doors[1].id, lead, "not_home", now, campaign.id)
        slipped = add_visit(doors[2].id, lead, "not_home", now, campaign.id)          # slip left
        slip = db.session.scalar(select(NoteSlip).where(NoteSlip.community_id == doors[2].community_id))
        slip.state, slip.visit_id, slip.household_id, slip.bound_by_id, slip.bound_at = \
            "bound", slipped.id, doors[2].id, lead, now
        add_visit(doors[3].id, lead, "refused", now, campaign.id)                     # refused
        add_visit(doors[4].id, lead, "vacant", now, campaign.id)                      # vacant
        add_visit(doors[5].id, lead, "verified", now, None)                            # outside the campaign
        db.session.commit()
        ids = [d.id for d in doors]
        tokens = [d.sticker_token for d in doors]
    login_as("lead")
    response = client.get(f"/buildings/{world.lead_building}/floors")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    by_token = {token: state for state, token in re.findall(r'class="cell cell-(\w+)" href="/h/([\w-]+)"', html)}
    assert len(by_token) == len(ids)
    assert [by_token[t] for t in tokens[:6]] == ["reached", "not_home", "slip_left", "refused", "vacant", "not_yet"]
    assert "×2" in html
    counts = dict(re.findall(r'<li class="cell-(\w+)">[^<]*<strong>(\d+)</strong>', html))
    assert counts == {"reached": "1", "not_home": "1", "slip_left": "1", "escalated": "0", "refused": "1",
                      "vacant": "1", "wrong_address": "0", "not_yet": str(len(ids) - 5)}


def test_floor_picture_rows_run_top_floor_down(client, login_as, make_world):
    built = make_world(tower_floors=25, doors_per_floor=4)
    login_as(built.users["lead"])
    html = client.get(f"/buildings/{built.tower_id}/floors").get_data(as_text=True)
    floors = [int(n) for n in re.findall(r'<tr><th scope="row">(\d+)</th>', html)]
    assert floors == list(range(25, 0, -1))  # every floor, top down, on one picture
    assert len(re.findall(r'class="cell cell-\w+" href="/h/', html)) == 25 * 4


def test_bungalows_are_a_row_of_houses(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import Building

    with app.app_context():
        row = db.session.scalar(select(Building).where(Building.kind == "bungalow",
                                                       Building.community_id == world.first_community))
    login_as("secretary")
    html = client.get(f"/buildings/{row.id}/floors").get_data(as_text=True)
    assert "row-of-houses" in html and "<table" not in html


def test_floor_picture_is_scoped(client, login_as, world):
    login_as("lead")
    assert client.get(f"/buildings/{world.other_building}/floors").status_code == 404


def test_care_list_shows_the_last_contact(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import CareTag, Resident, utcnow

    with app.app_context():
        door = households_of_building(world.lead_building)[0]
        person = Resident(household_id=door.id, name="独居测试", category="local_permanent")
        db.session.add(person)
        db.session.flush()
        db.session.add(CareTag(resident_id=person.id, tag="elderly_alone"))
        add_visit(door.id, user_id("lead"), "verified", utcnow())
        db.session.commit()
    login_as("lead")
    html = client.get("/care").get_data(as_text=True)
    entry = html.split("独居测试")[1].split("</li>")[0]
    assert "独居老人" in entry and "上次联系" in entry
    login_as("volunteer2")
    assert "独居测试" not in client.get("/care").get_data(as_text=True)


def test_the_floor_picture_says_what_its_small_times_mark_means(app, client, login_as, world):
    """A cell of a door nobody answered reads "1401 ×2"; on a phone nothing said what ×2 meant (the cells'
    titles need a hover). The legend now says it, and only when a cell carries the mark."""
    from webapp.coverage import active_campaign
    from webapp.extensions import db
    from webapp.models import utcnow

    login_as("lead")
    html = client.get(f"/buildings/{world.lead_building}/floors").get_data(as_text=True)
    assert "×" not in html  # no knocks yet: no mark, no note
    with app.app_context():
        doors = households_of_building(world.lead_building)
        campaign = active_campaign(doors[0].community_id, doors[0].grid_id)
        add_visit(doors[0].id, user_id("lead"), "not_home", utcnow(), campaign.id)
        db.session.commit()
    html = client.get(f"/buildings/{world.lead_building}/floors").get_data(as_text=True)
    assert "×1" in html
    assert '<li class="mark-note">×n：无人在家的次数</li>' in html


def test_escalated_doors_are_marked_and_counted_on_the_floor_picture(app, client, login_as, world):
    """A door nobody answered max_attempts times in the campaign in force is on the secretary's list: the
    lead's picture marks it escalated (its own style, a "!" beside its ×n, a legend entry with the rule)
    and counts it, whatever its last knock was and whether a slip was left; one knock short is not."""
    from webapp.coverage import active_campaign
    from webapp.extensions import db
    from webapp.models import NoteSlip, utcnow

    with app.app_context():
        doors = households_of_building(world.lead_building)
        campaign = active_campaign(doors[0].community_id, doors[0].grid_id)
        campaign.max_attempts = 3
        lead, now = user_id("lead"), utcnow()
        for _ in range(3):
            add_visit(doors[0].id, lead, "not_home", now, campaign.id)              # escalated
        for _ in range(2):
            add_visit(doors[1].id, lead, "not_home", now, campaign.id)              # one short
        for outcome in ("not_home", "not_home", "not_home", "refused"):
            last = add_visit(doors[2].id, lead, outcome, now, campaign.id)          # escalated, then refused
        slipped = add_visit(doors[3].id, lead, "not_home", now, campaign.id)
        slip = db.session.scalar(select(NoteSlip).where(NoteSlip.community_id == doors[3].community_id,
                                                        NoteSlip.state == "printed"))
        slip.state, slip.visit_id, slip.household_id, slip.bound_by_id, slip.bound_at = \
            "bound", slipped.id, doors[3].id, lead, now
        add_visit(doors[3].id, lead, "not_home", now, campaign.id)
        add_visit(doors[3].id, lead, "not_home", now, campaign.id)                  # escalated with a slip
        for outcome in ("not_home", "not_home", "not_home", "verified"):
            add_visit(doors[4].id, lead, outcome, now, campaign.id)                 # reached in the end
        for _ in range(3):
            add_visit(doors[5].id, lead, "not_home", now, None)                     # outside the campaign
        db.session.commit()
        tokens = [d.sticker_token for d in doors]
        assert last.outcome == "refused"
    login_as("lead")
    html = client.get(f"/buildings/{world.lead_building}/floors").get_data(as_text=True)
    by_token = dict((token, state) for state, token in re.findall(r'class="cell cell-(\w+)" href="/h/([\w-]+)"', html))
    assert [by_token[t] for t in tokens[:6]] == ["escalated", "not_home", "escalated", "escalated", "reached",
                                                 "not_yet"]
    counts = dict(re.findall(r'<li class="cell-(\w+)">[^<]*<strong>(\d+)</strong>', html))
    assert counts["escalated"] == "3" and counts["not_home"] == "1" and counts["slip_left"] == "0"
    assert counts["refused"] == "0" and counts["reached"] == "1"
    assert sum(map(int, counts.values())) == len(tokens)
    assert '<li class="cell-escalated">待跟进 <strong>3</strong></li>' in html
    # Not colour alone: the cell says it ("!" beside ×n, and its title), and the legend says what it means.
    cell = re.search(rf'<a class="cell cell-escalated" href="/h/{tokens[0]}"[^>]*>(.*?)</a>', html)
    assert "待跟进" in cell.group(0) and cell.group(1).endswith("<small>×3 !</small>")
    assert "待跟进（斜纹，标“!”）：已3次无人在家，已列入社区书记的跟进名单。" in html
    assert html.count(" !</small>") == 3


def test_the_escalated_mark_follows_the_campaigns_max_attempts(app, client, login_as, world):
    from webapp.coverage import active_campaign
    from webapp.extensions import db
    from webapp.models import utcnow

    with app.app_context():
        doors = households_of_building(world.lead_building)
        campaign = active_campaign(doors[0].community_id, doors[0].grid_id)
        campaign.max_attempts = 5
        for _ in range(4):
            add_visit(doors[0].id, user_id("lead"), "not_home", utcnow(), campaign.id)
        db.session.commit()
        campaign_id = campaign.id
    login_as("lead")
    html = client.get(f"/buildings/{world.lead_building}/floors").get_data(as_text=True)
    assert "cell cell-escalated" not in html and "<li class=\"cell-escalated\">待跟进 <strong>0</strong>" in html
    assert "斜纹" not in html  # no escalated door: no note about them
    with app.app_context():
        add_visit(doors[0].id, user_id("lead"), "not_home", utcnow(), campaign_id)
        db.session.commit()
    html = client.get(f"/buildings/{world.lead_building}/floors").get_data(as_text=True)
    assert html.count("cell cell-escalated") == 1 and "已5次无人在家" in html


def _walk_links(html: str, building_id: int) -> list[int]:
    return [m.start() for m in re.finditer(rf'href="/buildings/{building_id}/walk"', html)]


def test_a_tall_picture_offers_the_walk_before_it_and_a_short_one_only_after(app, client, login_as, make_world):
    """A 25-floor tower's picture is several screens tall: 逐户走访 is offered above it as well as below.
    A building that fits a phone's screen keeps the one button under the picture."""
    built = make_world(tower_floors=25, doors_per_floor=4)
    login_as(built.users["lead"])
    html = client.get(f"/buildings/{built.tower_id}/floors").get_data(as_text=True)
    links = _walk_links(html, built.tower_id)
    assert len(links) == 2 and links[0] < html.index("<table") < links[1]
    assert html[links[0]:].startswith(f'href="/buildings/{built.tower_id}/walk">逐户走访</a>')


def test_a_short_building_keeps_one_walk_button(app, client, login_as, make_world):
    from webapp.extensions import db
    from webapp.models import Building

    built = make_world(tower_floors=5, doors_per_floor=4)
    login_as(built.users["lead"])
    html = client.get(f"/buildings/{built.tower_id}/floors").get_data(as_text=True)
    links = _walk_links(html, built.tower_id)
    assert len(links) == 1 and links[0] > html.index("</table>")
    with app.app_context():
        assert db.session.get(Building, built.tower_id).kind == "tower"


def test_a_picture_is_tall_by_its_rows_of_cells_not_its_floors(app, client, login_as, make_world):
    """Three floors of eight doors are six rows of four on a phone: taller than a screen with the legend."""
    built = make_world(tower_floors=3, doors_per_floor=8)
    login_as(built.users["lead"])
    html = client.get(f"/buildings/{built.tower_id}/floors").get_data(as_text=True)
    assert len(_walk_links(html, built.tower_id)) == 2


def test_without_a_campaign_in_force_the_note_names_no_secretarys_list(app, client, login_as, world):
    """The picture and the card apply the same rule with or without a drive; only a drive's escalated doors
    are on a secretary's list, so without one the legend does not send the lead there."""
    from webapp.coverage import forget_campaigns
    from webapp.extensions import db
    from webapp.models import Campaign, utcnow

    with app.app_context():
        doors = households_of_building(world.lead_building)
        for campaign in db.session.scalars(select(Campaign)):
            db.session.delete(campaign)
        for _ in range(3):
            add_visit(doors[0].id, user_id("lead"), "not_home", utcnow())
        db.session.commit()
        forget_campaigns()
    login_as("lead")
    html = client.get(f"/buildings/{world.lead_building}/floors").get_data(as_text=True)
    assert html.count("cell cell-escalated") == 1
    assert "待跟进（斜纹，标“!”）：已3次无人在家，需要跟进。" in html and "书记" not in html

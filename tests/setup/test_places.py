"""Places: grids, the building generator, households added, edited, merged and removed."""
import re

from sqlalchemy import select

from tests.setup.helpers import count, post


def test_generator_numbering_and_skipped_floors():
    from webapp.setup.services import floor_labels, generate_doors

    assert floor_labels(6, {4}) == [1, 2, 3, 5, 6, 7]
    doors = generate_doors("walkup", "幸福里5号", entrances=2, floors=6, per_floor=2, skip={4})
    assert len(doors) == 24
    assert doors[0].address == "幸福里5号1单元101" and doors[0].room == "101"
    assert "幸福里5号2单元301" in [d.address for d in doors]
    assert not any(d.floor == 4 for d in doors) and max(d.floor for d in doors) == 7
    tower = generate_doors("tower", "幸福大厦", floors=15, per_floor=4, skip={4, 13, 14})
    assert tower[-1].address == "幸福大厦1804" and tower[-1].floor == 18
    row = generate_doors("bungalow", "幸福里", count=3, start=80)
    assert [d.address for d in row] == ["幸福里80号", "幸福里81号", "幸福里82号"]


def test_secretary_creates_a_grid_and_generates_a_building_with_stickers(app, login_as, world):
    from webapp.extensions import db
    from webapp.models import Building, Grid, Household

    client = login_as("secretary")
    assert client.get("/setup").status_code == 200
    response = post(client, "/setup/grids", {"name": "第九网格"})
    assert response.status_code == 303
    with app.app_context():
        grid = db.session.scalar(select(Grid).where(Grid.name == "第九网格"))
        assert grid.community_id == world.first_community
    assert post(client, "/setup/grids", {"name": "第九网格"}).status_code == 422  # taken
    data = {"name": "幸福里5号楼", "grid": grid.id, "kind": "walkup", "address_prefix": "幸福里5号", "entrances": 2,
            "floors": 5, "per_floor": 2, "skip": "4"}
    response = post(client, "/setup/buildings/new", data)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with app.app_context():
        building = db.session.scalar(select(Building).where(Building.name == "幸福里5号楼"))
        assert building.floors == 6
        db.session.commit()
    assert count(app, Household, Household.building_id == building.id) == 20
    sheet = client.get(f"/buildings/{building.id}/stickers")
    assert sheet.status_code == 200 and "幸福里5号2单元601" in sheet.get_data(as_text=True)
    # The same name again: a message beside the field, nothing made.
    again = post(client, "/setup/buildings/new", data)
    assert again.status_code == 422 and 'class="error"' in again.get_data(as_text=True)
    bad = post(client, "/setup/buildings/new", {**data, "name": "x" * 81, "floors": 999, "skip": "四"})
    assert bad.status_code == 422
    # A taken name and a bad floor count in one try: both said at once.
    both = post(client, "/setup/buildings/new", {**data, "floors": 999}).get_data(as_text=True)
    assert "已有同名楼栋" in both and both.count('class="error"') >= 2
    assert count(app, Household, Household.building_id == building.id) == 20


def test_households_added_edited_merged_and_removed(app, login_as, world):
    from webapp.extensions import db
    from webapp.models import Household, RetiredSticker, StatusChange, Visit

    client = login_as("secretary")
    with app.app_context():
        visited = db.session.scalar(select(Household).where(Household.sticker_token == world.other_household))
        building_id, visited_id = visited.building_id, visited.id
    response = post(client, f"/setup/buildings/{building_id}/households",
                    {"entrance": 1, "floor": 9, "room": "901", "address": "测试地址901",
                     "status": "occupied"})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with app.app_context():
        added = db.session.scalar(select(Household).where(Household.address == "测试地址901"))
        added_id, added_token = added.id, added.sticker_token
    # The same door again is refused beside the field.
    again = post(client, f"/setup/buildings/{building_id}/households",
                 {"entrance": 1, "floor": 9, "room": "901", "address": "别的地址",
                  "status": "occupied"})
    assert again.status_code == 422
    edit = post(client, f"/setup/households/{added_id}", {"entrance": 1, "floor": 9, "room": "901",
                                                           "address": "测试地址901", "status": "vacant"})
    assert edit.status_code == 303
    assert count(app, StatusChange, StatusChange.household_id == added_id) == 1
    # Merge the new one into the visited one: its sticker now says "replaced".
    merged = post(client, f"/setup/households/{added_id}/merge", {"target": visited_id})
    assert merged.status_code == 303, merged.get_data(as_text=True)[-3000:]
    assert count(app, Household, Household.id == added_id) == 0
    assert count(app, RetiredSticker, RetiredSticker.token == added_token) == 1
    # A household with visits is never deleted: it is marked as moved out.
    from webapp.models import User

    with app.app_context():
        volunteer = db.session.scalar(select(User.id).where(User.username == "volunteer"))
        db.session.add(Visit(request_id="visit-before-remove", household_id=visited_id, user_id=volunteer,
                             outcome="not_home"))
        db.session.commit()
    has_visits = visited_id
    removed = post(client, f"/setup/households/{has_visits}/remove", {"confirmed": "1"})
    assert removed.status_code == 303
    with app.app_context():
        assert db.session.get(Household, has_visits).status == "moved_out"


def test_places_of_another_community_are_404(app, login_as, world):
    from webapp.extensions import db
    from webapp.models import Household

    client = login_as("secretary")
    with app.app_context():
        other = db.session.scalar(select(Household.id).where(Household.sticker_token == world.second_household))
    assert client.get(f"/setup/buildings/{world.second_building}").status_code == 404
    assert client.get(f"/setup/households/{other}").status_code == 404
    assert post(client, f"/setup/grids/{world.second_grid}", {"name": "x"}).status_code == 404
    assert client.get(f"/setup?community={world.second_community}").status_code == 404
    assert login_as("volunteer").get("/setup").status_code == 404


def test_admin_creates_a_street_and_a_community_and_moves_it(app, login_as):
    from webapp.extensions import db
    from webapp.models import Community, Street

    client = login_as("admin")
    assert client.get("/setup/communities").status_code == 200
    assert post(client, "/setup/streets", {"name": "西湖街道"}).status_code == 303
    with app.app_context():
        street = db.session.scalar(select(Street).where(Street.name == "西湖街道"))
        old_street = db.session.scalar(select(Street).where(Street.name != "西湖街道"))
    response = post(client, "/setup/communities", {"name": "新村社区", "street": old_street.id,
                                                   "callback_phone": "020-1234 5678"})
    assert response.status_code == 303
    with app.app_context():
        community = db.session.scalar(select(Community).where(Community.name == "新村社区"))
    # The message links to the next step: the new community's people page, to appoint its secretary.
    told = client.get(response.headers["Location"]).get_data(as_text=True)
    link = re.search(r'已创建社区新村社区。 <a class="button" href="([^"]+)">任命社区书记</a>', told)
    assert link and link.group(1) == f"/users?community={community.id}#add-person", told[told.find("flash"):][:300]
    people = client.get(link.group(1)).get_data(as_text=True)
    assert f'<a class="tab current" href="/users?community={community.id}#add-person">新村社区</a>' in people
    # The number typed with a Chinese IME in full-width mode (０２０－１２３４５６７８) is the number it shows.
    moved = post(client, f"/setup/communities/{community.id}",
                 {"name": "新村社区", "street": street.id, "callback_phone": "０２０－１２３４ ５６７８"})
    assert moved.status_code == 303, moved.get_data(as_text=True)[:3000]
    with app.app_context():
        assert db.session.get(Community, community.id).street_id == street.id
        assert db.session.get(Community, community.id).callback_phone == "020-1234 5678"
    page = client.get("/setup/communities").get_data(as_text=True)
    assert re.search(r"新村社区", page)
    assert login_as("secretary").get("/setup/communities").status_code == 404


def test_the_places_page_counts_what_the_community_has(app, login_as, world):
    """The set-up figures: grids, buildings and households of the community (not the district), and
    the households whose sticker sheet was opened."""
    from sqlalchemy import func

    from webapp.extensions import db
    from webapp.models import Building, Grid, Household

    client = login_as("secretary")
    with app.app_context():
        mine = Household.community_id == world.first_community
        grids = db.session.scalar(select(func.count()).select_from(Grid).where(Grid.community_id == world.first_community))
        buildings = db.session.scalar(select(func.count()).select_from(Building)
                                      .where(Building.community_id == world.first_community))
        households = db.session.scalar(select(func.count()).select_from(Household).where(mine))
        in_lead_building = db.session.scalar(select(func.count()).select_from(Household)
                                             .where(Household.building_id == world.lead_building))
    assert client.get(f"/buildings/{world.lead_building}/stickers").status_code == 200
    figures = client.get("/setup").get_data(as_text=True).split("</dl>")[0]
    for label, value in (("网格", grids), ("楼栋", buildings), ("户数", households), ("已打印门牌码", in_lead_building)):
        assert f"<dt>{label}</dt><dd>{value}</dd>" in figures, (label, value, figures[-800:])


def test_the_communities_page_has_one_id_per_field_and_labels_that_point_at_them(app, login_as):
    """Each community's edit form, the new community and the new street share a page: no id twice."""
    from collections import Counter

    client = login_as("admin")
    page = client.get("/setup/communities").get_data(as_text=True)
    ids = Counter(re.findall(r'\bid="([^"]+)"', page))
    assert not [i for i, n in ids.items() if n > 1], ids
    labels = re.findall(r'<label for="([^"]+)"', page)
    assert len(labels) >= 7 and all(ids[target] == 1 for target in labels)
    # The fields still post under their own names.
    assert page.count('name="callback_phone"') == page.count('name="street"') >= 3


def test_a_community_edit_sent_back_shows_its_message_beside_the_field_in_its_own_open_form(app, login_as):
    from webapp.extensions import db
    from webapp.models import Community

    client = login_as("admin")
    with app.app_context():
        first = db.session.scalar(select(Community).order_by(Community.id))
        first_id, street = first.id, first.street_id
    response = post(client, f"/setup/communities/{first_id}", {"name": "", "street": street,
                                                               "callback_phone": "not a phone"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    edit = page[page.index(f'action="/setup/communities/{first_id}"'):]
    edit = edit[:edit.index("</form>")]
    assert 'id="c%d-name"' % first_id in edit and "必填" in edit and "只能填数字、空格和 -" in edit
    assert 'value="not a phone"' in edit  # what was typed stays, to be corrected
    opened = page[:page.index(f'action="/setup/communities/{first_id}"')].rsplit("<details", 1)[1]
    assert opened.startswith(' class="card" open')
    assert 'class="flash error"' not in page
    with app.app_context():
        assert db.session.get(Community, first_id).name == first.name


def test_a_community_name_in_the_created_message_is_text_not_markup(app, login_as):
    from webapp.extensions import db
    from webapp.models import Street

    client = login_as("admin")
    with app.app_context():
        street = db.session.scalar(select(Street))
    response = post(client, "/setup/communities", {"name": "<b>新村</b>", "street": street.id})
    assert response.status_code == 303
    told = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已创建社区&lt;b&gt;新村&lt;/b&gt;。" in told and "<b>新村</b>" not in told


def test_a_door_typed_with_full_width_digits_is_the_same_door(app, login_as, world):
    """A secretary on a Chinese keyboard types ３０３ and 桂园路３号: the door is 303 at 桂园路3号 (as the registry
    import keeps it), so the same door typed in ASCII afterwards is refused as taken, not added twice, and a
    search for 3号 finds it."""
    from webapp.extensions import db
    from webapp.models import Building, Household

    client = login_as("secretary")
    with app.app_context():
        building_id = db.session.scalar(select(Household.building_id).where(
            Household.sticker_token == world.other_household))
    response = post(client, f"/setup/buildings/{building_id}/households",
                    {"entrance": "１", "floor": "９", "room": "９０３", "address": "测试路３号１单元９０３（东）",
                     "status": "occupied"})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with app.app_context():
        added = db.session.scalar(select(Household).where(Household.building_id == building_id,
                                                          Household.room == "903"))
        assert added is not None and added.address == "测试路3号1单元903（东）"
    again = post(client, f"/setup/buildings/{building_id}/households",
                 {"entrance": 1, "floor": 9, "room": "903", "address": "测试路3号1单元903",
                  "status": "occupied"})
    assert again.status_code == 422 and "此单元已有该门牌号" in again.get_data(as_text=True)
    # The generator alike: its address prefix and name, typed full-width, are kept in ASCII digits.
    with app.app_context():
        grid_id = db.session.scalar(select(Building.grid_id).where(Building.id == building_id))
    made = post(client, "/setup/buildings/new", {"name": "测试路５号楼", "grid": grid_id, "kind": "walkup",
                                                 "address_prefix": "测试路５号", "entrances": 1, "floors": 1,
                                                 "per_floor": 1})
    assert made.status_code == 303, made.get_data(as_text=True)[:2000]
    assert count(app, Household, Household.address == "测试路5号1单元101") == 1
    assert count(app, Building, Building.name == "测试路5号楼") == 1

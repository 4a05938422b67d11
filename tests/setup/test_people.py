"""The people page: add with a one-time code, change assignments, reset a password, end access."""
import re

from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.setup.helpers import post

CODE = re.compile(r'data-code>([a-z0-9-]+)<')


def _log_in(app, username, password):
    client = app.test_client()
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    return client, response


def test_secretary_adds_a_volunteer_who_must_choose_a_password(app, login_as, world):
    client = login_as("secretary")
    page = client.get("/users")
    assert page.status_code == 200
    response = post(client, "/users", {"username": "xiaowang", "name": "小王", "phone": "13700137000",
                                       "role": "volunteer", "grids": [world.volunteer_grid], "valid_until": "2099-12-31"})
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    code = CODE.search(response.get_data(as_text=True)).group(1)
    assert "xiaowang" in client.get("/users").get_data(as_text=True)
    person, login = _log_in(app, "xiaowang", code)
    assert login.status_code == 303
    assert person.get("/").headers["Location"].endswith("/password")  # a code is good for choosing a password only
    weak = post(person, "/password", {"password": "12345678", "again": "12345678"}, token_from="/password")
    assert weak.status_code == 422 and 'class="error"' in weak.get_data(as_text=True)
    good = post(person, "/password", {"password": "bright-lantern-42", "again": "bright-lantern-42"},
                token_from="/password")
    assert good.status_code == 303
    assert person.get("/").status_code == 200
    assert _log_in(app, "xiaowang", code)[1].status_code == 422  # the code works once
    assert _log_in(app, "xiaowang", "bright-lantern-42")[1].status_code == 303


def test_grid_and_household_mistakes_are_shown_beside_the_field(app, login_as, world):
    from webapp.extensions import db
    from webapp.models import Grid

    client = login_as("secretary")
    with app.app_context():
        names = db.session.scalars(select(Grid.name).where(Grid.community_id == world.first_community)
                                   .order_by(Grid.id)).all()
        grid_id = db.session.scalar(select(Grid.id).where(Grid.name == names[0],
                                                          Grid.community_id == world.first_community))
    taken = post(client, f"/setup/grids/{grid_id}", {"name": names[1]})
    assert taken.status_code == 422 and 'class="error"' in taken.get_data(as_text=True)
    empty = post(client, f"/setup/buildings/{world.other_building}/households",
                 {"entrance": "0", "floor": "99999999999", "room": "", "address": "x" * 121, "status": "castle"})
    assert empty.status_code == 422
    page = empty.get_data(as_text=True)
    assert page.count('class="error"') >= 4


def test_bad_input_is_shown_beside_the_field(app, login_as, world):
    client = login_as("secretary")
    taken = post(client, "/users", {"username": "volunteer", "name": "x", "role": "volunteer",
                                    "grids": [world.volunteer_grid]})
    assert taken.status_code == 422
    nothing = post(client, "/users", {"username": "newbie", "name": "新人", "role": "volunteer"})
    assert nothing.status_code == 422
    foreign = post(client, "/users", {"username": "newbie", "name": "新人", "role": "volunteer",
                                      "grids": [world.second_grid]})
    assert foreign.status_code == 422  # a grid of another community is not on the list
    assert "请从列表中选择" in foreign.get_data(as_text=True)
    secretary = post(client, "/users", {"username": "newbie", "name": "新人", "role": "secretary",
                                        "community": world.first_community})
    assert secretary.status_code == 422  # only an admin appoints a secretary
    far = post(client, "/users", {"username": "newbie", "name": "新人", "role": "volunteer",
                                  "grids": [world.volunteer_grid], "valid_until": "9999-12-31"})
    assert far.status_code == 422
    long_name = post(client, "/users", {"username": "newbie", "name": "王" * 80, "role": "volunteer",
                                        "grids": [world.volunteer_grid]})
    assert long_name.status_code == 422


def test_every_mistake_in_adding_a_person_is_shown_at_once(app, login_as, world):
    """A bad phone, a taken user name and no grid: three messages beside three fields, in one answer."""
    from webapp.models import User
    from tests.doors.helpers import count

    client = login_as("secretary")
    before = count(app, User)
    response = post(client, "/users", {"username": "volunteer", "name": "小张", "phone": "12ab", "role": "volunteer"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for message in ("该用户名已被使用", "请输入数字电话号码", "请至少选择一个网格或楼栋"):
        assert message in page, message
    assert count(app, User) == before


def test_reset_and_end_access_end_sessions(app, login_as, world):
    from webapp.extensions import db
    from webapp.models import User

    volunteer, _ = _log_in(app, "volunteer", PASSWORD)
    assert volunteer.get("/").status_code == 200
    client = login_as("secretary")
    with app.app_context():
        volunteer_id = db.session.scalar(select(User.id).where(User.username == "volunteer"))
    assert client.get(f"/users/{volunteer_id}").status_code == 200
    # Without JavaScript the reset asks first, naming the person, and changes nothing until confirmed.
    asked = post(client, f"/users/{volunteer_id}/reset")
    assert asked.status_code == 200 and "确定" in asked.get_data(as_text=True) and "重置" in asked.get_data(as_text=True)
    assert volunteer.get("/").status_code == 200
    reset = post(client, f"/users/{volunteer_id}/reset", {"confirmed": "1"})
    code = CODE.search(reset.get_data(as_text=True)).group(1)
    ended_session = volunteer.get("/password")  # even the page for choosing a password: logged out
    assert ended_session.status_code == 302 and "/login" in ended_session.headers["Location"]
    assert _log_in(app, "volunteer", PASSWORD)[1].status_code == 422
    again, login = _log_in(app, "volunteer", code)
    assert login.status_code == 303
    ended = post(client, f"/users/{volunteer_id}/end", {"confirmed": "1"})
    assert ended.status_code == 303
    assert again.get("/password").status_code == 302  # logged out at once
    assert _log_in(app, "volunteer", code)[1].status_code in (403, 422)
    assert "volunteer" not in re.findall(r"\((\w+)\)</span>", client.get("/users").get_data(as_text=True))


def test_changing_assignments_and_scope(app, login_as, world):
    from webapp.extensions import db
    from webapp.models import User

    client = login_as("secretary")
    with app.app_context():
        ids = dict(db.session.execute(select(User.username, User.id)).all())
    changed = post(client, f"/users/{ids['volunteer']}", {"role": "lead", "buildings": [world.other_building]})
    assert changed.status_code == 303
    with app.app_context():
        user = db.session.get(User, ids["volunteer"])
        assert [(a.role, a.building_id) for a in user.current_assignments()] == [("lead", world.other_building)]
    # Another community's people, secretaries and admins are not hers.
    for name in ("volunteer2", "admin", "secretary"):
        assert client.get(f"/users/{ids[name]}").status_code == 404
        assert post(client, f"/users/{ids[name]}/reset").status_code == 404
    assert login_as("volunteer2").get("/users").status_code == 404


def test_admin_appoints_a_secretary(app, login_as, world):
    client = login_as("admin")
    response = post(client, "/users", {"username": "shuji2", "name": "李书记", "role": "secretary",
                                       "community": world.second_community})
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    code = CODE.search(response.get_data(as_text=True)).group(1)
    person, login = _log_in(app, "shuji2", code)
    assert login.status_code == 303
    post(person, "/password", {"password": "second-community-9", "again": "second-community-9"}, token_from="/password")
    assert person.get(f"/setup?community={world.second_community}").status_code == 200
    assert person.get(f"/setup?community={world.first_community}").status_code == 404
    from webapp.extensions import db
    from webapp.models import User

    with app.app_context():
        ids = dict(db.session.execute(select(User.username, User.id)).all())
    assert client.get(f"/users/{ids['secretary']}").status_code == 200  # an admin manages secretaries
    assert client.get(f"/users/{ids['admin']}").status_code == 404  # but not their own access


def test_ending_access_and_removing_a_household_ask_first(app, login_as, world):
    """Destructive set-up buttons are hx-post forms with hx-confirm (htmx asks only of its own requests),
    and the views answer htmx with HX-Redirect."""
    from webapp.extensions import db
    from webapp.models import Household, User

    client = login_as("secretary")
    with app.app_context():
        volunteer_id = db.session.scalar(select(User.id).where(User.username == "volunteer"))
        household_id = db.session.scalar(select(Household.id).where(Household.sticker_token == world.volunteer_household))
    for page, action in ((f"/users/{volunteer_id}", f"/users/{volunteer_id}/end"),
                         (f"/setup/households/{household_id}", f"/setup/households/{household_id}/remove")):
        html = client.get(page).get_data(as_text=True)
        tag = re.search(r'<form\b[^>]*action="' + re.escape(action) + r'"[^>]*>', html).group(0)
        assert f'hx-post="{action}"' in tag and "hx-confirm=" in tag, tag
        token = re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)
        answer = post(client, action, headers={"HX-Request": "true", "X-CSRFToken": token})
        assert answer.status_code == 200 and answer.headers["HX-Redirect"], action


def test_saving_a_person_as_shown_keeps_when_their_access_ends(app, login_as, world):
    """The person page showed no end date, even for a helper whose access ends, and saving it as shown wrote
    the assignments again with no end: a temporary helper kept access for good. Now the page shows the last
    day, saving as shown keeps the end to the minute (an invite's end need not fall at midnight), a new day
    ends with that day, and an empty field means no end."""
    from datetime import date, datetime, timedelta

    from webapp.clock import end_of_local_day
    from webapp.extensions import db
    from webapp.models import User

    from tests.forms import form_fields

    client = login_as("secretary")
    last_day = date.today() + timedelta(days=30)
    added = post(client, "/users", {"username": "linshi", "name": "临时帮手", "phone": "", "role": "volunteer",
                                    "grids": [world.volunteer_grid], "valid_until": last_day.isoformat()})
    assert added.status_code == 200

    def ends(person_id):
        with app.app_context():
            return {a.valid_until for a in db.session.get(User, person_id).current_assignments()}

    with app.app_context():
        person_id = db.session.scalar(select(User.id).where(User.username == "linshi"))
        expected = end_of_local_day(last_day)
    assert ends(person_id) == {expected}
    assert f"至 {last_day.year}/{last_day.month}/{last_day.day}" in client.get("/users").get_data(as_text=True)

    def save_as_shown(**typed):
        page = client.get(f"/users/{person_id}").get_data(as_text=True)
        fields = form_fields(page, f"/users/{person_id}")
        fields.update(typed)
        return fields, client.post(f"/users/{person_id}", data=fields)

    fields, saved = save_as_shown()
    assert fields["valid_until"] == last_day.isoformat() and saved.status_code == 303
    assert ends(person_id) == {expected}
    # An end that is not at midnight (as an invite sets it) is kept to the minute.
    odd = datetime.combine(last_day, datetime.min.time()) + timedelta(hours=7, minutes=17)
    with app.app_context():
        for assignment in db.session.get(User, person_id).current_assignments():
            assignment.valid_until = odd
        db.session.commit()
    fields, saved = save_as_shown()
    assert saved.status_code == 303 and ends(person_id) == {odd}
    # Another day: access ends with that day; no day: no end.
    later = last_day + timedelta(days=10)
    assert save_as_shown(valid_until=later.isoformat())[1].status_code == 303
    with app.app_context():
        assert ends(person_id) == {end_of_local_day(later)}
    assert save_as_shown(valid_until="")[1].status_code == 303
    assert ends(person_id) == {None}


def test_a_person_whose_access_ended_is_listed_and_can_be_given_it_back(app, login_as, world):
    """Someone ended by mistake (or a helper worth keeping after their invite) used to vanish from the
    secretary's list, and their page was a 404: nobody but an administrator could bring them back. Now they
    are listed under 权限已结束的人员; their page fills in what they last held, and saving gives it back."""
    from webapp.extensions import db
    from webapp.models import User

    from tests.forms import form_fields

    client = login_as("secretary")
    with app.app_context():
        ids = dict(db.session.execute(select(User.username, User.id)).all())
    volunteer_id = ids["volunteer"]

    def held():
        with app.app_context():
            return sorted((a.role, a.grid_id, a.building_id)
                          for a in db.session.get(User, volunteer_id).current_assignments())

    held_before = held()
    assert len(held_before) > 1
    assert post(client, f"/users/{volunteer_id}/end", {"confirmed": "1"}).status_code == 303
    assert held() == []
    assert _log_in(app, "volunteer", PASSWORD)[1].status_code in (403, 422)
    listing = client.get("/users").get_data(as_text=True)
    ended_section = listing[listing.index('id="ended"'):]
    assert "权限已结束的人员" in ended_section and f'href="/users/{volunteer_id}?' in ended_section
    assert "volunteer2" not in ended_section  # another community's people are not hers, ended or not

    page = client.get(f"/users/{volunteer_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "恢复权限" in html and "立即结束权限" not in html
    fields = form_fields(html, f"/users/{volunteer_id}")
    assert fields["role"] == "volunteer"
    assert sorted(map(int, fields["grids"])) == sorted(grid for _, grid, _ in held_before if grid)
    assert fields["valid_until"] == ""  # the old end is past: no end unless she chooses one
    given = client.post(f"/users/{volunteer_id}", data=fields)
    assert given.status_code == 303
    with app.app_context():
        assert not db.session.get(User, volunteer_id).disabled
    assert held() == held_before
    assert _log_in(app, "volunteer", PASSWORD)[1].status_code == 303  # the same password works again
    listing = client.get("/users").get_data(as_text=True)
    assert 'id="ended"' not in listing

    # Another community's secretary sees none of it; people ended elsewhere stay a 404 to her.
    assert post(client, f"/users/{ids['volunteer2']}", {"role": "volunteer"}).status_code == 404
    admin = login_as("admin")  # the same test client, now the administrator's
    assert post(admin, f"/users/{ids['volunteer2']}/end", {"confirmed": "1"}).status_code == 303
    client = login_as("secretary")
    assert client.get(f"/users/{ids['volunteer2']}").status_code == 404
    assert f"/users/{ids['volunteer2']}?" not in client.get("/users").get_data(as_text=True)


def test_choosing_ones_password_twice_with_one_request_id_sets_it_once(app, login_as):
    """A double tap or a resend of the password form: the second changes nothing and answers as the first."""
    from webapp.extensions import db
    from webapp.models import User

    client = login_as("volunteer")

    def stored():
        with app.app_context():
            user = db.session.scalar(select(User).where(User.username == "volunteer"))
            return user.password_hash, user.session_version

    before = stored()
    form = {"password": "bright-lantern-42", "again": "bright-lantern-42"}
    first = post(client, "/password", form, request_id="own-password-0001", token_from="/password")
    assert first.status_code == 303 and first.headers["Location"] in ("/", "http://localhost/")
    after_first = stored()
    assert after_first[0] != before[0] and after_first[1] == before[1] + 1
    again = post(client, "/password", form, request_id="own-password-0001", token_from="/password")
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert stored() == after_first  # not hashed again, no session ended again
    assert client.get("/").status_code == 200  # this session goes on
    assert _log_in(app, "volunteer", "bright-lantern-42")[1].status_code == 303


def test_a_phone_with_spaces_or_full_width_digits_is_taken_as_its_digits(app, login_as, world):
    """A secretary copies a number as people write it (138 2222 3333) or types it with a Chinese IME (１３８…)."""
    from webapp.extensions import db
    from webapp.models import User

    client = login_as("secretary")
    for username, typed in (("xiaozhou", "138 2222 3333"), ("xiaoqian", "１３８-２２２２-３３３４")):
        response = post(client, "/users", {"username": username, "name": "小周", "phone": typed, "role": "volunteer",
                                           "grids": [world.volunteer_grid]})
        assert response.status_code == 200 and CODE.search(response.get_data(as_text=True)), \
            response.get_data(as_text=True)[:3000]
    with app.app_context():
        assert db.session.scalars(select(User.phone).where(User.username.in_(("xiaozhou", "xiaoqian")))
                                  .order_by(User.username)).all() == ["13822223334", "13822223333"]


def test_a_sticker_scanned_before_the_first_login_opens_once_the_password_is_chosen(app, login_as, world):
    """A new volunteer's first act is scanning a door: /h/<token> asks for a login, the one-time code asks for a
    password, and then the card of that door opens (not the home page, which would make them scan again).
    Only a same-site path is followed."""
    client = login_as("secretary")
    response = post(client, "/users", {"username": "xiaozhao", "name": "小赵", "phone": "13700137001",
                                       "role": "volunteer", "grids": [world.volunteer_grid]})
    code = CODE.search(response.get_data(as_text=True)).group(1)
    person, _login = _log_in(app, "xiaozhao", code)
    card = f"/h/{world.volunteer_household}"
    asked = person.get(card)
    assert asked.status_code == 302 and asked.headers["Location"].endswith(f"/password?next=/h/{world.volunteer_household}")
    page = person.get(asked.headers["Location"]).get_data(as_text=True)
    assert f'action="/password?next=/h/{world.volunteer_household}"' in page
    weak = post(person, f"/password?next={card}", {"password": "12345678", "again": "12345678"}, token_from="/password")
    assert weak.status_code == 422 and f'action="/password?next=/h/{world.volunteer_household}"' in weak.get_data(as_text=True)
    done = post(person, f"/password?next={card}", {"password": "bright-lantern-43", "again": "bright-lantern-43"},
                token_from="/password")
    assert done.status_code == 303 and done.headers["Location"].endswith(card)
    assert person.get(card).status_code == 200
    # Straight from the login to the home page: no next; another site's address is never followed.
    assert person.get("/").status_code == 200
    other, _login = _log_in(app, "xiaozhao", "bright-lantern-43")
    with app.app_context():
        from webapp.extensions import db
        from webapp.models import User

        db.session.execute(User.__table__.update().where(User.username == "xiaozhao").values(must_change_password=True))
        db.session.commit()
    assert other.get("/").headers["Location"].endswith("/password")
    away = post(other, "/password?next=//evil.example/h/x", {"password": "bright-lantern-44", "again": "bright-lantern-44"},
                token_from="/password")
    assert away.status_code == 303 and away.headers["Location"] in ("/", "http://localhost/")


def test_the_admins_people_page_names_each_grids_community(app, login_as):
    """The admin's people page lists everyone of the street: 第一网格 of 长庚社区 and 第一网格 of 新塘社区 are told
    apart by their community; a secretary, whose page holds one community, reads the grid's name alone."""
    import html

    def rows(page):
        return [html.unescape(re.sub(r"<[^>]+>", "", m)).strip()
                for m in re.findall(r'<span class="meta">(.*?)</span>', page, re.S)]

    admin = rows(login_as("admin").get("/users").get_data(as_text=True))
    assert any(r.startswith("网格员／志愿者：新塘社区 第一网格") for r in admin), admin
    assert any(r.startswith("网格员／志愿者：长庚社区 第一网格") for r in admin), admin
    secretary = rows(login_as("secretary").get("/users").get_data(as_text=True))
    assert any(r.startswith("网格员／志愿者：第一网格") for r in secretary), secretary

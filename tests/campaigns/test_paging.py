"""The secretary's long lists beside a form: invites, pushed lists and stickers reported on the wrong door
show every row 50 at a time (they stopped at 100 without a word), only of her own community."""
import json
import re
import uuid
from datetime import timedelta

from sqlalchemy import select

from tests.paging import HTMX, check_bad_pages, more_links, page_through


def _ids(app, username):
    from webapp.extensions import db
    from webapp.models import User

    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def _numbered(word):
    def numbers(html):
        return [int(n) for n in re.findall(word + r"(\d+)号", html)]
    return numbers


def _flags_part(html):
    start = html.index("<h2>贴错门的门牌码")
    return html[start:]


def test_invites_page_newest_first(app, client, auth, login_as, make_world):
    from webapp.extensions import db
    from webapp.models import Invite, utcnow

    built = make_world()
    secretary = _ids(app, built.users["secretary"])
    with app.app_context():
        start = utcnow() - timedelta(days=10)
        db.session.add_all([Invite(request_id=uuid.uuid4().hex, community_id=built.community_id, code=f"YQ{n:06d}",
                                   title=f"邀请{n}号", role="volunteer", valid_from=start + timedelta(hours=n // 4),
                                   valid_until=start + timedelta(days=30), max_joins=10, created_by_id=secretary)
                            for n in range(1, 121)])
        db.session.commit()
    login_as(built.users["secretary"])
    path = f"/invites?community={built.community_id}"
    first = client.get(path).get_data(as_text=True)
    assert '<span class="count">120</span>' in first and "新建邀请" in first
    # Newest first; invites opening at the same time, the newest id first.
    shown = page_through(client, path, "page", _numbered("邀请"))
    assert shown == list(range(120, 0, -1))
    assert f"community={built.community_id}" in more_links(first)[1]  # the chosen community is kept
    check_bad_pages(client, path, "page", _numbered("邀请"))
    # Out of scope: another community's secretary gets a 404, on any page.
    auth.logout()
    login_as("secretary")
    for page in ("", "&page=2"):
        assert client.get(path + page).status_code == 404
        assert client.get(path + page, headers=HTMX).status_code == 404
    assert _numbered("邀请")(client.get("/invites?page=3").get_data(as_text=True)) == []


def test_pushed_lists_page_newest_first_with_their_row_counts(app, client, auth, login_as, make_world):
    from webapp.extensions import db
    from webapp.models import ListRow, PushedList, utcnow

    built = make_world()
    secretary = _ids(app, built.users["secretary"])
    with app.app_context():
        start = utcnow() - timedelta(days=10)
        lists = [PushedList(request_id=uuid.uuid4().hex, community_id=built.community_id, title=f"名单{n}号",
                            header=json.dumps(["姓名"]), uploaded_by_id=secretary,
                            uploaded_at=start + timedelta(hours=n // 4)) for n in range(1, 111)]
        db.session.add_all(lists)
        db.session.flush()
        db.session.add_all([ListRow(list_id=lists[0].id, line=line, cells="{}") for line in range(1, 4)])
        db.session.commit()
    login_as(built.users["secretary"])
    path = f"/lists?community={built.community_id}"
    assert '<span class="count">110</span>' in client.get(path).get_data(as_text=True)
    assert page_through(client, path, "page", _numbered("名单")) == list(range(110, 0, -1))
    last = client.get(f"{path}&page=3", headers=HTMX).get_data(as_text=True)
    assert re.search(r"名单1号</span>\s*<span class=\"meta\">[^<]*· 3 行", last)
    check_bad_pages(client, path, "page", _numbered("名单"))
    auth.logout()
    login_as(built.users["volunteer"])  # not a secretary: no lists at all
    assert client.get("/lists?page=2").status_code == 404
    assert client.get(path + "&page=2", headers=HTMX).status_code == 404


def test_sticker_flags_page_newest_first_within_scope(app, client, auth, login_as, make_world):
    from webapp.extensions import db
    from webapp.models import Household, StickerFlag, utcnow

    built = make_world()
    volunteer = _ids(app, built.users["volunteer"])
    with app.app_context():
        doors = db.session.scalars(select(Household.id).where(Household.community_id == built.community_id)
                                   .order_by(Household.id)).all()
        start = utcnow() - timedelta(days=3)
        db.session.add_all([StickerFlag(household_id=doors[n % len(doors)], reported_by_id=volunteer,
                                        found_at_address=f"别处{n}号", at=start + timedelta(minutes=n // 3),
                                        resolved_at=start if n > 130 else None)
                            for n in range(1, 136)])  # 130 open, 5 already checked
        db.session.commit()
    login_as(built.users["secretary"])
    assert '<span class="count">130</span>' in _flags_part(client.get("/campaigns").get_data(as_text=True))
    shown = page_through(client, "/campaigns", "flags_page", _numbered("别处"), _flags_part)
    assert shown == list(range(130, 0, -1))
    check_bad_pages(client, "/campaigns", "flags_page", _numbered("别处"), _flags_part)

    # A flag of the second page is checked from the rows htmx brought: it leaves the list.
    second = client.get("/campaigns?flags_page=2", headers=HTMX).get_data(as_text=True)
    flag_id = re.search(r'action="/stickers/flags/(\d+)/resolve"', second).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', second).group(1)
    response = client.post(f"/stickers/flags/{flag_id}/resolve",
                           data={"csrf_token": token, "request_id": uuid.uuid4().hex})
    assert response.status_code == 303
    assert '<span class="count">129</span>' in _flags_part(client.get("/campaigns").get_data(as_text=True))

    # Another community's secretary sees none of them, on any page; a volunteer has no such page.
    auth.logout()
    login_as("secretary")
    assert _numbered("别处")(client.get("/campaigns?flags_page=3").get_data(as_text=True)) == []
    assert _numbered("别处")(client.get("/campaigns?flags_page=2", headers=HTMX).get_data(as_text=True)) == []
    auth.logout()
    login_as(built.users["volunteer"])
    assert client.get("/campaigns?flags_page=2", headers=HTMX).status_code == 404

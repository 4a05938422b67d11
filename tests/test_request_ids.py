"""A request id names one write of one person (webapp/idempotency.py): sent again by that person for the
same kind of write it is a replay and answers as the first did; used by someone else, or for another
kind of write, it is refused with 409 and nothing is written (not taken for a replay that "succeeds")."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import AuthActions
from tests.setup.helpers import post


def _logged_in(app, username):
    client = app.test_client()
    assert AuthActions(client).login(username).status_code == 303
    return client


def _count(app, model, *where):
    from webapp.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_claim_tells_a_replay_from_a_reuse(app):
    from webapp.database import writing
    from webapp.extensions import db
    from webapp.idempotency import RequestIdReused, already_processed, claim, write_once
    from webapp.models import ProcessedRequest, User

    with app.test_request_context("/", method="POST"):
        first, second = db.session.scalars(select(User.id).order_by(User.id).limit(2)).all()
        with writing():
            assert claim("reuse-test-0001", first, "pad") is True
        with writing():
            assert claim("reuse-test-0001", first, "pad") is False  # a replay: skip the write
        assert already_processed("reuse-test-0001", first, "pad") is True
        assert already_processed("reuse-test-0002", first, "pad") is False
        for user_id, kind in ((second, "pad"), (first, "status")):
            with pytest.raises(RequestIdReused) as refused:
                with writing():
                    claim("reuse-test-0001", user_id, kind)
            assert refused.value.code == 409
            with pytest.raises(RequestIdReused):
                already_processed("reuse-test-0001", user_id, kind)
        ran = []
        with pytest.raises(RequestIdReused):
            write_once("reuse-test-0001", second, "pad", lambda: ran.append(1))
        assert ran == []
        assert db.session.get(ProcessedRequest, "reuse-test-0001").user_id == first


def test_a_request_id_of_another_person_or_another_write_is_refused_and_writes_nothing(app, world):
    from webapp.extensions import db
    from webapp.models import Grid, Household, SlipPad, StatusChange

    secretary = _logged_in(app, "secretary")
    volunteer = _logged_in(app, "volunteer")
    rid = "shared-request-id-0001"
    made = post(secretary, "/slips", {"count": "8", "issued_to": "0"}, request_id=rid, token_from="/slips")
    assert made.status_code == 303 and "/slips/print?pad=" in made.headers["Location"]
    pads = _count(app, SlipPad)
    with app.app_context():
        door = db.session.scalar(select(Household).where(Household.sticker_token == world.volunteer_household))
        status_before = door.status
    changes = _count(app, StatusChange)
    # Another person, another kind of write: the volunteer's status change.
    new_status = "vacant" if status_before != "vacant" else "occupied"
    taken = post(volunteer, f"/h/{world.volunteer_household}/status", {"status": new_status}, request_id=rid)
    assert taken.status_code == 409 and "已由他人提交或已用于其他操作" in taken.get_data(as_text=True)
    # Another person, the same kind of write: the admin making a pad.
    admin = _logged_in(app, "admin")
    again = post(admin, f"/slips?community={world.first_community}", {"count": "8", "issued_to": "0"},
                 request_id=rid, token_from="/slips")
    assert again.status_code == 409
    # The same person, another kind of write (a write_once caller): a grid.
    grids = _count(app, Grid)
    grid = post(secretary, "/setup/grids", {"name": "复用网格"}, request_id=rid, token_from="/setup")
    assert grid.status_code == 409
    htmx = post(secretary, "/setup/grids", {"name": "复用网格"}, request_id=rid, token_from="/setup",
                headers={"HX-Request": "true"})
    assert htmx.status_code == 409 and "<html" not in htmx.get_data(as_text=True)
    # The same person's own password (a write_once caller too).
    password = post(volunteer, "/password", {"password": "bright-lantern-42", "again": "bright-lantern-42"},
                    request_id=rid, token_from="/password")
    assert password.status_code == 409
    with app.app_context():
        assert db.session.scalar(select(Household.status).where(
            Household.sticker_token == world.volunteer_household)) == status_before
    assert (_count(app, SlipPad), _count(app, StatusChange), _count(app, Grid)) == (pads, changes, grids)
    assert AuthActions(app.test_client()).login("volunteer", "bright-lantern-42").status_code != 303
    # The first person's replay still answers as the first post did.
    replay = post(secretary, "/slips", {"count": "8", "issued_to": "0"}, request_id=rid, token_from="/slips")
    assert replay.status_code == 303 and replay.headers["Location"] == made.headers["Location"]
    assert _count(app, SlipPad) == pads


def test_a_list_pick_with_another_persons_request_id_is_refused(app, world):
    """A caller of claim() inside a view's write: the 409 rolls the write back."""
    import io

    from webapp.extensions import db
    from webapp.models import ListRow

    secretary = _logged_in(app, "secretary")
    admin = _logged_in(app, "admin")
    body = "序号,姓名,电话,身份证后四位,地址\n1,查无此人,13000000001,,幸福路999号\n".encode()
    uploaded = post(secretary, "/lists", {"title": "复用", "file": (io.BytesIO(body), "a.csv")},
                    token_from="/lists", content_type="multipart/form-data")
    assert uploaded.status_code == 303, uploaded.get_data(as_text=True)[:2000]
    with app.app_context():
        row = db.session.scalar(select(ListRow).order_by(ListRow.id.desc()))
        list_id, row_id = row.list_id, row.id
    rid = "shared-request-id-0002"
    assert post(secretary, f"/lists/{list_id}/confirm", request_id=rid, token_from="/lists").status_code == 303
    refused = post(admin, f"/lists/{list_id}/rows/{row_id}", {"choice": "none"}, request_id=rid)
    assert refused.status_code == 409
    with app.app_context():
        assert db.session.get(ListRow, row_id).confirmed_at is None

"""Every page of invites and pushed lists, for every role, with real objects and odd query strings:
a page or a clear 4xx, never a 500; and nothing outside one's community."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from tests.invites.helpers import join, make_invite

ODD = ["", "?show=%00", "?show=bogus", "?community=abc", "?community=99999999999999999999", "?made=-1&skipped=x",
       "?day=2026-02-30", "?q=%25%5F%27", "?q=" + "9" * 200]


def _objects(app, client, world):
    """An invite in each community with one person, a list with a task in the first: the paths to sweep."""
    from webapp.extensions import db
    from webapp.lists.services import make_tasks, store_list
    from webapp.models import Invite, InviteJoin, ListRow, ListTask, PushedList, User

    first, token = make_invite(app, world.first_community, grid_ids=[world.volunteer_grid], title="一")
    second, token2 = make_invite(app, world.second_community, grid_ids=[world.second_grid], title="二")
    join(app.test_client(), token, "sweep.one")
    join(app.test_client(), token2, "sweep.two")
    with app.app_context():
        volunteer = db.session.scalar(select(User.id).where(User.username == "volunteer"))
        pushed = store_list(world.first_community, volunteer, "sweep-list-0001", title="名单", header=["姓名", "电话"],
                            rows=[{"line": 2, "cells": '{"姓名": "张三", "电话": "13800001234"}', "name": "张三",
                                   "phone": "13800001234", "id_tail": "", "address": "", "source": "", "note": "", "candidates": "[]"}])
        db.session.flush()
        make_tasks(pushed, volunteer, "sweep-tasks-0001", method="phone", which="open", mode="round_robin",
                   people=[volunteer], hours=1)
        db.session.commit()
        joins = list(db.session.scalars(select(InviteJoin.id).order_by(InviteJoin.id)))
        row = db.session.scalar(select(ListRow.id))
        task = db.session.scalar(select(ListTask.id))
        list_id = db.session.scalar(select(PushedList.id))
        assert db.session.scalar(select(Invite.id).where(Invite.id == second)) == second
    return [
        "/invites", f"/invites/{first}", f"/invites/{second}", f"/invites/{first}/poster", f"/invites/{second}/poster",
        f"/join/{token}", f"/join/{token2}", "/join/AAAAAAAAAAAAAAAAAAAAAA", "/join", "/lists", f"/lists/{list_id}",
        f"/lists/{list_id}.csv", f"/lists/{list_id}/rows/{row}/find", f"/lists/{list_id}.xlsx", "/tasks", f"/tasks/{task}", "/invites/99999",
        f"/lists/{list_id + 1}", f"/tasks/{task + 1}",
    ], {"first": first, "second": second, "joins": joins, "row": row, "list": list_id, "task": task}


@pytest.mark.parametrize("role", ["admin", "secretary", "lead", "volunteer", "volunteer2", None])
def test_no_page_of_invites_or_lists_answers_500(app, client, auth, world, role):
    paths, ids = _objects(app, client, world)
    if role:
        assert auth.login(role).status_code == 303
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.config["JOIN_GET_LIMIT"] = (10_000, 600)
    failures = [(path + odd, status) for path in paths for odd in ODD
                if (status := client.get(path + odd).status_code) >= 500]
    assert not failures
    # Scope: only the first community's secretary (and the admin) see its invites and lists.
    status = client.get(f"/invites/{ids['first']}").status_code
    assert status == (200 if role in ("admin", "secretary") else 404 if role else 302)
    assert client.get(f"/invites/{ids['second']}").status_code == (200 if role == "admin" else 404 if role else 302)
    assert client.get(f"/lists/{ids['list']}").status_code == (200 if role in ("admin", "secretary")
                                                               else 404 if role else 302)
    assert client.get(f"/tasks/{ids['task']}").status_code == (200 if role in ("admin", "secretary", "volunteer")
                                                               else 404 if role else 302)


def test_posts_outside_scope_change_nothing(app, client, auth, world):
    from webapp.extensions import db
    from webapp.models import InviteJoin, ListTask

    _, ids = _objects(app, client, world)
    assert auth.login("volunteer2").status_code == 303
    csrf = auth.csrf()
    for path in (f"/invites/{ids['first']}/end", f"/invites/{ids['first']}/people/{ids['joins'][0]}/end",
                 f"/lists/{ids['list']}/rows/{ids['row']}", f"/lists/{ids['list']}/confirm",
                 f"/lists/{ids['list']}/tasks", f"/tasks/{ids['task']}"):
        response = client.post(path, data={"csrf_token": csrf, "request_id": "outside-0001", "choice": "none",
                                           "result": "found"})
        assert response.status_code == 404, path
    upload = client.post(f"/lists?community={world.first_community}", data={
        "csrf_token": csrf, "request_id": "outside-0002", "file": (io.BytesIO(b"x"), "a.csv")},
        content_type="multipart/form-data")
    assert upload.status_code == 404
    with app.app_context():
        assert db.session.scalar(select(InviteJoin.ended_at).where(InviteJoin.id == ids["joins"][0])) is None
        assert db.session.scalar(select(ListTask.done_at)) is None

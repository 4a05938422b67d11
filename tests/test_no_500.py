"""Every page, for every role, with odd query strings: a page or a clear 4xx, never a 500."""
import pytest
from sqlalchemy import select

ODD = ["", "?day=2026-02-30", "?day=%00", "?community=abc", "?community=999999", "?q=%25%5F%27", "?pad=-1",
       "?floors=99-1&entrance=x", "?all=1&print=1", "?bind=//evil.example", "?slip_code=%E2%80%AE", "?again=1",
       "?next=http://evil.example"]


def _paths(app, world):
    from webapp.extensions import db
    from webapp.models import Campaign, Checkpoint, Grid, NoteSlip, Route

    with app.app_context():
        values = {
            "building_id": world.volunteer_building, "grid_id": world.volunteer_grid,
            "community_id": world.first_community, "token": world.volunteer_household,
            "campaign_id": db.session.scalar(select(Campaign.id)), "route_id": db.session.scalar(select(Route.id)),
            "code": db.session.scalar(select(NoteSlip.code)), "case_id": 1, "patrol_id": 1, "visit_id": 1,
            "resident_id": 1, "reply_id": 1, "report_id": 1, "kind": "csv",
        }
        checkpoint = db.session.scalar(select(Checkpoint.token))
        grid_token = db.session.scalar(select(Grid.report_token))
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        args = {name: values.get(name, 1) for name in rule.arguments}
        if rule.rule.startswith("/c/"):
            args["token"] = checkpoint
        if rule.rule.startswith("/g/"):
            args["token"] = grid_token
        with app.test_request_context():
            from flask import url_for

            paths.append(url_for(rule.endpoint, **args))
    return sorted(set(paths))


@pytest.mark.parametrize("role", ["admin", "secretary", "lead", "volunteer", None])
def test_no_page_answers_500(app, client, login_as, world, role):
    if role:
        login_as(role)
    app.config["PUBLIC_GET_LIMIT"] = (10_000, 600)
    failures = []
    for path in _paths(app, world):
        for query in ODD:
            status = client.get(path + query).status_code
            if status >= 500:
                failures.append((path + query, status))
    assert not failures

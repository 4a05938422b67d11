"""Every page, for every role, with real objects of every kind and odd query strings: a page or a
clear 4xx, never a 500.

The sweep first gives each community real activity (knocks, a bound slip and its answer, a
self-report, a patrol with a finding handed on as a case, a sticker flag, a signed summary), then
requests every GET route with the real ids and tokens of each kind, inside and outside the
role's scope. Odd query strings go to one variant of each route that the role really sees, so they
reach the code that reads them instead of stopping at a 404.
"""
import itertools
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

ODD = ["?day=2026-02-30", "?day=%00", "?day=9999-12-31&grid=99999999999999999999", "?community=abc",
       "?community=99999999999999999999", "?q=%25%5F%27", "?pad=-1&grid=-1", "?pad=99999999999999999999",
       "?floors=99-1&entrance=99999999999999999999", "?all=1&print=1", "?bind=//evil.example",
       "?slip_code=%E2%80%AE", "?again=1", "?next=http://evil.example"]
ROLES = ["admin", "secretary", "lead", "volunteer", None]


def _activity(app, world):
    """Real objects of every kind in both communities; returns {argument name: [values]}."""
    from webapp.clock import local_today
    from webapp.extensions import db
    from webapp.models import (
        Campaign,
        Case,
        Checkpoint,
        Grid,
        Household,
        NoteSlip,
        Patrol,
        PatrolScan,
        Resident,
        Route,
        RoutePatroller,
        SelfReport,
        SlipReply,
        StickerFlag,
        User,
        Visit,
        WorkGroup,
    )
    from webapp.review.services import sign_summary

    tokens = [world.volunteer_household, world.other_household, world.lead_household, world.second_household]
    knockers = ["volunteer", "secretary", "lead", "volunteer2"]
    with app.app_context():
        user = {u.username: u.id for u in db.session.scalars(select(User))}
        households = [db.session.scalar(select(Household).where(Household.sticker_token == t)) for t in tokens]
        visits, slips, cases, patrols, reports, replies, flags = [], [], [], [], [], [], []
        for household, username in zip(households, knockers):
            campaign = db.session.scalar(select(Campaign.id).where(Campaign.community_id == household.community_id))
            visit = Visit(request_id=uuid.uuid4().hex, household_id=household.id, campaign_id=campaign,
                          user_id=user[username], outcome="not_home")
            db.session.add(visit)
            db.session.flush()
            visits.append(visit.id)
            slip = db.session.scalar(select(NoteSlip).where(NoteSlip.community_id == household.community_id,
                                                            NoteSlip.state == "printed").order_by(NoteSlip.id))
            slip.state, slip.visit_id, slip.household_id = "bound", visit.id, household.id
            slip.bound_by_id, slip.bound_at = user[username], visit.visited_at
            slips.append(slip.code)
            reply = SlipReply(request_id=uuid.uuid4().hex, slip_id=slip.id, kind="call_me", phone="13800001111")
            report = SelfReport(request_id=uuid.uuid4().hex, grid_id=household.grid_id, name="刘新来",
                                phone="13700002222", address_text=household.address, category="nonlocal_temporary")
            flag = StickerFlag(household_id=household.id, reported_by_id=user[username],
                               found_at_address=household.address + "对面")
            db.session.add_all([reply, report, flag])
            db.session.flush()
            replies.append(reply.id)
            reports.append(report.id)
            flags.append(flag.id)
        for route in db.session.scalars(select(Route).order_by(Route.id)):
            patroller = db.session.scalar(select(RoutePatroller.user_id).where(RoutePatroller.route_id == route.id))
            patrol = Patrol(request_id=uuid.uuid4().hex, route_id=route.id, user_id=patroller, day=local_today(),
                            round_no=1)
            db.session.add(patrol)
            db.session.flush()
            checkpoint = db.session.scalar(select(Checkpoint.id).where(Checkpoint.community_id == route.community_id))
            scan = PatrolScan(request_id=uuid.uuid4().hex, patrol_id=patrol.id, checkpoint_id=checkpoint,
                              result="finding", finding_kind="gathering", note="聚集", resolution="handed")
            db.session.add(scan)
            db.session.flush()
            group = db.session.scalar(select(WorkGroup.id).where(WorkGroup.community_id == route.community_id))
            case = Case(community_id=route.community_id, work_group_id=group, scan_id=scan.id, title="人员聚集",
                        created_by_id=patroller)
            db.session.add(case)
            db.session.flush()
            patrols.append(patrol.id)
            cases.append(case.id)
        yesterday = local_today() - timedelta(days=1)
        sign_summary(request_id=uuid.uuid4().hex, community_id=world.first_community, day=yesterday,
                     user_id=user["secretary"], comment="正常")
        residents = [db.session.scalar(select(Resident.id).where(Resident.household_id == h.id)) for h in households]
        values = {
            "token": tokens,
            "visit_id": visits,
            "building_id": [world.volunteer_building, world.other_building, world.lead_building,
                            world.second_building],
            "grid_id": [world.volunteer_grid, world.other_grid, world.second_grid],
            "community_id": [world.first_community, world.second_community],
            "campaign_id": list(db.session.scalars(select(Campaign.id).order_by(Campaign.id))),
            "route_id": list(db.session.scalars(select(Route.id).order_by(Route.id))),
            "patrol_id": patrols, "case_id": cases, "reply_id": replies, "report_id": reports, "flag_id": flags,
            "resident_id": [r for r in residents if r is not None],
            "code": slips + list(db.session.scalars(select(NoteSlip.code).where(NoteSlip.state == "printed")
                                                   .order_by(NoteSlip.id).limit(1))),
            "/c/": list(db.session.scalars(select(Checkpoint.token).order_by(Checkpoint.community_id.desc(),
                                                                             Checkpoint.id))),
            "/g/": list(db.session.scalars(select(Grid.report_token).order_by(Grid.id))),
            "yesterday": yesterday,
        }
        db.session.commit()
    return values


def _variants(app, values) -> dict[str, list[str]]:
    """Every GET route with the real values of its arguments: {rule: [paths]}."""
    from flask import url_for
    from werkzeug.routing.converters import AnyConverter

    variants = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        choices = {}
        for name in sorted(rule.arguments):
            converter = rule._converters[name]
            if isinstance(converter, AnyConverter):
                choices[name] = sorted(converter.items)
            elif name == "token" and rule.rule[:3] in values:
                choices[name] = values[rule.rule[:3]]
            else:
                choices[name] = values.get(name, [1])
        if "token" in choices and "visit_id" in choices:
            # A knock belongs to a door: each door with its own knock, and one with another door's.
            combos = [{"token": t, "visit_id": v} for t, v in zip(choices["token"], choices["visit_id"])]
            combos.append({"token": choices["token"][0], "visit_id": choices["visit_id"][-1]})
            rest = {k: v for k, v in choices.items() if k not in ("token", "visit_id")}
            combos = [{**combo, **dict(zip(rest, picked))} for combo in combos
                      for picked in itertools.product(*rest.values())]
        else:
            combos = [dict(zip(choices, picked)) for picked in itertools.product(*choices.values())]
        with app.test_request_context():
            variants[rule.rule] = sorted({url_for(rule.endpoint, **args) for args in combos})
    return variants


@pytest.mark.parametrize("role", ROLES)
def test_no_page_answers_500(app, client, login_as, world, role):
    values = _activity(app, world)
    if role:
        login_as(role)
    app.config["PUBLIC_GET_LIMIT"] = (10_000, 600)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash is a 500 to record, not an exception to stop at
    failures, seen = [], {}
    variants = _variants(app, values)
    extra = [f"/summary?day={values['yesterday'].isoformat()}", f"/patrols/log?day={values['yesterday'].isoformat()}"]
    for rule, paths in sorted(variants.items()):
        for path in paths:
            status = client.get(path).status_code
            seen[path] = status
            if status >= 500:
                failures.append((path, status))
        # Odd query strings on a variant this role really sees (or the first, if it sees none).
        shown = next((p for p in paths if seen[p] == 200), paths[0])
        for query in ODD:
            status = client.get(shown + query).status_code
            if status >= 500:
                failures.append((shown + query, status))
    for path in extra:
        if client.get(path).status_code >= 500:
            failures.append((path, 500))
    assert not failures
    # The sweep reached real objects: what the role may see answers 200, not a 404 for a made-up id.
    expected = {
        "admin": ["/cases/{case_id}", "/patrols/{patrol_id}", "/summary.xlsx", "/summary.csv", "/s/{code}",
                  "/h/{token}/visits/{visit_id}/slip", "/campaigns/{campaign_id}", "/patrols/routes/{route_id}/stickers",
                  "/grids/{grid_id}", "/buildings/{building_id}/walk", "/c/{checkpoint}", "/g/{grid_token}"],
        "secretary": ["/cases/{case_id}", "/summary.xlsx", "/campaigns/{campaign_id}", "/buildings/{building_id}/floors",
                      "/h/{token}"],
        "volunteer": ["/patrols/{patrol_id}", "/h/{token}/visits/{visit_id}/slip", "/buildings/{building_id}/walk",
                      "/h/{token}", "/c/{checkpoint}"],
        "lead": ["/buildings/{lead_building}/walk", "/h/{lead_token}"],
        None: ["/s/{code}", "/g/{grid_token}"],
    }[role]
    ids = {"case_id": values["case_id"][0], "patrol_id": values["patrol_id"][0], "code": values["code"][0],
           "token": values["token"][0], "visit_id": values["visit_id"][0], "campaign_id": values["campaign_id"][0],
           "route_id": values["route_id"][0], "grid_id": values["grid_id"][0],
           "building_id": values["building_id"][0], "checkpoint": values["/c/"][-1], "grid_token": values["/g/"][0],
           "lead_building": values["building_id"][2],
           "lead_token": values["token"][2]}
    for pattern in expected:
        path = pattern.format(**ids)
        assert seen.get(path, client.get(path).status_code) == 200, path


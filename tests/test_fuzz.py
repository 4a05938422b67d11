"""A seeded fuzzer: a few thousand odd requests to every route, as every role; never a 5xx.

Walks app.url_map, so a new route is fuzzed without touching this file. Path arguments get real
ids and tokens of the right kind from the demo world (both communities, so scope is crossed) or
odd values; query strings and form bodies get huge and negative integers, odd dates, unicode,
NUL, repeated and missing parameters; methods are right or wrong. POSTs carry the client's own
CSRF token most of the time, so they reach the views' validation. Deterministic (seeded); about
2,300 requests per backend (about 100 routes, 6 roles, 4 each), well under a minute on an idle machine (it prints its time; budgets
are measured by bench/, never asserted by timed tests).
"""
from __future__ import annotations

import random
import re
import time
import uuid

from sqlalchemy import select

from tests.conftest import PASSWORD, csrf_token_from

SEED = 20261124
REQUESTS_PER_RULE = 4
ROLES = ["admin", "secretary", "lead", "volunteer", "volunteer2", None]
# Routes that end the fuzzing client's own session are not worth hitting (they work; see tests/auth).
SKIP_ENDPOINTS = {"static", "auth.logout"}
SESSION_ENDING = {"setup.own_password", "setup.person", "setup.person_end", "setup.person_reset", "invites.person",
                  "invites.end"}

ODD_INTS = ["0", "-1", "1", "2", "7", "2147483647", "2147483648", "-2147483649", "4294967296",
            "9223372036854775807", "9223372036854775808", "99999999999999999999999999", "1e309", "0x1F", "1.5",
            "²", "٣", "１２", " 3 ", "NaN", "-0"]
ODD_DAYS = ["0001-01-01", "9999-12-31", "2026-02-30", "2026-13-01", "20261120", "2026-11-20T25:00", "1969-12-31",
            "2026-11-20", "", "yesterday", "2026-1-1", "２０２６-11-20"]
ODD_TEXT = ["", " ", "\x00", "a\x00b", "中文", "😀" * 10, "\u202e", "<script>alert(1)</script>", "' OR 1=1 --",
            "=HYPERLINK(\"http://x\")", "x" * 5000, "%00", "../../etc/passwd", "\r\nX-Injected: 1", "null", "None",
            "\ud7ff", "ｆｕｌｌ", "//evil.example", "http://evil.example/"]
ODD_SEGMENTS = ["0", "-1", "2147483648", "99999999999999999999", "abc", "%00", "%E4%B8%AD", "..", "A" * 65,
                "AAAA", "a b", "%2F", "1.0", "١٢"]
PARAMS = ["day", "community", "pad", "grid", "entrance", "floors", "q", "next", "print", "all", "again", "sticker",
          "flagged", "kind", "status", "page", "building", "household", "bind", "slip_code", "lang", "id"]
FIELDS = ["request_id", "outcome", "channel", "note", "slip_code", "route_id", "patrol_id", "work_group_id",
          "household_id", "building_id", "day", "comment", "name", "phone", "address_text", "category", "kind",
          "result", "finding_kind", "resolution", "status", "count", "issued_to", "community_id", "grid_id",
          "starts_on", "ends_on", "max_attempts", "windows", "household_address", "reason", "room", "message",
          "home_slot", "arrived_from", "device_time", "return_to", "lang", "next", "username", "password",
          "member", "patroller", "stop-1", "walk-1", "moved_out", "id_number", "display_name", "role",
          "valid_days", "file", "confirm", "token"]
GOOD = {"outcome": ["not_home", "verified", "refused", "vacant", "moved_out", "wrong_address", "bogus"],
        "channel": ["door", "phone", "proxy", "fax"], "result": ["normal", "finding"],
        "category": ["local_permanent", "外地"], "kind": ["home_at", "call_me", "moved", "message", "sentry"],
        "resolution": ["solved", "handed"], "status": ["open", "solved", "occupied", "vacant"],
        "lang": ["en", "zh_CN", "xx"], "windows": ["08:00-10:00", "25:00-26:00", "10:00-08:00"]}
WRONG_METHODS = ["PUT", "DELETE", "PATCH"]


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _real_values(app) -> tuple[dict[str, list], dict[str, list]]:
    """Real ids per id-argument name and real tokens per URL prefix, from both communities."""
    from webapp.extensions import db
    from webapp.models import Checkpoint, Grid, Household, NoteSlip

    def some(column, order):
        return [str(v) for v in db.session.scalars(select(column).order_by(order).limit(3))]

    ids: dict[str, list] = {}
    with app.app_context():
        models = {_snake(m.class_.__name__): m.class_ for m in db.Model.registry.mappers}
        names = {name for rule in app.url_map.iter_rules() for name in rule.arguments} | set(FIELDS)
        for name in sorted(names):
            if not name.endswith("_id"):
                continue
            stem = name[:-3]
            model = models.get(stem) or next((m for s, m in sorted(models.items()) if s.endswith("_" + stem)), None)
            if model is None or not hasattr(model, "id"):
                ids[name] = ["1"]
                continue
            ids[name] = sorted(set(some(model.id, model.id) + some(model.id, model.id.desc()))) or ["1"]
        tokens = {
            "/h/": some(Household.sticker_token, Household.id) + some(Household.sticker_token, Household.id.desc()),
            "/c/": some(Checkpoint.token, Checkpoint.id) + some(Checkpoint.token, Checkpoint.id.desc()),
            "/g/": some(Grid.report_token, Grid.id) + some(Grid.report_token, Grid.id.desc()),
            "/s/": some(NoteSlip.code, NoteSlip.id) + some(NoteSlip.code, NoteSlip.id.desc()),
        }
    tokens["*"] = [t for values in tokens.values() for t in values]
    return ids, tokens


def _path(rule, rng, ids, tokens) -> str:
    def fill(converter: str, name: str) -> str:
        if rng.random() < 0.3:
            return rng.choice(ODD_SEGMENTS)
        if converter.startswith("any("):
            return rng.choice(re.findall(r"[\w-]+", converter[4:]))
        if converter == "id" or name.endswith("_id"):
            return rng.choice(ids.get(name, ["1"]))
        if converter == "token":
            prefix = next((p for p in ("/h/", "/c/", "/g/", "/s/") if rule.rule.startswith(p)), "*")
            return rng.choice(tokens[prefix] or ["AAAA"])
        return rng.choice(["1", "x", "中文"])

    return re.sub(r"<(?:([^:<>]+):)?([^<>]+)>", lambda m: fill(m.group(1) or "default", m.group(2)), rule.rule)


PLAUSIBLE = {"count": "16", "max_attempts": "3", "phone": "13800138000", "room": "101", "day": "2026-11-20",
             "starts_on": "2026-11-01", "ends_on": "2026-12-31", "windows": "08:00-10:00", "issued_to": "",
             "device_time": "", "password": PASSWORD, "name": "测试", "id_number": "11010519491231002X"}


def _odd_value(rng, name: str, ids: dict[str, list] | None = None) -> str:
    roll = rng.random()
    if name in GOOD and roll < 0.4:
        return rng.choice(GOOD[name])
    if name == "request_id" and roll < 0.85:
        return uuid.UUID(int=rng.getrandbits(128)).hex
    if ids and name in ids and roll < 0.3:
        return rng.choice(ids[name])  # a real id, so validation passes and the view goes deeper
    if name in ("day", "starts_on", "ends_on") or roll < 0.15:
        return rng.choice(ODD_DAYS)
    if name.endswith("_id") or name in ("count", "max_attempts", "member", "patroller", "stop-1", "walk-1") \
            or roll < 0.5:
        return rng.choice(ODD_INTS)
    return rng.choice(ODD_TEXT)


def _plausible(rng, name: str, ids: dict[str, list]) -> str:
    if name == "request_id":
        return uuid.UUID(int=rng.getrandbits(128)).hex
    if name in GOOD:
        return GOOD[name][0]
    if name in ids:
        return rng.choice(ids[name])
    return PLAUSIBLE.get(name, "测试")


def _query(rng) -> list[tuple[str, str]]:
    pairs = []
    for _ in range(rng.choice([0, 0, 1, 2, 3])):
        name = rng.choice(PARAMS)
        pairs.append((name, _odd_value(rng, name)))
        if rng.random() < 0.2:  # the same parameter again
            pairs.append((name, _odd_value(rng, name)))
    return pairs


def _form_fields(app) -> dict[str, list[str]]:
    """The fields of the forms each view builds (found in its source), so bodies hit real fields."""
    import inspect

    from wtforms.fields.core import UnboundField

    found = {}
    for endpoint, view in app.view_functions.items():
        view = inspect.unwrap(view)
        try:
            source = inspect.getsource(view)
        except (OSError, TypeError):
            continue
        names = set()
        for form_name in re.findall(r"\b([A-Z]\w*Form)\b", source):
            form = view.__globals__.get(form_name)
            for attribute in dir(form) if form is not None else ():
                if isinstance(getattr(form, attribute, None), UnboundField):
                    names.add(attribute)
        found[endpoint] = sorted(names)
    return found


def _body(rng, csrf: str | None, ids: dict[str, list], fields: list[str]) -> list[tuple[str, str]]:
    """The view's own fields, mostly plausible with one or two odd ones, and some stray fields."""
    names = [name for name in fields if rng.random() < 0.85]
    names += [name for name in FIELDS if name not in fields and rng.random() < 0.04]
    odd = 1.5 / max(1, len(names))
    pairs = [(name, _odd_value(rng, name, ids) if rng.random() < odd else _plausible(rng, name, ids))
             for name in names]
    if csrf and rng.random() < 0.9:
        pairs.append(("csrf_token", csrf))
    if rng.random() < 0.15 and pairs:
        pairs.append(pairs[0])  # a repeated field
    return pairs


def _client(app, role):
    client = app.test_client()
    if role is None:
        return client, csrf_token_from(client)
    token = csrf_token_from(client)
    response = client.post("/login", data={"username": role, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303, role
    return client, csrf_token_from(client, "/")


def test_odd_requests_never_answer_5xx(app):
    from urllib.parse import urlencode

    from werkzeug.datastructures import MultiDict

    app.config["PUBLIC_GET_LIMIT"] = (1_000_000, 600)
    app.config["PUBLIC_POST_LIMIT"] = (1_000_000, 600)
    ids, tokens = _real_values(app)
    fields = _form_fields(app)
    assert "route_id" in fields["patrols.start"] and "slip_code" in fields["slips.bind"]
    rules = sorted((r for r in app.url_map.iter_rules() if r.endpoint not in SKIP_ENDPOINTS), key=lambda r: r.rule)
    failures, sent, started, statuses = [], 0, time.monotonic(), {}
    # Log everyone in first, and fuzz the pages that reset passwords or end access last: they end
    # sessions (the user then goes on as a visitor, which is fuzzed too).
    clients = {role: _client(app, role) for role in ROLES}
    rngs = {role: random.Random(f"{SEED}-{role}") for role in ROLES}
    plan = sorted(((rule, role) for rule in rules for role in ROLES),
                  key=lambda item: (item[0].endpoint in SESSION_ENDING, ROLES.index(item[1])))
    for rule, role in plan:
        rng = rngs[role]
        client, csrf = clients[role]
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        for _ in range(REQUESTS_PER_RULE):
            method = rng.choice(WRONG_METHODS) if rng.random() < 0.12 else rng.choice(methods)
            path = _path(rule, rng, ids, tokens)
            query = urlencode(_query(rng))
            url = f"{path}?{query}" if query else path
            headers = {"HX-Request": "true"} if rng.random() < 0.3 else {}
            if headers and rng.random() < 0.5:
                headers["X-CSRFToken"] = csrf
            data = MultiDict(_body(rng, csrf, ids, fields.get(rule.endpoint, []))) if method != "GET" else None
            try:
                status = client.open(url, method=method, data=data, headers=headers).status_code
            except Exception as error:  # TESTING propagates exceptions: that is a 500
                failures.append((role, method, url[:300], data, repr(error)[:300]))
                continue
            finally:
                sent += 1
            statuses[status] = statuses.get(status, 0) + 1
            if status >= 500:
                failures.append((role, method, url[:300], data, status))
    elapsed = time.monotonic() - started
    print(f"fuzz: {sent} requests in {elapsed:.1f} s; answers {dict(sorted(statuses.items()))}")
    assert sent >= 2000, sent  # a few thousand: about 100 routes × 6 roles × 4
    assert not failures, f"{len(failures)} of {sent} requests failed:\n" + "\n".join(repr(f)[:600] for f in failures[:15])

"""Many gunicorn workers writing at once, on SQLite and on PostgreSQL: every knock lands exactly once,
and one request id sent by several processes at the same moment makes one row and one answer."""
import multiprocessing
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import distinct, func, select

from bench.httpclient import Session, free_port
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
PROCESSES, KNOCKS = 4, 120
RACERS = 6
HX = {"HX-Request": "true"}


@pytest.fixture
def gunicorn(app):
    """Four gunicorn workers serving the test's own database (a SQLite file or a PostgreSQL database)."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "concurrency-test"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "4", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            assert server.poll() is None, server.stderr.read().decode()
            time.sleep(0.2)
    yield port
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=20)


def _knocker(args):
    port, worker, tokens = args
    session = Session(port)
    csrf = session.login("volunteer", PASSWORD)
    statuses = []
    for number in range(KNOCKS):
        token = tokens[number % len(tokens)]
        status, _, _ = session.request("POST", f"/h/{token}", {
            "outcome": "not_home", "channel": "door", "request_id": f"conc-{worker}-{number:04d}"},
            headers={**HX, "X-CSRFToken": csrf})
        statuses.append(status)
    return statuses


def _count(app, column):
    from webapp.extensions import db

    with app.app_context():
        counted = db.session.execute(select(func.count(), func.count(distinct(column)))).one()
        db.session.remove()
        return tuple(counted)


def _tokens(app, grid_id, limit=40):
    from webapp.extensions import db
    from webapp.models import Household

    with app.app_context():
        return db.session.scalars(select(Household.sticker_token).where(Household.grid_id == grid_id)
                                  .order_by(Household.id).limit(limit)).all()


def test_four_processes_knocking_at_once_lose_and_double_nothing(app, gunicorn, world):
    from webapp.models import Visit

    tokens = _tokens(app, world.volunteer_grid)
    jobs = [(gunicorn, worker, tokens) for worker in range(PROCESSES)]
    with ProcessPoolExecutor(PROCESSES) as pool:
        results = list(pool.map(_knocker, jobs))
    assert all(status == 200 for statuses in results for status in statuses), {
        s for statuses in results for s in statuses}
    assert _count(app, Visit.request_id) == (PROCESSES * KNOCKS, PROCESSES * KNOCKS)
    # The same request ids again, all at once: nothing is added.
    with ProcessPoolExecutor(PROCESSES) as pool:
        replayed = list(pool.map(_knocker, jobs))
    assert all(status == 200 for statuses in replayed for status in statuses)
    assert _count(app, Visit.request_id) == (PROCESSES * KNOCKS, PROCESSES * KNOCKS)


# --- one request id from several processes at the same moment -------------------------------------

def _race(port, barrier, username, method, path, body):
    """Log in, wait until every racer is ready, then send the same request at once."""
    session = Session(port)
    csrf = session.login(username, PASSWORD)
    barrier.wait(timeout=60)
    status, headers, text = session.request(method, path, body, headers={**HX, "X-CSRFToken": csrf})
    return status, headers.get("Location") or headers.get("HX-Redirect"), text


def _all_at_once(port, racers: list[tuple]) -> list[tuple]:
    """Run each (username, method, path, body) in its own process, released together by a barrier."""
    context = multiprocessing.get_context("fork")
    with context.Manager() as manager:
        barrier = manager.Barrier(len(racers))
        with ProcessPoolExecutor(len(racers), mp_context=context) as pool:
            futures = [pool.submit(_race, port, barrier, *racer) for racer in racers]
            return [future.result(timeout=120) for future in futures]


def test_one_knock_id_from_several_processes_at_once_is_one_visit_and_one_answer(app, gunicorn, world):
    """Each racer even asks for a different outcome: the first stored wins and every answer shows it."""
    from webapp.extensions import db
    from webapp.models import Visit

    token = _tokens(app, world.volunteer_grid, 1)[0]
    request_id = f"race-{uuid.uuid4().hex}"
    outcomes = ["not_home", "verified", "refused"]
    racers = [("volunteer", "POST", f"/h/{token}", {"outcome": outcomes[n % 3], "channel": "door",
                                                    "request_id": request_id}) for n in range(RACERS)]
    answers = _all_at_once(gunicorn, racers)
    assert [status for status, _, _ in answers] == [200] * RACERS, answers
    with app.app_context():
        visits = db.session.scalars(select(Visit).where(Visit.request_id == request_id)).all()
        assert len(visits) == 1
        stored_id, stored = visits[0].id, visits[0].outcome
        db.session.remove()
    assert _count(app, Visit.request_id) == (1, 1)
    # Every answer is the first one: the same visit (its undo link) and the same outcome.
    undo_links = {re.search(r"/undo/(\d+)", text).group(1) for _, _, text in answers}
    assert undo_links == {str(stored_id)}
    label = {"not_home": "无人在家", "verified": "已核实", "refused": "拒绝配合"}[stored]
    assert all(label in re.search(r'<p class="done-line">(.*?)</p>', text, re.DOTALL).group(1) for _, _, text in answers)


def test_one_round_start_from_several_processes_at_once_is_one_patrol(app, gunicorn):
    """Starting a patrol round is idempotent too: one Patrol row, every answer leads to it."""
    from webapp.extensions import db
    from webapp.models import Patrol, Route, RoutePatroller, User

    with app.app_context():
        route_id = db.session.scalar(select(Route.id).join(RoutePatroller).join(User)
                                     .where(User.username == "volunteer"))
        db.session.remove()
    request_id = f"race-{uuid.uuid4().hex}"
    racers = [("volunteer", "POST", "/patrols/start", {"route_id": str(route_id), "request_id": request_id})
              for _ in range(RACERS)]
    answers = _all_at_once(gunicorn, racers)
    assert _count(app, Patrol.id) == (1, 1)
    with app.app_context():
        patrol_id = db.session.scalar(select(Patrol.id).where(Patrol.request_id == request_id))
        db.session.remove()
    assert {(status, location.rsplit("/", 1)[-1] if location else None) for status, location, _ in answers} \
        == {(answers[0][0], str(patrol_id))}, answers


def test_one_new_person_id_from_several_processes_at_once_is_one_resident(app, gunicorn, world):
    """A write recorded by claim() (processed_requests), not by a unique column of its own row: one
    resident is added, and every answer lists that one and none of the others."""
    from webapp.extensions import db
    from webapp.models import Household, ProcessedRequest, Resident

    token = _tokens(app, world.volunteer_grid, 1)[0]
    request_id = f"race-{uuid.uuid4().hex}"
    names = [f"赛跑{'甲乙丙丁戊己'[n]}" for n in range(RACERS)]
    racers = [("volunteer", "POST", f"/h/{token}/residents", {"new-name": name, "new-category": "local_permanent",
                                                              "new-phone": "", "new-request_id": request_id})
              for name in names]
    answers = _all_at_once(gunicorn, racers)
    assert [status for status, _, _ in answers] == [200] * RACERS, answers
    with app.app_context():
        added = db.session.scalars(select(Resident.name).join(Household).where(
            Household.sticker_token == token, Resident.name.in_(names))).all()
        claimed = db.session.scalar(select(func.count()).select_from(ProcessedRequest)
                                    .where(ProcessedRequest.request_id == request_id))
        db.session.remove()
    assert len(added) == 1 and claimed == 1
    for _, _, text in answers:
        assert added[0] in text and not any(name in text for name in names if name != added[0])

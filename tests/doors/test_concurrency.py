"""Many gunicorn workers writing at once on SQLite: every knock lands exactly once."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select

from bench.httpclient import Session, free_port
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
PROCESSES, KNOCKS = 4, 200


@pytest.fixture
def gunicorn(sqlite_template, tmp_path):
    database = tmp_path / "concurrency.db"
    shutil.copyfile(sqlite_template, database)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "concurrency-test"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "4", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    yield port, database
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=20)


def _knocker(args):
    port, worker, tokens, replay = args
    session = Session(port)
    csrf = session.login("volunteer", PASSWORD)
    statuses = []
    for number in range(KNOCKS):
        token = tokens[number % len(tokens)]
        status, _, _ = session.request("POST", f"/h/{token}", {
            "outcome": "not_home", "channel": "door", "request_id": f"conc-{worker}-{number:04d}"},
            headers={"HX-Request": "true", "X-CSRFToken": csrf})
        statuses.append(status)
    return statuses


def _count_visits(database):
    import sqlite3

    with sqlite3.connect(database) as conn:
        return conn.execute("select count(*), count(distinct request_id) from visits").fetchone()


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_four_processes_knocking_at_once_lose_and_double_nothing(app, gunicorn, world):
    from webapp.extensions import db
    from webapp.models import Household

    port, database = gunicorn
    with app.app_context():
        tokens = db.session.scalars(select(Household.sticker_token)
                                    .where(Household.grid_id == world.volunteer_grid).limit(40)).all()
    jobs = [(port, worker, tokens, False) for worker in range(PROCESSES)]
    with ProcessPoolExecutor(PROCESSES) as pool:
        results = list(pool.map(_knocker, jobs))
    assert all(status == 200 for statuses in results for status in statuses), {
        s for statuses in results for s in statuses}
    assert _count_visits(database) == (PROCESSES * KNOCKS, PROCESSES * KNOCKS)
    # The same request ids again, all at once: nothing is added.
    with ProcessPoolExecutor(PROCESSES) as pool:
        replayed = list(pool.map(_knocker, jobs))
    assert all(status == 200 for statuses in replayed for status in statuses)
    assert _count_visits(database) == (PROCESSES * KNOCKS, PROCESSES * KNOCKS)

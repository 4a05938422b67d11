"""Many gunicorn workers writing at once on SQLite: every knock lands exactly once."""
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
PROCESSES, KNOCKS = 4, 200


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gunicorn(sqlite_template, tmp_path):
    database = tmp_path / "concurrency.db"
    shutil.copyfile(sqlite_template, database)
    port = _free_port()
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


class Session:
    def __init__(self, port):
        self.port, self.cookies = port, {}

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            body = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";")[0]
        data = response.read().decode()
        conn.close()
        return response.status, data

    def login(self, username):
        _, html = self.request("GET", "/login")
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
        status, _ = self.request("POST", "/login", {"username": username, "password": PASSWORD, "csrf_token": csrf})
        assert status == 303
        _, html = self.request("GET", "/")
        return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _knocker(args):
    port, worker, tokens, replay = args
    session = Session(port)
    csrf = session.login("volunteer")
    statuses = []
    for number in range(KNOCKS):
        token = tokens[number % len(tokens)]
        status, _ = session.request("POST", f"/h/{token}", {
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

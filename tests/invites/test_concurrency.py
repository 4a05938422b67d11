"""Many people joining at once through gunicorn workers: never more than the invite allows."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import func, select

from bench.httpclient import Session, free_port
from tests.conftest import FAST_HASH
from tests.invites.helpers import JOIN_PASSWORD, make_invite

ROOT = Path(__file__).resolve().parents[2]


def _serve(database_url: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "join-concurrency",
           "PASSWORD_HASH_METHOD": FAST_HASH}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "4", "--bind", f"127.0.0.1:{port}",
                               "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server, port
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def _join(port: int, token: str, n: int) -> int:
    session = Session(port)
    status, _, page = session.request("GET", f"/join/{token}")
    if status != 200:
        return status
    fields = dict(re.findall(r'name="(csrf_token|request_id)" value="([^"]+)"', page))
    status, _, _ = session.request("POST", f"/join/{token}", {**fields, "username": f"rush{n:02d}", "name": "冲刺",
                                                              "phone": "13900000000", "password": JOIN_PASSWORD})
    return status


def test_concurrent_joins_never_exceed_the_invite(app, world):
    from webapp.extensions import db
    from webapp.models import InviteJoin, RoleAssignment

    invite_id, token = make_invite(app, world.first_community, grid_ids=[world.volunteer_grid], max_joins=6)
    with app.app_context():
        db.engine.dispose()
    server, port = _serve(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with ThreadPoolExecutor(10) as pool:
            statuses = list(pool.map(lambda n: _join(port, token, n), range(10)))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
    assert statuses.count(303) == 6 and statuses.count(410) == 4, statuses
    with app.app_context():
        assert db.session.scalar(select(func.count(InviteJoin.id)).where(InviteJoin.invite_id == invite_id)) == 6
        assert db.session.scalar(select(func.count(RoleAssignment.id)).where(
            RoleAssignment.user_id.in_(select(InviteJoin.user_id)))) == 6

"""Join benchmark: 116 people join from one invite within a minute (a company lends its staff for
an afternoon), against gunicorn with 4 workers on SQLite, every join from the same address (the
company's Wi-Fi), with the production password hash (scrypt).

Each person: opens /join/<token> (as after scanning the poster), posts name, phone, user name and
password, follows the redirect to their home page and checks it shows them. Then one more person
tries and must be told the invite is used up. Prints figures; exits non-zero if a join failed.

    .venv/bin/python bench/join.py            # BENCH_JOINS=116 BENCH_CONCURRENCY=12 BENCH_PORT=8160
"""
from __future__ import annotations

import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.httpclient import Session  # noqa: E402

JOINS = int(os.environ.get("BENCH_JOINS", "116"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "12"))
PORT = int(os.environ.get("BENCH_PORT", "8160"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
FIELDS = re.compile(r'name="(csrf_token|request_id)" value="([^"]+)"')

MAKE_INVITE = """
from datetime import timedelta
from sqlalchemy import select
from webapp import create_app
from webapp.extensions import db
from webapp.invites.services import create_invite
from webapp.models import Community, Grid, User, utcnow
app = create_app()
with app.app_context():
    community = db.session.scalars(select(Community).order_by(Community.id)).first()
    grids = [g.id for g in db.session.scalars(select(Grid).where(Grid.community_id == community.id))]
    secretary = db.session.scalar(select(User).where(User.username == "secretary"))
    now = utcnow()
    invite = create_invite(community.id, secretary.id, "bench-invite-0001", title="bench", role="volunteer",
                           grid_ids=grids[:2], building_ids=[], valid_from=now - timedelta(minutes=5),
                           valid_until=now + timedelta(hours=6), max_joins=%d)
    db.session.commit()
    print(invite.token)
"""


def serve(env: dict) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--bind",
                             f"127.0.0.1:{PORT}", "wsgi:app"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def one_join(token: str, n: int) -> tuple[bool, float, list[float]]:
    """(joined and landed on their home page, wall seconds, server ms of GET/POST/home)."""
    started = time.perf_counter()
    client = Session(PORT)
    status, headers, page = client.request("GET", f"/join/{token}")
    timings = [_server_ms(headers)]
    if status != 200:
        return False, time.perf_counter() - started, timings
    fields = dict(FIELDS.findall(page))
    name = f"支援{n:03d}"
    status, headers, _ = client.request("POST", f"/join/{token}", {
        **fields, "username": f"helper{n:03d}", "name": name, "phone": f"139{n:08d}",
        "password": f"Afternoon-sweep-{n:03d}"})
    timings.append(_server_ms(headers))
    if status != 303:
        return False, time.perf_counter() - started, timings
    status, headers, home = client.request("GET", "/")
    timings.append(_server_ms(headers))
    return status == 200 and name in home, time.perf_counter() - started, timings


def _server_ms(headers) -> float:
    match = re.search(r"dur=([\d.]+)", headers.get("Server-Timing", ""))
    return float(match.group(1)) if match else float("nan")


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="doorstep-join-"))
    env = {**os.environ, "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{workdir / 'join.db'}"),
           "SECRET_KEY": "bench-secret"}
    env.pop("PASSWORD_HASH_METHOD", None)  # the production hash
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(flask + ["demo", "--households", "600", "--password", "bench-password-1"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    token = subprocess.run([sys.executable, "-c", MAKE_INVITE % JOINS], cwd=ROOT, env=env, check=True,
                           capture_output=True, text=True).stdout.strip().splitlines()[-1]
    proc = serve(env)
    try:
        started = time.perf_counter()
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            results = list(pool.map(lambda n: one_join(token, n), range(JOINS)))
        elapsed = time.perf_counter() - started
        late = Session(PORT).request("GET", f"/join/{token}")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    joined = sum(ok for ok, _, _ in results)
    walls = sorted(wall for _, wall, _ in results)
    post_ms = sorted(t[1] for _, _, t in results if len(t) > 1)
    print(f"gunicorn workers              {WORKERS}, SQLite, scrypt, one client address")
    print(f"people joining at once        {CONCURRENCY}")
    print(f"joined and landed home        {joined} of {JOINS}")
    print(f"all joins took                {elapsed:.1f} s   (budget: within 60 s)")
    print(f"one join (scan→home), median  {statistics.median(walls):.2f} s, p95 "
          f"{statistics.quantiles(walls, n=20)[18]:.2f} s, max {walls[-1]:.2f} s")
    print(f"join POST server time median  {statistics.median(post_ms):.0f} ms, max {post_ms[-1]:.0f} ms")
    print(f"person {JOINS + 1} is told             {'used up (410)' if late[0] == 410 and '名额已满' in late[2] else late[0]}")
    return 0 if joined == JOINS and elapsed <= 60 and late[0] == 410 else 1


if __name__ == "__main__":
    sys.exit(main())

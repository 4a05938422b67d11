"""District-scale read budgets (DESIGN.md): a database of many households, then p95 server times of
a sticker look-up, a building's floor view, a secretary's dashboard and a name search.

Budgets: sticker ≤ 20 ms, floor view ≤ 50 ms, dashboard ≤ 300 ms, search ≤ 100 ms (p95).
Run with `make bench-scale` (BENCH_SCALE_HOUSEHOLDS, default 300000; DATABASE_URL for PostgreSQL,
else a fresh SQLite file). Prints figures; asserts nothing. Times are whole requests through the
app (routing, scope, queries, templates), measured in-process with Flask's test client.
"""
from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
HOUSEHOLDS = int(os.environ.get("BENCH_SCALE_HOUSEHOLDS", "300000"))
SAMPLES = int(os.environ.get("BENCH_SCALE_SAMPLES", "40"))
PASSWORD = "bench-password-1"


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


def main() -> None:
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", f"sqlite:///{Path(tempfile.mkdtemp(prefix='doorstep-scale-')) / 'scale.db'}")
    env.setdefault("SECRET_KEY", "bench-secret")
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    started = time.perf_counter()
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(flask + ["demo", "--households", str(HOUSEHOLDS), "--password", PASSWORD, "--force"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    print(f"built {HOUSEHOLDS} households in {time.perf_counter() - started:.0f} s ({env['DATABASE_URL'].split(':')[0]})")
    os.environ.update(env)

    from sqlalchemy import func, select

    from webapp import create_app
    from webapp.extensions import db
    from webapp.models import Building, Household, Resident

    app = create_app()
    with app.app_context():
        tokens = db.session.scalars(select(Household.sticker_token).order_by(func.random()).limit(SAMPLES)).all()
        tower = db.session.scalar(select(Building.id).where(Building.kind == "tower").limit(1))
        names = db.session.scalars(select(Resident.name).order_by(func.random()).limit(SAMPLES)).all()
        residents = db.session.scalar(select(func.count(Resident.id)))
    print(f"residents {residents}")

    def client_for(username: str):
        client = app.test_client()
        html = client.get("/login").get_data(as_text=True)
        token = re.search(r'csrf-token" content="([^"]+)"', html).group(1)
        assert client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": token}).status_code == 303
        return client

    admin, secretary = client_for("admin"), client_for("secretary")

    def timed(client, paths) -> list[float]:
        times = []
        for path in paths:
            begin = time.perf_counter()
            status = client.get(path).status_code
            times.append((time.perf_counter() - begin) * 1000)
            assert status == 200, (path, status)
        return times

    rows = [
        ("sticker look-up /h/<token>", timed(admin, [f"/h/{t}" for t in tokens]), 20),
        ("floor view of a tower", timed(admin, [f"/buildings/{tower}/floors"] * SAMPLES), 50),
        ("secretary's dashboard", timed(secretary, ["/dashboard"] * max(5, SAMPLES // 4)), 300),
        ("name search in a community", timed(secretary, [f"/search?q={n}" for n in names]), 100),
    ]
    for label, times, budget in rows:
        print(f"{label:32} p95 {p95(times):8.1f} ms   median {statistics.median(times):7.1f} ms   budget {budget} ms")


if __name__ == "__main__":
    main()

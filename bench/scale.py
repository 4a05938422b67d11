"""A real district on SQLite and PostgreSQL: build it with bulk inserts, ANALYZE, then time the
screens people use, p50/p95, beside the budgets of DESIGN.md.

Full size is Pengjiang's: 800,000 residents, 300,000 households, 410 grids in ~100 communities of
~20 streets; smaller districts keep the same shape (about 3,000 households a community, 4.1 grids a
community, 5 communities a street), so the figures at 3,000 / 30,000 / 300,000 households show
what grows with the district and what does not. Each community has a campaign in force with about
half its doors knocked once or twice (the kept counts are filled by the same triggers as in use).

Times are whole requests through the app in-process (routing, session, scope, queries, templates,
compression), except "sticker lookup", which is the scoped token query a scan runs. PostgreSQL runs
in a throwaway initdb/pg_ctl server (tests/pg.py). Prints a table and writes
bench/results/scale.json; asserts nothing.

    python bench/scale.py                       # 3,000 and 30,000 households, both databases
    python bench/scale.py --households 300000   # full size (minutes; run it once, late)
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
PASSWORD = "bench-password-1"
SAMPLES = int(os.environ.get("BENCH_SCALE_SAMPLES", "60"))
CHUNK = 20_000

# (measure, budget in ms or None, what the budget is)
BUDGETS = {
    "sticker lookup": (10, "p95"),
    "card": (None, ""),
    "floor view": (50, "p95"),
    "walk page": (None, ""),
    "community dashboard": (100, "p95"),
    "admin district roll-up": (100, "p95"),
    "name search": (100, "p95"),
    "knock": (10, "median"),
    # No budget of their own; here to show they do not grow with the district either.
    "volunteer home": (None, ""),
    "revisit list": (None, ""),
    "care list": (None, ""),
    "community setup": (None, ""),
}


def shape(households: int) -> tuple[int, int, int]:
    communities = max(1, round(households / 3000))
    grids = max(communities, round(communities * 4.1))
    streets = max(1, round(communities / 5))
    return streets, communities, grids


def p95(values):
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


# --- building the district -------------------------------------------------------------------

def build(households: int, seed: int = 11) -> dict:
    """Fill the (migrated, empty) database of the current app with a district, in bulk."""
    from sqlalchemy import insert, text

    from webapp.auth.services import hash_password
    from webapp.demo import _Generator
    from webapp.extensions import db
    from webapp.models import (
        Building, Campaign, CareTag, Community, Grid, Household, Resident, RoleAssignment, Street, User,
        Visit, new_token, utcnow,
    )

    rng = random.Random(seed)
    gen = _Generator(seed)
    n_streets, n_communities, n_grids = shape(households)
    started = time.perf_counter()
    conn = db.session.connection()
    conn.execute(insert(Street), [{"id": i + 1, "name": f"第{i + 1}街道"} for i in range(n_streets)])
    conn.execute(insert(Community), [{"id": c + 1, "street_id": c % n_streets + 1, "name": f"第{c + 1}社区",
                                      "callback_phone": "0750-1234567"} for c in range(n_communities)])
    grids = [{"id": g + 1, "community_id": g % n_communities + 1, "name": f"第{g // n_communities + 1}网格",
              "report_token": new_token()} for g in range(n_grids)]
    conn.execute(insert(Grid), grids)
    grids_of: dict[int, list[int]] = {}
    for grid in grids:
        grids_of.setdefault(grid["community_id"], []).append(grid["id"])

    # Buildings and doors: walk-ups (2 entrances × 6 floors × 2), towers (30 floors × 4), bungalow rows.
    per_community = [households // n_communities + (1 if c < households % n_communities else 0)
                     for c in range(n_communities)]
    buildings, doors = [], []
    for c, total in enumerate(per_community, start=1):
        left, number = total, 0
        while left > 0:
            number += 1
            kind = rng.choices(["walkup", "tower", "bungalow"], [60, 30, 10])[0]
            if kind == "walkup":
                layout = [(e, f, f"{f}0{r}") for e in (1, 2) for f in range(6, 0, -1) for r in (1, 2)]
                entrances, floors = 2, 6
            elif kind == "tower":
                layout = [(1, f, f"{f}{r:02d}") for f in range(30, 0, -1) for r in range(1, 5)]
                entrances, floors = 1, 30
            else:
                layout = [(1, 1, f"{r}号") for r in range(1, 21)]
                entrances, floors = 1, 1
            layout = layout[:left]
            left -= len(layout)
            building_id = len(buildings) + 1
            name = f"{number}栋" if kind != "bungalow" else f"{number}巷"
            grid_id = grids_of[c][number % len(grids_of[c])]
            buildings.append({"id": building_id, "community_id": c, "grid_id": grid_id, "name": name, "kind": kind,
                              "entrances": entrances, "floors": floors, "sort_key": f"{number:05d}"})
            for entrance, floor, room in layout:
                doors.append({"id": len(doors) + 1, "community_id": c, "grid_id": grid_id,
                              "building_id": building_id, "entrance": entrance, "floor": floor, "room": room,
                              "address": f"第{c}社区{name}{entrance}单元{room}", "sticker_token": new_token(),
                              "status": rng.choices(["occupied", "rented_out", "vacant", "registered_elsewhere",
                                                     "moved_out"], [74, 13, 8, 3, 2])[0],
                              "created_at": utcnow()})
    for i in range(0, len(buildings), CHUNK):
        conn.execute(insert(Building), buildings[i:i + CHUNK])
    for i in range(0, len(doors), CHUNK):
        conn.execute(insert(Household), doors[i:i + CHUNK])

    # Residents (the demo's generator: names, phones, ID numbers, the four categories, care tags).
    people, tags, resident_id = [], [], 0
    for door in doors:
        found = gen.household_people(door["id"], door["status"])
        if found and rng.random() < 0.4:  # lodgers and relatives: about 2.7 people a household, as in Pengjiang
            found.append((gen.person(door["id"], 18, 70, found[0][0]["category"]), []))
        for person, care in found:
            resident_id += 1
            person["id"] = resident_id
            person["created_at"] = utcnow() - timedelta(days=rng.randint(30, 2000))
            people.append(person)
            tags.extend({"resident_id": resident_id, "tag": tag} for tag in care)
        if len(people) >= CHUNK:
            conn.execute(insert(Resident), people)
            people = []
    if people:
        conn.execute(insert(Resident), people)
    for i in range(0, len(tags), CHUNK):
        conn.execute(insert(CareTag), tags[i:i + CHUNK])

    # People: admin, a secretary of community 1, a volunteer on grid 1 … and one volunteer per grid.
    password = hash_password(PASSWORD)
    users = [{"id": 1, "username": "admin", "display_name": "管理员", "password_hash": password},
             {"id": 2, "username": "secretary", "display_name": "书记", "password_hash": password},
             {"id": 3, "username": "volunteer", "display_name": "志愿者", "password_hash": password}]
    users += [{"id": 3 + g, "username": f"grid{g}", "display_name": f"网格员{g}", "password_hash": password}
              for g in range(1, n_grids + 1)]
    conn.execute(insert(User), users)
    far = utcnow() + timedelta(days=365)
    def role(user_id, name, community_id=None, grid_id=None, valid_until=None):
        return {"user_id": user_id, "role": name, "community_id": community_id, "grid_id": grid_id,
                "valid_until": valid_until}

    conn.execute(insert(RoleAssignment), [
        role(1, "admin"), role(2, "secretary", community_id=1), role(3, "volunteer", grid_id=grids_of[1][0],
                                                                   valid_until=far),
        *[role(3 + g, "volunteer", grid_id=g, valid_until=far) for g in range(1, n_grids + 1)]])
    today = date.today()
    conn.execute(insert(Campaign), [{"id": c, "community_id": c, "name": "冬季入户走访", "starts_on": today - timedelta(days=5),
                                     "ends_on": today + timedelta(days=25), "max_attempts": 3, "created_by_id": 1}
                                    for c in range(1, n_communities + 1)])
    # About half the doors knocked once or twice over the last days, a few today.
    visits, now = [], utcnow()
    for door in doors:
        if rng.random() < 0.5:
            for _ in range(rng.choice((1, 1, 2))):
                visits.append({"request_id": uuid.uuid4().hex, "household_id": door["id"],
                               "campaign_id": door["community_id"], "user_id": 3 + door["grid_id"],
                               "channel": "door",
                               "outcome": rng.choices(["verified", "not_home", "refused", "vacant"], [55, 35, 4, 6])[0],
                               "visited_at": now - timedelta(minutes=rng.randint(0, 5 * 24 * 60))})
        if len(visits) >= CHUNK:
            conn.execute(insert(Visit), visits)
            visits = []
    if visits:
        conn.execute(insert(Visit), visits)
    if db.engine.dialect.name == "postgresql":
        for table in ("streets", "communities", "grids", "buildings", "households", "residents", "users", "campaigns"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    db.session.commit()
    built = time.perf_counter() - started
    analyze_started = time.perf_counter()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as raw:
            raw.execute(text("VACUUM ANALYZE"))
    else:
        with db.engine.begin() as raw:
            raw.execute(text("ANALYZE"))
    residents = db.session.scalar(text("SELECT count(*) FROM residents"))
    return {"households": len(doors), "residents": int(residents), "grids": n_grids, "communities": n_communities,
            "streets": n_streets, "buildings": len(buildings), "build_seconds": round(built, 1),
            "analyze_seconds": round(time.perf_counter() - analyze_started, 1)}


# --- timing ----------------------------------------------------------------------------------

def measure(app) -> dict[str, list[float]]:
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.models import Building, Household, Resident
    from webapp.scope import Scope

    phone = {"Accept-Encoding": "gzip, br"}

    def client_for(username):
        client = app.test_client()
        html = client.get("/login").get_data(as_text=True)
        token = re.search(r'csrf-token" content="([^"]+)"', html).group(1)
        assert client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": token}).status_code == 303
        html = client.get("/").get_data(as_text=True)
        return client, re.search(r'csrf-token" content="([^"]+)"', html).group(1)

    admin, _ = client_for("admin")
    secretary, _ = client_for("secretary")
    volunteer, csrf = client_for("volunteer")
    with app.app_context():
        tokens = db.session.scalars(select(Household.sticker_token).order_by(func.random()).limit(SAMPLES)).all()
        tower = db.session.scalars(select(Building.id).where(Building.kind == "tower", Building.community_id == 1)
                                   .limit(1)).first()
        volunteer_grid = 1  # the volunteer holds grid 1 (of community 1)
        mine = db.session.scalars(select(Household.sticker_token).where(Household.grid_id == volunteer_grid)
                                  .order_by(func.random()).limit(SAMPLES)).all()
        walk = db.session.scalars(select(Building.id).where(Building.grid_id == volunteer_grid)
                                  .order_by(func.random()).limit(SAMPLES)).all()
        names = db.session.scalars(select(Resident.name).join(Household).where(Household.community_id == 1)
                                   .order_by(func.random()).limit(SAMPLES)).all()

    def timed(client, paths, method="GET", data=None, headers=None):
        times = []
        for path in paths:
            begin, cpu = time.perf_counter(), time.process_time()
            if method == "GET":
                response = client.get(path, headers={**phone, **(headers or {})})
            else:
                response = client.post(path, data=data(), headers={**phone, **(headers or {})})
            times.append(((time.perf_counter() - begin) * 1000, (time.process_time() - cpu) * 1000))
            assert response.status_code == 200, (path, response.status_code)
        return times

    def sticker_lookups():
        scope = Scope(everything=True)
        times = []
        with app.app_context():
            for token in tokens:
                begin, cpu = time.perf_counter(), time.process_time()
                found = db.session.scalar(select(Household).where(Household.sticker_token == token, scope.households()))
                times.append(((time.perf_counter() - begin) * 1000, (time.process_time() - cpu) * 1000))
                assert found is not None
                db.session.rollback()
        return times

    # One warm-up request each (imports, template compilation), outside the timed window.
    timed(admin, [f"/h/{tokens[0]}", f"/buildings/{tower}/floors", "/dashboard/district"])
    timed(secretary, ["/dashboard", f"/search?q={names[0]}"])
    timed(volunteer, [f"/buildings/{walk[0]}/walk", "/", "/revisits"])
    timed(secretary, ["/care", "/setup"])
    knock = {"HX-Request": "true", "X-CSRFToken": csrf}
    return {
        "sticker lookup": sticker_lookups(),
        "card": timed(admin, [f"/h/{t}" for t in tokens]),
        "floor view": timed(admin, [f"/buildings/{tower}/floors"] * SAMPLES),
        "walk page": timed(volunteer, [f"/buildings/{b}/walk" for b in walk] * (SAMPLES // max(1, len(walk)) + 1))[:SAMPLES],
        "community dashboard": timed(secretary, ["/dashboard"] * SAMPLES),
        "admin district roll-up": timed(admin, ["/dashboard/district"] * SAMPLES),
        "name search": timed(secretary, [f"/search?q={n}" for n in names]),
        "knock": timed(volunteer, [f"/h/{t}" for t in mine], "POST", headers=knock,
                       data=lambda: {"outcome": "not_home", "channel": "door", "request_id": uuid.uuid4().hex}),
        "volunteer home": timed(volunteer, ["/"] * SAMPLES),
        "revisit list": timed(volunteer, ["/revisits"] * SAMPLES),
        "care list": timed(secretary, ["/care"] * SAMPLES),
        "community setup": timed(secretary, ["/setup"] * SAMPLES),
    }


def run_one(database_url: str, households: int) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "bench-secret"}
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    os.environ.update(env)
    from webapp import create_app
    from webapp.extensions import db

    app = create_app({"PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        facts = build(households)
    times = measure(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    figures = {}
    for name, pairs in times.items():
        wall, cpu = [w for w, _ in pairs], [c for _, c in pairs]
        figures[name] = {"p50": statistics.median(wall), "p95": p95(wall), "cpu_p50": statistics.median(cpu),
                         "samples": len(wall)}
    return {**facts, "figures": figures, "load_average": os.getloadavg()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, nargs="+", default=[3000, 30000])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    from tests.pg import ThrowawayPostgres, find_pg_bin

    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "scale.json"
    results = json.loads(out.read_text()) if out.exists() else {}
    server = None
    try:
        for database in args.databases:
            for households in args.households:
                if database == "sqlite":
                    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='doorstep-scale-')) / 'scale.db'}"
                else:
                    if server is None:
                        bin_dir = find_pg_bin()
                        if bin_dir is None:
                            print("PostgreSQL binaries (initdb, pg_ctl) not found: skipping PostgreSQL")
                            break
                        server = ThrowawayPostgres(bin_dir)
                        server.start()
                    name = f"scale_{households}"
                    server.admin_execute(f"DROP DATABASE IF EXISTS {name}")
                    server.admin_execute(f"CREATE DATABASE {name}")
                    url = server.url(name)
                # A fresh interpreter per database, so engines and caches never mix.
                done = subprocess.run([sys.executable, __file__, "--one", url, str(households)], cwd=ROOT,
                                      capture_output=True, text=True)
                if done.returncode != 0:
                    print(done.stderr[-3000:])
                    raise SystemExit(f"{database} {households}: failed")
                if database == "sqlite":
                    shutil.rmtree(Path(url.removeprefix("sqlite:///")).parent, ignore_errors=True)
                result = json.loads(done.stdout.strip().splitlines()[-1])
                result["database"] = database
                results[f"{database}/{households}"] = result
                out.write_text(json.dumps(results, indent=1, ensure_ascii=False))
                print(f"\n{database}, {result['households']} households, {result['residents']} residents, "
                      f"{result['grids']} grids, {result['communities']} communities, {result['streets']} streets "
                      f"(built in {result['build_seconds']} s, ANALYZE {result['analyze_seconds']} s)")
                for name, figure in result["figures"].items():
                    budget, which = BUDGETS[name]
                    beside = f"budget {which} <= {budget} ms" if budget else ""
                    print(f"  {name:24} p50 {figure['p50']:8.1f} ms   p95 {figure['p95']:8.1f} ms   "
                          f"(app CPU p50 {figure['cpu_p50']:6.1f} ms)   {beside}")
                print(f"  load average during the run: {result['load_average']}")
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        print(json.dumps(run_one(sys.argv[2], int(sys.argv[3]))))
    else:
        main()

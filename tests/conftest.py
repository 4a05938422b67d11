"""Fixtures: an app on SQLite and on a real PostgreSQL, a demo world, and logging in as a role.

Each test gets its own database cloned from a template that was migrated with Alembic and
loaded with the demo street once per session (a file copy on SQLite, CREATE DATABASE …
TEMPLATE on PostgreSQL), so tests are isolated and quick.
"""
from __future__ import annotations

import itertools
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("SECRET_KEY", "test-secret-key")

from tests.pg import ThrowawayPostgres, find_pg_bin  # noqa: E402

PASSWORD = "correct-horse-7"
DEMO_HOUSEHOLDS = 120
FAST_HASH = "pbkdf2:sha256:1000"  # tests hash many passwords; production uses scrypt
BACKENDS = ["sqlite", "postgresql"]


def _required(name: str) -> bool:
    return os.environ.get(name, "").lower() in {"1", "true", "yes"}


def make_app(database_url: str, **overrides):
    from webapp import create_app

    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PASSWORD_HASH_METHOD": FAST_HASH,
        "SERVER_NAME": None,
    }
    config.update(overrides)
    return create_app(config)


def build_world(app) -> None:
    """Migrate an empty database with Alembic and load the demo street into it."""
    from flask_migrate import upgrade

    from webapp.auth.services import hash_password
    from webapp.demo import load_demo
    from webapp.extensions import db

    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        load_demo(DEMO_HOUSEHOLDS, hash_password(PASSWORD))
        db.session.commit()
        db.engine.dispose()


@pytest.fixture(scope="session")
def postgres():
    bin_dir = find_pg_bin()
    if bin_dir is None:
        if _required("DOORSTEP_REQUIRE_PG"):
            pytest.fail("PostgreSQL server binaries (initdb, pg_ctl) are missing")
        pytest.skip("PostgreSQL server binaries are not installed")
    server = ThrowawayPostgres(bin_dir)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.db"
    app = make_app(f"sqlite:///{path}")
    build_world(app)
    # Fold the WAL into the main file so a plain file copy is a complete database.
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres):
    postgres.admin_execute("CREATE DATABASE doorstep_template")
    build_world(make_app(postgres.url("doorstep_template")))
    return "doorstep_template"


_counter = itertools.count()


@pytest.fixture(params=BACKENDS)
def app(request, database_url_for):
    app = make_app(database_url_for(request.param))
    yield app
    with app.app_context():
        from webapp.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def database_url_for(request, tmp_path):
    """Returns a function giving a fresh database URL for a backend, cleaned up after the test."""
    cleanups = []

    def make(backend: str) -> str:
        if backend == "sqlite":
            target = tmp_path / f"doorstep-{next(_counter)}.db"
            shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
            return f"sqlite:///{target}"
        server = request.getfixturevalue("postgres")
        template = request.getfixturevalue("postgres_template")
        name = f"doorstep_test_{os.getpid()}_{next(_counter)}"
        server.admin_execute(f"CREATE DATABASE {name} TEMPLATE {template}")
        cleanups.append(lambda: server.admin_execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        return server.url(name)

    yield make
    for cleanup in cleanups:
        cleanup()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token_from(client, path: str = "/login") -> str:
    page = client.get(path, follow_redirects=True)
    match = CSRF_META.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str = PASSWORD, **extra):
        token = csrf_token_from(self.client)
        return self.client.post("/login", data={"username": username, "password": password,
                                                "csrf_token": token, **extra})

    def logout(self):
        token = csrf_token_from(self.client, "/")
        return self.client.post("/logout", data={"csrf_token": token})

    def csrf(self, path: str = "/") -> str:
        return csrf_token_from(self.client, path)


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def login_as(client, auth):
    def login(username: str):
        response = auth.login(username)
        assert response.status_code == 303, response.get_data(as_text=True)
        return client

    return login


@dataclass
class World:
    """Handy objects of the demo street, looked up by what the tests need them for."""

    first_community: int
    second_community: int
    volunteer_grid: int
    other_grid: int  # in the first community, not the volunteer's
    second_grid: int  # in the second community (volunteer2's)
    volunteer_building: int
    other_building: int  # first community, outside the volunteer's grids and the lead's buildings
    lead_building: int
    second_building: int
    volunteer_household: str  # sticker tokens
    other_household: str
    lead_household: str
    second_household: str


@pytest.fixture
def world(app) -> World:
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import Building, Community, Household, RoleAssignment, User

    with app.app_context():
        def assignments(username):
            return db.session.scalars(select(RoleAssignment).join(RoleAssignment.user).where(User.username == username)).all()

        first, second = db.session.scalars(select(Community).order_by(Community.id)).all()
        volunteer_grids = [a.grid_id for a in assignments("volunteer")]
        lead_buildings = [a.building_id for a in assignments("lead")]
        second_grid = assignments("volunteer2")[0].grid_id

        def building_where(*conditions):
            return db.session.scalars(select(Building).where(*conditions).order_by(Building.id)).first()

        volunteer_building = building_where(Building.grid_id.in_(volunteer_grids))
        other_building = building_where(Building.community_id == first.id, Building.grid_id.notin_(volunteer_grids),
                                        Building.id.notin_(lead_buildings))
        second_building = building_where(Building.grid_id == second_grid)

        def token(building):
            return db.session.scalars(select(Household.sticker_token).where(Household.building_id == building.id)
                                      .order_by(Household.id)).first()

        lead_building = db.session.get(Building, lead_buildings[0])
        return World(
            first_community=first.id, second_community=second.id,
            volunteer_grid=volunteer_grids[0], other_grid=other_building.grid_id, second_grid=second_grid,
            volunteer_building=volunteer_building.id, other_building=other_building.id,
            lead_building=lead_building.id, second_building=second_building.id,
            volunteer_household=token(volunteer_building), other_household=token(other_building),
            lead_household=token(lead_building), second_household=token(second_building),
        )


@pytest.fixture
def make_world(app):
    """A world in one line: `built = make_world()` (see tests/factory.py for what it holds)."""
    from tests.factory import build_world_in

    def make(**options):
        return build_world_in(app, **options)

    return make

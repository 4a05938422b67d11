"""The commands a deployer runs: demo, create-user, backup, db check."""
import re
from datetime import date, time

import pytest
from sqlalchemy import func, select

from tests.conftest import make_app


@pytest.fixture
def empty_app(request, tmp_path):
    """An app on a freshly migrated, empty database (SQLite or PostgreSQL)."""
    from flask_migrate import upgrade

    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'empty.db'}"
        cleanup = None
    else:
        server = request.getfixturevalue("postgres")
        name = f"doorstep_empty_{abs(hash(tmp_path)) % 10**8}"
        server.admin_execute(f"CREATE DATABASE {name}")
        url = server.url(name)
        cleanup = lambda: server.admin_execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # noqa: E731
    app = make_app(url)
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        from webapp.extensions import db

        db.session.remove()
        db.engine.dispose()
    if cleanup:
        cleanup()


def _scalar(app, statement):
    from webapp.extensions import db

    with app.app_context():
        return db.session.scalar(statement)


@pytest.mark.parametrize("empty_app", ["sqlite", "postgresql"], indirect=True)
def test_models_and_migrations_never_drift(empty_app):
    result = empty_app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("empty_app", ["sqlite", "postgresql"], indirect=True)
def test_demo_builds_the_contracted_street(empty_app):
    from webapp.models import Building, Community, Household, Resident, RoleAssignment, User

    runner = empty_app.test_cli_runner()
    result = runner.invoke(args=["demo", "--households", "500", "--password", "pw-demo-1"])
    assert result.exit_code == 0, result.output
    assert "pw-demo-1" in result.output
    assert _scalar(empty_app, select(func.count()).select_from(Household)) == 500
    assert _scalar(empty_app, select(func.count()).select_from(Community)) == 2
    assert _scalar(empty_app, select(func.count()).select_from(User)) == 5
    # The volunteer holds some of the first community's grids, not all; volunteer2 holds one in the second.
    from webapp.extensions import db
    from webapp.models import Grid

    with empty_app.app_context():
        kinds = set(db.session.scalars(select(Building.kind).distinct()))
        assert {"walkup", "tower", "bungalow"} <= kinds
        first, second = db.session.scalars(select(Community).order_by(Community.id)).all()
        held = db.session.scalars(select(RoleAssignment.grid_id).join(RoleAssignment.user)
                                  .where(User.username == "volunteer")).all()
        first_grids = db.session.scalars(select(Grid.id).where(Grid.community_id == first.id)).all()
        assert held and set(held) < set(first_grids)
        held2 = db.session.scalars(select(RoleAssignment.grid_id).join(RoleAssignment.user)
                                   .where(User.username == "volunteer2")).all()
        assert db.session.get(Grid, held2[0]).community_id == second.id
        # Rented and vacant homes, elderly residents, Chinese names and addresses.
        statuses = set(db.session.scalars(select(Household.status).distinct()))
        assert {"occupied", "rented_out", "vacant"} <= statuses
        assert db.session.scalar(select(func.count()).select_from(Resident).where(Resident.birth_date < date(1956, 1, 1))) > 0
        address = db.session.scalar(select(Household.address).limit(1))
        assert re.search(r"[\u4e00-\u9fff]", address)
        tokens = db.session.scalars(select(Household.sticker_token)).all()
        assert len(set(tokens)) == 500 and all(len(t) >= 16 for t in tokens)
        # Its knocks happened when volunteers knock (9:00–20:30 local), none in the future.
        from webapp.clock import local_naive
        from webapp.models import Visit, utcnow

        knocked = db.session.scalars(select(Visit.visited_at)).all()
        assert knocked and max(knocked) <= utcnow()
        hours = {local_naive(moment).time() for moment in knocked}
        assert min(hours) >= time(9) and max(hours) <= time(20, 30), (min(hours), max(hours))


def test_demo_logs_in_with_the_given_password(empty_app):
    empty_app.test_cli_runner().invoke(args=["demo", "--households", "40", "--password", "pw-demo-2"])
    from tests.conftest import csrf_token_from

    client = empty_app.test_client()
    token = csrf_token_from(client)
    response = client.post("/login", data={"username": "volunteer2", "password": "pw-demo-2", "csrf_token": token})
    assert response.status_code == 303


def test_demo_if_empty_leaves_existing_data_alone(empty_app):
    from webapp.models import Household

    runner = empty_app.test_cli_runner()
    runner.invoke(args=["demo", "--households", "30", "--password", "pw-1"])
    result = runner.invoke(args=["demo", "--if-empty", "--households", "80"])
    assert result.exit_code == 0 and "not loaded" in result.output
    assert _scalar(empty_app, select(func.count()).select_from(Household)) == 30


def test_demo_again_replaces_demo_data_with_the_new_password(empty_app):
    from webapp.models import Household

    runner = empty_app.test_cli_runner()
    runner.invoke(args=["demo", "--households", "30", "--password", "pw-1"])
    result = runner.invoke(args=["demo", "--households", "50", "--password", "pw-2"])
    assert result.exit_code == 0, result.output
    assert _scalar(empty_app, select(func.count()).select_from(Household)) == 50


def test_demo_refuses_to_overwrite_real_data(empty_app):
    from webapp.extensions import db
    from webapp.models import Household, Street

    with empty_app.app_context():
        db.session.add(Street(name="真实街道"))
        db.session.commit()
    result = empty_app.test_cli_runner().invoke(args=["demo", "--households", "20"])
    assert result.exit_code != 0 and "--force" in result.output
    assert _scalar(empty_app, select(func.count()).select_from(Household)) == 0


def test_create_user_with_an_expiring_volunteer_assignment(empty_app):
    from webapp.models import RoleAssignment, User

    runner = empty_app.test_cli_runner()
    runner.invoke(args=["demo", "--households", "30", "--password", "pw-1"])
    result = runner.invoke(args=["create-user", "temp116", "--name", "借调人员", "--role", "volunteer",
                                 "--grid", "长庚社区/第一网格", "--days", "1", "--password", "pw-temp-1"])
    assert result.exit_code == 0, result.output
    assert _scalar(empty_app, select(User.display_name).where(User.username == "temp116")) == "借调人员"
    assert _scalar(empty_app, select(RoleAssignment.valid_until).join(RoleAssignment.user)
                   .where(User.username == "temp116")) is not None


def test_create_user_rejects_a_missing_place(empty_app):
    result = empty_app.test_cli_runner().invoke(args=["create-user", "x", "--role", "secretary",
                                                      "--community", "不存在", "--password", "p"])
    assert result.exit_code != 0 and "No community" in result.output


def test_backup_writes_a_usable_sqlite_copy(empty_app, tmp_path):
    import sqlite3

    empty_app.test_cli_runner().invoke(args=["demo", "--households", "20", "--password", "pw-1"])
    result = empty_app.test_cli_runner().invoke(args=["backup", "--to", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    copy = next((tmp_path / "b").glob("doorstep-*.db"))
    with sqlite3.connect(copy) as conn:
        assert conn.execute("select count(*) from households").fetchone()[0] == 20


def test_demo_scales_to_many_towers_and_bungalow_rows(empty_app):
    """Large demo streets (benchmarks build hundreds of thousands of doors) name every building uniquely."""
    from webapp.models import Building, Household

    result = empty_app.test_cli_runner().invoke(args=["demo", "--households", "12000", "--password", "pw-1"])
    assert result.exit_code == 0, result.output
    assert _scalar(empty_app, select(func.count()).select_from(Household)) == 12000
    assert _scalar(empty_app, select(func.count()).select_from(Building).where(Building.kind == "tower")) > 8


@pytest.mark.parametrize("empty_app", ["sqlite", "postgresql"], indirect=True)
def test_a_database_holding_data_migrates_down_and_up_again(empty_app):
    """A deployed street is upgraded with its data in it. SQLite changes a table by copying it and
    dropping the old one, which rows of other tables point at (a pad's slips, a household's visits):
    with foreign keys enforced that failed, so such a database could not take the newest migration.
    Here the demo street goes down eight migrations and up again, keeping its doors and slips."""
    from flask_migrate import downgrade, upgrade

    from webapp.extensions import db
    from webapp.models import Household, NoteSlip, SlipPad

    empty_app.test_cli_runner().invoke(args=["demo", "--households", "40", "--password", "pw-demo-2"])
    kept = [select(func.count()).select_from(model) for model in (Household, NoteSlip, SlipPad)]
    before = [_scalar(empty_app, statement) for statement in kept]
    assert before[1] > 0 and before[2] > 0  # slips pointing at pads: what a copied pads table must survive
    with empty_app.app_context():
        db.session.remove()
        for _ in range(8):
            downgrade(revision="-1")
        upgrade()
        db.session.remove()
    assert [_scalar(empty_app, statement) for statement in kept] == before
    result = empty_app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    if empty_app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with empty_app.app_context():
            with db.engine.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # enforced again
                assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []

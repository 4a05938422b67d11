"""SQLite is configured for many writers; PostgreSQL runs the same code."""
import pytest
from sqlalchemy import text


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_sqlite_runs_wal_with_busy_timeout_and_normal_sync(app):
    from webapp.extensions import db

    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == app.config["SQLITE_BUSY_TIMEOUT_MS"]
        assert db.session.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_writes_open_with_begin_immediate(app):
    """A second writer must wait for the lock at BEGIN, not fail later with SQLITE_BUSY."""
    import sqlite3

    from webapp.extensions import db

    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with app.app_context():
        db.session.execute(text("SELECT 1"))  # outside a request: BEGIN IMMEDIATE holds the write lock
        other = sqlite3.connect(path, timeout=0.1, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        db.session.rollback()
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        other.close()


def test_database_constraints_reject_bad_enumerations(app):
    from sqlalchemy.exc import IntegrityError

    from webapp.extensions import db

    with app.app_context():
        with pytest.raises(IntegrityError):
            db.session.execute(text("UPDATE households SET status = 'haunted' WHERE id = (SELECT min(id) FROM households)"))
            db.session.flush()
        db.session.rollback()
        with pytest.raises(IntegrityError):
            db.session.execute(text("INSERT INTO role_assignments (user_id, role, valid_from, created_at) "
                                    "VALUES ((SELECT min(id) FROM users), 'secretary', '2026-01-01', '2026-01-01')"))
        db.session.rollback()



@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_a_knock_holds_the_write_lock_only_while_it_writes(app, client, login_as, world):
    """The knock reads (the signed-in user first, in before_request) under a plain BEGIN and takes
    SQLite's write lock for its INSERT alone: other workers' knocks queue for one statement, not a request."""
    from sqlalchemy import event

    from tests.conftest import csrf_token_from
    from tests.doors.helpers import knock
    from webapp.extensions import db

    login_as("volunteer")
    csrf = csrf_token_from(client, "/")
    knock(client, world.volunteer_household, "refused", htmx=True, csrf=csrf)
    seen = []

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        seen.append("BEGIN IMMEDIATE" if statement.upper().startswith("BEGIN IMMEDIATE") else statement.split()[0].upper())

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        assert knock(client, world.volunteer_household, "not_home", htmx=True, csrf=csrf).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    assert seen[0] == "BEGIN", seen  # the user, the door and its state are read without the lock
    assert seen.count("BEGIN IMMEDIATE") == 1 and seen[seen.index("BEGIN IMMEDIATE") + 1] == "INSERT", seen

"""Engine settings that make SQLite safe under several gunicorn workers.

WAL lets readers run beside one writer; busy_timeout makes a writer wait instead of failing;
and a request that may write opens its transaction with BEGIN IMMEDIATE, because a deferred
BEGIN that later upgrades to a write lock gets SQLITE_BUSY at once, whatever the timeout.
"""
from contextlib import contextmanager

from flask import current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

READ_ONLY_METHODS = {"GET", "HEAD", "OPTIONS"}


def _wants_write_lock() -> bool:
    # Outside a request (CLI, tests' setup) we assume a write; GETs only read.
    if not has_request_context():
        return True
    if g.get("sqlite_writing"):
        return True
    if request.method in READ_ONLY_METHODS:
        return False
    # Known before the view runs: the user is loaded (a read) in before_request, and that read must
    # not take the write lock for the whole request either.
    view = current_app.view_functions.get(request.endpoint)
    return not getattr(view, "reads_first", False)


def reads_then_writes(view):
    """For a hot POST view that reads first and does all its writing inside `writing()`.

    Its reads run under a plain BEGIN, so the SQLite write lock is held only for the few
    statements that write, and workers queue for much less time.
    """
    view.reads_first = True
    return view


@contextmanager
def writing():
    """A write transaction of its own, opened with BEGIN IMMEDIATE on SQLite."""
    from .extensions import db

    db.session.commit()  # end the read transaction (it wrote nothing)
    g.sqlite_writing = True
    try:
        yield
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    finally:
        g.sqlite_writing = False


def taken(model, *where, except_id: int | None = None) -> bool:
    """Whether a row matching `where` exists, other than `except_id`: the check before a name, a door
    number or an address is given (a grid renamed, a door edited), on the write transaction's snapshot."""
    from sqlalchemy import select

    from .extensions import db

    statement = select(model.id).where(*where)
    if except_id:
        statement = statement.where(model.id != except_id)
    return db.session.scalar(statement.limit(1)) is not None


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Hand transaction control to SQLAlchemy's "begin" event below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write_lock() else "BEGIN")

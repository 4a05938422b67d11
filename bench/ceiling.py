"""The stack's ceiling for a write: a bare Flask route that stores one row in SQLite (WAL,
synchronous=NORMAL, a unique request id, BEGIN IMMEDIATE like the app), served by the same gunicorn
as the app. bench/knock.py measures the knock's worker CPU against this route's, in the same run."""
import os
import sqlite3
import threading
import time

from flask import Flask, request

app = Flask(__name__)
DATABASE = os.environ.get("CEILING_DB", "/tmp/doorstep-ceiling.db")
_local = threading.local()


def connection() -> sqlite3.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(DATABASE, isolation_level=None, timeout=15)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, request_id TEXT NOT NULL UNIQUE,"
                     " outcome TEXT NOT NULL, at REAL NOT NULL)")
        _local.conn = conn
    return conn


@app.post("/store")
def store():
    conn = connection()
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("INSERT INTO rows (request_id, outcome, at) VALUES (?, ?, ?) ON CONFLICT (request_id) DO NOTHING",
                     (request.form["request_id"], request.form.get("outcome", "not_home"), time.time()))
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    return "stored"

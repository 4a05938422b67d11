"""deploy/backup.sh writes a backup and keeps only what retention says; deploy/restore-check.sh
restores the newest into a scratch database and checks it (on PostgreSQL, as deployed, and SQLite)."""
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(script, env):
    return subprocess.run(["sh", str(ROOT / "deploy" / script)], env={**os.environ, **env}, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_backup_restores_and_checks_out_and_old_ones_are_pruned(database_url_for, tmp_path, backend):
    source = database_url_for(backend)
    backups = tmp_path / "backups"
    backups.mkdir()
    ext = "db" if backend == "sqlite" else "dump"
    # Old backups: 3 days (kept, daily), 20 and 22 days in one ISO week (the newer kept, weekly), 200 days (gone).
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    old = {days: f"doorstep-{(now - timedelta(days=days)).strftime('%Y%m%dT%H%M%SZ')}.{ext}" for days in (3, 200)}
    monday = (now - timedelta(days=28)).date()
    monday -= timedelta(days=monday.weekday())
    same_week = [f"doorstep-{(monday + timedelta(days=d)).strftime('%Y%m%d')}T120000Z.{ext}" for d in (1, 3)]
    for name in [*old.values(), *same_week]:
        (backups / name).write_bytes(b"old")
    done = _run("backup.sh", {"DATABASE_URL": source, "BACKUP_DIR": str(backups), "DAILY": "14", "WEEKLY": "8"})
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in backups.iterdir())
    assert old[3] in names and old[200] not in names
    assert same_week[1] in names and same_week[0] not in names
    newest = names[-1]
    assert newest not in old.values() and (backups / newest).stat().st_size > 1000

    for stale in [*old.values(), *same_week]:  # only the real backup is left to restore
        (backups / stale).unlink(missing_ok=True)
    restore = database_url_for(backend)  # a scratch database (dropped and recreated by the script)
    if backend == "sqlite":
        Path(restore.removeprefix("sqlite:///")).unlink()
    done = _run("restore-check.sh", {"RESTORE_URL": restore, "BACKUP_DIR": str(backups),
                                     "FLASK": str(ROOT / ".venv" / "bin" / "flask")})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Restore checks out" in done.stdout and "households" in done.stdout


def test_restore_check_fails_on_a_broken_backup(tmp_path):
    backups = tmp_path / "backups"
    backups.mkdir()
    (backups / "doorstep-20260101T000000Z.db").write_bytes(b"not a database")
    done = _run("restore-check.sh", {"RESTORE_URL": f"sqlite:///{tmp_path / 'r.db'}", "BACKUP_DIR": str(backups),
                                     "FLASK": str(ROOT / ".venv" / "bin" / "flask")})
    assert done.returncode != 0

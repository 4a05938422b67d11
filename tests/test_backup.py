"""`flask backup` writes files only their owner can read, on SQLite and PostgreSQL."""
import os
import stat


def test_backup_is_written_0600_into_a_private_folder(app, runner, tmp_path):
    old_umask = os.umask(0o022)  # a usual umask would make files 0644
    try:
        result = runner.invoke(args=["backup", "--to", str(tmp_path / "backups")])
    finally:
        os.umask(old_umask)
    assert result.exit_code == 0, result.output
    assert "encrypted" in result.output
    files = [p for p in (tmp_path / "backups").iterdir() if p.name.startswith("doorstep-")]
    assert files
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, (path, oct(path.stat().st_mode))
    assert stat.S_IMODE((tmp_path / "backups").stat().st_mode) == 0o700
    dump = next(p for p in files if p.suffix in (".db", ".sql"))
    data = dump.read_bytes()
    assert b"password_hash" in data or b"users" in data  # a real copy, not an empty file

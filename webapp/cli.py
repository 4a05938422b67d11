"""Commands: `flask --app wsgi demo | create-user | backup`."""
from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from .extensions import db
from .models import ROLES, Building, Community, Grid, User, utcnow


def register_commands(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(import_command)
    app.cli.add_command(check_restore_command)


@click.command("demo")
@with_appcontext
@click.option("--households", default=600, show_default=True, type=click.IntRange(2, 400_000),
              help="Households in the whole street.")
@click.option("--password", default=None, help="Password for every demo user (random if not given).")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already holds data.")
@click.option("--force", is_flag=True, help="Replace the database contents even if they are not demo data.")
def demo_command(households: int, password: str | None, if_empty: bool, force: bool) -> None:
    """Load a demo street with two communities and the users admin, secretary, lead, volunteer, volunteer2."""
    from .auth.services import hash_password
    from .demo import is_empty, load_demo, only_demo_data, wipe

    if not is_empty():
        if if_empty:
            click.echo("The database already holds data; demo not loaded.")
            return
        if not (only_demo_data() or force):
            raise click.ClickException("The database holds real data. Use --force to replace it with the demo.")
        wipe()
    password = password or secrets.token_urlsafe(9)
    summary = load_demo(households, hash_password(password), activity=True)
    db.session.commit()
    click.echo(f"Demo loaded: {summary['street']} ({', '.join(summary['communities'])}), {households} households.")
    click.echo(f"Users: {', '.join(summary['users'])}")
    click.echo(f"Password for every demo user: {password}")


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--name", "display_name", default=None, help="Name shown in the app.")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--community", default=None, help="Community name (secretary).")
@click.option("--grid", default=None, help="Grid as 'community/grid' (volunteer).")
@click.option("--building", default=None, help="Building as 'community/building' (lead or volunteer).")
@click.option("--days", type=click.IntRange(1, 3650), default=None, help="Access ends after this many days.")
@click.password_option()
def create_user_command(username, display_name, role, community, grid, building, days, password) -> None:
    """Create a user with one role assignment."""
    from flask_babel import force_locale

    from .passwords import password_problem
    from .setup.people import create_person

    if not 1 <= len(username) <= 40 or not username.isprintable() or any(c.isspace() for c in username):
        raise click.ClickException("A user name is 1 to 40 characters, without spaces.")
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise click.ClickException(f"User {username!r} already exists.")
    places = {}
    if role == "secretary":
        places["community_id"] = _community(community).id
    elif role in ("lead", "volunteer") and building:
        places["building_ids"] = [_within(building, Building).id]
    elif role == "volunteer" and grid:
        places["grid_ids"] = [_within(grid, Grid).id]
    elif role != "admin":
        raise click.ClickException("A lead needs --building; a volunteer needs --grid or --building.")
    with force_locale("en"):  # the commands speak English
        problem = password_problem(password, username)
    if problem:
        raise click.ClickException(f"Password refused: {problem}")
    # The same service as the people page (/users).
    with current_app.test_request_context(), force_locale("en"):
        create_person(username, display_name or username, None, role, password=password,
                      valid_until=utcnow() + timedelta(days=days) if days else None, **places)
    db.session.commit()
    click.echo(f"Created {username} ({role}).")


def _community(name: str | None) -> Community:
    found = db.session.scalar(select(Community).where(Community.name == (name or "")))
    if found is None:
        raise click.ClickException(f"No community named {name!r}.")
    return found


def _within(path: str, model):
    community_name, _, name = path.partition("/")
    community = _community(community_name)
    found = db.session.scalar(select(model).where(model.community_id == community.id, model.name == name))
    if found is None:
        raise click.ClickException(f"Nothing named {name!r} in {community_name}.")
    return found


@click.command("backup")
@with_appcontext
@click.option("--to", "target_dir", default=None, help="Folder for the backup (default: instance/backups).")
def backup_command(target_dir: str | None) -> None:
    """Write a consistent copy of the database (SQLite online backup, or pg_dump)."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    folder = Path(target_dir or Path(current_app.instance_path) / "backups")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    # A backup holds names, phone and ID numbers and password hashes: only its owner may read it.
    # The file is created 0600 before anything is written into it, whatever the umask.
    target = folder / (f"doorstep-{stamp}.db" if url.get_backend_name() == "sqlite" else f"doorstep-{stamp}.sql")
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    os.chmod(target, 0o600)
    try:
        if url.get_backend_name() == "sqlite":
            source = sqlite3.connect(url.database)
            with sqlite3.connect(target) as copy:
                source.backup(copy)
            source.close()
        else:
            if shutil.which("pg_dump") is None:
                raise click.ClickException("pg_dump is not installed.")
            # The password goes in the environment, not on the command line other users can read.
            plain = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
            env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
            subprocess.run(["pg_dump", "--no-owner", "-f", str(target), plain], check=True, env=env)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    os.chmod(target, 0o600)
    click.echo("Keep backups encrypted and off this machine (see README, Security).")
    click.echo(f"Backup written to {target}")


@click.command("check-restore")
@with_appcontext
def check_restore_command() -> None:
    """Check a restored database (deploy/restore-check.sh): people and doors present, every table
    readable, and the kept counts equal a recount from the rows."""
    from .coverage import counted_grid_households, counted_tallies, kept_grid_households, kept_tallies
    from .models import Household

    problems = []
    for table in db.metadata.sorted_tables:
        db.session.execute(select(func.count()).select_from(table)).scalar()
    users = db.session.scalar(select(func.count(User.id)))
    households = db.session.scalar(select(func.count(Household.id)))
    if not users:
        problems.append("no users")
    if not households:
        problems.append("no households")
    if kept_tallies() != counted_tallies():
        problems.append("campaign counts differ from a recount (flask shell: coverage.recount_tallies())")
    if kept_grid_households() != counted_grid_households():
        problems.append("household counts per grid differ from a recount")
    if problems:
        raise click.ClickException("; ".join(problems))
    click.echo(f"Restore checks out: {users} users, {households} households, {len(db.metadata.sorted_tables)} tables.")


@click.command("import")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--community", required=True, help="Community name the file belongs to.")
def import_command(path: str, community: str) -> None:
    """Import a registry file (底册; CSV in UTF-8 or GBK, or XLSX): checked whole first, applied in one
    transaction or not at all."""
    from flask_babel import force_locale

    from .registry.importer import COLUMNS, import_file

    target = _community(community)
    data = Path(path).read_bytes()
    with force_locale("en"):  # the commands speak English
        report = import_file(target, data, Path(path).name)
    if report.errors:
        db.session.rollback()
        for error in report.errors[:200]:
            click.echo(error, err=True)
        raise click.ClickException(f"{len(report.errors)} problem(s); nothing was imported. "
                                   f"Columns: {', '.join(COLUMNS)}")
    db.session.commit()
    click.echo(f"Imported {report.households} new households and {report.residents} residents into {target.name}.")

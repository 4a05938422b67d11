#!/bin/sh
# Prove the newest backup restores: load it into a scratch database, migrate it to this code's
# head, and check it with `flask check-restore` (tables readable, households and users present,
# the kept counts equal a recount). Exits non-zero if anything is off. Run it after every backup
# (doorstep-backup.service does) and before trusting a backup for a real restore.
#   RESTORE_URL=postgresql+psycopg://doorstep@db/doorstep_restore_check BACKUP_DIR=... deploy/restore-check.sh
set -eu
BACKUP_DIR=${BACKUP_DIR:-/var/backups/doorstep}
: "${RESTORE_URL:?set RESTORE_URL (a scratch database; it is dropped and recreated)}"
APP_DIR=${APP_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
FLASK=${FLASK:-$APP_DIR/.venv/bin/flask}
newest=$(ls -1 "$BACKUP_DIR" | grep -E '^doorstep-.*\.(dump|db)$' | sort | tail -n 1)
[ -n "$newest" ] || { echo "restore-check: no backup in $BACKUP_DIR" >&2; exit 1; }

case "$RESTORE_URL" in
  postgresql*)
    url=$(printf '%s' "$RESTORE_URL" | sed 's/^postgresql+[a-z0-9]*:/postgresql:/')
    name=${url##*/}
    admin=${url%/*}/postgres
    psql -q -v ON_ERROR_STOP=1 "$admin" -c "DROP DATABASE IF EXISTS \"$name\"" -c "CREATE DATABASE \"$name\""
    pg_restore --no-owner --exit-on-error --dbname="$url" "$BACKUP_DIR/$newest"
    ;;
  sqlite*)
    cp "$BACKUP_DIR/$newest" "${RESTORE_URL#sqlite:///}"
    ;;
esac
cd "$APP_DIR"
DATABASE_URL=$RESTORE_URL "$FLASK" --app wsgi db upgrade
DATABASE_URL=$RESTORE_URL "$FLASK" --app wsgi check-restore
echo "restore-check: $newest restores and checks out"

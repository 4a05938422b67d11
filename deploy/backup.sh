#!/bin/sh
# Back up the Doorstep database with retention: a pg_dump (custom format, compressed) a run,
# kept DAILY days, plus the newest of each ISO week kept WEEKLY weeks. SQLite: an online copy.
#   DATABASE_URL=postgresql+psycopg://doorstep@db/doorstep BACKUP_DIR=/var/backups/doorstep deploy/backup.sh
# Run by deploy/systemd/doorstep-backup.timer; deploy/restore-check.sh proves the newest one restores.
set -eu
: "${DATABASE_URL:?set DATABASE_URL}"
BACKUP_DIR=${BACKUP_DIR:-/var/backups/doorstep}
DAILY=${DAILY:-14}
WEEKLY=${WEEKLY:-8}
STAMP=${STAMP:-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$BACKUP_DIR"
umask 077

case "$DATABASE_URL" in
  postgresql*)
    # libpq does not know SQLAlchemy's driver suffix.
    url=$(printf '%s' "$DATABASE_URL" | sed 's/^postgresql+[a-z0-9]*:/postgresql:/')
    target="$BACKUP_DIR/doorstep-$STAMP.dump"
    pg_dump --format=custom --compress=6 --no-owner --file="$target.part" "$url"
    ;;
  sqlite*)
    path=${DATABASE_URL#sqlite:///}
    target="$BACKUP_DIR/doorstep-$STAMP.db"
    python3 -c 'import sqlite3,sys; s=sqlite3.connect(sys.argv[1]); d=sqlite3.connect(sys.argv[2]); s.backup(d); d.close()' \
      "$path" "$target.part"
    ;;
  *) echo "unsupported DATABASE_URL" >&2; exit 2 ;;
esac
mv "$target.part" "$target"
echo "backup: $target"

# Retention: keep every backup younger than DAILY days, and for older ones the newest of each
# ISO week for WEEKLY weeks; delete the rest. Names carry the UTC time, so they sort by age.
now=$(date -u +%s)
kept_weeks=""
ls -1 "$BACKUP_DIR" | grep -E '^doorstep-[0-9]{8}T[0-9]{6}Z\.(dump|db)$' | sort -r | while read -r name; do
  stamp=$(printf '%s' "$name" | sed -E 's/^doorstep-([0-9]{8})T([0-9]{2})([0-9]{2})([0-9]{2})Z.*/\1 \2:\3:\4/')
  taken=$(date -u -d "$stamp" +%s)
  age_days=$(( (now - taken) / 86400 ))
  if [ "$age_days" -lt "$DAILY" ]; then
    continue
  fi
  week=$(date -u -d "$stamp" +%G-%V)
  if [ "$age_days" -lt $(( DAILY + WEEKLY * 7 )) ] && ! printf '%s\n' "$kept_weeks" | grep -qx "$week"; then
    kept_weeks=$(printf '%s\n%s' "$kept_weeks" "$week")
    continue
  fi
  rm -f "$BACKUP_DIR/$name"
  echo "backup: removed $name (retention)"
done

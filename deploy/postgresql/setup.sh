#!/bin/sh
# PostgreSQL for Doorstep on Debian (package `postgresql`), run once as root on the database machine.
#   DOORSTEP_PASSWORD=... APP_NETWORK=10.0.0.0/24 sh deploy/postgresql/setup.sh
set -eu
: "${DOORSTEP_PASSWORD:?set DOORSTEP_PASSWORD}"
APP_NETWORK=${APP_NETWORK:-10.0.0.0/24}
VERSION=$(ls /etc/postgresql | sort -n | tail -n 1)
CONF=/etc/postgresql/$VERSION/main

runuser -u postgres -- psql -v ON_ERROR_STOP=1 <<SQL
CREATE ROLE doorstep LOGIN PASSWORD '$DOORSTEP_PASSWORD';
CREATE DATABASE doorstep OWNER doorstep ENCODING 'UTF8' TEMPLATE template0;
-- restore-check.sh drops and recreates this scratch database after every backup
CREATE DATABASE doorstep_restore_check OWNER doorstep ENCODING 'UTF8' TEMPLATE template0;
ALTER ROLE doorstep CREATEDB;
SQL

# Settings for a district (300,000 households, ~800,000 residents: a few GB with indexes) on a
# machine with 8 GB of memory; see README "Deploying" for when to grow.
cat > "$CONF/conf.d/doorstep.conf" <<CONF
listen_addresses = '*'
max_connections = 200          # app machines × WORKERS × THREADS, plus room
shared_buffers = 2GB
effective_cache_size = 6GB
work_mem = 16MB
maintenance_work_mem = 512MB
random_page_cost = 1.1         # SSD
wal_compression = on
checkpoint_timeout = 15min
log_min_duration_statement = 200ms
CONF
echo "host doorstep,doorstep_restore_check,postgres doorstep $APP_NETWORK scram-sha-256" >> "$CONF/pg_hba.conf"
systemctl restart postgresql
echo "PostgreSQL ready: DATABASE_URL=postgresql+psycopg://doorstep:...@$(hostname -I | cut -d' ' -f1)/doorstep"

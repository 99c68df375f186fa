#!/usr/bin/env bash
# Private PostgreSQL cluster for Airflow's metadata, under .services/pg, listening on
# 127.0.0.1:$PG_PORT (default 5433) and a socket folder of its own. PostgreSQL refuses
# to run as root, so as root the cluster belongs to Debian's `postgres` user and is
# driven through runuser; as any other user it simply belongs to that user.
#
#   infra/local/postgres.sh start|stop|status|url
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

PG_ROOT="$SERVICES_DIR/pg"
PG_DATA="$PG_ROOT/data"
PG_SOCKET_DIR="$PG_ROOT/run"
PG_LOG="$LOG_DIR/postgres.log"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[[ -n "$PG_BIN" ]] || die "PostgreSQL server binaries not found; run infra/local/install.sh"
DB_NAME=airflow
DB_USER=airflow

as_pg_owner() {
    if [[ "$(id -u)" == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_ctl_() { as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" "$@"; }
psql_() { as_pg_owner "$PG_BIN/psql" -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
ready() { "$PG_BIN/pg_isready" -q -h "$BIND_HOST" -p "$PG_PORT"; }

init_cluster() {
    [[ -f "$PG_DATA/PG_VERSION" ]] && return 0
    log "initdb ${PG_DATA#"$REPO_ROOT"/}"
    mkdir -p "$PG_DATA" "$PG_SOCKET_DIR"
    touch "$PG_LOG"
    if [[ "$(id -u)" == 0 ]]; then
        chown -R postgres:postgres "$PG_ROOT" "$PG_LOG"
    fi
    chmod 700 "$PG_DATA"
    # Socket connections (only the cluster owner can reach the private socket folder)
    # are trusted; TCP needs a password.
    as_pg_owner "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 >/dev/null
}

ensure_database() {
    local pw_sql
    pw_sql="$(printf "%s" "$LAKEHOUSE_PG_PASSWORD" | sed "s/'/''/g")"
    if [[ "$(psql_ -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'")" != 1 ]]; then
        log "creating role and database $DB_NAME"
        psql_ -d postgres -c "CREATE ROLE $DB_USER LOGIN PASSWORD '$pw_sql'"
    else
        psql_ -d postgres -c "ALTER ROLE $DB_USER PASSWORD '$pw_sql'"
    fi
    if [[ "$(psql_ -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != 1 ]]; then
        psql_ -d postgres -c "CREATE DATABASE $DB_NAME OWNER $DB_USER"
    fi
}

start() {
    ensure_secrets
    init_cluster
    if ! pg_ctl_ status >/dev/null 2>&1; then
        log "starting PostgreSQL on $BIND_HOST:$PG_PORT"
        chmod 700 "$PG_SOCKET_DIR"
        LAKEHOUSE_LOCAL_CLUSTER="$SERVICES_DIR" pg_ctl_ start -w -t 60 -l "$PG_LOG" \
            -o "-c listen_addresses=$BIND_HOST -p $PG_PORT -k $PG_SOCKET_DIR -c max_connections=100" >/dev/null
    fi
    wait_until "PostgreSQL" 60 ready
    ensure_database
}

stop() {
    if [[ -f "$PG_DATA/PG_VERSION" ]] && pg_ctl_ status >/dev/null 2>&1; then
        log "stopping PostgreSQL"
        pg_ctl_ stop -m fast -w -t 60 >/dev/null
    fi
}

status() {
    if [[ -f "$PG_DATA/PG_VERSION" ]] && pg_ctl_ status >/dev/null 2>&1 && ready; then
        echo "postgres    up    $BIND_HOST:$PG_PORT  db=$DB_NAME"
    else
        echo "postgres    down"
        return 1
    fi
}

# SQLAlchemy URL of the Airflow metadata database (used by airflow.sh).
url() {
    ensure_secrets
    echo "postgresql+psycopg2://$DB_USER:$LAKEHOUSE_PG_PASSWORD@$BIND_HOST:$PG_PORT/$DB_NAME"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    url) url ;;
    *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac

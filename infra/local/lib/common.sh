# shellcheck shell=bash disable=SC2034  # the settings below are used by the scripts that source this
# Shared settings and helpers of the local cluster scripts (infra/local/*.sh).
#
# Sourced, never run. Every path is derived from the repository root, every port and
# secret can be overridden from the environment (see docs/deployment.md); generated
# secrets are kept in .services/secrets.env so that a restart keeps the same keys.

set -euo pipefail

LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_ROOT="$(cd "$LOCAL_DIR/../.." && pwd)"
SERVICES_DIR="${LAKEHOUSE_SERVICES_DIR:-$REPO_ROOT/.services}"
TOOLS_BIN="$REPO_ROOT/.tools/bin"
VENV="${LAKEHOUSE_VENV:-$REPO_ROOT/.venv}"
JARS_DIR="$REPO_ROOT/.jars"
RUN_DIR="$SERVICES_DIR/run"
LOG_DIR="$SERVICES_DIR/logs"
ENV_CLUSTER="$LOCAL_DIR/.env.cluster"
SECRETS_FILE="$SERVICES_DIR/secrets.env"

# Everything listens on loopback only.
BIND_HOST="127.0.0.1"

# Ports: defaults chosen not to collide with each other (SeaweedFS' volume server and
# Spark's master UI both default to 8080, which Airflow keeps).
S3_PORT="${LAKEHOUSE_LOCAL_S3_PORT:-8333}"
WEED_MASTER_PORT="${LAKEHOUSE_LOCAL_WEED_MASTER_PORT:-9333}"
WEED_VOLUME_PORT="${LAKEHOUSE_LOCAL_WEED_VOLUME_PORT:-8380}"
WEED_FILER_PORT="${LAKEHOUSE_LOCAL_WEED_FILER_PORT:-8888}"
SPARK_MASTER_PORT="${LAKEHOUSE_LOCAL_SPARK_MASTER_PORT:-7077}"
SPARK_MASTER_UI_PORT="${LAKEHOUSE_LOCAL_SPARK_MASTER_UI_PORT:-8090}"
SPARK_WORKER_UI_PORT_BASE="${LAKEHOUSE_LOCAL_SPARK_WORKER_UI_PORT_BASE:-8091}"
SPARK_WORKERS="${LAKEHOUSE_LOCAL_SPARK_WORKERS:-2}"
SPARK_WORKER_CORES="${LAKEHOUSE_LOCAL_SPARK_WORKER_CORES:-1}"
SPARK_WORKER_MEMORY="${LAKEHOUSE_LOCAL_SPARK_WORKER_MEMORY:-2g}"
PG_PORT="${LAKEHOUSE_LOCAL_PG_PORT:-5433}"
AIRFLOW_PORT="${LAKEHOUSE_LOCAL_AIRFLOW_PORT:-8080}"

S3_REGION="${LAKEHOUSE_S3_REGION:-us-east-1}"
BUCKETS=(lake landing)
AIRFLOW_ADMIN_USER="${LAKEHOUSE_AIRFLOW_ADMIN_USER:-admin}"

SPARK_MASTER_URL="spark://$BIND_HOST:$SPARK_MASTER_PORT"
S3_ENDPOINT="http://$BIND_HOST:$S3_PORT"
AIRFLOW_URL="http://$BIND_HOST:$AIRFLOW_PORT"

mkdir -p "$RUN_DIR" "$LOG_DIR"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- secrets

random_token() { "$VENV/bin/python" -c 'import secrets; print(secrets.token_hex(24))'; }
random_fernet() {
    "$VENV/bin/python" -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'
}

# Creates .services/secrets.env once; a value already set in the environment wins over
# a generated one, so operators can bring their own keys.
ensure_secrets() {
    if [[ ! -f "$SECRETS_FILE" ]]; then
        log "generating secrets in ${SECRETS_FILE#"$REPO_ROOT"/}"
        mkdir -p "$SERVICES_DIR"
        (
            umask 077
            {
                echo "LAKEHOUSE_S3_ACCESS_KEY=${LAKEHOUSE_S3_ACCESS_KEY:-lakehouse$(random_token | cut -c1-12)}"
                echo "LAKEHOUSE_S3_SECRET_KEY=${LAKEHOUSE_S3_SECRET_KEY:-$(random_token)}"
                echo "LAKEHOUSE_PII_KEY=${LAKEHOUSE_PII_KEY:-$(random_token)}"
                echo "LAKEHOUSE_AIRFLOW_ADMIN_PASSWORD=${LAKEHOUSE_AIRFLOW_ADMIN_PASSWORD:-$(random_token | cut -c1-16)}"
                echo "LAKEHOUSE_PG_PASSWORD=${LAKEHOUSE_PG_PASSWORD:-$(random_token)}"
                echo "AIRFLOW_JWT_SECRET=$(random_token)"
                echo "AIRFLOW_API_SECRET_KEY=$(random_token)"
                echo "AIRFLOW_FERNET_KEY=$(random_fernet)"
            } > "$SECRETS_FILE"
        )
    fi
    set -a
    # shellcheck source=/dev/null
    . "$SECRETS_FILE"
    set +a
}

# ---------------------------------------------------------------- processes
#
# Each long-running service is started with setsid: it leads a new session and process
# group whose id is recorded in .services/run/<name>.pid. Stopping signals every process
# of that session, which also reaches children that moved to a process group of their
# own (Airflow's task supervisor does), such as the Spark driver JVM of a running task.

pid_file() { echo "$RUN_DIR/$1.pid"; }

# Pid files and the session list hold "<pid> <boot id>": after a reboot the ids may
# belong to unrelated processes, so entries from another boot are ignored.
BOOT_ID="$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown)"

recorded_pid() {  # the session id recorded for service $1 in this boot, or nothing
    local f; f="$(pid_file "$1")"
    [[ -f "$f" ]] || return 0
    awk -v boot="$BOOT_ID" '$2 == boot { print $1 }' "$f"
}

session_pids() {  # pids of all live processes in session $1
    ps -e -o pid=,sid= | awk -v sid="$1" '$2 == sid { print $1 }'
}

is_running() {
    local pid; pid="$(recorded_pid "$1")"
    [[ -n "$pid" && -n "$(session_pids "$pid")" ]]
}

# start_service NAME LOGFILE CMD...  (environment is inherited)
start_service() {
    local name="$1" logfile="$2"; shift 2
    LAKEHOUSE_LOCAL_CLUSTER="$SERVICES_DIR" setsid "$@" >>"$logfile" 2>&1 </dev/null &
    local pid=$!
    echo "$pid $BOOT_ID" > "$(pid_file "$name")"
    echo "$pid $BOOT_ID" >> "$RUN_DIR/sessions"
    sleep 0.2
    local sid; sid="$(ps -o sid= -p "$pid" | tr -d ' ' || true)"
    if [[ -n "$sid" && "$sid" != "$pid" ]]; then
        die "$name: setsid did not make pid $pid a session leader (sid=$sid)"
    fi
}

wait_session_empty() {  # wait_session_empty SID SECONDS -> 0 when no process is left
    local waited=0
    while [[ -n "$(session_pids "$1")" ]]; do
        (( waited >= $2 * 5 )) && return 1
        sleep 0.2; waited=$((waited + 1))
    done
}

# stop_service NAME [GRACE_SECONDS]: TERM to the service's own process group first, so
# that it can shut its children down in order; a few seconds later TERM to whatever else
# is in its session (task process groups and their Spark drivers, which a scheduler
# would otherwise wait for); KILL what outlives the grace period.
stop_service() {
    local name="$1" grace="${2:-20}" pid
    pid="$(recorded_pid "$name")"
    if [[ -n "$pid" && -n "$(session_pids "$pid")" ]]; then
        log "stopping $name (session $pid)"
        kill -TERM -- "-$pid" 2>/dev/null || true
        if ! wait_session_empty "$pid" 5; then
            # shellcheck disable=SC2046
            kill -TERM $(session_pids "$pid") 2>/dev/null || true
            if ! wait_session_empty "$pid" "$grace"; then
                log "$name: still running after ${grace}s, sending KILL to $(session_pids "$pid" | wc -l) process(es)"
                # shellcheck disable=SC2046
                kill -KILL $(session_pids "$pid") 2>/dev/null || true
                wait_session_empty "$pid" 5 || true
            fi
        fi
    fi
    rm -f "$(pid_file "$name")"
}

# wait_until DESCRIPTION TIMEOUT_SECONDS CMD...
wait_until() {
    local what="$1" timeout="$2"; shift 2
    local start=$SECONDS
    until "$@" >/dev/null 2>&1; do
        if (( SECONDS - start >= timeout )); then
            die "timed out after ${timeout}s waiting for $what"
        fi
        sleep 1
    done
}

port_open() { (exec 3<>"/dev/tcp/$BIND_HOST/$1") 2>/dev/null; }

http_ok() { curl -fsS -o /dev/null --max-time 5 "$1"; }

# Processes of the local cluster, to prove that a stop left nothing behind: those in a
# session that start_service opened (listed in run/sessions), those whose command line
# names .services or .tools (PostgreSQL), and those carrying LAKEHOUSE_LOCAL_CLUSTER in
# their environment, which every service passes on to its children (Spark executors,
# task processes and their Spark drivers; processes that rewrite their title lose it,
# but those stay in their session). The caller's own session is left out.
cluster_pids() {
    local own_sid
    own_sid="$(ps -o sid= -p $$ | tr -d ' ')"
    {
        ps -e -o pid=,sid=,args= | awk -v own="$own_sid" -v sessions="$RUN_DIR/sessions" -v boot="$BOOT_ID" \
            -v svc="$SERVICES_DIR/" -v tools="$TOOLS_BIN/" '
            BEGIN { while ((getline line < sessions) > 0) { split(line, f, " "); if (f[2] == boot) keep[f[1]] = 1 } }
            $2 == own { next }
            ($2 in keep) || index($0, svc) || index($0, tools) { print $1 }'
        grep -lzxF "LAKEHOUSE_LOCAL_CLUSTER=$SERVICES_DIR" /proc/[0-9]*/environ 2>/dev/null \
            | awk -F/ '{ print $3 }' \
            | while read -r pid; do
                [[ "$(ps -o sid= -p "$pid" 2>/dev/null | tr -d ' ')" == "$own_sid" ]] || echo "$pid"
            done || true
    } | sort -un
}

# ---------------------------------------------------------------- settings file

# Writes infra/local/.env.cluster: the settings the pipelines read (see
# docs/deployment.md), in KEY=value lines that both `set -a; . file` and dotenv parse.
write_env_cluster() {
    ensure_secrets
    (
        umask 077
        cat > "$ENV_CLUSTER" <<EOT
# Generated by infra/local/up.sh for the local cluster; do not edit (rerun up.sh).
# Settings read by the pipelines (pipelines/settings.py):
LAKEHOUSE_LANDING_ROOT=s3://landing/deliveries
LAKEHOUSE_LAKE_ROOT=s3://lake/lake
LAKEHOUSE_SPARK_MASTER=$SPARK_MASTER_URL
LAKEHOUSE_S3_ENDPOINT=$S3_ENDPOINT
LAKEHOUSE_S3_ACCESS_KEY=$LAKEHOUSE_S3_ACCESS_KEY
LAKEHOUSE_S3_SECRET_KEY=$LAKEHOUSE_S3_SECRET_KEY
LAKEHOUSE_S3_REGION=$S3_REGION
LAKEHOUSE_PII_KEY=$LAKEHOUSE_PII_KEY
LAKEHOUSE_DOCS_DIR=$SERVICES_DIR/data-docs
LAKEHOUSE_JARS_DIR=$JARS_DIR
LAKEHOUSE_AIRFLOW_HOME=$SERVICES_DIR/airflow
# A task's driver shares two cores and the machine with the cluster: keep it small.
LAKEHOUSE_SPARK_DRIVER_MEMORY=1g
LAKEHOUSE_SPARK_SHUFFLE_PARTITIONS=4
# Spark driver and executors on loopback; executors run Python from the project venv.
SPARK_LOCAL_IP=$BIND_HOST
PYSPARK_PYTHON=$VENV/bin/python
# Where operators and the e2e tests find the Airflow API (not read by the pipelines).
LAKEHOUSE_AIRFLOW_URL=$AIRFLOW_URL
EOT
    )
    mkdir -p "$SERVICES_DIR/data-docs"
}

load_env_cluster() {
    [[ -f "$ENV_CLUSTER" ]] || write_env_cluster
    set -a
    # shellcheck source=/dev/null
    . "$ENV_CLUSTER"
    set +a
}

#!/usr/bin/env bash
# Airflow 3 on the private PostgreSQL with the LocalExecutor: api-server, scheduler,
# dag-processor and triggerer, each in a session of its own (see lib/common.sh).
# AIRFLOW_HOME is .services/airflow; the dags folder is the repository's dags/.
# The whole configuration is AIRFLOW__* environment variables set here; the pipeline
# settings (infra/local/.env.cluster) are exported too, so task processes - and the
# Spark drivers they start in client mode - inherit them.
#
#   infra/local/airflow.sh start|stop|status
#   infra/local/airflow.sh cli ARGS...     run the airflow CLI against this instance
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

COMPONENTS=(api-server scheduler dag-processor triggerer)

airflow_env() {
    ensure_secrets
    load_env_cluster
    export AIRFLOW_HOME="$SERVICES_DIR/airflow"
    mkdir -p "$AIRFLOW_HOME"
    export PATH="$VENV/bin:$PATH"
    export PYTHONPATH="$REPO_ROOT${PYTHONPATH:+:$PYTHONPATH}"
    export GX_ANALYTICS_ENABLED=false  # no network here; GX would try to report usage

    export AIRFLOW__CORE__DAGS_FOLDER="$REPO_ROOT/dags"
    export AIRFLOW__CORE__EXECUTOR=LocalExecutor
    # Two cores: a few task processes at a time, each may drive a Spark application.
    export AIRFLOW__CORE__PARALLELISM="${LAKEHOUSE_LOCAL_AIRFLOW_PARALLELISM:-4}"
    export AIRFLOW__CORE__LOAD_EXAMPLES=False
    export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=True
    export AIRFLOW__CORE__FERNET_KEY="$AIRFLOW_FERNET_KEY"
    export AIRFLOW__CORE__AUTH_MANAGER=airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager
    export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="$AIRFLOW_ADMIN_USER:admin"
    export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE="$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated"
    export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="$AIRFLOW_URL/execution/"
    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="$("$LOCAL_DIR/postgres.sh" url)"
    export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN
    export AIRFLOW__API__HOST="$BIND_HOST"
    export AIRFLOW__API__PORT="$AIRFLOW_PORT"
    export AIRFLOW__API__BASE_URL="$AIRFLOW_URL"
    export AIRFLOW__API__WORKERS=1
    # shellcheck disable=SC2153  # set by ensure_secrets (secrets.env)
    export AIRFLOW__API__SECRET_KEY="$AIRFLOW_API_SECRET_KEY"
    export AIRFLOW__API_AUTH__JWT_SECRET="$AIRFLOW_JWT_SECRET"
    export AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL=30
    export AIRFLOW__LOGGING__BASE_LOG_FOLDER="$AIRFLOW_HOME/logs"
}

# The simple auth manager keeps the passwords it generates in this file and keeps any
# it finds there: writing it first makes the admin password the configured one.
write_password_file() {
    (
        umask 077
        "$VENV/bin/python" -c 'import json, sys; print(json.dumps({sys.argv[1]: sys.argv[2]}))' \
            "$AIRFLOW_ADMIN_USER" "$LAKEHOUSE_AIRFLOW_ADMIN_PASSWORD" \
            > "$AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"
    )
}

health_json() { curl -fsS --max-time 5 "$AIRFLOW_URL/api/v2/monitor/health"; }

# Healthy when the metadata database, scheduler, triggerer and dag-processor all are.
healthy() {
    health_json 2>/dev/null | "$VENV/bin/python" -c '
import json, sys
h = json.load(sys.stdin)
parts = ("metadatabase", "scheduler", "triggerer", "dag_processor")
sys.exit(0 if all((h.get(p) or {}).get("status") == "healthy" for p in parts) else 1)'
}

start() {
    airflow_env
    "$LOCAL_DIR/postgres.sh" status >/dev/null || die "PostgreSQL is not running (infra/local/postgres.sh start)"
    write_password_file
    local todo=()
    for c in "${COMPONENTS[@]}"; do is_running "airflow-$c" || todo+=("$c"); done
    if (( ${#todo[@]} )); then
        log "airflow db migrate"
        airflow db migrate >>"$LOG_DIR/airflow-db-migrate.log" 2>&1 \
            || die "airflow db migrate failed; see ${LOG_DIR#"$REPO_ROOT"/}/airflow-db-migrate.log"
        for c in "${todo[@]}"; do
            log "starting airflow $c"
            start_service "airflow-$c" "$LOG_DIR/airflow-$c.log" airflow "$c"
        done
    fi
    wait_until "Airflow API server" 180 health_json
    wait_until "Airflow components to report healthy" 180 healthy
    if (( ${#todo[@]} )); then
        # One Spark application at a time fits the local cluster (2 x 1 core); task
        # factories may put Spark tasks in this pool.
        airflow pools set spark 1 "Spark applications on the local standalone cluster" \
            >>"$LOG_DIR/airflow-db-migrate.log" 2>&1 || log "warning: could not create the 'spark' pool"
    fi
    log "Airflow: healthy at $AIRFLOW_URL"
}

stop() {
    # Scheduler first, so that it stops handing out tasks, then the rest.
    stop_service airflow-scheduler 30
    stop_service airflow-triggerer 20
    stop_service airflow-dag-processor 20
    stop_service airflow-api-server 20
}

status() {
    local down=()
    for c in "${COMPONENTS[@]}"; do is_running "airflow-$c" || down+=("$c"); done
    if (( ${#down[@]} == 0 )) && healthy; then
        echo "airflow     up    $AIRFLOW_URL  (api-server, scheduler, dag-processor, triggerer)"
    elif (( ${#down[@]} == ${#COMPONENTS[@]} )); then
        echo "airflow     down"
        return 1
    else
        echo "airflow     degraded  not running: ${down[*]:-none}; health: $(health_json 2>/dev/null || echo unreachable)"
        return 1
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    cli) shift; airflow_env; exec airflow "$@" ;;
    *) echo "usage: $0 start|stop|status|cli ARGS..." >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Spark standalone cluster on loopback: one master and N workers (default 2 x 1 core,
# 2g), run with `spark-class` from the pyspark distribution in the virtualenv.
#
#   infra/local/spark.sh start|stop|status
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

SPARK_HOME="$("$VENV/bin/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')"
export SPARK_HOME
export SPARK_LOCAL_IP="$BIND_HOST"
export SPARK_DAEMON_MEMORY="${LAKEHOUSE_LOCAL_SPARK_DAEMON_MEMORY:-512m}"
export PYSPARK_PYTHON="$VENV/bin/python"
# Executors' scratch and application folders are cleaned once an application ends.
export SPARK_WORKER_OPTS="-Dspark.worker.cleanup.enabled=true -Dspark.worker.cleanup.appDataTtl=3600"
SPARK_DIR="$SERVICES_DIR/spark"

master_json() { curl -fsS --max-time 5 "http://$BIND_HOST:$SPARK_MASTER_UI_PORT/json/"; }

alive_workers() {
    master_json 2>/dev/null | "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin).get("aliveworkers", 0))' 2>/dev/null || echo 0
}

all_workers_alive() { [[ "$(alive_workers)" -ge "$SPARK_WORKERS" ]]; }

start() {
    mkdir -p "$SPARK_DIR"
    if ! is_running spark-master; then
        log "starting Spark master $SPARK_MASTER_URL (UI :$SPARK_MASTER_UI_PORT)"
        start_service spark-master "$LOG_DIR/spark-master.log" \
            "$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.master.Master \
            --host "$BIND_HOST" --port "$SPARK_MASTER_PORT" --webui-port "$SPARK_MASTER_UI_PORT"
    fi
    wait_until "Spark master" 90 master_json
    local i
    for ((i = 1; i <= SPARK_WORKERS; i++)); do
        is_running "spark-worker-$i" && continue
        log "starting Spark worker $i ($SPARK_WORKER_CORES core, $SPARK_WORKER_MEMORY)"
        mkdir -p "$SPARK_DIR/worker-$i"
        start_service "spark-worker-$i" "$LOG_DIR/spark-worker-$i.log" \
            "$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.worker.Worker \
            --host "$BIND_HOST" --cores "$SPARK_WORKER_CORES" --memory "$SPARK_WORKER_MEMORY" \
            --webui-port $((SPARK_WORKER_UI_PORT_BASE + i - 1)) \
            --work-dir "$SPARK_DIR/worker-$i" "$SPARK_MASTER_URL"
    done
    wait_until "$SPARK_WORKERS Spark workers to register" 90 all_workers_alive
    log "Spark: master up, $(alive_workers) worker(s) alive"
}

stop() {
    local i
    for ((i = SPARK_WORKERS; i >= 1; i--)); do stop_service "spark-worker-$i" 20; done
    stop_service spark-master 20
}

status() {
    if is_running spark-master && master_json >/dev/null 2>&1; then
        echo "spark       up    $SPARK_MASTER_URL  workers alive: $(alive_workers)/$SPARK_WORKERS  UI http://$BIND_HOST:$SPARK_MASTER_UI_PORT"
    else
        echo "spark       down"
        return 1
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac

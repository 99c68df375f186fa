#!/usr/bin/env bash
# Brings the local cluster up, installing what is missing: SeaweedFS (S3), the Spark
# standalone cluster, PostgreSQL and Airflow. Idempotent: what already runs is kept.
# Writes infra/local/.env.cluster and prints the Airflow URL and login.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
T0=$SECONDS

"$LOCAL_DIR/install.sh"
write_env_cluster
load_env_cluster

"$LOCAL_DIR/objectstore.sh" start
"$VENV/bin/python" "$LOCAL_DIR/buckets.py" "${BUCKETS[@]}"
"$LOCAL_DIR/spark.sh" start
"$LOCAL_DIR/postgres.sh" start
"$LOCAL_DIR/airflow.sh" start

cat <<EOT

Local cluster up in $((SECONDS - T0))s.
  Airflow UI    $AIRFLOW_URL   login: $AIRFLOW_ADMIN_USER / $LAKEHOUSE_AIRFLOW_ADMIN_PASSWORD
  Spark master  $SPARK_MASTER_URL   UI: http://$BIND_HOST:$SPARK_MASTER_UI_PORT
  S3 endpoint   $S3_ENDPOINT   buckets: ${BUCKETS[*]}
  Settings      infra/local/.env.cluster   (set -a; . infra/local/.env.cluster; set +a)
  Logs          ${LOG_DIR#"$REPO_ROOT"/}/
Stop with infra/local/down.sh.
EOT

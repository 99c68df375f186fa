"""Static checks of the deployment files for machines with Docker or Kubernetes
(infra/compose/compose.yaml, infra/k8s/*.yaml, infra/Dockerfile) and of the settings
the local cluster writes (infra/local/lib/common.sh). Nothing here needs an engine: the
development machines have none, so these files are never run here, only checked."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest
import yaml

from pipelines.settings import ENV_PREFIX, Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
INFRA = REPO_ROOT / "infra"
COMPOSE = INFRA / "compose" / "compose.yaml"
K8S_FILES = sorted((INFRA / "k8s").glob("*.yaml"))
DOCKERFILE = INFRA / "Dockerfile"
LOCAL_COMMON = INFRA / "local" / "lib" / "common.sh"

# The settings every deployment hands to the pipelines (pipelines/settings.py reads them).
REQUIRED_SETTINGS = {
    "LAKEHOUSE_LANDING_ROOT",
    "LAKEHOUSE_LAKE_ROOT",
    "LAKEHOUSE_SPARK_MASTER",
    "LAKEHOUSE_S3_ENDPOINT",
    "LAKEHOUSE_S3_ACCESS_KEY",
    "LAKEHOUSE_S3_SECRET_KEY",
    "LAKEHOUSE_S3_REGION",
    "LAKEHOUSE_PII_KEY",
    "LAKEHOUSE_DOCS_DIR",
}
# LAKEHOUSE_* names that are deployment inputs, not pipeline settings.
DEPLOYMENT_ONLY = {"LAKEHOUSE_PG_PASSWORD", "LAKEHOUSE_AIRFLOW_ADMIN_PASSWORD", "LAKEHOUSE_AIRFLOW_URL"}
SETTING_NAMES = {ENV_PREFIX + f.name.upper() for f in fields(Settings)}
AIRFLOW_COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
PINNED_TAG = re.compile(r"^[^:@\s]+(:[A-Za-z0-9._-]*\d[A-Za-z0-9._-]*)?(@sha256:[0-9a-f]{64})?$")


def image_is_pinned(image: str) -> bool:
    """A tag with a version number (not latest) or a digest."""
    if "@sha256:" in image:
        return True
    match = PINNED_TAG.match(image)
    return bool(match and match.group(1)) and not image.endswith(":latest")


@pytest.mark.parametrize(
    ("image", "pinned"),
    [
        ("postgres:15.18-bookworm", True),
        ("lakehouse:0.1.0", True),
        ("postgres", False),
        ("postgres:latest", False),
        ("postgres:bookworm", False),
        ("x@sha256:" + "a" * 64, True),
    ],
)
def test_the_pin_check_tells_pinned_from_floating_images(image, pinned):
    assert image_is_pinned(image) is pinned


# ------------------------------------------------------------------------- compose


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text("utf-8"))


def env_of(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def test_compose_has_the_whole_topology(compose):
    services = set(compose["services"])
    expected = {
        "seaweedfs",
        "create-buckets",
        "spark-master",
        "spark-worker-1",
        "spark-worker-2",
        "postgres",
        "airflow-db-migrate",
    } | {f"airflow-{c}" for c in AIRFLOW_COMPONENTS}
    assert expected <= services, sorted(expected - services)
    assert not any("minio" in name or "minio" in s.get("image", "") for name, s in compose["services"].items())


def test_compose_images_are_pinned(compose):
    floating = {n: s["image"] for n, s in compose["services"].items() if not image_is_pinned(s["image"])}
    assert not floating


def test_compose_airflow_services_get_every_pipeline_setting_and_only_known_names(compose):
    for component in AIRFLOW_COMPONENTS:
        env = env_of(compose["services"][f"airflow-{component}"])
        names = {k for k in env if k.startswith(ENV_PREFIX)}
        assert names >= REQUIRED_SETTINGS, (component, sorted(REQUIRED_SETTINGS - names))
        assert names <= SETTING_NAMES | DEPLOYMENT_ONLY, (component, sorted(names - SETTING_NAMES - DEPLOYMENT_ONLY))
        assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql")


def test_compose_endpoints_point_at_services_listening_there(compose):
    services = compose["services"]
    env = env_of(services["airflow-scheduler"])
    spark = re.fullmatch(r"spark://([\w-]+):(\d+)", env["LAKEHOUSE_SPARK_MASTER"])
    assert spark, env["LAKEHOUSE_SPARK_MASTER"]
    master_cmd = services[spark.group(1)]["command"]
    assert master_cmd[master_cmd.index("--port") + 1] == spark.group(2)
    for worker in ("spark-worker-1", "spark-worker-2"):
        assert services[worker]["command"][-1] == env["LAKEHOUSE_SPARK_MASTER"]

    s3 = re.fullmatch(r"http://([\w-]+):(\d+)", env["LAKEHOUSE_S3_ENDPOINT"])
    assert s3, env["LAKEHOUSE_S3_ENDPOINT"]
    assert f"-s3.port={s3.group(2)}" in services[s3.group(1)]["command"].split()

    db = re.search(r"@([\w-]+):(\d+)/", env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    assert db and db.group(1) == "postgres" and db.group(2) == "5432"
    execution = re.fullmatch(r"http://([\w-]+):(\d+)/execution/", env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
    assert execution and execution.group(1) == "airflow-api-server"
    api_cmd = services["airflow-api-server"]["command"]
    assert api_cmd[api_cmd.index("--port") + 1] == execution.group(2)


def test_compose_shares_one_secret_per_purpose(compose):
    """The S3 keys the pipelines use are the ones SeaweedFS is started with."""
    seaweed = env_of(compose["services"]["seaweedfs"])
    airflow = env_of(compose["services"]["airflow-scheduler"])
    assert seaweed["AWS_ACCESS_KEY_ID"] == airflow["LAKEHOUSE_S3_ACCESS_KEY"]
    assert seaweed["AWS_SECRET_ACCESS_KEY"] == airflow["LAKEHOUSE_S3_SECRET_KEY"]
    assert "${LAKEHOUSE_PG_PASSWORD" in env_of(compose["services"]["postgres"])["POSTGRES_PASSWORD"]


# ------------------------------------------------------------------------- kubernetes


@pytest.fixture(scope="module")
def k8s() -> list[dict]:
    docs = []
    for path in K8S_FILES:
        docs += [d for d in yaml.safe_load_all(path.read_text("utf-8")) if d]
    return docs


def by_kind(docs: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def pod_specs(docs: list[dict]) -> dict[str, dict]:
    return {
        d["metadata"]["name"]: d["spec"]["template"]["spec"]
        for d in docs
        if d["kind"] in ("Deployment", "StatefulSet", "Job")
    }


def containers(spec: dict) -> list[dict]:
    return spec.get("initContainers", []) + spec["containers"]


def test_k8s_files_parse_and_everything_lives_in_the_namespace(k8s):
    assert K8S_FILES and k8s
    assert "lakehouse" in by_kind(k8s, "Namespace")
    for doc in k8s:
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == "lakehouse", doc["metadata"]["name"]


def test_k8s_images_are_pinned(k8s):
    floating = {
        (name, c["name"]): c["image"]
        for name, spec in pod_specs(k8s).items()
        for c in containers(spec)
        if not image_is_pinned(c["image"])
    }
    assert not floating


def test_k8s_services_select_pods_that_expose_their_target_ports(k8s):
    workloads = [d for d in k8s if d["kind"] in ("Deployment", "StatefulSet")]
    for name, service in by_kind(k8s, "Service").items():
        selector = service["spec"]["selector"]
        matching = [w for w in workloads if selector.items() <= w["spec"]["template"]["metadata"]["labels"].items()]
        assert matching, f"service {name} selects no pod"
        exposed = {
            p["containerPort"]
            for w in matching
            for c in w["spec"]["template"]["spec"]["containers"]
            for p in c.get("ports", [])
        }
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in exposed, (name, port)
    for w in workloads:
        labels = w["spec"]["template"]["metadata"]["labels"]
        assert w["spec"]["selector"]["matchLabels"].items() <= labels.items(), w["metadata"]["name"]


def test_k8s_config_and_secret_references_resolve(k8s):
    config_maps = {n: set(d.get("data", {})) for n, d in by_kind(k8s, "ConfigMap").items()}
    secrets = {n: set(d.get("stringData", {})) | set(d.get("data", {})) for n, d in by_kind(k8s, "Secret").items()}
    for name, spec in pod_specs(k8s).items():
        for c in containers(spec):
            for source in c.get("envFrom", []):
                assert source["configMapRef"]["name"] in config_maps, (name, source)
            for var in c.get("env", []):
                ref = var.get("valueFrom", {})
                if "secretKeyRef" in ref:
                    assert ref["secretKeyRef"]["key"] in secrets[ref["secretKeyRef"]["name"]], (name, var["name"])
                if "configMapKeyRef" in ref:
                    assert ref["configMapKeyRef"]["key"] in config_maps[ref["configMapKeyRef"]["name"]], (
                        name,
                        var["name"],
                    )


def k8s_env_names(k8s: list[dict], workload: str) -> set[str]:
    config_maps = {n: set(d.get("data", {})) for n, d in by_kind(k8s, "ConfigMap").items()}
    [container] = pod_specs(k8s)[workload]["containers"]
    names = {v["name"] for v in container.get("env", [])}
    for source in container.get("envFrom", []):
        names |= config_maps[source["configMapRef"]["name"]]
    return names


def test_k8s_airflow_components_get_every_pipeline_setting_and_only_known_names(k8s):
    for component in AIRFLOW_COMPONENTS:
        names = {n for n in k8s_env_names(k8s, f"airflow-{component}") if n.startswith(ENV_PREFIX)}
        assert names >= REQUIRED_SETTINGS, (component, sorted(REQUIRED_SETTINGS - names))
        assert names <= SETTING_NAMES | DEPLOYMENT_ONLY, (component, sorted(names - SETTING_NAMES - DEPLOYMENT_ONLY))


def test_k8s_endpoints_point_at_services_with_those_ports(k8s):
    settings = by_kind(k8s, "ConfigMap")["lakehouse-settings"]["data"]
    services = {n: {p["port"] for p in s["spec"]["ports"]} for n, s in by_kind(k8s, "Service").items()}
    for key, pattern in (
        ("LAKEHOUSE_SPARK_MASTER", r"spark://([\w-]+):(\d+)"),
        ("LAKEHOUSE_S3_ENDPOINT", r"http://([\w-]+):(\d+)"),
    ):
        match = re.fullmatch(pattern, settings[key])
        assert match, settings[key]
        assert int(match.group(2)) in services[match.group(1)], key
    airflow = by_kind(k8s, "ConfigMap")["airflow-config"]["data"]
    execution = re.fullmatch(r"http://([\w-]+):(\d+)/execution/", airflow["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
    assert execution and int(execution.group(2)) in services[execution.group(1)]
    workers = by_kind(k8s, "StatefulSet")["spark-worker"]["spec"]["template"]["spec"]["containers"][0]
    assert workers["command"][-1] == settings["LAKEHOUSE_SPARK_MASTER"]


# ------------------------------------------------------------------------- image and local


def test_dockerfile_base_images_are_pinned_and_ship_java_and_the_jars():
    text = DOCKERFILE.read_text("utf-8")
    bases = re.findall(r"^FROM\s+(\S+)", text, flags=re.MULTILINE)
    assert bases and all(image_is_pinned(b) for b in bases), bases
    assert "openjdk-17-jre-headless" in text
    assert "requirements.lock" in text and "infra/jvm/pom.xml" in text
    assert "LAKEHOUSE_JARS_DIR=/opt/lakehouse/.jars" in text


def test_every_image_the_manifests_run_as_the_project_is_the_dockerfiles_tag(compose, k8s):
    project_images = {s["image"] for s in compose["services"].values() if s["image"].startswith("lakehouse:")}
    project_images |= {
        c["image"] for spec in pod_specs(k8s).values() for c in containers(spec) if c["image"].startswith("lakehouse:")
    }
    assert len(project_images) == 1
    assert f"-t {project_images.pop()}" in DOCKERFILE.read_text("utf-8")


def test_the_local_cluster_writes_every_pipeline_setting_and_only_known_names():
    text = LOCAL_COMMON.read_text("utf-8")
    heredoc = text[text.index("write_env_cluster()") :]
    heredoc = heredoc[: heredoc.index("EOT\n    )")]
    names = set(re.findall(r"^(LAKEHOUSE_[A-Z0-9_]+)=", heredoc, flags=re.MULTILINE))
    assert names >= REQUIRED_SETTINGS, sorted(REQUIRED_SETTINGS - names)
    assert names <= SETTING_NAMES | DEPLOYMENT_ONLY, sorted(names - SETTING_NAMES - DEPLOYMENT_ONLY)

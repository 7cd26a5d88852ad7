"""The production deployment's configuration, checked without a cluster or a database:

- deploy/dagster.yaml loads through Dagster's own instance-config validation, and its queue, limits, pools,
  run monitoring and retention are the embedded profile's (dagster_home/dagster.yaml), block for block;
- deploy/helm/values.yaml uses only keys of the official chart's values schema, and the instance the chart
  renders from it (the same mapping as the chart's templates, for the keys used) passes Dagster's instance
  schema, dagster-postgres's storage schema and dagster-k8s's K8sRunLauncher schema, with the same blocks;
- deploy/Dockerfile pins its base image, runs as a non-root user and bakes in no secret.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from dagster._config import validate_config
from dagster._core.instance.config import dagster_instance_config
from dagster_k8s import K8sRunLauncher
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage

REPO = Path(__file__).resolve().parents[2]
EMBEDDED = REPO / "dagster_home" / "dagster.yaml"
PRODUCTION = REPO / "deploy" / "dagster.yaml"
HELM_VALUES = REPO / "deploy" / "helm" / "values.yaml"
DOCKERFILE = REPO / "deploy" / "Dockerfile"
# What must behave the same on one machine and on many.
SHARED_BLOCKS = ("run_coordinator", "concurrency", "run_monitoring", "retention", "telemetry")

# Keys of the chart's values schema (helm/dagster/schema in dagster's repository, release 1.13) at the
# paths this project sets; a key outside these sets would be rejected by the chart's values.schema.json.
CHART_KEYS: dict[str, set[str]] = {
    "": {
        "global", "generatePostgresqlPasswordSecret", "postgresql", "dagster-user-deployments", "runLauncher",
        "dagsterDaemon", "concurrency", "retention", "telemetry", "additionalInstanceConfig", "dagsterWebserver",
        "computeLogManager", "scheduler", "pythonLogs", "imagePullSecrets", "serviceAccount", "ingress", "migrate",
    },
    "global": {"postgresqlSecretName", "dagsterHome", "serviceAccountName", "celeryConfigSecretName"},
    "postgresql": {
        "image", "enabled", "postgresqlHost", "postgresqlUsername", "postgresqlPassword", "postgresqlDatabase",
        "postgresqlParams", "postgresqlScheme", "service",
    },
    "dagster-user-deployments": {"enabled", "enableSubchart", "imagePullSecrets", "deployments"},
    "deployment": {
        "name", "image", "dagsterApiGrpcArgs", "codeServerArgs", "includeConfigInLaunchedRuns", "port", "env",
        "envConfigMaps", "envSecrets", "annotations", "nodeSelector", "affinity", "tolerations",
        "podSecurityContext", "securityContext", "resources", "livenessProbe", "readinessProbe", "startupProbe",
        "labels", "volumeMounts", "volumes", "schedulerName",
    },
    "runLauncher": {"type", "config"},
    "k8sRunLauncher": {
        "image", "imagePullPolicy", "jobNamespace", "loadInclusterConfig", "kubeconfigFile", "envConfigMaps",
        "envSecrets", "envVars", "volumeMounts", "volumes", "labels", "failPodOnRunFailure", "resources",
        "schedulerName", "securityContext", "runK8sConfig",
    },
    "dagsterDaemon": {"enabled", "runCoordinator", "runMonitoring", "runRetries", "sensors", "schedules", "image"},
    "concurrency": {"enabled", "pools", "runs"},
    "concurrency.pools": {"defaultLimit", "granularity", "opGranularityRunBuffer"},
    "concurrency.runs": {"maxConcurrentRuns", "tagConcurrencyLimits"},
    "retention": {"enabled", "schedule", "sensor", "autoMaterialize"},
}  # fmt: skip


def _yaml(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _validated(config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """The instance config as Dagster loads a DAGSTER_HOME's dagster.yaml (raises on any schema error)."""
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    validated, _ = dagster_instance_config(str(tmp_path))
    return dict(validated)


def _assert_class_config(config_type: Any, config: dict[str, Any]) -> None:
    result = validate_config(config_type, config)
    assert result.success, [e.message for e in result.errors]


def test_production_profile_passes_dagsters_instance_schema_with_postgres_storage(tmp_path: Path) -> None:
    production = _yaml(PRODUCTION)
    validated = _validated(production, tmp_path)
    postgres = validated["storage"]["postgres"]["postgres_db"]
    assert postgres["scheme"] == "postgresql+psycopg2"  # research/dagster.md §0.2 I
    # Every credential is read from the environment, none is written in the file.
    for field in ("hostname", "port", "username", "password", "db_name"):
        assert set(production["storage"]["postgres"]["postgres_db"][field]) == {"env"}, field
    _assert_class_config(PostgresRunStorage.config_type(), production["storage"]["postgres"])


def test_production_profile_queues_limits_and_monitors_runs_as_the_embedded_one() -> None:
    """h15c and others tune dagster_home/dagster.yaml; this fails until deploy/dagster.yaml follows."""
    embedded, production = _yaml(EMBEDDED), _yaml(PRODUCTION)
    for block in SHARED_BLOCKS:
        assert production.get(block) == embedded.get(block), f"{block}: deploy/dagster.yaml differs from the embedded"
    # Storage differs by design; so does the launcher on Kubernetes, but one machine on PostgreSQL keeps the
    # embedded profile's health-checked launcher.
    assert production["run_launcher"] == embedded["run_launcher"]
    assert set(embedded) - set(SHARED_BLOCKS) == {"storage", "run_launcher"}, "a new embedded block: decide for both"


def _render_instance(values: dict[str, Any]) -> dict[str, Any]:
    """The dagster.yaml the chart renders from these values (templates/configmap-instance.yaml and
    helpers/instance/*.tpl of the chart), for the keys this project sets."""
    pg = values["postgresql"]
    postgres_db = {
        "username": pg["postgresqlUsername"],
        "password": {"env": "DAGSTER_PG_PASSWORD"},
        "hostname": pg["postgresqlHost"],
        "db_name": pg["postgresqlDatabase"],
        "port": pg["service"]["port"],
        "params": pg.get("postgresqlParams", {}),
        **({"scheme": pg["postgresqlScheme"]} if pg.get("postgresqlScheme") else {}),
    }
    launcher = values["runLauncher"]["config"]["k8sRunLauncher"]
    k8s = {
        "load_incluster_config": launcher["loadInclusterConfig"],
        "job_namespace": launcher.get("jobNamespace") or "migration",  # the release namespace
        "image_pull_policy": launcher["imagePullPolicy"],
        "service_account_name": "migration-dagster",
        "dagster_home": values["global"]["dagsterHome"],
        "instance_config_map": "migration-dagster-instance",
        "postgres_password_secret": values["global"]["postgresqlSecretName"],
        "env_config_maps": [c["name"] for c in launcher.get("envConfigMaps", [])] or None,
        "env_secrets": [s["name"] for s in launcher.get("envSecrets", [])] or None,
        "env_vars": launcher.get("envVars"),
        "volume_mounts": launcher.get("volumeMounts"),
        "volumes": launcher.get("volumes"),
        "resources": launcher.get("resources"),
        "security_context": launcher.get("securityContext"),
    }
    runs, pools = values["concurrency"]["runs"], values["concurrency"]["pools"]
    retention = values["retention"]
    rendered: dict[str, Any] = {
        "run_storage": {"module": "dagster_postgres.run_storage", "class": "PostgresRunStorage"},
        "event_log_storage": {"module": "dagster_postgres.event_log", "class": "PostgresEventLogStorage"},
        "schedule_storage": {"module": "dagster_postgres.schedule_storage", "class": "PostgresScheduleStorage"},
        "run_launcher": {"module": "dagster_k8s", "class": "K8sRunLauncher", "config": k8s},
        # The chart's dagsterYaml.runCoordinator.custom: module, class and config as given.
        "run_coordinator": {
            key: values["dagsterDaemon"]["runCoordinator"]["config"]["customRunCoordinator"][key]
            for key in ("module", "class", "config")
        },
        "concurrency": {
            "runs": {
                "max_concurrent_runs": runs["maxConcurrentRuns"],
                "tag_concurrency_limits": runs["tagConcurrencyLimits"],
            },
            "pools": {"default_limit": pools["defaultLimit"], "granularity": pools["granularity"]},
        },
        "retention": {
            "schedule": {"purge_after_days": retention["schedule"]["purgeAfterDays"]},
            "sensor": {"purge_after_days": retention["sensor"]["purgeAfterDays"]},
        },
        "telemetry": {"enabled": values["telemetry"]["enabled"]},
        **values.get("additionalInstanceConfig", {}),
    }
    for storage in ("run_storage", "event_log_storage", "schedule_storage"):
        rendered[storage]["config"] = {"postgres_db": postgres_db}
    rendered["run_launcher"]["config"] = {k: v for k, v in k8s.items() if v is not None}
    return rendered


def _assert_chart_keys(path: str, block: dict[str, Any]) -> None:
    unknown = set(block) - CHART_KEYS[path]
    assert not unknown, f"{path or 'top level'}: keys the chart's values schema does not have: {sorted(unknown)}"


def test_helm_values_use_the_charts_keys_and_render_a_valid_instance(tmp_path: Path) -> None:
    values = _yaml(HELM_VALUES)
    _assert_chart_keys("", values)
    for path in ("global", "postgresql", "dagster-user-deployments", "runLauncher", "dagsterDaemon", "concurrency",
                 "retention"):  # fmt: skip
        _assert_chart_keys(path, values[path])
    for deployment in values["dagster-user-deployments"]["deployments"]:
        _assert_chart_keys("deployment", deployment)
        assert deployment["codeServerArgs"] == ["-m", "migration_assets.definitions"]
    _assert_chart_keys("k8sRunLauncher", values["runLauncher"]["config"]["k8sRunLauncher"])
    _assert_chart_keys("concurrency.pools", values["concurrency"]["pools"])
    _assert_chart_keys("concurrency.runs", values["concurrency"]["runs"])
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    assert values["dagsterDaemon"]["runCoordinator"]["type"] == "CustomRunCoordinator"
    # The chart's own runMonitoring would render a second, different run_monitoring block.
    assert values["dagsterDaemon"]["runMonitoring"]["enabled"] is False
    assert values["generatePostgresqlPasswordSecret"] is False and values["postgresql"]["postgresqlPassword"] == ""

    rendered = _render_instance(values)
    validated = _validated(rendered, tmp_path)
    assert validated["run_launcher"]["class"] == "K8sRunLauncher"
    _assert_class_config(K8sRunLauncher.config_type(), rendered["run_launcher"]["config"])
    for storage, cls in (
        ("run_storage", PostgresRunStorage),
        ("event_log_storage", PostgresEventLogStorage),
        ("schedule_storage", PostgresScheduleStorage),
    ):
        _assert_class_config(cls.config_type(), rendered[storage]["config"])
    production = _yaml(PRODUCTION)
    for block in SHARED_BLOCKS:
        assert rendered[block] == production[block], f"{block}: the Helm values render it differently"
    # The code servers and the run pods mount the same customers' volume.
    deployment = values["dagster-user-deployments"]["deployments"][0]
    assert deployment["volumeMounts"] == rendered["run_launcher"]["config"]["volume_mounts"]


def test_k8s_run_launcher_schema_rejects_what_the_chart_would_not_render() -> None:
    """The schema check above can fail: a misspelt launcher key is an error."""
    result = validate_config(K8sRunLauncher.config_type(), {"load_incluster_config": True, "job_namespce": "x"})
    assert not result.success


def _instructions(dockerfile: Path) -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", dockerfile.read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def _assert_hardened(dockerfile: Path) -> None:
    instructions = _instructions(dockerfile)
    bases = [arg for op, arg in instructions if op == "FROM"]
    assert len(bases) == 1
    base = bases[0].split()[0]
    assert "@sha256:" in base or re.fullmatch(r"[\w./-]+:\d+\.\d+\.\d+[\w.-]*", base), f"unpinned base image {base}"
    users = [arg for op, arg in instructions if op == "USER"]
    assert users, "no USER: the image would run as root"
    assert users[-1].split(":")[0] not in {"root", "0"}
    secretish = re.compile(r"SECRET|PASSWORD|TOKEN|API_KEY|PRIVATE", re.IGNORECASE)
    for op, arg in instructions:
        if op in {"ENV", "ARG", "LABEL"}:
            assert not secretish.search(arg), f"{op} {arg}"
    copied = " ".join(arg for op, arg in instructions if op in {"COPY", "ADD"})
    assert ".env" not in copied.split()
    runs = " ".join(arg for op, arg in instructions if op == "RUN")
    assert "-r requirements.lock" in runs
    ignored = (dockerfile.parent / "Dockerfile.dockerignore").read_text(encoding="utf-8").split()
    assert {".env", ".venv", "var", "dagster_home"} <= set(ignored)


def test_dockerfile_pins_its_base_runs_unprivileged_and_bakes_in_no_secret() -> None:
    _assert_hardened(DOCKERFILE)


@pytest.mark.parametrize("line", ["FROM python:latest", "FROM python:3.11-slim", "FROM python"])
def test_dockerfile_check_refuses_a_floating_base(tmp_path: Path, line: str) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(f"{line}\nUSER 10001\nRUN pip install -r requirements.lock\n", encoding="utf-8")
    (tmp_path / "Dockerfile.dockerignore").write_text(".env\n.venv\nvar\ndagster_home\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="unpinned base image"):
        _assert_hardened(dockerfile)

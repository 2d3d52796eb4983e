"""The deployment files (deploy/) and the lock file agree with the code: the variables they set are the ones
the code and the instance file read, and are documented; the image serves the code location `dg` loads;
the Helm values use the chart's keys for the K8sRunLauncher; every dependency is pinned in the lock."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "docker-compose.yaml"
HELM_VALUES = DEPLOY / "helm" / "values.yaml"
INSTANCE_SCALE = DEPLOY / "dagster-scale.yaml"
PROFILE_MODULE = ROOT / "monitor_pipeline" / "storage" / "profile.py"
SCALE_PROFILE_VARS = {"MONITOR_PROFILE", "MONITOR_LAKE_CATALOG", "MONITOR_LAKE_DATA_PATH"}
# The chart's K8sRunLauncher settings (helm/dagster/schema/.../subschema/run_launcher.py, K8sRunLauncherConfig,
# which forbids any other key).
K8S_RUN_LAUNCHER_KEYS = {
    "image", "imagePullPolicy", "jobNamespace", "loadInclusterConfig", "kubeconfigFile", "envConfigMaps",
    "envSecrets", "envVars", "volumeMounts", "volumes", "labels", "failPodOnRunFailure", "resources",
    "schedulerName", "securityContext", "runK8sConfig",
}


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def compose_env() -> dict[str, dict[str, str]]:
    """Each service's environment (YAML anchors resolved by the loader)."""
    return {name: {k: str(v) for k, v in (service.get("environment") or {}).items()}
            for name, service in load(COMPOSE)["services"].items()}


def helm_env() -> dict[str, str]:
    deployments = load(HELM_VALUES)["dagster-user-deployments"]["deployments"]
    return {k: str(v) for d in deployments for k, v in (d.get("env") or {}).items()}


def variables_read_by_the_code() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "monitor_pipeline").rglob("*.py"):
        names |= set(re.findall(r"""["'](MONITOR_[A-Z0-9_]+)["']""", path.read_text(encoding="utf-8")))
    return names


def documented_variables() -> set[str]:
    """Names in the first column of a table of README.md or docs/SCALING.md."""
    names: set[str] = set()
    for doc in (ROOT / "README.md", ROOT / "docs" / "SCALING.md"):
        for line in doc.read_text(encoding="utf-8").splitlines():
            if line.startswith("|"):
                names |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1]))
    return names


def image_command() -> list[str]:
    """The Dockerfile's CMD (exec form, continuation lines joined)."""
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    (cmd,) = [line[len("CMD"):].strip() for line in text.splitlines() if line.startswith("CMD ")]
    return json.loads(cmd)


def option(args: list[str], *names: str) -> str:
    for i, arg in enumerate(args):
        if arg in names:
            return args[i + 1]
    raise AssertionError(f"none of {names} in {args}")


def test_compose_runs_the_four_services_with_the_lake_on_a_named_volume():
    compose = load(COMPOSE)
    services = compose["services"]
    assert set(services) == {"postgres", "code", "webserver", "daemon"}
    code = services["code"]
    assert code["environment"]["MONITOR_PROFILE"] == "scale"
    lake_path = code["environment"]["MONITOR_LAKE_DATA_PATH"].rstrip("/")
    mounts = {m.split(":")[1]: m.split(":")[0] for m in code["volumes"] if isinstance(m, str)}
    assert lake_path in mounts and mounts[lake_path] in compose["volumes"], "the lake's files on a named volume"
    store_dir = str(Path(code["environment"]["MONITOR_WAREHOUSE_PATH"]).parent)
    assert store_dir in mounts and mounts[store_dir] in compose["volumes"], "the page store on a named volume"
    assert "dbname=lake" in code["environment"]["MONITOR_LAKE_CATALOG"]
    # the lake catalog's database is created beside Dagster's
    assert "CREATE DATABASE lake" in (DEPLOY / "postgres-init.sql").read_text(encoding="utf-8")
    for name in ("webserver", "daemon"):
        assert "/opt/dagster/workspace.yaml" in services[name]["command"]


def test_every_monitor_variable_the_deployment_sets_is_read_by_the_code():
    names = {n for env in compose_env().values() for n in env if n.startswith("MONITOR_")} | {
        n for n in helm_env() if n.startswith("MONITOR_")}
    missing = names - variables_read_by_the_code()
    if not PROFILE_MODULE.exists():  # the scale profile's branch not merged yet: its three variables wait
        assert missing <= SCALE_PROFILE_VARS, sorted(missing - SCALE_PROFILE_VARS)
        pytest.skip(f"the scale profile (storage/profile.py) is not here yet: {sorted(missing)} unchecked")
    assert not missing, f"set by deploy/ but read nowhere in monitor_pipeline/: {sorted(missing)}"


def test_every_variable_the_deployment_sets_is_documented():
    names = {n for env in compose_env().values() for n in env if n.startswith(("MONITOR_", "DAGSTER_PG_"))}
    names |= {n for n in helm_env() if n.startswith("MONITOR_")}
    undocumented = names - documented_variables()
    assert not undocumented, f"not in the README's or docs/SCALING.md's variable tables: {sorted(undocumented)}"


def test_compose_gives_the_instance_file_every_variable_it_reads():
    if not INSTANCE_SCALE.exists():
        pytest.skip("deploy/dagster-scale.yaml (the scale profile's instance) is not here yet")
    read = set(re.findall(r"env:\s*([A-Z][A-Z0-9_]+)", INSTANCE_SCALE.read_text(encoding="utf-8")))
    assert read, "the scale instance reads its Postgres connection from the environment"
    for name in ("code", "webserver", "daemon"):
        assert read <= set(compose_env()[name]), (name, sorted(read - set(compose_env()[name])))
        mounts = load(COMPOSE)["services"][name]["volumes"]
        assert any(isinstance(m, dict) and m["source"] == "./dagster-scale.yaml"
                   and m["target"] == "/opt/dagster/home/dagster.yaml" for m in mounts), name


def test_the_image_serves_the_code_location_dg_loads_and_installs_the_lock():
    command = image_command()
    assert command[:3] == ["dagster", "code-server", "start"]
    module, attribute = option(command, "-m", "--module-name"), option(command, "-a", "--attribute")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["dg"]["project"]
    assert module == project["code_location_target_module"]
    local = load(ROOT / "workspace.yaml")["load_from"][0]["python_module"]
    assert (module, attribute) == (local["module_name"], local["attribute"])
    # compose's workspace and health check, and the chart's deployment, reach the same server
    port = option(command, "-p", "--port")
    grpc = load(DEPLOY / "workspace.yaml")["load_from"][0]["grpc_server"]
    assert (grpc["host"], str(grpc["port"]), grpc["location_name"]) == ("code", port, project["code_location_name"])
    assert port in load(COMPOSE)["services"]["code"]["healthcheck"]["test"]
    deployment = load(HELM_VALUES)["dagster-user-deployments"]["deployments"][0]
    assert str(deployment["port"]) == port
    assert (option(deployment["codeServerArgs"], "-m", "--module-name"),
            option(deployment["codeServerArgs"], "-a", "--attribute")) == (module, attribute)
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert "COPY requirements.lock" in dockerfile and "-r requirements.lock" in dockerfile


@pytest.mark.slow
def test_dagster_loads_the_images_module_and_attribute(tmp_path):
    """What `dagster code-server start` would load, loaded by Dagster itself (outside the checkout)."""
    command = image_command()
    module, attribute = option(command, "-m", "--module-name"), option(command, "-a", "--attribute")
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "MONITOR_WAREHOUSE_PATH": str(tmp_path / "w.duckdb"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run([str(Path(sys.executable).parent / "dagster"), "definitions", "validate",
                             "--module-name", module, "--attribute", attribute],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_helm_values_launch_one_pod_per_run_with_the_charts_keys():
    values = load(HELM_VALUES)
    launcher = values["runLauncher"]
    assert launcher["type"] == "K8sRunLauncher"
    unknown = set(launcher["config"]["k8sRunLauncher"]) - K8S_RUN_LAUNCHER_KEYS
    assert not unknown, f"not keys of the chart's K8sRunLauncher: {sorted(unknown)}"
    users = values["dagster-user-deployments"]
    assert users["enabled"] is True and len(users["deployments"]) == 1
    deployment = users["deployments"][0]
    assert deployment["includeConfigInLaunchedRuns"]["enabled"] is True  # run pods get the env and volumes
    assert deployment["env"]["MONITOR_PROFILE"] == "scale"
    mounted = {m["name"] for m in deployment["volumeMounts"]}
    assert mounted == {v["name"] for v in deployment["volumes"]}
    store_dir = str(Path(deployment["env"]["MONITOR_WAREHOUSE_PATH"]).parent)
    assert any(m["mountPath"] == store_dir for m in deployment["volumeMounts"]), "the page store on the volume"


def test_every_dependency_is_pinned_in_the_lock_at_an_allowed_version():
    """`make lock` was run after the last change to pyproject.toml's dependencies."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    wanted = [Requirement(r) for r in project["dependencies"] + extras["dev"] + extras["deploy"]]
    pinned: dict[str, list[Version]] = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", line)
        if match:
            pinned.setdefault(re.sub(r"[-_.]+", "-", match[1]).lower(), []).append(Version(match[2]))
    problems = []
    for requirement in wanted:
        versions = pinned.get(re.sub(r"[-_.]+", "-", requirement.name).lower())
        if not versions:
            problems.append(f"{requirement.name}: not in requirements.lock")
        elif not any(requirement.specifier.contains(v, prereleases=True) for v in versions):
            problems.append(f"{requirement}: locked at {', '.join(map(str, versions))}")
    assert not problems, "run `make lock`: " + "; ".join(problems)

"""The whole thing as an operator runs it: `dagster dev` (webserver + daemon) with the project's
`deploy/dagster.yaml`, a run of `daily_pipeline` submitted through GraphQL against the sample corpus on
127.0.0.1, the aggregates in the analysts' copy, and the layoff alerts delivered by the run's layoff_alerts step in
the daemon to a local webhook. A headless Chromium screenshot of the asset graph is taken on the way
(skipped if Chromium is missing or cannot start); set MONITOR_UPDATE_SCREENSHOT=1 to copy it to
docs/img/asset-graph.png.

Every process started here (dagster dev and its children) is killed at the end, even on failure."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import duckdb
import pytest

from monitor_pipeline.defs.policies import today_partition_key
from monitor_pipeline.sample_server import SampleCorpusServer
from monitor_pipeline_tests.receivers import WebhookReceiver, free_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

PROJECT_ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
RUN_TIMEOUT_S = 600  # generous: this whole test took 89 s here with the in-process executor
ALERT_TIMEOUT_S = 60  # the alerts are sent by the run itself (its last step)
SCREENSHOT_IN_DOCS = PROJECT_ROOT / "docs" / "img" / "asset-graph.png"


def wait_until(predicate, timeout_s: float, interval_s: float = 1.0, what: str = "condition", log: Path | None = None):
    """Bounded wait: the predicate's truthy value, or a failure naming what did not happen."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval_s)
    tail = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
    pytest.fail(f"timed out after {timeout_s:.0f} s waiting for {what}\n--- dagster dev log tail ---\n{tail}")


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def processes_with_env(marker: str) -> list[int]:
    """PIDs whose environment holds ``marker`` (our unique DAGSTER_HOME): the processes this test started."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def stop_process_tree(proc: subprocess.Popen, marker: str) -> None:
    """SIGINT (Ctrl-C) the process group of `dagster dev`, then SIGKILL whatever is left of it and of any
    process carrying our DAGSTER_HOME (run workers may leave the group)."""
    try:
        os.killpg(proc.pid, signal.SIGINT)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass
    for _ in range(2):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        for pid in processes_with_env(marker):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.5)
    proc.wait(timeout=10)


@pytest.fixture
def dagster_dev(tmp_path):
    """`dagster dev` on a free loopback port with a temp DAGSTER_HOME, warehouse and webhook."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    settings = (PROJECT_ROOT / "deploy" / "dagster.yaml").read_text(encoding="utf-8")
    if "nux:" not in settings:  # no "join the community" dialog over the screenshot
        settings += "\nnux:\n  enabled: false\n"
    (home / "dagster.yaml").write_text(settings, encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    port = free_port()
    log = tmp_path / "dagster_dev.log"
    with SampleCorpusServer() as corpus, WebhookReceiver() as hook:
        registry = tmp_path / "sample_feeds.yaml"
        registry.write_text(corpus.registry_yaml(), encoding="utf-8")
        env = {
            **os.environ,
            "DAGSTER_HOME": str(home),
            "MONITOR_WAREHOUSE_PATH": str(data / "warehouse.duckdb"),
            "MONITOR_ALERT_LEDGER_PATH": str(data / "alerts.duckdb"),
            "MONITOR_ALERT_URLS": hook.url,
            "MONITOR_ALERT_DIGEST_THRESHOLD": "1000",
            "MONITOR_DAGSTER_UI_URL": f"http://127.0.0.1:{port}",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DAGSTER_DISABLE_TELEMETRY": "yes",
            "DO_NOT_TRACK": "1",
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        with log.open("wb") as log_handle:
            proc = subprocess.Popen(
                [str(VENV_BIN / "dagster"), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
                cwd=PROJECT_ROOT, env=env, stdout=log_handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group, killed as a whole below
            )
            try:
                yield {"port": port, "base": f"http://127.0.0.1:{port}", "registry": registry, "hook": hook,
                       "corpus": corpus, "data": data, "log": log, "tmp": tmp_path, "proc": proc}
            finally:
                stop_process_tree(proc, str(home))
    assert processes_with_env(str(home)) == []


def submit_when_loaded(client, run_config: dict, tags: dict, log: Path) -> str:
    """Submit the job as soon as the code location has loaded (bounded)."""
    from dagster_graphql import DagsterGraphQLClientError

    last_error: list[str] = []

    def attempt():
        try:
            return client.submit_job_execution("daily_pipeline", run_config=run_config, tags=tags)
        except DagsterGraphQLClientError as exc:
            last_error[:] = [str(exc)]
            return None
        except Exception as exc:  # webserver still starting (connection refused)
            last_error[:] = [f"{type(exc).__name__}: {exc}"]
            return None

    return wait_until(attempt, 240, 3.0, what=f"the code location to accept a run ({last_error})", log=log)


def asset_graph_url(base: str, groups: list[str]) -> str:
    """The global lineage page with every group expanded (the UI collapses them by default)."""
    expanded = ",".join(f"global@global:{g}" for g in groups)
    return f"{base}/asset-groups?expanded={urllib.parse.quote(expanded, safe=',')}"


def asset_groups(base: str) -> list[str]:
    """Asset group names, from the webserver's GraphQL endpoint."""
    query = "{ repositoriesOrError { ... on RepositoryConnection { nodes { assetGroups { groupName } } } } }"
    request = urllib.request.Request(base + "/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        data = json.loads(response.read())["data"]
    return sorted({g["groupName"] for repo in data["repositoriesOrError"]["nodes"] for g in repo["assetGroups"]})


def screenshot(url: str, out: Path, profile_dir: Path) -> Path | None:
    """Headless Chromium screenshot of ``url``; None if Chromium is absent or cannot start."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return None
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--hide-scrollbars", f"--user-data-dir={profile_dir}", f"--screenshot={out}",
               "--window-size=1600,1800", "--virtual-time-budget=20000", url]
    try:
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120,
                       start_new_session=True, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out if out.exists() and out.stat().st_size > 0 else None


def analytics(data: Path, sql: str) -> list[tuple]:
    conn = duckdb.connect(str(data / "analytics.duckdb"), read_only=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_dagster_dev_runs_the_pipeline_and_the_daemon_sends_the_alerts(dagster_dev):
    from dagster_graphql import DagsterGraphQLClient
    from dagster import DagsterRunStatus

    dev = dagster_dev
    wait_until(lambda: http_ok(dev["base"] + "/server_info"), 180, 1.0, what="the Dagster webserver", log=dev["log"])
    client = DagsterGraphQLClient("127.0.0.1", port_number=dev["port"])
    day = today_partition_key()
    run_config = {"resources": {"feeds": {"config": {
        "registry_path": str(dev["registry"]),
        # politeness (interval, per-host concurrency) as in production
        "http": {"allow_hosts": ["127.0.0.1"], "connect_timeout_s": 2.0, "read_timeout_s": 2.0, "max_retries": 1},
    }}}}
    run_id = submit_when_loaded(client, run_config, {"dagster/partition": day}, dev["log"])

    finished = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}
    status = wait_until(lambda: (s := client.get_run_status(run_id)) in finished and s, RUN_TIMEOUT_S, 3.0,
                        what=f"run {run_id} to finish", log=dev["log"])
    assert status == DagsterRunStatus.SUCCESS, dev["log"].read_text(errors="replace")[-4000:]
    assert dev["corpus"].requests, "the run polled the sample corpus"

    # the aggregates reached the analysts' copy
    [(companies,)] = analytics(dev["data"], "SELECT count(DISTINCT company_id) FROM company_mentions_daily")
    assert companies > 0
    event_keys = {r[0] for r in analytics(dev["data"], "SELECT event_id FROM layoff_events")}
    assert event_keys, "the sample corpus yields counted layoff events"
    assert analytics(dev["data"], "SELECT DISTINCT cast(day AS VARCHAR) FROM company_mentions_daily") == [(day,)]

    # the run's layoff_alerts step alerts each real-world event once
    hook = dev["hook"]
    wait_until(lambda: len(hook.received) >= len(event_keys), ALERT_TIMEOUT_S, 2.0,
               what=f"{len(event_keys)} alerts at the webhook (got {len(hook.received)})", log=dev["log"])
    alerted = {json.loads(r["raw"])["message"].rsplit("Événement : ", 1)[1].split(" ")[0] for r in hook.received}
    assert alerted == event_keys
    assert len(hook.received) == len(event_keys)
    assert all(f"http://127.0.0.1:{dev['port']}/assets/layoff_events" in r["json"]["message"] for r in hook.received)

    # the asset graph, for the README (best effort: the run above is what this test is about)
    groups = asset_groups(dev["base"])
    assert {"ingest", "articles", "mentions", "marts", "publish"} <= set(groups)
    png = screenshot(asset_graph_url(dev["base"], groups), dev["tmp"] / "asset-graph.png", dev["tmp"] / "chromium")
    if png is None:
        print("Chromium unavailable: no screenshot taken")
        return
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("MONITOR_UPDATE_SCREENSHOT") == "1":
        SCREENSHOT_IN_DOCS.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(png, SCREENSHOT_IN_DOCS)

"""One day run in a fresh process, for launched_run_overhead; prints one JSON line with its phases.

``--side dagster``: what the daemon's run worker does: import the code location, open the real
instance (``DagsterInstance.get()`` on ``$DAGSTER_HOME``, the project's ``deploy/dagster.yaml``),
``execute_job`` of the reconstructable ``daily_pipeline`` job with its own executor, tagged with
the partition. ``--side plain``: the same stages from a plain Python process: the four stages,
``dbt build`` for the same day window (a subprocess, as dagster-dbt runs it), the analysts' copy and
the digest. Both read the feed registry and allowed hosts from ``$MONITOR_BENCH_FEEDS``.
"""
from __future__ import annotations

import time

PROCESS_STARTED = time.time()  # before the heavy imports below

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from datetime import date, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402


def _dagster_side(day: str) -> dict:
    phases: dict[str, float] = {}
    t = time.perf_counter()
    import dagster as dg

    from monitor_pipeline.bench import pipeline as product

    product.import_code_location()
    phases["import_code_location"] = time.perf_counter() - t
    t = time.perf_counter()
    instance = dg.DagsterInstance.get()
    phases["open_instance"] = time.perf_counter() - t
    t = time.perf_counter()
    with dg.execute_job(dg.reconstructable(product.bench_daily_pipeline), instance,
                        tags={"dagster/partition": day}) as result:
        events = result.all_events
        success = result.success
    phases["execute_job"] = time.perf_counter() - t
    if not success:
        raise RuntimeError("Dagster run failed: " + "; ".join(str(e.message)[:300] for e in events if e.is_failure))
    steps = {e.step_key: round(e.event_specific_data.duration_ms / 1000, 3)
             for e in events if e.event_type_value == "STEP_SUCCESS"}
    phases["outside_steps"] = phases["execute_job"] - sum(steps.values())
    t = time.perf_counter()
    instance.dispose()
    phases["close_instance"] = time.perf_counter() - t
    return {"phases_s": phases, "steps_s": steps, "stored_events": len(events)}


def _plain_side(day: str) -> dict:
    phases: dict[str, float] = {}
    t = time.perf_counter()
    from monitor_pipeline.bench import pipeline as product

    feeds = json.loads(os.environ[product.BENCH_FEEDS_ENV])
    sources = product.load_registry(Path(feeds["registry_path"]))
    http = product.http_settings(feeds["allow_hosts"])
    phases["imports"] = time.perf_counter() - t
    db = Path(os.environ["MONITOR_WAREHOUSE_PATH"])
    run = product.run_stages_for(sources, http, db, day=day)
    phases.update(run.seconds)
    t = time.perf_counter()
    dbt_dir = product.project_root() / "dbt_project"
    end = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
    work = db.parent
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "build", "--project-dir", str(dbt_dir), "--profiles-dir",
         str(dbt_dir), "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
         "--vars", json.dumps({"min_day": day, "max_day": end}), "--quiet"],
        capture_output=True, text=True, timeout=1800,
        env=dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false"))
    if proc.returncode != 0:
        raise RuntimeError(f"dbt build failed: {proc.stdout[-2000:]}")
    phases["dbt_build"] = time.perf_counter() - t
    t = time.perf_counter()
    product.publish_and_digest(db, day)
    phases["publish_and_digest"] = time.perf_counter() - t
    return {"phases_s": phases}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--side", choices=("dagster", "plain"), required=True)
    parser.add_argument("--day", required=True)
    args = parser.parse_args(argv)
    main_started = time.time()
    out = _dagster_side(args.day) if args.side == "dagster" else _plain_side(args.day)
    out["phases_s"] = {k: round(v, 3) for k, v in out["phases_s"].items()}
    out.update(side=args.side, process_started=PROCESS_STARTED, main_started=main_started, finished=time.time())
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A code location for the daemon test: the project's definitions over the sample corpus registry,
plus a sensor that requests one run of the partition per request file the test writes, and the
test's hold point (``pipeline_child.install_hold``) in the run worker.

Configured by ``MONITOR_TEST_DAEMON_SPEC`` (JSON: ``registry``, ``day``, ``requests_dir``, and
``hold_at``/``marker``/``release``), which the daemon's code server and its run workers inherit."""
from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg

from monitor_pipeline.defs.jobs import daily_pipeline_job
from monitor_pipeline_tests.reliability.pipeline_child import install_hold

SPEC = json.loads(os.environ["MONITOR_TEST_DAEMON_SPEC"])
if SPEC.get("hold_at"):
    install_hold(SPEC["hold_at"], SPEC["marker"], SPEC.get("release"), float(SPEC.get("hold_s", 300)))


@dg.sensor(job=daily_pipeline_job, minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
def requested_runs(context: dg.SensorEvaluationContext):
    """One run of the test's partition per ``request-*`` file (the file name is the run key)."""
    for path in sorted(Path(SPEC["requests_dir"]).glob("request-*")):
        yield dg.RunRequest(run_key=path.name, partition_key=SPEC["day"])


def _definitions() -> dg.Definitions:
    from monitor_pipeline.definitions import build_definitions
    from monitor_pipeline.demo import sample_feed_resource

    project = build_definitions({"feeds": sample_feed_resource(SPEC["registry"])})
    return dg.Definitions.merge(project, dg.Definitions(sensors=[requested_runs]))


defs = _definitions()

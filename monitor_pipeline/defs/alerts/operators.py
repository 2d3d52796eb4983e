"""Operators' alerts: every failed run of this code location, and every failed asset check, to the
subscriptions marked ``operators: true``, once per run or check evaluation (the ledger's key, so a
re-tick, a reset cursor or a daemon restart sends nothing twice)."""
import json

import dagster as dg

from monitor_pipeline.core.alerts.operator_alerts import (
    OPERATOR_KIND,
    CheckFailure,
    RunFailure,
    check_failure_messages,
    run_failure_messages,
)
from monitor_pipeline.core.alerts.subscriptions import operator_subscriptions
from monitor_pipeline.defs.alerts.delivery import deliver, summary
from monitor_pipeline.defs.resources import AlertsResource

PARTITION_TAG = "dagster/partition"
RUNS_PER_TICK = 50
# Runs that ended: a check may fail in a successful run (a warning) or in a failed one (a blocking check).
ENDED_RUNS = (dg.DagsterEventType.RUN_SUCCESS, dg.DagsterEventType.RUN_FAILURE)


def user_error(error) -> str:
    """The message of what the step raised, not of Dagster's wrapper around it."""
    while error.cause is not None and (error.cls_name or "").startswith("DagsterExecutionStep"):
        error = error.cause
    return error.message


def run_failure(context: dg.RunFailureSensorContext) -> RunFailure:
    """What failed in the run: the job, its partition, the failed steps and the first step error."""
    run = context.dagster_run
    step_failures = context.get_step_failure_events()
    errors = [user_error(event.event_specific_data.error) for event in step_failures
              if event.event_specific_data is not None and event.event_specific_data.error is not None]
    return RunFailure(
        run_id=run.run_id, job_name=run.job_name, partition=run.tags.get(PARTITION_TAG),
        failed_steps=tuple(event.step_key for event in step_failures if event.step_key),
        error=errors[0] if errors else context.failure_event.message,
    )


@dg.run_failure_sensor(name="operator_run_failure_alerts", minimum_interval_seconds=30,
                       default_status=dg.DefaultSensorStatus.RUNNING)
def operator_run_failure_alerts(context: dg.RunFailureSensorContext, alerts: AlertsResource) -> None:
    """Alerts the operator subscriptions of a failed run of any job of this code location: job, partition,
    failed steps, the error's first line (redacted) and the run's link. Once per run id."""
    operators = operator_subscriptions(alerts.subscriptions())
    messages = run_failure_messages(run_failure(context), operators, alerts.ui_base_url or None)
    report = deliver(messages, operators, alerts, retry_kinds=[OPERATOR_KIND])
    context.log.info(f"run {context.dagster_run.run_id} failed: {summary(report)}")


def failed_checks(instance: dg.DagsterInstance, run_id: str) -> list[CheckFailure]:
    """The check evaluations of ``run_id`` that did not pass."""
    run = instance.get_run_by_id(run_id)
    records = instance.get_records_for_run(run_id=run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
    failures = []
    for record in records:
        evaluation = record.event_log_entry.dagster_event.asset_check_evaluation_data
        if evaluation.passed:
            continue
        failures.append(CheckFailure(
            asset=evaluation.asset_key.to_user_string(), check_name=evaluation.check_name,
            severity=evaluation.severity.value, run_id=run_id, evaluation_id=str(record.storage_id),
            job_name=run.job_name if run else None,
            partition=evaluation.partition or (run.tags.get(PARTITION_TAG) if run else None),
            description=evaluation.description,
        ))
    return failures


@dg.sensor(name="operator_check_failure_alerts", minimum_interval_seconds=30,
           default_status=dg.DefaultSensorStatus.RUNNING)
def operator_check_failure_alerts(context: dg.SensorEvaluationContext, alerts: AlertsResource) -> dg.SensorResult:
    """Alerts the operator subscriptions of every asset check that failed in a run ended since the last
    tick (the cursor: one position per kind of run end; the first tick starts from now), once per check
    evaluation; retries the operators' alerts whose backoff has elapsed."""
    positions = json.loads(context.cursor) if context.cursor else {}
    first_tick = not positions
    failures: list[CheckFailure] = []
    for event_type in ENDED_RUNS:
        result = context.instance.fetch_run_status_changes(
            event_type, limit=1 if first_tick else RUNS_PER_TICK, cursor=positions.get(event_type.value),
            ascending=not first_tick)
        positions[event_type.value] = result.cursor
        if not first_tick:
            for record in result.records:
                failures += failed_checks(context.instance, record.event_log_entry.run_id)
    operators = operator_subscriptions(alerts.subscriptions())
    messages = [m for failure in failures for m in check_failure_messages(failure, operators,
                                                                          alerts.ui_base_url or None)]
    report = deliver(messages, operators, alerts, retry_kinds=[OPERATOR_KIND])
    message = f"{len(failures)} failed check(s); {summary(report)}"
    context.log.info(message)
    return dg.SensorResult(cursor=json.dumps(positions, sort_keys=True), skip_reason=dg.SkipReason(message))

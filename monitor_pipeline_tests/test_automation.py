"""The automation conditions do what the two schedules did: the hourly poll fills today's partition and its
chain follows; the 06:00 tick rebuilds yesterday from stored HTML. Evaluated with Dagster's own evaluator
on a real temporary instance; materializations are recorded as the runs would record them."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from monitor_pipeline.definitions import build_definitions

PARIS = ZoneInfo("Europe/Paris")
TODAY, YESTERDAY = "2026-11-25", "2026-11-24"


@pytest.fixture(scope="module")
def defs():
    return build_definitions()


def at(hour: int, minute: int = 0, day: int = 25) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=PARIS)


def requested(result) -> set[tuple[str, str | None]]:
    return {(key.to_user_string(), partition) for key in result._requested_partitions_by_asset_key
            for partition in result.get_requested_partitions(key)}


def materialize(instance, *keys: str, partition: str | None = None) -> None:
    for key in keys:
        instance.report_runless_asset_event(dg.AssetMaterialization(key, partition=partition))


def materialize_requested(instance, result) -> None:
    for asset, partition in requested(result):
        materialize(instance, asset, partition=partition)


FULL_TABLES = {("company_trends", None), ("layoff_events", None), ("layoff_event_mentions", None),
               ("layoff_mentions_daily", None), ("org_candidates", None), ("analytics_copy", None)}


def test_poll_tick_runs_todays_chain_then_the_full_tables_and_the_digest(defs):
    with dg.instance_for_test() as instance:
        first = dg.evaluate_automation_conditions(defs, instance, evaluation_time=at(9, 30))
        assert requested(first) == set()  # nothing before the first tick
        tick = dg.evaluate_automation_conditions(defs, instance, evaluation_time=at(10, 1), cursor=first.cursor)
        chain = requested(tick)
        assert {("feeds", None), ("companies", None), ("feed_entries", TODAY), ("feed_fetches", TODAY),
                ("article_pages", TODAY), ("articles", TODAY), ("layoff_mentions", TODAY),
                ("company_mentions_daily", TODAY)} <= chain
        # today only: not the days the poll and articles look back at, and the full tables wait for today
        assert {partition for _, partition in chain} == {TODAY, None}
        assert not chain & FULL_TABLES
        materialize_requested(instance, tick)
        # then, one evaluation after another: the layoff events and the full tables, the marts over the
        # events, the analysts' copy and the alerts, the digest
        waves, digest = [], tick
        for minute in range(3, 30, 2):
            digest = dg.evaluate_automation_conditions(defs, instance, evaluation_time=at(10, minute),
                                                       cursor=digest.cursor)
            if not requested(digest):
                break
            waves.append(requested(digest))
            materialize_requested(instance, digest)
        order = {asset: n for n, wave in enumerate(waves) for asset, _ in wave}
        assert FULL_TABLES | {("layoff_event_resolution", None), ("layoff_alerts", None),
                              ("company_spike_alerts", None), ("daily_digest", TODAY)} <= set().union(*waves)
        assert sum(len(wave) for wave in waves) == len(order)  # each asset once
        # an asset and what reads it may share a run (requested in one evaluation, run in graph order)
        assert order["layoff_event_resolution"] <= order["layoff_events"] <= order["layoff_alerts"]
        assert order["layoff_events"] <= order["layoff_mentions_daily"] <= order["analytics_copy"]
        assert max(order[a] for a, _ in FULL_TABLES - {("analytics_copy", None)}) <= order["analytics_copy"]
        assert order["analytics_copy"] <= order["daily_digest"]
        assert order["analytics_copy"] <= order["company_spike_alerts"]
        quiet = dg.evaluate_automation_conditions(defs, instance, evaluation_time=at(10, 40), cursor=digest.cursor)
        assert requested(quiet) == set()  # once per tick


def test_daily_tick_rebuilds_yesterday_from_stored_html(defs):
    with dg.instance_for_test() as instance:
        first = dg.evaluate_automation_conditions(defs, instance, evaluation_time=at(5, 30))
        tick = dg.evaluate_automation_conditions(defs, instance, evaluation_time=at(6, 1), cursor=first.cursor)
        rebuilt = {asset for asset, partition in requested(tick) if partition == YESTERDAY}
        assert {"articles", "company_mentions", "layoff_mentions", "company_mentions_daily"} <= rebuilt
        assert not rebuilt & {"feed_entries", "feed_fetches", "article_pages"}  # no network for a past day
        assert {partition for _, partition in requested(tick)} == {YESTERDAY, TODAY, None}  # 06:00 polls too
        materialize_requested(instance, tick)
        later = tick
        for minute in range(3, 30, 2):  # events and full tables, the analysts' copy, then the digests
            later = dg.evaluate_automation_conditions(defs, instance, evaluation_time=at(6, minute),
                                                      cursor=later.cursor)
            materialize_requested(instance, later)
            if ("daily_digest", YESTERDAY) in requested(later):
                break
        assert ("daily_digest", YESTERDAY) in requested(later)


def test_the_jobs_stay_for_manual_runs_and_no_schedule_runs_them(defs):
    assert not list(defs.schedules or [])
    assert {job.name for job in defs.jobs} == {"daily_pipeline", "recompute_from_stored_html"}
    sensor = defs.resolve_sensor_def("automation_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED  # as the schedules were: turned on by hand


def test_yesterdays_digest_is_delivered_at_the_digest_tick_once(defs):
    with dg.instance_for_test() as instance:
        materialize(instance, "daily_digest", partition=YESTERDAY)
        materialize(instance, "daily_digest", partition=TODAY)
        first = dg.evaluate_automation_conditions(defs, instance, evaluation_time=at(6, 50))
        assert not {a for a, _ in requested(first)} & {"daily_digest_delivery"}
        tick = dg.evaluate_automation_conditions(defs, instance, evaluation_time=at(7, 1), cursor=first.cursor)
        assert {p for a, p in requested(tick) if a == "daily_digest_delivery"} == {YESTERDAY}  # never today's
        materialize(instance, "daily_digest_delivery", partition=YESTERDAY)
        later = dg.evaluate_automation_conditions(defs, instance, evaluation_time=at(7, 30), cursor=tick.cursor)
        assert not {a for a, _ in requested(later)} & {"daily_digest_delivery"}

"""Scenario ``scale_out``: a backfill of ``days`` daily partitions (articles + mentions recomputed from
stored HTML, as ``recompute_from_stored_html`` does) in the scale profile, one run at a time against two
runs at once, alternating round by round in the same invocation; the embedded profile's time for the
same work (one run at a time: its file admits one writer) is reported beside it.

A run is a process of its own (as a run worker is), computing with one CPU (``workers=1``): the scale
profile scales out across runs, each partition's publish a DuckLake transaction retried on conflict.
Setup, not timed: the bench corpus is polled and fetched once into an embedded warehouse, its entries
spread over the days, then copied into a DuckLake whose catalog is in a PostgreSQL server started for
the scenario (the tests' server: initdb in a temp directory, a loopback port). Both profiles read the
same raw page store.

Run as a child: ``python -m monitor_pipeline.bench.scale_out DAY`` (the profile from the environment).
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from monitor_pipeline.bench import pipeline as product
from monitor_pipeline.bench.corpus import Corpus
from monitor_pipeline.bench.server import BenchServers, loopback_hosts
from monitor_pipeline.bench.timing import median, ratio

TARGET = 1.6
PARTITIONED = ("feed_entries", "article_pages")


def _days(days: int) -> list[str]:
    first = date.fromisoformat(product.BENCH_DAY)
    return [(first + timedelta(days=k)).isoformat() for k in range(days)]


def _prepare(work: Path, pages_per_day: int, days: list[str], catalog: str) -> tuple[Path, dict]:
    """An embedded warehouse holding ``days`` × ``pages_per_day`` fetched pages, spread over the days, and
    the same tables copied into the lake; returns the embedded file and the scale profile's environment."""
    import duckdb

    from monitor_pipeline.storage import lake, warehouse
    from monitor_pipeline.storage.profile import WarehouseProfile
    from monitor_pipeline.storage.sql_text import attach_sql

    db = work / "warehouse.duckdb"
    corpus = Corpus(pages_per_day * len(days), 50)
    with BenchServers(corpus, loopback_hosts(50)) as servers:
        product.run_stages(servers, db, only_ingest=True)
    conn = duckdb.connect(str(db))
    for table in PARTITIONED:  # page k goes to day k mod days
        conn.execute(f"""UPDATE {table} SET partition_day = (?::DATE + (hash(entry_id) % ?)::INTEGER)""",
                     [days[0], len(days)])
    conn.close()
    profile = WarehouseProfile("scale", catalog, str(work / "lake"))
    with lake.lake_connection(profile) as target:
        warehouse.ensure_schema(target)
        target.execute(attach_sql(db, "embedded", read_only=True))
        for table in ("feeds", "companies", *PARTITIONED):
            target.execute(f"INSERT INTO {table} BY NAME SELECT * FROM embedded.main.{table}")
        target.execute("DETACH embedded")
    env = {"MONITOR_PROFILE": "scale", "MONITOR_LAKE_CATALOG": catalog, "MONITOR_LAKE_DATA_PATH": str(work / "lake")}
    return db, env


def _backfill(days: list[str], at_once: int, env: dict[str, str]) -> float:
    """Wall seconds to run one process per day, ``at_once`` of them at a time."""
    pending, running = list(days), []
    started = time.perf_counter()
    while pending or running:
        while pending and len(running) < at_once:
            running.append(subprocess.Popen([sys.executable, "-m", "monitor_pipeline.bench.scale_out",
                                             pending.pop(0)], env=env, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.PIPE, text=True))
        finished = running.pop(0)
        _, err = finished.communicate(timeout=3600)
        if finished.returncode != 0:
            raise RuntimeError(f"a backfill run failed: {err[-3000:]}")
    return time.perf_counter() - started


def scale_out(pages_per_day: int, days: int, rounds: int) -> dict:
    from monitor_pipeline.bench.scenarios import result
    from monitor_pipeline_tests.postgres import PostgresServer

    day_keys = _days(days)
    server = PostgresServer().init().start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-scale-out-") as tmp:
            work = Path(tmp)
            db, scale_env = _prepare(work, pages_per_day, day_keys, server.create_database())
            base = {k: v for k, v in os.environ.items() if k not in ("MONITOR_PROFILE", "MONITOR_LAKE_CATALOG",
                                                                       "MONITOR_LAKE_DATA_PATH")}
            base["MONITOR_WAREHOUSE_PATH"] = str(db)  # both profiles' raw page store: warehouse.pages/ beside it
            scale = {**base, **scale_env}
            one, two, embedded = [], [], []
            for r in range(rounds):
                sides = [("one", 1), ("two", 2)] if r % 2 == 0 else [("two", 2), ("one", 1)]
                for name, at_once in sides:
                    (one if name == "one" else two).append(_backfill(day_keys, at_once, scale))
                embedded.append(_backfill(day_keys, 1, base))
    finally:
        server.stop()
        server.remove()
    one_s, two_s = median(one), median(two)
    return result(ratio(one_s, two_s), TARGET, rounds, "the same backfill in the scale profile, one run at a time "
                  "(same run, alternating)", lower_is_better=False, days=days, pages_per_day=pages_per_day,
                  one_run_at_a_time_s=round(one_s, 3), two_runs_at_once_s=round(two_s, 3),
                  embedded_one_at_a_time_s=round(median(embedded), 3),
                  rounds_one_s=[round(v, 3) for v in one], rounds_two_s=[round(v, 3) for v in two],
                  rounds_embedded_s=[round(v, 3) for v in embedded],
                  note="ratio = one run at a time / two runs at once (scale profile); a run = one process "
                       "building articles and mentions of one day with one CPU; embedded = the same runs on "
                       "the DuckDB file, one at a time")


def run_one_day(day: str) -> None:
    """One backfill run: articles and mentions of ``day`` from stored HTML, on the configured profile."""
    from monitor_pipeline import stages
    from monitor_pipeline.storage import warehouse
    from monitor_pipeline.storage.profile import profile_from_env

    connect = warehouse.profile_connection_factory(profile_from_env(), warehouse.warehouse_path())
    stages.build_articles(connect, day, workers=1)
    stages.tag_articles(connect, day, workers=1)


if __name__ == "__main__":
    run_one_day(sys.argv[1])

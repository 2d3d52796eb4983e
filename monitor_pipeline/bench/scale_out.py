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
from concurrent.futures import ThreadPoolExecutor
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


def _run_day(day: str, env: dict[str, str]) -> float:
    """One run (a process of its own) for ``day``; returns the CPU seconds it used (user + system)."""
    with tempfile.TemporaryFile(mode="w+") as err:
        proc = subprocess.Popen([sys.executable, "-m", "monitor_pipeline.bench.scale_out", day], env=env,
                                stdout=subprocess.DEVNULL, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own resource usage
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"the backfill run of {day} failed: {err.read()[-3000:]}")
    return usage.ru_utime + usage.ru_stime


def _backfill(days: list[str], at_once: int, env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds to run one process per day, ``at_once`` of them at a time (a freed slot takes the
    next day at once, as a run queue does), and the CPU seconds the runs used in all."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=at_once) as slots:
        cpu = sum(slots.map(lambda day: _run_day(day, env), days))
    return time.perf_counter() - started, cpu


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
            one, two, embedded = [], [], []  # (wall s, CPU s) per round
            for r in range(rounds):
                sides = [("one", 1), ("two", 2)] if r % 2 == 0 else [("two", 2), ("one", 1)]
                for name, at_once in sides:
                    (one if name == "one" else two).append(_backfill(day_keys, at_once, scale))
                embedded.append(_backfill(day_keys, 1, base))
    finally:
        server.stop()
        server.remove()
    one_s, two_s = median([w for w, _ in one]), median([w for w, _ in two])
    one_cpu, two_cpu = median([c for _, c in one]), median([c for _, c in two])
    return result(ratio(one_s, two_s), TARGET, rounds, "the same backfill in the scale profile, one run at a time "
                  "(same run, alternating)", lower_is_better=False, days=days, pages_per_day=pages_per_day,
                  one_run_at_a_time_s=round(one_s, 3), two_runs_at_once_s=round(two_s, 3),
                  embedded_one_at_a_time_s=round(median([w for w, _ in embedded]), 3),
                  rounds_one_s=[round(w, 3) for w, _ in one], rounds_two_s=[round(w, 3) for w, _ in two],
                  rounds_embedded_s=[round(w, 3) for w, _ in embedded],
                  # the runs' own CPU seconds: equal on both sides when running two at once costs nothing more
                  runs_cpu_one_s=round(one_cpu, 3), runs_cpu_two_s=round(two_cpu, 3),
                  runs_cpu_rounds_one_s=[round(c, 3) for _, c in one],
                  runs_cpu_rounds_two_s=[round(c, 3) for _, c in two],
                  cpu_per_wall_one=round(one_cpu / one_s, 3) if one_s else None,
                  note="ratio = one run at a time / two runs at once (scale profile); a run = one process "
                       "building articles and mentions of one day with one CPU; embedded = the same runs on "
                       "the DuckDB file, one at a time; runs_cpu = user + system seconds of the run processes "
                       "(Postgres excluded); cpu_per_wall_one above 1 means a run alone already uses more than one "
                       "core, which caps what two at once can gain")


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

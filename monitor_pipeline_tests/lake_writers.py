"""Partition writers for the scale profile's concurrency and fault tests: each writes one day's rows of
``articles`` and ``company_mentions`` through the pipeline's own write path (a spool, then
``PartitionSpool.publish``: one replace-and-insert transaction, retried on lake conflicts).

Run as a process: ``python -m monitor_pipeline_tests.lake_writers DAY VERSION ROWS [REPEAT]``, the
profile taken from the environment (MONITOR_PROFILE=scale…)."""
from __future__ import annotations

import sys
from datetime import date, datetime, timezone

from monitor_pipeline.storage import lake, warehouse
from monitor_pipeline.storage.profile import profile_from_env
from monitor_pipeline.storage.spool import PartitionSpool

TABLES = ("articles", "company_mentions")


def partition_rows(day: str, version: int, rows: int) -> dict[str, list[dict]]:
    """Deterministic rows of one day: ``version`` changes every text, so a reader can tell versions apart."""
    first_seen = datetime.fromisoformat(day).replace(tzinfo=timezone.utc)
    articles = [{"article_id": f"{day}-{i:05d}", "partition_day": date.fromisoformat(day), "source_id": f"s{i % 7}",
                 "status": "ok", "title": f"v{version} title {i}", "text": f"v{version} text {i} " * 20,
                 "word_count": 40, "first_seen_at": first_seen, "cluster_id": f"{day}-{i:05d}"}
                for i in range(rows)]
    mentions = [{"article_id": a["article_id"], "partition_day": a["partition_day"], "company_id": f"c{i % 11}",
                 "company_name": f"Company {i % 11}", "surface": f"v{version}", "via": "alias", "char_start": i,
                 "char_end": i + 3, "sentence": a["title"], "tagger_version": f"v{version}", "known": True}
                for i, a in enumerate(articles)]
    return {"articles": articles, "company_mentions": mentions}


def write_partition(day: str, version: int, rows: int) -> None:
    """One day's rows, published as the stages publish theirs."""
    profile = profile_from_env()
    with PartitionSpool(TABLES) as spool:
        spool.append(partition_rows(day, version, rows))
        with lake.lake_connection(profile) as conn:
            spool.publish(conn, day)


COMPANIES = [{"company_id": f"c{k}", "name": f"Company {k}"} for k in range(11)]


def prepare(profile) -> None:
    """The lake's tables, and the companies the mentions name (the marts' relationship tests check them)."""
    with lake.lake_connection(profile) as conn:
        warehouse.ensure_schema(conn)
        warehouse.upsert_rows(conn, "companies", "company_id", COMPANIES)


def main(argv: list[str]) -> int:
    day, version, rows = argv[0], int(argv[1]), int(argv[2])
    for repeat in range(int(argv[3]) if len(argv) > 3 else 1):
        write_partition(day, version + repeat, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

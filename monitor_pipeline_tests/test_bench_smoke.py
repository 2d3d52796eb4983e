"""Smoke test of the benchmark harness at tiny sizes: it runs, writes both docs files, and every
scenario reports a computed ratio, its target and whether it is met (no timing assertions)."""
from __future__ import annotations

import json

import pytest

from monitor_pipeline.bench import __main__ as bench
from monitor_pipeline.bench.analytics import example_queries
from monitor_pipeline.bench.corpus import Corpus
from monitor_pipeline.bench.server import BenchServers, loopback_hosts


def test_corpus_pages_are_realistic_and_deterministic():
    corpus = Corpus(n_pages=5, n_feeds=2)
    page = corpus.page_html(3)
    assert page == corpus.page_html(3)
    assert 80_000 < len(page) < 200_000
    assert b'lang="fr"' in page and b"cookie" in page
    assert corpus.truth(3), "every page cites at least its lead company"
    assert b"/articles/1.html" in corpus.feed_xml(1, "http://127.0.0.2:1") and list(corpus.pages_of(1)) == [1, 3]


def test_server_answers_conditional_feed_requests_with_304():
    import urllib.request

    corpus = Corpus(n_pages=4, n_feeds=2)
    with BenchServers(corpus, loopback_hosts(2)) as servers:
        with urllib.request.urlopen(servers.feed_url(1), timeout=10) as resp:
            etag = resp.headers["ETag"]
            assert resp.status == 200 and b"<rss" in resp.read()
        request = urllib.request.Request(servers.feed_url(1), headers={"If-None-Match": etag})
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(request, timeout=10)
        assert err.value.code == 304
        assert servers.stats.requests["feed_304"] == 1
        assert servers.feed_url(1).startswith("http://127.0.0.3:")


def test_example_queries_are_parsed_from_the_analysts_guide():
    queries = example_queries()
    assert len(queries) >= 5
    assert all(sql.lstrip().upper().startswith(("SELECT", "WITH")) for _, sql in queries)


@pytest.mark.slow
def test_quick_run_writes_docs_with_ratios(tmp_path):
    code = bench.main(["--tiny", "--rounds", "1", "--out", str(tmp_path),
                       "--only", "feed_polling,stage_costs,against_limit"])
    assert code == 0
    data = json.loads((tmp_path / "benchmarks.json").read_text())
    assert {"against_limit", "nothing_new", "feed_polling", "stage_costs"} <= set(data)
    for key in ("against_limit", "nothing_new", "feed_polling", "stage_costs"):
        result = data[key]
        assert isinstance(result["ratio"], float) and result["ratio"] > 0
        assert isinstance(result["target"], float) and isinstance(result["met"], bool)
    assert data["feed_polling"]["max_in_flight_per_host"] <= data["feed_polling"]["per_host_concurrency"]
    assert data["nothing_new"]["checks"]["pages_fetched_second"] == 0
    text = (tmp_path / "BENCHMARKS.md").read_text()
    assert "python -m monitor_pipeline.bench --tiny" in text and "| against_limit |" in text

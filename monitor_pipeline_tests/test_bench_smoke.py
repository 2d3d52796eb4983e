"""Smoke tests of the benchmark harness at tiny sizes: it runs, writes its files where it should, and
every scenario reports a computed ratio, its target, whether it is met, the rounds run, its
reference and both sides' figures (no timing assertions: timings belong to `make bench`)."""
from __future__ import annotations

import json
import math
import urllib.error
import urllib.request

import pytest

from monitor_pipeline.bench import __main__ as bench
from monitor_pipeline.bench.analytics import example_queries
from monitor_pipeline.bench.corpus import Corpus
from monitor_pipeline.bench.server import BenchServers, loopback_hosts
from monitor_pipeline.bench.truth import PageTags, page_truth, score


def test_corpus_pages_are_realistic_and_deterministic():
    corpus = Corpus(n_pages=5, n_feeds=2)
    page = corpus.page_html(3)
    assert page == corpus.page_html(3)
    assert 80_000 < len(page) < 200_000
    assert b'lang="fr"' in page and b"cookie" in page
    assert corpus.truth(3), "every page cites at least its lead company"
    assert b"/articles/1.html" in corpus.feed_xml(1, "http://127.0.0.2:1") and list(corpus.pages_of(1)) == [1, 3]


def test_hand_written_truth_covers_every_template_and_agrees_with_the_generator():
    corpus = Corpus(n_pages=40, n_feeds=4)
    for i in range(corpus.n_pages):
        truth = page_truth(corpus, i)
        assert truth.companies == set(corpus.truth(i))  # the generator's own record of the names it printed
        text = corpus.page_html(i).decode()
        assert all(org in text for org in truth.organisations)
        assert all(str(headcount) in text for _, headcount in truth.counted_layoffs)
    perfect = {i: page_truth(corpus, i) for i in range(corpus.n_pages)}
    assert all(s["f1"] == 1.0 for s in score(perfect, corpus).values())
    assert score({i: PageTags() for i in range(corpus.n_pages)}, corpus)["companies"]["recall"] == 0.0


def test_server_answers_conditional_feed_requests_with_304():
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


def _check_scenario(result: dict, can_be_negative: bool = False) -> None:
    assert isinstance(result["ratio"], float) and math.isfinite(result["ratio"])
    # a memory slope between two tiny sizes can fall below zero (allocator noise); a time ratio cannot
    assert can_be_negative or result["ratio"] > 0
    assert isinstance(result["target"], float) and isinstance(result["met"], bool)
    assert result["rounds"] >= 1 and result["reference"] and result["mode"] == "tiny"


@pytest.mark.slow
def test_tiny_run_of_the_in_process_scenarios_writes_a_partial_report(tmp_path):
    code = bench.main(["--tiny", "--rounds", "1", "--out", str(tmp_path),
                       "--only", "feed_polling,stage_costs,pipeline_efficiency,against_obvious"])
    assert code == 0
    assert not (tmp_path / "benchmarks.json").exists(), "--only writes the partial files unless --merge"
    data = json.loads((tmp_path / "benchmarks-partial.json").read_text())
    assert data["meta"]["run_id"] and data["meta"]["mode"] == "tiny" and "commit" in data["meta"]
    assert {"pipeline_efficiency", "nothing_new", "feed_polling", "stage_costs", "against_obvious"} == (
        set(data) - {"meta"})
    for key in set(data) - {"meta"}:
        _check_scenario(data[key])
        assert data[key]["run_id"] == data["meta"]["run_id"]
    efficiency = data["pipeline_efficiency"]
    assert efficiency["floor_s"] == max(efficiency["network_floor_s"], efficiency["cpu_floor_s"]) > 0
    assert efficiency["against_bare_trafilatura"] > 0
    obvious = data["against_obvious"]
    assert obvious["ours_rounds_s"] and len(obvious["ours_rounds_s"]) == len(obvious["reference_rounds_s"])
    assert obvious["tags_ours"]["companies"]["f1"] > 0.5 and obvious["tags_reference"]["companies"]["f1"] > 0.5
    assert data["feed_polling"]["max_in_flight_per_host"] <= data["feed_polling"]["per_host_concurrency"]
    assert data["nothing_new"]["checks"]["pages_fetched_second"] == 0
    text = (tmp_path / "BENCHMARKS-partial.md").read_text()
    assert "python -m monitor_pipeline.bench --tiny" in text and "| pipeline_efficiency |" in text

    assert bench.main(["--tiny", "--rounds", "1", "--out", str(tmp_path), "--only", "stage_costs", "--merge"]) == 0
    merged = json.loads((tmp_path / "benchmarks.json").read_text())
    assert set(merged) - {"meta"} == {"stage_costs"} and merged["meta"]["merged_runs"]


@pytest.mark.slow
def test_tiny_run_of_the_warehouse_scenarios(tmp_path):
    """The analysts' and search scenarios fill the warehouse's real tables: a schema change breaks them here,
    not an hour into `make bench`."""
    code = bench.main(["--tiny", "--rounds", "1", "--out", str(tmp_path), "--only", "analyst_queries,article_search"])
    assert code == 0
    data = json.loads((tmp_path / "benchmarks-partial.json").read_text())
    for key in ("analyst_queries", "article_search"):
        _check_scenario(data[key])
    assert data["analyst_queries"]["base_rows"]["layoff_mentions"] > 0
    assert all(q["hits"] > 0 for q in data["article_search"]["queries"])


@pytest.mark.slow
@pytest.mark.timeout(900)  # six fresh processes, each loading Dagster or spaCy: minutes on 2 busy cores
def test_tiny_run_of_the_process_scenarios(tmp_path):
    code = bench.main(["--tiny", "--rounds", "1", "--out", str(tmp_path),
                       "--only", "memory_per_page,launched_run_overhead"])
    assert code == 0
    data = json.loads((tmp_path / "benchmarks-partial.json").read_text())
    _check_scenario(data["launched_run_overhead"])
    memory = data["memory_per_page"]
    _check_scenario(memory, can_be_negative=True)
    assert memory["met"] == (memory["ratio"] <= memory["target"])
    assert memory["base_rss_mb"] > 0 and set(memory["stage_slope_kb_per_page"]) >= {"build_articles", "tag_articles"}
    launched = data["launched_run_overhead"]
    assert launched["launched_last"]["steps_s"] and launched["where_the_extra_goes_last_round_s"]

"""The in-process benchmark scenarios. Each returns ``{"ratio", "target", "met", "rounds",
"reference", …both sides' raw figures}``.

Each scenario runs our side and its reference in the same invocation, alternating them round by
round, for the same number of rounds, and reports medians. Our side pays what a run pays (HTTP on
loopback with the default politeness, DuckDB writes, worker start-up); what a long-running process
keeps (the tagger's knowledge base and spaCy model) is loaded once, before the timing, for both sides.
"""
from __future__ import annotations

import multiprocessing
import os
import re
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from monitor_pipeline.bench import pipeline as product
from monitor_pipeline.bench.corpus import Corpus
from monitor_pipeline.bench.reference import (DESCRIPTION_PIPELINE, DESCRIPTION_POLLER, PoliteClient,
                                              lean_feed_poller, reference_pipeline)
from monitor_pipeline.bench.server import BenchServers, loopback_hosts
from monitor_pipeline.bench.timing import Stopwatch, median, ratio
from monitor_pipeline.bench.truth import PageTags, score

N_HOSTS = 50
_ARTICLE_INDEX = re.compile(r"/articles/(\d+)\.html$")


def usable_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def result(value: float, target: float, rounds: int, reference: str, lower_is_better: bool = True,
           **details) -> dict:
    """A scenario's result: the ratio, its target, whether it is met, the rounds run, what the
    reference is, then the raw figures."""
    met = value <= target if lower_is_better else value >= target
    return {"ratio": round(value, 4), "target": float(target), "met": bool(met), "rounds": rounds,
            "reference": reference, **details}


def _rounded(values) -> list[float]:
    return [round(v, 3) for v in values]


# --------------------------------------------------------------------------- floors
def _extract_only(html: str):
    import trafilatura

    return trafilatura.extract(html)


def _warm_floor_worker(barrier, html: str) -> None:
    _extract_only(html)  # trafilatura imported and its lazy parts loaded
    barrier.wait()


def bare_trafilatura_seconds(htmls: list[str], processes: int) -> float:
    """Bare ``trafilatura.extract`` over the same HTML on ``processes`` cores, in worker processes
    started and warmed up before the timing (spawned: forking this process, which has threads, once
    left a pool worker hung)."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(processes + 1)
    with ctx.Pool(processes, initializer=_warm_floor_worker, initargs=(barrier, htmls[0])) as pool:
        barrier.wait(timeout=300)
        with Stopwatch() as sw:
            pool.map(_extract_only, htmls, chunksize=8)
    return sw.seconds


def stage_cpu_per_page(pages: list[bytes]) -> dict[str, float]:
    """CPU milliseconds per page of each required stage, measured alone (one stage at a time over
    every page, in this process, after a warm-up page)."""
    stages = product.per_page_stage_functions()
    state = pages[0]
    for _, fn in stages:  # warm-up: lazy imports, langdetect profiles, spaCy
        state = fn(state)
    inputs = list(pages)
    per_page = {}
    for name, fn in stages:
        outputs = []
        start = time.process_time()
        for item in inputs:
            outputs.append(fn(item))
        per_page[name] = 1000 * (time.process_time() - start) / len(inputs)
        inputs = outputs
    return {k: round(v, 3) for k, v in per_page.items()}


def network_floor_s(requests_per_host: int, total_requests: int, http, latency_s: float) -> float:
    """The politeness schedule's minimum: a host's requests start ``per_host_min_interval_s`` apart
    (at most ``per_host_concurrency`` in flight), at most ``max_concurrency`` in flight overall; the
    last request then takes ``latency_s``."""
    per_host = max((requests_per_host - 1) * http.per_host_min_interval_s,
                   (requests_per_host / http.per_host_concurrency - 1) * latency_s) + latency_s
    overall = total_requests / http.max_concurrency * latency_s
    return max(per_host, overall)


# --------------------------------------------------------------------------- pipeline_efficiency (+ nothing_new)
def pipeline_efficiency(n_pages: int, rounds: int, cpu_sample_pages: int = 250) -> tuple[dict, dict]:
    """End-to-end wall time of the four stages over ``n_pages`` pages on 50 hosts, against the
    physical floor of the same work measured in the same run: max(network floor, CPU floor). Also
    the immediate re-poll (nothing_new) and bare trafilatura (reported, not a target)."""
    corpus = Corpus(n_pages, N_HOSTS)
    cores = usable_cores()
    sample = [corpus.page_html(i) for i in range(min(n_pages, cpu_sample_pages))]
    htmls = [corpus.page_html(i).decode("utf-8") for i in range(n_pages)]
    product.load_models()
    ours, cpu_rows, bare, stage_rows, second_not_due, second_due, checks = [], [], [], [], [], [], []
    with BenchServers(corpus, loopback_hosts(N_HOSTS)) as servers:
        http = product.http_settings(servers.hosts)
        for _ in range(rounds):
            with tempfile.TemporaryDirectory(prefix="bench-efficiency-") as tmp:
                now = datetime.now(timezone.utc)
                servers.reset_stats()
                run = product.run_stages(servers, Path(tmp) / "w.duckdb", now=now, http=http)
                ours.append(run.total)
                stage_rows.append(run.seconds)
                pages_first = servers.stats.requests["page"]
                # nothing_new: a second poll right away (feeds not due), then when they are due again
                servers.reset_stats()
                immediate = product.run_stages(servers, Path(tmp) / "w.duckdb", now=now, only_ingest=True)
                second_not_due.append(immediate.total)
                servers.reset_stats()
                due = product.run_stages(servers, Path(tmp) / "w.duckdb", now=product.later(now), only_ingest=True)
                second_due.append(due.total)
                poll = due.reports["poll_feeds"]
                checks.append({
                    "pages_fetched_first": pages_first,
                    "pages_fetched_second": servers.stats.requests["page"] + immediate.reports["fetch_pages"].fetched,
                    "feeds_answered_304": servers.stats.requests["feed_304"],
                    "entries_parsed_second": poll.entries_seen + immediate.reports["poll_feeds"].entries_seen,
                    "entries_new_second": poll.entries_new + immediate.reports["poll_feeds"].entries_new,
                    "statuses_second": dict(poll.statuses),
                })
            cpu_rows.append(stage_cpu_per_page(sample))
            bare.append(bare_trafilatura_seconds(htmls, cores))
    pages_per_host = -(-n_pages // N_HOSTS)
    net_floor = network_floor_s(pages_per_host + 1, n_pages + N_HOSTS, http, latency_s=0.0)
    cpu_ms = {k: round(median(r[k] for r in cpu_rows), 3) for k in cpu_rows[0]}
    cpu_floor = sum(cpu_ms.values()) * n_pages / 1000 / cores
    floor = max(net_floor, cpu_floor)
    ours_s = median(ours)
    efficiency = result(
        ratio(ours_s, floor), 1.3, len(ours),
        "the physical floor of the same work, same run: max(network floor = the politeness schedule's minimum "
        "for these requests, CPU floor = the required stages' CPU per page measured alone × pages / cores)",
        pages=n_pages, hosts=N_HOSTS, cores=cores, ours_s=round(ours_s, 3), ours_rounds_s=_rounded(ours),
        stages_s={k: round(median(r[k] for r in stage_rows), 3) for k in stage_rows[0]},
        floor_s=round(floor, 3), network_floor_s=round(net_floor, 3), cpu_floor_s=round(cpu_floor, 3),
        cpu_ms_per_page=cpu_ms, cpu_ms_per_page_total=round(sum(cpu_ms.values()), 3),
        cpu_sample_pages=len(sample), cpu_rounds_ms_per_page=[round(sum(r.values()), 3) for r in cpu_rows],
        per_host_min_interval_s=http.per_host_min_interval_s, per_host_concurrency=http.per_host_concurrency,
        max_concurrency=http.max_concurrency,
        against_bare_trafilatura=ratio(ours_s, median(bare)), bare_trafilatura_s=round(median(bare), 3),
        bare_trafilatura_rounds_s=_rounded(bare),
        avg_page_kb=round(sum(len(h.encode()) for h in htmls) / n_pages / 1024, 1),
        note="ratio = ours / max(network floor, CPU floor); against_bare_trafilatura = ours / bare "
             "trafilatura.extract on the same HTML on every core (reported, not a target)")
    clean = all(c["pages_fetched_second"] == 0 and c["entries_parsed_second"] == 0 for c in checks)
    nothing = result(
        ratio(median(second_due), ours_s), 0.05, len(second_due),
        "the first run of the same day (all four stages), same round", met_checks=clean,
        first_run_s=round(ours_s, 3), second_poll_not_due_s=round(median(second_not_due), 4),
        second_poll_due_s=round(median(second_due), 4), second_poll_due_rounds_s=_rounded(second_due),
        checks=checks[-1], note="second run = poll_feeds + fetch_pages; 'due' = 61 min later, conditional GET "
        "answered 304")
    nothing["met"] = nothing["met"] and clean
    return efficiency, nothing


# --------------------------------------------------------------------------- against_obvious
def tags_from_warehouse(db_path: Path) -> dict[int, PageTags]:
    """Each page's companies, counted layoffs and unknown organisations, read back from the tables a
    side wrote (the same query for both sides)."""
    conn = duckdb.connect(str(db_path), read_only=True)
    try:
        pages = dict(conn.execute("SELECT article_id, url FROM articles").fetchall())
        companies = conn.execute("SELECT article_id, company_id FROM company_mentions").fetchall()
        layoffs = conn.execute("""SELECT article_id, company_id, headcount FROM layoff_mentions
                                  WHERE counted AND headcount IS NOT NULL""").fetchall()
        orgs = conn.execute("SELECT article_id, name FROM org_candidate_mentions").fetchall()
    finally:
        conn.close()
    found: dict[int, PageTags] = {}

    def page(article_id: str) -> PageTags:
        return found.setdefault(int(_ARTICLE_INDEX.search(pages[article_id]).group(1)), PageTags())

    for aid in pages:
        page(aid)
    for aid, company in companies:
        page(aid).companies.add(company)
    for aid, company, headcount in layoffs:
        page(aid).counted_layoffs.add((company, int(headcount)))
    for aid, name in orgs:
        page(aid).organisations.add(name)
    return found


def against_obvious(feeds: int, per_feed: int, latency_s: float, rounds: int) -> dict:
    """Our four stages against the competent sequential reference (bench/reference.py) on the same
    pages with ``latency_s`` per response, alternating, same rounds; tags of both scored against the
    hand-written truth."""
    corpus = Corpus(feeds * per_feed, feeds)
    product.load_models()
    tagger = product.cached_tagger()
    ours, theirs, stage_rows, reference_runs = [], [], [], []
    our_scores = their_scores = None
    with BenchServers(corpus, loopback_hosts(min(N_HOSTS, feeds)), latency_s=latency_s) as servers:
        http = product.http_settings(servers.hosts)
        feed_list = [(f"bench-{j}", servers.feed_url(j)) for j in range(feeds)]

        def our_side() -> None:
            nonlocal our_scores
            with tempfile.TemporaryDirectory(prefix="bench-obvious-") as tmp:
                run = product.run_stages(servers, Path(tmp) / "w.duckdb", http=http)
                ours.append(run.total)
                stage_rows.append(run.seconds)
                our_scores = score(tags_from_warehouse(Path(tmp) / "w.duckdb"), corpus)

        def reference_side() -> None:
            nonlocal their_scores
            with tempfile.TemporaryDirectory(prefix="bench-reference-") as tmp:
                with Stopwatch() as sw, PoliteClient(http.per_host_min_interval_s, http.user_agent,
                                                     http.connect_timeout_s, http.read_timeout_s) as client:
                    reference_runs.append(reference_pipeline(
                        feed_list, Path(tmp) / "w.duckdb", product.BENCH_DAY, client, tagger, product.clean_text,
                        product.ensure_schema, product.counted_layoff_statuses()))
                theirs.append(sw.seconds)
                their_scores = score(tags_from_warehouse(Path(tmp) / "w.duckdb"), corpus)

        for k in range(rounds):  # alternate which side goes first
            for side in ((our_side, reference_side) if k % 2 == 0 else (reference_side, our_side)):
                side()
    speedup = ratio(median(theirs), median(ours))
    better = all(our_scores[kind]["f1"] >= their_scores[kind]["f1"] for kind in our_scores)
    out = result(speedup, 4.0, len(ours), DESCRIPTION_PIPELINE, lower_is_better=False,
                 pages=corpus.n_pages, feeds=feeds, latency_s=latency_s,
                 ours_s=round(median(ours), 3), reference_s=round(median(theirs), 3),
                 ours_rounds_s=_rounded(ours), reference_rounds_s=_rounded(theirs),
                 stages_s={k: round(median(r[k] for r in stage_rows), 3) for k in stage_rows[0]},
                 reference_run=reference_runs[-1], tags_ours=our_scores, tags_reference=their_scores,
                 tags_equal_or_better=bool(better),
                 note="ratio = reference / ours (speed-up); tags scored against the hand-written truth "
                      "(bench/corpus_truth.yaml), from the rows each side wrote")
    out["met"] = out["met"] and better
    return out


# --------------------------------------------------------------------------- feed_polling
def feed_polling(feeds: int, per_feed: int, latency_s: float, rounds: int) -> dict:
    """The product's concurrent fetcher over ``feeds`` feeds against the lean sequential poller."""
    corpus = Corpus(feeds * per_feed, feeds)
    ours, theirs, max_in_flight = [], [], []
    with BenchServers(corpus, loopback_hosts(N_HOSTS), latency_s=latency_s) as servers:
        http = product.http_settings(servers.hosts)
        urls = [servers.feed_url(j) for j in range(feeds)]

        def our_side() -> None:
            servers.reset_stats()
            with Stopwatch() as sw:
                results = product.fetch_all(urls, http, kind="feed")
            ours.append(sw.seconds)
            max_in_flight.append(servers.max_in_flight_per_host)
            failed = [r.error for r in results if not r.ok]
            if failed:
                raise RuntimeError(f"feed_polling: {len(failed)} feeds failed, e.g. {failed[:3]}")

        def reference_side() -> None:
            with Stopwatch() as sw, PoliteClient(http.per_host_min_interval_s, http.user_agent,
                                                 http.connect_timeout_s, http.read_timeout_s) as client:
                lean_feed_poller(urls, client)
            theirs.append(sw.seconds)

        for k in range(rounds):
            for side in ((our_side, reference_side) if k % 2 == 0 else (reference_side, our_side)):
                side()
    feeds_per_host = -(-feeds // N_HOSTS)
    our_floor = network_floor_s(feeds_per_host, feeds, http, latency_s)
    usable = min(http.max_concurrency, N_HOSTS * http.per_host_concurrency)
    their_floor = feeds * latency_s
    ours_s, theirs_s = median(ours), median(theirs)
    out = result(ratio(theirs_s, ours_s), 8.0, len(ours), DESCRIPTION_POLLER, lower_is_better=False,
                 feeds=feeds, entries_per_feed=per_feed, hosts=N_HOSTS, latency_s=latency_s,
                 ours_s=round(ours_s, 3), reference_s=round(theirs_s, 3), ours_rounds_s=_rounded(ours),
                 reference_rounds_s=_rounded(theirs), usable_concurrency=usable,
                 ours_floor_s=round(our_floor, 3), ours_to_floor=ratio(ours_s, our_floor),
                 reference_floor_s=round(their_floor, 3), reference_to_floor=ratio(theirs_s, their_floor),
                 max_in_flight_per_host=max(max_in_flight), per_host_concurrency=http.per_host_concurrency,
                 per_host_min_interval_s=http.per_host_min_interval_s,
                 note="ratio = reference / ours; ours_floor = max(feeds / usable concurrency × latency, a host's "
                      "feeds at the politeness interval + latency); reference_floor = feeds × latency")
    out["met"] = out["met"] and max(max_in_flight) <= http.per_host_concurrency
    return out


# --------------------------------------------------------------------------- stage_costs
def stage_costs(n_pages: int, rounds: int) -> dict:
    """Per-stage CPU per article on ``n_pages`` pages (each stage alone), median of ``rounds``."""
    corpus = Corpus(n_pages, 10)
    pages = [corpus.page_html(i) for i in range(n_pages)]
    product.load_models()
    rows = [stage_cpu_per_page(pages) for _ in range(rounds)]
    per_article_ms = {k: round(median(r[k] for r in rows), 3) for k in rows[0]}
    text_stages = sum(per_article_ms[k] for k in ("clean", "language", "dedupe_signature"))
    tagging = per_article_ms["tag"]
    extraction = per_article_ms["extract"]
    return result(ratio(text_stages, extraction), 1.0, len(rows), "extraction's own CPU per article (same run)",
                  pages=n_pages, per_article_ms=per_article_ms, after_extraction_ms=round(text_stages, 3),
                  extraction_ms=extraction, tagging_ms=round(tagging, 3),
                  with_tagging_ratio=ratio(text_stages + tagging, extraction),
                  note="ratio = the text stages after extraction (clean + language + dedupe signature) / "
                       "extraction (CPU time, each stage alone); with_tagging_ratio adds tagging (the product's "
                       "Tagger.tag per article: rules, parse and NER), informational")

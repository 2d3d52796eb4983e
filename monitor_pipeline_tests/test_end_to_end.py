"""End to end on real parts: the sample corpus on a loopback HTTP server, a real Dagster instance in a
temp DAGSTER_HOME, real dbt, and the warehouse of each profile: a real DuckDB file (embedded), a real
DuckLake with its catalog in a real PostgreSQL server (scale). One partition is materialized twice: the
counts match what the corpus was written to produce, and the second run leaves every data table
identical. The analysts' copy and what reads it (search, the SQL prompt, charts, the notebook, Parquet
export) exist in the embedded profile only; in the scale profile analysts read the lake itself."""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from monitor_pipeline.storage import lake, warehouse
from monitor_pipeline.storage.profile import WarehouseProfile, profile_from_env
from monitor_pipeline.storage.sql_text import attach_sql
from monitor_pipeline_tests.conftest import set_scale_profile
from monitor_pipeline.defs.policies import today_partition_key
from monitor_pipeline.demo import run_sample_partition
from monitor_pipeline.sample_server import SAMPLE_CORPUS_DIR, SampleCorpusServer

pytestmark = pytest.mark.slow

# Operational logs change with every poll by design (a poll is an event); data tables must not.
DATA_TABLES = ("feed_entries", "article_pages", "articles", "company_mentions", "numeric_facts",
               "layoff_mentions", "org_candidate_mentions", "company_mentions_daily", "layoff_mentions_daily",
               "layoff_events", "layoff_event_mentions", "layoff_event_resolution",
               "layoff_event_resolution_mentions", "metric_mentions", "company_trends", "org_candidates")
STATUS_OF_EXPECTED = {"ok": "ok", "paywalled": "paywalled", "http_404": "http_404", "timeout": "timeout",
                      "tdm_reserved": "tdm_reserved", "robots_disallowed": "robots_disallowed"}


def load_expected() -> dict:
    feeds, pages = {}, []
    for path in sorted((SAMPLE_CORPUS_DIR / "expected").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        feeds.update(data["feeds"])
        pages.extend(data["pages"])
    return {"feeds": feeds, "pages": pages}


# What a test reads: the embedded profile's database file, or the scale profile's lake.
Readable = Path | WarehouseProfile


def read_only(db: Readable) -> duckdb.DuckDBPyConnection:
    if isinstance(db, WarehouseProfile):
        return lake.connect_lake(db, read_only=True)
    return duckdb.connect(str(db), read_only=True)


def snapshot(db: Readable) -> dict[str, list]:
    conn = read_only(db)
    try:
        tables = {r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables "
                                             "WHERE table_catalog = current_database()").fetchall()}
        out = {}
        for table in DATA_TABLES:
            assert table in tables, f"missing table {table}"
            cols = [c for c in (r[0] for r in conn.execute(f"DESCRIBE {table}").fetchall())]
            out[table] = sorted(conn.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall(), key=repr)
        return out
    finally:
        conn.close()


@pytest.fixture(scope="module", params=["embedded", "scale"])
def pipeline_runs(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"e2e-{request.param}")
    db_path = root / "data" / "warehouse.duckdb"
    db_path.parent.mkdir()
    mp = pytest.MonkeyPatch()
    mp.setenv("MONITOR_WAREHOUSE_PATH", str(db_path))
    mp.setenv("MONITOR_ALERT_LEDGER_PATH", str(root / "data" / "alerts.duckdb"))
    mp.delenv("MONITOR_ALERT_URLS", raising=False)
    mp.delenv("MONITOR_PROFILE", raising=False)
    if request.param == "scale":
        set_scale_profile(mp, request.getfixturevalue("postgres_server"), root)
    profile = profile_from_env()
    db: Readable = profile if profile.is_scale else db_path
    mp.delenv("MONITOR_SUBSCRIPTIONS", raising=False)
    mp.setenv("MONITOR_ALERT_DIGEST_THRESHOLD", "1000")  # one alert per event, never a digest
    alerts_file = root / "data" / "alerts.jsonl"  # the default subscription's file channel
    day = today_partition_key()
    (root / "dagster_home").mkdir()
    try:
        with dg.instance_for_test(temp_dir=str(root / "dagster_home")) as instance:
            with SampleCorpusServer() as server:
                first = run_sample_partition(server, day, instance, registry_dir=str(root))
                assert first.success, [e.message for e in first.all_events if e.is_failure]
                snap_first = snapshot(db)
                alerts_first = alerts_file.read_text(encoding="utf-8").splitlines()
                requests_first = list(server.requests)
                second = run_sample_partition(server, day, instance, registry_dir=str(root))
                assert second.success
                snap_second = snapshot(db)
                alerts_second = alerts_file.read_text(encoding="utf-8").splitlines()
                requests_second = server.requests[len(requests_first):]
            yield {"db": db, "day": day, "first": snap_first, "second": snap_second, "profile": request.param,
                   "analysts": db if profile.is_scale else warehouse.analytics_path(str(db_path)),
                   "data_dir": db_path.parent, "warehouse_file": db_path,
                   "requests_first": requests_first, "requests_second": requests_second, "instance": instance,
                   "base_url": server.base_url, "first_result": first,
                   "alerts_first": [json.loads(line) for line in alerts_first],
                   "alerts_second": [json.loads(line) for line in alerts_second]}
    finally:
        mp.undo()


def embedded_only(pipeline_runs) -> Path:
    """The analysts' copy: skips the test in the scale profile, which publishes none."""
    if pipeline_runs["profile"] != "embedded":
        pytest.skip("the analysts' copy (and search, the SQL prompt, charts, the notebook over it) is embedded-only: "
                    "in the scale profile analysts attach the lake")
    return warehouse.analytics_path(str(pipeline_runs["warehouse_file"]))


@pytest.fixture(scope="module")
def expected():
    return load_expected()


def query(db: Readable, sql: str, params=()):
    conn = read_only(db)
    try:
        return conn.execute(sql, list(params)).fetchall()
    finally:
        conn.close()


def articles_by_path(db: Readable, base_url: str) -> dict[str, dict]:
    rows = query(db, "SELECT article_id, url, status, language, cluster_id, source_id FROM articles")
    return {url[len(base_url):]: {"id": aid, "status": st, "language": lang, "cluster": cl, "source": src}
            for aid, url, st, lang, cl, src in rows}


def test_every_asset_materialized_for_the_partition(pipeline_runs):
    result = pipeline_runs["first_result"]
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    for key in ("feed_entries", "article_pages", "articles", "company_mentions", "layoff_mentions",
                "company_mentions_daily", "layoff_mentions_daily", "analytics_copy"):
        assert key in materialized


def test_second_run_leaves_every_data_table_identical(pipeline_runs):
    assert pipeline_runs["first"] == pipeline_runs["second"]


def test_second_run_fetches_no_feed_and_no_page(pipeline_runs):
    assert pipeline_runs["requests_second"] == []  # feeds are not due yet, and pages are fetched once


def test_articles_per_source(pipeline_runs, expected):
    counts = dict(query(pipeline_runs["db"], "SELECT source_id, count(*) FROM articles GROUP BY source_id"))
    assert counts == {feed: spec["entries"] for feed, spec in expected["feeds"].items()}


def test_article_status_and_language(pipeline_runs, expected):
    arts = articles_by_path(pipeline_runs["db"], pipeline_runs["base_url"])
    for page in expected["pages"]:
        art = arts[page["path"]]
        assert art["status"] == STATUS_OF_EXPECTED[page["status"]], page["path"]
        if page["status"] in ("ok", "paywalled"):
            assert art["language"] == page["language"], page["path"]


def test_publisher_opt_outs_keep_feed_metadata_and_count_in_source_health(pipeline_runs, expected):
    """The corpus robots.txt disallows /jdn/prive/ and one JDN page reserves TDM rights: both entries keep
    their feed title and summary, neither body is stored or tagged, and source_health_daily counts them.
    robots.txt and tdmrep.json are read once for the whole run (kept in origin_rules between stages)."""
    base, db = pipeline_runs["base_url"], pipeline_runs["db"]
    requests = [path.split("?")[0] for path in pipeline_runs["requests_first"]]
    assert "/jdn/prive/salaires-metiers-ia-2026.html" not in requests
    assert requests.count("/robots.txt") == 1 and requests.count("/.well-known/tdmrep.json") == 1
    opted_out = {p["path"]: p for p in expected["pages"] if p["status"] in ("tdm_reserved", "robots_disallowed")}
    assert len(opted_out) == 2
    for path, page in opted_out.items():
        [(status, title, text, words)] = query(db, "SELECT status, title, text, word_count FROM articles WHERE url = ?",
                                               [base + path])
        [(summary,)] = query(db, "SELECT summary FROM feed_entries WHERE url = ?", [base + path])
        assert (status, words) == (page["status"], 0) and title == page["title"] and text == summary != ""
        assert query(db, "SELECT content_sha256 FROM article_pages WHERE url = ?", [base + path]) == [(None,)]
    reserved = opted_out["/jdn/dossier-mistral-ai-reserve.html"]
    assert query(db, """SELECT count(*) FROM company_mentions JOIN articles USING (article_id)
                        WHERE articles.url = ?""", [base + reserved["path"]]) == [(0,)]
    health = query(db, """SELECT sum(pages_tdm_reserved), sum(pages_robots_disallowed), sum(extraction_failed)
                          FROM source_health_daily WHERE feed_id = 'jdn' AND day = ?""", [pipeline_runs["day"]])
    assert health == [(1, 1, 1)]  # the third is the 404 page: opt-outs are not extraction failures


def _taggable(page) -> bool:
    return page["status"] in ("ok", "paywalled") and page["language"] == "fr"


def test_companies_per_article(pipeline_runs, expected):
    arts = articles_by_path(pipeline_runs["db"], pipeline_runs["base_url"])
    rows = query(pipeline_runs["db"], "SELECT article_id, company_id FROM company_mentions")
    found: dict[str, set] = {}
    for aid, cid in rows:
        found.setdefault(aid, set()).add(cid)
    for page in filter(_taggable, expected["pages"]):
        assert found.get(arts[page["path"]]["id"], set()) == set(page.get("companies") or []), page["path"]


def test_company_articles_in_daily_mart(pipeline_runs, expected):
    expected_articles = Counter(c for p in filter(_taggable, expected["pages"]) for c in set(p.get("companies") or []))
    mart = dict(query(pipeline_runs["db"], "SELECT company_id, sum(articles) FROM company_mentions_daily GROUP BY 1"))
    assert mart == dict(expected_articles)


def test_layoff_mentions_per_article(pipeline_runs, expected):
    arts = articles_by_path(pipeline_runs["db"], pipeline_runs["base_url"])
    rows = query(pipeline_runs["db"], "SELECT article_id, company_id, status, headcount FROM layoff_mentions")
    found: dict[str, Counter] = {}
    for aid, cid, status, headcount in rows:
        found.setdefault(aid, Counter())[(cid, status, headcount)] += 1
    for page in filter(_taggable, expected["pages"]):
        want = Counter((m.get("company"), m["status"], m.get("headcount")) for m in page.get("layoffs") or [])
        assert found.get(arts[page["path"]]["id"], Counter()) == want, page["path"]


def test_syndicated_copies_share_a_cluster_and_others_do_not(pipeline_runs, expected):
    arts = articles_by_path(pipeline_runs["db"], pipeline_runs["base_url"])
    pairs = [(p["path"], p["syndicated_with"]) for p in expected["pages"] if p.get("syndicated_with")]
    assert pairs, "the corpus must contain a syndicated pair"
    for a, b in pairs:
        assert arts[a]["cluster"] == arts[b]["cluster"]
    in_pairs = {x for pair in pairs for x in pair}
    singles = [arts[p["path"]]["cluster"] for p in expected["pages"]
               if p["path"] not in in_pairs and p["status"] in ("ok", "paywalled")]
    assert len(singles) == len(set(singles))


def test_layoff_events_are_real_world_events_across_outlets(pipeline_runs, expected):
    """One event per company's layoff, whatever the outlets: the syndicated Sopra Steria pair and the two
    outlets reporting Accenture's departures (one with the figure, one without) are one event each."""
    arts = articles_by_path(pipeline_runs["db"], pipeline_runs["base_url"])
    counted = {}
    for page in filter(_taggable, expected["pages"]):
        for m in page.get("layoffs") or []:
            if m["status"] in ("announced", "planned", "executed") and m.get("company"):
                counted.setdefault(m["company"], set()).add(arts[page["path"]]["id"])
    events = query(pipeline_runs["db"], "SELECT company_id, articles, sources FROM layoff_events ORDER BY 1")
    # the corpus reports one layoff per company (all within days): one event each, every article behind it
    assert [company for company, _, _ in events] == sorted(counted)
    assert {company: articles for company, articles, _ in events} == {c: len(a) for c, a in counted.items()}
    sources = {company: n for company, _, n in events}
    assert sources["accenture"] == 2 and sources["sopra-steria"] == 2
    supporting = query(pipeline_runs["db"], """
        SELECT e.company_id, m.article_id FROM layoff_event_mentions AS m JOIN layoff_events AS e USING (event_id)""")
    assert {(c, a) for c, a in supporting} == {(c, a) for c, ids in counted.items() for a in ids}


def test_each_event_is_alerted_once_and_the_second_run_alerts_nothing(pipeline_runs):
    event_ids = {r[0] for r in query(pipeline_runs["db"], "SELECT event_id FROM layoff_events")}
    alerted = [re.search(r"Événement : (\S+) \(version (\d+)\)", a["body"]).groups()
               for a in pipeline_runs["alerts_first"]]
    assert sorted(alerted) == sorted((event_id, "1") for event_id in event_ids)
    assert pipeline_runs["alerts_second"] == pipeline_runs["alerts_first"]  # nothing appended


def test_not_counted_mentions_are_never_alerted(pipeline_runs):
    not_counted = query(pipeline_runs["db"], """
        SELECT l.status, l.sentence FROM layoff_mentions AS l
        WHERE NOT l.counted AND l.company_id IS NOT NULL
          AND l.sentence NOT IN (SELECT sentence FROM layoff_mentions WHERE counted)""")
    assert {"negated", "denied", "hypothetical"} <= {status for status, _ in not_counted}  # the corpus has them
    bodies = "\n".join(a["body"] for a in pipeline_runs["alerts_first"])
    for status, sentence in not_counted:
        assert sentence.strip() not in bodies, (status, sentence)


def test_expected_metric_values_are_found(pipeline_runs, expected):
    arts = articles_by_path(pipeline_runs["db"], pipeline_runs["base_url"])
    rows = query(pipeline_runs["db"], "SELECT article_id, value, kind FROM numeric_facts")
    found: dict[str, set] = {}
    for aid, value, kind in rows:
        found.setdefault(aid, set()).add((round(value, 6), kind))
    missing = []
    for page in filter(_taggable, expected["pages"]):
        for m in page.get("metrics") or []:
            if (round(float(m["value"]), 6), m["kind"]) not in found.get(arts[page["path"]]["id"], set()):
                missing.append((page["path"], m["text"]))
    assert missing == []


def test_analytics_copy_is_published_and_readable(pipeline_runs):
    analytics = embedded_only(pipeline_runs)
    rows = query(analytics, "SELECT count(*) FROM company_mentions_daily")
    assert rows[0][0] > 0


def analyst_queries() -> list[str]:
    text = (Path(__file__).resolve().parents[1] / "docs" / "ANALYSTS.md").read_text(encoding="utf-8")
    return [block.split("```", 1)[0] for block in text.split("```sql\n")[1:]]


def test_analysts_guide_has_at_least_eight_queries():
    assert len(analyst_queries()) >= 8


def test_every_analyst_query_gives_its_answer_on_the_demo_data(pipeline_runs, expected):
    from monitor_pipeline.storage import search_index
    from monitor_pipeline.bench.analytics import example_queries
    from monitor_pipeline_tests.analyst_answers import ANSWERS, DemoContext, query_number

    queries = example_queries()
    assert len(queries) == len(analyst_queries())
    assert sorted(query_number(h) for h, _ in queries) == sorted(ANSWERS), "every guide query needs its answer"
    scale = pipeline_runs["profile"] == "scale"
    conn = read_only(pipeline_runs["analysts"])  # the analysts' copy, or the lake itself
    try:
        if not scale:
            search_index.load_fts(conn)  # query 11 is a full-text search
        ctx = DemoContext(conn, expected, pipeline_runs["base_url"], pipeline_runs["day"])
        answered = []
        for heading, sql in queries:
            if scale and "full-text search" in heading:
                continue  # the search index is built into the embedded profile's copy only
            ANSWERS[query_number(heading)](conn.execute(sql).fetchall(), ctx)
            answered.append(query_number(heading))
        assert len(answered) == len(queries) - scale
    finally:
        conn.close()


def test_parquet_export_writes_every_table(pipeline_runs, tmp_path):
    from monitor_pipeline.export_parquet import export_parquet

    analytics = embedded_only(pipeline_runs)
    written = export_parquet(analytics, tmp_path)
    assert "company_mentions_daily" in written
    count = duckdb.sql(f"SELECT count(*) FROM read_parquet('{written['company_mentions_daily']}')").fetchall()[0][0]
    assert count == query(analytics, "SELECT count(*) FROM company_mentions_daily")[0][0]


def test_daily_digest_report_is_written(pipeline_runs):
    report = pipeline_runs["data_dir"] / "reports" / f"digest-{pipeline_runs['day']}.html"
    html = report.read_text(encoding="utf-8")
    assert "<svg" in html and "Plans de licenciements" in html
    top_company = query(pipeline_runs["analysts"],
                        "SELECT company_name FROM company_mentions_daily ORDER BY articles DESC, mentions DESC, company_name LIMIT 1")[0][0]
    assert top_company in html


# --- analysts' tools on the demo data (issue 23): search, the SQL prompt, charts, the notebook ---

def _cli(*args: str, stdin: str | None = None):
    import subprocess
    import sys

    command = [str(Path(sys.executable).with_name("monitor-pipeline")), *args]
    return subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=120)


def test_search_lists_the_departure_plans_first(pipeline_runs):
    import json

    analytics = embedded_only(pipeline_runs)
    done = _cli("search", "plan de départs", "--db", str(analytics), "--json")
    assert done.returncode == 0, done.stderr
    hits = json.loads(done.stdout)["hits"]
    top3 = {h["url"][len(pipeline_runs["base_url"]):] for h in hits[:3]}
    assert top3 == {"/lemagit/atos-plan-departs-volontaires.html", "/silicon/axa-report-plan-departs.html",
                    "/usine-digitale/stmicroelectronics-departs-volontaires.html"}
    assert "plan de départs" in hits[0]["snippet"] and hits[0]["source"] == "LeMagIT (sample)"
    # accents folded: the same ranking without them; --company keeps only that company's articles
    plain = json.loads(_cli("search", "plan de departs", "--db", str(analytics), "--json").stdout)["hits"]
    assert [h["article_id"] for h in plain] == [h["article_id"] for h in hits]
    atos = json.loads(_cli("search", "plan de départs", "--company", "atos", "--db", str(analytics), "--json").stdout)
    assert [h["url"].rsplit("/", 1)[1] for h in atos["hits"]] == ["atos-plan-departs-volontaires.html"]
    text = _cli("search", "plan de départs", "--limit", "2", "--db", str(analytics))
    assert text.returncode == 0 and text.stdout.startswith(" 1. Atos prépare un plan de départs volontaires")
    assert " 3. " not in text.stdout
    refused = _cli("search", "de la", "--db", str(analytics))
    assert refused.returncode == 2 and "only stop words" in refused.stderr


def test_sql_prompt_is_read_only_and_answers_the_first_guide_query(pipeline_runs):
    from monitor_pipeline.bench.analytics import example_queries

    analytics = embedded_only(pipeline_runs)
    first = example_queries()[0][1]
    done = _cli("sql", "--db", str(analytics), stdin=f".mode csv\n{first};\n")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0] == "company_name,mentions,stories,outlet_days" and lines[1].startswith("Mistral AI,")
    assert len(lines) == 11
    refused = _cli("sql", "--db", str(analytics), "-c", "DELETE FROM articles")
    assert refused.returncode != 0 and "read-only" in (refused.stdout + refused.stderr)
    assert query(analytics, "SELECT count(*) FROM articles")[0][0] == len(load_expected()["pages"])


def test_charts_are_written_as_png(pipeline_runs, tmp_path):
    from monitor_pipeline.analytics import charts, queries

    analytics = embedded_only(pipeline_runs)
    written = charts.write_charts(analytics, tmp_path)
    assert sorted(written) == sorted(charts.CHART_FILES)
    for path in written.values():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000, path
    with queries.connect(analytics) as conn:
        weekly = queries.layoff_events_per_week(conn)
        top = queries.top_companies(conn)
        money = queries.largest_money_figures(conn)
        spike_rows = queries.spikes(conn)
    assert weekly["events"].sum() == 15 and set(weekly["status"]) == {"announced", "planned", "executed"}
    assert top["company_name"].iloc[0] == "Amazon" and top["mentions"].iloc[0] == 13
    assert (money["text"].iloc[0], money["value"].iloc[0]) == ("183 milliards de dollars", 183e9)
    assert "Mistral AI" in set(spike_rows["company_name"])
    # the same tables with no row (a new deployment): four figures saying there is nothing yet
    empty = tmp_path / "empty.duckdb"
    with duckdb.connect(str(empty)) as conn:
        conn.execute(attach_sql(analytics, "src", read_only=True))
        for (table,) in conn.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'src' "
                                     "AND schema_name = 'main'").fetchall():
            conn.execute(f"CREATE TABLE {table} AS SELECT * FROM src.main.{table} LIMIT 0")
    assert sorted(charts.write_charts(empty, tmp_path / "empty")) == sorted(charts.CHART_FILES)


def test_analyst_notebook_runs_on_the_demo_data(pipeline_runs, monkeypatch):
    analytics = embedded_only(pipeline_runs)
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:
        pytest.skip("no python3 Jupyter kernel: install the dev extras (ipykernel)")
    path = Path(__file__).resolve().parents[1] / "notebooks" / "analyst_tour.ipynb"
    notebook = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") and not c.get("execution_count") for c in notebook.cells
               if c.cell_type == "code"), "commit the notebook without outputs"
    monkeypatch.setenv("MONITOR_WAREHOUSE_PATH", str(pipeline_runs["warehouse_file"]))  # the kernel inherits it
    nbclient.NotebookClient(notebook, timeout=180, kernel_name="python3").execute()
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 4
    assert str(analytics) in "".join(o.get("text", "") for o in outputs)
    assert "Atos prépare un plan de départs" in notebook.cells[-2].outputs[0]["data"]["text/plain"]

"""Full-text search of the analysts' copy on a real DuckDB file (no pipeline run): the index is built by
the publish step, French stemming and accent folding, filters, clear errors, no extension download,
and the same scores as DuckDB's own match_bm25. The demo-data checks are in test_end_to_end.py."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from monitor_pipeline.storage import search_index, warehouse
from monitor_pipeline.core.text.snippet import best_snippet, fold

ARTICLES = [
    # article_id, day, source, title, text
    ("atos", "2026-11-20", "lemagit", "Atos prépare un plan de départs volontaires",
     "Le groupe supprimera 2 500 postes. Le plan de départs volontaires sera présenté aux syndicats."),
    ("feu", "2026-11-21", "zdnet", "Un satellite repère un départ de feu",
     "Les pompiers sont intervenus. Aucun plan d’évacuation n’a été nécessaire."),
    ("mistral", "2026-11-22", "silicon", "Mistral AI lève 2 milliards d’euros",
     "L’entreprise française annonce une levée de fonds record. Les agents IA arrivent dans le support client."),
    ("salesforce", "2026-12-01", "lmi", "Salesforce remplace son support client par des agents IA",
     "Salesforce a supprimé 4 000 postes de support client, remplacés par des « agents » d'IA."),
    ("vide", "2026-12-02", "lmi", None, None),
]


@pytest.fixture
def analytics(warehouse_file):
    """A working database with a few articles, published like the pipeline does it."""
    conn = duckdb.connect(str(warehouse_file))
    try:
        warehouse.ensure_schema(conn)
        conn.executemany("INSERT INTO articles (article_id, partition_day, source_id, url, status, title, text) "
                         "VALUES (?, ?, ?, 'https://example.org/' || ?, 'ok', ?, ?)",
                         [(a, d, s, a, t, x) for a, d, s, t, x in ARTICLES])
        conn.execute("INSERT INTO feeds (feed_id, name, url, language, enabled) "
                     "VALUES ('lemagit', 'LeMagIT', 'https://example.org/f', 'fr', true)")
        conn.execute("INSERT INTO companies (company_id, name) VALUES ('mistral-ai', 'Mistral AI'), "
                     "('salesforce', 'Salesforce')")
        conn.execute("INSERT INTO company_mentions (article_id, partition_day, company_id) VALUES "
                     "('mistral', '2026-11-22', 'mistral-ai'), ('salesforce', '2026-12-01', 'salesforce')")
        counts = warehouse.publish_analytics_copy(conn, warehouse.analytics_path(str(warehouse_file)))
    finally:
        conn.close()
    assert counts["articles"] == len(ARTICLES)
    return warehouse.analytics_path(str(warehouse_file))


@pytest.fixture
def reader(analytics):
    conn = duckdb.connect(str(analytics), read_only=True)
    yield conn
    conn.close()


def ids(hits):
    return [h["article_id"] for h in hits]


def test_publish_builds_the_index_and_leaves_no_scratch_table(reader):
    tables = {(s, t) for s, t in reader.execute(
        "SELECT schema_name, table_name FROM duckdb_tables()").fetchall()}
    assert ("main", "article_search") not in tables and ("main", "search_stopwords") not in tables
    assert (search_index.FTS_SCHEMA, "postings") in tables
    search_index.load_fts(reader)
    assert reader.execute(f"SELECT num_docs FROM {search_index.FTS_SCHEMA}.stats").fetchone()[0] == 4  # 'vide' has no text


def test_french_stemming_and_folded_accents_rank_the_departure_plan_first(reader):
    hits = search_index.search_articles(reader, "plan de départs")
    assert ids(hits)[0] == "atos" and set(ids(hits)) == {"atos", "feu"}
    assert ids(search_index.search_articles(reader, "PLAN DE DEPARTS")) == ids(hits)
    assert ids(search_index.search_articles(reader, "départ")) == ids(search_index.search_articles(reader, "departs"))
    top = hits[0]
    assert top["title"] == "Atos prépare un plan de départs volontaires" and top["source"] == "LeMagIT"
    assert top["day"] == date(2026, 11, 20) and top["url"] == "https://example.org/atos"
    assert top["snippet"] == "Le plan de départs volontaires sera présenté aux syndicats."


def test_typographic_apostrophes_and_guillemets_split_words(reader):
    assert ids(search_index.search_articles(reader, "entreprise")) == ["mistral"]  # "L’entreprise"
    assert ids(search_index.search_articles(reader, "évacuation")) == ["feu"]  # "plan d’évacuation"
    assert "salesforce" in ids(search_index.search_articles(reader, "agents"))  # "« agents »"


def test_scores_are_duckdbs_match_bm25(reader):
    search_index.load_fts(reader)
    for query in ("plan départs", "agents support client", "milliards"):
        hits = search_index.search_articles(reader, query, limit=10)
        reference = reader.execute(
            f"SELECT article_id, score FROM (SELECT article_id, {search_index.FTS_SCHEMA}.match_bm25(article_id, ?) "
            "AS score FROM articles) WHERE score IS NOT NULL ORDER BY score DESC", [query]).fetchall()
        assert [(h["article_id"], h["score"]) for h in hits] == [(a, round(s, 4)) for a, s in reference]


def test_filters_company_since_and_limit(reader):
    assert ids(search_index.search_articles(reader, "agents support client")) == ["salesforce", "mistral"]
    assert ids(search_index.search_articles(reader, "agents support client", company="mistral-ai")) == ["mistral"]
    assert ids(search_index.search_articles(reader, "agents support client", since=date(2026, 11, 23))) == ["salesforce"]
    assert ids(search_index.search_articles(reader, "agents support client", limit=1)) == ["salesforce"]
    assert search_index.search_articles(reader, "introuvable") == []


@pytest.mark.parametrize("query, message", [
    ("", "empty query"), ("   ", "empty query"), ("de la", "only stop words"), ("l’ et des", "only stop words"),
])
def test_bad_queries_get_a_clear_error(reader, query, message):
    with pytest.raises(search_index.SearchQueryError, match=message):
        search_index.search_articles(reader, query)


def test_unknown_company_and_bad_limit_are_refused(reader):
    with pytest.raises(search_index.SearchQueryError, match="did you mean mistral-ai"):
        search_index.search_articles(reader, "plan", company="mistral")
    with pytest.raises(search_index.SearchQueryError, match="at least 1"):
        search_index.search_articles(reader, "plan", limit=0)


def test_a_database_without_index_says_how_to_get_one(tmp_path):
    conn = duckdb.connect(str(tmp_path / "plain.duckdb"))
    with pytest.raises(search_index.SearchUnavailable, match="make demo"):
        search_index.search_articles(conn, "plan")
    conn.close()


def test_the_extension_comes_from_the_package_and_nothing_is_downloaded(analytics, tmp_path):
    path = search_index.fts_extension_path()
    assert path.is_file() and f"v{duckdb.__version__}" in str(path) and "site-packages" in str(path)
    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ, HOME=str(home), MONITOR_WAREHOUSE_PATH=str(analytics.with_name("warehouse.duckdb")))
    cli = str(Path(sys.executable).with_name("monitor-pipeline"))
    done = subprocess.run([cli, "search", "plan de départs", "--json"], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert [h["article_id"] for h in json.loads(done.stdout)["hits"]][0] == "atos"
    assert not (home / ".duckdb").exists(), "DuckDB installed an extension in the home directory"
    conn = duckdb.connect()
    search_index.load_fts(conn)
    assert conn.execute("SELECT current_setting('autoinstall_known_extensions')").fetchone()[0] is False
    loaded, installed = conn.execute(
        "SELECT loaded, installed FROM duckdb_extensions() WHERE extension_name = 'fts'").fetchone()
    assert loaded and not installed  # loaded from the package file, not installed into ~/.duckdb
    conn.close()


def test_cli_errors_exit_with_code_2(analytics, monkeypatch):
    from monitor_pipeline.cli import main

    monkeypatch.setenv("MONITOR_WAREHOUSE_PATH", str(analytics.with_name("warehouse.duckdb")))
    assert main(["search", "de la"]) == 2
    assert main(["search", "plan", "--company", "nobody"]) == 2
    assert main(["search", "plan", "--db", str(analytics.with_name("missing.duckdb"))]) == 2
    with pytest.raises(SystemExit):
        main(["search", "plan", "--since", "hier"])
    with pytest.raises(SystemExit):
        main(["search", "plan", "--limit", "0"])
    assert main(["search", "plan de départs", "--limit", "1"]) == 0


def test_sql_command_opens_the_copy_read_only_with_search_loaded(analytics):
    from monitor_pipeline.commands.sql import cli_command

    sql = ("SELECT article_id FROM (SELECT article_id, fts_main_article_search.match_bm25(article_id, 'plan départs') "
           "AS s FROM articles) WHERE s IS NOT NULL ORDER BY s DESC LIMIT 1")
    done = subprocess.run(cli_command(analytics), input=f".mode list\n.headers off\n{sql};\n", capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "atos"
    write = subprocess.run(cli_command(analytics, "DROP TABLE articles"), capture_output=True, text=True, timeout=60)
    assert write.returncode != 0 and "read-only" in write.stdout + write.stderr


def test_snippet_picks_the_sentence_with_most_query_words():
    text = "Intro sans rapport. Le plan social est prêt. Le plan de départs volontaires est signé. Fin."
    assert best_snippet(text, ["plan", "depart"]) == "Le plan de départs volontaires est signé."
    assert best_snippet(text, ["introuvable"]) == "Intro sans rapport."
    long = "Début " + "mot " * 100 + "le plan de départs " + "suite " * 100 + "."
    snippet = best_snippet(long, ["depart"], width=120)
    assert "départs" in snippet and snippet.startswith("…") and snippet.endswith("…") and len(snippet) <= 125
    assert best_snippet(None, ["x"]) == "" and fold("Départs Éthique") == "departs ethique"


def test_harlequin_gets_the_copy_read_only_and_the_same_init(analytics, tmp_path):
    from monitor_pipeline.commands import sql

    init_file = tmp_path / "init.sql"
    init_file.write_text(sql.init_sql(), encoding="utf-8")
    conn = duckdb.connect(str(analytics), read_only=True)
    conn.execute(init_file.read_text(encoding="utf-8"))  # what Harlequin runs first
    assert conn.execute("SELECT count(*) FROM (SELECT fts_main_article_search.match_bm25(article_id, 'départs') AS s "
                        "FROM articles) WHERE s IS NOT NULL").fetchone()[0] == 2
    conn.close()
    try:
        argv = sql.ide_command(analytics, init_file)
    except FileNotFoundError as exc:
        assert "make sql-ide" in str(exc)  # the optional extra is not installed
    else:
        assert argv[1:] == ["--read-only", "--init-path", str(init_file), str(analytics)]

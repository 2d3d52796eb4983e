"""One alert per real-world layoff, to the people who watch that company (issue 18), on real parts: press
feeds and article pages written for this test on a loopback HTTP server, `monitor-pipeline run --day`
(the daily job through a real Dagster instance, real DuckDB and dbt), a subscriptions file and two real
webhook receivers.

Day 1: two outlets cover Worldline's plan in their own words (not syndicated) and one of them Ubisoft's.
Day 2: a third outlet reports the plan raised to 1 500 jobs, then a second wave of 400 more, while the
webhook of the big-plans subscription is down. Then both days are run again."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from html import escape
from pathlib import Path

import duckdb
import pytest

from monitor_pipeline.core.alerts.ledger import ledger_rows
from monitor_pipeline.sample_server import SampleCorpusServer
from monitor_pipeline_tests.receivers import WebhookReceiver, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]

DAY1, DAY2 = "2026-03-02", "2026-03-09"

# (outlet, slug, day, time, title, paragraphs): original texts, press style.
ARTICLES = [
    ("echo-tech", "worldline-plan-social", DAY1, "08:10", "Worldline taille dans ses effectifs", [
        "Worldline va supprimer 1 200 postes dans le monde, dont environ 400 en France. La direction du "
        "spécialiste des paiements a présenté ce plan mardi aux représentants du personnel.",
        "Le groupe invoque le ralentissement du commerce en ligne et la pression de nouveaux acteurs sur "
        "les commissions prélevées auprès des commerçants.",
        "Les syndicats dénoncent une décision brutale et réclament un accompagnement des salariés "
        "concernés, notamment dans les sites de Lyon et de Seclin.",
    ]),
    ("paiements-hebdo", "worldline-syndicats-document", DAY1, "11:30", "Paiements : Worldline réorganise ses équipes", [
        "Le groupe de paiement Worldline a annoncé mardi la suppression de 1 150 emplois, selon un document "
        "remis aux organisations syndicales.",
        "Les équipes de développement logiciel seraient les plus touchées par cette réorganisation, qui "
        "doit s'étaler sur dix-huit mois.",
        "L'action a pourtant progressé en Bourse dans la matinée, les investisseurs saluant un effort "
        "d'économies attendu depuis plusieurs trimestres.",
    ]),
    ("paiements-hebdo", "ubisoft-studios-europe", DAY1, "14:00", "Ubisoft resserre ses studios européens", [
        "Ubisoft va supprimer 300 postes dans ses studios européens, a annoncé l'éditeur de jeux vidéo mercredi.",
        "La société veut concentrer ses moyens sur un petit nombre de franchises jugées rentables et "
        "abandonne deux projets encore en phase de prototype.",
        "Les studios concernés se trouvent en Allemagne, en Suède et en Espagne, selon la direction.",
    ]),
    ("revue-numerique", "worldline-plan-revu", DAY2, "09:00", "Worldline alourdit son plan de départs", [
        "Worldline supprimera finalement 1 500 postes, a confirmé jeudi la direction devant le comité "
        "social et économique.",
        "Les représentants du personnel jugent ce nouveau chiffrage incompréhensible, quelques jours "
        "seulement après les premières annonces.",
        "La direction assure que les départs volontaires seront privilégiés partout où c'est possible.",
    ]),
    ("revue-numerique", "worldline-deuxieme-vague", DAY2, "16:45", "Worldline : une deuxième vague en Belgique", [
        "Worldline annonce une deuxième vague de 400 suppressions de postes supplémentaires, qui concernera "
        "cette fois ses centres de services en Belgique.",
        "Cette nouvelle étape vise les activités de traitement des transactions, que le groupe veut "
        "regrouper dans un nombre réduit de centres.",
        "Les syndicats belges ont immédiatement appelé à un arrêt de travail.",
    ]),
]
FEEDS_DAY1 = ("echo-tech", "paiements-hebdo")
FEEDS_DAY2 = (*FEEDS_DAY1, "revue-numerique")  # a new feed is due at once; the others are not polled again

SUBSCRIPTIONS = """\
subscriptions:
  - name: tout
    channels: [env:TEST_HOOK_ALL]
  - name: grands-plans
    channels: [env:TEST_HOOK_BIG]
    filters:
      companies: [worldline]
      min_headcount: 1000
"""


def rfc822(day: str, hour: str) -> str:
    from datetime import datetime

    moment = datetime.fromisoformat(f"{day}T{hour}:00+01:00")
    return moment.strftime("%a, %d %b %Y %H:%M:%S +0100")


def page(outlet, slug, day, hour, title, paragraphs) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<meta property="article:published_time" content="{day}T{hour}:00+01:00"></head>'
            f"<body><article><h1>{escape(title)}</h1>{body}</article></body></html>")


def feed(outlet: str) -> str:
    items = "".join(
        f"<item><title>{escape(title)}</title><link>{{{{BASE}}}}/{o}/{slug}.html</link>"
        f"<guid>{{{{BASE}}}}/{o}/{slug}.html</guid><pubDate>{rfc822(day, hour)}</pubDate>"
        f"<description>{escape(paragraphs[0][:120])}</description></item>"
        for o, slug, day, hour, title, paragraphs in ARTICLES if o == outlet)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{outlet}</title>'
            f"<language>fr</language>{items}</channel></rss>")


def write_corpus(root: Path) -> Path:
    site = root / "site"
    for outlet, slug, *rest in ARTICLES:
        (site / outlet).mkdir(parents=True, exist_ok=True)
        (site / outlet / f"{slug}.html").write_text(page(outlet, slug, *rest), encoding="utf-8")
    (site / "feeds").mkdir(parents=True, exist_ok=True)
    for outlet in FEEDS_DAY2:
        (site / "feeds" / f"{outlet}.xml").write_text(feed(outlet), encoding="utf-8")
    return root


def registry(path: Path, base_url: str, outlets) -> Path:
    lines = ["feeds:"] + [f'  - {{id: {o}, name: "{o}", url: "{base_url}/feeds/{o}.xml", language: fr}}'
                          for o in outlets]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).with_name("monitor-pipeline")), *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)


def query(path: Path, sql: str) -> list[tuple]:
    conn = duckdb.connect(str(path), read_only=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def events_of(hook: WebhookReceiver) -> list[tuple[str, str]]:
    """(title, message) of every alert the receiver accepted."""
    return [(r["json"]["title"], r["json"]["message"]) for r in hook.received]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    root = tmp_path_factory.mktemp("events")
    data = root / "data"
    data.mkdir()
    (root / "dagster_home").mkdir()
    (root / "subscriptions.yaml").write_text(SUBSCRIPTIONS, encoding="utf-8")
    with SampleCorpusServer(corpus_dir=write_corpus(root / "corpus")) as server, \
            WebhookReceiver() as hook_all, WebhookReceiver() as hook_big:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        env.update({
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            "DAGSTER_HOME": str(root / "dagster_home"),
            "MONITOR_WAREHOUSE_PATH": str(data / "warehouse.duckdb"),
            "MONITOR_ALERT_LEDGER_PATH": str(data / "alerts.duckdb"),
            "MONITOR_SUBSCRIPTIONS": str(root / "subscriptions.yaml"),
            "MONITOR_ALERT_TIMEOUT_S": "5",
            # a failed delivery is due again at the next run (the default backoff is up to a minute)
            "MONITOR_ALERT_BACKOFF_BASE_S": "0.01", "MONITOR_ALERT_BACKOFF_MAX_S": "0.01",
            "TEST_HOOK_ALL": hook_all.url, "TEST_HOOK_BIG": hook_big.url,
        })
        feeds1 = registry(root / "feeds_day1.yaml", server.base_url, FEEDS_DAY1)
        feeds2 = registry(root / "feeds_day2.yaml", server.base_url, FEEDS_DAY2)
        steps = {}

        def run(name: str, day: str, feeds: Path) -> None:
            done = cli("run", "--day", day, "--feeds", str(feeds), "--allow-host", "127.0.0.1", env=env)
            assert done.returncode == 0, done.stderr[-3000:]
            steps[name] = {"summary": json.loads(done.stdout), "all": events_of(hook_all),
                           "big": events_of(hook_big), "big_rejected": len(hook_big.rejected),
                           "events": query(data / "analytics.duckdb", """
                               SELECT company_id, wave, status, headcount, articles, sources FROM layoff_events
                               ORDER BY company_id, wave"""),
                           "ledger": ledger_rows(data / "alerts.duckdb")}

        run("day1", DAY1, feeds1)
        hook_big.fail_next(1000)  # the big-plans webhook is down during day 2
        run("day2", DAY2, feeds2)
        hook_big.fail_next(0)  # back up: the next run delivers what it missed, once
        run("rerun_day1", DAY1, feeds2)
        run("rerun_day2", DAY2, feeds2)
        yield {"steps": steps, "data": data, "hook_all": hook_all, "hook_big": hook_big}


def test_two_outlets_covering_one_layoff_are_one_event_with_two_sources(scenario):
    day1 = scenario["steps"]["day1"]
    assert day1["events"] == [("ubisoft", 1, "planned", 300, 1, 1), ("worldline", 1, "announced", 1150, 2, 2)]
    assert day1["summary"]["counted_events"] == 2 and day1["summary"]["articles"] == 3


def test_one_alert_per_event_and_matching_subscription(scenario):
    day1 = scenario["steps"]["day1"]
    assert sorted(title for title, _ in day1["all"]) == [
        "Licenciements : Ubisoft — 300 postes (prévu)", "Licenciements : Worldline — 1 150 postes (annoncé)"]
    [(title, message)] = day1["big"]  # Ubisoft is neither Worldline nor 1 000 jobs
    assert title == "Licenciements : Worldline — 1 150 postes (annoncé)"
    assert "Sources (2) : echo-tech, paiements-hebdo" in message
    assert day1["summary"]["alerts_sent"] == {"tout": 2, "grands-plans": 1}


def test_raise_is_one_follow_up_and_second_wave_a_new_event(scenario):
    day2 = scenario["steps"]["day2"]
    assert day2["events"] == [("ubisoft", 1, "planned", 300, 1, 1), ("worldline", 1, "announced", 1500, 3, 3),
                              ("worldline", 2, "announced", 400, 1, 1)]
    new_for_all = day2["all"][len(scenario["steps"]["day1"]["all"]):]
    # one batch: delivered in the ledger's order (event ids), not in the order of the articles
    by_title = dict(new_for_all)
    assert sorted(by_title) == [
        "Licenciements : Worldline (2e vague) — 400 postes (annoncé)",
        "Mise à jour licenciements : Worldline — 1 500 postes (annoncé)"]
    assert "Changements : effectif : 1 150 → 1 500" in by_title[
        "Mise à jour licenciements : Worldline — 1 500 postes (annoncé)"]
    assert day2["summary"]["counted_events"] == 2  # the day's articles report two events


def test_a_channel_down_is_retried_shown_in_the_ledger_and_others_are_unaffected(scenario):
    steps = scenario["steps"]
    day2 = steps["day2"]
    assert day2["big"] == steps["day1"]["big"] and day2["big_rejected"] >= 1  # nothing got through
    assert day2["summary"]["alerts_sent"] == {"tout": 2, "grands-plans": 0}  # "tout" got its two alerts
    [failed] = [r for r in day2["ledger"] if r["subscription"] == "grands-plans" and r["status"] != "sent"]
    assert (failed["status"], failed["kind"], failed["attempts"]) == ("failed", "update", 1)
    assert "500" in failed["last_error"] and failed["next_attempt_at"] is not None
    # the next run (a re-run of day 1) delivers the missed follow-up, once
    rerun = steps["rerun_day1"]
    assert [title for title, _ in rerun["big"][len(day2["big"]):]] == [
        "Mise à jour licenciements : Worldline — 1 500 postes (annoncé)"]
    [delivered] = [r for r in rerun["ledger"] if r["alert_id"] == failed["alert_id"]]
    assert (delivered["status"], delivered["attempts"]) == ("sent", 2)


def test_rerunning_the_same_days_sends_nothing_new_and_keeps_the_events(scenario):
    steps = scenario["steps"]
    assert steps["rerun_day1"]["all"] == steps["day2"]["all"]
    assert steps["rerun_day2"]["all"] == steps["day2"]["all"]
    assert steps["rerun_day2"]["big"] == steps["rerun_day1"]["big"]
    assert steps["rerun_day2"]["events"] == steps["day2"]["events"]
    assert steps["rerun_day2"]["summary"]["alerts_sent"] == {"tout": 0, "grands-plans": 0}
    ids = query(scenario["data"] / "analytics.duckdb", "SELECT event_id FROM layoff_events ORDER BY 1")
    keys = {r["event_key"] for r in steps["rerun_day2"]["ledger"]}
    assert keys == {i for (i,) in ids}  # every alert is about an event of the mart, under its stable id
    # every delivery carried its idempotency key, none twice
    received = scenario["hook_all"].idempotency_keys() + scenario["hook_big"].idempotency_keys()
    assert len(received) == len(set(received)) == 6


def test_the_event_marts_list_the_supporting_articles(scenario):
    # one row per supporting sentence: an article can support its event with more than one
    # (the revised Worldline plan states the figure, then how the departures will be made)
    rows = query(scenario["data"] / "analytics.duckdb", """
        SELECT DISTINCT e.company_id, e.wave, m.source_id, m.article_title, m.published_at
        FROM layoff_event_mentions AS m JOIN layoff_events AS e USING (event_id)
        ORDER BY e.company_id, e.wave, m.published_at""")
    assert [row[:4] for row in rows] == [
        ("ubisoft", 1, "paiements-hebdo", "Ubisoft resserre ses studios européens"),
        ("worldline", 1, "echo-tech", "Worldline taille dans ses effectifs"),
        ("worldline", 1, "paiements-hebdo", "Paiements : Worldline réorganise ses équipes"),
        ("worldline", 1, "revue-numerique", "Worldline alourdit son plan de départs"),
        ("worldline", 2, "revue-numerique", "Worldline : une deuxième vague en Belgique")]
    daily = query(scenario["data"] / "analytics.duckdb", """
        SELECT day::VARCHAR, counted_events, articles FROM layoff_mentions_daily WHERE company_id = 'worldline'
        ORDER BY day""")
    assert daily == [(DAY1, 1, 2), (DAY2, 2, 2)]  # events, not articles

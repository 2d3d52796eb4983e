"""The answer each example query of docs/ANALYSTS.md must give on the demo data (the sample corpus,
one partition), derived from what the corpus was written to contain (sample_corpus/expected/*.yaml).

``ANSWERS`` maps a query's number (its ``### N.`` heading) to a check; test_end_to_end.py runs every
```sql block of the guide and fails when a query has no check here."""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from monitor_pipeline.sample_server import SAMPLE_CORPUS_DIR

COUNTED = ("announced", "planned", "executed")
STRENGTH = {"executed": 0, "announced": 1, "planned": 2}


@dataclass
class DemoContext:
    conn: duckdb.DuckDBPyConnection  # the analysts' copy, read-only
    expected: dict  # {"feeds": {...}, "pages": [...]} from the corpus expectations
    base_url: str
    day: str

    @property
    def taggable(self) -> list[dict]:
        return [p for p in self.expected["pages"] if p["status"] in ("ok", "paywalled") and p["language"] == "fr"]

    def story(self, page: dict) -> str:
        """Syndicated copies are one story (one cluster)."""
        return min(page["path"], page.get("syndicated_with") or page["path"])

    def names(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT name, company_id FROM companies").fetchall())

    def path(self, url: str) -> str:
        assert url.startswith(self.base_url), url
        return url[len(self.base_url):]

    def counted_events(self) -> dict[str, list[dict]]:
        """The real-world layoff events of the corpus and their counted mentions: it reports one layoff
        per company (all within days, compatible figures), whatever the outlets, so one event each."""
        events: dict[str, list[dict]] = defaultdict(list)
        for page in self.taggable:
            for m in page.get("layoffs") or []:
                if m["status"] in COUNTED and m.get("company"):
                    events[m["company"]].append(m)
        return events


def top_companies_this_week(rows, ctx: DemoContext) -> None:
    stories, outlets = defaultdict(set), defaultdict(set)
    for page in ctx.taggable:
        for company in set(page.get("companies") or []):
            stories[company].add(ctx.story(page))
            outlets[company].add(page["feed"])
    ids = ctx.names()
    assert len(rows) == 10
    for name, _mentions, n_stories, outlet_days in rows:
        assert n_stories == len(stories[ids[name]]), name
        assert outlet_days == len(outlets[ids[name]]), name
    assert [r[2] for r in rows] == sorted((r[2] for r in rows), reverse=True)
    assert rows[0][2] == max(len(s) for s in stories.values())
    # no company with more stories than the tenth was left out
    shown = {ids[r[0]] for r in rows}
    assert all(c in shown for c, s in stories.items() if len(s) > rows[-1][2])
    assert rows[0][0] == "Mistral AI"  # 5 stories, most mentions among the three companies with 5


def new_layoff_events(rows, ctx: DemoContext) -> None:
    want = set()
    for company, mentions in ctx.counted_events().items():
        status = min((m["status"] for m in mentions), key=STRENGTH.get)
        headcount = max((m["headcount"] for m in mentions if m.get("headcount")), default=None)
        percent = max((m["percent"] for m in mentions if m.get("percent")), default=None)
        want.add((company, status, headcount, percent))
    ids = ctx.names()
    got = {(ids[r[0]], r[1], r[2], r[3]) for r in rows}
    assert len(rows) == len(want) == 15  # Accenture by two outlets, IBM by two articles: one event each
    assert got == want
    assert ("atos", "planned", 2500, None) in got and ("intel", "planned", None, 15) in got
    published = [r[7] for r in rows]
    assert published == sorted(published, reverse=True)


def mentions_not_counted(rows, ctx: DemoContext) -> None:
    want = Counter()
    for page in ctx.taggable:
        for m in page.get("layoffs") or []:
            if not (m["status"] in COUNTED and m.get("company")):
                want[(m["status"], m.get("company") or "(none)")] += 1
    assert Counter((status, company) for status, company, _ in rows) == want
    assert {s for s, _ in want} == {"contested", "denied", "generic", "hypothetical", "negated", "postponed"}
    assert [(r[0], r[1]) for r in rows] == sorted((r[0], r[1]) for r in rows)


def company_trend_openai(rows, ctx: DemoContext) -> None:
    mentions = ctx.conn.execute("SELECT count(*) FROM company_mentions WHERE company_id = 'openai'").fetchone()[0]
    articles = sum("openai" in (p.get("companies") or []) for p in ctx.taggable)
    assert len(rows) == 1  # one partition: one day of trend
    day, day_mentions, m7, m28, p_value, is_spike = rows[0]
    assert str(day) == ctx.day
    assert day_mentions == m7 == m28 == mentions >= articles == 5
    assert is_spike and p_value < 0.01  # 8 mentions against a floor of 0.1 a day


def money_for_mistral(rows, ctx: DemoContext) -> None:
    metrics = {p["path"]: {(m["text"], float(m["value"])) for m in p.get("metrics") or [] if m["kind"] == "money"}
               for p in ctx.taggable}
    assert rows, "Mistral AI's amounts are in the corpus"
    for _day, text, value, unit, _qualifier, _noun, url in rows:
        assert (text, value) in metrics[ctx.path(url)], (text, url)
        assert unit == "EUR"
    values = [r[2] for r in rows]
    assert values == sorted(values, reverse=True)
    assert (rows[0][1], rows[0][2], rows[0][5]) == ("28 milliards d'euros", 28e9, "valorisation")
    assert ("2 milliards d'euros", "/zdnet/mistral-ai-leve-2-milliards.html") in {(r[1], ctx.path(r[6])) for r in rows}


def largest_headcounts(rows, ctx: DemoContext) -> None:
    events, headcount, denials = Counter(), {}, Counter()
    for company, mentions in ctx.counted_events().items():
        events[company] += 1
        counts = [m["headcount"] for m in mentions if m.get("headcount")]
        if counts:
            headcount[company] = max(counts + [headcount.get(company, 0)])
    for page in ctx.taggable:
        for m in page.get("layoffs") or []:
            if m["status"] in ("negated", "denied"):
                denials[m.get("company") or "generic"] += 1
    got = {r[0]: r[1:] for r in rows}
    for company, (largest, n_events, n_denials) in got.items():
        assert n_events == events[company], company
        assert n_denials == denials[company], company
        assert largest == headcount.get(company), company
    assert set(events) | set(denials) <= set(got)
    assert rows[0][:2] == ("microsoft", 15000)
    assert got["atos"] == (2500, 1, 0)


def feed_health(rows, ctx: DemoContext) -> None:
    pages_by_feed = defaultdict(list)
    for page in ctx.expected["pages"]:
        pages_by_feed[page["feed"]].append(page)
    assert sorted(r[1] for r in rows) == sorted(ctx.expected["feeds"])
    for day, feed, fetches, failures, new_entries, articles, ok, paywalled, failed, french in rows:
        pages = pages_by_feed[feed]
        assert str(day) == ctx.day
        assert (fetches, failures) == (1, 0), feed
        assert new_entries == articles == ctx.expected["feeds"][feed]["entries"] == len(pages), feed
        assert ok == sum(p["status"] == "ok" for p in pages), feed
        assert paywalled == sum(p["status"] == "paywalled" for p in pages), feed
        assert failed == sum(p["status"] in ("http_404", "timeout") for p in pages), feed
        assert french == round(sum(p.get("language") == "fr" for p in pages) / len(pages), 2), feed


def feeds_failing_now(rows, ctx: DemoContext) -> None:
    assert rows == []  # every sample feed answers; the failures are pages, not feeds
    states = ctx.conn.execute("SELECT feed_id, consecutive_failures, disabled_reason FROM feed_state").fetchall()
    assert sorted(s[0] for s in states) == sorted(ctx.expected["feeds"])
    assert all(s[1] == 0 and s[2] is None for s in states)


def syndicated_stories(rows, ctx: DemoContext) -> None:
    pages = {p["path"]: p for p in ctx.expected["pages"]}
    pairs = {tuple(sorted((p["path"], p["syndicated_with"]))) for p in ctx.expected["pages"] if p.get("syndicated_with")}
    assert len(rows) == len(pairs) == 1
    (a, b), (_cluster, copies, outlets, title) = next(iter(pairs)), rows[0]
    assert copies == 2
    assert list(outlets) == sorted([pages[a]["feed"], pages[b]["feed"]])
    assert title in (pages[a]["title"], pages[b]["title"])


def organisations_to_add(rows, ctx: DemoContext) -> None:
    names = [r[0] for r in rows]
    known = {n.lower() for n in ctx.names()}
    assert "WNS" in names  # named in the corpus, deliberately not in the knowledge base
    assert not known & {n.lower() for n in names}, "a known company is in the curation queue"
    assert [r[1] for r in rows] == sorted((r[1] for r in rows), reverse=True)
    assert all(r[2] >= 1 and r[4] and r[0] in r[4] for r in rows)


def _page_text(path: str) -> str:
    raw = (SAMPLE_CORPUS_DIR / "site" / path.lstrip("/")).read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def full_text_search(rows, ctx: DemoContext) -> None:
    """'plan de départs': the pages that say "plan de départs" come first (found from the corpus files)."""
    want = {p["path"] for p in ctx.taggable if "plan de départs" in _page_text(p["path"]).lower()}
    assert len(want) == 3  # Atos, STMicroelectronics, Axa (postponed)
    top = {ctx.path(r[3]) for r in rows[:len(want)]}
    assert top == want
    scores = [r[4] for r in rows]
    assert scores == sorted(scores, reverse=True) and len(rows) == 10


ANSWERS: dict[str, Callable[[list, DemoContext], None]] = {
    "1": top_companies_this_week,
    "2": new_layoff_events,
    "3": mentions_not_counted,
    "4": company_trend_openai,
    "5": money_for_mistral,
    "6": largest_headcounts,
    "7": feed_health,
    "8": feeds_failing_now,
    "9": syndicated_stories,
    "10": organisations_to_add,
    "11": full_text_search,
}


def query_number(heading: str) -> str:
    return heading.split(".", 1)[0].strip()


def guide_path() -> Path:
    return Path(__file__).resolve().parents[1] / "docs" / "ANALYSTS.md"

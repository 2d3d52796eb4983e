"""Alert planning per subscription for resolved events: the issue-18 scenarios, end to end
through resolve_events → plan_event_alerts, with an in-memory ledger."""
from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor_pipeline.core.alerts.event_alerts import (
    EventAlert,
    plan_event_alerts,
    render_event_alert,
    render_event_digest,
)
from monitor_pipeline.core.alerts.event_alerts import AlertedState
from monitor_pipeline.core.alerts.subscriptions import (
    ChannelRef,
    Subscription,
    SubscriptionFilters,
    default_subscriptions,
)
from monitor_pipeline.core.events import EventMention, event_ids_by_mention, resolve_events

DAY0 = date(2026, 3, 2)
FILE = (ChannelRef("file", ""),)
EVERYTHING = Subscription(name="tout", channels=FILE)
BIG_ONES = Subscription(name="gros-plans", channels=FILE, filters=SubscriptionFilters(min_headcount=1000))
ONLY_NORVIA = Subscription(name="norvia", channels=FILE, filters=SubscriptionFilters(companies=frozenset({"norvia"})))
SUBSCRIPTIONS = [EVERYTHING, BIG_ONES, ONLY_NORVIA]


def mention(article_id, *, headcount=900, day_offset=0, source_id="lesechos", status="announced",
            company_id="valdor", sentence="Valdor Industries supprime 900 postes.", cluster_id=None, known=True):
    day = DAY0 + timedelta(days=day_offset)
    return EventMention(
        article_id=article_id, mention_index=0, company_id=company_id, company_name=company_id.title(),
        known=known, status=status, headcount=headcount, headcount_low=None, headcount_high=None,
        headcount_percent=None, day=day, published_at=datetime(day.year, day.month, day.day, 8, tzinfo=UTC),
        source_id=source_id, cluster_id=cluster_id or article_id, sentence=sentence,
        url=f"https://presse.example/{article_id}", article_title=f"Titre {article_id}",
    )


class Ledger:
    """What the alert ledger remembers: the last alerted state per (event, subscription)."""

    def __init__(self) -> None:
        self.state: dict[tuple[str, str], AlertedState] = {}
        self.sent: list[EventAlert] = []

    def tick(self, mentions, subscriptions=SUBSCRIPTIONS, previous_ids=None) -> list[tuple]:
        events = resolve_events(mentions, previous_event_ids=previous_ids)
        alerts = plan_event_alerts(events, subscriptions, self.state)
        for alert in alerts:
            self.state[alert.key] = alert.alerted_state()
            self.sent.append(alert)
        return [(a.kind, a.subscription, a.event.company_id, a.event.headcount, a.version) for a in alerts]


def test_two_outlets_then_a_raise_then_a_second_wave_then_reruns():
    ledger = Ledger()
    day1 = [
        mention("echos-1", headcount=900, source_id="lesechos"),
        mention("figaro-2", headcount=880, source_id="lefigaro",
                sentence="Près de 880 salariés de Valdor sont menacés par la restructuration."),
    ]
    assert ledger.tick(day1) == [("new", "tout", "valdor", 880, 1)]  # one event, two sources
    assert ledger.sent[0].event.source_ids == ("lesechos", "lefigaro")
    raised = [mention("tribune-3", headcount=1300, day_offset=6,
                      sentence="Valdor porte finalement à 1 300 le nombre de postes supprimés.")]
    # a follow-up for "tout"; a first alert for "gros-plans", which the event now concerns
    assert ledger.tick(day1 + raised) == [("update", "tout", "valdor", 1300, 2), ("new", "gros-plans", "valdor", 1300, 1)]
    assert ledger.sent[1].changes == ("effectif : 880 → 1 300",)
    wave = [mention("monde-4", headcount=250, day_offset=12,
                    sentence="Valdor annonce une deuxième vague de 250 suppressions de postes.")]
    assert ledger.tick(day1 + raised + wave) == [("new", "tout", "valdor", 250, 1)]
    # the same days re-run: nothing
    assert ledger.tick(day1 + raised + wave) == []


def test_backfill_of_an_older_day_sends_nothing_new_with_previous_ids():
    ledger = Ledger()
    later = [mention("a5", day_offset=5), mention("a6", day_offset=6, source_id="lemonde")]
    ledger.tick(later)
    previous = event_ids_by_mention(resolve_events(later))
    backfill = [mention("a2", day_offset=2, source_id="ouestfrance", headcount=920)]
    assert ledger.tick(later + backfill, previous_ids=previous) == []


def test_small_drifts_are_not_news_but_add_up_to_one_follow_up():
    ledger = Ledger()
    ledger.tick([mention("a1", headcount=1000)], [EVERYTHING])
    drift = [mention("a1", headcount=1000), mention("a2", headcount=1080, day_offset=1)]
    assert ledger.tick(drift, [EVERYTHING]) == []
    more = drift + [mention("a3", headcount=1150, day_offset=2)]  # 1 150 vs alerted 1 000: +15 %
    assert ledger.tick(more, [EVERYTHING]) == [("update", "tout", "valdor", 1150, 2)]


def test_status_follow_up_only_when_stronger():
    ledger = Ledger()
    planned = [mention("a1", status="planned")]
    ledger.tick(planned, [EVERYTHING])
    done = planned + [mention("a2", status="executed", day_offset=3)]
    assert ledger.tick(done, [EVERYTHING]) == [("update", "tout", "valdor", 900, 2)]
    assert ledger.sent[-1].changes == ("statut : prévu → effectué",)
    # an alerted state stronger than the event (e.g. after re-tagging) is not news either
    state = {(ledger.sent[0].event.event_id, "tout"): AlertedState(headcount=900, status="executed", version=2)}
    assert plan_event_alerts(resolve_events(planned), [EVERYTHING], state) == []


def test_lost_figure_is_not_news():
    event = resolve_events([mention("a1", headcount=None)])[0]
    state = {(event.event_id, "tout"): AlertedState(headcount=900, status="announced", version=1)}
    assert plan_event_alerts([event], [EVERYTHING], state) == []


def test_each_subscription_receives_only_what_its_filters_select():
    ledger = Ledger()
    mentions = [
        mention("a1", company_id="valdor", headcount=1500),
        mention("a2", company_id="norvia", headcount=40, sentence="Norvia supprime 40 postes."),
        mention("a3", company_id="brasserie-du-vexin", headcount=None, known=False,
                sentence="La brasserie licencie une partie de ses salariés."),
    ]
    got = ledger.tick(mentions)
    by_subscription = {}
    for kind, name, company, _, _ in got:
        by_subscription.setdefault(name, set()).add(company)
    assert by_subscription == {
        "tout": {"valdor", "norvia", "brasserie-du-vexin"},
        "gros-plans": {"valdor"},
        "norvia": {"norvia"},
    }
    assert len(got) == 5


def test_the_default_subscription_receives_every_event():
    events = resolve_events([mention("a1"), mention("a2", company_id="norvia")])
    alerts = plan_event_alerts(events, default_subscriptions(), {})
    assert [(a.subscription, a.kind, a.mode) for a in alerts] == [("default", "new", "immediate")] * 2


def test_digest_subscriptions_are_planned_with_their_mode():
    digest = Subscription(name="matin", channels=FILE, mode="daily_digest")
    (alert,) = plan_event_alerts(resolve_events([mention("a1")]), [digest], {})
    assert alert.mode == "daily_digest"


def test_idempotency_keys_are_stable_and_distinct():
    events = resolve_events([mention("a1", headcount=1200)])
    first = plan_event_alerts(events, SUBSCRIPTIONS, {})
    again = plan_event_alerts(events, SUBSCRIPTIONS, {})
    assert [a.idempotency_key for a in first] == [a.idempotency_key for a in again]
    assert len({a.idempotency_key for a in first}) == len(first) == 2
    update = plan_event_alerts(events, [EVERYTHING], {first[0].key: AlertedState(500, "announced", 1)})[0]
    assert update.idempotency_key not in {a.idempotency_key for a in first}
    assert first[0].delivery_id("json://127.0.0.1:9/…") != first[0].delivery_id("file://alerts.jsonl")


def test_plan_does_not_depend_on_the_order_of_events():
    mentions = [mention(f"a{i}", company_id=f"co-{i % 4}", headcount=100 * (i + 1), day_offset=i) for i in range(9)]
    events = resolve_events(mentions)
    reference = plan_event_alerts(events, SUBSCRIPTIONS, {})
    for seed in range(5):
        shuffled = events[:]
        random.Random(seed).shuffle(shuffled)
        assert plan_event_alerts(shuffled, SUBSCRIPTIONS, {}) == reference


def test_conflicting_inputs_are_refused():
    events = resolve_events([mention("a1")])
    with pytest.raises(ValueError, match="unique"):
        plan_event_alerts(events, [EVERYTHING, EVERYTHING], {})


def test_render_names_the_sources_the_change_and_the_wave():
    ledger = Ledger()
    ledger.tick([mention("a1", headcount=800), mention("a2", headcount=790, source_id="lefigaro", day_offset=1)],
                [EVERYTHING])
    title, body = render_event_alert(ledger.sent[0], "http://dagster.local:3000")
    assert title == "Licenciements : Valdor — 790 postes (annoncé)"
    assert "Sources (2) : lesechos, lefigaro" in body
    assert "https://presse.example/a2" in body and "/assets/layoff_events" in body
    ledger.tick([mention("a1", headcount=800), mention("a2", headcount=790, day_offset=1),
                 mention("a3", headcount=1000, day_offset=3),
                 mention("a4", headcount=200, day_offset=4, sentence="Valdor supprime 200 emplois supplémentaires.")],
                [EVERYTHING])
    update, wave = ledger.sent[1:]
    title, body = render_event_alert(update)
    assert title.startswith("Mise à jour licenciements") and "effectif : 790 → 1 000" in body
    assert "(2e vague)" in render_event_alert(wave)[0]
    digest_title, digest_body = render_event_digest(ledger.sent)
    assert digest_title == "Licenciements : 3 événements (2 nouveaux, 1 mises à jour)"
    assert "[MAJ] Valdor" in digest_body


# --------------------------------------------------------------------------- properties


@st.composite
def daily_mentions(draw):
    items = []
    for i in range(draw(st.integers(min_value=1, max_value=12))):
        company = draw(st.sampled_from(["valdor", "norvia"]))
        wave = draw(st.booleans())
        items.append(mention(
            f"art-{i:02d}", company_id=company, day_offset=draw(st.integers(min_value=0, max_value=60)),
            headcount=draw(st.sampled_from([None, 90, 100, 108, 400, 1000, 1200])),
            status=draw(st.sampled_from(["planned", "announced", "executed"])),
            source_id=draw(st.sampled_from(["s1", "s2"])),
            sentence="Norvia et Valdor suppriment à nouveau des postes." if wave else "Des postes sont supprimés.",
        ))
    return items


@given(daily_mentions(), st.integers(min_value=0, max_value=60))
@settings(max_examples=120, deadline=None)
def test_property_day_by_day_alerting_never_repeats_a_new_alert_and_reruns_send_nothing(mentions, cut):
    ledger = Ledger()
    early = [m for m in mentions if (m.day - DAY0).days <= cut]
    first = ledger.tick(early)
    second = ledger.tick(mentions)
    assert ledger.tick(mentions) == []  # a re-run of the same days
    new_keys = [a.key for a in ledger.sent if a.kind == "new"]
    assert len(new_keys) == len(set(new_keys))  # one "new" per (event, subscription), ever
    for alert in ledger.sent[len(first):]:
        if alert.kind == "update":
            assert alert.changes and alert.version >= 2
    assert len(ledger.sent) == len(first) + len(second)

"""Planning and rendering of layoff alerts (pure functions)."""
from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime

import pytest

from monitor_pipeline.core.alerts.planner import (
    AlertedState,
    LayoffEvent,
    PlannedAlert,
    plan_alerts,
    render_alert,
    render_digest,
)

UI = "http://dagster.local:3000"


def make_event(
    event_key: str = "atos:cl-001",
    *,
    status: str = "announced",
    headcount: int | None = 1200,
    percent: float | None = None,
    source_id: str = "lesechos",
    article_id: str = "art-001",
    published_at: datetime | None = datetime(2025, 3, 4, 9, 30, tzinfo=UTC),
) -> LayoffEvent:
    company_id = event_key.split(":", 1)[0]
    name = company_id.replace("-", " ").title()
    return LayoffEvent(
        event_key=event_key,
        company_id=company_id,
        company_name=name,
        status=status,
        headcount=headcount,
        headcount_percent=percent,
        sentence=f"{name} a annoncé mardi la suppression de 1 200 postes en Europe d'ici à 2026.",
        article_id=article_id,
        article_title=f"{name} accélère sa restructuration",
        url=f"https://presse.example/{article_id}",
        source_id=source_id,
        source_name="Les Échos" if source_id == "lesechos" else source_id,
        published_at=published_at,
        partition_day="2025-03-04",
    )


def states_after(plans: list[PlannedAlert]) -> dict[str, AlertedState]:
    """What the ledger remembers once ``plans`` were recorded."""
    return {
        p.event_key: AlertedState(headcount=p.event.headcount, status=p.event.status, version=p.version)
        for p in plans
    }


def test_new_event_gives_one_new_alert():
    plans = plan_alerts([make_event()], {})
    assert [(p.kind, p.event_key, p.version) for p in plans] == [("new", "atos:cl-001", 1)]


def test_same_events_again_give_nothing():
    events = [make_event(), make_event("capgemini:cl-002", headcount=None)]
    first = plan_alerts(events, {})
    assert len(first) == 2
    assert plan_alerts(events, states_after(first)) == []


def test_headcount_change_gives_one_update_saying_what_changed():
    state = {"atos:cl-001": AlertedState(headcount=800, status="announced", version=1)}
    plans = plan_alerts([make_event(headcount=1200)], state)
    assert len(plans) == 1
    update = plans[0]
    assert (update.kind, update.version) == ("update", 2)
    assert update.changes == ("effectif : 800 → 1 200",)
    _, body = render_alert(update, None)
    assert "effectif : 800 → 1 200" in body


def test_status_change_gives_update():
    state = {"atos:cl-001": AlertedState(headcount=1200, status="planned", version=3)}
    plans = plan_alerts([make_event(status="announced")], state)
    assert [(p.kind, p.version, p.changes) for p in plans] == [
        ("update", 4, ("statut : planned → announced",))
    ]


def test_headcount_and_status_change_in_one_update():
    state = {"atos:cl-001": AlertedState(headcount=None, status="planned", version=1)}
    (update,) = plan_alerts([make_event(status="executed", headcount=300)], state)
    assert update.changes == ("effectif : non précisé → 300", "statut : planned → executed")


def test_lost_headcount_is_not_news():
    state = {"atos:cl-001": AlertedState(headcount=1200, status="announced", version=1)}
    assert plan_alerts([make_event(headcount=None)], state) == []


def test_syndicated_copy_adds_nothing():
    original = make_event(source_id="lesechos", article_id="art-001")
    copy = make_event(
        source_id="zdnet-fr",
        article_id="art-777",
        published_at=datetime(2025, 3, 4, 11, 0, tzinfo=UTC),
    )
    plans = plan_alerts([copy, original], {})
    assert len(plans) == 1
    assert plans[0].event.article_id == "art-001"  # earliest publication represents the event
    assert plan_alerts([copy], states_after(plans)) == []


def test_non_counted_statuses_are_ignored():
    events = [make_event("ibm:cl-9", status="denied"), make_event("openai:cl-3", status="hypothetical")]
    assert plan_alerts(events, {}) == []


def test_plan_is_deterministic_whatever_the_input_order():
    events = [
        make_event(f"company-{i}:cl-{i}", published_at=datetime(2025, 3, 1 + i % 5, tzinfo=UTC))
        for i in range(12)
    ] + [make_event("no-date:cl-x", published_at=None)]
    reference = plan_alerts(events, {})
    for seed in range(5):
        shuffled = events[:]
        random.Random(seed).shuffle(shuffled)
        assert plan_alerts(shuffled, {}) == reference
    assert reference[-1].event_key == "no-date:cl-x"  # undated events come last
    dates = [p.event.published_at for p in reference[:-1]]
    assert dates == sorted(dates)


def test_event_without_key_is_refused():
    with pytest.raises(ValueError, match="event_key"):
        plan_alerts([make_event(event_key="")], {})


def test_render_new_alert_in_french_with_all_fields():
    (planned,) = plan_alerts([make_event(percent=8.5)], {})
    title, body = render_alert(planned, UI + "/")
    assert "Atos" in title and "1 200 postes" in title
    for expected in (
        "Entreprise : Atos (atos)",
        "Statut : annoncé (announced)",
        "1 200 postes / 8,5 % des effectifs",
        "« Atos a annoncé mardi la suppression de 1 200 postes",
        "Article : Atos accélère sa restructuration",
        "Lien : https://presse.example/art-001",
        "Source : Les Échos (lesechos)",
        "Publication : 04/03/2025 09:30 UTC",
        f"Dagster : {UI}/assets/layoff_mentions",
    ):
        assert expected in body


def test_render_without_ui_or_headcount():
    (planned,) = plan_alerts([make_event(headcount=None, published_at=None)], {})
    title, body = render_alert(planned, None)
    assert "Dagster" not in body
    assert "Effectif concerné : non précisé" in body
    assert "Publication : inconnue" in body
    assert title.startswith("Licenciements : Atos")


def test_update_title_marks_update():
    state = {"atos:cl-001": AlertedState(headcount=800, status="announced", version=1)}
    (update,) = plan_alerts([make_event()], state)
    title, _ = render_alert(update, None)
    assert title.startswith("Mise à jour")


def test_digest_is_one_message_listing_every_event():
    events = [make_event(f"company-{i}:cl-{i}") for i in range(14)]
    state = {"company-0:cl-0": AlertedState(headcount=500, status="announced", version=1)}
    plans = plan_alerts(events, state)
    title, body = render_digest(plans, UI)
    assert "14 alertes" in title and "13 nouvelles" in title and "1 mise à jour" in title
    for i in range(14):
        assert f"Company {i} —" in body
    assert "[MAJ] Company 0" in body and "effectif : 500 → 1 200" in body
    assert f"{UI}/assets/layoff_mentions" in body


def test_digest_of_nothing_is_refused():
    with pytest.raises(ValueError):
        render_digest([], None)


def test_layoff_event_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        make_event().headcount = 3  # type: ignore[misc]

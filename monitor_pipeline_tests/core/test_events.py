"""Cross-source event resolution (pure functions): one event per real-world layoff."""
from __future__ import annotations

import dataclasses
import random
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor_pipeline.core.events import (
    EventMention,
    ResolutionSettings,
    event_ids_by_mention,
    event_mention_rows,
    event_row,
    headcounts_compatible,
    mention_from_row,
    resolve_events,
    wave_markers_in,
)

DAY0 = date(2026, 3, 2)


def mention(
    article_id: str,
    *,
    company_id: str = "valdor",
    company_name: str = "Valdor Industries",
    known: bool = True,
    status: str = "announced",
    headcount: int | None = 1200,
    low: int | None = None,
    high: int | None = None,
    percent: float | None = None,
    day_offset: int = 0,
    hour: int = 9,
    source_id: str = "lesechos",
    cluster_id: str | None = None,
    index: int = 0,
    sentence: str = "Valdor Industries va supprimer 1 200 postes dans ses usines lorraines.",
) -> EventMention:
    day = DAY0 + timedelta(days=day_offset)
    return EventMention(
        article_id=article_id,
        mention_index=index,
        company_id=company_id,
        company_name=company_name,
        known=known,
        status=status,
        headcount=headcount,
        headcount_low=low,
        headcount_high=high,
        headcount_percent=percent,
        day=day,
        published_at=datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC),
        source_id=source_id,
        cluster_id=cluster_id or article_id,
        sentence=sentence,
        url=f"https://presse.example/{article_id}",
    )


def shape(events) -> list[tuple]:
    """Comparable summary of a resolution: ids, members, status, headcount, wave."""
    return [
        (e.event_id, tuple(m.key for m in e.mentions), e.status, e.headcount, e.wave, len(e.changes))
        for e in events
    ]


# --------------------------------------------------------------------------- the scenarios


def test_two_outlets_with_their_own_wording_make_one_event_with_two_sources():
    first = mention("echos-1", source_id="lesechos", headcount=1200,
                    sentence="Valdor Industries annonce la fermeture de deux sites et la suppression de 1 200 emplois.")
    second = mention("figaro-7", source_id="lefigaro", headcount=1150, day_offset=1,
                     sentence="Chez Valdor, près de 1 150 salariés vont perdre leur poste d'ici l'été.")
    (event,) = resolve_events([first, second])
    assert event.source_ids == ("lesechos", "lefigaro")
    assert event.article_ids == ("echos-1", "figaro-7")
    assert event.headcount == 1150  # the latest stated figure
    assert event.changes == ()  # 1 150 vs 1 200 is the same layoff (within 10 %)
    assert event.wave == 1
    assert event.first_seen < event.last_seen


def test_raised_headcount_is_an_update_of_the_same_event_with_the_change_recorded():
    first = mention("echos-1", headcount=800, status="planned",
                    sentence="Valdor Industries envisage de réduire ses effectifs de 800 personnes.")
    revised = mention("tribune-3", source_id="latribune", headcount=1100, day_offset=9,
                      status="announced",
                      sentence="La direction de Valdor a finalement chiffré son plan à 1 100 postes, bien plus "
                               "que les 800 évoqués en mars.")
    (event,) = resolve_events([revised, first])
    assert (event.headcount, event.status) == (1100, "announced")
    assert [(c.field, c.before, c.after, c.article_id) for c in event.changes] == [
        ("status", "planned", "announced", "tribune-3"),
        ("headcount", 800, 1100, "tribune-3"),
    ]


def test_second_wave_starts_a_new_event():
    first = mention("echos-1", headcount=1200)
    wave = mention("ouest-2", source_id="ouestfrance", headcount=400, day_offset=12,
                   sentence="Valdor Industries taille à nouveau dans ses effectifs : 400 départs s'ajoutent au "
                            "plan de l'hiver.")
    events = resolve_events([first, wave])
    assert [(e.headcount, e.wave) for e in events] == [(1200, 1), (400, 2)]
    assert events[1].wave_markers  # the marker that made it a new wave is kept
    assert events[0].event_id != events[1].event_id


def test_another_outlet_on_the_second_wave_joins_it_and_not_a_third_event():
    first = mention("echos-1", headcount=1200)
    wave = mention("ouest-2", headcount=400, day_offset=12,
                   sentence="Nouvelle vague de licenciements chez Valdor : 400 postes sont concernés.")
    wave_elsewhere = mention("monde-5", source_id="lemonde", headcount=420, day_offset=13,
                             sentence="Valdor annonce 420 suppressions supplémentaires, après un premier plan en mars.")
    later_recap = mention("ftv-9", source_id="francetv", headcount=400, day_offset=15,
                          sentence="Les 400 salariés de Valdor concernés ont reçu leur lettre.")
    events = resolve_events([first, wave, wave_elsewhere, later_recap])
    assert [(e.wave, e.article_ids) for e in events] == [
        (1, ("echos-1",)),
        (2, ("ouest-2", "monde-5", "ftv-9")),
    ]


def test_same_company_forty_days_later_is_a_new_event():
    first = mention("echos-1", headcount=1200)
    much_later = mention("echos-88", headcount=1200, day_offset=40,
                         sentence="Valdor Industries supprime 1 200 emplois en Lorraine.")
    events = resolve_events([first, much_later])
    assert len(events) == 2
    assert [e.wave for e in events] == [1, 1]  # a new story, not a second wave of an open one


def test_the_window_is_measured_from_the_latest_mention_and_configurable():
    chain = [mention(f"a{i}", day_offset=25 * i, headcount=1200) for i in range(3)]
    assert len(resolve_events(chain)) == 1  # each article within 30 days of the previous one
    assert len(resolve_events(chain, ResolutionSettings(window_days=20))) == 3


def test_unknown_companies_resolve_like_known_ones():
    kwargs = dict(company_id="brasserie-du-vexin", company_name="Brasserie du Vexin", known=False)
    first = mention("local-1", headcount=35, **kwargs)
    second = mention("local-2", source_id="actu", headcount=None, day_offset=2, **kwargs)
    wave = mention("local-3", headcount=12, day_offset=5, **kwargs,
                   sentence="La Brasserie du Vexin supprime de nouveau 12 emplois.")
    events = resolve_events([first, second, wave])
    assert [(e.known, e.article_ids, e.wave) for e in events] == [
        (False, ("local-1", "local-2"), 1),
        (False, ("local-3",), 2),
    ]


def test_syndicated_copy_always_joins_its_cluster_event():
    original = mention("afp-1", source_id="afp", headcount=1200)
    # a copy published 45 days later with an edited figure still belongs to its cluster
    copy = mention("blog-9", source_id="blog", headcount=600, day_offset=45, cluster_id="afp-1")
    (event,) = resolve_events([copy, original])
    assert event.article_ids == ("afp-1", "blog-9")


def test_syndicated_copy_of_a_second_wave_joins_the_wave_not_the_first_event():
    first = mention("echos-1", headcount=1200)
    wave = mention("afp-2", source_id="afp", headcount=300, day_offset=10,
                   sentence="Valdor annonce un deuxième plan social portant sur 300 postes.")
    copy = mention("regional-2", source_id="regional", headcount=300, day_offset=10, hour=14,
                   cluster_id="afp-2", sentence="Valdor annonce un deuxième plan social portant sur 300 postes.")
    events = resolve_events([copy, wave, first])
    assert [e.article_ids for e in events] == [("echos-1",), ("afp-2", "regional-2")]


def test_different_companies_never_share_an_event():
    events = resolve_events([mention("a1"), mention("a2", company_id="norvia", company_name="Norvia")])
    assert sorted(e.company_id for e in events) == ["norvia", "valdor"]


def test_non_wave_mention_goes_to_the_open_event_with_the_closest_figure():
    first = mention("a1", headcount=2000)
    wave = mention("a2", headcount=500, day_offset=5,
                   sentence="Troisième vague chez Valdor : 500 postes en moins.")
    about_the_first = mention("a3", headcount=1950, day_offset=8,
                              sentence="Les 1 950 suppressions de Valdor inquiètent les élus.")
    about_the_wave = mention("a4", headcount=520, day_offset=9,
                             sentence="Chez Valdor, 520 salariés quitteront le site de Metz.")
    events = resolve_events([first, wave, about_the_first, about_the_wave])
    assert [e.article_ids for e in events] == [("a1", "a3"), ("a2", "a4")]


def test_status_is_the_strongest_and_never_goes_down():
    done = mention("a1", status="executed")
    recap = mention("a2", status="planned", day_offset=3)
    (event,) = resolve_events([done, recap])
    assert event.status == "executed"
    assert event.changes == ()


def test_headcount_of_an_article_is_its_total_not_a_part():
    total = mention("a1", headcount=1200, index=0)
    part = mention("a1", headcount=300, index=1,
                   sentence="Valdor supprime 1 200 postes, dont 300 en France.")
    (event,) = resolve_events([part, total])
    assert event.headcount == 1200
    assert event.changes == ()


def test_first_figure_after_a_vague_announcement_is_a_change():
    vague = mention("a1", headcount=None, percent=8.0,
                    sentence="Valdor va réduire ses effectifs de 8 %.")
    figure = mention("a2", headcount=640, day_offset=4)
    (event,) = resolve_events([vague, figure])
    assert (event.headcount, event.headcount_percent) == (640, 8.0)
    assert [(c.field, c.before, c.after) for c in event.changes] == [("headcount", None, 640)]


def test_ranges_keep_low_and_high_and_are_compatible_when_they_overlap():
    ranged = mention("a1", headcount=1400, low=1200, high=1400)
    point = mention("a2", headcount=1300, day_offset=2)
    later_range = mention("a3", headcount=1350, low=1250, high=1350, day_offset=3)
    (event,) = resolve_events([ranged, point, later_range])
    assert (event.headcount, event.headcount_low, event.headcount_high) == (1350, 1250, 1350)
    assert event.changes == ()


def test_non_counted_statuses_are_ignored():
    assert resolve_events([mention("a1", status="denied"), mention("a2", status="hypothetical")]) == []


def test_same_mention_twice_counts_once_but_two_versions_of_one_key_are_refused():
    once = mention("a1")
    assert len(resolve_events([once, once])[0].mentions) == 1
    with pytest.raises(ValueError, match="share the key"):
        resolve_events([once, dataclasses.replace(once, headcount=999)])


def test_settings_are_validated():
    with pytest.raises(ValueError, match="window_days"):
        ResolutionSettings(window_days=-1)
    with pytest.raises(ValueError, match="headcount_tolerance"):
        ResolutionSettings(headcount_tolerance=1.5)
    with pytest.raises(ValueError, match="broken"):
        ResolutionSettings(wave_markers=(("broken", "(unclosed"),))


def test_headcounts_compatible_boundaries():
    assert headcounts_compatible(1000, 1100)  # 100 is 9.1 % of the larger figure
    assert headcounts_compatible(1000, 1111)
    assert not headcounts_compatible(1000, 1120)
    assert headcounts_compatible(None, 50)
    assert headcounts_compatible((100, 200), (190, 250))
    assert not headcounts_compatible((100, 200), (260, 300))


# --------------------------------------------------------------------------- wave wording


@pytest.mark.parametrize(
    "sentence",
    [
        "Le constructeur lance une nouvelle vague de départs dans ses agences.",
        "C'est la deuxième vague de licenciements en un an pour le groupe.",
        "Une 3e vague de suppressions frappe le site de Rennes.",
        "Le distributeur prévoit 250 postes supplémentaires supprimés d'ici juin.",
        "Ces 180 suppressions supplémentaires portent le total à 900.",
        "La direction présente un nouveau plan de sauvegarde de l'emploi.",
        "L'éditeur réduit à nouveau la voilure avec 60 départs.",
        "Le groupe licencie de nouveau dans sa filiale belge.",
        "Ces coupes viennent s'ajouter aux 2 000 emplois déjà supprimés l’an dernier.",
        "Après un premier plan en 2025, l'assureur annonce 150 départs.",
        "Un second PSE est sur la table chez le sous-traitant.",
        "De nouvelles suppressions de postes sont attendues au siège.",
    ],
)
def test_wave_markers_found(sentence):
    assert wave_markers_in(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Le groupe a revu à la hausse son plan, désormais porté à 1 400 postes.",
        "Valdor confirme la suppression de 1 200 postes annoncée en janvier.",
        "Les salariés réclament des heures de formation avant leur départ.",
        "Le nouveau directeur général n'a pas commenté les 300 licenciements.",
        "L'usine, qui fabrique de nouveaux modèles, perdra 90 emplois.",
    ],
)
def test_revisions_and_plain_sentences_are_not_waves(sentence):
    assert wave_markers_in(sentence) == ()


# --------------------------------------------------------------------------- stable ids


def test_ids_are_stable_when_later_days_arrive():
    days_1_to_10 = [mention("a1", headcount=1200), mention("a2", headcount=1180, day_offset=9)]
    days_11_12 = [
        mention("a3", headcount=1500, day_offset=10),
        mention("a4", headcount=200, day_offset=11, sentence="Valdor supprime 200 postes supplémentaires."),
    ]
    before = resolve_events(days_1_to_10)
    after = resolve_events(days_1_to_10 + days_11_12)
    assert before[0].event_id == after[0].event_id
    assert after[0].article_ids == ("a1", "a2", "a3")
    assert len(after) == 2
    assert resolve_events(days_1_to_10 + days_11_12) == after  # resolving twice: identical


def test_backfill_of_an_earlier_day_keeps_the_event_id_with_previous_ids():
    later = [mention("a5", headcount=1200, day_offset=5), mention("a6", headcount=1210, day_offset=6)]
    (event,) = resolve_events(later)
    backfilled_day = mention("a2", headcount=1190, day_offset=2, source_id="lemonde")
    without_memory = resolve_events(later + [backfilled_day])
    assert without_memory[0].event_id != event.event_id  # the founder moved: why memory is needed
    (kept,) = resolve_events(later + [backfilled_day], previous_event_ids=event_ids_by_mention([event]))
    assert kept.event_id == event.event_id
    assert kept.first_seen < event.first_seen
    assert kept.article_ids == ("a2", "a5", "a6")


def test_rows_for_the_marts():
    events = resolve_events([mention("a1"), mention("a2", source_id="lefigaro", day_offset=1, headcount=1190)])
    row = event_row(events[0])
    assert (row["articles"], row["sources"], row["headcount"], row["article_id"]) == (2, 2, 1190, "a2")
    rows = event_mention_rows(events[0])
    assert [(r["article_id"], r["is_founding"]) for r in rows] == [("a1", True), ("a2", False)]


def test_a_backfilled_wave_day_that_regroups_mentions_keeps_every_alerted_id():
    """Hypothesis found it: a backfilled day of new-wave sentences pulls both earlier events'
    first mentions into one event; the other event must inherit the id it lost, not a new one."""
    def on(article_id, day, hour, headcount, sentence):
        return mention(article_id, status="planned", headcount=headcount, day_offset=day, hour=hour,
                       sentence=sentence)
    later = [on("art-00", 1, 1, 130, WAVE_SENTENCE), on("art-04", 1, 0, 100, PLAIN_SENTENCE),
             on("art-05", 1, 0, None, WAVE_SENTENCE)]
    backfilled_day = [on(f"art-0{i}", 0, 0, None, WAVE_SENTENCE) for i in (1, 2, 3)]
    first = resolve_events(later)
    assert len(first) == 2
    previous = event_ids_by_mention(first)
    backfilled = resolve_events(later + backfilled_day, previous_event_ids=previous)
    assert {e.event_id for e in backfilled} == {e.event_id for e in first}, "an alerted id vanished"
    assert len({e.event_id for e in backfilled}) == len(backfilled)


# --------------------------------------------------------------------------- properties

WAVE_SENTENCE = "Valdor annonce une nouvelle vague de suppressions."
PLAIN_SENTENCE = "Valdor réduit ses effectifs."


@st.composite
def mention_sets(draw):
    count = draw(st.integers(min_value=1, max_value=14))
    items = []
    for i in range(count):
        company = draw(st.sampled_from(["valdor", "norvia", "petit-atelier"]))
        day = draw(st.integers(min_value=0, max_value=80))
        cluster = draw(st.one_of(st.none(), st.sampled_from([f"c{j}" for j in range(4)])))
        items.append(
            mention(
                f"art-{i:02d}",
                company_id=company,
                company_name=company.title(),
                known=company != "petit-atelier",
                status=draw(st.sampled_from(["planned", "announced", "executed"])),
                headcount=draw(st.sampled_from([None, 100, 105, 130, 400, 1000])),
                day_offset=day,
                hour=draw(st.integers(min_value=0, max_value=23)),
                source_id=draw(st.sampled_from(["s1", "s2", "s3"])),
                cluster_id=f"{company}-{cluster}" if cluster else None,
                sentence=draw(st.sampled_from([WAVE_SENTENCE, PLAIN_SENTENCE])),
            )
        )
    return items


@given(mention_sets(), st.randoms(use_true_random=False))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_property_order_does_not_matter(mentions, rng):
    shuffled = mentions[:]
    rng.shuffle(shuffled)
    assert shape(resolve_events(shuffled)) == shape(resolve_events(mentions))


@given(mention_sets(), st.integers(min_value=0, max_value=80))
@settings(max_examples=150, deadline=None)
def test_property_later_days_never_change_earlier_assignments(mentions, cut):
    early = [m for m in mentions if (m.day - DAY0).days <= cut]
    before = event_ids_by_mention(resolve_events(early))
    after = event_ids_by_mention(resolve_events(mentions))
    assert {k: after[k] for k in before} == before


@given(mention_sets())
@settings(max_examples=150, deadline=None)
def test_property_every_mention_in_exactly_one_event_with_unique_ids(mentions):
    events = resolve_events(mentions)
    keys = [m.key for e in events for m in e.mentions]
    assert sorted(keys) == sorted(m.key for m in mentions)
    assert len({e.event_id for e in events}) == len(events)
    for e in events:
        assert {m.company_id for m in e.mentions} == {e.company_id}
        assert e.first_seen == e.mentions[0].moment and e.last_seen == e.mentions[-1].moment


@given(mention_sets(), st.integers(min_value=0, max_value=80))
@settings(max_examples=150, deadline=None)
def test_property_rerun_and_backfill_with_memory_keep_every_event_id(mentions, missing_day):
    first_pass = [m for m in mentions if (m.day - DAY0).days != missing_day]
    previous = event_ids_by_mention(resolve_events(first_pass))
    rerun = resolve_events(first_pass, previous_event_ids=previous)
    assert event_ids_by_mention(rerun) == previous  # a re-run: nothing moves
    backfilled = resolve_events(mentions, previous_event_ids=previous)
    new_ids = {e.event_id for e in backfilled}
    for e in backfilled:
        prior = {previous[m.key] for m in e.mentions if m.key in previous}
        if prior and e.event_id not in prior:
            # only allowed when every id it could have kept went to an event holding an
            # earlier mention of it (a split caused by the backfill)
            assert prior <= new_ids


def test_shuffled_realistic_story_is_stable():
    story = [
        mention("a1", headcount=800, status="planned"),
        mention("a2", headcount=820, source_id="s2", day_offset=1),
        mention("a3", headcount=1100, day_offset=8),
        mention("a4", headcount=300, day_offset=14, sentence="Valdor ouvre un second plan de 300 départs."),
        mention("a5", headcount=None, day_offset=15, cluster_id="a4"),
        mention("a6", headcount=1200, day_offset=70),
    ]
    reference = shape(resolve_events(story))
    for seed in range(10):
        shuffled = story[:]
        random.Random(seed).shuffle(shuffled)
        assert shape(resolve_events(shuffled)) == reference
    assert [len(s[1]) for s in reference] == [3, 2, 1]


# --------------------------------------------------------------------------- warehouse rows


def test_mention_from_a_warehouse_row_with_pandas_nulls():
    import pandas as pd

    frame = pd.DataFrame(
        {
            "article_id": ["a1", "a2"], "mention_index": [0, 2], "company_id": ["valdor", "brasserie-du-vexin"],
            "company_name": ["Valdor Industries", None], "known": [True, False],
            "status": ["announced", "executed"], "headcount": [1200, None], "headcount_percent": [None, 4.5],
            "day": ["2026-03-02", "2026-03-03"],
            "published_at": [pd.Timestamp("2026-03-02 09:15", tz="UTC"), pd.NaT],
            "source_id": ["lesechos", "actu"], "cluster_id": ["a1", None],
            "sentence": ["Valdor supprime 1 200 postes.", "La brasserie a réduit ses effectifs de 4,5 %."],
            "url": ["https://presse.example/a1", None], "title": ["Valdor taille", None],
        }
    )
    first, second = (mention_from_row(r) for r in frame.to_dict("records"))
    assert (first.headcount, first.day, first.moment.hour, first.article_title) == (1200, date(2026, 3, 2), 9,
                                                                                    "Valdor taille")
    assert (second.headcount, second.headcount_percent, second.published_at) == (None, 4.5, None)
    assert (second.company_name, second.known, second.cluster_id, second.url) == (
        "brasserie-du-vexin", False, None, None)
    assert second.moment == datetime(2026, 3, 3, tzinfo=UTC)
    assert len(resolve_events([first, second])) == 2


def test_mention_from_row_requires_the_known_flag():
    row = {"article_id": "a1", "mention_index": 0, "company_id": "valdor", "status": "announced",
           "day": "2026-03-02", "source_id": "s", "sentence": "x"}
    with pytest.raises(KeyError, match="known"):
        mention_from_row(row)

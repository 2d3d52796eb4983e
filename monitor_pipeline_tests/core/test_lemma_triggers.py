"""Lemma-family triggers (tagger-2.6): cuts worded in ways no lexicon pattern lists, read from the
parse by the verb's lemma family and a quantified job noun among its arguments. Every sentence was
written for these tests (invented companies, figures and places); each escapes the lexicon's
surface patterns (checked in :func:`test_the_sentences_escape_the_lexicon`)."""
from __future__ import annotations

import pytest

from monitor_pipeline.core.tagging.layoffs import find_triggers, LayoffLexicon
from monitor_pipeline.core.tagging.lemma_triggers import FAMILIES, LemmaTriggers
from monitor_pipeline.core.tagging.tagger import Tagger
from monitor_pipeline.core.text.clean import clean_text


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger(with_ner=True)


def mentions(tagger: Tagger, text: str) -> dict[str | None, tuple[str, int | None]]:
    """Every mention: company name (None for company-less) → (status, headcount)."""
    return {l.company_name: (l.status, l.headcount) for l in tagger.tag(clean_text(text)).layoffs}


FOUND = [
    # a pronominal verb of parting, an adverb between the verb and its complement
    ("La start-up Korvalis se passe désormais de 40 graphistes.", {"Korvalis": ("announced", 40)}),
    # a passive of a cutting verb with another complement than the lexicon's
    ("Chez Brindor, 320 postes seront rayés de l'organigramme d'ici 2027.", {"Brindor": ("planned", 320)}),
    # "N de ses M": the number is the verb's object, the job noun its complement
    ("L'éditeur Quarnis remercie 18 de ses 70 salariés.", {"Quarnis": ("announced", 18)}),
    # not renewing contracts named by another noun than "contrats"
    ("Le transporteur Velmont ne reconduira pas les CDD de ses 90 saisonniers.", {"Velmont": ("planned", 90)}),
    # ending contracts with another noun than "fin"
    ("Le chocolatier Ambrelle va mettre un terme aux missions de 35 intérimaires.", {"Ambrelle": ("planned", 35)}),
    # the job noun as the antecedent of a relative "que"
    ("Ce sont 60 emplois que la laiterie Bressol va perdre avec la fermeture de sa tour de séchage.",
     {"Bressol": ("planned", 60)}),
    # closing a site with its jobs in an "avec" complement, or coordinated with the site
    ("La conserverie Kerlouan va fermer son atelier de Douarnenez, avec 70 emplois à la clé.",
     {"Kerlouan": ("planned", 70)}),
    ("Le coutelier Lamerie a fermé en 2024 son atelier de Tulle, et ses 45 postes avec.", {"Lamerie": ("executed", 45)}),
]

NOT_FOUND = [
    "Le groupe Tavernel a perdu 300 clients cette année.",  # no job noun
    "Les salariés de Morlane ont quitté la réunion vers midi.",  # a job noun, not quantified
    "Le groupe Sirvane a renouvelé les contrats de ses 200 intérimaires.",  # renewing is no layoff
    "Le fabricant Orvéal a réduit ses délais de livraison pour 300 clients.",  # the cut is no job's
    "Les 300 salariés de Varenne partiront à la retraite d'ici 2030.",  # retiring is no layoff
    "Le groupe Fontenil a recruté 200 salariés et quitté son siège de Lyon.",  # the jobs are not the verb's
    "Le fabricant Orvéal a fermé son atelier de Tulle et ouvert un site à Brive.",  # a closure without jobs
    "Le plan de formation de Dravelle concerne 150 salariés.",  # a plan that is no plan of cuts
]


@pytest.mark.parametrize("text, expected", FOUND)
def test_cuts_worded_outside_the_lexicon(tagger: Tagger, text: str, expected: dict) -> None:
    assert mentions(tagger, text) == expected


@pytest.mark.parametrize("text", NOT_FOUND)
def test_no_trigger_without_a_quantified_job_noun_or_a_layoff_sense(tagger: Tagger, text: str) -> None:
    assert mentions(tagger, text) == {}


def test_the_sentences_escape_the_lexicon() -> None:
    lexicon = LayoffLexicon.load()
    for text, _ in FOUND:
        assert find_triggers(text, lexicon) == [], text


def test_gate_needs_a_job_noun_and_a_family_stem() -> None:
    lemma = LemmaTriggers(LayoffLexicon.load())
    assert lemma.may_hold("Le groupe se sépare de 40 salariés.")
    assert not lemma.may_hold("Le groupe se sépare de sa filiale.")  # no job noun
    assert not lemma.may_hold("Les salariés votent jeudi.")  # no family verb


def test_without_parser_no_lemma_trigger() -> None:
    rules = Tagger(with_ner=False, with_parser=False)
    assert rules.tag(clean_text(FOUND[0][0])).layoffs == []


def test_families_are_lemmas() -> None:
    assert all(lemma == lemma.lower() and " " not in lemma for lemma in FAMILIES)

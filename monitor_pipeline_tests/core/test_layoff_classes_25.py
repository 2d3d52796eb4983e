"""The rule classes of tagger-2.5, through the whole tagger (knowledge base, spaCy parser and NER).
Every sentence was written for these tests (invented companies, figures and places), one or more per
class of construction: verb families of cutting, shrinking and parting with people, departures
made to happen, jobs lost or left unrenewed, names the tagger reads as pronouns, roles before a
company, relative clauses, and the status words that keep a mention out of counted events."""
from __future__ import annotations

import pytest

from monitor_pipeline.core.text.clean import clean_text
from monitor_pipeline.core.tagging.draft import TagResult
from monitor_pipeline.core.tagging.tagger import Tagger


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger(with_ner=True)


def mentions(tagger: Tagger, text: str) -> dict[str | None, tuple[str, int | None]]:
    """Every mention: company name (None for company-less) → (status, headcount)."""
    result: TagResult = tagger.tag(clean_text(text))
    return {l.company_name: (l.status, l.headcount) for l in result.layoffs}


# trigger families: a verb of cutting with a number of jobs, its passive ----------------------------
@pytest.mark.parametrize("text, expected", [
    ("Le fabricant de meubles Vandor va éliminer 230 postes dans ses usines.", {"Vandor": ("planned", 230)}),
    ("La société Kresto a rayé 150 emplois en un an.", {"Kresto": ("executed", 150)}),
    ("Le groupe Morvel sacrifie 300 postes pour redresser ses marges.", {"Morvel": ("announced", 300)}),
    ("Le constructeur Helvar rabote 500 emplois en Europe.", {"Helvar": ("announced", 500)}),
])
def test_verbs_of_cutting_a_number_of_jobs(tagger: Tagger, text: str, expected: dict) -> None:
    assert mentions(tagger, text) == expected


# shrinking a workforce, and the nouns of the cut
@pytest.mark.parametrize("text, expected", [
    ("Le transporteur Ralvex allège ses effectifs de 120 salariés.", {"Ralvex": ("announced", 120)}),
    ("Le groupe Sorbel comprime ses effectifs pour la deuxième année.", {"Sorbel": ("announced", None)}),
    ("Le sidérurgiste Ferlane prévoit des réductions d'emplois dans ses aciéries.", {"Ferlane": ("planned", None)}),
    ("La destruction de 400 postes chez Quintal inquiète les élus.", {"Quintal": ("announced", 400)}),
    ("L'assureur Prevelis a réduit de 60 le nombre de ses gestionnaires de contrats.", {"Prevelis": ("executed", 60)}),
])
def test_verbs_and_nouns_of_shrinking_a_workforce(tagger: Tagger, text: str, expected: dict) -> None:
    assert mentions(tagger, text) == expected


# parting with people: pronominal verbs, "se passer (des services) de", made to leave
@pytest.mark.parametrize("text, expected", [
    ("Le distributeur Parvel se déleste de 90 vendeurs.", {"Parvel": ("announced", 90)}),
    ("Le studio Marbleo se débarrasse de 25 testeurs.", {"Marbleo": ("announced", 25)}),
    ("La plateforme Vintello se passe des services de 60 traducteurs.", {"Vintello": ("announced", 60)}),
    ("Le chimiste Orlane veut se passer d'un quart de ses salariés.", {"Orlane": ("planned", None)}),
    ("Le spécialiste du jouet Broquin laisse partir 75 employés de son entrepôt.", {"Broquin": ("announced", 75)}),
    ("Le groupe Talvane fait partir 200 cadres de son siège.", {"Talvane": ("announced", 200)}),
])
def test_parting_with_people(tagger: Tagger, text: str, expected: dict) -> None:
    assert mentions(tagger, text) == expected


# jobs lost: left without a job, "à la trappe", "N postes en moins chez X, M chez Y"
@pytest.mark.parametrize("text, expected", [
    ("Les 90 ouvriers de la tannerie Dervaux se retrouveront sans emploi en mars.", {"Dervaux": ("planned", 90)}),
    ("La fermeture de la fonderie Perlin privera d'emploi 140 salariés.", {"Perlin": ("planned", 140)}),
    ("Chez Sorvane, 320 emplois passeront à la trappe.", {"Sorvane": ("planned", 320)}),
    ("Mauvais trimestre pour les assureurs : 50 postes en moins chez Calvia, 30 chez Dorent.",
     {"Calvia": ("announced", 50), "Dorent": ("announced", 30)}),
])
def test_jobs_lost(tagger: Tagger, text: str, expected: dict) -> None:
    assert mentions(tagger, text) == expected


# non-renewal in every tense, "reconduire" like "renouveler"; the negation is the trigger's own
@pytest.mark.parametrize("text, expected", [
    ("Le loueur Movalia n'a pas renouvelé les contrats de 80 intérimaires.", {"Movalia": ("executed", 80)}),
    ("Une centaine de saisonniers ne seront pas reconduits par le parc Astrel cet été.", {"Astrel": ("planned", 100)}),
])
def test_non_renewal_forms(tagger: Tagger, text: str, expected: dict) -> None:
    assert mentions(tagger, text) == expected


def test_thanked_in_the_passive_with_a_vague_number(tagger: Tagger) -> None:
    assert mentions(tagger, "Des dizaines de techniciens vont être remerciés par le groupe Valmer d'ici juin.") == \
        {"Valmer": ("planned", None)}


# unknown companies ---------------------------------------------------------------------------
def test_a_name_the_tagger_reads_as_a_pronoun_is_a_name(tagger: Tagger) -> None:
    assert mentions(tagger, "Dalmor annonce 180 licenciements économiques.") == {"Dalmor": ("announced", 180)}


def test_an_uppercase_role_is_no_name_its_complement_is(tagger: Tagger) -> None:
    assert mentions(tagger, "Le DG de Norvane a confirmé la suppression de 90 postes.") == {"Norvane": ("announced", 90)}


def test_a_relative_pronoun_hung_on_a_verb_stands_for_the_name_before_it(tagger: Tagger) -> None:
    assert mentions(tagger, "Coup dur pour Piravel, qui supprime 40 postes.") == {"Piravel": ("announced", 40)}


def test_a_relative_inside_the_trigger_leaves_the_status_to_the_outer_governor(tagger: Tagger) -> None:
    assert mentions(tagger, "Tarvel gèle son projet de fermeture de trois agences, qui menaçait 60 emplois.") == \
        {"Tarvel": ("postponed", 60)}


# status words that keep a mention out of counted events --------------------------------------
@pytest.mark.parametrize("text, expected", [
    # the company (or its own board) cancelling or rejecting its plan gives it up; a court contests it
    ("L'équipementier Sarvel a annulé le plan de 90 licenciements qu'il avait présenté en mai.", {"Sarvel": ("negated", 90)}),
    ("Le tribunal administratif a annulé le plan de 90 licenciements de Sarvel.", {"Sarvel": ("contested", 90)}),
    ("Le conseil d'administration de Varlac a rejeté le projet de supprimer 120 postes.", {"Varlac": ("negated", 120)}),
    # the staff rejecting the plan contests it; "les syndicats / salariés de X" name X
    ("Les salariés de Morvin ont rejeté l'accord de départs volontaires portant sur 80 postes.", {"Morvin": ("contested", 80)}),
    # a court's reading framing the sentence
    ("Pour le conseil de prud'hommes de Lyon, Korvane n'avait aucune raison valable de licencier ses 30 vendeurs.",
     {"Korvane": ("contested", 30)}),
    ("Selon la cour d'appel, Belmont a licencié 60 salariés sans motif économique réel.", {"Belmont": ("contested", 60)}),
    # a possibility left open
    ("Le groupe Dorval ne ferme pas la porte à de nouvelles suppressions de postes.", {"Dorval": ("hypothetical", None)}),
    ("Le groupe Dorval n'écarte pas de nouvelles suppressions de postes l'an prochain.", {"Dorval": ("hypothetical", None)}),
])
def test_status_governors_of_tagger_2_5(tagger: Tagger, text: str, expected: dict) -> None:
    assert mentions(tagger, text) == expected


# clefts and passives -------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    # the focused phrase of "C'est … qui" names the company ("la filiale de X" is X's)
    ("C'est la filiale belge de Dravon qui paiera le plus lourd tribut, avec 80 postes supprimés sur 200.",
     {"Dravon": ("announced", 80)}),
    # a later cleft naming who asked for the cuts
    ("Les 60 licenciements prévus à Rennes ont été validés par l'administration ; c'est le logisticien Parvex qui "
     "les avait demandés.", {"Parvex": ("announced", 60)}),
    # the inverted "Sont concernés par le plan annoncé par X : N salariés"
    ("Sont concernés par le plan annoncé par Gorlane : 210 salariés de l'usine de Vierzon.", {"Gorlane": ("announced", 210)}),
    # a passive agent behind a description ("par le fabricant X")
    ("Quelque 300 postes seront supprimés par le fabricant Solveo d'ici 2026.", {"Solveo": ("planned", 300)}),
    # jobs struck off a company's workforce
    ("Près de 500 postes seront rayés des effectifs du transporteur Galvane d'ici 2028.", {"Galvane": ("planned", 500)}),
])
def test_clefts_and_passives_of_tagger_2_5(tagger: Tagger, text: str, expected: dict) -> None:
    assert mentions(tagger, text) == expected


# elided enumerations -------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("Le plan de Corvane vise 200 postes, celui de Dalmi environ 120.",
     {"Corvane": ("announced", 200), "Dalmi": ("announced", 120)}),
    # "aucun" in an elided segment: that company cuts nothing
    ("Larvel taille 90 postes, Brisco aucun.", {"Larvel": ("announced", 90), "Brisco": ("negated", None)}),
    # "autant": the number of the segment before
    ("Les éditeurs réduisent la voilure : 120 départs chez Livrel, 80 chez Pagina, autant chez Folio Plus.",
     {"Livrel": ("announced", 120), "Pagina": ("announced", 80), "Folio Plus": ("announced", 80)}),
    # a headline list of names with their counts, closed by a colon
    ("Trelvo (400 postes), Marlan (150) et Quintex (90) : les sous-traitants multiplient les plans sociaux.",
     {"Trelvo": ("announced", 400), "Marlan": ("announced", 150), "Quintex": ("announced", 90)}),
    # "ont disparu" like "vont disparaître"
    ("Cette année, 400 postes ont disparu chez Calvane, 250 chez Derlo.",
     {"Calvane": ("executed", 400), "Derlo": ("executed", 250)}),
])
def test_elided_enumerations_of_tagger_2_5(tagger: Tagger, text: str, expected: dict) -> None:
    assert mentions(tagger, text) == expected


def test_a_cleft_name_with_an_apposition_before_qui(tagger: Tagger) -> None:
    assert mentions(tagger, "C'est Belvane, la coopérative laitière, qui a décidé de se séparer de 80 salariés.") == \
        {"Belvane": ("planned", 80)}


def test_a_relative_hung_on_the_plans_company_describes_the_plan(tagger: Tagger) -> None:
    assert mentions(tagger, "Le tribunal judiciaire de Lyon a suspendu la réorganisation de Marvex, qui devait se "
                            "traduire par 200 suppressions de postes.") == {"Marvex": ("contested", 200)}


@pytest.mark.parametrize("text, expected", [
    ("Le groupe Sarvel met au chômage 250 salariés de son usine de Tulle.", {"Sarvel": ("announced", 250)}),
    ("Le studio Ubelle a mis à pied 80 développeurs.", {"Ubelle": ("executed", 80)}),
    ("Le groupe Ferlis va débarquer 120 cadres de son siège.", {"Ferlis": ("planned", 120)}),
    ("Le groupe Ordel se prépare à une saignée de 400 emplois.", {"Ordel": ("planned", 400)}),
    ("Le groupe Nordel se sépare de la moitié de ses effectifs.", {"Nordel": ("announced", None)}),
    ("Le groupe Calvin met fin à 200 contrats d'intérimaires.", {"Calvin": ("announced", 200)}),
    # a non-renewal read from the lexicon's cues keeps its own negation; "CDD" is no company name
    ("Chez Salvix, 150 CDD ne seront pas renouvelés.", {"Salvix": ("announced", 150)}),
])
def test_more_trigger_variants_of_tagger_2_5(tagger: Tagger, text: str, expected: dict) -> None:
    assert mentions(tagger, text) == expected


def test_short_time_work_is_no_layoff(tagger: Tagger) -> None:
    assert mentions(tagger, "Le groupe Sarvel met au chômage partiel 250 salariés de son usine de Tulle.") == {}


@pytest.mark.parametrize("text, expected", [
    ("Le groupe Varnel sursoit à son plan de 200 suppressions de postes.", {"Varnel": ("postponed", 200)}),
    ("Le groupe Varnel a fait marche arrière sur la suppression de 200 postes.", {"Varnel": ("negated", 200)}),
    ("Le groupe Varnel recule sur son plan de 200 licenciements.", {"Varnel": ("negated", 200)}),
    ("Le groupe Varnel rejette les informations de presse évoquant 200 suppressions de postes.", {"Varnel": ("denied", 200)}),
    ("Le groupe Varnel infirme tout projet de suppression de postes.", {"Varnel": ("denied", None)}),
    # a union or staff body "de X" names X
    ("La CGT de Varnel redoute la suppression de 200 postes.", {"Varnel": ("hypothetical", 200)}),
    ("Les élus du CSE de Varnel contestent en justice le plan de 200 licenciements.", {"Varnel": ("contested", 200)}),
])
def test_more_status_governors_of_tagger_2_5(tagger: Tagger, text: str, expected: dict) -> None:
    assert mentions(tagger, text) == expected


def test_layoffs_that_decrease_are_no_plan_given_up(tagger: Tagger) -> None:
    assert mentions(tagger, "Dans le commerce, les licenciements ont reculé de 20 % en un an.") == {None: ("generic", None)}


@pytest.mark.parametrize("text, name", [
    # the parser hangs the opening name on the verb as a modifier ("advmod")
    ("Tatami n'a jamais envisagé de licencier, répond son fondateur aux partenaires inquiets.", "Tatami"),
    # or makes it a root of its own, the verb a clause of the later "répond"
    ("Sorelio n'a jamais envisagé de licencier, répond son fondateur aux fournisseurs inquiets.", "Sorelio"),
])
def test_a_name_opening_the_sentence_is_the_subject_of_the_verb_after_it(tagger: Tagger, text: str, name: str) -> None:
    assert mentions(tagger, text) == {name: ("negated", None)}


def test_a_coordinated_finite_verb_shares_the_subject_not_the_status(tagger: Tagger) -> None:
    res = mentions(tagger, "La société de conseil Varnix gèle ses embauches et n'a pas renouvelé les missions de 70 consultants.")
    assert res == {"Varnix": ("executed", 70)}


def test_an_infinitive_conjunct_keeps_the_governor_status(tagger: Tagger) -> None:
    res = mentions(tagger, "Le groupe Tarlan va réduire la voilure et se séparer de 70 personnes.")
    assert res == {"Tarlan": ("planned", 70)}


@pytest.mark.parametrize("text, expected", [
    ("Dans la chimie, Solvix et Marpel réduisent leurs effectifs de respectivement 40 et 65 postes.",
     {"Solvix": ("announced", 40), "Marpel": ("announced", 65)}),
    ("Les éditeurs Velto et Brama ont licencié l'an dernier respectivement 90 et 120 salariés.",
     {"Velto": ("executed", 90), "Brama": ("executed", 120)}),
])
def test_respectively_takes_the_coordinated_names_nearest_the_trigger(tagger: Tagger, text: str, expected: dict) -> None:
    assert mentions(tagger, text) == expected

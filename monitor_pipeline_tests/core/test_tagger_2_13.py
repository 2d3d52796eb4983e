"""tagger-2.13: classes read in dev and in the spent held-out batches (session 15), each with a positive and a
negative case written for this file."""
from __future__ import annotations

from monitor_pipeline.core.tagging.org_candidates import needs_ner
from monitor_pipeline.core.tagging.tagger import Tagger
from monitor_pipeline_tests.core.test_layoff_classes import counted, statuses, tag, tagger  # noqa: F401 (fixture)


def test_a_sentence_opening_on_its_only_name_goes_to_ner(tagger: Tagger) -> None:
    assert needs_ner("Norvalia prévoit de supprimer 420 postes d'ici 2027, surtout en Allemagne.", tagger.matcher)
    # a French function word opening the sentence is no name
    assert not needs_ner("Dans la foulée, les 420 postes seront supprimés d'ici 2027 en Allemagne.", tagger.matcher)
    assert counted(tag(tagger, "Norvalia prévoit de supprimer 420 postes d'ici 2027, surtout en Allemagne.")) \
        == {"Norvalia": 420}


def test_a_description_opening_the_next_sentence_stands_for_its_subject(tagger: Tagger) -> None:
    result = tag(tagger, "Brivanto a relevé mardi son objectif de croissance. L'hôtelier supprimera pourtant 140 postes "
                         "dans ses sièges régionaux.")
    assert counted(result) == {"Brivanto": 140}
    # a class of companies opening the sentence is no description of one
    result = tag(tagger, "Brivanto a relevé mardi son objectif de croissance. Les hôteliers supprimeront pourtant "
                         "140 postes dans la région.")
    assert "Brivanto" not in counted(result)


def test_examples_before_a_class_did_what_the_class_does(tagger: Tagger) -> None:
    result = tag(tagger, "À l'image de Tressio, de Calvane ou de Moritel, les éditeurs de logiciels ont licencié à tour "
                         "de bras cette année.")
    assert set(counted(result)) == {"Tressio", "Calvane", "Moritel"}
    # a comparison before a company of its own is no list of examples of a class
    result = tag(tagger, "À l'image de Tressio, Calvane a licencié 40 personnes cette année.")
    assert counted(result).get("Calvane") == 40


def test_the_members_listed_after_among(tagger: Tagger) -> None:
    result = tag(tagger, "Parmi les sociétés qui ont le plus licencié cette année figurent Tressio (300 départs), "
                         "Calvane (120) et Moritel (80).")
    assert counted(result) == {"Tressio": 300, "Calvane": 120, "Moritel": 80}
    # "parmi" without a listing verb after the trigger names no member
    result = tag(tagger, "Parmi les sociétés qui ont licencié cette année, beaucoup regrettent leur choix.")
    assert not counted(result)


def test_a_superlative_is_no_negation(tagger: Tagger) -> None:
    assert statuses(tag(tagger, "Calvane est l'éditeur qui a le plus licencié cette année, avec 300 départs.")) \
        .get("Calvane") in ("executed", "announced")
    # "ne … plus" still negates
    assert set(statuses(tag(tagger, "Calvane n'a plus licencié depuis 2022.")).values()) == {"negated"}


def test_an_enumeration_announced_by_a_plural_cut_noun(tagger: Tagger) -> None:
    result = tag(tagger, "Dans l'assurance, les départs se multiplient : 400 chez Mutalys, 250 chez Prévalia et "
                         "120 chez Assurelle.")
    assert counted(result) == {"Mutalys": 400, "Prévalia": 250, "Assurelle": 120}
    # one "chez" is no enumeration
    result = tag(tagger, "Dans l'assurance, les départs se multiplient : 400 chez Mutalys cette année.")
    assert set(counted(result)) <= {"Mutalys"}


def test_names_that_followed_suit_after_a_semicolon(tagger: Tagger) -> None:
    result = tag(tagger, "C'est Tressio qui a ouvert le bal cette année, avec 60 postes supprimés en mars ; Calvane et "
                         "Moritel ont suivi à l'automne.")
    assert set(counted(result)) == {"Tressio", "Calvane", "Moritel"}
    assert counted(result)["Calvane"] is None
    result = tag(tagger, "C'est Tressio qui a ouvert le bal cette année, avec 60 postes supprimés en mars ; Calvane et "
                         "Moritel recrutent.")
    assert set(counted(result)) == {"Tressio"}


def test_a_name_headed_by_a_common_noun_goes_on_over_its_particle(tagger: Tagger) -> None:
    from monitor_pipeline.core.tagging.org_candidates import _over_particles

    sentence = "La coopérative laitière Prés de l'Aulnoy supprime 40 postes dans sa fromagerie."
    assert _over_particles(sentence, "Prés", sentence.find("Prés")) == "Prés de l'Aulnoy"
    sentence = "Le président de Meubles du Ponant a confirmé la fermeture du site."
    assert _over_particles(sentence, "Ponant", sentence.find("Ponant")) == "Meubles du Ponant"
    # a name that is no French noun stops before its site's town
    sentence = "L'usine Dalvorek de Cholet supprime 40 postes."
    assert _over_particles(sentence, "Dalvorek", sentence.find("Dalvorek")) == "Dalvorek"

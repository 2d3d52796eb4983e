"""tagger-2.14: classes read in the spent held-out pair t1711–t1870 and in dev (session 15, second round), each with
a positive and a negative case written for this file."""
from __future__ import annotations

from monitor_pipeline.core.tagging.tagger import Tagger
from monitor_pipeline_tests.core.test_layoff_classes import counted, statuses, tag, tagger  # noqa: F401 (fixture)


def test_a_list_between_dashes_closed_by_en_tete(tagger: Tagger) -> None:
    result = tag(tagger, "Plusieurs éditeurs lyonnais — Tressio, Calvane et Moritel en tête — ont réduit leurs effectifs "
                         "depuis janvier.")
    assert set(counted(result)) == {"Tressio", "Calvane", "Moritel"}
    # the list belongs to another clause than the cut
    result = tag(tagger, "Plusieurs éditeurs lyonnais — Tressio et Calvane en tête — ont gelé leurs recrutements ; "
                         "Moritel, lui, a licencié 30 commerciaux.")
    assert set(counted(result)) == {"Moritel"}


def test_after_x_and_y_z_in_turn(tagger: Tagger) -> None:
    result = tag(tagger, "Après Atos et Capgemini, l'ESN Moritel se sépare à son tour de 8 % de ses effectifs.")
    assert set(counted(result)) == {"Atos", "Capgemini", "Moritel"}
    assert counted(result)["Atos"] is None
    # "Après" places is no list of companies that did it
    result = tag(tagger, "Après Lyon et Grenoble, l'éditeur Moritel se sépare à son tour de 8 % de ses effectifs.")
    assert set(counted(result)) == {"Moritel"}


def test_a_report_dismissed_as_fiction_is_denied(tagger: Tagger) -> None:
    found = statuses(tag(tagger, "« Pure fiction », a répondu un porte-parole de Calvane, interrogé sur les 200 départs "
                                 "que lui prête la presse."))
    assert found.get("Calvane") == "denied"
    found = statuses(tag(tagger, "« C'est douloureux », a reconnu un porte-parole de Calvane, qui confirme les 200 départs."))
    assert found.get("Calvane") != "denied"


def test_staff_walking_out_against_a_cut_contest_it(tagger: Tagger) -> None:
    found = statuses(tag(tagger, "Les salariés de Calvane ont débrayé mardi contre le projet de supprimer 140 postes."))
    assert found.get("Calvane") == "contested"
    found = statuses(tag(tagger, "La direction de Calvane a présenté mardi le projet de supprimer 140 postes."))
    assert found.get("Calvane") not in (None, "contested")


def test_the_examples_of_a_class_that_cut(tagger: Tagger) -> None:
    result = tag(tagger, "Des jeunes pousses comme Tressio, Calvane ou Moritel ont réduit leurs équipes depuis la rentrée.")
    assert set(counted(result)) == {"Tressio", "Calvane", "Moritel"}
    # examples of a class that hires, beside a company that cuts
    result = tag(tagger, "Des jeunes pousses comme Tressio ou Calvane recrutent, alors que Moritel a réduit ses équipes "
                         "de 40 personnes.")
    assert set(counted(result)) == {"Moritel"}


def test_an_inverted_list_with_a_remark_inside(tagger: Tagger) -> None:
    result = tag(tagger, "Parmi les sociétés qui ont licencié ce trimestre figurent Tressio, Calvane et, plus "
                         "étonnant, la pépite Moritel.")
    assert {"Tressio", "Calvane"} <= set(counted(result))
    result = tag(tagger, "Parmi les sociétés qui ont recruté ce trimestre figurent Tressio, Calvane et, plus "
                         "étonnant, la pépite Moritel.")
    assert not counted(result)

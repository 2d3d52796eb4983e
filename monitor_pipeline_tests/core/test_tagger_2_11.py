"""tagger-2.11: classes read in the dev batch d841+ and the spent batches t1231–t1390 (session 14), each with a
positive and a negative case written for this file: elided enumerations after a colon, statuses decided above a
relative clause, jobs kept, contrasts "et non X", companies followed or ranged ("emboîte le pas à", "De X à Y en
passant par Z"), departures not replaced, work handed to AI agents, lowercase brands, the opening source, a denial
in another clause, and a reversal after a semicolon."""
from __future__ import annotations

from monitor_pipeline.core.tagging.tagger import Tagger
from monitor_pipeline_tests.core.test_layoff_classes import counted, statuses, tag, tagger  # noqa: F401 (fixture)


def _mentions(tagger: Tagger, text: str) -> list[tuple[str | None, str, int | None]]:
    return sorted(((l.company_id, l.status, l.headcount) for l in tag(tagger, text).layoffs), key=str)


def test_an_enumeration_after_a_colon_announced_by_a_cut_word(tagger: Tagger) -> None:
    found = counted(tag(tagger, "L'édition musicale dégraisse : 120 postes chez Sonora, 45 chez Vinylis et une trentaine "
                                "chez le label Ondine."))
    assert found == {"Sonora": 120, "Vinylis": 45, "Ondine": 30}
    assert not tag(tagger, "Les recrutements reprennent : 120 postes chez Sonora, 45 chez Vinylis.").layoffs


def test_an_elided_number_may_carry_a_date_or_a_division(tagger: Tagger) -> None:
    found = counted(tag(tagger, "Mécalor supprimera 900 emplois en Lorraine, Tubex 600 d'ici 2027 et Joralux 250 dans sa "
                                "division éclairage."))
    assert found == {"Mécalor": 900, "Tubex": 600, "Joralux": 250}
    assert counted(tag(tagger, "Mécalor supprimera 900 emplois d'ici 2027 dans sa division éclairage.")) == {"Mécalor": 900}


def test_the_verb_above_a_plan_decides_over_its_relative_clause(tagger: Tagger) -> None:
    put_off = _mentions(tagger, "Le groupe Sodiplast a repoussé à 2027 la réorganisation de ses usines de l'Ain, qui devait "
                                "s'accompagner de 140 suppressions de postes.")
    assert [s for _, s, _ in put_off] == ["postponed"]
    presented = tag(tagger, "Le groupe Sodiplast a présenté la réorganisation de ses usines de l'Ain, qui doit "
                            "s'accompagner de 140 suppressions de postes.")
    assert "Sodiplast" in counted(presented)
    given_up = _mentions(tagger, "Le papetier Fibrane a renoncé au projet qui aurait supprimé 90 emplois à Épinal.")
    assert [s for _, s, _ in given_up] == ["negated"]
    assert statuses(tag(tagger, "Le papetier Fibrane a présenté un projet qui supprimerait 90 emplois à Épinal.")) \
        .get("Fibrane") != "negated"


def test_jobs_kept_after_all(tagger: Tagger) -> None:
    kept = _mentions(tagger, "Les 75 postes que Cartonord comptait supprimer à Arras sont finalement maintenus.")
    assert [s for _, s, _ in kept] == ["negated"]
    assert counted(tag(tagger, "Les 75 postes que Cartonord va supprimer à Arras seront répartis sur deux ateliers.")) \
        == {"Cartonord": 75}


def test_a_cleft_with_et_non_denies_the_other_company(tagger: Tagger) -> None:
    found = _mentions(tagger, "C'est Lignor, et non sa maison mère Boisval, qui supprimera 60 postes dans les Vosges.")
    assert ("lignor", "planned", 60) in found and ("boisval", "negated", None) in found
    assert counted(tag(tagger, "C'est Lignor qui supprimera 60 postes dans les Vosges.")) == {"Lignor": 60}


def test_companies_followed_did_the_same_without_a_number(tagger: Tagger) -> None:
    found = counted(tag(tagger, "Qonto emboîte le pas à Swile et à Lydia : la néobanque licencie 80 salariés."))
    assert found == {"Qonto": 80, "Swile": None, "Lydia": None}
    assert not tag(tagger, "Qonto emboîte le pas à Swile et à Lydia : la néobanque ouvre un bureau à Milan.").layoffs


def test_a_range_of_examples_of_the_class_that_cut(tagger: Tagger) -> None:
    result = tag(tagger, "De Cdiscount à Zalando en passant par Veepee, les e-commerçants ont tous réduit leurs effectifs.")
    assert set(counted(result)) == {"Cdiscount", "Zalando", "Veepee"}
    assert {l.status for l in result.layoffs} == {"executed"}
    assert not counted(tag(tagger, "De Paris à Lyon, les e-commerçants ont tous réduit leurs effectifs."))


def test_departures_not_replaced_are_cut_jobs(tagger: Tagger) -> None:
    found = _mentions(tagger, "Chez la mutuelle Harmonis, les 90 départs à la retraite de l'an prochain ne seront pas remplacés.")
    assert found == [("harmonis", "planned", 90)]
    assert counted(tag(tagger, "La mutuelle Harmonis n'a remplacé aucun des 40 départs de l'an dernier.")) == {"Harmonis": 40}
    assert not counted(tag(tagger, "La mutuelle Harmonis ne remplacera pas ses conseillers par des robots."))


def test_work_handed_to_ai_agents(tagger: Tagger) -> None:
    assert counted(tag(tagger, "L'assureur Previsio veut confier à des agents d'IA le travail de 70 gestionnaires.")) \
        == {"Previsio": 70}
    assert not tag(tagger, "L'assureur Previsio confie à des agents d'IA le tri du courrier.").layoffs


def test_a_lowercase_brand_after_its_trade(tagger: Tagger) -> None:
    result = tag(tagger, "La start-up nantaise klimbo, qui loue des trottinettes, se sépare de 18 salariés.")
    assert counted(result) == {"klimbo": 18}
    assert not tag(tagger, "La start-up nantaise annonce 18 recrutements et un bureau à Lille.").companies


def test_the_opening_source_is_no_agent(tagger: Tagger) -> None:
    result = tag(tagger, "Selon La Tribune, la société Maréval préparerait 50 licenciements.")
    assert {c.company_id for c in result.companies} == {"mareval"}


def test_a_denial_beyond_a_semicolon(tagger: Tagger) -> None:
    found = _mentions(tagger, "Alvéole a licencié 40 salariés ; Norvexa, lui, dément toute réduction d'effectifs.")
    assert ("alveole", "executed", 40) in found and ("norvexa", "denied", None) in found
    assert [s for _, s, _ in _mentions(tagger, "Selon la presse, Norvexa préparerait 40 licenciements ; le groupe a démenti.")] \
        == ["denied"]


def test_staff_pushed_out_behind_an_incise(tagger: Tagger) -> None:
    assert set(counted(tag(tagger, "Des cabinets comme Axiom et Noveo ont poussé vers la sortie, cette année, des dizaines "
                                   "de consultants."))) == {"Axiom", "Noveo"}


def test_a_reversal_after_a_semicolon(tagger: Tagger) -> None:
    assert [s for _, s, _ in _mentions(tagger, "Ekomat voulait supprimer 30 postes ; face à la grève, il a fait machine arrière.")] \
        == ["negated"]
    assert counted(tag(tagger, "Ekomat voulait supprimer 30 postes ; face à la grève, il a accéléré.")) == {"Ekomat": 30}

"""tagger-2.16: the precision classes read in dev after tagger-2.15 (session 16, second round), each with a
positive and a negative case written for this file (invented names)."""
from __future__ import annotations

from monitor_pipeline.core.tagging.tagger import Tagger
from monitor_pipeline_tests.core.test_layoff_classes import companies, counted, tag, tagger  # noqa: F401 (fixture)


def test_a_union_written_with_a_hyphen_is_no_company(tagger: Tagger) -> None:
    result = tag(tagger, "Pour SUD-Santé, les 150 suppressions de postes annoncées chez Brimex sont inacceptables.")
    assert companies(result) == {"Brimex"}
    result = tag(tagger, "Sud-Ouest Emballages supprime 40 postes dans son usine de Cestas.")
    assert counted(result) == {"Sud-Ouest Emballages": 40}  # a company whose name begins like a union's


def test_french_words_opening_a_sentence_are_no_company(tagger: Tagger) -> None:
    result = tag(tagger, "Plan social chez Brimex : la CGT dénonce les 210 suppressions annoncées par le semencier.")
    assert companies(result) == {"Brimex"}
    result = tag(tagger, "Brimex Plastiques annonce 210 suppressions de postes dans l'Ain.")
    assert counted(result) == {"Brimex Plastiques": 210}


def test_a_cited_source_is_no_agent(tagger: Tagger) -> None:
    result = tag(tagger, "Interrogé par Le Télégramme, le délégué CGT de Brimex redoute la suppression de 200 postes "
                         "à Lorient.")
    assert companies(result) == {"Brimex"}
    result = tag(tagger, "Selon le décompte de Jobtrack, 950 salariés ont été licenciés chez Brimex depuis janvier.")
    assert companies(result) == {"Brimex"} and counted(result) == {"Brimex": 950}
    # a name after "par" that is no source: the agent of a passive
    result = tag(tagger, "Les 72 postes supprimés par Brimex à Lorient l'ont été en mars.")
    assert "Brimex" in counted(result)


def test_a_place_after_dans_le_is_no_company(tagger: Tagger) -> None:
    result = tag(tagger, "Dans le Morbihan, Brimex ferme son usine de Lanester et supprime 80 postes.")
    assert counted(result) == {"Brimex": 80}


def test_a_leading_participle_phrase_holds_no_agent(tagger: Tagger) -> None:
    result = tag(tagger, "Racheté l'an dernier par le fonds Kervalor, l'éditeur Brimex a remercié 30 % de ses commerciaux.")
    assert set(counted(result)) == {"Brimex"}
    result = tag(tagger, "Un an après son rachat par Kervalor, la néobanque Brimex se sépare de 45 personnes.")
    assert counted(result) == {"Brimex": 45}
    # the buyer as the subject of the main clause is the agent
    result = tag(tagger, "Le fonds Kervalor a racheté Brimex l'an dernier et supprimé 30 postes.")
    assert "Kervalor" in counted(result)

"""The last-resort agent of a trigger no rule attributes, and names found by their trade description
(tagger-2.8). Sentences and companies invented for these tests, on constructions read in French
business press (a company introduced by its trade, a source cited before a forecast, a class of
companies as the agent)."""
from __future__ import annotations

import pytest

from monitor_pipeline.core.tagging.described_names import described_names
from monitor_pipeline.core.tagging.fallback_agent import cited_as_source, class_of_companies_agent
from monitor_pipeline.core.tagging.tagger import Tagger
# the whole tagger (parser and NER) once per module, and the helpers of the failure-class tests
from monitor_pipeline_tests.core.test_layoff_classes import counted, tag, tagger  # noqa: F401


# ---- names described by their trade ------------------------------------------------------------
@pytest.mark.parametrize("sentence, name", [
    ("Le fabricant de jouets en bois Ludoria ferme son atelier de Saint-Claude.", "Ludoria"),
    ("La fromagerie Vallonne cherche un repreneur.", "Vallonne"),
    ("Brindor, jeune pousse de la logistique urbaine, lève 12 millions d'euros.", "Brindor"),
    ("Selon nos informations, le courtier lyonnais Assurenza Partenaires prépare une cession.", "Assurenza Partenaires"),
    ("La Biscuiterie Marnot vient d'être rachetée.", "Biscuiterie Marnot"),
])
def test_a_trade_description_introduces_a_company_name(sentence: str, name: str) -> None:
    found = described_names(sentence)
    assert [c.name for c in found] == [name]
    c = found[0]
    assert sentence[c.start:c.end] == name and c.label == "DESC"


@pytest.mark.parametrize("sentence", [
    "Selon Le Figaro, les ventes reculent.",                   # a source opening the sentence, no trade after it
    "Le groupe de Cupertino présente ses résultats.",          # a place after "de" is no name
    "L'entreprise a été reprise par ses salariés.",            # a description without a name
    "Jean Morel, ancien cadre de la banque, témoigne.",        # a person, described by a role
])
def test_no_name_without_a_description_right_before_or_after_it(sentence: str) -> None:
    assert described_names(sentence) == []


def test_a_description_before_a_name_describes_that_name_not_the_one_before_the_comma() -> None:
    sentence = "Premier employeur de la Creuse, la coopérative Terrevive réduit la voilure."
    assert [c.name for c in described_names(sentence)] == ["Terrevive"]


# ---- the last-resort agent ----------------------------------------------------------------------
def test_class_of_companies_keeps_a_statement_generic() -> None:
    assert class_of_companies_agent("Depuis janvier, les éditeurs de logiciels ")
    assert class_of_companies_agent("De nombreuses start-up ")
    assert not class_of_companies_agent("Des jeunes pousses comme Brindor ou Quarzel ")
    assert not class_of_companies_agent("Quarzel, éditeur nantais, ")


def test_names_cited_as_sources_are_not_actors() -> None:
    s = "Selon les économistes de Natixis, l'automatisation menacerait 80 000 emplois."
    at = s.index("Natixis")
    assert cited_as_source(s, at, at + len("Natixis"))
    s = "Natixis supprime 200 postes."
    assert not cited_as_source(s, 0, len("Natixis"))


def test_the_subject_of_a_verb_above_the_trigger_is_its_agent(tagger: Tagger) -> None:
    r = tag(tagger, "Quarzel, éditeur nantais de logiciels de caisse, programme d'ici juin le départ de 60 salariés.")
    assert counted(r) == {"Quarzel": 60}
    assert all("generic" != l.status for l in r.layoffs)


def test_a_described_company_is_found_and_counted(tagger: Tagger) -> None:
    r = tag(tagger, "Le spécialiste de l'emballage Cartovia a perdu son principal client. "
                    "Ses dirigeants ont présenté aux élus un plan de 45 suppressions de postes.")
    assert "Cartovia" in {m.name for m in r.companies}
    assert counted(r) == {"Cartovia": 45}


@pytest.mark.parametrize("text", [
    "Depuis janvier, les éditeurs de logiciels ont réduit leurs effectifs de 4 %, selon Numeum.",
    "Selon les économistes de Natixis, l'automatisation menacerait 80 000 emplois de bureau.",
])
def test_no_company_is_blamed_for_a_generic_statement(tagger: Tagger, text: str) -> None:
    r = tag(tagger, text)
    assert counted(r) == {}


@pytest.mark.parametrize("text", [
    "Licencié par son employeur en 2023, le développeur Marc Liot a fondé Vélorix, une start-up de vélos.",
    "Avec 200 000 licenciés, la fédération de tennis de table a signé avec l'enseigne Sportalis.",
])
def test_one_person_or_a_federation_s_members_are_no_layoff(tagger: Tagger, text: str) -> None:
    assert counted(tag(tagger, text)) == {}


# ---- a company's home town, and described members of an elided enumeration --------------------
@pytest.mark.parametrize("text, company", [
    ("Microsoft a publié des profits record. Le géant de Redmond supprime pourtant 1 200 postes.", "Microsoft"),
    ("SAP a relevé ses prévisions ; la firme de Walldorf entend pourtant supprimer 900 emplois.", "SAP"),
])
def test_a_home_town_after_a_description_is_the_company_named_before(tagger, text: str, company: str) -> None:
    r = tag(tagger, text)
    assert set(counted(r)) == {company}
    assert not any(m.name in ("Redmond", "Walldorf") for m in r.companies)


def test_the_role_of_a_company_is_not_a_home_town(tagger) -> None:
    r = tag(tagger, "La direction de Brindor a annoncé la suppression de 60 postes.")
    assert counted(r) == {"Brindor": 60}


def test_each_described_member_of_an_elided_enumeration_keeps_its_number(tagger) -> None:
    r = tag(tagger, "Les coupes pleuvent dans la chimie : 900 suppressions de postes chez Solvay, 300 chez Arkema "
                    "et environ 80 chez le lyonnais Chimivert.")
    assert counted(r) == {"Solvay": 900, "Arkema": 300, "Chimivert": 80}

"""tagger-2.15: classes read in the dev batch d1081–d1160 (session 16), beside the learned organisation
classifier (test_learned_orgs.py); each with a positive and a negative case written for this file."""
from __future__ import annotations

from monitor_pipeline.core.tagging.tagger import Tagger
from monitor_pipeline_tests.core.test_layoff_classes import companies, counted, tag, tagger  # noqa: F401 (fixture)


def test_a_list_between_dashes_with_a_remark_inside(tagger: Tagger) -> None:
    result = tag(tagger, "Plusieurs enseignes – Corvalo, Brimex et, dans une moindre mesure, Talvane – ont réduit "
                         "leurs équipes de vente cet hiver.")
    assert set(counted(result)) == {"Corvalo", "Brimex", "Talvane"}
    result = tag(tagger, "Les équipementiers – Corvalo en tête, mais aussi Brimex et l'allemand Talvane – annoncent "
                         "de nouvelles coupes dans leurs équipes.")
    assert set(counted(result)) == {"Corvalo", "Brimex", "Talvane"}
    # the same list before a verb that is no cut
    result = tag(tagger, "Plusieurs enseignes – Corvalo, Brimex et, dans une moindre mesure, Talvane – ont ouvert "
                         "des magasins cet hiver.")
    assert not counted(result)


def test_a_word_capitalized_by_its_place_is_no_company(tagger: Tagger) -> None:
    result = tag(tagger, "Grève chez Brimex : les livreurs dénoncent le projet de licencier 48 d'entre eux.")
    assert companies(result) == {"Brimex"}
    result = tag(tagger, "Volte-face chez Brimex : l'entrepôt ne fermera pas, et ses 90 postes sont sauvés.")
    assert "Volte" not in companies(result)
    # a name that is no French word still opens a sentence as a company
    result = tag(tagger, "Brimex supprime 48 postes dans ses entrepôts de l'Ain.")
    assert counted(result) == {"Brimex": 48}


def test_a_generic_acronym_and_its_adjectives_are_no_company(tagger: Tagger) -> None:
    result = tag(tagger, "Corvalo annonce des coupes dans ses équipes de R&D françaises.")
    assert companies(result) == {"Corvalo"} and set(counted(result)) == {"Corvalo"}


def test_a_name_stops_at_a_spaced_dash(tagger: Tagger) -> None:
    result = tag(tagger, "Faute de missions, Corvalo ou encore Brimex — des ESN parmi d'autres — se sont délestées "
                         "de consultants ces derniers mois.")
    assert "Brimex" in companies(result)
    assert not any("—" in name or "ESN" in name for name in companies(result))


def test_a_person_labelled_subject_with_a_company_after_it(tagger: Tagger) -> None:
    # a two-word subject the recognizer may call a person, a company named after it: both cut
    result = tag(tagger, "Hachette Livre a supprimé 150 postes l'an dernier, et Editis environ 90.")
    assert counted(result) == {"Hachette Livre": 150, "Editis": 90}
    # a person named with his company before him stays a person
    result = tag(tagger, "Chez Brimex, Julien Marchetti a supprimé 150 postes l'an dernier.")
    assert "Julien Marchetti" not in counted(result)

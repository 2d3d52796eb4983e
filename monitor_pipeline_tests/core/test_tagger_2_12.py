"""tagger-2.12: classes read in the dev batch d961+ and the spent batches t1391–t1550 (session 14, third round), each
with a positive and a negative case written for this file."""
from __future__ import annotations

from monitor_pipeline.core.tagging.tagger import Tagger
from monitor_pipeline_tests.core.test_layoff_classes import counted, tag, tagger  # noqa: F401 (fixture)


def _mentions(tagger: Tagger, text: str) -> list[tuple[str | None, str, int | None]]:
    return sorted(((l.company_id, l.status, l.headcount) for l in tag(tagger, text).layoffs), key=str)


def test_a_possible_next_wave_beside_a_past_cut(tagger: Tagger) -> None:
    found = _mentions(tagger, "Après avoir supprimé 75 postes en mars, Verlino n'exclut pas une nouvelle vague de départs "
                              "d'ici l'automne.")
    assert ("verlino", "executed", 75) in found and ("verlino", "hypothetical", None) in found
    assert _mentions(tagger, "Verlino a supprimé 75 postes en mars.") == [("verlino", "executed", 75)]


def test_none_of_the_staff_will_be_laid_off(tagger: Tagger) -> None:
    found = _mentions(tagger, "Aucun des 250 salariés de l'usine Carbolux ne sera licencié malgré l'arrêt de la ligne.")
    assert [s for _, s, _ in found] == ["negated"]
    assert counted(tag(tagger, "Une partie des 250 salariés de l'usine Carbolux sera licenciée après l'arrêt de la ligne."))


def test_a_report_dismissed_in_quotes_is_denied(tagger: Tagger) -> None:
    found = _mentions(tagger, "Interrogé sur les 400 suppressions de postes évoquées par la presse, Dalvio répond : « faux ».")
    assert [s for _, s, _ in found] == ["denied"]
    assert counted(tag(tagger, "Dalvio confirme les 400 suppressions de postes évoquées par la presse : « c'est vrai »."))


def test_a_question_on_closing_a_site_with_its_staff(tagger: Tagger) -> None:
    found = _mentions(tagger, "Le sous-traitant Mécapôle fermera-t-il son usine de Vierzon, qui compte 160 salariés ?")
    assert found == [("mecapole", "hypothetical", 160)]
    assert not counted(tag(tagger, "Le sous-traitant Mécapôle agrandira-t-il son usine de Vierzon, qui compte 160 salariés ?"))


def test_a_range_of_examples_ending_on_two_names(tagger: Tagger) -> None:
    result = tag(tagger, "De Doctolib à Alan en passant par Qonto et Swile, les licornes ont toutes réduit leurs effectifs.")
    assert set(counted(result)) == {"Doctolib", "Alan", "Qonto", "Swile"}

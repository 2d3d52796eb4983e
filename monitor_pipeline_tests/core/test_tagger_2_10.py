"""tagger-2.10: classes read in the spent held-out batches and dev (session 14), each with a positive
and a negative case written for this file: a promise of no forced departure beside a cut, "pas moins"
(no negation), a person owning "le groupe de X", jobs pushed out or made to vanish, dismissal letters
received, staff left "sur le carreau", the clitic "en" with a bare number, and "Après X et Y, c'est au
tour de Z"."""
from __future__ import annotations

from monitor_pipeline.core.tagging.tagger import Tagger
from monitor_pipeline_tests.core.test_layoff_classes import counted, tag, tagger  # noqa: F401 (fixture)


def _mentions(tagger: Tagger, text: str) -> list[tuple[str | None, str, int | None]]:
    return sorted(((l.company_id, l.status, l.headcount) for l in tag(tagger, text).layoffs), key=str)


def test_a_promise_of_no_forced_departure_is_a_negated_mention_beside_the_cut(tagger: Tagger) -> None:
    found = _mentions(tagger, "Michelin supprimera 1 200 postes en Europe d'ici 2026, sans aucun licenciement sec.")
    assert ("michelin", "planned", 1200) in found
    assert ("michelin", "negated", None) in found
    plain = _mentions(tagger, "Michelin supprimera 1 200 postes en Europe d'ici 2026.")
    assert plain == [("michelin", "planned", 1200)]


def test_avoiding_layoffs_negates_them(tagger: Tagger) -> None:
    found = _mentions(tagger, "Carrefour réduit ses effectifs de 300 postes en s'appuyant sur les départs naturels, "
                              "pour éviter tout licenciement.")
    assert ("carrefour", "negated", None) in found
    assert any(c == "carrefour" and s in ("announced", "planned") for c, s, _ in found)


def test_pas_moins_is_no_negation(tagger: Tagger) -> None:
    assert counted(tag(tagger, "Valeo ne supprimera pas moins de 800 postes en Europe, selon ses syndicats.")) == {"Valeo": 800}
    negated = _mentions(tagger, "Valeo ne supprimera pas de postes en Europe cette année.")
    assert negated and all(s == "negated" for _, s, _ in negated)


def test_a_person_owning_the_group_is_not_the_company(tagger: Tagger) -> None:
    result = tag(tagger, "Iliad a perdu 90 000 abonnés au trimestre. Le groupe de Xavier Niel va supprimer 150 postes.")
    assert {c.company_id for c in result.companies} == {"iliad"}
    assert counted(result) == {"Iliad": 150}
    # a company named after its founder, with no "de", stays a company
    assert counted(tag(tagger, "Le groupe Jean Perrin va supprimer 40 postes dans le Jura.")) == {"Jean Perrin": 40}


def test_staff_pushed_out_or_jobs_made_to_vanish(tagger: Tagger) -> None:
    assert counted(tag(tagger, "Le cabinet Auditex a poussé vers la sortie 90 consultants depuis janvier.")) == {"Auditex": 90}
    assert counted(tag(tagger, "Vinted a fait disparaître 45 postes de son support client.")) == {"Vinted": 45}
    assert not tag(tagger, "La hausse des prix pousse les clients de Vinted vers la sortie.").layoffs
    assert not tag(tagger, "Selon Vinted, l'IA fera disparaître des tâches répétitives.").layoffs


def test_dismissal_letters_received_by_a_stated_staff(tagger: Tagger) -> None:
    found = _mentions(tagger, "Les 70 salariés de la biscuiterie Gavrel ont reçu leur lettre de licenciement vendredi.")
    assert found == [("gavrel", "executed", 70)]
    assert not tag(tagger, "Un modèle de lettre de licenciement circule parmi les avocats de Gavrel.").layoffs


def test_staff_left_without_work(tagger: Tagger) -> None:
    found = _mentions(tagger, "La faillite du transporteur Rouliers Fret laissera 85 chauffeurs sur le carreau.")
    assert found == [("rouliers-fret", "planned", 85)]
    assert not tag(tagger, "Rouliers Fret laissera ses camions au dépôt pendant les fêtes.").layoffs


def test_clitic_en_takes_the_bare_number_after_the_verb(tagger: Tagger) -> None:
    found = _mentions(tagger, "Spotify comptait 9 000 salariés l'an dernier ; le groupe en a licencié 1 500 depuis.")
    assert found == [("spotify", "executed", 1500)]
    later = _mentions(tagger, "Spotify comptait 9 000 salariés l'an dernier ; le groupe en a licencié depuis mars.")
    assert later == [("spotify", "executed", None)]


def test_after_x_and_y_it_is_z_s_turn(tagger: Tagger) -> None:
    result = tag(tagger, "Après Doctolib et Alan, c'est au tour de Qonto de réduire ses effectifs.")
    assert set(counted(result)) == {"Doctolib", "Alan", "Qonto"}
    alone = tag(tagger, "Après Doctolib, qui recrute encore, Qonto réduit ses effectifs.")
    assert set(counted(alone)) == {"Qonto"}

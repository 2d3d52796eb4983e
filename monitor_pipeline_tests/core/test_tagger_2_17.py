"""tagger-2.17: the classes read in the fresh dev batch d1161–d1240 (session 17), each with a positive and a
negative case written for this file (invented names)."""
from __future__ import annotations

from monitor_pipeline.core.tagging.status_cues import denial_applies
from monitor_pipeline.core.tagging.syntax.parsing import neutralize_incises
from monitor_pipeline.core.tagging.tagger import Tagger
from monitor_pipeline_tests.core.test_layoff_classes import companies, counted, statuses, tag, tagger  # noqa: F401


def test_a_products_common_word_inside_an_unknown_name_does_not_hide_it(tagger: Tagger) -> None:
    # "Pixel" is a product of a known company, and an ambiguous word: "Pixel Marmot" is a studio of its own
    result = tag(tagger, "Le studio nantais Pixel Marmot a licencié 22 de ses 90 salariés en mars.")
    assert counted(result) == {"Pixel Marmot": 22}
    # a known company's own name inside a longer name stays that company's ("Google Cloud")
    result = tag(tagger, "Le studio nantais Google Cloud Gaming recrute 120 ingénieurs.")
    assert companies(result) == {"Google"}


def test_a_court_the_parser_hangs_the_verb_on_contests_the_plan(tagger: Tagger) -> None:
    result = tag(tagger, "Le tribunal administratif de Rennes, saisi par la CGT, suspend le plan qui devait supprimer "
                         "150 emplois chez Valmorin Services, faute de consultation.")
    assert statuses(result) == {"Valmorin Services": "contested"}
    # the company suspending its own plan postpones it
    result = tag(tagger, "Valmorin Services suspend le plan qui devait supprimer 210 emplois, le temps de trouver un repreneur.")
    assert statuses(result) == {"Valmorin Services": "postponed"}


def test_sans_before_the_governing_verb_negates(tagger: Tagger) -> None:
    result = tag(tagger, "Valmorin a gelé ses recrutements cette année, sans pour autant engager de plan social.")
    assert not counted(result) and statuses(result) == {"Valmorin": "negated"}
    result = tag(tagger, "Valmorin a gelé ses recrutements cette année, avant d'engager un plan social de 80 postes.")
    assert counted(result) == {"Valmorin": 80}


def test_an_adverb_between_the_cutting_verb_and_the_workforce(tagger: Tagger) -> None:
    result = tag(tagger, "Valmorin va tailler encore dans ses effectifs après un troisième trimestre décevant.")
    assert set(counted(result)) == {"Valmorin"}
    result = tag(tagger, "Valmorin va tailler encore dans ses dépenses de marketing après un trimestre décevant.")
    assert not result.layoffs


def test_the_medium_whose_information_is_confirmed_is_no_company(tagger: Tagger) -> None:
    result = tag(tagger, "Confirmant les informations de La Gazette du Rhône, le groupe Valmorin a présenté un plan "
                         "de 140 suppressions de postes.")
    assert companies(result) == {"Valmorin"} and counted(result) == {"Valmorin": 140}
    result = tag(tagger, "Valmorin a démenti les révélations de Techmonde selon lesquelles il préparerait 90 départs.")
    assert companies(result) == {"Valmorin"} and statuses(result) == {"Valmorin": "denied"}
    # a company that gives information is no source when it acts
    result = tag(tagger, "Les informations financières de Valmorin montrent une perte ; Valmorin supprime 60 postes.")
    assert counted(result) == {"Valmorin": 60}


def test_a_denial_in_a_leading_si_clause_stays_in_its_clause() -> None:
    sentence = ("Si Orvalis dément tout plan social, son sous-traitant Brimex a confirmé la suppression de 130 emplois.")
    cue = [__import__("re").compile(r"\bdément\b")]
    trigger = sentence.index("suppression")
    assert not denial_applies(sentence, trigger, trigger + 30, cue, [("brimex", sentence.index("Brimex"))])
    # the same denial, in the trigger's own clause, applies
    sentence = "Brimex dément la suppression de 130 emplois annoncée par la presse."
    trigger = sentence.index("suppression")
    assert denial_applies(sentence, trigger, trigger + 30, cue, [("brimex", 0)])


def test_a_site_word_before_a_town_makes_it_a_place(tagger: Tagger) -> None:
    result = tag(tagger, "Les élus contestent le PSE qui prévoit 45 licenciements dans l'entité de Quimperlé de Valmorin.")
    assert "Quimperlé" not in companies(result)


def test_the_count_of_a_described_item_of_an_elided_enumeration_is_no_part_of_its_name(tagger: Tagger) -> None:
    result = tag(tagger, "Nouvelle vague dans l'édition : Corvane annonce 90 suppressions de postes, Melusys 40 et "
                         "la start-up lilloise Brimo 15.")
    assert counted(result) == {"Corvane": 90, "Melusys": 40, "Brimo": 15}
    # a number that is the name's own, mid-sentence, stays
    result = tag(tagger, "La start-up lilloise Brimo 15 lève 3 millions d'euros pour ses capteurs.")
    assert "Brimo 15" in companies(result)


def test_a_description_apposed_to_the_opening_name_is_set_aside_for_the_parse() -> None:
    text = "Valmor France, filiale de l'équipementier suédois Valmor, annonce 74 licenciements à Lyon."
    neutral = neutralize_incises(text)
    assert len(neutral) == len(text) and "filiale" not in neutral and neutral.startswith("Valmor France ")
    # a list is no apposition
    text = "Valmor, Brimex et Corvane annoncent des suppressions de postes."
    assert neutralize_incises(text) == text


def test_the_company_opening_the_sentence_is_the_agent_behind_its_apposition(tagger: Tagger) -> None:
    result = tag(tagger, "Brimex Industries, sous-traitant du constructeur allemand Oberwald, annonce 85 suppressions "
                         "de postes.")
    assert counted(result) == {"Brimex Industries": 85}
    # the company of the apposition is still a company, and the agent when it is the subject
    result = tag(tagger, "Oberwald, dont Brimex Industries est le sous-traitant, annonce 85 suppressions de postes.")
    assert counted(result) == {"Oberwald": 85}


def test_cuts_that_touched_staff_at_several_companies(tagger: Tagger) -> None:
    result = tag(tagger, "Au premier semestre, les coupes ont touché 600 salariés chez Corvane, 250 chez Melusys et "
                         "90 chez Brimo.")
    assert counted(result) == {"Corvane": 600, "Melusys": 250, "Brimo": 90}
    result = tag(tagger, "Les coupes de cheveux gratuites ont touché 600 clients chez Corvane en mars.")
    assert not counted(result)


def test_a_field_acronym_after_a_described_trade_is_no_part_of_the_name(tagger: Tagger) -> None:
    result = tag(tagger, "L'éditeur de logiciels RH Talmio envisage de supprimer 35 postes commerciaux.")
    assert "Talmio" in companies(result) and "RH Talmio" not in companies(result)
    result = tag(tagger, "Le groupe BTP Solutions annonce 35 suppressions de postes.")
    assert "BTP Solutions" in companies(result)


def test_a_lowercase_brand_before_a_pronominal_verb(tagger: Tagger) -> None:
    result = tag(tagger, "La néobanque lilloise finzo s'est séparée de 30 de ses 110 salariés en avril.")
    assert counted(result) == {"finzo": 30}
    # no brand between the description and its verb: nothing is taken for one
    result = tag(tagger, "La néobanque lilloise s'est séparée de 30 de ses 110 salariés en avril.")
    assert not companies(result)


def test_a_trade_description_stands_for_the_company_named_before(tagger: Tagger) -> None:
    result = tag(tagger, "Le chiffre d'affaires de Valmorin a reculé de 9 %. Le pneumaticien normand va supprimer 90 postes "
                         "dans son usine de Lisieux.")
    assert counted(result) == {"Valmorin": 90}
    # no company named before: the description holds no event
    result = tag(tagger, "Le pneumaticien normand va supprimer 90 postes dans son usine de Lisieux.")
    assert not counted(result)


def test_jobs_a_crisis_cost_a_company_are_that_companys(tagger: Tagger) -> None:
    result = tag(tagger, "La concurrence de Brimex a coûté 240 emplois à Valmorin l'an dernier.")
    assert counted(result) == {"Valmorin": 240}
    result = tag(tagger, "La perte du contrat avec Brimex a coûté 240 emplois au sous-traitant Valmorin.")
    assert counted(result) == {"Valmorin": 240}
    # a cost in money is no layoff; the subject's own plan stays the subject's
    result = tag(tagger, "La grève a coûté 2 millions d'euros au négociant Valmorin en mars.")
    assert not result.layoffs
    result = tag(tagger, "Le plan de Valmorin a coûté 300 emplois à la région.")
    assert counted(result) == {"Valmorin": 300}


def test_jobs_a_project_threatens_are_no_event(tagger: Tagger) -> None:
    result = tag(tagger, "Le projet de Valmorin de fermer son entrepôt de Vierzon menace 140 emplois, selon les élus.")
    assert statuses(result) == {"Valmorin": "hypothetical"} and not counted(result)
    # the threatening project given up: negated
    result = tag(tagger, "Le transfert en Pologne de la production de Valmorin, qui menaçait 90 postes, n'est plus à "
                         "l'ordre du jour.")
    assert statuses(result) == {"Valmorin": "negated"}
    # a threat to something else than jobs is no mention
    result = tag(tagger, "La sécheresse menace 140 hectares de vignes chez Valmorin.")
    assert not result.layoffs

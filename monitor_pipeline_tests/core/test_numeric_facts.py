"""Metric extraction from French sentences."""
from __future__ import annotations

import pytest

from monitor_pipeline.core.tagging.numeric_facts import find_metrics


def one(text: str):
    found = find_metrics(text)
    assert len(found) == 1, found
    return found[0]


def test_count_with_qualifier_and_noun() -> None:
    m = one("La start-up revendique plus de 3 500 entreprises clientes.")
    assert (m.value, m.kind, m.unit, m.qualifier, m.noun) == (3500, "count", None, "plus de", "entreprises clientes")
    assert m.text == "plus de 3 500 entreprises clientes"


def test_offsets_are_shifted_by_base_offset() -> None:
    text = "Le groupe emploie 9 631 employés."
    m = find_metrics(text, base_offset=100)[0]
    assert (m.start, m.end) == (100 + text.index("9 631"), 100 + text.index(".")) and m.noun == "employés"


@pytest.mark.parametrize(
    "text, value, unit, noun",
    [
        ("Son chiffre d'affaires de 1,7 milliard d'euros progresse.", 1.7e9, "EUR", "chiffre d'affaires"),
        ("Une valorisation de 12 milliards de dollars.", 12e9, "USD", "valorisation"),
        ("La start-up a levé 500 M€ auprès de fonds.", 5e8, "EUR", "levée"),
        ("Le groupe vise 2 Md$ de revenus.", 2e9, "USD", "revenus"),
        ("Une amende de 300 millions de dollars.", 3e8, "USD", "amende"),
        ("Elle facture 20 € par mois.", 20, "EUR", None),
        ("Un budget de 10 k€ suffit.", 1e4, "EUR", "budget"),
    ],
)
def test_money(text: str, value: float, unit: str, noun: str | None) -> None:
    m = one(text)
    assert m.kind == "money" and m.value == pytest.approx(value) and m.unit == unit
    if noun:
        assert m.noun == noun


@pytest.mark.parametrize(
    "text, value, unit",
    [("Les ventes ont progressé de 12 %.", 12, "%"), ("Une hausse de 3,5 pour cent.", 3.5, "%"),
     ("La part a gagné 2 points.", 2, "pt")],
)
def test_percent(text: str, value: float, unit: str) -> None:
    m = one(text)
    assert (m.kind, m.value, m.unit) == ("percent", value, unit)


def test_percent_of_workforce_noun() -> None:
    m = one("Le plan touche environ 10 % de ses effectifs.")
    assert (m.value, m.qualifier, m.noun) == (10, "environ", "effectifs")


@pytest.mark.parametrize(
    "text, value",
    [("Le trafic a été multipliée par 10 en un an.", 10), ("Une croissance x10 du trafic.", 10),
     ("Un gain ×3 en vitesse.", 3), ("Les revenus ont décuplé.", 10), ("Le nombre de clients a doublé.", 2),
     ("Le coût est trois fois plus élevé.", 3)],
)
def test_multipliers(text: str, value: float) -> None:
    m = one(text)
    assert (m.kind, m.value) == ("multiplier", value)


def test_range_keeps_upper_bound() -> None:
    m = one("Le groupe supprimera entre 200 et 300 postes.")
    assert (m.value, m.range_low, m.noun) == (300, 200, "postes")
    m = one("Il vise de 1,5 à 2 milliards d'euros.")
    assert (m.value, m.range_low, m.kind) == (2e9, 1.5e9, "money")


@pytest.mark.parametrize(
    "text, qualifier",
    [("près de 500 postes", "près de"), ("environ 500 postes", "environ"), ("moins de 500 postes", "moins de"),
     ("jusqu'à 500 postes", "jusqu'à"), ("au moins 500 postes", "au moins"), ("plus d'un million d'abonnés", "plus de")],
)
def test_qualifiers(text: str, qualifier: str) -> None:
    assert one(text).qualifier == qualifier


def test_spelled_out_numbers() -> None:
    assert one("ChatGPT a dépassé un million d'utilisateurs.").value == 1e6
    assert one("Le groupe recrute trois cents ingénieurs.").value == 300
    m = one("Le plan concerne la moitié de ses effectifs.")
    assert (m.kind, m.value, m.noun) == ("percent", 50, "effectifs")


def test_dotted_thousands_and_decimal_before_scale() -> None:
    assert one("Le groupe compte 5.167 salariés.").value == 5167
    # a dot followed by three digits is a French thousands separator, also before a scale word
    assert one("Sopra Steria a réalisé 5.167 millions d'euros de chiffre d'affaires.").value == pytest.approx(5_167_000_000)


def test_n_noun_sur_m() -> None:
    values = [(m.value, m.noun) for m in find_metrics("Un PSE visant 217 postes sur 383.")]
    assert values == [(217, "postes"), (383, "postes")]


@pytest.mark.parametrize(
    "text",
    [
        "En 2026, le marché changera.",
        "Le 12 mars, la direction a parlé.",
        "La réunion commence à 14h30 et finit à 16 h.",
        "GPT-5 et Llama 3 sont sortis, comme Claude 3.5.",
        "C'est la 3e fois et le 1er trimestre.",
        "Il a travaillé 10 ans chez eux et 3 mois ailleurs.",
        "Deux entreprises ont répondu.",
        "Le modèle H100 et la 5G.",
    ],
)
def test_not_metrics(text: str) -> None:
    assert find_metrics(text) == []


@pytest.mark.parametrize("text", ["Elle leve 20 M€.", "Il lève 3 millions de dollars.", "Rachetée pour 2 Md€."])
def test_money_verbs_give_a_noun(text: str) -> None:
    assert one(text).noun in ("levée", "rachat")


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st

_ALPHABET = st.sampled_from(list("0123456789 ,.%€$kKMdsx×-'’ abcdeéèlmnoprstuvAEIMOSZ") + [
    " millions", " milliard", " d'euros", " postes", " plus de ", " entre ", " et ", " à ", " multipliée par ",
    " la moitié de ", " sur ", " levé ", " de ses ", " mars ", " h"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_never_crashes_and_offsets_are_consistent(text: str) -> None:
    for m in find_metrics(text, base_offset=7):
        assert text[m.start - 7:m.end - 7] == m.text
        assert m.kind in ("count", "money", "percent", "multiplier")


# --------------------------------------------------------------- cheap gates never skip a match
GATE_SENTENCES = [
    "Le chiffre d'affaires a été multiplié par 3 en deux ans.",
    "LE CHIFFRE D'AFFAIRES A ÉTÉ MULTIPLIÉ PAR TROIS.",
    "Les ventes ont doublé, les effectifs ont TRIPLÉ et la dette a décuplé.",
    "Un gain x10 sur la latence, des coûts 3× plus bas et 2 fois plus de clients.",
    "Une croissance de 5 X en un an, contre 4x l'an dernier.",
    "Les prix et les taux restent hauts, deux fois moins qu'en 2022.",
    "Entre 200 et 300 postes, de 10 à 20 %, 5-6 millions\n",
    "de 10 à\n20 postes, entre 3 et\n4 sites",  # "$" also matches before a final newline
    "ENTRE 200 ET 300 POSTES seront supprimés, de 10 À 20 %.",
]


@pytest.mark.parametrize("sentence", GATE_SENTENCES)
def test_multiplier_gates_let_every_match_through(sentence: str) -> None:
    from monitor_pipeline.core.tagging import numeric_facts as m

    folded = m.fold_case(sentence)
    has_digit = m._DIGIT.search(sentence) is not None
    if m._MULT_BY_RE.search(sentence):
        assert m._may_hold_multiplier(folded, has_digit)
    if m._MULT_VERB_RE.search(sentence):
        assert m._contains_any(folded, m._MULT_VERB_VALUES)


def test_range_gate_equals_the_plain_search() -> None:
    from monitor_pipeline.core.tagging import numeric_facts as m

    for sentence in GATE_SENTENCES:
        for end in range(len(sentence) + 1):
            window = sentence[:end][-60:]
            expected = m._RANGE_BEFORE_RE.search(window)
            found = m._range_before(window)
            assert (found and found.span()) == (expected and expected.span()), window

"""Normalization, boilerplate removal and offsets."""
import random
import re
import unicodedata

import pytest

from monitor_pipeline.core.text.clean import (
    _TRANSLATION,
    BoilerplateRules,
    _normalize_chars,
    clean_text,
    load_boilerplate_rules,
    normalize_for_matching,
    split_sentences,
)


def test_nfc_normalization():
    decomposed = "re\u0301duction des effectifs"  # e + combining acute
    assert clean_text(decomposed).text == "réduction des effectifs"


def test_nbsp_in_numbers_becomes_plain_space():
    assert clean_text("Le groupe supprime 3\u00a0500 postes.").text == "Le groupe supprime 3 500 postes."


def test_narrow_nbsp_and_thin_space():
    text = "«\u202fNous recrutons\u202f», dit-elle\u2009; 12\u202f000 candidats\u00a0!"
    assert clean_text(text).text == "« Nous recrutons », dit-elle ; 12 000 candidats !"


def test_typographic_apostrophes_and_quotes():
    assert clean_text("L’accord qu’OpenAI a signé, “historique”.").text == "L'accord qu'OpenAI a signé, \"historique\"."


def test_zero_width_and_soft_hyphen_removed():
    assert clean_text("intel\u00adligence\u200b artificielle").text == "intelligence artificielle"


def test_boilerplate_lines_dropped():
    text = "\n".join([
        "Le fabricant de puces annonce 800 suppressions de postes en Europe.",
        "Lire aussi : Les géants du cloud accélèrent leurs investissements",
        "À lire aussi – Le marché des GPU en tension",
        "Publicité",
        "Photo : Jeanne Martin pour Le Courrier",
        "© AFP",
        "Inscrivez-vous à notre newsletter quotidienne",
        "Crédit photo : DR",
        "La direction évoque une baisse durable de la demande.",
    ])
    cleaned = clean_text(text)
    assert cleaned.text == (
        "Le fabricant de puces annonce 800 suppressions de postes en Europe.\n\n"
        "La direction évoque une baisse durable de la demande."
    )


def test_boilerplate_prefix_needs_word_boundary_and_short_line():
    rules = load_boilerplate_rules()
    assert rules.is_boilerplate("Lire aussi : un autre article")
    assert not rules.is_boilerplate("Lire aussitôt le rapport a permis de comprendre")
    assert not rules.is_boilerplate("Publicité en ligne : la CNIL inflige une amende record à un courtier en données.")


def test_paragraph_and_sentence_offsets_point_to_substrings():
    text = "Premier paragraphe. Deuxième phrase ici !\n\nSecond   paragraphe, avec  des espaces.\n"
    cleaned = clean_text(text)
    assert cleaned.text == "Premier paragraphe. Deuxième phrase ici !\n\nSecond paragraphe, avec des espaces."
    assert [cleaned.text[s:e] for s, e in cleaned.paragraphs] == [
        "Premier paragraphe. Deuxième phrase ici !",
        "Second paragraphe, avec des espaces.",
    ]
    assert cleaned.sentence_texts() == [
        "Premier paragraphe.",
        "Deuxième phrase ici !",
        "Second paragraphe, avec des espaces.",
    ]


@pytest.mark.parametrize(
    "paragraph,expected",
    [
        ("Selon M. Dupont, le plan est prêt. Il sera présenté lundi.", ["Selon M. Dupont, le plan est prêt.", "Il sera présenté lundi."]),
        ("Mme. Leroy confirme. La croissance atteint 1,7 % et 3.5 points.", ["Mme. Leroy confirme.", "La croissance atteint 1,7 % et 3.5 points."]),
        ("Les filiales S.A. Nord et S.A.S. Sud ferment. Puis vient 2025.", ["Les filiales S.A. Nord et S.A.S. Sud ferment.", "Puis vient 2025."]),
        ("Des outils, p. ex. Copilot, etc. Sont concernés.", ["Des outils, p. ex. Copilot, etc. Sont concernés."]),
        ("Il hésite... puis signe. « C'est fait. » Fin.", ["Il hésite... puis signe.", "« C'est fait. »", "Fin."]),
        ("Le texte cité [...] Reprend ensuite. Vraiment ?", ["Le texte cité [...] Reprend ensuite.", "Vraiment ?"]),
        ("Rendez-vous le 3 janv. 2025 à Lyon. Attendez… Oui.", ["Rendez-vous le 3 janv. 2025 à Lyon.", "Attendez…", "Oui."]),
        ("Quoi ? dit-il. 40 % des postes sont touchés.", ["Quoi ? dit-il.", "40 % des postes sont touchés."]),
    ],
)
def test_french_sentence_splitter(paragraph, expected):
    assert [paragraph[s:e] for s, e in split_sentences(paragraph)] == expected


def test_hard_wrapped_lines_are_rejoined():
    cleaned = clean_text("Le conseil d'administration a validé\nla cession de la filiale.\nUn nouveau paragraphe.")
    assert cleaned.text == "Le conseil d'administration a validé la cession de la filiale.\n\nUn nouveau paragraphe."


def test_deterministic_and_idempotent():
    text = "Titre\n\n« L’IA  générative »\u00a0: 2\u202f000 emplois.\nLire aussi : autre chose\nFin du texte."
    first = clean_text(text)
    assert clean_text(text) == first
    assert clean_text(first.text) == first


def test_empty_text():
    cleaned = clean_text("")
    assert cleaned.text == "" and cleaned.paragraphs == [] and cleaned.sentences == []


def test_normalize_for_matching():
    assert normalize_for_matching("  qu’OpenAI\u00a0a\n\n  “dit”  ") == "qu'OpenAI a \"dit\""


def test_custom_rules_and_bad_rules(tmp_path):
    rules = BoilerplateRules.build(line_prefixes=["Sponsorisé"], line_patterns=[r"^Note\s*:"])
    assert clean_text("Sponsorisé par X\nNote : rien\nTexte.", rules).text == "Texte."
    bad = tmp_path / "bad.yaml"
    bad.write_text("line_patterns:\n  - '([unclosed'\n", encoding="utf-8")
    with pytest.raises(ValueError, match="invalid boilerplate regex"):
        load_boilerplate_rules(bad)
    with pytest.raises(ValueError, match="not found"):
        load_boilerplate_rules(tmp_path / "missing.yaml")
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("line_prefix: []\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown keys"):
        load_boilerplate_rules(unknown)


from hypothesis import given, settings, strategies as st  # noqa: E402

_TEXT = st.lists(
    st.sampled_from(list("abcAB .,!?…'’«»\u00a0\u202f\n0123456789éÉMme") + ["M. ", "Lire aussi", "etc. ", "S.A. ", "[...] ", "© AFP\n", "Mis à jour", " le 3 mai"]),
    max_size=80,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(_TEXT)
def test_offsets_valid_and_cleaning_idempotent(text):
    cleaned = clean_text(text)
    for start, end in cleaned.paragraphs + cleaned.sentences:
        assert 0 <= start < end <= len(cleaned.text)
        assert cleaned.text[start:end] == cleaned.text[start:end].strip()
    for start, end in cleaned.sentences:
        assert any(ps <= start and end <= pe for ps, pe in cleaned.paragraphs)
    assert clean_text(cleaned.text) == cleaned


def reference_normalize_chars(text: str) -> str:
    """The straightforward definition: NFC, line ends, then str.translate with the table."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(_TRANSLATION)


def test_normalization_equals_its_definition() -> None:
    chars = [chr(c) for c in range(0x3100)] + [chr(c) for c in _TRANSLATION] + ["\U0001F600", "\r\n"]
    rng = random.Random(0)
    texts = ["a" + c + "b  c\r\nd" for c in chars]
    texts += ["".join(rng.choice(chars) for _ in range(rng.randint(0, 30))) for _ in range(3000)]
    for text in texts:
        assert _normalize_chars(text) == reference_normalize_chars(text), repr(text)
        expected = re.sub(r"\s+", " ", reference_normalize_chars(text)).strip()
        assert normalize_for_matching(text) == expected, repr(text)

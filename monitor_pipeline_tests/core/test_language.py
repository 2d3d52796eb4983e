"""Language detection: fr / en / und, deterministic."""
from monitor_pipeline.core.language import detect_language

FRENCH = (
    "Le ministère de l'Économie a présenté mercredi un plan d'aide aux entreprises qui "
    "développent des outils d'intelligence artificielle, avec un budget de deux milliards d'euros."
)
ENGLISH = (
    "The chipmaker said on Wednesday that it would open a new research centre near Grenoble "
    "and hire several hundred engineers over the next three years."
)


def test_french():
    language, probability = detect_language(FRENCH)
    assert language == "fr"
    assert probability > 0.9


def test_english():
    assert detect_language(ENGLISH)[0] == "en"


def test_undetermined_for_empty_or_letterless_text():
    assert detect_language("") == ("und", 0.0)
    assert detect_language("12 345 — 67 % / 2024 !") == ("und", 0.0)
    assert detect_language("IA ok") == ("und", 0.0)


def test_deterministic_on_ambiguous_text():
    mixed = "Start-up, cloud, data, business model, machine learning, open source, deep tech."
    results = {detect_language(mixed) for _ in range(5)}
    assert len(results) == 1


def test_only_prefix_is_read():
    text = FRENCH + " " + ENGLISH * 50
    assert detect_language(text, max_chars=len(FRENCH))[0] == "fr"

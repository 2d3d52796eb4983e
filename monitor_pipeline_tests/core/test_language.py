"""Language detection: fr / en / und, deterministic, the answers of langdetect with its defaults."""
from concurrent.futures import ThreadPoolExecutor

import pytest

from monitor_pipeline.core.text import language
from monitor_pipeline.core.text.language import detect_language

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


# --------------------------------------------------------------- same answers as langdetect
VARIED = [
    FRENCH,
    ENGLISH,
    FRENCH[:60],
    "Der schnelle braune Fuchs springt über den faulen Hund, sagte der Sprecher am Montag in Berlin.",
    "El gobierno anunció el martes un plan de ayudas para las empresas tecnológicas del país.",
    "IBM ET SAP ANNONCENT UN PARTENARIAT DANS LE CLOUD SOUVERAIN POUR LES BANQUES EUROPÉENNES",
    "Voir   https://example.com/a?b=1  et   écrire à contact@example.fr   pour   les détails du plan.",
    "Xin chào thế giới, đây là một bài kiểm tra về ngôn ngữ và các dấu thanh điệu.",
    "東京は日本の首都です。ひらがなとカタカナと漢字を使います。",
    "Привет, как дела? Это небольшой тест на определение языка текста.",
    "مرحبا بالعالم، هذا اختبار صغير لتحديد لغة النص المكتوب هنا.",
    "Start-up, cloud, data, business model, machine learning, open source, deep tech.",
    (FRENCH + " ") * 40,  # longer than langdetect's 10,000-character limit
]


def langdetect_default(text: str) -> str | None:
    """The top language langdetect answers with its defaults (7 trials, seed 0), on our sample."""
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    try:
        return detect_langs(text[:language.SAMPLE_CHARS])[0].lang
    except LangDetectException:
        return None


@pytest.mark.parametrize("text", VARIED)
def test_fewer_trials_give_langdetects_default_answer(text: str) -> None:
    expected = langdetect_default(text)
    got, probability = detect_language(text)
    if got == "und":
        assert expected is None or sum(ch.isalpha() for ch in text[:language.SAMPLE_CHARS]) < language.MIN_LETTERS
    else:
        assert got == expected and 0.0 < probability <= 1.0


def test_profiles_load_once_and_answers_do_not_depend_on_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(language, "_factory", None)
    texts = VARIED[:8] * 4
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(detect_language, texts))
    assert results == [detect_language(t) for t in texts]
    assert len({id(language._get_factory()) for _ in range(3)}) == 1

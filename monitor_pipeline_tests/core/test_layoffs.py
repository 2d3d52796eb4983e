"""Layoff mentions: triggers, non-triggers, attribution, statuses, headcounts."""
from __future__ import annotations

import pytest

from monitor_pipeline.core.tagging.companies import CompanyMatcher
from monitor_pipeline.core.tagging.layoffs import COUNTED_STATUSES, LayoffLexicon, LayoffLexiconError, find_layoffs
from monitor_pipeline_tests.core.test_companies import small_kb

MATCHER = CompanyMatcher(small_kb())
LEXICON = LayoffLexicon.load()


def layoffs(sentence: str, offset: int = 0, context: str = ""):
    text = " " * offset + sentence
    mentions = [m for m in MATCHER.find(text) if m.start >= offset]
    ctx = MATCHER.find(context) if context else ()
    return find_layoffs(sentence, offset, mentions, LEXICON, context_companies=ctx)


def summary(sentence: str, context: str = "") -> list[tuple]:
    return [(m.company_id, m.status, m.headcount, m.headcount_percent) for m in layoffs(sentence, context=context)]


# --------------------------------------------------------------- triggers
@pytest.mark.parametrize(
    "sentence",
    [
        "Atos annonce des licenciements.",
        "Atos a licencié massivement l'an dernier.",
        "Atos présente un plan social.",
        "Atos ouvre un PSE.",
        "Atos ouvre un plan de sauvegarde de l'emploi.",
        "Atos annonce la suppression de 300 postes.",
        "Atos annonce des suppressions d'emplois.",
        "Atos va supprimer 300 postes.",
        "Atos annonce une réduction d'effectifs.",
        "Atos veut réduire ses effectifs.",
        "Atos lance un plan de départs volontaires.",
        "Atos négocie une rupture conventionnelle collective.",
        "Atos va se séparer de 400 salariés.",
        "Atos traverse une vague de licenciements.",
        "Atos confirms new layoffs.",
    ],
)
def test_triggers(sentence: str) -> None:
    found = layoffs(sentence)
    assert [m.company_id for m in found] == ["atos"], sentence


@pytest.mark.parametrize(
    "sentence",
    [
        "Atos a renouvelé sa licence logicielle.",
        "Le nouveau directeur d'Atos est licencié en droit.",
        "Atos réduit ses coûts de 10 % sans toucher aux emplois.",
        "Atos compte 70 000 salariés dans le monde.",
        "Le club compte 300 licenciés de la fédération.",
    ],
)
def test_non_triggers(sentence: str) -> None:
    assert layoffs(sentence) == []


# --------------------------------------------------------------- attribution
def test_list_of_subjects_gives_one_mention_each() -> None:
    got = summary("Amazon, Accenture, IBM ou Onclusive ont licencié massivement.")
    assert got == [(c, "executed", None, None) for c in ("amazon", "accenture", "ibm", "onclusive")]


def test_chez_and_complement() -> None:
    assert summary("Les syndicats redoutent des suppressions de postes chez Capgemini.")[0][0] == "capgemini"
    assert summary("Le plan social d'Atos concerne 1 200 postes.") == [("atos", "announced", 1200, None)]


def test_comparison_company_not_blamed() -> None:
    assert [m[0] for m in summary("Après Amazon, Salesforce va supprimer 1 000 postes.")] == ["salesforce"]
    assert [m[0] for m in summary("Comme IBM, Klarna a réduit ses effectifs grâce à l'IA.")] == ["klarna"]


def test_relative_clause_and_product_not_blamed() -> None:
    got = summary("Klarna, qui utilise ChatGPT, a supprimé 700 postes de service client.")
    assert got == [("klarna", "executed", 700, None)]
    got = summary("Salesforce, qui travaille avec OpenAI, a annoncé 4 000 suppressions de postes.")
    assert got == [("salesforce", "announced", 4000, None)]


def test_relative_clause_trigger_belongs_to_antecedent() -> None:
    got = summary("Contrairement à Atos, qui a supprimé des milliers de postes, Capgemini n'envisage aucune suppression d'emplois.")
    assert ("atos", "executed", None, None) in got and ("capgemini", "negated", None, None) in got


def test_company_only_after_trigger_without_structure_is_not_blamed() -> None:
    got = summary("Les licenciements inquiètent les salariés de Capgemini.")
    assert [m[0] for m in got] == [None]


def test_generic_statement_has_no_company() -> None:
    got = layoffs("Les plans sociaux se multiplient dans la tech.")
    assert [(m.company_id, m.status) for m in got] == [(None, "generic")]


def test_anaphora_resolved_from_context_when_unique() -> None:
    assert summary("Le groupe prévoit de supprimer 300 postes.", context="Atos publie ses résultats.") == [
        ("atos", "planned", 300, None)]
    # two candidate antecedents: stay generic
    assert summary("Le groupe prévoit de supprimer 300 postes.", context="Atos et Capgemini publient.")[0][0] is None


# --------------------------------------------------------------- statuses
@pytest.mark.parametrize(
    "sentence, status",
    [
        ("Criteo a annoncé la suppression de 1 200 postes.", "announced"),
        ("Criteo annonce un plan social.", "announced"),
        ("Criteo prévoit de supprimer 300 postes.", "planned"),
        ("Criteo envisage un PSE.", "planned"),
        ("Criteo va supprimer 300 postes.", "planned"),
        ("Criteo a licencié 300 salariés.", "executed"),
        ("Criteo reporte son plan social.", "postponed"),
        ("Criteo suspend son plan de départs volontaires.", "postponed"),
        ("Les syndicats contestent le PSE de Criteo.", "contested"),
        ("La justice annule le plan social de Criteo.", "contested"),
        ("Criteo dément tout plan de licenciements.", "denied"),
        ("Criteo assure qu'il n'y aura pas de licenciements.", "denied"),
        ("Criteo ne licencie pas.", "negated"),
        ("Criteo n'envisage aucune suppression de postes.", "negated"),
        ("Criteo pourrait supprimer 300 postes.", "hypothetical"),
        ("Selon des rumeurs, Criteo préparerait un plan social.", "hypothetical"),
        ("Si Criteo devait réduire ses effectifs, la France serait touchée.", "hypothetical"),
        ("Criteo n'exclut pas de nouveaux licenciements.", "hypothetical"),
    ],
)
def test_status(sentence: str, status: str) -> None:
    got = layoffs(sentence)
    assert [m.status for m in got if m.company_id == "criteo"] == [status], got


def test_clause_scoped_negation() -> None:
    got = summary("Atos supprime 2 000 postes, mais Capgemini n'envisage aucun licenciement.")
    assert ("atos", "announced", 2000, None) in got and ("capgemini", "negated", None, None) in got


def test_counted_statuses_and_property() -> None:
    assert {"announced", "planned", "executed"} == COUNTED_STATUSES
    assert layoffs("Atos a licencié 300 salariés.")[0].counted
    assert not layoffs("Atos ne licencie pas.")[0].counted
    assert not layoffs("Les plans sociaux se multiplient.")[0].counted


# --------------------------------------------------------------- headcount
@pytest.mark.parametrize(
    "sentence, headcount, percent",
    [
        ("Atos va supprimer entre 200 et 300 postes.", 300, None),
        ("Atos a licencié plus de 6 000 personnes.", 6000, None),
        ("Atos a licencié 300 de ses 9 000 salariés.", 300, None),
        ("Atos envisage de réduire de 10 % ses effectifs.", None, 10),
        ("Atos envisage un PSE touchant 10 % de ses effectifs.", None, 10),
        ("Atos, qui emploie 9 000 salariés, annonce un plan social.", None, None),
        ("Atos annonce 1 200 suppressions de postes.", 1200, None),
        ("Atos va se séparer de mille collaborateurs.", 1000, None),
    ],
)
def test_headcount(sentence: str, headcount: int | None, percent: float | None) -> None:
    m = layoffs(sentence)[0]
    assert (m.headcount, m.headcount_percent) == (headcount, percent)


def test_offsets_are_sentence_offsets() -> None:
    sentence = "Atos a licencié 300 salariés."
    m = layoffs(sentence, offset=42)[0]
    assert (m.start, m.end, m.sentence) == (42, 42 + len(sentence), sentence)
    assert m.trigger.startswith("licenci")


def test_lexicon_errors(tmp_path) -> None:
    with pytest.raises(LayoffLexiconError, match="not found"):
        LayoffLexicon.load(tmp_path / "nope.yaml")
    with pytest.raises(LayoffLexiconError, match="triggers"):
        LayoffLexicon.from_dict({"triggers": {}})
    with pytest.raises(LayoffLexiconError, match=r"invalid regex in triggers.bad"):
        LayoffLexicon.from_dict({"triggers": {"bad": "(unclosed"}})
    with pytest.raises(LayoffLexiconError, match="unknown cue list"):
        LayoffLexicon.from_dict({"triggers": {"t": "x"}, "cues": {"maybe": ["y"]}})


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st

_PIECES = st.sampled_from(["Atos", "Capgemini", "Amazon", ", ", " et ", " ou ", " qui ", " a ", " ne ", " pas ", " licencié ",
                           " suppression de ", " 300 ", " postes", " plan social", " chez ", " selon ", " pourrait ",
                           " dément ", " 10 % de ses effectifs", "(", ")", " — ", "; ", " mais ", "’", "."])


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=25).map("".join))
def test_never_crashes_and_statuses_are_known(sentence: str) -> None:
    from monitor_pipeline.core.tagging.layoffs import STATUSES

    for m in layoffs(sentence, offset=3):
        assert m.status in STATUSES and (m.start, m.end) == (3, 3 + len(sentence))
        assert m.company_id is not None or m.status not in COUNTED_STATUSES


def test_prefilter_covers_every_trigger_example() -> None:
    """Each trigger example must pass the lexicon's cheap gate (else it would be skipped)."""
    examples = ["licenciements", "plan social", "plan de sauvegarde de l'emploi", "PSE", "suppression de 3 postes",
                "supprimer 3 emplois", "postes supprimés", "réduction d'effectifs", "coupes dans les effectifs",
                "dégraisser ses effectifs", "plan de départs volontaires", "rupture conventionnelle collective", "RCC",
                "se séparer de 30 salariés", "layoffs", "laid off", "job cuts"]
    assert LEXICON.prefilter is not None
    for ex in examples:
        assert LEXICON.prefilter.search(ex), ex
        assert any(p.search(ex) for p in LEXICON.triggers.values()), ex


def test_headcounts_from_the_callers_metrics_are_the_same() -> None:
    from pathlib import Path

    import yaml

    from monitor_pipeline.core.text.clean import clean_text
    from monitor_pipeline.core.tagging.companies import KnowledgeBase
    from monitor_pipeline.core.tagging.numeric_facts import find_metrics

    matcher = CompanyMatcher(KnowledgeBase.load())
    eval_dir = Path(__file__).resolve().parents[2] / "eval"
    passages = [p["text"] for name in ("gold_dev.yaml", "gold_test.yaml")
                for p in yaml.safe_load((eval_dir / name).read_text(encoding="utf-8"))]
    found = 0
    for passage in passages:
        cleaned = clean_text(passage)
        mentions = matcher.find(cleaned.text, cleaned.sentences)
        for s, e in cleaned.sentences:
            sentence = cleaned.text[s:e]
            inside = [m for m in mentions if s <= m.start < e]
            plain = find_layoffs(sentence, s, inside, LEXICON)
            reused = find_layoffs(sentence, s, inside, LEXICON, sentence_metrics=find_metrics(sentence, base_offset=s))
            assert reused == plain, sentence
            found += bool(plain)
    assert found > 30

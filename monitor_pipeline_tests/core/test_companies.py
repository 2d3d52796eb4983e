"""Knowledge base loading/validation and company matching (case rules, elisions, ambiguity)."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from monitor_pipeline.core.tagging.companies import (
    CompanyMatcher,
    KnowledgeBase,
    KnowledgeBaseError,
    default_kb_path,
)

TEST_KB_YAML = textwrap.dedent(
    """
    version: 1
    companies:
      - {id: openai, name: OpenAI, aliases: [Open AI], products: [ChatGPT, Codex, Sora, GPT-5], ambiguous: [Sora], evidence: [OpenAI, IA, vidéo, intelligence artificielle]}
      - {id: anthropic, name: Anthropic, products: [Claude, Claude Code], ambiguous: [Claude], evidence: [IA, modèle, chatbot]}
      - {id: mistral-ai, name: Mistral AI, aliases: [Mistral], products: [Le Chat], ambiguous: [Mistral, Le Chat], evidence: [IA, start-up, modèle, assistant]}
      - {id: google, name: Google, aliases: [Alphabet], products: [Gemini], ambiguous: [Gemini], evidence: [IA, modèle, assistant]}
      - {id: microsoft, name: Microsoft, products: [Copilot, Azure], ambiguous: [Copilot], evidence: [IA, assistant, Office, Windows]}
      - {id: amazon, name: Amazon, aliases: [Amazon Web Services], products: [AWS], ambiguous: [Amazon], evidence: [e-commerce, cloud, Jeff Bezos]}
      - {id: meta, name: Meta, aliases: [Meta Platforms], products: [Llama, Facebook], ambiguous: [Meta, Llama], evidence: [Zuckerberg, Facebook, réseaux sociaux]}
      - {id: apple, name: Apple, products: [iPhone], ambiguous: [Apple], evidence: [iPhone, Cupertino, Tim Cook]}
      - {id: orange, name: Orange, aliases: [Orange Business], ambiguous: [Orange], evidence: [opérateur, télécoms, fibre]}
      - {id: lg, name: LG, aliases: [LG Electronics], ambiguous: [LG], evidence: [coréen, téléviseurs, électronique]}
      - {id: indeed, name: Indeed, ambiguous: [Indeed], evidence: [recrutement, offres d'emploi]}
      - {id: target, name: Target, ambiguous: [Target], evidence: [distributeur, enseigne, magasins]}
      - {id: totalenergies, name: TotalEnergies, aliases: [Total], ambiguous: [Total], evidence: [pétrolier, énergie]}
      - {id: iliad, name: iliad, products: [Free, Freebox], ambiguous: [Free], evidence: [opérateur, Xavier Niel, forfait]}
      - {id: ibm, name: IBM, products: [Watsonx]}
      - {id: sap, name: SAP}
      - {id: hp, name: HP}
      - {id: cgi, name: CGI}
      - {id: nvidia, name: Nvidia}
      - {id: accenture, name: Accenture}
      - {id: onclusive, name: Onclusive}
      - {id: atos, name: Atos}
      - {id: klarna, name: Klarna}
      - {id: criteo, name: Criteo}
      - {id: capgemini, name: Capgemini}
      - {id: salesforce, name: Salesforce}
    """
)


def small_kb() -> KnowledgeBase:
    """The in-test knowledge base (shared by the other tagging tests)."""
    return KnowledgeBase.from_dict(yaml.safe_load(TEST_KB_YAML))


@pytest.fixture(scope="module")
def matcher() -> CompanyMatcher:
    return CompanyMatcher(small_kb())


def ids(matcher: CompanyMatcher, text: str) -> list[str]:
    return [m.company_id for m in matcher.find(text)]


# ------------------------------------------------------------------ loader
def _write(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "kb.yaml"
    p.write_text(textwrap.dedent(body), encoding="utf-8")
    return p


def test_load_from_file(tmp_path: Path) -> None:
    kb = KnowledgeBase.load(_write(tmp_path, TEST_KB_YAML))
    assert kb.companies["openai"].products == ("ChatGPT", "Codex", "Sora", "GPT-5")
    assert "sora" in kb.companies["openai"].ambiguous
    assert len(kb) == len(yaml.safe_load(TEST_KB_YAML)["companies"])


@pytest.mark.parametrize(
    "body, message",
    [
        ("companies:\n  - {id: a, name: A, colour: red}\n", "unknown key(s) colour"),
        ("companies:\n  - {id: a, name: A}\n  - {id: a, name: B}\n", "duplicate company id 'a'"),
        ("companies:\n  - {id: a, name: A, aliases: [Zed]}\n  - {id: b, name: B, aliases: [zed]}\n", "already used by company 'a'"),
        ("companies:\n  - {id: a}\n", "'a': missing required field(s) name"),
        ("companies:\n  - {name: Nameless}\n", "missing required field(s) id"),
        ("companies:\n  - {id: Bad_Id, name: A}\n", "lowercase slug"),
        ("companies:\n  - {id: a, name: A, ambiguous: [Other]}\n", "ambiguous form 'Other'"),
        ("companies:\n  - {id: a, name: A, aliases: Zed2, products: [1]}\n", "'products' must be a list"),
        ("nothing: here\n", "expected a 'companies' list"),
    ],
)
def test_invalid_kb_names_the_problem(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(KnowledgeBaseError, match=message.replace("(", r"\(").replace(")", r"\)")):
        KnowledgeBase.load(_write(tmp_path, body))


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match="not found"):
        KnowledgeBase.load(tmp_path / "absent.yaml")


@pytest.mark.skipif(not default_kb_path().exists(), reason="packaged knowledge base not written yet")
def test_packaged_kb_loads_and_has_shared_ids() -> None:
    kb = KnowledgeBase.load()
    assert len(kb) >= 160
    for cid in ("openai", "anthropic", "mistral-ai", "amazon", "ibm", "onclusive", "orange", "iliad", "totalenergies"):
        assert cid in kb


# ------------------------------------------------------------------ matching basics
def test_offsets_and_via(matcher: CompanyMatcher) -> None:
    text = "Selon OpenAI, ChatGPT progresse."
    found = matcher.find(text)
    assert [(m.company_id, m.via, text[m.start:m.end]) for m in found] == [
        ("openai", "name", "OpenAI"), ("openai", "product", "ChatGPT")]
    assert found[1].product == "ChatGPT"


def test_elisions_and_contractions(matcher: CompanyMatcher) -> None:
    text = "Il faut qu'OpenAI réponde à l'américain Nvidia, jusqu'à Capgemini, et aux clients d'Accenture."
    assert ids(matcher, text) == ["openai", "nvidia", "capgemini", "accenture"]


def test_typographic_apostrophe_accepted(matcher: CompanyMatcher) -> None:
    assert ids(matcher, "La stratégie d’Accenture et celle de l’américain Nvidia.") == ["accenture", "nvidia"]


def test_longest_match_first(matcher: CompanyMatcher) -> None:
    found = matcher.find("Mistral AI a dévoilé un nouveau modèle.")
    assert [(m.surface, m.via) for m in found] == [("Mistral AI", "name")]
    found = matcher.find("Anthropic pousse Claude Code auprès des développeurs.")
    assert [m.surface for m in found] == ["Anthropic", "Claude Code"]


def test_word_boundaries(matcher: CompanyMatcher) -> None:
    assert ids(matcher, "Les IBMistes et les Atosiens ne comptent pas ; HPE non plus.") == []
    assert ids(matcher, "GPT-5 est disponible.") == ["openai"]


def test_all_caps_forms_are_case_sensitive(matcher: CompanyMatcher) -> None:
    assert ids(matcher, "IBM, SAP, HP et CGI recrutent.") == ["ibm", "sap", "hp", "cgi"]
    assert ids(matcher, "Une sap, un hp, un Ibm et une cgi.") == []


def test_lowercase_occurrence_of_capitalized_name_is_ignored(matcher: CompanyMatcher) -> None:
    assert ids(matcher, "Les nvidia de ce monde") == []
    assert ids(matcher, "NVIDIA et Nvidia") == ["nvidia", "nvidia"]


# ------------------------------------------------------------------ ambiguous forms: one positive, one negative each
AMBIGUOUS_CASES = [
    ("orange", "L'opérateur Orange déploie la fibre dans 500 communes.", "Il a mangé une orange. Orange Mécanique reste un classique."),
    ("apple", "Apple a vendu plus d'iPhone que prévu.", "Le Big Apple Circus revient cet hiver à New York."),
    ("meta", "Meta veut attirer les adolescents sur Facebook.", "Meta a été reportée, dit le programme du festival."),
    ("mistral-ai", "Mistral a présenté un nouveau modèle d'IA.", "Le mistral souffle fort ce matin sur Marseille. Mistral Gagnant reste une belle chanson."),
    ("amazon", "Amazon renforce son offre de cloud.", "La forêt Amazon et ses fleuves fascinent les voyageurs."),
    ("lg", "Le coréen LG a présenté ses téléviseurs OLED.", "La LG de cet auteur est une lettre grecque, écrit-il."),
    ("indeed", "Le site de recrutement Indeed publie des offres d'emploi.", "Indeed, the weather was fine, he wrote."),
    ("target", "Le distributeur Target ferme des magasins.", "Target practice is a sport, the coach said."),
    ("totalenergies", "Le pétrolier Total a revu sa stratégie.", "Total, ce sont trois jours de grève en région."),
    ("iliad", "Free, l'opérateur de Xavier Niel, baisse ses prix.", "Free jazz et musique improvisée au programme."),
    ("openai", "Sora génère de la vidéo à partir d'un texte.", "Sora est une chanteuse japonaise populaire."),
    ("google", "Gemini est l'assistant de Google... ou presque.", "Les Gémeaux, ou Gemini, sont un signe astrologique."),
    ("mistral-ai", "Le Chat, l'assistant de la start-up, gagne des utilisateurs.", "Le Chat Botté est un conte de Perrault."),
    ("anthropic", "Claude est un modèle conçu pour le code.", "Claude Malhuret a interpellé le gouvernement. Claude a chanté hier."),
    ("microsoft", "Copilot est l'assistant intégré à Windows.", "Le copilote, ou Copilot dans le jargon du rallye, lit les notes."),
]


@pytest.mark.parametrize("cid, positive, negative", AMBIGUOUS_CASES, ids=[c[1][:20] for c in AMBIGUOUS_CASES])
def test_ambiguous_form_needs_evidence(matcher: CompanyMatcher, cid: str, positive: str, negative: str) -> None:
    assert cid in ids(matcher, positive), positive
    assert cid not in ids(matcher, negative), negative


def test_ambiguous_confirmed_by_unambiguous_mention_elsewhere(matcher: CompanyMatcher) -> None:
    text = "AWS accélère. Amazon a aussi ouvert un entrepôt."
    assert ids(matcher, text) == ["amazon", "amazon"]
    text = "Mistral AI recrute. Plus tard, Mistral a déménagé."
    assert ids(matcher, text) == ["mistral-ai", "mistral-ai"]


def test_ambiguous_confirmed_by_descriptor(matcher: CompanyMatcher) -> None:
    assert ids(matcher, "Chez Orange, la journée a été longue.") == ["orange"]


def test_ambiguous_lowercase_never_matches_even_with_evidence(matcher: CompanyMatcher) -> None:
    assert ids(matcher, "L'opérateur a offert une orange à chaque client.") == []


def test_evidence_in_another_sentence_does_not_count(matcher: CompanyMatcher) -> None:
    text = "L'opérateur investit. Orange a été la couleur de l'année."
    assert "orange" not in ids(matcher, text)

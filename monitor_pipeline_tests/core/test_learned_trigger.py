"""The learned agent classifier (``core.tagging.learned_trigger``, on since tagger-2.7): a company named
in a sentence that holds layoff mentions but none of its own is one more agent when the classifier
(trained on the dev split by ``eval/train_learned_trigger.py``) says so. Sentences written for these tests
(invented companies)."""
from __future__ import annotations

import json

import pytest

from monitor_pipeline.core.tagging.learned_trigger import DEFAULT_MODEL
from monitor_pipeline.core.tagging.tagger import Tagger
from monitor_pipeline.core.text.clean import clean_text


@pytest.fixture(scope="module")
def learned() -> Tagger:
    return Tagger(with_ner=True, learned=True)


def mentions(tagger: Tagger, text: str) -> dict[str | None, tuple[str, int | None]]:
    return {l.company_name: (l.status, l.headcount) for l in tagger.tag(clean_text(text)).layoffs}


def test_the_agent_classifier_is_on_by_default_and_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MONITOR_PIPELINE_LEARNED", raising=False)
    tagger = Tagger(with_ner=False)
    assert tagger.learned_agents is not None
    assert tagger.learned is None  # the sentence classifier: kept off by cross-validation ("sentence": null)
    monkeypatch.setenv("MONITOR_PIPELINE_LEARNED", "0")
    off = Tagger(with_ner=False)
    assert off.learned is None and off.learned_agents is None


def test_the_model_is_small_and_complete() -> None:
    assert DEFAULT_MODEL.stat().st_size < 1_000_000
    model = json.loads(DEFAULT_MODEL.read_text(encoding="utf-8"))
    assert set(model) == {"sentence", "agents"} and model["agents"]["threshold"] > 0


def test_a_list_member_the_parse_leaves_out(learned: Tagger) -> None:
    text = "Coupes chez les fabricants de meubles : Zorbex supprime 120 postes, Quintaline 45, et Mirabor encore 30 à Nantes."
    assert Tagger(with_ner=True, learned=False).tag(clean_text(text)).layoffs[-1].company_name != "Mirabor"
    assert mentions(learned, text)["Mirabor"][0] == "announced"


@pytest.mark.parametrize("text, not_agent", [
    ("Selon le décompte de Jobwatch, 500 salariés ont été licenciés chez Orvanta.", "Jobwatch"),
    ("Tessio recrute tandis que 40 postes disparaissent chez Brumel.", "Tessio"),
])
def test_sources_and_contrasts_are_no_agents(learned: Tagger, text: str, not_agent: str) -> None:
    assert not_agent not in mentions(learned, text)

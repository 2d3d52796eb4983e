"""The gold-set scorer itself, on a tiny in-test gold set."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor_pipeline.core.tagging.companies import CompanyMention
from monitor_pipeline.core.tagging.layoffs import LayoffMention
from monitor_pipeline.core.tagging.metrics import Metric
from monitor_pipeline.core.tagging.tagger import TagResult
from monitor_pipeline.evaluation.gold_eval import GoldFormatError, evaluate, load_gold, main

GOLD = """
- id: t1
  text: "Atos a licencié 300 salariés."
  companies: [atos]
  layoffs:
    - {company: atos, status: executed, headcount: 300}
  metrics:
    - {value: 300, kind: count, unit: salariés, qualifier: null}
- id: t2
  text: "Capgemini ne licencie pas, contrairement à Atos."
  companies: [capgemini, atos]
  layoffs:
    - {company: capgemini, status: negated, headcount: null}
  metrics: []
"""


def _mention(cid: str) -> CompanyMention:
    return CompanyMention(cid, cid.title(), cid.title(), 0, 1, "name")


PERFECT = {
    "Atos a licencié 300 salariés.": TagResult(
        companies=[_mention("atos")],
        metrics=[Metric("300 salariés", 300.0, None, "count", None, "salariés", None, 16, 28, "atos")],
        layoffs=[LayoffMention("atos", "executed", 300, None, "licencié", "s", 0, 1)],
    ),
    "Capgemini ne licencie pas, contrairement à Atos.": TagResult(
        companies=[_mention("capgemini"), _mention("atos")],
        layoffs=[LayoffMention("capgemini", "negated", None, None, "licencie", "s", 0, 1)],
    ),
}


@pytest.fixture()
def gold(tmp_path: Path):
    p = tmp_path / "gold_dev.yaml"
    p.write_text(GOLD, encoding="utf-8")
    return load_gold(p)


def test_perfect_tagger_scores_one(gold) -> None:
    d = evaluate(gold, lambda t: PERFECT[t]).as_dict()
    for key in ("companies", "layoff_events", "counted_events", "headcounts", "metric_values"):
        assert (d[key]["precision"], d[key]["recall"], d[key]["f1"]) == (1.0, 1.0, 1.0), key
    assert d["layoff_status_accuracy"] == 1.0
    assert all(t["met"] for t in d["targets"].values())
    assert d["errors"] == []


def test_missing_mention_lowers_recall_not_precision(gold) -> None:
    def tag(text: str) -> TagResult:
        r = PERFECT[text]
        if text.startswith("Atos"):
            return TagResult(companies=[], metrics=r.metrics, layoffs=[])
        return r

    d = evaluate(gold, tag).as_dict()
    assert d["companies"]["recall"] == pytest.approx(2 / 3, abs=1e-3) and d["companies"]["precision"] == 1.0
    assert d["layoff_events"]["recall"] == 0.5 and d["layoff_events"]["precision"] == 1.0
    assert d["counted_events"]["recall"] == 0.0
    assert d["errors"][0]["id"] == "t1"


def test_spurious_event_and_wrong_status(gold) -> None:
    def tag(text: str) -> TagResult:
        r = PERFECT[text]
        if text.startswith("Capgemini"):
            # the negation is missed: counted event blamed on Capgemini, and Atos blamed too
            return TagResult(companies=r.companies, layoffs=[
                LayoffMention("capgemini", "announced", None, None, "licencie", "s", 0, 1),
                LayoffMention("atos", "executed", None, None, "licencie", "s", 0, 1)])
        return r

    d = evaluate(gold, tag).as_dict()
    assert d["layoff_events"]["tp"] == 1 and d["layoff_events"]["fp"] == 2 and d["layoff_events"]["fn"] == 1
    assert d["layoff_status_accuracy"] == 0.5


def test_metric_value_and_kind_must_match(gold) -> None:
    def tag(text: str) -> TagResult:
        r = PERFECT[text]
        if r.metrics:
            return TagResult(r.companies, [Metric("300", 300.0, "EUR", "money", None, None, None, 0, 3)], r.layoffs)
        return r

    d = evaluate(gold, tag).as_dict()
    assert d["metric_values"]["recall"] == 0.0


def test_bad_gold_file(tmp_path: Path) -> None:
    p = tmp_path / "gold_dev.yaml"
    p.write_text("- {id: x}\n", encoding="utf-8")
    with pytest.raises(GoldFormatError, match="passage x: needs a 'text'"):
        load_gold(p)


def test_cli_json(tmp_path: Path, capsys) -> None:
    (tmp_path / "gold_dev.yaml").write_text(GOLD, encoding="utf-8")
    assert main(["--split", "dev", "--eval-dir", str(tmp_path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["passages"] == 2 and "layoff_events" in data
    assert main(["--split", "test", "--eval-dir", str(tmp_path)]) == 2  # gold_test.yaml absent

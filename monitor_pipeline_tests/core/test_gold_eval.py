"""The gold-set scorer and loaders, on tiny in-test gold sets and synthetic predictions."""
from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from monitor_pipeline.core.tagging.companies import CompanyMention
from monitor_pipeline.core.tagging.layoffs import LayoffMention
from monitor_pipeline.core.tagging.numeric_facts import Metric
from monitor_pipeline.core.tagging.org_candidates import OrgCandidate
from monitor_pipeline.core.tagging.draft import TagResult
from monitor_pipeline.evaluation.gold_eval import EXTERNAL_ENV, evaluate, main
from monitor_pipeline.evaluation.gold_format import CompanyResolver, GoldFormatError, load_external, load_gold

GOLD = """
- id: t1
  classes: [headcount]
  text: "Atos a licencié 300 salariés."
  companies: [atos]
  layoffs:
    - {company: atos, status: executed, headcount: 300}
  metrics:
    - {value: 300, kind: count, unit: salariés, qualifier: null}
- id: t2
  classes: [status_governor]
  text: "Capgemini ne licencie pas, contrairement à Atos."
  companies: [capgemini, atos]
  layoffs:
    - {company: capgemini, status: negated, headcount: null}
  metrics: []
- id: t3
  classes: [unknown_company, headcount]
  text: "Lufthansa supprimera de 4 000 à 6 000 postes. Les entreprises qui licencient inquiètent."
  companies: [Lufthansa]
  layoffs:
    - {company: Lufthansa, status: planned, headcount: 6000, headcount_low: 4000, headcount_high: 6000}
    - {company: null, status: generic, headcount: null}
  metrics:
    - {value: 6000, range_low: 4000, kind: count, unit: postes, qualifier: environ}
"""


@pytest.fixture(scope="module")
def resolver() -> CompanyResolver:
    return CompanyResolver()


def _company(cid: str, **extra) -> CompanyMention:
    mention = CompanyMention(cid, cid.title(), cid.title(), 0, 1, "name")
    for key, value in extra.items():
        object.__setattr__(mention, key, value)
    return mention


def _layoff(cid: str | None, status: str, head: int | None = None, **extra) -> SimpleNamespace:
    """A layoff as the new tagger gives it (``headcount_low``/``high`` optional)."""
    return SimpleNamespace(company_id=cid, status=status, headcount=head, **extra)


def _perfect() -> dict[str, TagResult]:
    return {
        "Atos a licencié 300 salariés.": TagResult(
            companies=[_company("atos")],
            metrics=[Metric("300 salariés", 300.0, None, "count", None, "salariés", None, 16, 28, "atos")],
            layoffs=[LayoffMention("atos", "executed", 300, None, "licencié", "s", 0, 1)],
        ),
        "Capgemini ne licencie pas, contrairement à Atos.": TagResult(
            companies=[_company("capgemini"), _company("atos")],
            layoffs=[LayoffMention("capgemini", "negated", None, None, "licencie", "s", 0, 1)],
        ),
        "Lufthansa supprimera de 4 000 à 6 000 postes. Les entreprises qui licencient inquiètent.": TagResult(
            companies=[_company("lufthansa", known=False)],
            metrics=[Metric("environ 4 000 à 6 000 postes", 6000.0, None, "count", "environ", "postes", 4000.0, 0, 5)],
            layoffs=[_layoff("lufthansa", "planned", 6000, headcount_low=4000, headcount_high=6000),
                     _layoff(None, "generic")],
        ),
    }


@pytest.fixture()
def gold(tmp_path: Path, resolver: CompanyResolver):
    p = tmp_path / "gold_test.yaml"
    p.write_text(GOLD, encoding="utf-8")
    return load_gold(p, resolver)


def _score(gold, resolver, changes: dict[str, TagResult] | None = None) -> dict:
    results = {**_perfect(), **(changes or {})}
    return evaluate(gold, lambda t: results[t], split="test", resolver=resolver).as_dict()


def test_perfect_tagger_scores_one_everywhere(gold, resolver) -> None:
    d = _score(gold, resolver)
    for key in ("companies", "companies_known", "companies_unknown", "events", "generic", "mentions",
                "metric_values", "metrics_full"):
        assert (d[key]["precision"], d[key]["recall"]) == (1.0, 1.0), key
    assert d["headcount"] == {"right": 2, "total": 2, "accuracy": 1.0}
    assert d["not_counted_status"] == {"right": 1, "total": 1, "accuracy": 1.0}
    assert all(t["met"] for t in d["targets"].values()) and d["errors"] == []
    assert d["classes"]["headcount"]["passages"] == 2 and d["classes"]["status_governor"]["passages"] == 1


def test_missed_event_lowers_recall_not_precision(gold, resolver) -> None:
    d = _score(gold, resolver, {"Atos a licencié 300 salariés.": TagResult(companies=[_company("atos")])})
    assert d["events"]["recall"] == 0.5 and d["events"]["precision"] == 1.0
    assert d["headcount"]["total"] == 1  # only events found on both sides are judged
    assert d["errors"][0]["id"] == "t1" and d["errors"][0]["events"]["missed"] == ["atos"]
    assert d["classes"]["headcount"]["events"]["recall"] == 0.5
    assert d["classes"]["status_governor"]["events"]["recall"] == 1.0


def test_negation_missed_is_a_spurious_event_and_a_wrong_status(gold, resolver) -> None:
    d = _score(gold, resolver, {"Capgemini ne licencie pas, contrairement à Atos.": TagResult(
        companies=[_company("capgemini"), _company("atos")],
        layoffs=[LayoffMention("capgemini", "announced", None, None, "licencie", "s", 0, 1),
                 LayoffMention("atos", "executed", None, None, "licencie", "s", 0, 1)])})
    assert (d["events"]["tp"], d["events"]["fp"], d["events"]["fn"]) == (2, 2, 0)
    assert d["not_counted_status"]["accuracy"] == 0.0 and d["not_counted_kept_out"]["accuracy"] == 0.0
    assert not d["targets"]["not_counted_status.accuracy"]["met"]


def test_wrong_not_counted_status_is_kept_out_but_not_right(gold, resolver) -> None:
    d = _score(gold, resolver, {"Capgemini ne licencie pas, contrairement à Atos.": TagResult(
        companies=[_company("capgemini"), _company("atos")],
        layoffs=[_layoff("capgemini", "denied")])})
    assert d["not_counted_kept_out"]["accuracy"] == 1.0 and d["not_counted_status"]["accuracy"] == 0.0
    assert d["mentions"]["fp"] == 1 and d["mentions"]["fn"] == 1


def test_generic_mentions_are_scored(gold, resolver) -> None:
    d = _score(gold, resolver, {"Atos a licencié 300 salariés.": TagResult(
        companies=[_company("atos")], metrics=_perfect()["Atos a licencié 300 salariés."].metrics,
        layoffs=[_layoff("atos", "executed", 300), _layoff(None, "generic")])})
    assert d["generic"]["fp"] == 1 and d["generic"]["tp"] == 1 and d["generic"]["precision"] == 0.5
    assert d["events"]["precision"] == 1.0  # a generic mention is no event


@pytest.mark.parametrize("layoff, ok", [
    (_layoff("lufthansa", "planned", 6000), True),  # the upper bound
    (_layoff("lufthansa", "planned", None, headcount_low=4000, headcount_high=6000), True),
    (_layoff("lufthansa", "planned", 4000), False),  # the lower bound alone
    (_layoff("lufthansa", "planned", 5000, headcount_low=4000, headcount_high=5000), False),
    (_layoff("lufthansa", "planned", None), False),
])
def test_headcount_is_range_aware(gold, resolver, layoff, ok: bool) -> None:
    text = "Lufthansa supprimera de 4 000 à 6 000 postes. Les entreprises qui licencient inquiètent."
    perfect = _perfect()[text]
    d = _score(gold, resolver, {text: TagResult(perfect.companies, perfect.metrics, [layoff, _layoff(None, "generic")])})
    assert d["headcount"]["right"] == (2 if ok else 1) and d["headcount"]["total"] == 2
    assert d["events"]["tp"] == 2  # the event is found whatever its headcount


def test_null_gold_headcount_needs_a_null_prediction(tmp_path: Path, resolver) -> None:
    p = tmp_path / "gold_dev.yaml"
    p.write_text('- {id: d1, text: "Meta licencie 5 % de ses effectifs.", companies: [meta], '
                 'layoffs: [{company: meta, status: announced, headcount: null}]}\n', encoding="utf-8")
    gold = load_gold(p, resolver)
    wrong = evaluate(gold, lambda t: TagResult([_company("meta")], [], [_layoff("meta", "announced", 5)]), resolver=resolver)
    right = evaluate(gold, lambda t: TagResult([_company("meta")], [], [_layoff("meta", "executed", None)]), resolver=resolver)
    assert wrong.headcount.accuracy == 0.0 and right.headcount.accuracy == 1.0


def test_unknown_companies_count_by_slug_from_companies_or_ner(gold, resolver) -> None:
    text = "Lufthansa supprimera de 4 000 à 6 000 postes. Les entreprises qui licencient inquiètent."
    perfect = _perfect()[text]
    via_ner = TagResult([], perfect.metrics, perfect.layoffs, org_candidates=[OrgCandidate("Lufthansa", text)])
    d = _score(gold, resolver, {text: via_ner})
    assert d["companies_unknown"] == {"tp": 1, "fp": 0, "fn": 0, "precision": 1.0, "recall": 1.0, "f1": 1.0}
    missed = _score(gold, resolver, {text: TagResult([], perfect.metrics, perfect.layoffs)})
    assert missed["companies_unknown"]["recall"] == 0.0 and missed["companies_known"]["recall"] == 1.0
    source = TagResult(perfect.companies + [_company("reuters", known=False)], perfect.metrics, perfect.layoffs)
    assert _score(gold, resolver, {text: source})["companies_unknown"]["fp"] == 1


def test_metric_unit_and_qualifier_are_scored(gold, resolver) -> None:
    text = "Atos a licencié 300 salariés."
    perfect = _perfect()[text]
    wrong_unit = Metric("300", 300.0, None, "count", "environ", "postes", None, 0, 3)
    d = _score(gold, resolver, {text: TagResult(perfect.companies, [wrong_unit], perfect.layoffs)})
    assert d["metric_values"]["recall"] == 1.0 and d["metrics_full"]["recall"] == 0.5
    wrong_kind = Metric("300", 300.0, "EUR", "money", None, None, None, 0, 3)
    assert _score(gold, resolver, {text: TagResult(perfect.companies, [wrong_kind], perfect.layoffs)})[
        "metric_values"]["recall"] == 0.5


def test_tagger_without_the_new_fields_is_scored(gold, resolver) -> None:
    bare = {t: SimpleNamespace(companies=[SimpleNamespace(company_id=c.company_id) for c in r.companies],
                               layoffs=[SimpleNamespace(company_id=l.company_id, status=l.status) for l in r.layoffs])
            for t, r in _perfect().items()}
    d = evaluate(gold, lambda t: bare[t], resolver=resolver).as_dict()
    assert d["events"]["f1"] == 1.0 and d["metric_values"]["recall"] == 0.0
    assert d["headcount"]["right"] == 0  # no headcount given: the stated numbers are missed


@pytest.mark.parametrize("entry, message", [
    ('{id: x, companies: []}', "passage x: needs a 'text'"),
    ('{id: x, text: "a", companies: [atos], layoffs: [{company: atos, status: fired}]}', "passage x: status 'fired'"),
    ('{id: x, text: "a", companies: [atoss]}', "passage x: 'atoss' is not a knowledge-base id"),
    ('{id: x, text: "a", companies: [Capgemini]}', "passage x: 'Capgemini' is a knowledge-base company: write its id 'capgemini'"),
    ('{id: x, text: "a", companies: [], layoffs: [{company: atos, status: executed}]}', "passage x: layoff company 'atos' is missing"),
    ('{id: x, text: "a", classes: [weird]}', "passage x: unknown classes"),
    ('{id: x, text: "a", companies: [atos], layoffs: [{company: atos, status: planned, headcount: 5, headcount_low: 9, headcount_high: 5}]}',
     "passage x: a range needs"),
    ('{id: x, text: "a", metrics: [{value: 3, kind: count, qualifier: quasi}]}', "passage x: qualifier 'quasi'"),
])
def test_loader_errors_name_file_and_passage(tmp_path: Path, resolver, entry: str, message: str) -> None:
    p = tmp_path / "gold_dev.yaml"
    p.write_text(f"- {entry}\n", encoding="utf-8")
    with pytest.raises(GoldFormatError, match=re.escape(f"{p}: {message}")):
        load_gold(p, resolver)


def test_duplicate_ids_are_refused(tmp_path: Path, resolver) -> None:
    p = tmp_path / "gold_dev.yaml"
    p.write_text('- {id: a, text: "x"}\n- {id: a, text: "y"}\n', encoding="utf-8")
    with pytest.raises(GoldFormatError, match="passage a: duplicate id"):
        load_gold(p, resolver)


def test_repository_gold_files_are_valid(resolver) -> None:
    root = Path(__file__).resolve().parents[2] / "eval"
    dev, test = load_gold(root / "gold_dev.yaml", resolver), load_gold(root / "gold_test.yaml", resolver)
    assert not {p.id for p in dev} & {p.id for p in test}
    classified = [p for p in dev + test if p.classes]
    assert len(classified) >= 150 and sum(1 for p in test if p.classes) * 2 >= len(classified)
    for cls in ("attribution", "list_comme", "trigger_variant", "cleft_passive", "enumeration_elided", "anaphora",
                "status_governor", "unknown_company", "negative", "precision_guard", "headcount"):
        assert any(cls in p.classes for p in dev) and any(cls in p.classes for p in test), cls


EXTERNAL = [
    {"id": "x1", "text": "Brevo supprime entre 80 et 100 postes, selon Reuters.", "counted": [{"company": "Brevo", "headcount": 100}],
     "headcount_range": [80, 100], "not_counted": ["Reuters"], "companies": ["Brevo"], "metrics": [100]},
    {"id": "x2", "text": "Le plan de Mistral AI est repoussé ; Criteo, lui, pourrait licencier.", "counted": [],
     "postponed": [{"company": "Mistral AI", "headcount": None}], "not_counted": ["Mistral AI", "Criteo"],
     "optional": ["Criteo"], "companies": ["Mistral AI", "Criteo"]},
]


def test_external_set_is_scored_with_its_own_format(tmp_path: Path, resolver) -> None:
    p = tmp_path / "ext.jsonl"
    p.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in EXTERNAL), encoding="utf-8")
    passages = load_external(p, resolver, {"x1": ["headcount"]})
    assert passages[1].companies == {"mistral-ai", "criteo"} and passages[0].classes == ("headcount",)
    preds = {
        EXTERNAL[0]["text"]: TagResult([_company("brevo", known=False)],
                                       [Metric("100 postes", 100.0, None, "count", None, "postes", 80.0, 0, 1)],
                                       [_layoff("brevo", "announced", 90, headcount_low=80, headcount_high=100)]),
        EXTERNAL[1]["text"]: TagResult([_company("mistral-ai"), _company("criteo")], [],
                                       [_layoff("mistral-ai", "postponed"), _layoff("criteo", "planned")]),
    }
    d = evaluate(passages, lambda t: preds[t], split="external", resolver=resolver).as_dict()
    assert (d["events"]["tp"], d["events"]["fp"], d["events"]["fn"]) == (1, 0, 0)  # Criteo is optional
    assert d["headcount"]["accuracy"] == 1.0  # same low/high as the range
    assert d["not_counted_status"] == {"right": 2, "total": 2, "accuracy": 1.0}  # Reuters kept out; Mistral postponed
    assert d["metric_values"]["recall"] == 1.0 and d["metric_values"]["precision"] is None
    preds[EXTERNAL[1]["text"]] = TagResult([_company("mistral-ai")], [], [_layoff("mistral-ai", "planned")])
    d = evaluate(passages, lambda t: preds[t], split="external", resolver=resolver).as_dict()
    assert d["events"]["fp"] == 1 and d["not_counted_status"]["right"] == 1 and d["companies"]["fn"] == 1


def test_external_errors_name_file_and_passage(tmp_path: Path, resolver) -> None:
    p = tmp_path / "ext.jsonl"
    p.write_text('{"id": "x1", "text": "a", "counted": [{"headcount": 3}]}\n', encoding="utf-8")
    with pytest.raises(GoldFormatError, match=r"ext\.jsonl: passage x1: an event must be"):
        load_external(p, resolver)


def test_cli_prints_splits_apart_and_skips_a_missing_external_set(tmp_path: Path, capsys, monkeypatch) -> None:
    (tmp_path / "gold_dev.yaml").write_text(GOLD.replace("id: t", "id: d"), encoding="utf-8")
    (tmp_path / "gold_test.yaml").write_text(GOLD, encoding="utf-8")
    monkeypatch.setenv(EXTERNAL_ENV, str(tmp_path / "absent.jsonl"))
    assert main(["--split", "all", "--eval-dir", str(tmp_path), "--no-ner", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data["splits"]) == {"dev", "test"} and "absent.jsonl" in data["skipped"]["external"]
    assert data["splits"]["test"]["passages"] == 3 and "headcount" in data["splits"]["test"]["classes"]
    ext = tmp_path / "ext.jsonl"
    ext.write_text(json.dumps(EXTERNAL[0], ensure_ascii=False) + "\n", encoding="utf-8")
    assert main(["--split", "all", "--eval-dir", str(tmp_path), "--no-ner", "--external", str(ext)]) == 0
    out = capsys.readouterr().out
    assert "== dev: 3 passages ==" in out and "== test: 3 passages ==" in out and "== external: 1 passages ==" in out
    assert "events.precision 1.000 (>= 0.95) met" in out


def test_cli_refuses_an_id_used_in_both_splits(tmp_path: Path, capsys) -> None:
    (tmp_path / "gold_dev.yaml").write_text(GOLD, encoding="utf-8")
    (tmp_path / "gold_test.yaml").write_text(GOLD, encoding="utf-8")
    assert main(["--split", "all", "--eval-dir", str(tmp_path), "--no-ner"]) == 2
    assert "passage t1: id already used in the dev split" in capsys.readouterr().err


def test_cli_scores_a_new_batch_alone_from_its_first_id(tmp_path: Path, capsys) -> None:
    (tmp_path / "gold_dev.yaml").write_text(GOLD.replace("id: t", "id: d"), encoding="utf-8")
    assert main(["--split", "dev", "--eval-dir", str(tmp_path), "--no-ner", "--json", "--from-id", "d2"]) == 0
    assert json.loads(capsys.readouterr().out)["splits"]["dev"]["passages"] == 2
    assert main(["--split", "dev", "--eval-dir", str(tmp_path), "--no-ner", "--from-id", "d9"]) == 2
    assert "no passage d9" in capsys.readouterr().err

"""Writing docs/BENCHMARKS.md and docs/benchmarks.json from the scenario results."""
from __future__ import annotations

import json
from pathlib import Path

from monitor_pipeline import warehouse

DOCS = warehouse.PROJECT_ROOT / "docs"
TITLES = {
    "against_limit": "1. End to end vs the extraction floor (ratio ≤ 1.5)",
    "against_obvious": "2. Against the obvious implementation (≥ 10× faster, tags equal or better)",
    "nothing_new": "3. Nothing new: the second poll (≤ 5 % of the first run)",
    "growth": "4. Growth: time and peak memory at two sizes (memory ratio ≤ 1.5)",
    "analyst_queries": "5. Analysts' example queries on one million mentions (each < 200 ms)",
    "article_search": "5b. Full-text search of one million articles (two-word query < 200 ms)",
    "dagster_overhead": "6. Dagster overhead (ratio ≤ 1.2)",
    "feed_polling": "7. Feed polling: concurrent vs one after another (≥ 10×)",
    "stage_costs": "8. Per-stage cost per article (after-extraction < extraction; tagging < extraction)",
}


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (dict, list)):
        return "`" + json.dumps(value, ensure_ascii=False) + "`"
    return str(value)


def _table(result: dict) -> list[str]:
    lines = ["| figure | value |", "| --- | --- |"]
    for key, value in result.items():
        if key in ("queries",):
            continue
        lines.append(f"| {key} | {_fmt(value)} |")
    if "queries" in result:
        lines += ["", "| query | median ms | rows |", "| --- | --- | --- |"]
        lines += [f"| {q['query']} | {q['median_ms']} | {q['rows']} |" for q in result["queries"]]
    return lines


def write(results: dict, meta: dict, notes: str, docs: Path = DOCS) -> None:
    docs.mkdir(parents=True, exist_ok=True)
    payload = {"meta": meta, **results}
    (docs / "benchmarks.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    lines = ["# Benchmarks", "",
             f"Last written by `{meta['command']}` on {meta['finished_at']} ({meta['mode']} mode, "
             f"{meta['rounds']} rounds, medians; with `--only`, other scenarios keep their previous figures and "
             "each table says which mode produced it). "
             f"Python {meta['environment']['python']}, "
             f"{meta['environment']['cpu_count']} CPUs, {meta['environment']['platform']}.", "",
             "Library versions: " + ", ".join(f"{k} {v}" for k, v in meta["environment"]["libraries"].items() if v),
             "", "Regenerate with `make bench` (full) or `.venv/bin/python -m monitor_pipeline.bench --quick`. "
             "Figures come from a shared 2-core machine whose load varies: the same 1,000-page extraction floor "
             "measured 6.6 s to 22 s in one session, so compare seconds within a run (see How to read).", "",
             "## Summary", "", "| scenario | ratio | target | met | mode |", "| --- | --- | --- | --- | --- |"]
    for key, result in results.items():
        if "ratio" in result:
            lines.append(f"| {key} | {result['ratio']} | {result['target']} | {'yes' if result['met'] else '**no**'} "
                         f"| {result.get('mode', '')} |")
    for key, result in results.items():
        lines += ["", f"## {TITLES.get(key, key)}", ""] + _table(result)
    if notes:
        lines += ["", notes.strip()]
    (docs / "BENCHMARKS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")

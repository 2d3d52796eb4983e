"""Writing BENCHMARKS.md and benchmarks.json from one benchmark run's results."""
from __future__ import annotations

import json
from pathlib import Path

from monitor_pipeline.bench.pipeline import project_root

DOCS = project_root() / "docs"
ORDER = ("pipeline_efficiency", "against_obvious", "feed_polling", "memory_per_page", "launched_run_overhead",
         "nothing_new", "analyst_queries", "article_search", "stage_costs")
TITLES = {
    "pipeline_efficiency": "1. Pipeline efficiency: 1,000 pages over 50 hosts against the physical floor (≤ 1.3)",
    "against_obvious": "2. Against a competent sequential reference (≥ 4× faster, tags equal or better)",
    "feed_polling": "3. Feed polling against a lean sequential poller (≥ 8×)",
    "memory_per_page": "4. Memory per page: peak RSS slope from 2,000 to 20,000 pages (≤ 1 KB per page)",
    "launched_run_overhead": "5. A launched run against a plain Python process (≤ 1.2)",
    "nothing_new": "6. Nothing new: the second poll (≤ 5 % of the first run)",
    "analyst_queries": "7. Analysts' example queries on one million mentions (each < 200 ms)",
    "article_search": "7b. Full-text search of one million articles (two-word query < 200 ms)",
    "stage_costs": "8. Per-stage CPU per article (after-extraction < extraction)",
}
# figures shown in the summary table as "ours / reference"
SIDES = {
    "pipeline_efficiency": ("ours_s", "floor_s"), "against_obvious": ("ours_s", "reference_s"),
    "feed_polling": ("ours_s", "reference_s"), "launched_run_overhead": ("launched_s", "plain_s"),
    "nothing_new": ("second_poll_due_s", "first_run_s"), "memory_per_page": ("large.peak_rss_mb", "small.peak_rss_mb"),
}


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (dict, list)):
        return "`" + json.dumps(value, ensure_ascii=False) + "`"
    return str(value).replace("|", "\\|")


def _get(result: dict, dotted: str):
    value = result
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _table(result: dict) -> list[str]:
    lines = ["| figure | value |", "| --- | --- |"]
    for key, value in result.items():
        if key in ("queries", "reference"):
            continue
        lines.append(f"| {key} | {_fmt(value)} |")
    if "queries" in result:
        lines += ["", "| query | median ms | rows |", "| --- | --- | --- |"]
        lines += [f"| {q['query']} | {q['median_ms']} | {q['rows']} |" for q in result["queries"]]
    return lines


def _where(key: str, r: dict) -> str:
    """Where the time or memory goes, from a scenario's own breakdown."""
    if key == "pipeline_efficiency":
        return (f"{r['ours_s']} s against a floor of {r['floor_s']} s (network {r['network_floor_s']} s, CPU "
                f"{r['cpu_floor_s']} s = {r['cpu_ms_per_page_total']} ms a page × {r['pages']} / {r['cores']} cores); "
                f"stages {_fmt(r['stages_s'])} (they run one after another: their sum is the wall time); "
                f"CPU ms a page by stage {_fmt(r['cpu_ms_per_page'])}; against bare trafilatura "
                f"{r['against_bare_trafilatura']} ({r['bare_trafilatura_s']} s)")
    if key == "against_obvious":
        return (f"ours {r['ours_s']} s (stages {_fmt(r['stages_s'])}) against the reference's {r['reference_s']} s; "
                f"tags: companies F1 {r['tags_ours']['companies']['f1']} vs {r['tags_reference']['companies']['f1']}")
    if key == "feed_polling":
        return (f"ours {r['ours_s']} s is {r['ours_to_floor']}× its floor ({r['ours_floor_s']} s); the reference "
                f"{r['reference_s']} s is {r['reference_to_floor']}× its floor ({r['reference_floor_s']} s)")
    if key == "memory_per_page":
        sites = {stage: rows[:3] for stage, rows in r.get("growing_python_sites", {}).items() if rows}
        return (f"base {r['base_rss_mb']} MB; peak slope per stage (KB per page) {_fmt(r['stage_slope_kb_per_page'])}, "
                f"of each stage's own rise {_fmt(r['stage_rise_slope_kb_per_page'])}; "
                f"Python allocations growing with the pages (per stage, traced runs) {_fmt(sites)}; "
                f"with every DuckDB database capped at {r['duckdb_diagnostic']['memory_limit']} the stages' rise "
                f"slopes go from {_fmt(r['duckdb_diagnostic']['stage_rise_slope_kb_per_page_unlimited'])} to "
                f"{_fmt(r['duckdb_diagnostic']['stage_rise_slope_kb_per_page_limited'])} KB per page")
    if key == "launched_run_overhead":
        return (f"launched {r['launched_s']} s vs plain {r['plain_s']} s; extra seconds by phase (last round) "
                f"{_fmt(r['where_the_extra_goes_last_round_s'])}")
    return ""


def closing_note(results: dict) -> list[str]:
    """Which targets this run met and, for each, where the time or memory goes."""
    met = [k for k, r in results.items() if r["met"]]
    lines = [f"Met ({len(met)} of {len(results)}): " + (", ".join(met) or "none") + "."]
    for key, r in results.items():
        where = _where(key, r)
        if where or not r["met"]:
            lines.append(f"- **{key}** ({'met' if r['met'] else 'not met'}, {r['ratio']} for a target of "
                         f"{r['target']}): {where or 'see its table'}.")
    return lines


def _ordered(results: dict) -> dict:
    return {k: results[k] for k in (*ORDER, *sorted(set(results) - set(ORDER))) if k in results}


def _markdown(results: dict, meta: dict, notes: str, partial: bool) -> str:
    env = meta["environment"]
    commit = (meta.get("commit") or "unknown")[:12] + (" (with uncommitted changes)" if meta.get("dirty") else "")
    lines = ["# Benchmarks" + (" (partial run)" if partial else ""), "",
             f"Run `{meta['run_id']}` of commit `{commit}`: `{meta['command']}` ({meta['mode']} mode, "
             f"{meta['rounds']} round(s) per side unless a scenario says otherwise, medians), "
             f"{meta['started_at']} → {meta['finished_at']} ({meta['total_s']} s). Load average at start "
             f"{meta['load_average_start']}, at end {meta['load_average_end']}. Python {env['python']}, "
             f"{env['cpu_count']} CPUs, {env['platform']}.", ""]
    if meta.get("merged_runs"):
        lines += ["Merged from several runs (each scenario's `run_id` says which): "
                  + ", ".join(f"`{r['run_id']}` ({r['mode']}, `{(r.get('commit') or '')[:12]}`)"
                              for r in meta["merged_runs"]) + ".", ""]
    if meta["mode"] != "full":
        lines += [f"**{meta['mode']} mode: sizes too small for the ratios to mean anything; not figures of "
                  "record.**", ""]
    lines += ["Library versions: " + ", ".join(f"{k} {v}" for k, v in env["libraries"].items() if v), "",
              "Regenerate with `make bench` (every scenario, one run, full sizes; writes this file and "
              "benchmarks.json). `--only` runs write BENCHMARKS-partial.md unless `--merge` is given.", "",
              "## Summary", "", "| scenario | ratio | target | met | rounds | ours | reference / floor |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for key, result in results.items():
        ours, theirs = SIDES.get(key, (None, None))
        lines.append(f"| {key} | {result['ratio']} | {result['target']} | {'yes' if result['met'] else '**no**'} | "
                     f"{result['rounds']} | {_fmt(_get(result, ours)) if ours else ''} | "
                     f"{_fmt(_get(result, theirs)) if theirs else ''} |")
    lines += ["", "## Closing note (generated from this run's figures)", ""] + closing_note(results)
    for key, result in results.items():
        lines += ["", f"## {TITLES.get(key, key)}", "", f"Reference: {result.get('reference', '')}.", ""]
        lines += _table(result)
    if notes:
        lines += ["", notes.strip()]
    return "\n".join(lines) + "\n"


def write(results: dict, meta: dict, notes: str, docs: Path = DOCS, suffix: str = "") -> list[Path]:
    """Write ``benchmarks{suffix}.json`` and ``BENCHMARKS{suffix}.md`` into ``docs``."""
    docs.mkdir(parents=True, exist_ok=True)
    results = _ordered(results)
    json_path, md_path = docs / f"benchmarks{suffix}.json", docs / f"BENCHMARKS{suffix}.md"
    json_path.write_text(json.dumps({"meta": meta, **results}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path.write_text(_markdown(results, meta, notes, partial=bool(suffix)), encoding="utf-8")
    return [md_path, json_path]


def merge(results: dict, meta: dict, notes: str, docs: Path = DOCS) -> list[Path]:
    """Merge a partial run's scenarios into the full files (explicit ``--merge``); the meta lists every
    run whose figures the files now hold."""
    path = docs / "benchmarks.json"
    previous = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"meta": {}}
    old_meta = previous.pop("meta")
    runs = old_meta.get("merged_runs") or ([{k: old_meta.get(k) for k in ("run_id", "commit", "mode")}]
                                           if old_meta.get("run_id") else [])
    runs.append({k: meta.get(k) for k in ("run_id", "commit", "mode")})
    merged_meta = {**meta, "merged_runs": runs, "command": meta["command"] + " (merged)"}
    return write({**previous, **results}, merged_meta, notes, docs)

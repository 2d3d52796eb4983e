"""Small helpers to turn stage reports and query results into asset metadata."""

from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg


def markdown_table(rows: Sequence[Mapping[str, Any]], limit: int = 10) -> str:
    if not rows:
        return "_no rows_"
    headers = list(rows[0].keys())
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for row in rows[:limit]:
        cells = [str(row[h]).replace("|", "\\|").replace("\n", " ")[:120] for h in headers]
        lines.append("| " + " | ".join(cells) + " |")
    if len(rows) > limit:
        lines.append(f"\n_{len(rows) - limit} more rows_")
    return "\n".join(lines)


def counter_table(counter: Mapping[str, int], key: str, value: str = "count") -> dg.MetadataValue:
    rows = [{key: k, value: v} for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]
    return dg.MetadataValue.md(markdown_table(rows, limit=30))

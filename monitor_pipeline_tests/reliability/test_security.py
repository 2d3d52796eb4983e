"""Security checks: the UI binds to loopback, the README says how to add authentication, and SQL
built with f-strings interpolates only reviewed identifiers (never outside data: those are bound
parameters). Secrets in alert URLs are covered by test_alert_ledger.py and core/test_channels.py."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SQL_CALLS = {"execute", "executemany", "fetch_dicts", "sql", "query"}

# f-string SQL reviewed in docs/RELIABILITY.md: every interpolated expression is a table or column
# name from the code's own constants (warehouse.TABLES, ANALYTICS_TABLES, DDL), a constant SQL
# fragment, or (export_parquet) a configured file path with quotes doubled. Row values never are.
REVIEWED = {
    "monitor_pipeline/core/alerts/ledger.py": {"columns"},
    "monitor_pipeline/export_parquet.py": {"table", "str(target).replace(chr(39), chr(39) * 2)"},
    "monitor_pipeline/storage/spool.py": {"table", "warehouse.TABLES[table]", "SPOOL_CATALOG"},
    "monitor_pipeline/stages/pages.py": {"condition"},
    # the fts schema and stemmer are constants; WHERE fragments and "?, ?" placeholder lists are built from
    # constant SQL (every value bound); the extension path is the installed package's, quotes doubled
    "monitor_pipeline/storage/search_index.py": {"FTS_SCHEMA", "STEMMER", "PUNCTUATION_RE", "' AND '.join(where)",
                                         "_placeholders(docids)", "source[0]", "source[1]"},
    "monitor_pipeline/storage/extensions.py": {"sql_string_literal(extension_path(extension))"},
    "monitor_pipeline/storage/lake.py": {"LAKE_ALIAS"},
    # the spool's own scratch tables: a module constant and a tuple of literal names
    "monitor_pipeline/storage/syndication_index.py": {"KNOWN", "table"},
    "monitor_pipeline/storage/warehouse_queries.py": {"mart"},  # checked against MART_NAMES first
    "monitor_pipeline/storage/warehouse.py": {"old", "new", "table", "ddl", "key", "view", "', '.join(types)", "', '.join(cols)", "names",
                                      "catalog", "column", "sql_type", "lake_ddl(table)"},
}
# Synthetic benchmark data: interpolates integers computed by the benchmark itself.
REVIEWED_FILES = {"monitor_pipeline/bench/analytics.py", "monitor_pipeline/bench/search.py",
                  "monitor_pipeline/bench/scale_out.py"}


def f_string_sql() -> list[tuple[str, int, str]]:
    found = []
    for path in sorted((ROOT / "monitor_pipeline").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = getattr(node, "func", None)
            name = getattr(name, "attr", getattr(name, "id", None)) if name is not None else None
            if isinstance(node, ast.Call) and name in SQL_CALLS:
                for arg in node.args[:1]:
                    if isinstance(arg, ast.JoinedStr):
                        found += [(rel, node.lineno, ast.unparse(v.value))
                                  for v in arg.values if isinstance(v, ast.FormattedValue)]
    return found


def test_f_string_sql_interpolates_only_reviewed_identifiers() -> None:
    found = f_string_sql()
    assert found, "the scan found no f-string SQL at all: it is probably broken"
    unreviewed = [(f, line, expr) for f, line, expr in found
                  if f not in REVIEWED_FILES and expr not in REVIEWED.get(f, set())]
    assert not unreviewed, (
        "f-string SQL interpolating unreviewed expressions (use bound parameters for values; if it is an "
        f"identifier from the code's constants, review it and add it to REVIEWED): {unreviewed}")


def test_make_dev_binds_the_ui_to_loopback() -> None:
    dev = [line for line in (ROOT / "Makefile").read_text().splitlines() if re.search(r"bin/(dg|dagster) dev\b", line)]
    assert dev and all("--host 127.0.0.1" in line for line in dev)
    assert "0.0.0.0" not in (ROOT / "Makefile").read_text()


def test_readme_says_how_to_put_the_ui_behind_authentication() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "127.0.0.1:3000" in readme
    assert "reverse proxy" in readme and "auth" in readme.lower()


@pytest.mark.parametrize("name", ["dagster.yaml"])
def test_deployed_instance_settings_do_not_open_the_ui(name: str) -> None:
    path = ROOT / "deploy" / name
    text = path.read_text(encoding="utf-8")
    yaml.safe_load(text)
    assert "0.0.0.0" not in text

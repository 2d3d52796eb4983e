"""SQL text for the few DuckDB statements that take no bound parameter (ATTACH, LOAD)."""
from __future__ import annotations

import os


def sql_string_literal(value: str | os.PathLike[str]) -> str:
    """A quoted SQL string literal, for the statements DuckDB 1.5 takes no bound parameter in (ATTACH,
    LOAD). Only for paths this process chose, never for outside data."""
    return "'" + str(value).replace("'", "''") + "'"


def attach_sql(path: str | os.PathLike[str], alias: str, read_only: bool = False,
               data_path: str | None = None) -> str:
    """``ATTACH '<path>' AS alias [(READ_ONLY | DATA_PATH '<data_path>')]`` (DATA_PATH: a DuckLake's files)."""
    if not alias.isidentifier():
        raise ValueError(f"not an identifier: {alias!r}")
    options = (["READ_ONLY"] if read_only else []) + ([f"DATA_PATH {sql_string_literal(data_path)}"] if data_path else [])
    return f"ATTACH {sql_string_literal(path)} AS {alias}" + (f" ({', '.join(options)})" if options else "")

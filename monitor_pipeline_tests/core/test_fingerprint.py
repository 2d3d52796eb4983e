"""A kept result is reused only while its fingerprint holds: it must change with any byte of the code
or data, with a library version and with a setting, and not with where the package is installed."""
from pathlib import Path

from monitor_pipeline.core.fingerprint import code_fingerprint


def tree(root: Path, text: str) -> Path:
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("A = 1\n")
    (root / "pkg" / "b.yaml").write_text(text)
    return root


def fingerprint(root: Path, libraries=("pytest",), settings=()) -> str:
    return code_fingerprint(root, (root / "pkg").glob("*"), libraries, settings)


def test_the_fingerprint_follows_the_files_not_their_location(tmp_path):
    first = fingerprint(tree(tmp_path / "one", "x: 1\n"))
    assert fingerprint(tree(tmp_path / "two", "x: 1\n")) == first
    assert fingerprint(tree(tmp_path / "three", "x: 2\n")) != first


def test_the_fingerprint_follows_library_versions_and_settings(tmp_path):
    root = tree(tmp_path, "x: 1\n")
    assert fingerprint(root) != fingerprint(root, libraries=("pytest", "a-library-that-is-not-installed"))
    assert fingerprint(root, settings=["MODEL=sm"]) != fingerprint(root, settings=["MODEL=md"])

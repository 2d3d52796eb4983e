"""`monitor-pipeline extract PATH` command."""
import argparse
import io
import json
import sys

from monitor_pipeline.commands import extract as command

HTML = """<html lang="fr"><head><meta charset="utf-8"><title>La banque publique soutient les jeunes pousses de l’IA</title></head>
<body><article><h1>La banque publique soutient les jeunes pousses de l’IA</h1>
<p>La banque publique d’investissement a présenté mardi un fonds de 500 millions d’euros destiné aux jeunes entreprises françaises qui conçoivent des modèles d’intelligence artificielle.</p>
<p>Le dispositif doit financer en priorité l’achat de capacités de calcul, devenu le principal poste de dépense de ces sociétés, selon les responsables du programme.</p>
</article></body></html>"""


def run_command(argv, capsys):
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    code = command.run(parser.parse_args(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_extract_file_prints_json(tmp_path, capsys):
    path = tmp_path / "page.html"
    path.write_text(HTML, encoding="utf-8")
    code, out, _ = run_command([str(path), "--url", "https://banque.example/ia"], capsys)
    assert code == 0
    data = json.loads(out)
    assert set(data) >= {"status", "title", "author", "published_at", "sitename", "language", "language_probability", "text"}
    assert data["status"] == "ok"
    assert data["language"] == "fr"
    assert "fonds de 500 millions d'euros" in data["text"]


def test_extract_from_stdin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(HTML.encode("utf-8"))))
    code, out, _ = run_command(["-"], capsys)
    assert code == 0
    assert json.loads(out)["title"] == "La banque publique soutient les jeunes pousses de l'IA"


def test_missing_file_exits_2_with_clear_message(tmp_path, capsys):
    code, out, err = run_command([str(tmp_path / "absent.html")], capsys)
    assert code == 2
    assert out == ""
    assert "no such file" in err and "absent.html" in err


def test_directory_is_rejected(tmp_path, capsys):
    code, _, err = run_command([str(tmp_path)], capsys)
    assert code == 2
    assert "not a regular file" in err

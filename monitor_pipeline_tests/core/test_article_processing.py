"""process_page / process_pages: full chain, statuses, timeouts and isolation of bad pages."""
import pytest

from monitor_pipeline.core.text import article_processing as ap
from monitor_pipeline.core.text.article_processing import PageInput, process_page, process_pages
from monitor_pipeline_tests.core.faulty_pages import CRASH_MARKER, HANG_MARKER, process_or_fail

PARAGRAPHS = [
    "L’éditeur de logiciels lyonnais a confirmé lundi qu’il allait supprimer 240 postes, soit près de 15 % de ses effectifs, après deux exercices de pertes.",
    "La direction explique vouloir recentrer ses activités sur les outils d’automatisation fondés sur l’intelligence artificielle, jugés plus rentables que ses logiciels historiques de comptabilité.",
    "Lire aussi : Les éditeurs français face à la vague de l’IA générative",
    "Les représentants du personnel ont obtenu l’ouverture d’un guichet de départs volontaires avant tout licenciement contraint.",
]


def html_page(paragraphs=PARAGRAPHS, charset="utf-8") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<html lang="fr"><head><meta charset="{charset}"><title>Un éditeur lyonnais supprime 240 postes</title></head>'
        f"<body><article><h1>Un éditeur lyonnais supprime 240 postes</h1>{body}</article></body></html>"
    )


def page(article_id="a1", body=None, content_type="text/html; charset=utf-8", **kwargs) -> PageInput:
    fields = dict(url="https://journal.example/eco/editeur", feed_summary=None, feed_title="Titre du flux")
    fields.update(kwargs)
    return PageInput(article_id=article_id, body=html_page().encode("utf-8") if body is None else body, content_type=content_type, **fields)


def test_process_page_full_chain():
    result = process_page(page())
    assert result.status == "ok"
    assert result.article_id == "a1"
    assert result.title == "Un éditeur lyonnais supprime 240 postes"
    assert result.language == "fr" and result.language_probability > 0.9
    assert result.encoding == "utf-8"
    assert "qu'il allait supprimer 240 postes" in result.text  # apostrophes normalized
    assert "Lire aussi" not in result.text  # boilerplate dropped
    paragraphs = [result.text[s:e] for s, e in result.paragraphs]
    assert any(p.startswith("L'éditeur de logiciels lyonnais") for p in paragraphs)
    assert all("\n" not in p for p in paragraphs)
    assert all(result.text[s:e].strip() == result.text[s:e] for s, e in result.sentences)
    assert isinstance(result.signature, bytes)
    assert result.error is None


def test_latin1_page_through_the_chain():
    body = html_page(charset="iso-8859-1").encode("cp1252")
    result = process_page(page(body=body, content_type="text/html"))
    assert result.status == "ok"
    assert "effectifs, après deux exercices" in result.text
    assert result.encoding == "cp1252"


def test_non_html_is_not_extracted():
    result = process_page(page(body=b"%PDF-1.7 ...", content_type="application/pdf"))
    assert result.status == "not_html"
    assert result.text == "" and result.signature is None
    assert "application/pdf" in result.reason


def test_too_large(monkeypatch):
    monkeypatch.setattr(ap, "MAX_BODY_BYTES", 100)
    assert process_page(page()).status == "too_large"


def test_summary_fallback_uses_feed_title_and_summary():
    body = b"<html><body><div></div></body></html>"
    summary = "Le fabricant de batteries renonce à son usine de Dunkerque, faute de commandes suffisantes des constructeurs."
    result = process_page(page(body=body, feed_summary=summary))
    assert result.status == "summary_fallback"
    assert result.text == summary
    assert result.title == "Titre du flux"


def test_error_is_reported_not_raised(monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("parser exploded")

    monkeypatch.setattr(ap, "decode_html", boom)
    result = process_page(page())
    assert result.status == "error"
    assert "parser exploded" in result.error


def test_process_pages_in_process_keeps_order():
    pages = [page(f"id-{i}") for i in range(3)] + [page("pdf", body=b"x", content_type="image/png")]
    results = list(process_pages(pages, workers=1))
    assert [r.article_id for r in results] == ["id-0", "id-1", "id-2", "pdf"]
    assert [r.status for r in results] == ["ok", "ok", "ok", "not_html"]


@pytest.mark.timeout(120)
def test_hung_page_times_out_while_others_succeed():
    hang_body = HANG_MARKER + html_page().encode("utf-8")
    pages = [page("p0"), page("hang", body=hang_body), page("p1"), page("p2"), page("bad", body=b"\xff\xfe\x00<", content_type="text/html")]
    results = list(process_pages(pages, workers=2, timeout_s=3.0, process=process_or_fail))
    by_id = {r.article_id: r for r in results}
    assert [r.article_id for r in results] == ["p0", "hang", "p1", "p2", "bad"]
    assert by_id["hang"].status == "timeout"
    assert "exceeded" in by_id["hang"].error
    assert all(by_id[i].status == "ok" for i in ("p0", "p1", "p2"))
    assert by_id["bad"].status in {"empty", "too_short", "error"}


def test_in_process_timeout_uses_alarm():
    pages = [page("hang", body=HANG_MARKER + b"<p>x</p>"), page("ok")]
    results = list(process_pages(pages, workers=1, timeout_s=1.0, process=process_or_fail))
    assert [r.status for r in results] == ["timeout", "ok"]


def test_invalid_timeout():
    with pytest.raises(ValueError, match="timeout_s"):
        list(process_pages([], timeout_s=0))


@pytest.mark.timeout(120)
def test_crashed_worker_gives_error_and_batch_continues():
    pages = [page("c0", body=CRASH_MARKER + b"<p>x</p>"), page("c1"), page("c2")]
    results = list(process_pages(pages, workers=2, timeout_s=20.0, process=process_or_fail))
    assert [r.status for r in results] == ["error", "ok", "ok"]
    assert "worker process died" in results[0].error


@pytest.mark.timeout(120)
def test_stopping_early_leaves_no_worker_behind():
    import multiprocessing

    before = set(multiprocessing.active_children())
    iterator = process_pages([page(f"s{i}") for i in range(6)], workers=2, timeout_s=20.0)
    assert next(iterator).status == "ok"
    iterator.close()
    assert set(multiprocessing.active_children()) <= before


def test_binary_body_without_content_type_is_not_html():
    assert process_page(page(body=b"%PDF-1.7\n%binary", content_type=None)).status == "not_html"
    assert process_page(page(body=b"\x00\x01\x02garbage", content_type=None)).status == "not_html"
    assert process_page(page(content_type=None)).status == "ok"  # HTML without a header still works


# Evaluated in a worker by the builtin ``eval`` (no test module to import there first): what the
# worker holds before any task has imported or loaded anything.
_WARM_STATE = """(
    getattr(__import__("sys").modules.get("monitor_pipeline.core.tagging.tagger"), "_RULES_TAGGER", None) is not None,
    getattr(__import__("sys").modules.get("monitor_pipeline.core.text.language"), "_factory", None) is not None,
)"""


@pytest.mark.timeout(120)
def test_workers_start_from_a_warm_forkserver():
    """Workers are forked from a forkserver that already loaded langdetect's profiles and the
    tagging knowledge base, so no worker pays that at start (where forkserver exists)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from monitor_pipeline.core.text.workers import worker_context

    if "forkserver" not in multiprocessing.get_all_start_methods():
        pytest.skip("no forkserver on this platform: workers are spawned and warm up on first use")
    with ProcessPoolExecutor(max_workers=1, mp_context=worker_context()) as pool:
        assert pool.submit(eval, _WARM_STATE).result(timeout=100) == (True, True)

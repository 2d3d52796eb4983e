"""Hostile or broken input the unit suites do not already cover (see docs/RELIABILITY.md for those):
feeds (deep nesting, invalid UTF-8, control characters, megabyte titles), pages (non-HTML types,
HTML bombs, multi-megabyte pages, broken encodings) and configuration files (malformed YAML,
unknown keys). Each is rejected with a message naming the problem or contained to one item."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor_pipeline.core.text.article_processing import PageInput, process_page, process_pages
from monitor_pipeline.core.tagging.companies import KnowledgeBase, KnowledgeBaseError
from monitor_pipeline.core.ingest.feeds import TITLE_MAX_CHARS, parse_feed
from monitor_pipeline.core.tagging.layoffs import LayoffLexicon, LayoffLexiconError
from monitor_pipeline_tests.reliability.corpus import article_html, rss, rss_item

pytestmark = pytest.mark.timeout(60)
NOW = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def parse(body: bytes, content_type: str = "application/rss+xml; charset=utf-8"):
    return parse_feed(body, {"content-type": content_type}, "test", now=NOW)


# --------------------------------------------------------------------------- feeds


@pytest.mark.parametrize("depth", [1_000, 50_000])
def test_deeply_nested_feed_elements_are_contained(depth: int) -> None:
    nested = "<x:n>" * depth + "profond" + "</x:n>" * depth
    body = (rss(rss_item("Un article au milieu d'éléments imbriqués", "https://presse.example/imbrique")
                + f'<item xmlns:x="urn:x"><title>Imbriqué</title><link>https://presse.example/n</link>{nested}</item>')
            .replace(b'<rss version="2.0">', b'<rss version="2.0" xmlns:x="urn:x">'))
    feed = parse(body)
    assert feed.status in ("ok", "parse_error")
    if feed.status == "ok":
        assert "https://presse.example/imbrique" in [e.url for e in feed.entries]
    else:
        assert feed.error and "\n" not in feed.error


def test_invalid_utf8_in_a_feed_gives_valid_text() -> None:
    body = rss(rss_item("Intelligence artificielle : la filière SEPARATOR recrute", "https://presse.example/utf8"))
    body = body.replace(b"SEPARATOR", b"\xff\xfe\xc3\x28\xe2\x82 \xf0\x9f")  # invalid and truncated sequences
    feed = parse(body)
    assert feed.status == "ok"
    title = feed.entries[0].title
    title.encode("utf-8")  # storable: no lone surrogates
    assert title.startswith("Intelligence artificielle") and title.endswith("recrute")


def test_control_characters_never_reach_titles_or_summaries() -> None:
    controls = "".join(chr(c) for c in (*range(1, 9), 11, 12, *range(14, 32), 127, 0x85, 0x9b))
    title = f"Une start-up{controls} française lève des fonds"
    body = rss(rss_item(title.replace("\x0c", ""), "https://presse.example/ctrl",
                        description=f"Résumé{controls} propre")).replace(b"\x0c", b"")
    feed = parse(body, "application/rss+xml")
    for entry in feed.entries:
        assert not CONTROL.search(entry.title) and not CONTROL.search(entry.summary)
    if feed.entries:  # expat may refuse the document outright: either way nothing reaches storage
        assert "française lève des fonds" in feed.entries[0].title
    else:
        assert feed.status == "parse_error" and feed.error


def test_a_one_megabyte_title_is_cut_to_the_title_bound() -> None:
    huge = "Très long titre sur l'intelligence artificielle " * (2**20 // 48)
    feed = parse(rss(rss_item(huge, "https://presse.example/titre-geant")))
    assert feed.status == "ok"
    assert len(feed.entries[0].title) <= TITLE_MAX_CHARS and feed.entries[0].title.endswith("…")


# --------------------------------------------------------------------------- pages


def page(body: bytes, content_type: str | None = "text/html; charset=utf-8", article_id: str = "p") -> PageInput:
    return PageInput(article_id=article_id, body=body, content_type=content_type, url="https://presse.example/a",
                     feed_summary="Résumé du flux.", feed_title="Titre du flux")


@pytest.mark.parametrize("content_type, body", [
    ("application/pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3"),
    ("image/png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
    ("application/json", b'{"titre": "pas une page"}'),
    ("application/zip", b"PK\x03\x04\x14\x00"),
    ("video/mp4", b"\x00\x00\x00\x18ftypmp42"),
    (None, b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"),  # no type, gzip bytes
])
def test_non_html_pages_are_recorded_not_extracted(content_type: str | None, body: bytes) -> None:
    result = process_page(page(body, content_type))
    assert result.status == "not_html"
    assert result.text == "" and result.signature is None and result.reason


@pytest.mark.parametrize("depth", [5_000, 200_000])
def test_html_bomb_of_deep_nesting_is_contained(depth: int) -> None:
    bomb = b"<html><body>" + b"<div>" * depth + article_html(3) + b"</div>" * depth + b"</body></html>"
    result = process_page(page(bomb))
    assert result.article_id == "p"
    assert result.status in ("ok", "too_short", "empty", "summary_fallback", "error")
    if result.status == "error":
        assert result.error and "\n" not in result.error


def test_a_bomb_in_a_batch_does_not_stop_the_other_pages() -> None:
    bomb = b"<div>" * 100_000 + b"</div>" * 100_000
    pages = [page(article_html(1), article_id="avant"), page(bomb, article_id="bombe"),
             page(article_html(2), article_id="apres")]
    results = list(process_pages(pages, workers=2, timeout_s=20))
    assert [r.article_id for r in results] == ["avant", "bombe", "apres"]
    assert results[0].status == "ok" and results[2].status == "ok"


def test_a_page_of_several_megabytes_is_processed_and_a_larger_one_refused() -> None:
    paragraph = ("<p>Étape {i} : les industriels français multiplient les projets d'intelligence artificielle, "
                 "mais peinent encore à recruter des ingénieurs spécialisés dans les données.</p>")
    filler = "".join(paragraph.format(i=i) for i in range(2 * 2**20 // len(paragraph))).encode("utf-8")
    big = article_html(5).replace(b"</article>", filler + b"</article>")
    result = process_page(page(big))
    assert result.status == "ok" and len(result.text) > 1_000_000 and "Étape 9000 " in result.text
    larger = big + b"<!--" + b"x" * (6 * 2**20) + b"-->"
    refused = process_page(page(larger))
    assert refused.status == "too_large" and "bytes" in refused.reason


@pytest.mark.parametrize("content_type, mangle", [
    ("text/html; charset=utf-8", lambda b: b.replace("é".encode(), b"\xe9")),  # latin-1 bytes in "utf-8"
    ("text/html; charset=utf-8", lambda b: b.replace("é".encode(), b"\xc3")),  # truncated sequences
    ("text/html; charset=x-inexistant", lambda b: b),  # unknown charset label
    ("text/html; charset=utf-16", lambda b: b),  # wrong declaration, odd byte count
    ("text/html", lambda b: b.replace(b"<p>", b"<p>\x00\xff\xfe", 1)),  # NUL and stray bytes
])
def test_broken_encodings_give_readable_text(content_type: str, mangle) -> None:
    body = mangle(article_html(7).replace(b'<meta charset="utf-8">', b""))
    if "utf-16" in content_type and len(body) % 2 == 0:
        body += b"!"
    result = process_page(page(body, content_type))
    assert result.status in ("ok", "too_short", "summary_fallback", "empty")
    result.text.encode("utf-8")
    assert "\x00" not in result.text
    if result.status == "ok":  # the intact accents survive: no page-wide mojibake
        assert "à Montpellier a annoncé mardi une levée de fonds" in result.text or (
            "à Montpellier" in result.text and "contrôle qualit" in result.text)


# --------------------------------------------------------------------------- configuration


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_knowledge_base_with_malformed_yaml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "companies.yaml", "companies:\n  - {id: a, name: A\n")
    with pytest.raises(KnowledgeBaseError, match="invalid YAML") as info:
        KnowledgeBase.load(path)
    assert str(path) in str(info.value)


def test_knowledge_base_with_an_unknown_top_level_key_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "companies.yaml", "version: 1\ncompanies: []\nentreprises: [{id: b, name: B}]\n")
    with pytest.raises(KnowledgeBaseError, match="unknown top-level key\\(s\\) entreprises") as info:
        KnowledgeBase.load(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("body, message", [
    ("triggers: {a: 'licenci'}\nnon_trigger: ['x']\n", "unknown top-level key(s) non_trigger"),
    ("triggers: {a: 'licenci'\n", "invalid YAML"),
    ("- just\n- a list\n", "a non-empty 'triggers' mapping is required"),
    ("triggers: {a: 'licenci'}\ncues: {statut: ['x']}\n", "unknown cue list(s) statut"),
])
def test_malformed_layoff_lexicons_are_refused_naming_the_problem(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(LayoffLexiconError) as info:
        LayoffLexicon.load(write(tmp_path, "lexicon.yaml", body))
    assert message in str(info.value)


def test_the_shipped_configuration_files_still_load() -> None:
    assert len(KnowledgeBase.load()) > 0
    assert LayoffLexicon.load().triggers

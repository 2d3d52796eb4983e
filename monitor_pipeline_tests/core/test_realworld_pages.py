"""Real-world evaluation targets (skipped when ../shared/realworld is absent)."""
import pytest

from monitor_pipeline.evaluation import realworld_pages as rw

pytestmark = pytest.mark.skipif(
    not (rw.realworld_dir() / "pages" / "expected.json").is_file(),
    reason="real-world evaluation pages not available",
)


@pytest.fixture(scope="module")
def report():
    return rw.evaluate()


def test_with_snippets_kept(report):
    assert report.kept_share >= rw.KEPT_TARGET, rw.format_report(report)


def test_without_snippets_dropped(report):
    assert report.dropped_share >= rw.DROPPED_TARGET, rw.format_report(report)


def test_cleaning_keeps_what_trafilatura_keeps(report):
    losses = [(p.file, p.missing) for p in report.pages if p.kept < p.raw_kept]
    assert not losses


def test_client_side_page_comes_out_empty(report):
    assert report.client_side_status == "empty"
    assert report.client_side_text_chars == 0


def test_english_page_declared_french_is_detected_english(report):
    assert report.english_page_language == "en"

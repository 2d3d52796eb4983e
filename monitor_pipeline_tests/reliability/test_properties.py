"""Property-based tests (hypothesis) adding to the unit suites' properties:
test_frnumbers.py (space/narrow-NBSP grouping round trip), test_urls.py (canonicalize twice on
structured URLs and short text) and test_clean.py (offsets and idempotence on a French alphabet).
Here: every French thousands separator, arbitrary Unicode input, longer and messier strings."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor_pipeline.core.text.clean import clean_text
from monitor_pipeline.core.tagging.frnumbers import parse_french_number
from monitor_pipeline.core.tagging.numeric_facts import find_metrics
from monitor_pipeline.core.ingest.urls import canonicalize_url

pytestmark = pytest.mark.timeout(120)
PROFILE = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Thousands separators French text uses: space, NBSP, narrow NBSP, thin space, dot.
SEPARATORS = [" ", "\u00a0", "\u202f", "\u2009", "."]


def grouped(n: int, separator: str) -> str:
    return f"{n:,}".replace(",", separator)


@PROFILE
@given(st.integers(min_value=1_000, max_value=999_999_999_999), st.sampled_from(SEPARATORS))
def test_any_french_thousands_separator_gives_the_same_value(n: int, separator: str) -> None:
    assert parse_french_number(grouped(n, separator)) == n


@PROFILE
@given(st.integers(min_value=1_000, max_value=999_999_999), st.integers(min_value=1, max_value=99),
       st.sampled_from(SEPARATORS[:4]))
def test_grouped_numbers_with_a_decimal_comma(n: int, decimals: int, separator: str) -> None:
    assert parse_french_number(f"{grouped(n, separator)},{decimals:02d}") == pytest.approx(n + decimals / 100)


@PROFILE
@given(st.text(max_size=60))
def test_the_number_parser_never_crashes(text: str) -> None:
    value = parse_french_number(text)
    assert value is None or isinstance(value, float | int)


_FRENCH_NUMBER_TEXT = st.lists(st.one_of(
    st.sampled_from(["3", "500", "1,7", "12.000", " ", "\u00a0", "\u202f", "\u2009", "%", "€", "M€", "millions",
                     "milliard", "postes", "salariés", "de", "d'", "environ", "près de", "sur", "soit", "-", "à",
                     "deux", "cents", "mille", "la moitié", "Mds", "k", ",", ".", "\n"]),
    st.text(max_size=3)), max_size=40).map("".join)


@PROFILE
@given(_FRENCH_NUMBER_TEXT)
def test_metric_finder_never_crashes_and_spans_point_into_the_text(text: str) -> None:
    for metric in find_metrics(text):
        assert 0 <= metric.start < metric.end <= len(text)


@PROFILE
@given(st.text(max_size=200))
def test_canonicalizing_arbitrary_unicode_twice_changes_nothing(url: str) -> None:
    once = canonicalize_url(url)
    assert canonicalize_url(once) == once


@PROFILE
@given(st.builds(lambda host, path, query: f"https://{host}/{path}?{query}",
                 st.sampled_from(["www.lemagit.fr", "WWW.Usine-Digitale.FR", "xn--presse-ia-b7a.fr", "127.0.0.1:8080"]),
                 st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30),
                 st.text(alphabet="abc=&%;+ éà#?", max_size=30)))
def test_canonicalizing_http_urls_with_odd_paths_twice_changes_nothing(url: str) -> None:
    once = canonicalize_url(url)
    assert canonicalize_url(once) == once


@PROFILE
@given(st.text(max_size=400))
def test_cleaning_arbitrary_unicode_twice_changes_nothing_and_offsets_are_inside(text: str) -> None:
    cleaned = clean_text(text)
    n = len(cleaned.text)
    for start, end in cleaned.paragraphs + cleaned.sentences:
        assert 0 <= start < end <= n
    assert clean_text(cleaned.text) == cleaned

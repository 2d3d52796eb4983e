"""French number parsing."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor_pipeline.core.tagging.frnumbers import parse_french_number


@pytest.mark.parametrize(
    "text, expected",
    [
        ("3 500", 3500), ("3\u00a0500", 3500), ("3\u202f500", 3500), ("3\u2009500", 3500),
        ("9 631", 9631), ("5.167", 5167), ("1.234.567", 1234567), ("1 234 567", 1234567),
        ("1,7", 1.7), ("1.5", 1.5), ("42", 42), ("0,25", 0.25), ("12 000,5", 12000.5),
        ("un", 1), ("une", 1), ("deux", 2), ("dix-sept", 17), ("vingt et un", 21), ("soixante-dix", 70),
        ("soixante et onze", 71), ("quatre-vingts", 80), ("quatre-vingt-dix", 90), ("cent", 100),
        ("deux cents", 200), ("trois cent cinquante", 350), ("mille", 1000), ("deux mille", 2000),
        ("un million", 1e6), ("trois millions", 3e6), ("deux milliards", 2e9),
        ("1,7 milliard", 1.7e9), ("3 millions", 3e6), ("10 k", 1e4), ("500 M", 5e8), ("2 Mds", 2e9),
        ("la moitié", 0.5), ("un tiers", 1 / 3), ("un quart", 0.25),
    ],
)
def test_parse(text: str, expected: float) -> None:
    assert parse_french_number(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "   ", "postes", "3 50", "1,2,3", "douzaine de", "GPT-5", "2 févr", "abc 12"])
def test_not_a_number(text: str) -> None:
    assert parse_french_number(text) is None


@given(st.integers(min_value=1000, max_value=999_999_999))
def test_space_grouped_integers_roundtrip(n: int) -> None:
    grouped = f"{n:,}".replace(",", "\u202f")
    assert parse_french_number(grouped) == n
    assert parse_french_number(grouped.replace("\u202f", " ")) == n

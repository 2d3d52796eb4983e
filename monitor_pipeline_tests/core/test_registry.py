"""Feed registry loading and validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor_pipeline.core.ingest.registry import FeedSource, RegistryError, default_registry_path, load_registry

pytestmark = pytest.mark.timeout(60)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_registry_is_valid_and_large_enough() -> None:
    sources = load_registry(default_registry_path())
    assert len(sources) >= 22
    assert all(s.url.startswith("https://") for s in sources)
    assert {"lemagit", "lemondeinformatique", "usine-digitale", "numerama", "actuia"} <= {s.id for s in sources}
    assert sum(s.enabled for s in sources) >= 22


def test_shipped_registry_says_urls_were_not_verified() -> None:
    assert "NOT verified" in default_registry_path().read_text(encoding="utf-8")


def test_defaults_and_optional_fields(tmp_path: Path) -> None:
    path = write(tmp_path, """
feeds:
  - id: actuia
    name: ActuIA
    url: https://www.actuia.com/feed/
  - id: ict
    name: ICT
    url: http://ict.example/rss.xml
    language: en
    enabled: false
    poll_interval_minutes: 240
""")
    assert load_registry(path) == [
        FeedSource("actuia", "ActuIA", "https://www.actuia.com/feed/"),
        FeedSource("ict", "ICT", "http://ict.example/rss.xml", language="en", enabled=False, poll_interval_minutes=240),
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("feeds:\n  - {id: a, name: A, url: 'https://a.fr/rss'}\n  - {id: a, name: B, url: 'https://b.fr/rss'}\n",
         "feed #2 (id 'a'): duplicate id, already used by feed #1"),
        ("feeds:\n  - {id: a, name: A, url: 'ftp://a.fr/rss'}\n",
         "feed #1 (id 'a'): url 'ftp://a.fr/rss' must use http or https"),
        ("feeds:\n  - {id: a, name: A, url: 'https:///rss'}\n", "feed #1 (id 'a'): url 'https:///rss' has no host"),
        ("feeds:\n  - {id: a, name: A, url: 'https://a.fr/rss', lang: fr}\n", "feed #1 (id 'a'): unknown key(s) lang"),
        ("feeds:\n  - {name: A, url: 'https://a.fr/rss'}\n", "feed #1: missing required key(s) id"),
        ("feeds:\n  - {id: a, name: A, url: 'https://a.fr/rss', enabled: 'yes'}\n", "enabled must be true or false"),
        ("feeds:\n  - {id: a, name: A, url: 'https://a.fr/rss', poll_interval_minutes: 0}\n",
         "poll_interval_minutes must be an integer between 1"),
        ("feeds:\n  - {id: 'Le Monde', name: A, url: 'https://a.fr/rss'}\n", "id 'Le Monde' must be lower-case"),
        ("feeds:\n  - {id: a, name: A, url: 'https://a.fr/rss'}\n  - {id: b, name: B, url: 'https://a.fr/rss'}\n",
         "feed #2 (id 'b'): duplicate url"),
        ("feeds:\n  - just a string\n", "feed #1: must be a mapping"),
        ("sources: []\n", "expected a mapping with a 'feeds' list"),
        ("feeds: []\nextra: 1\n", "unknown top-level key(s) extra"),
        ("feeds: {id: a}\n", "'feeds' must be a list"),
        ("feeds:\n  - {id: a, name: A, url: 'https://a.fr/rss'\n", "malformed YAML at line"),
    ],
)
def test_invalid_registries_name_file_entry_and_problem(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(RegistryError) as info:
        load_registry(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="registry file not found"):
        load_registry(tmp_path / "nope.yaml")


def test_registry_error_is_a_value_error() -> None:
    assert issubclass(RegistryError, ValueError)


def test_recorded_permissions_are_read(tmp_path: Path) -> None:
    path = write(tmp_path, """
feeds:
  - id: a
    name: A
    url: https://a.fr/rss
    feed_allowed_by_publisher: "  email from the editor, 2026-03-02 "
    tdm_licence: CFC agreement 2026-114
""")
    source = load_registry(path)[0]
    assert source.feed_allowed_by_publisher == "email from the editor, 2026-03-02"
    assert source.tdm_licence == "CFC agreement 2026-114"
    assert load_registry(write(tmp_path, "feeds:\n  - {id: b, name: B, url: 'https://b.fr/rss'}\n"))[0].tdm_licence is None


@pytest.mark.parametrize(("value", "message"), [
    ("true", "tdm_licence must be a short text saying where the permission is recorded"),
    ("''", "tdm_licence must be a short text"),
    ("'" + "x" * 301 + "'", "tdm_licence must be a single line of at most 300 characters"),
])
def test_a_permission_must_say_where_it_is_recorded(tmp_path: Path, value: str, message: str) -> None:
    path = write(tmp_path, f"feeds:\n  - {{id: a, name: A, url: 'https://a.fr/rss', tdm_licence: {value}}}\n")
    with pytest.raises(RegistryError, match=f"feed #1 \\(id 'a'\\): {message}"):
        load_registry(path)


def test_a_feed_allowed_by_its_publisher_skips_robots_txt_for_the_feed_only() -> None:
    from datetime import UTC, datetime

    from monitor_pipeline.core.ingest.feed_state import PollPolicy, build_request

    now = datetime(2026, 3, 2, tzinfo=UTC)
    allowed = FeedSource("a", "A", "https://a.fr/rss", feed_allowed_by_publisher="email, 2026-03-02")
    assert build_request(allowed, None, now, PollPolicy()).check_robots is False
    assert build_request(FeedSource("b", "B", "https://b.fr/rss"), None, now, PollPolicy()).check_robots is True

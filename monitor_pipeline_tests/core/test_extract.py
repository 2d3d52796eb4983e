"""Extraction statuses and metadata (original sample HTML)."""
import pytest

from monitor_pipeline.core.text.extract import (
    ARTICLE_STATUSES,
    extract_article,
    is_html_content_type,
    looks_client_side_rendered,
    summary_to_text,
)

BODY_PARAGRAPHS = [
    "La start-up parisienne spécialisée dans les modèles de langage a bouclé une levée de fonds de 450 millions d'euros auprès d'investisseurs américains et européens.",
    "Selon son directeur général, cet argent servira à doubler la capacité de calcul de l'entreprise d'ici à la fin de l'année et à recruter une centaine d'ingénieurs à Paris et à Londres.",
    "Le tour de table valorise désormais la société à plus de six milliards d'euros, un record pour une jeune pousse française du secteur de l'intelligence artificielle.",
]


def article_html(paragraphs=BODY_PARAGRAPHS, extra="", lang="fr") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">
<title>Une start-up française lève 450 millions d'euros</title>
<meta name="author" content="Claire Fontaine">
<meta property="article:published_time" content="2024-06-11T07:30:00+02:00">
<meta property="og:site_name" content="Le Courrier Numérique">
<meta name="description" content="Nouvelle levée de fonds record dans l'IA.">
</head><body><nav><a href="/">Accueil</a> <a href="/tech">Tech</a></nav>
<article><h1>Une start-up française lève 450 millions d'euros</h1>{body}{extra}</article>
<footer>Mentions légales - Contact</footer></body></html>"""


def test_ok_article_with_metadata():
    article = extract_article(article_html(), url="https://courrier.example/tech/levee")
    assert article.status == "ok"
    assert "levée de fonds de 450 millions" in article.text
    assert "Mentions légales" not in article.text
    assert article.title == "Une start-up française lève 450 millions d'euros"
    assert article.author == "Claire Fontaine"
    assert article.published_at == "2024-06-11T07:30:00+02:00"
    assert article.sitename == "Le Courrier Numérique"
    assert article.html_lang == "fr"
    assert article.error is None


def test_paywall_notice_gives_paywalled_and_keeps_text():
    extra = "<p>Il vous reste 72 % de cet article à lire. La suite est réservée aux abonnés.</p>"
    article = extract_article(article_html(extra=extra))
    assert article.status == "paywalled"
    assert "levée de fonds" in article.text


@pytest.mark.parametrize("notice", ["Réservé aux abonnés", "Article réservé aux abonnés", "Abonnez-vous pour lire la suite"])
def test_paywall_markers(notice):
    article = extract_article(article_html(extra=f"<p>{notice}</p>"))
    assert article.status == "paywalled"


def test_prose_mentioning_subscribers_is_not_a_paywall():
    long_sentence = (
        "Le service de streaming a précisé que cette nouvelle fonction, pour l'instant réservée aux abonnés "
        "de son offre premium, serait étendue à tous les utilisateurs européens avant la fin de l'été prochain, "
        "sans hausse de prix."
    )
    article = extract_article(article_html(paragraphs=BODY_PARAGRAPHS + [long_sentence]))
    assert article.status == "ok"


def test_empty_page_uses_feed_summary():
    html = "<html><head><title>Vide</title></head><body><div></div></body></html>"
    article = extract_article(html, feed_summary="<p>Le groupe annonce un plan de départs volontaires.</p><p>Détails &amp; chiffres.</p>")
    assert article.status == "summary_fallback"
    assert article.text == "Le groupe annonce un plan de départs volontaires.\nDétails & chiffres."


def test_empty_page_without_summary_is_empty():
    article = extract_article("<html><body><div></div></body></html>")
    assert article.status == "empty"
    assert article.text == ""
    assert article.reason


def test_short_text_is_too_short_but_kept():
    html = article_html(paragraphs=["Le marché de l'IA générative ralentit en Europe, selon une étude publiée lundi."])
    article = extract_article(html, min_chars=200)
    assert article.status == "too_short"
    assert "ralentit en Europe" in article.text


def test_client_side_rendered_page_is_empty_with_reason():
    html = """<html lang="fr"><body><div id="app"><article>
<h1>{{ vm.article.title }}</h1><p>{{ vm.article.chapo | truncate }}</p>
<p>{{vm.article.author.name}} - {{vm.article.date | date:'dd/MM/yyyy'}}</p>
<p>Chargement en cours de la page, merci de patienter quelques instants.</p></article></div></body></html>"""
    article = extract_article(html)
    assert article.status == "empty"
    assert article.text == ""
    assert "client-side" in article.reason


def test_looks_client_side_rendered_ignores_single_braces():
    assert not looks_client_side_rendered("Le format {json} est cité une fois, {{ pas }} ici.")


def test_malformed_html_never_raises():
    article = extract_article("<<<>>><p>&&&</b></i><div")
    assert article.status in ARTICLE_STATUSES


@pytest.mark.parametrize(
    "content_type,expected",
    [("text/html", True), ("text/html; charset=UTF-8", True), ("application/xhtml+xml", True),
     (None, True), ("application/pdf", False), ("image/jpeg", False), ("TEXT/HTML", True)],
)
def test_is_html_content_type(content_type, expected):
    assert is_html_content_type(content_type) is expected


def test_summary_to_text_handles_none_and_plain_text():
    assert summary_to_text(None) == ""
    assert summary_to_text("Texte brut,  sans balise.") == "Texte brut, sans balise."

"""A deterministic synthetic press corpus: realistic French article pages and RSS feeds.

Nothing is stored: page ``i`` and feed ``j`` are generated on demand from a seed, so the loopback
server can serve 20,000 pages of ~120 KB without holding them in memory, and the reference
implementations can regenerate the exact same HTML. Each page carries the usual weight of a news
site (inline scripts and styles, navigation, cookie banner, related links, comments, footer)
around a French article body of a few hundred words assembled from the original template
sentences below, which cite companies from the knowledge base, figures and layoff statements.
The companies each page really mentions are returned by :meth:`Corpus.truth` (tagging quality).
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from functools import cached_property
from html import escape

# Companies (knowledge-base ids and the name used in the text). Unambiguous names only, so the
# ground truth is the set of ids whose name a page's sentences cite.
COMPANIES: tuple[tuple[str, str], ...] = (
    ("openai", "OpenAI"), ("anthropic", "Anthropic"), ("mistral-ai", "Mistral AI"),
    ("google-deepmind", "Google DeepMind"), ("nvidia", "Nvidia"), ("microsoft", "Microsoft"),
    ("capgemini", "Capgemini"), ("atos", "Atos"), ("ovhcloud", "OVHcloud"), ("dassault-systemes", "Dassault Systèmes"),
    ("meta", "Meta"), ("amazon", "Amazon"), ("salesforce", "Salesforce"), ("ibm", "IBM"), ("intel", "Intel"),
    ("hugging-face", "Hugging Face"), ("orange", "Orange"), ("sopra-steria", "Sopra Steria"),
)
# Organisations the knowledge base does not know (fictional), for the NER discovery step.
UNKNOWN_ORGS = ("Quantalis Robotics", "Verdanne Analytics", "Lumeris Technologies", "Brévia Labs",
                "Novatek Systems", "Cerulis Capital")
CITIES = ("Paris", "Lyon", "Toulouse", "Grenoble", "Nantes", "Lille", "Bordeaux", "Sophia Antipolis")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "septembre", "octobre", "novembre")

# Original template sentences (written for this benchmark). {c} and {d} are companies, {o} an
# unknown organisation, {n} a count, {m} an amount in millions, {p} a percentage.
NEUTRAL = (
    "Le marché européen de l'intelligence artificielle a continué de croître au troisième trimestre, porté par les dépenses des grandes entreprises.",
    "Les directions informatiques restent prudentes et privilégient les projets dont le retour sur investissement se mesure en quelques mois.",
    "Plusieurs analystes rappellent que la facture énergétique des centres de données pèse de plus en plus lourd dans les budgets.",
    "La question de la souveraineté des données revient dans chaque appel d'offres public, selon les intégrateurs interrogés.",
    "Les syndicats demandent davantage de visibilité sur l'usage des outils d'IA générative dans les services clients.",
    "Le texte européen sur l'IA impose désormais des obligations de transparence aux fournisseurs de modèles à usage général.",
    "Sur le terrain, les équipes métiers testent des assistants de rédaction, mais peu de projets dépassent encore le stade pilote.",
    "Les prix de location des processeurs graphiques ont baissé depuis le printemps, sans revenir à leur niveau d'avant la vague générative.",
    "Les éditeurs de logiciels de gestion intègrent des fonctions d'agents autonomes dans leurs offres, souvent en option payante.",
    "Interrogée sur le calendrier, la direction n'a pas souhaité commenter les rumeurs de rapprochement.",
    "Les écoles d'ingénieurs ouvrent de nouvelles formations consacrées à l'apprentissage automatique et à la sécurité des modèles.",
    "Le comité social et économique doit être consulté dans les prochaines semaines, précise un délégué du personnel.",
)
WITH_COMPANY = (
    "{c} a annoncé un chiffre d'affaires de {m} millions d'euros sur le trimestre, en hausse de {p} % sur un an.",
    "{c} prévoit de recruter {n} ingénieurs à {city} d'ici à la fin de l'année prochaine.",
    "Selon nos informations, {c} discute d'un partenariat avec {d} autour des modèles de langage destinés aux banques.",
    "{c} a levé {m} millions d'euros auprès de fonds européens pour accélérer son développement commercial.",
    "Le directeur général de {c} a détaillé à {city} une feuille de route centrée sur les agents et l'automatisation.",
    "Les clients de {c} pourront tester la nouvelle offre dès le mois de {month}, d'abord en France puis en Allemagne.",
    "{c} revendique désormais {n} clients professionnels, contre moitié moins il y a deux ans.",
    "Face à {d}, {c} mise sur des centres de données installés en Europe et sur des tarifs plus lisibles.",
    "La jeune pousse {o} a signé un accord de distribution avec {c} pour le marché français.",
    "{o} compte déjà {n} salariés et vise une introduction en Bourse d'ici trois ans.",
)
LAYOFF = (
    "{c} va supprimer {n} postes en France dans le cadre d'un plan de réorganisation, a annoncé la direction.",
    "{c} a confirmé la suppression de {n} emplois, soit {p} % de ses effectifs, lors d'une réunion avec les syndicats.",
    "Le projet de plan social de {c}, qui prévoit {n} départs, a été présenté au comité social et économique.",
    "{c} dément toute suppression de postes et affirme vouloir maintenir ses effectifs en {month}.",
    "{c} pourrait supprimer jusqu'à {n} postes si la demande ne se redresse pas, selon une source syndicale.",
)
COMMENTS = (
    "Encore une annonce qui fera surtout plaisir aux actionnaires.",
    "Article très clair, merci pour le récapitulatif des chiffres.",
    "On attend de voir ce que cela donnera concrètement pour les PME.",
    "La comparaison avec l'année dernière aurait mérité un graphique.",
    "Qui paiera la facture énergétique de tout cela ?",
)
SECTIONS = ("Actualités", "IA", "Cloud", "Cybersécurité", "Emploi", "Start-up", "Data", "Réseaux", "Logiciels",
            "Matériel", "Télécoms", "Services IT", "Transformation", "Dossiers", "Vidéos", "Événements")


@dataclass(frozen=True)
class Article:
    """The facts behind one generated page."""

    index: int
    title: str
    paragraphs: tuple[str, ...]
    companies: frozenset[str]  # ids of the companies whose names the body cites (by construction)
    published: datetime
    # What was written, for the hand-written truth (bench/corpus_truth.yaml): the lead company's name,
    # then per body sentence (pool name, template index, the values filled in).
    lead_name: str = ""
    sentences: tuple[tuple[str, int, dict], ...] = ()


POOLS = {"NEUTRAL": NEUTRAL, "WITH_COMPANY": WITH_COMPANY, "LAYOFF": LAYOFF}


def _fill(template: str, rng: random.Random, cited: set[str]) -> tuple[str, dict]:
    """The sentence and the values filled in (names as printed)."""
    c_id, c_name = rng.choice(COMPANIES)
    d_id, d_name = rng.choice([x for x in COMPANIES if x[0] != c_id])
    if "{c}" in template:
        cited.add(c_id)
    if "{d}" in template:
        cited.add(d_id)
    values = dict(
        c=c_name, d=d_name, o=rng.choice(UNKNOWN_ORGS), n=rng.choice((40, 120, 250, 380, 1200, 2500)),
        m=rng.choice((12, 45, 110, 385, 600, 1700)), p=rng.choice((3, 7, 12, 18, 25)),
        city=rng.choice(CITIES), month=rng.choice(MONTHS),
    )
    return template.format(**values), values


class Corpus:
    """``n_pages`` article pages spread over ``n_feeds`` feeds (feed ``j`` lists pages
    ``j, j + n_feeds, …``), each feed and its pages served by host ``hosts[j % len(hosts)]``."""

    def __init__(self, n_pages: int, n_feeds: int, seed: int = 7, words: int = 450) -> None:
        if n_pages <= 0 or n_feeds <= 0:
            raise ValueError(f"n_pages and n_feeds must be positive, got {n_pages} and {n_feeds}")
        self.n_pages, self.n_feeds, self.seed, self.words = n_pages, n_feeds, seed, words
        self.base_time = datetime(2025, 11, 3, 6, 0, tzinfo=timezone.utc)

    # ------------------------------------------------------------------ layout
    def feed_of(self, i: int) -> int:
        return i % self.n_feeds

    def pages_of(self, j: int) -> range:
        return range(j, self.n_pages, self.n_feeds)

    # ------------------------------------------------------------------ content
    def article(self, i: int) -> Article:
        rng = random.Random(f"{self.seed}:{i}")
        cited: set[str] = set()
        paragraphs, words, written = [], 0, []
        while words < self.words:
            sentences = []
            for _ in range(rng.randint(2, 4)):
                r = rng.random()
                pool_name = "LAYOFF" if r < 0.12 else "WITH_COMPANY" if r < 0.55 else "NEUTRAL"
                index = rng.randrange(len(POOLS[pool_name]))  # the same draw as rng.choice(pool)
                sentence, values = _fill(POOLS[pool_name][index], rng, cited)
                sentences.append(sentence)
                written.append((pool_name, index, values))
            paragraph = " ".join(sentences)
            words += len(paragraph.split())
            paragraphs.append(paragraph)
        lead_id, lead_name = rng.choice(COMPANIES)
        cited.add(lead_id)
        title = f"{lead_name} : {rng.choice(('nouvelle étape', 'les chiffres du trimestre', 'ce qui change', 'le point sur l’emploi', 'la stratégie IA'))} ({i})"
        paragraphs[0] = f"{lead_name} a fait le point cette semaine sur sa stratégie. " + paragraphs[0]
        published = self.base_time - timedelta(minutes=7 * i)
        return Article(i, title, tuple(paragraphs), frozenset(cited), published, lead_name, tuple(written))

    def truth(self, i: int) -> frozenset[str]:
        return self.article(i).companies

    @cached_property
    def _chrome(self) -> tuple[str, str, str]:
        """Page furniture shared by all pages (generated once): head assets, nav, footer."""
        rng = random.Random(f"{self.seed}:chrome")
        script = "\n".join(
            f"window.__cfg_{k}={{id:'{hashlib.md5(str(k).encode()).hexdigest()}',slots:[{','.join(str(rng.randint(0, 999)) for _ in range(40))}],"
            f"track:function(e){{return (e||{{}}).type==='view'?{k}:0}}}};" for k in range(200))
        style = "\n".join(f".c{k}{{margin:{k % 13}px;padding:{k % 7}px;color:#{k * 2654435761 % 0xFFFFFF:06x}}}"
                          for k in range(900))
        head = (f"<script>{script}</script>\n<style>{style}</style>\n"
                '<script type="application/ld+json">{"@context":"https://schema.org","@type":"Organization",'
                '"name":"Le Journal des Réseaux"}</script>')
        nav_items = "".join(
            f'<li class="menu-item"><a href="/rubrique/{k}">{SECTIONS[k % len(SECTIONS)]} {k // len(SECTIONS) or ""}</a></li>'
            for k in range(120))
        nav = (f'<header class="site-header"><a class="logo" href="/">Le Journal des Réseaux</a>'
               f'<nav class="main-nav"><ul>{nav_items}</ul></nav>'
               '<form class="search" action="/recherche"><input name="q" placeholder="Rechercher"></form></header>'
               '<div id="cookie-banner" class="cookie-consent"><p>Nous utilisons des cookies pour mesurer '
               "l'audience et personnaliser les contenus. Vous pouvez accepter, refuser ou paramétrer vos choix "
               'à tout moment.</p><button>Tout accepter</button><button>Tout refuser</button>'
               '<button>Paramétrer</button></div>')
        footer_links = "".join(f'<li><a href="/page/{k}">Informations légales {k}</a></li>' for k in range(80))
        footer = (f'<footer class="site-footer"><ul>{footer_links}</ul><p>© 2025 Le Journal des Réseaux — '
                  "Tous droits réservés. Reproduction interdite sans autorisation.</p></footer>"
                  f"<script>{script[: len(script) // 3]}</script>")
        return head, nav, footer

    def page_url_path(self, i: int) -> str:
        return f"/articles/{i}.html"

    def feed_url_path(self, j: int) -> str:
        return f"/feeds/{j}.xml"

    def page_html(self, i: int, base_url: str = "") -> bytes:
        art = self.article(i)
        rng = random.Random(f"{self.seed}:furniture:{i}")
        head, nav, footer = self._chrome
        body = "".join(f"<p>{escape(p, quote=False)}</p>" for p in art.paragraphs)
        related = "".join(
            f'<li><a href="{base_url}/articles/{rng.randrange(self.n_pages)}.html">'
            f"{escape(self.article_title_stub(rng))}</a></li>" for _ in range(30))
        comments = "".join(
            f'<div class="comment"><span class="author">Lecteur{rng.randint(1, 999)}</span>'
            f"<p>{rng.choice(COMMENTS)}</p></div>" for _ in range(rng.randint(3, 8)))
        published = art.published.isoformat()
        html = (
            '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
            f"<title>{escape(art.title)} - Le Journal des Réseaux</title>"
            f'<meta property="og:title" content="{escape(art.title)}">'
            f'<meta property="article:published_time" content="{published}">'
            f'<meta name="author" content="Claire Dumont">'
            f'<link rel="canonical" href="{base_url}{self.page_url_path(i)}">{head}</head><body>{nav}'
            '<main><div class="breadcrumb"><a href="/">Accueil</a> › <a href="/rubrique/ia">IA</a></div>'
            f'<article class="article"><h1>{escape(art.title)}</h1>'
            f'<p class="byline">Par Claire Dumont, publié le <time datetime="{published}">{published[:10]}</time></p>'
            f'<div class="article-body">{body}</div></article>'
            f'<aside class="related"><h2>À lire aussi</h2><ul>{related}</ul></aside>'
            '<div class="newsletter"><p>Recevez chaque matin notre lettre d\'information.</p>'
            '<form><input type="email" placeholder="Votre adresse e-mail"><button>S\'inscrire</button></form></div>'
            f'<section class="comments"><h2>Commentaires</h2>{comments}</section></main>{footer}</body></html>'
        )
        return html.encode("utf-8")

    @staticmethod
    def article_title_stub(rng: random.Random) -> str:
        return f"{rng.choice(COMPANIES)[1]} : {rng.choice(('ce qu’il faut retenir', 'le récapitulatif', 'analyse', 'entretien'))}"

    def feed_xml(self, j: int, base_url: str) -> bytes:
        items = []
        for i in self.pages_of(j):
            art = self.article(i)
            items.append(
                f"<item><title>{escape(art.title)}</title><link>{base_url}{self.page_url_path(i)}</link>"
                f'<guid isPermaLink="false">bench-{self.seed}-{i}</guid>'
                f"<pubDate>{format_datetime(art.published)}</pubDate>"
                f"<description>{escape(art.paragraphs[0][:280])}</description></item>")
        xml = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
               f"<title>Flux banc d'essai {j}</title><link>{base_url}/</link>"
               f"<description>Flux synthétique {j}</description><language>fr</language>{''.join(items)}"
               "</channel></rss>")
        return xml.encode("utf-8")

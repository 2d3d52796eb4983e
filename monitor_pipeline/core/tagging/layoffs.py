"""Layoff mentions in French sentences: the lexicon, and the lexical rules for trigger, company
attribution, status and headcount.

The lexicon (``data/layoff_lexicon.yaml``) is data: noun classes ({jobs}, {workforce}) and trigger
patterns that use them, non-triggers, status cues. The tagger parses the sentences holding a
trigger (``core.tagging.syntax``) and uses the rules here for plain sentences, for headcounts
(``headcount_near``: ranges with both ends, "N de ses M", "soit N", "un millier", vague
"des centaines" kept as a qualifier, percents apart) and as fallbacks (``regex_attribute``,
``regex_status``, ``regex_speaker``). Without the parser, ``find_layoffs`` is the whole reading:
a mention is attributed to a company when the sentence structure names it as the one cutting jobs
(subject before the verb, "chez X", a complement of the trigger, a list of subjects). Only
``COUNTED_STATUSES`` with a company become events.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Sequence

import yaml

from monitor_pipeline.core.tagging.companies import CompanyMention
from monitor_pipeline.core.tagging.frnumbers import NUMBER_PATTERN, parse_digits
from monitor_pipeline.core.tagging.gates import alternative_gates, case_sensitive_twin, fold_case, may_match, required_literals
from monitor_pipeline.core.tagging.numeric_facts import Metric, find_metrics

__all__ = [
    "COUNTED_STATUSES",
    "STATUSES",
    "LayoffLexicon",
    "LayoffLexiconError",
    "LayoffMention",
    "find_layoffs",
    "find_triggers",
    "Headcount",
    "headcount_near",
    "regex_attribute",
    "regex_speaker",
    "regex_status",
]

STATUSES = ("announced", "planned", "executed", "postponed", "contested", "denied", "negated",
            "hypothetical", "generic")
COUNTED_STATUSES = frozenset({"announced", "planned", "executed"})
_CUE_KEYS = ("denial", "negation", "hypothetical", "postponed", "contested", "planned", "executed", "announced")


_TOP_LEVEL_KEYS = ("version", "prefilter", "noun_classes", "triggers", "case_sensitive_triggers", "non_triggers", "cues")


class LayoffLexiconError(ValueError):
    """The layoff lexicon file is malformed; the message names the problem."""


@dataclass(frozen=True)
class LayoffMention:
    """A layoff statement about one company (or none: ``generic``) in one sentence.

    ``start``/``end`` are the offsets of the sentence in the cleaned text.
    """

    company_id: str | None
    status: str
    headcount: int | None
    headcount_percent: float | None
    trigger: str
    sentence: str
    start: int
    end: int
    #: the company's name as written or known (None for a generic mention)
    company_name: str | None = None
    #: a range ("de 4 000 à 6 000") keeps both ends; ``headcount`` is its upper end
    headcount_low: int | None = None
    headcount_high: int | None = None
    #: "des centaines", "plus de", "environ": how the number was qualified
    headcount_qualifier: str | None = None
    #: offsets of the trigger in the cleaned text, and the rule or parse path that decided
    trigger_start: int = -1
    trigger_end: int = -1
    rule: str = "rules"
    #: False when the company is not in the knowledge base (id = slug of its name)
    known: bool = True

    @property
    def counted(self) -> bool:
        """True when the mention is an event (announced, planned or executed, with a company)."""
        return self.company_id is not None and self.status in COUNTED_STATUSES


def _compile(pattern: Any, where: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    if not isinstance(pattern, str):
        raise LayoffLexiconError(f"layoff lexicon: {where} must be a regex string, got {type(pattern).__name__}")
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise LayoffLexiconError(f"layoff lexicon: invalid regex in {where}: {exc}") from exc


@dataclass
class LayoffLexicon:
    """Compiled triggers, non-triggers and status cues."""

    triggers: dict[str, re.Pattern[str]]
    non_triggers: list[re.Pattern[str]]
    cues: dict[str, list[re.Pattern[str]]] = field(default_factory=dict)
    #: optional cheap gate: a sentence that does not match it cannot hold a trigger
    prefilter: re.Pattern[str] | None = None
    #: the noun classes as written in the file (regex alternatives: ``jobs``, ``workforce`` …)
    noun_classes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path | None = None) -> "LayoffLexicon":
        """Load ``data/layoff_lexicon.yaml`` (or ``path``) and compile it."""
        p = Path(path) if path is not None else Path(str(resources.files("monitor_pipeline") / "data" / "layoff_lexicon.yaml"))
        if not p.exists():
            raise LayoffLexiconError(f"layoff lexicon file not found: {p}")
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise LayoffLexiconError(f"{p}: invalid YAML: {exc}") from exc
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Any) -> "LayoffLexicon":
        if not isinstance(data, dict) or not isinstance(data.get("triggers"), dict) or not data["triggers"]:
            raise LayoffLexiconError("layoff lexicon: a non-empty 'triggers' mapping is required")
        unknown_keys = sorted(set(data) - set(_TOP_LEVEL_KEYS))
        if unknown_keys:  # a misspelt list would otherwise be silently ignored
            raise LayoffLexiconError(f"layoff lexicon: unknown top-level key(s) {', '.join(map(str, unknown_keys))}")
        classes = data.get("noun_classes") or {}
        if not isinstance(classes, dict) or not all(isinstance(v, str) and v for v in classes.values()):
            raise LayoffLexiconError("layoff lexicon: 'noun_classes' must map names to regex alternatives")

        def expand(pattern: Any, where: str) -> Any:
            if not isinstance(pattern, str):
                return pattern
            for key in re.findall(r"\{(\w+)\}", pattern):
                if key not in classes:
                    raise LayoffLexiconError(f"layoff lexicon: {where} uses an unknown noun class {{{key}}}")
                pattern = pattern.replace("{" + key + "}", classes[key])
            return pattern

        triggers = {name: _compile(expand(p, f"triggers.{name}"), f"triggers.{name}") for name, p in data["triggers"].items()}
        for name, p in (data.get("case_sensitive_triggers") or {}).items():
            triggers[name] = _compile(expand(p, f"case_sensitive_triggers.{name}"), f"case_sensitive_triggers.{name}", 0)
        non_triggers = [_compile(p, f"non_triggers[{i}]") for i, p in enumerate(data.get("non_triggers") or [])]
        raw_cues = data.get("cues") or {}
        unknown = sorted(set(raw_cues) - set(_CUE_KEYS))
        if unknown:
            raise LayoffLexiconError(f"layoff lexicon: unknown cue list(s) {', '.join(unknown)}")
        cues = {k: [_compile(p, f"cues.{k}[{i}]") for i, p in enumerate(raw_cues.get(k) or [])] for k in _CUE_KEYS}
        prefilter = _compile(data["prefilter"], "prefilter") if data.get("prefilter") else None
        return cls(triggers=triggers, non_triggers=non_triggers, cues=cues, prefilter=prefilter,
                   noun_classes=dict(classes))

    def passes_prefilter(self, text: str) -> bool:
        """True when ``text`` may hold a trigger (no prefilter: always)."""
        if self.prefilter is None:
            return True
        twin = case_sensitive_twin(self.prefilter)
        if twin is not None:
            return twin.search(_fold(text)) is not None
        return self.prefilter.search(text) is not None


# fold_case of the sentence being analysed (and of its clause), asked for by every gate
_fold = functools.lru_cache(maxsize=16)(fold_case)


# --------------------------------------------------------------- attribution helpers
_SEP_LIST = re.compile(r"^\s*(?:,\s*(?:et|ou|ainsi\s+que|mais\s+aussi)?|et|ou|ainsi\s+que|comme|ni)\s*(?:l'|le\s+|la\s+|les\s+)?$", re.IGNORECASE)
# a company preceded by one of these is a comparison/client/source, not the one laying off
_EXCLUDING_BEFORE = re.compile(
    r"(?:\bcomme|\bà\s+l'instar\s+(?:de|d')|\bcontrairement\s+(?:à|aux?)|\baprès|\bselon|\bd'après|\bface\s+(?:à|aux?)"
    r"|\bclients?\s+(?:de|d'|comme)|\bpartenaires?\s+(?:de|d')?|\brival(?:e|es|s)?\s+(?:de|d')?|\bconcurrente?s?\s+(?:de|d')?"
    r"|\bau\s+profit\s+(?:de|d')|\bpar|\bavec|\bgrâce\s+(?:à|aux?)|\butilis\w*|\bque|\bqu'|\bsur|\bvers|\bpour"
    r"|\bà\s+cause\s+(?:de|d')|\bcontre|\bdans\s+le\s+sillage\s+(?:de|d')|\bsuivant|\bimitant|\bremplac\w*\s+par"
    r"|\brachet\w*\s+par|\bdevant|\bderrière|\bmoins\s+que|\bplus\s+que|\bcitant|\brapporte|\brévèle|\bpour\s+concurrencer)"
    r"(?:\s+(?:le|la|les|l'|un|une|des|du|de|d'|à|au|aux)?\s*(?:géant|groupe|américain|américaine|français|française|chinois|chinoise|éditeur|start-up|startup|entreprise|société|firme|leader)?\s*(?:américain|français|chinois)?\s*)?$",
    re.IGNORECASE,
)
_CHEZ_BEFORE = re.compile(r"\bchez\s+(?:le\s+|la\s+|l')?(?:\w+\s+){0,2}?$", re.IGNORECASE)
_COMPLEMENT = re.compile(
    r"^\s*(?:massifs?\s+|massives?\s+|économiques?\s+|collectifs?\s+|en\s+cours\s+|annoncée?s?\s+)?"
    r"(?:de\s+|d'|du\s+groupe\s+|du\s+|au\s+sein\s+(?:de|d')\s*|dans\s+(?:le\s+groupe\s+)?)"
    r"(?:l'|la\s+|le\s+)?(?:(?:géant|groupe|américain|français|éditeur|constructeur|start-up|startup|entreprise|société|firme|ESN|spécialiste|opérateur)\s+){0,2}$",
    re.IGNORECASE,
)
_ANAPHOR = re.compile(
    r"(?:^|[,;:]\s*|\b(?:syndicats?|salariés|direction|dirigeants?|représentants\s+du\s+personnel)\s+(?:de\s+)?)"
    r"(?:le|la|l'|du)\s*(?:groupe|entreprise|société|firme|géant|éditeur|constructeur|start-up|startup|fabricant|opérateur"
    r"|spécialiste|leader|américain|français|californien|ESN|cabinet|enseigne|banque|assureur|plateforme|pépite|licorne|numéro\s+un)\b"
    r"|^\s*(?:il|elle)\s",
    re.IGNORECASE,
)
_COORDINATOR = re.compile(r"\b(?:et|ou|ainsi\s+que)\b", re.IGNORECASE)
_SENTENCE_WIDE_CUE = re.compile(r"rumeur|selon\s|si\s", re.IGNORECASE)  # hypothetical cues for the whole sentence
_CAPITALIZED_WORD_END = re.compile(r"\b[A-Z][\w&.-]*\s*$")
_RELATIVE_CLAUSE = re.compile(r",\s*(?:qui|dont|lequel|laquelle)\b[^,]*(?:,|$)", re.IGNORECASE)
_RELATIVE = re.compile(r",\s*(?:qui|dont|que|qu'|lequel|laquelle|où)\b[^,]*,|\([^)]*\)|—[^—]*—", re.IGNORECASE)

_EXCLUDE_NOT = re.compile(r"\bn'(?:exclu\w*|écart\w*)\s+pas\b|\bne\s+pas\s+exclure\b", re.IGNORECASE)
_HEAD_NOUNS = re.compile(r"^(?:postes?|emplois?|salariés?|employés?|personnes|collaborateurs?|collaboratrices?|travailleurs?|agents?|cdi|licenciements?|suppressions?|départs?|personnels?|ingénieurs?|développeurs?|consultants?|techniciens?|vendeurs?|cadres?|contrats?|conseillers?|intérimaires?|prestataires?|contractuels?|journalistes?|ouvriers?|chauffeurs?|livreurs?|modérateurs?|chercheurs?|traducteurs?|pigistes?|annotateurs?|caissi(?:er|ère)s?|téléconseill(?:er|ère)s?|commerciaux|rédacteurs?|testeurs?|graphistes?|animateurs?|soignants?|cdd|salariées?|employées?|ouvrières?|vendeuses?|gestionnaires?|caristes?|préparateurs?|magasiniers?|manutentionnaires?|enquêteurs?|opérat(?:eur|rice)s?|conduct(?:eur|rice)s?|infirmi(?:er|ère)s?|mécaniciens?|monteurs?|soudeurs?|saisonniers?|assistante?s?|analystes?|comptables?|juristes?|formateurs?|enseignants?|superviseurs?|managers?|designers?|coursiers?|hôtesses?|stewards?|pilotes?|serveurs?|cuisiniers?|équipiers?|encadrants?|techniciennes?|ingénieures?)\b", re.IGNORECASE)
_PERCENT_NOUNS = re.compile(r"^(?:effectifs?|salariés?|employés?|personnel|main-d'(?:œ|oe)uvre|postes?|emplois?|collaborateurs?|workforce|masse)\b", re.IGNORECASE)
# "réduit ses effectifs de 400 personnes": after a cutting word, "effectifs de N" is the cut
_CUT_WORKFORCE_BEFORE = re.compile(r"\b(?:r[ée]du\w*|baiss\w*|diminu\w*|amput\w*|allég\w*|allèg\w*|coup\w*|taill\w*|dégraiss\w*|sabr\w*|"
                                   r"compress\w*|comprim\w*|rabot\w*|resserr\w*|élagu\w*)\s+"
                                   r"(?:de\s+|d'|dans\s+)?(?:ses|leurs|les|son|l')\s*effectifs?\s+de\s*$", re.IGNORECASE)
_WORKFORCE_BEFORE = re.compile(r"(?:emploie|emploient|employait|emploiera|emploieront|comptera|compteront|compte|comptait|comptent|sur\s+(?:ses|un\s+total\s+de|les|leurs)|effectifs?\s+de|de\s+ses|parmi\s+ses|rassemble|réunit"
                               r"|(?:%|moitié|tiers|quart)\s+(?:des|de\s+ses|de\s+leurs))\s*$",
                               re.IGNORECASE)  # "40 % des 480 salariés", "la moitié de ses 300 postes": a share
# numbers of people trained, hired or redeployed are not the number of jobs cut
_NOT_CUT_BEFORE = re.compile(
    r"\b(?:formation|form(?:er|e|ent|é|és)|recrut\w*|embauch\w*|reclass\w*|redéploi\w*|redéploy\w*|accompagn\w*)"
    r"\s+(?:de\s+|d'|des\s+|les\s+|ses\s+)?(?:\w+\s+){0,2}$", re.IGNORECASE)
_N_OF_M = re.compile(
    rf"(?P<n>{NUMBER_PATTERN})\s+(?:de\s+(?:ses|leurs)|des|sur\s+(?:ses|les|leurs))\s+(?:{NUMBER_PATTERN})\s+"
    r"(?:postes|emplois|salariés|employés|personnes|collaborateurs)",
    re.IGNORECASE,
)


@dataclass
class _Group:
    members: list[CompanyMention]
    start: int  # sentence-relative
    end: int


def _rel(m: CompanyMention, base: int) -> tuple[int, int]:
    return m.start - base, m.end - base


def _groups(sentence: str, mentions: list[CompanyMention], base: int) -> list[_Group]:
    """Merge mentions separated only by list separators into groups ("A, B ou C").

    A group introduced by an excluding context ("après", "comme", "selon"…) is dropped when it
    is a real list ("comme A, B et C"); for a bare comma pair ("Après A, B va…") only its first
    member is dropped.
    """
    out: list[_Group] = []
    for g in _raw_groups(sentence, mentions, base):
        if not _excluded(sentence, g.start):
            out.append(g)
            continue
        inner = sentence[g.start:g.end]
        if len(g.members) > 1 and not _COORDINATOR.search(inner):
            rest = g.members[1:]
            rs, _ = _rel(rest[0], base)
            out.append(_Group(rest, rs, g.end))
    return out


def _raw_groups(sentence: str, mentions: list[CompanyMention], base: int) -> list[_Group]:
    groups: list[_Group] = []
    for m in mentions:
        s, e = _rel(m, base)
        if groups and _SEP_LIST.match(sentence[groups[-1].end:s]):
            g = groups[-1]
            if all(x.company_id != m.company_id for x in g.members):
                g.members.append(m)
            g.end = e
        elif groups and sentence[groups[-1].end:s].strip() == "" :
            groups[-1].end = e  # adjacent duplicate
        else:
            groups.append(_Group([m], s, e))
    return groups


def _excluded(sentence: str, start: int) -> bool:
    before = sentence[max(0, start - 60):start]
    return bool(_EXCLUDING_BEFORE.search(before))


def _masked_relatives(sentence: str) -> str:
    """Sentence with relative clauses/parentheses blanked (same length)."""
    return _RELATIVE.sub(lambda m: " " * len(m.group(0)), sentence)


def _attribute(sentence: str, trig: tuple[int, int], mentions: list[CompanyMention], base: int) -> list[str]:
    """Company ids the structure designates as cutting jobs for the trigger span ``trig``."""
    usable = [m for m in mentions if m.via != "product"]
    if not usable:
        return []
    ts, te = trig
    # 1. "chez X" anywhere in the sentence
    chez = [g for g in _groups(sentence, usable, base) if _CHEZ_BEFORE.search(sentence[max(0, g.start - 40):g.start])]
    if chez:
        best = min(chez, key=lambda g: abs(g.start - te))
        return [m.company_id for m in best.members]
    groups = _groups(sentence, usable, base)
    # 2. complement right after the trigger: "le plan social d'Atos", "les licenciements chez"
    for g in groups:
        if g.start >= te and g.start - te <= 60 and _COMPLEMENT.match(sentence[te:g.start]):
            return [m.company_id for m in g.members]
    # 3. trigger inside a relative clause: its antecedent ("Amazon, qui a supprimé…")
    for rel in _RELATIVE_CLAUSE.finditer(sentence):
        if rel.start() <= ts and te <= rel.end():
            ante = [g for g in _raw_groups(sentence, usable, base) if g.end <= rel.start() and not sentence[g.end:rel.start()].strip()]
            if ante:
                return [m.company_id for m in ante[-1].members]
    masked = _masked_relatives(sentence)
    # 4. subject group before the trigger (nearest one not in a relative clause / excluded context)
    before = [g for g in groups if g.end <= ts and masked[g.start:g.end].strip()]
    if before:
        g = before[-1]
        return [m.company_id for m in g.members]
    # companies only after the trigger without "chez"/complement are not blamed (precision first)
    return []


def _cue_hits(sentence: str, lexicon: LayoffLexicon, key: str) -> list[tuple[int, int]]:
    folded = _fold(sentence)
    return [(m.start(), m.end()) for p in lexicon.cues.get(key, []) if may_match(p, sentence, folded)
            for m in p.finditer(sentence)]


def _near(hits: list[tuple[int, int]], trig: tuple[int, int], before: int, after: int) -> list[tuple[int, int]]:
    ts, te = trig
    return [(s, e) for s, e in hits if s >= ts - before and s <= te + after]


def _status(sentence: str, trig: tuple[int, int], lexicon: LayoffLexicon) -> str:
    """Status of the layoff statement whose trigger occupies ``trig`` (sentence-relative).

    Denials and sentence-initial "si"/rumours apply to the whole sentence; other cues only count
    inside the clause of the trigger and within a window around it.
    """
    if _cue_hits(sentence, lexicon, "denial"):
        return "denied"
    full = sentence
    lo, hi = _clause_bounds(sentence, trig)
    sentence = " " * lo + sentence[lo:hi]
    if (lo, hi) not in {(r.start(), r.end()) for r in _RELATIVE_CLAUSE.finditer(full)}:
        sentence = _RELATIVE_CLAUSE.sub(lambda m: " " * len(m.group(0)), sentence)
    if _EXCLUDE_NOT.search(sentence):
        return "hypothetical"  # "n'exclut pas de nouveaux licenciements"
    if _near(_cue_hits(sentence, lexicon, "negation"), trig, 60, 15):
        return "negated"
    if (_near(_cue_hits(sentence, lexicon, "hypothetical"), trig, 70, 15)
            or _sentence_wide_hypothesis(full, trig, lexicon)):
        return "hypothetical"
    if _near(_cue_hits(sentence, lexicon, "contested"), trig, 80, 60):
        return "contested"
    if _near(_cue_hits(sentence, lexicon, "postponed"), trig, 120, 40):
        return "postponed"
    best: tuple[int, int, str] | None = None
    for rank, key in enumerate(("executed", "planned", "announced")):
        for s, e in _near(_cue_hits(sentence, lexicon, key), trig, 90, 40):
            dist = trig[0] - e if e <= trig[0] else (s - trig[1] if s >= trig[1] else 0)
            cand = (max(dist, 0), rank, key)
            if best is None or cand < best:
                best = cand
    return best[2] if best else "announced"


def regex_status(sentence: str, trig: tuple[int, int], lexicon: LayoffLexicon) -> str:
    """The status the lexicon's cues give the trigger ``trig`` (no parse)."""
    text = sentence.translate(_TRANSLATION) if _ODD_CHARS.search(sentence) else sentence
    return _status(text, trig, lexicon)


def _sentence_wide_hypothesis(sentence: str, trig: tuple[int, int], lexicon: LayoffLexicon) -> bool:
    """A rumour, "selon …" or "si …" cue before the trigger makes the whole sentence hypothetical."""
    return any(_SENTENCE_WIDE_CUE.match(sentence[s:e].strip(" ,;:")) and s < trig[0]
               for s, e in _cue_hits(sentence, lexicon, "hypothetical"))


@dataclass(frozen=True)
class Headcount:
    """The size of a layoff: a number of jobs (with the low end of a range) or a percent."""

    value: int | None = None
    percent: float | None = None
    low: int | None = None
    high: int | None = None
    qualifier: str | None = None


_ABOUT = re.compile(r"\b(?:un|une)\s+(millier|centaine|dizaine|quinzaine|vingtaine|trentaine|quarantaine|cinquantaine|"
                    r"soixantaine)\s+(?:de\s+|d')(?:\w+\s+)?"
                    r"(?:postes|emplois|salariés|employés|personnes|collaborateurs|collaboratrices|journalistes|consultants|"
                    r"ingénieurs|développeurs|cadres|conseillers|travailleurs|techniciens|vendeurs|chercheurs|pigistes|"
                    r"ouvriers|intérimaires|livreurs|commerciaux|départs|licenciements|suppressions|gestionnaires|caristes|"
                    r"opérateurs|enquêteurs|magasiniers|saisonniers|infirmiers|salariées|employées)\b", re.IGNORECASE)
_ABOUT_VALUES = {"millier": 1000, "centaine": 100, "dizaine": 10, "quinzaine": 15, "vingtaine": 20, "trentaine": 30,
                 "quarantaine": 40, "cinquantaine": 50, "soixantaine": 60}
_BARE_ABOUT = re.compile(r"\b(?:un|une)\s+(millier|centaine|dizaine|quinzaine|vingtaine|trentaine|quarantaine|"
                         r"cinquantaine|soixantaine)\s*$", re.IGNORECASE)
#: an elided range at the end of an enumeration segment: "…, HP entre 4 000 et 6 000"
_BARE_RANGE = re.compile(rf"\b(?:entre\s+(?P<low>{NUMBER_PATTERN})\s+et|de\s+(?P<low2>{NUMBER_PATTERN})\s+à)"
                         rf"\s+(?P<high>{NUMBER_PATTERN})\s*$", re.IGNORECASE)
#: the clitic "en" right before a trigger verb, and the bare number after it: "en a licencié 260"
_CLITIC_EN_BEFORE = re.compile(r"\ben\s+(?:(?:a|ont|avait|avaient|aura|auront|va|vont)\s+)?(?:déjà\s+|encore\s+)?$", re.IGNORECASE)
_BARE_COUNT_AFTER = re.compile(rf"\s+(?P<q>environ\s+|près\s+de\s+|plus\s+de\s+|quelque\s+)?(?P<n>{NUMBER_PATTERN})"
                               r"(?!\s*\d|[.,]\d|\s*(?:%|€|\$|pour\s*cent|millions?\b|milliards?\b|M€|Md|euros?\b|dollars?\b|ans?\b|mois\b))", re.IGNORECASE)
_QUALIFIERS = {"environ": "environ", "près de": "près de", "plus de": "plus de", "quelque": "environ"}
_VAGUE = re.compile(r"\b(?:des|plusieurs|quelques)\s+(centaines|milliers|dizaines)\s+(?:de\s+|d')", re.IGNORECASE)


#: "réduire de N le nombre de ses salariés": N is the cut
_REDUCED_NUMBER_OF = re.compile(rf"\bde\s+(?P<n>{NUMBER_PATTERN})\s+le\s+nombre\s+d(?:e\s+|')", re.IGNORECASE)


def headcount_near(sentence: str, trig: tuple[int, int], sentence_metrics: Sequence[Metric] | None = None,
                   base: int = 0, within: bool = False) -> Headcount:
    """The headcount stated near the trigger ``trig`` (sentence-relative), with range and qualifier.

    ``within``: ``trig`` is one segment of an enumeration ("1 000 chez X"): only a number inside
    it counts (a count of jobs, or a percent of the workforce)."""
    if within:
        lo, hi = trig
        metrics = find_metrics(sentence[lo:hi], base_offset=lo)
        for metric in reversed(metrics):
            if metric.kind == "count":
                return Headcount(int(round(metric.value)), None,
                                 int(metric.range_low) if metric.range_low is not None else None,
                                 int(round(metric.value)) if metric.range_low is not None else None, metric.qualifier)
            if metric.kind == "percent" and metric.unit == "%":
                return Headcount(None, metric.value, qualifier=metric.qualifier)
        span = sentence[lo:hi].rstrip(" ,;")
        ranged = _BARE_RANGE.search(span)
        low_text = ranged and (ranged.group("low") or ranged.group("low2"))
        if ranged and parse_digits(low_text) is not None and parse_digits(ranged.group("high")) is not None:
            low, high = int(parse_digits(low_text)), int(parse_digits(ranged.group("high")))
            return Headcount(high, None, low, high)
        bare = re.search(rf"(?<![\w.,])({NUMBER_PATTERN})\s*$", span)
        if bare and parse_digits(bare.group(1)) is not None:
            return Headcount(int(parse_digits(bare.group(1))))
        about = _BARE_ABOUT.search(span)  # "…, et Indosuez une centaine"
        if about:
            return Headcount(_ABOUT_VALUES[about.group(1).lower()], qualifier="environ")
        return Headcount()
    reduced = _REDUCED_NUMBER_OF.search(sentence, trig[0], trig[1])
    if reduced and parse_digits(reduced.group("n")) is not None:  # "réduit de 85 le nombre de ses gestionnaires"
        return Headcount(int(parse_digits(reduced.group("n"))))
    head, pct, low, qualifier = _headcount(sentence, trig, sentence_metrics, base, detail=True)
    if head is None and pct is None and _CLITIC_EN_BEFORE.search(sentence, max(0, trig[0] - 16), trig[0]):
        # "la société en a licencié 260", "PayFit en licencie 130": "en" stands for the noun, the number follows
        bare = _BARE_COUNT_AFTER.match(sentence, trig[1])
        if bare and parse_digits(bare.group("n")) is not None:
            return Headcount(int(parse_digits(bare.group("n"))), qualifier=_QUALIFIERS.get((bare.group("q") or "").lower().strip()))
    if head is None and pct is None:
        lo, hi = _clause_bounds(sentence, trig)
        about = _ABOUT.search(sentence[lo:hi])
        if about:  # "un millier de postes", "une centaine de salariés"
            return Headcount(_ABOUT_VALUES[about.group(1).lower()], qualifier="environ")
        vague = _VAGUE.search(sentence[lo:hi])
        if vague:
            return Headcount(qualifier=f"des {vague.group(1).lower()}")
    high = head if head is not None and low is not None else None
    return Headcount(head, pct, int(low) if low is not None and head is not None else None, high, qualifier)


def _headcount(sentence: str, trig: tuple[int, int], sentence_metrics: Sequence[Metric] | None = None,
               base: int = 0, detail: bool = False) -> Any:
    """Stated number of jobs (upper bound of ranges) or percent of the workforce near the trigger.

    ``sentence_metrics``, if given, are ``find_metrics(sentence, base_offset=base)``: reused when
    the trigger's clause is the whole sentence instead of being found again.
    """
    ts, te = trig
    lo, hi = _clause_bounds(sentence, trig)
    whole = (lo, hi) == (0, len(sentence))
    sentence = " " * lo + sentence[lo:hi]
    if sentence_metrics is None or not whole:
        sentence_metrics, base = find_metrics(sentence), 0
    candidates: list[tuple[int, float]] = []
    percents: list[tuple[int, float]] = []
    extra: dict[tuple[int, float], tuple[float | None, str | None]] = {}  # range low, qualifier
    n_of_m = list(_N_OF_M.finditer(sentence))
    for m in n_of_m:
        v = parse_digits(m.group("n"))
        if v is not None:
            candidates.append((_dist(m.start(), m.end(), ts, te), v))
    taken = [(m.start(), m.end()) for m in n_of_m]
    for metric in sentence_metrics:
        start, end = metric.start - base, metric.end - base
        if any(s <= start < e for s, e in taken):
            continue
        noun = metric.noun or ""
        if metric.kind == "count" and _HEAD_NOUNS.match(noun):
            if metric.range_low is not None and metric.range_low > metric.value:
                continue  # "passés de 5 000 à 3 800 personnes": a workforce before and after, not a cut
            inside_trigger = ts <= start < te  # "ferme son site, qui emploie 150 salariés": the jobs closed
            if (not inside_trigger and _WORKFORCE_BEFORE.search(sentence[max(0, start - 25):start])
                    and not _CUT_WORKFORCE_BEFORE.search(sentence[max(0, start - 50):start])):
                continue
            if _NOT_CUT_BEFORE.search(sentence[max(0, start - 40):start]):
                continue
            # "10 % des 5 000 salariés, soit près de 500 personnes": the number after "soit" is the cut
            restated = _RESTATED_BEFORE.search(sentence[max(0, start - 25):start])
            candidates.append((-1 if restated else _dist(start, end, ts, te), metric.value))
            extra[candidates[-1]] = (metric.range_low, metric.qualifier)
        elif metric.kind == "percent" and metric.unit == "%" and _PERCENT_NOUNS.match(noun):
            percents.append((_dist(start, end, ts, te), metric.value))
            extra[percents[-1]] = (metric.range_low, metric.qualifier)
    head = int(round(min(candidates)[1])) if candidates and min(candidates)[0] <= 120 else None
    pct = min(percents)[1] if percents and min(percents)[0] <= 120 else None
    if head is not None and pct is not None:
        pct = None  # "30 % de ses effectifs, soit 240 personnes": the number of jobs is the headcount
    if not detail:
        return head, pct
    chosen = min(candidates) if head is not None else min(percents) if pct is not None else None
    low, qualifier = extra.get(chosen, (None, None)) if chosen is not None else (None, None)
    return head, pct, low, qualifier


_RESTATED_BEFORE = re.compile(r"\bsoit\s+(?:près\s+de\s+|environ\s+|plus\s+de\s+|quelque\s+|au\s+moins\s+)?$", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r";|,\s*(?:mais|alors\s+qu|tandis\s+qu|et\s+que|quand|lorsque|pendant\s+que)\b|\s[—–]\s"
                           r"|\sau\s+moment\s+où\b", re.IGNORECASE)


def _clause_bounds(sentence: str, trig: tuple[int, int]) -> tuple[int, int]:
    """Start/end of the clause holding the trigger (split on ';', ', mais', ', alors que'…)."""
    for rel in _RELATIVE_CLAUSE.finditer(sentence):
        if rel.start() <= trig[0] and trig[1] <= rel.end() and _CAPITALIZED_WORD_END.search(sentence[:rel.start()]):
            return rel.start(), rel.end()  # "Amazon, qui a supprimé…": the clause is its own statement
    lo, hi = 0, len(sentence)
    for m in _CLAUSE_BREAK.finditer(sentence):
        if m.end() <= trig[0]:
            lo = m.end()
        elif m.start() >= trig[1]:
            hi = m.start()
            break
    return lo, hi


def _dist(s: int, e: int, ts: int, te: int) -> int:
    if e <= ts:
        return ts - e
    if s >= te:
        return s - te
    return 0


def find_triggers(sentence: str, lexicon: LayoffLexicon) -> list[tuple[int, int, str]]:
    """The layoff triggers of ``sentence``: (start, end, trigger name), merged when overlapping."""
    text = sentence.translate(_TRANSLATION) if _ODD_CHARS.search(sentence) else sentence
    if not lexicon.passes_prefilter(text):
        return []
    return _triggers(text, lexicon)


# "1.100 postes": a dot grouping digits is no sentence end for the triggers' "[^.;:!?]" gaps
_DOTTED_THOUSANDS = re.compile(r"(?<=\d)\.(?=\d{3}(?!\d))")


#: triggers read only when the sentence has no other: a bare "N départs" restates the plan a stronger trigger names
_WEAK_TRIGGERS = frozenset({"n_departs", "n_suppressions"})
_GATES_BY_LEXICON: dict[int, tuple[LayoffLexicon, "_TriggerGates"]] = {}


class _TriggerGates:
    """A lexicon's triggers with their gates, and the gates' strings the other way round: each
    distinct required string (folded or not) with the triggers it opens, so that a sentence looks
    each string up once, in one loop (101 strings for 57 triggers)."""

    def __init__(self, lexicon: LayoffLexicon) -> None:
        #: (name, pattern, (required literals, case-folded?, alternatives) or None) per trigger
        self.gates: list[tuple[str, re.Pattern[str], Any]] = []
        opens: dict[tuple[str, bool], list[int]] = {}
        self.ungated: list[int] = []
        for i, (name, p) in enumerate(lexicon.triggers.items()):
            literals = required_literals(p)
            folded_case = bool(p.flags & re.IGNORECASE)
            self.gates.append((name, p, None if literals is None else (literals, folded_case, alternative_gates(p))))
            if literals is None:
                self.ungated.append(i)
            else:
                for literal in literals:
                    opens.setdefault((literal, folded_case), []).append(i)
        self.folded_literals = [(literal, tuple(ids)) for (literal, folded), ids in opens.items() if folded]
        self.exact_literals = [(literal, tuple(ids)) for (literal, folded), ids in opens.items() if not folded]

    def opened(self, masked: str, folded: str) -> list[int]:
        """The triggers (in lexicon order) one of whose required strings the sentence holds."""
        opened = set(self.ungated)
        for literal, ids in self.folded_literals:
            if literal in folded:
                opened.update(ids)
        for literal, ids in self.exact_literals:
            if literal in masked:
                opened.update(ids)
        return sorted(opened)


def _trigger_gates(lexicon: LayoffLexicon) -> _TriggerGates:
    """The lexicon's trigger gates, built once per lexicon."""
    entry = _GATES_BY_LEXICON.get(id(lexicon))
    if entry is None or entry[0] is not lexicon:
        entry = _GATES_BY_LEXICON[id(lexicon)] = (lexicon, _TriggerGates(lexicon))
    return entry[1]


def _triggers(sentence: str, lexicon: LayoffLexicon) -> list[tuple[int, int, str]]:
    masked = _DOTTED_THOUSANDS.sub(" ", sentence) if "." in sentence else sentence
    for p in lexicon.non_triggers:
        if may_match(p, masked, _fold(masked)):
            masked = p.sub(lambda m: " " * len(m.group(0)), masked)
    folded = _fold(masked)
    found: list[tuple[int, int, str]] = []
    gates = _trigger_gates(lexicon)
    for i in gates.opened(masked, folded):  # one of its required strings is present
        name, p, gate = gates.gates[i]
        if gate is not None:
            _, folded_case, alternatives = gate
            haystack = folded if folded_case else masked
            # and one of its alternatives has all its required strings (a noun alone does not do)
            if alternatives is not None and not any(
                    all(any(literal in haystack for literal in strings) for strings in alternative)
                    for alternative in alternatives):
                continue
        for m in p.finditer(masked):
            found.append((m.start(), m.end(), name))
    if any(name in _WEAK_TRIGGERS for *_, name in found):
        # "le plan social, qui prévoit 1 200 départs": the departures restate the plan just named
        strong = [(s, e) for s, e, name in found if name not in _WEAK_TRIGGERS]
        # (…, mais Y prépare 200 départs": another clause states another plan)
        found = [t for t in found if t[2] not in _WEAK_TRIGGERS
                 or not any(s - 60 <= t[0] and t[0] - e <= 60
                            and not _CLAUSE_BREAK.search(sentence[min(e, t[1]):max(s, t[0])]) for s, e in strong)]
    found.sort(key=lambda t: (t[0], -(t[1] - t[0])))
    merged: list[tuple[int, int, str]] = []
    for s, e, name in found:
        if merged and s < merged[-1][1]:
            ps, pe, pn = merged[-1]
            merged[-1] = (ps, max(pe, e), pn)
            continue
        merged.append((s, e, name))
    return merged


_ODD_CHARS = re.compile("[’\u00a0\u202f\u2009]")
_TRANSLATION = str.maketrans({"’": "'", "\u00a0": " ", "\u202f": " ", "\u2009": " "})


def _speaker_of_denial(sentence: str, mentions: list[CompanyMention], base: int, lexicon: LayoffLexicon) -> list[str]:
    """The company right before a denial or negation verb ("…, CGI dément tout projet")."""
    cues = _cue_hits(sentence, lexicon, "denial") + _cue_hits(sentence, lexicon, "negation")
    usable = [m for m in mentions if m.via != "product"]
    for g in _groups(sentence, usable, base):
        if any(0 <= cs - g.end <= 3 or 0 <= cs - g.end <= 30 and _DENIAL_SUPPORT.fullmatch(sentence[g.end:cs])
               for cs, _ in cues):
            return [m.company_id for m in g.members]
    return []


#: "X y oppose un démenti", "X a apporté un démenti": a verb that carries the denial noun
_DENIAL_SUPPORT = re.compile(r"\s+(?:y\s+)?(?:a\s+|ont\s+)?(?:oppos|apport|publi|adress|oppose)\w*\s+(?:un|son|leur)\s+",
                             re.IGNORECASE)


def find_layoffs(
    sentence: str,
    sentence_start: int,
    companies_in_sentence: Sequence[CompanyMention],
    lexicon: LayoffLexicon,
    context_companies: Sequence[CompanyMention] = (),
    sentence_metrics: Sequence[Metric] | None = None,
    triggers: Sequence[tuple[int, int, str]] | None = None,
) -> list[LayoffMention]:
    """Return the layoff mentions of one sentence (one per company; one ``generic`` if none).

    ``companies_in_sentence`` carry offsets into the full text (``sentence_start`` is the sentence
    offset there). ``context_companies`` are the companies of the previous sentences, used only
    to resolve an anaphoric subject ("Le groupe prévoit…") when exactly one company is in context.
    ``sentence_metrics`` may pass ``find_metrics(sentence, base_offset=sentence_start)`` when the
    caller has it already (headcounts are read from it). ``triggers`` may pass
    ``find_triggers(sentence, lexicon)`` when the caller has it already.
    """
    if _ODD_CHARS.search(sentence):
        text = sentence.translate(_TRANSLATION)
        sentence_metrics = None  # they were found in the untranslated sentence
    else:
        text = sentence
    if triggers is None:
        if not lexicon.passes_prefilter(text):
            return []
        triggers = _triggers(text, lexicon)
    if not triggers:
        return []
    mentions = sorted(companies_in_sentence, key=lambda m: m.start)
    results: dict[str | None, LayoffMention] = {}
    end = sentence_start + len(sentence)
    for ts, te, name in triggers:
        ids = _attribute(text, (ts, te), mentions, sentence_start)
        if not ids:
            ctx = {m.company_id for m in context_companies if m.via != "product"}
            if len(ctx) == 1 and _ANAPHOR.search(text[:ts]) and not [m for m in mentions if m.via != "product"]:
                ids = [next(iter(ctx))]
        status = _status(text, (ts, te), lexicon)
        if not ids and status in ("denied", "negated"):
            ids = _speaker_of_denial(text, mentions, sentence_start, lexicon)
        head, pct = _headcount(text, (ts, te), sentence_metrics, sentence_start)
        trigger_text = sentence[ts:te]
        for cid in ids or [None]:
            st = status
            if cid is None and st in COUNTED_STATUSES:
                st = "generic"
            prev = results.get(cid)
            if prev is not None:
                # keep the first trigger, but fill a missing headcount from later ones
                if prev.headcount is None and head is not None or prev.headcount_percent is None and pct is not None:
                    results[cid] = LayoffMention(cid, prev.status, prev.headcount if prev.headcount is not None else head,
                                                 prev.headcount_percent if prev.headcount_percent is not None else pct,
                                                 prev.trigger, sentence, sentence_start, end)
                continue
            results[cid] = LayoffMention(cid, st, head, pct, trigger_text, sentence, sentence_start, end)
    if len(results) > 1:
        results.pop(None, None)  # a sentence blaming companies is not also a generic statement
    return list(results.values())


def regex_attribute(sentence: str, trig: tuple[int, int], mentions: list[CompanyMention], base: int) -> list[str]:
    """Company ids the lexical rules blame for the trigger ``trig`` (the parser's fallback)."""
    text = sentence.translate(_TRANSLATION) if _ODD_CHARS.search(sentence) else sentence
    return _attribute(text, trig, sorted(mentions, key=lambda m: m.start), base)


def regex_speaker(sentence: str, mentions: list[CompanyMention], base: int, lexicon: LayoffLexicon) -> list[str]:
    """The company right before a denial or negation cue ("…, CGI dément tout projet")."""
    text = sentence.translate(_TRANSLATION) if _ODD_CHARS.search(sentence) else sentence
    return _speaker_of_denial(text, sorted(mentions, key=lambda m: m.start), base, lexicon)


def is_excluded_context(sentence: str, start: int) -> bool:
    """True when the company at ``start`` is cited as a comparison, client, source… ("selon X")."""
    return _excluded(sentence, start)


def mask_relative_clauses(sentence: str) -> str:
    """``sentence`` with relative clauses, parentheses and dashes blanked (same length)."""
    return _masked_relatives(sentence)

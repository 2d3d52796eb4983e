"""Company knowledge base and fast company-mention matching.

The knowledge base (``monitor_pipeline/data/companies.yaml``) lists companies with their names,
aliases and products. ``CompanyMatcher`` compiles every surface form into ONE regex built from a
character trie (so matching costs a single pass over the text), keeps the longest match at each
position, respects word boundaries and French elisions ("qu'OpenAI", "d'Amazon"), and applies
case rules:

* all-caps forms (IBM, SAP, HP, CGI, AWS) match case-sensitively;
* other forms match whatever the case, except an all-lowercase occurrence of a form that has
  capitals ("orange", "apple" are words, not companies);
* ambiguous forms (Orange, Meta, Sora, Claude…) must keep their case apart from the first letter
  ("le Chat" ok, "orange" never) and count only with evidence: one of the company's evidence
  words in the same sentence, or an unambiguous mention of the same company elsewhere in the text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Sequence

import yaml

from monitor_pipeline.core.tagging.gates import FOLDABLE, fold_case

__all__ = [
    "Company",
    "CompanyMention",
    "CompanyMatcher",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "default_kb_path",
    "simple_sentence_spans",
]

_REQUIRED = ("id", "name")
_ALLOWED = {"id", "name", "aliases", "products", "ambiguous", "evidence", "wikidata", "country", "sector",
            "description", "notes", "url", "website"}
_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# words that may follow an ambiguous form without turning it into part of a person/other name
_PRODUCT_TAILS = {"pro", "ultra", "max", "mini", "nano", "flash", "code", "opus", "sonnet", "haiku",
                  "intelligence", "vision", "studio", "cloud", "business", "store", "music", "prime",
                  "web", "turbo", "plus", "enterprise", "team", "ai", "ia", "labs", "live", "tv"}


# structural evidence: a descriptor right before an ambiguous form ("chez Orange", "le groupe Meta")
_DESCRIPTOR_BEFORE = re.compile(
    r"(?:\bchez|\bgroupes?|\bsociétés?|\bentreprises?|\bfirmes?|\bstart-up|\bstartup|\bgéant|\bl'américaine?|\bfrançaise?|"
    r"\bchinoise?|\bcalifornienne?|\bopérateur|\bdistributeur|\béditeur|\bconstructeur|\bfabricant|\bspécialiste|"
    r"\brivale?s?|\bconcurrente?s?|\bfiliale|\bmaison\s+mère|\bplateforme|\blicorne|\bactionnaires?|"
    r"\b(?:PDG|patron|patronne|fondateur|fondatrice|cofondateur|dirigeant|dirigeante|directeur\s+général|salariés|employés|action)\s+(?:de|d'|du\s+groupe))"
    r"\s*(?:de\s+|d')?(?:l')?\s*$",
    re.IGNORECASE,
)
#: business context words that confirm any ambiguous company form in the same sentence
GLOBAL_EVIDENCE = re.compile(
    r"(?i:\b(?:chiffre\s+d'affaires|milliards?\s+de\s+dollars|millions?\s+de\s+dollars|milliards?\s+d'euros|"
    r"millions?\s+d'euros|rach[eè]t\w*|rachat|acquisition|valorisation|lev[ée]e\s+de\s+fonds|licenci\w*|"
    r"suppressions?\s+(?:de\s+postes|d'emplois)|plans?\s+(?:social|de\s+départs)|effectifs|PDG|directeur\s+général|salariés|effectifs|actionnaires?|Bourse|"
    r"résultats\s+(?:trimestriels|annuels)|clients?|abonnés|intelligence\s+artificielle)\b)|\bIA\b"
)


class KnowledgeBaseError(ValueError):
    """The company knowledge base is malformed; the message names the offending entry."""


@dataclass(frozen=True)
class Company:
    """One company of the knowledge base."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    ambiguous: frozenset[str] = frozenset()
    evidence: tuple[str, ...] = ()
    wikidata: str | None = None
    country: str | None = None
    sector: str | None = None


@dataclass(frozen=True)
class CompanyMention:
    """A company found in a text; ``start``/``end`` are character offsets into that text."""

    company_id: str
    name: str
    surface: str
    start: int
    end: int
    via: str  # "name", "alias", "product"; for companies outside the knowledge base "ner" or "agent"
    product: str | None = None
    #: False for a company the knowledge base lacks (``company_id`` is then the slug of its name)
    known: bool = True


def default_kb_path() -> Path:
    """Path of the packaged knowledge base ``monitor_pipeline/data/companies.yaml``."""
    return Path(str(resources.files("monitor_pipeline") / "data" / "companies.yaml"))


def _str_list(value: Any, entry: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise KnowledgeBaseError(f"company {entry!r}: {key!r} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


@dataclass
class KnowledgeBase:
    """Validated set of companies, keyed by id."""

    companies: dict[str, Company] = field(default_factory=dict)
    source: str = "<memory>"

    @classmethod
    def load(cls, path: str | Path | None = None) -> "KnowledgeBase":
        """Load and validate a YAML knowledge base (default: the packaged one)."""
        p = Path(path) if path is not None else default_kb_path()
        if not p.exists():
            raise KnowledgeBaseError(f"knowledge base file not found: {p}")
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise KnowledgeBaseError(f"{p}: invalid YAML: {exc}") from exc
        return cls.from_dict(data, source=str(p))

    @classmethod
    def from_dict(cls, data: Any, source: str = "<memory>") -> "KnowledgeBase":
        """Build from parsed YAML ({"version": 1, "companies": [...]}) or a bare list of entries."""
        if isinstance(data, dict):
            entries = data.get("companies")
            unknown_keys = sorted(map(str, set(data) - {"version", "companies"}))
            if isinstance(entries, list) and unknown_keys:
                raise KnowledgeBaseError(f"{source}: unknown top-level key(s) {', '.join(unknown_keys)}")
        else:
            entries = data
        if not isinstance(entries, list):
            raise KnowledgeBaseError(f"{source}: expected a 'companies' list")
        companies: dict[str, Company] = {}
        owner: dict[str, str] = {}  # lowercase surface -> company id
        for i, raw in enumerate(entries):
            label = raw.get("id", f"#{i}") if isinstance(raw, dict) else f"#{i}"
            if not isinstance(raw, dict):
                raise KnowledgeBaseError(f"{source}: company entry {label} is not a mapping")
            unknown = sorted(set(raw) - _ALLOWED)
            if unknown:
                raise KnowledgeBaseError(f"{source}: company {label!r}: unknown key(s) {', '.join(unknown)}")
            missing = [k for k in _REQUIRED if not isinstance(raw.get(k), str) or not raw.get(k).strip()]
            if missing:
                raise KnowledgeBaseError(f"{source}: company {label!r}: missing required field(s) {', '.join(missing)}")
            cid = raw["id"].strip()
            if not _ID_RE.match(cid):
                raise KnowledgeBaseError(f"{source}: company {cid!r}: id must be a lowercase slug (a-z, 0-9, hyphens)")
            if cid in companies:
                raise KnowledgeBaseError(f"{source}: duplicate company id {cid!r}")
            aliases = _str_list(raw.get("aliases"), cid, "aliases")
            products = _str_list(raw.get("products"), cid, "products")
            ambiguous = _str_list(raw.get("ambiguous"), cid, "ambiguous")
            evidence = _str_list(raw.get("evidence"), cid, "evidence")
            name = raw["name"].strip()
            forms = (name, *aliases, *products)
            known = {f.lower() for f in forms}
            for amb in ambiguous:
                if amb.lower() not in known:
                    raise KnowledgeBaseError(
                        f"{source}: company {cid!r}: ambiguous form {amb!r} is not its name, an alias or a product")
            for form in dict.fromkeys(f.lower() for f in forms):
                other = owner.get(form)
                if other is not None and other != cid:
                    raise KnowledgeBaseError(
                        f"{source}: company {cid!r}: surface form {form!r} is already used by company {other!r}")
                owner[form] = cid
            companies[cid] = Company(
                id=cid, name=name, aliases=aliases, products=products,
                ambiguous=frozenset(a.lower() for a in ambiguous), evidence=evidence,
                wikidata=raw.get("wikidata"), country=raw.get("country"), sector=raw.get("sector"),
            )
        return cls(companies=companies, source=source)

    def __contains__(self, company_id: object) -> bool:
        return company_id in self.companies

    def __len__(self) -> int:
        return len(self.companies)


# ---------------------------------------------------------------- matching
_ODD_CHARS = re.compile("[\u00a0\u202f\u2009’]")
_SPACE_TRANSLATION = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " ", "’": "'", "\u2019": "'"})


def _trie_regex(words: Iterable[str]) -> str:
    """Regex source matching any of ``words`` (lowercase), longest first, built from a trie."""
    trie: dict[str, Any] = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = True

    def build(node: dict[str, Any]) -> str:
        end = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if end:
            return "(?:" + body + ")?"
        return body

    return build(trie)


@dataclass(frozen=True)
class _Form:
    company_id: str
    name: str
    surface: str
    via: str
    product: str | None
    ambiguous: bool
    acronym: bool


def simple_sentence_spans(text: str) -> list[tuple[int, int]]:
    """Fallback sentence splitter: ends at ., ! or ? followed by space + capital, or newline."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in re.finditer(r"(?<=[.!?…])\s+(?=[\"«A-ZÀ-ÖØ-Þ0-9])|\n+", text):
        if text[start:m.start()].strip():
            spans.append((start, m.start()))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


class CompanyMatcher:
    """Find company mentions in text with one compiled regex (see module docstring)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._forms: dict[str, _Form] = {}
        self._surfaces: frozenset[str] | None = None
        # exact spellings listed by the knowledge base ("AXA" and "Axa"): always accepted as written
        self._spellings: dict[str, set[str]] = {}
        for c in kb.companies.values():
            entries = [(c.name, "name", None)] + [(a, "alias", None) for a in c.aliases] + \
                      [(p, "product", p) for p in c.products]
            for surface, via, product in entries:
                key = surface.lower()
                self._spellings.setdefault(key, set()).add(surface)
                if key in self._forms:
                    continue  # name listed again as alias: keep first
                letters = [ch for ch in surface if ch.isalpha()]
                acronym = len(letters) >= 2 and all(ch.isupper() for ch in letters) and len(surface) <= 6
                self._forms[key] = _Form(c.id, c.name, surface, via, product,
                                         key in c.ambiguous, acronym)
        self._evidence: dict[str, re.Pattern[str] | None] = {}
        for c in kb.companies.values():
            if c.evidence:
                ci = [re.escape(e) for e in c.evidence if not e.isupper()]
                cs = [re.escape(e) for e in c.evidence if e.isupper()]
                parts = []
                if ci:
                    parts.append(r"(?i:(?<!\w)(?:" + "|".join(ci) + r")(?!\w))")
                if cs:
                    parts.append(r"(?<!\w)(?:" + "|".join(cs) + r")(?!\w)")
                self._evidence[c.id] = re.compile("|".join(parts))
            else:
                self._evidence[c.id] = None
        if self._forms:
            body = _trie_regex(sorted(self._forms))
            self._regex: re.Pattern[str] | None = re.compile(r"(?<!\w)(?:" + body + r")(?![\w])", re.IGNORECASE)
        else:
            self._regex = None
        # the same regex, case-sensitive, searched in fold_case(text): same spans, about twice as fast
        # (it skips ahead to the possible first letters). Exact when every character of the forms is
        # FOLDABLE or caseless; fold_case keeps each character's length and \w-ness (every code point).
        self._folded_regex = None
        if self._regex is not None and all(ch in FOLDABLE or ch.lower() == ch.upper() for ch in "".join(self._forms)):
            self._folded_regex = re.compile(self._regex.pattern, self._regex.flags & ~re.IGNORECASE)

    def surfaces(self) -> frozenset[str]:
        """All lowercase surface forms known to the matcher (one frozen set, built once: the NER
        and described-name guards ask for it for every sentence)."""
        if self._surfaces is None:
            self._surfaces = frozenset(self._forms)
        return self._surfaces

    def _case_ok(self, form: _Form, found: str) -> bool:
        if found == form.surface:
            return True
        if form.acronym:
            return False
        if found.islower() and not form.surface.islower():
            return False
        if form.ambiguous:
            return found[1:] == form.surface[1:]
        return True

    def find_raw(self, text: str) -> list[tuple[_Form, int, int]]:
        """Case-checked matches without the evidence rule (used internally and by NER prefilter)."""
        if self._regex is None or not text:
            return []
        norm = text.translate(_SPACE_TRANSLATION) if _ODD_CHARS.search(text) else text
        out = []
        for m in (self._folded_regex.finditer(fold_case(norm)) if self._folded_regex is not None
                  else self._regex.finditer(norm)):
            form = self._forms.get(norm[m.start():m.end()].lower())
            if form is None:  # pragma: no cover - regex only matches known forms
                continue
            found = norm[m.start():m.end()]
            if found in self._spellings[found.lower()] or self._case_ok(form, found):
                out.append((form, m.start(), m.end()))
        return out

    def find(self, text: str, sentences: Sequence[tuple[int, int]] | None = None) -> list[CompanyMention]:
        """Return company mentions of ``text`` in order, ambiguous forms kept only with evidence.

        ``sentences`` (offset pairs) scope the evidence search; a naive splitter is used if omitted.
        """
        raw = self.find_raw(text)
        if not raw:
            return []
        confirmed = {f.company_id for f, _, _ in raw if not f.ambiguous}
        spans = list(sentences) if sentences else simple_sentence_spans(text)
        mentions: list[CompanyMention] = []
        for form, s, e in raw:
            if form.ambiguous and not (self._ambiguous_ok(form, text, s, e, confirmed, spans)
                                       or _coordinated_with_company(text, s, e, raw)):
                continue
            mentions.append(CompanyMention(form.company_id, form.name, text[s:e], s, e, form.via, form.product))
        return mentions

    def _ambiguous_ok(self, form: _Form, text: str, s: int, e: int, confirmed: set[str],
                      spans: Sequence[tuple[int, int]]) -> bool:
        nxt = re.match(r" ([A-ZÀ-Ö][a-zà-öø-ÿ]+)", text[e:e + 40].translate(_SPACE_TRANSLATION))
        if nxt and nxt.group(1).lower() not in _PRODUCT_TAILS and nxt.group(1).lower() not in self._forms:
            return False  # "Claude Malhuret", "Orange Mécanique": part of another proper name
        if form.company_id in confirmed:
            return True
        if _DESCRIPTOR_BEFORE.search(text[max(0, s - 40):s].translate(_SPACE_TRANSLATION)):
            return True
        pattern = self._evidence.get(form.company_id)
        sent_start, sent_end = 0, len(text)
        for a, b in spans:
            if a <= s < b:
                sent_start, sent_end = a, b
                break
        sentence = text[sent_start:sent_end]
        local_s, local_e = s - sent_start, e - sent_start
        outside = sentence[:local_s] + " " * (local_e - local_s) + sentence[local_e:]
        if pattern is not None and pattern.search(outside):
            return True
        return form.via != "product" and GLOBAL_EVIDENCE.search(outside) is not None


_COORDINATION = re.compile(r"\s*(?:,|et|ou|ainsi que)\s*", re.IGNORECASE)


def _coordinated_with_company(text: str, s: int, e: int, raw: Sequence[tuple[Any, int, int]]) -> bool:
    """An ambiguous name listed with an unambiguous company ("soutenue par Amazon et Google",
    "Meta, Microsoft ou IBM") is a company too."""
    for other, os_, oe in raw:
        if other.ambiguous:
            continue
        if oe <= s and _COORDINATION.fullmatch(text[oe:s]):
            return True
        if e <= os_ and _COORDINATION.fullmatch(text[e:os_]):
            return True
    return False

"""From an agent span or an anaphor to a company mention: :class:`AgentResolver` (a mixin of
:class:`~monitor_pipeline.core.tagging.tagger.Tagger`) resolves names to known or new unknown
companies, and anaphors to the company of an earlier clause or sentence ("ce dernier", "le
groupe", a headline name before a colon, the role "le patron de X", a nationality adjective)."""
from __future__ import annotations

import re
from typing import Any, Sequence

from monitor_pipeline.core.tagging.companies import CompanyMatcher, CompanyMention, KnowledgeBase
from monitor_pipeline.core.tagging.draft import ArticleDraft, CONTEXT_SENTENCES, insert_company
from monitor_pipeline.core.tagging.fallback_agent import cited_as_source, class_of_companies_agent
from monitor_pipeline.core.tagging.layoffs import LayoffLexicon
from monitor_pipeline.core.tagging.nationalities import nationality_countries
from monitor_pipeline.core.tagging.org_candidates import (
    company_slug,
    is_non_company,
    normalize_org_name,
    without_field_acronym,
)
from monitor_pipeline.core.tagging.syntax.agents import clause_opening_name
from monitor_pipeline.core.tagging.syntax.parsing import load_parser, neutralize_incises, parse
from monitor_pipeline.core.tagging.syntax.reading import governing_subject_agents, main_subject_agents, one_person
from monitor_pipeline.core.tagging.syntax.tree import trigger_token
from monitor_pipeline.core.tagging.syntax.subjects import latest_name_agents


#: "le directeur général de X", "le patron de X", "la direction de X"; "pas question pour X de …"
_ROLE_COMPANY = re.compile(r"\b(?:(?:pdg|patron|patronne|directeur\s+général|directrice\s+générale|dirigeants?|direction|"
                           r"président|présidente)\s+(?:de\s+|d'|du\s+)|pas\s+question\s+pour\s+(?:l'|le\s+|la\s+)?)(?P<name>(?-i:[A-ZÀ-ÖØ-Þ][\w&'+.-]*"
                           r"(?:\s+[A-ZÀ-ÖØ-Þ][\w&'+.-]*){0,2}))", re.IGNORECASE)


#: "le licenciement de Jean Martin": the person dismissed, never a company
_DISMISSAL_OF = re.compile(r"\b(?:licenciements?|renvoi|limogeage|éviction|départ|remerciement)\s+(?:de\s+|d')$",
                           re.IGNORECASE)
#: a person's role right before a name: "le PDG Jean Martin", "son patron, Jean Martin,"
_ROLE_BEFORE = re.compile(r"\b(?:pdg|patron|patronne|dirigeant|dirigeante|président|présidente|directeur|directrice|"
                          r"fondateur|fondatrice|ministre|m\.|mme|ceo|dg|porte-parole|syndicaliste|délégué|déléguée)"
                          r"\s*,?\s*(?:général\s+|générale\s+)?$", re.IGNORECASE)


def _name_span(doc: Any, sentence: str, start: int, end: int) -> tuple[int, int, str] | None:
    """The full name around the agent token: its entity, else its run of capitalized tokens."""
    tok = next((t for t in doc if t.idx <= start < t.idx + len(t.text)), None)
    if tok is None or tok.is_space:
        # an enumeration segment in a clause the focused parse blanked ("…; chez Etsy, 11 %"):
        # the name is the span the enumeration pattern matched
        name = sentence[start:end]
        return (start, end, "") if name[:1].isupper() and name.strip() == name else None
    if tok.ent_type_:
        for ent in doc.ents:
            if ent.start <= tok.i < ent.end:
                # an entity the recognizer began on a common noun ("rencontres Bumble") starts at
                # its first capitalized word
                begin = next((t for t in doc[ent.start:tok.i + 1] if t.text[:1].isupper()), tok)
                label, ent = ent.label_, doc[begin.i:ent.end]
                raw = doc.text[ent.start_char:ent.end_char]
                lead = len(raw) - len(raw.lstrip())
                return ent.start_char + lead, ent.start_char + len(raw.rstrip()), label
    first = last = tok
    while first.i > 0 and doc[first.i - 1].text[:1].isupper() and doc[first.i - 1].pos_ in ("PROPN", "NOUN", "X"):
        first = doc[first.i - 1]
    while last.i + 1 < len(doc) and (doc[last.i + 1].text[:1].isupper() or doc[last.i + 1].dep_ == "flat:name") \
            and doc[last.i + 1].pos_ in ("PROPN", "NOUN", "X", "ADJ"):
        last = doc[last.i + 1]
    if not first.text[:1].isupper() and not (first.text[1:2].isupper() and first.is_alpha):  # "iAdvize"
        return None
    return first.idx, last.idx + len(last.text), ""


def antecedent(draft: ArticleDraft, k: int, trigger_at: int) -> CompanyMention | None:
    """The company a pronoun or a definite description stands for: the first company of the same
    sentence before the trigger, else of the nearest previous sentence (within two)."""
    companies = [m for m in draft.result.companies if m.via != "product"]
    s, _ = draft.spans[k]
    before = [m for m in companies if s <= m.start < trigger_at]
    if before:
        return before[0]
    for j in range(k - 1, max(-1, k - 1 - CONTEXT_SENTENCES), -1):
        ps, pe = draft.spans[j]
        inside = [m for m in companies if ps <= m.start < pe]
        if inside:
            return inside[0]
    return None


class AgentResolver:
    """Resolving agents and anaphors to company mentions (mixed into the tagger)."""

    kb: KnowledgeBase
    lexicon: LayoffLexicon
    matcher: CompanyMatcher
    parser_model: str | None
    _context_docs: dict[str, Any]

    def _role_company(self, draft: ArticleDraft, sentence: str, base: int, trigger_at: int, doc: Any,
                      in_sentence: Sequence[CompanyMention]) -> CompanyMention | None:
        """"Le directeur général de X a affirmé que le groupe …": the company whose head speaks
        (named before ``trigger_at``), for an anaphor or a denial without a company of its own."""
        found = None
        for m in _ROLE_COMPANY.finditer(sentence, 0, trigger_at):
            found = m
        if found is None:
            return None
        return self._company_for(draft, sentence, base, found.start("name"), found.end("name"), doc, in_sentence, True)

    def _matching_nationality(self, draft: ArticleDraft, k: int, sentence: str, trigger_at: int,
                              company: CompanyMention) -> CompanyMention:
        """"Orange a signé avec Nokia. L'équipementier finlandais réduit …": an anaphor whose
        nationality adjective contradicts the knowledge base's country of the company it was
        resolved to stands for another company named before it (in its sentence or the one
        before) whose country matches, else whose country is unknown."""
        clause_start = max(sentence.rfind(p, 0, trigger_at) for p in (".", ";", ":", "?", "!")) + 1
        countries = nationality_countries(sentence[clause_start:trigger_at])
        if countries is None:
            return company
        if self._country(company) in countries or self._country(company) is None:
            return company
        s, _ = draft.spans[k]
        lo = draft.spans[k - 1][0] if k > 0 else s
        others = [m for m in draft.result.companies if lo <= m.start < s + clause_start and m.via != "product"
                  and m.company_id != company.company_id]
        for wanted in (lambda c: c in countries, lambda c: c is None):
            fitting = [m for m in others if wanted(self._country(m))]
            if len(fitting) == 1:
                return fitting[0]
        return company

    def _country(self, mention: CompanyMention) -> str | None:
        known = self.kb.companies.get(mention.company_id) if mention.known else None
        return known.country if known is not None else None

    def _earlier_clause_subject(self, draft: ArticleDraft, k: int, sentence: str, trigger_at: int,
                                in_sentence: Sequence[CompanyMention]) -> CompanyMention | None:
        """The subject of the clause before the anaphor's own, when a semicolon or a colon separates
        them ("X réorganise ses activités ; le groupe supprimera 90 postes"); that clause is parsed
        here, anaphors being rare."""
        cut = max(sentence.rfind(";", 0, trigger_at), sentence.rfind(":", 0, trigger_at))
        if cut <= 0:
            return None
        s, _ = draft.spans[k]
        head = sentence[:cut]
        doc = self._parse_one(head)
        names = [(m.start - s, m.end - s) for m in in_sentence if m.start - s < cut]
        for agent in main_subject_agents(doc, names):
            company = self._company_for(draft, head, s, agent.start, agent.end, doc, in_sentence)
            if company is not None:
                return company
        # a headline name alone before the colon: "Ubisoft : l'éditeur supprime 200 postes"
        words = [t for t in doc if not t.is_punct and not t.is_space]
        if 1 <= len(words) <= 3 and words[0].text[:1].isupper() \
                and all(t.text[:1].isupper() and (t.pos_ in ("PROPN", "X") or t.is_oov) for t in words):
            return self._company_for(draft, head, s, words[0].idx, words[0].idx + len(words[0].text), doc, in_sentence)
        split = clause_opening_name(doc)  # "Verallia l'a confirmé : …" with the name read as a verb
        if split:
            return self._company_for(draft, head, s, split[0].idx, split[-1].idx + len(split[-1].text), doc, in_sentence)
        # "Kalorik ferme son usine de Rennes : …" parsed with the name as a root of its own
        if words and (words[0].dep_ == "ROOT" and words[0].pos_ in ("PROPN", "X") or words[0].is_oov and words[0].text[:1].isupper()
                      and not words[0].dep_.startswith("nsubj")) \
                and words[0].ent_type_ in ("", "ORG", "MISC") and not any(c.dep_ == "det" for c in words[0].children):
            return self._company_for(draft, head, s, words[0].idx, words[0].idx + len(words[0].text), doc, in_sentence)
        return None

    def _fallback_company(self, draft: ArticleDraft, k: int, sentence: str, ts: int, te: int,
                          in_sentence: Sequence[CompanyMention]) -> tuple[CompanyMention | None, str]:
        """The last resort for a trigger no rule gave an agent, read on the parse of the whole sentence:
        the subject of the nearest verb above the trigger when it names a company (an unknown one
        included), else the sentence's only company not cited as a source. None when a class of
        companies is the agent ("les ESN ont réduit leurs effectifs": the statement stays generic), when
        that subject is something else ("le second", "les syndicats") and the sentence names several
        companies, or when the trigger is one person's ("Licenciée par son employeur, l'ingénieure …")."""
        clause_start = max(sentence.rfind(p, 0, ts) for p in (".", ";", ":", "?", "!")) + 1
        if class_of_companies_agent(sentence[clause_start:ts]):
            return None, ""
        s, _ = draft.spans[k]
        doc = self._parse_one(sentence)
        names = [(m.start - s, m.end - s) for m in in_sentence]
        trig = trigger_token(doc, ts, te)
        if trig is None or one_person(trig):
            return None, ""
        subjects = governing_subject_agents(trig, names)
        for agent in subjects:
            if cited_as_source(sentence, agent.start, agent.end):
                continue
            company = self._company_for(draft, sentence, s, agent.start, agent.end, doc, in_sentence)
            if company is not None:
                return company, "fallback:subject"
        acting = {m.company_id: m for m in in_sentence
                  if m.via != "product" and not cited_as_source(sentence, m.start - s, m.end - s)}
        if len(acting) == 1:
            return next(iter(acting.values())), "fallback:only-company"
        return None, ""

    def _latest_name(self, draft: ArticleDraft, k: int, sentence: str, trigger_at: int,
                     in_sentence: Sequence[CompanyMention]) -> CompanyMention | None:
        """What "ce dernier" points at: the last name before it in its sentence, else in the previous one."""
        s, _ = draft.spans[k]
        parser = load_parser(self.parser_model)
        texts = [(sentence[:trigger_at], s)]
        if k > 0:
            ps, pe = draft.spans[k - 1]
            texts.append((draft.cleaned.text[ps:pe], ps))
        for text, base in texts:
            companies = [m for m in draft.result.companies if base <= m.start < base + len(text) and m.via != "product"]
            last_known = max(companies, key=lambda m: m.start) if companies else None
            doc = self._parse_one(text)
            for agent in latest_name_agents(doc):
                if last_known is not None and last_known.start - base >= agent.start:
                    return last_known
                company = self._company_for(draft, text, base, agent.start, agent.end, doc, companies)
                if company is not None:
                    return company
            if last_known is not None:
                return last_known
        return None

    def _previous_subject(self, draft: ArticleDraft, k: int) -> CompanyMention | None:
        """The company subject of the previous sentence, for an anaphor with no antecedent in its
        own sentence. That sentence is parsed here: anaphors are rare, so the cost stays small."""
        if k == 0:
            return None
        ps, pe = draft.spans[k - 1]
        companies = [m for m in draft.result.companies if m.via != "product"]
        sentence = draft.cleaned.text[ps:pe]
        in_sentence = [m for m in companies if ps <= m.start < pe]
        doc = self._parse_one(sentence)
        for agent in main_subject_agents(doc, [(m.start - ps, m.end - ps) for m in in_sentence]):
            company = self._company_for(draft, sentence, ps, agent.start, agent.end, doc, in_sentence)
            if company is not None:
                return company
        return None

    def _parse_one(self, text: str) -> Any:
        """The parse of one context clause or sentence (anaphors, colons), kept for the other triggers
        that need the same context in this batch."""
        doc = self._context_docs.get(text)
        if doc is None:
            doc = self._context_docs[text] = parse(load_parser(self.parser_model), [neutralize_incises(text)])[0]
        return doc

    def _company_for(self, draft: ArticleDraft, sentence: str, base: int, start: int, end: int, doc: Any,
                     in_sentence: Sequence[CompanyMention], exact: bool = False) -> CompanyMention | None:
        """The company at the agent span (sentence-relative): a known mention, else a new unknown one.
        ``exact``: the span is the whole name (matched by a pattern), the entity may not stretch it."""
        for m in in_sentence:
            if m.start - base < end and start < m.end - base:
                return None if m.via == "product" else m
        span = _name_span(doc, sentence, start, end)
        if span is None:
            return None
        ns, ne, label = span
        if exact and (ne > end or ns < start):
            ns, ne = start, end
        name = without_field_acronym(normalize_org_name(sentence[ns:ne]), sentence[:ns])
        if len(name) < 2 or not any(ch.isalpha() for ch in name):
            return None
        raw = self.matcher.find_raw(name)
        if raw:
            # a known form the matcher kept back for lack of evidence ("Zoom"): being the agent of
            # a layoff is the evidence
            form, fs, fe = raw[0]
            if (fs, fe) != (0, len(name)):
                return None
            at = sentence.find(name, ns)
            mention = CompanyMention(form.company_id, form.name, name, base + at, base + at + len(name), "agent")
            insert_company(draft.result, mention)
            return mention
        if label == "PER" and not any(m.via != "product" and m.start - base < ns for m in in_sentence) \
                and not _ROLE_BEFORE.search(sentence[max(0, ns - 40):ns]) \
                and not _DISMISSAL_OF.search(sentence[max(0, ns - 40):ns]):
            # "Yves Rocher se sépare de …", "… engagé par Smurfit Westrock": a two-word name the
            # recognizer calls a person, agent of a layoff in a sentence naming no company and no
            # role before it, is the company (a manager cutting jobs is written with his company)
            label = ""
        if is_non_company(name, sentence, ns, label, agent=True):
            return None
        ns = sentence.find(name, ns)
        mention = CompanyMention(company_slug(name), name, name, base + ns, base + ns + len(name), "agent", known=False)
        if not company_slug(name):
            return None
        insert_company(draft.result, mention)
        return mention

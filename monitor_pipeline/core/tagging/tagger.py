"""Tag a cleaned article: company mentions, metrics, layoff mentions and NER org candidates.

``Tagger`` wires the knowledge-base matcher, the metric finder, the layoff lexicon and spaCy:

* layoff triggers are found by the lexicon's regexes (cheap literal gates first); the sentences
  holding one are parsed (``core.tagging.syntax``: agent, status and evidence from the dependency
  parse), except plain ones (one known company named first, no status cue, no clause) that the
  lexical rules read as well;
* spaCy NER runs once over the sentences holding an unknown capitalized word; the organisations it
  finds, the agents of triggers and the names listed with a known company become companies
  outside the knowledge base (``known=False``, id = slug of the name) unless a precision guard
  (person, place, union, court, public body, medium cited as a source) rules them out.

All offsets are character offsets into ``CleanedText.text``. ``tag_many`` batches spaCy across
articles.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

from monitor_pipeline.core.text.clean import CleanedText
from monitor_pipeline.core.tagging.companies import CompanyMatcher, CompanyMention, KnowledgeBase, simple_sentence_spans
from monitor_pipeline.core.tagging.contrasts import find_contrast
from monitor_pipeline.core.tagging.enumerations import (
    clitic_en_clauses,
    headline_list,
    respectively,
    inverted_list,
    leading_comparison,
    list_after_colon,
    list_between_dashes,
    parenthesized_count,
)
from monitor_pipeline.core.tagging.layoffs import (
    COUNTED_STATUSES,
    Headcount,
    LayoffLexicon,
    LayoffMention,
    find_layoffs,
    find_triggers,
    headcount_near,
    is_excluded_context,
    mask_relative_clauses,
    regex_attribute,
    regex_speaker,
    regex_status,
)
from monitor_pipeline.core.tagging.nationalities import nationality_countries
from monitor_pipeline.core.tagging.numeric_facts import Metric, find_metrics
from monitor_pipeline.core.tagging.org_candidates import (
    OrgCandidate,
    company_slug,
    find_org_candidates,
    is_non_company,
    load_ner,
    needs_ner,
    normalize_org_name,
    without_field_acronym,
)
from monitor_pipeline.core.tagging.syntax import (
    Agent,
    clause_opening_name,
    EntityRecognizer,
    copy_entities,
    focus_clause,
    latest_name_agents,
    load_parser,
    main_subject_agents,
    neutralize_incises,
    next_sentence_reversal,
    parse,
    read_trigger,
    speaker_agents,
)
from monitor_pipeline.core.text.workers import freeze_warm_state, in_warm_forkserver

__all__ = ["TAGGER_VERSION", "TagResult", "Tagger", "attribute_metric", "rules_tagger", "tag_for_ner_in_parent"]

#: Bump when matching rules, lexicon semantics or outputs change (stored with tags).
TAGGER_VERSION = "tagger-2.4"

_CONTEXT_SENTENCES = 2
#: "; il concerne 140 salariés" right after a plan: the plan's headcount
_PLAN_RESTATED = re.compile(r"[^.;]{0,100}?[;,]\s*(?:il|elle|celui-ci|celle-ci|ce\s+plan|le\s+plan)\s+(?:concerne|vise|touche|porte\s+sur)"
                            r"\s+(?:près\s+de\s+|environ\s+|plus\s+de\s+|quelque\s+)?\d[\d\s\u00a0.]*\s*[\wé]+", re.IGNORECASE)
#: a figure shared by a list: "à eux trois", "à elles deux", "au total pour les trois"
_SHARED_FIGURE = re.compile(r"\bà\s+(?:eux|elles)\s+(?:deux|trois|quatre|cinq|six|\w+)\b|\bà\s+(?:eux|elles)\s+tous\b", re.IGNORECASE)
#: "le directeur général de X", "le patron de X", "la direction de X"; "pas question pour X de …"
_ROLE_COMPANY = re.compile(r"\b(?:(?:pdg|patron|patronne|directeur\s+général|directrice\s+générale|dirigeants?|direction|"
                           r"président|présidente)\s+(?:de\s+|d'|du\s+)|pas\s+question\s+pour\s+(?:l'|le\s+|la\s+)?)(?P<name>(?-i:[A-ZÀ-ÖØ-Þ][\w&'+.-]*"
                           r"(?:\s+[A-ZÀ-ÖØ-Þ][\w&'+.-]*){0,2}))", re.IGNORECASE)
#: a plan presented or notified to a company's staff: "aux syndicats de X", "au CSE de X", "aux salariés de X"
_STAFF_OF = re.compile(r"\b(?:présenté|présentée|notifié|notifiée|notifiés|annoncé|annoncée|dévoilé|dévoilée)e?s?\s+"
                       r"(?:[\w']+\s+){0,3}?(?:aux|au)\s+(?:syndicats|salariés|employés|représentants\s+du\s+personnel|CSE|élus)"
                       r"\s+(?:de\s+|d'|du\s+)(?P<name>(?-i:[A-ZÀ-ÖØ-Þ][\w&'+.-]*(?:\s+[A-ZÀ-ÖØ-Þ][\w&'+.-]*){0,2}))",
                       re.IGNORECASE)
#: the trigger's clause follows a colon (and no other clause break after it)
_AFTER_COLON = re.compile(r":[^:;]*$")
#: "le licenciement de Jean Martin": the person dismissed, never a company
_DISMISSAL_OF = re.compile(r"\b(?:licenciements?|renvoi|limogeage|éviction|départ|remerciement)\s+(?:de\s+|d')$",
                           re.IGNORECASE)
#: a person's role right before a name: "le PDG Jean Martin", "son patron, Jean Martin,"
_ROLE_BEFORE = re.compile(r"\b(?:pdg|patron|patronne|dirigeant|dirigeante|président|présidente|directeur|directrice|"
                          r"fondateur|fondatrice|ministre|m\.|mme|ceo|dg|porte-parole|syndicaliste|délégué|déléguée)"
                          r"\s*,?\s*(?:général\s+|générale\s+)?$", re.IGNORECASE)
# words that make a sentence's structure worth parsing (see Tagger._plain)
_NOT_PLAIN = re.compile(
    r"[;?()«»\"–—]|\b(?:qui|que|qu'|dont|lequel|laquelle|tandis|alors|pendant|mais|si|s'|chez|par|comme|selon|"
    r"après|avant|contrairement|tour|elle|il|ils|elles|lui|eux|ce|c'|cela|ceci|été|sera|seront|sans|ni|dément|"
    r"tribunal|justice|remplac\w*|cess\w*|group\w*|entreprises|sociétés|tels?|telles?|notamment|question)\b",
    re.IGNORECASE)
#: the only words a plain sentence may hold between its company and its trigger (besides status
#: cues, which the lexical rules read): auxiliaries, the plain announcing and planning verbs,
#: determiners and dates. Any other word there may govern the trigger ("a renoncé aux",
#: "écarte l'idée d'un", "revient sur son", "a mis en pause son plan de"): the parser reads it.
_PLAIN_BETWEEN = frozenset("""
a ont avait avaient va vont doit doivent se s' annonce annoncent annoncé ouvre ouvrent lance lancent lancé
confirme confirment confirmé officialise officialisé présente présenté prévoit prévoient envisage envisagent
de d' du des la le l' les un une ses son sa leur leurs plan nouveau nouvelle nouveaux nouvelles déjà aussi
également encore lundi mardi mercredi jeudi vendredi samedi dimanche hier
""".split())
_PLAIN_WORD = re.compile(r"[^\W\d]+'?|\d[\d\s\u00a0\u202f.,]*", re.UNICODE)
NER_MODEL = os.environ.get("MONITOR_PIPELINE_NER", "parser")  # previous sentences searched for an anaphora's antecedent


@dataclass
class TagResult:
    """Everything the tagger found in one article."""

    companies: list[CompanyMention] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    layoffs: list[LayoffMention] = field(default_factory=list)
    org_candidates: list[OrgCandidate] = field(default_factory=list)


def attribute_metric(sentence: str, sentence_start: int, metric: Metric, mentions: Sequence[CompanyMention]) -> str | None:
    """Company a metric belongs to: the only company of the sentence, else the structural subject.

    With several companies, those cited as source/comparison ("selon X", "comme X") or inside a
    relative clause are set aside; if one remains it wins, else the nearest one before the metric.
    """
    ids = {m.company_id for m in mentions}
    if not ids:
        return None
    if len(ids) == 1:
        return next(iter(ids))
    masked = mask_relative_clauses(sentence)
    kept = [m for m in mentions
            if not is_excluded_context(sentence, m.start - sentence_start)
            and masked[m.start - sentence_start:m.end - sentence_start].strip()]
    kept_ids = {m.company_id for m in kept}
    if len(kept_ids) == 1:
        return next(iter(kept_ids))
    before = [m for m in kept if m.end <= metric.start]
    return before[-1].company_id if before else None


class Tagger:
    """Company/metric/layoff tagger.

    ``with_parser``: layoff attribution and status come from spaCy's dependency parse of the
    sentences holding a trigger (else from the lexicon's regex rules alone). ``with_ner``: spaCy
    NER also runs on the sentences holding an unknown capitalized word, and the organisations it
    finds become companies outside the knowledge base (``known=False``)."""

    def __init__(self, kb: KnowledgeBase | None = None, lexicon: LayoffLexicon | None = None,
                 with_ner: bool = True, with_parser: bool = True, parser_model: str | None = None) -> None:
        self.kb = kb if kb is not None else KnowledgeBase.load()
        self.lexicon = lexicon if lexicon is not None else LayoffLexicon.load()
        self.matcher = CompanyMatcher(self.kb)
        self.with_ner = with_ner
        self.with_parser = with_parser
        self.parser_model = parser_model

    # ------------------------------------------------------------------ rules
    def _rules(self, cleaned: CleanedText) -> _Draft:
        """Knowledge-base companies, metrics and layoff triggers of one article (no spaCy)."""
        text = cleaned.text
        spans = list(cleaned.sentences) or simple_sentence_spans(text)
        companies = self.matcher.find(text, spans)
        draft = _Draft(cleaned, spans, TagResult(companies=companies))
        per_sentence = _per_sentence(companies, spans)
        for k, (s, e) in enumerate(spans):
            sentence = text[s:e]
            metrics = find_metrics(sentence, base_offset=s)
            draft.metrics.append(metrics)
            for metric in metrics:
                cid = attribute_metric(sentence, s, metric, per_sentence[k])
                draft.result.metrics.append(replace(metric, company_id=cid) if cid else metric)
            triggers = find_triggers(sentence, self.lexicon)
            if triggers:
                draft.triggers[k] = triggers
                if self.with_parser and self._plain(sentence, s, triggers, per_sentence[k]):
                    draft.plain.add(k)
        return draft

    def _plain(self, sentence: str, base: int, triggers: list[tuple[int, int, str]],
               mentions: Sequence[CompanyMention]) -> bool:
        """A sentence the lexical rules read as well as the parser, so it is not parsed: one trigger,
        one known company named first and nothing else capitalized, no status cue but the plain
        ones, no clause, relative, pronoun, passive or comparison word ("Atos va supprimer 300 postes
        en France, a annoncé la direction.")."""
        if len(triggers) != 1 or not mentions:
            return False
        ids = {m.company_id for m in mentions}
        first = mentions[0]
        if len(ids) != 1 or first.via == "product" or first.start - base > 40 or first.end - base > triggers[0][0]:
            return False
        if _NOT_PLAIN.search(sentence) or needs_ner(sentence, self.matcher):
            return False
        # a status cue between the company and the trigger ("X dément toute suppression", "X pourrait
        # supprimer") is read by the rules; one elsewhere (after the trigger, above it) needs the parse
        if any(p.search(sentence) for key in ("postponed", "contested") for p in self.lexicon.cues.get(key, [])):
            return False
        lo, hi = first.end - base, triggers[0][0]
        if not all(lo <= m.start() and m.end() <= hi for key in ("denial", "negation", "hypothetical")
                   for p in self.lexicon.cues.get(key, []) for m in p.finditer(sentence)):
            return False
        others = [w for w in _PLAIN_WORD.finditer(sentence, lo, hi)
                  if w.group(0).lower() not in _PLAIN_BETWEEN and not w.group(0)[:1].isdigit()]
        if not others:
            return True
        cued = [m.span() for ps in self.lexicon.cues.values() for p in ps for m in p.finditer(sentence, lo, hi)]
        return all(any(cs <= w.start() and w.end() <= ce for cs, ce in cued) for w in others)

    def _regex_layoffs(self, draft: _Draft) -> None:
        text = draft.cleaned.text
        per_sentence = _per_sentence(draft.result.companies, draft.spans)
        for k in sorted(draft.triggers):
            s, e = draft.spans[k]
            context = [m for prev in per_sentence[max(0, k - _CONTEXT_SENTENCES):k] for m in prev]
            found = find_layoffs(text[s:e], s, per_sentence[k], self.lexicon, context_companies=context,
                                 sentence_metrics=draft.metrics[k])
            draft.result.layoffs.extend(_named(found, draft.result.companies))

    def _tag_without_ner(self, cleaned: CleanedText) -> TagResult:
        """Tag one article without NER discovery (the parser still reads trigger sentences)."""
        draft = self._rules(cleaned)
        self._layoffs([draft], self._parse([draft]))
        return draft.result

    def tag(self, cleaned: CleanedText) -> TagResult:
        """Tag one cleaned article."""
        return self.tag_many([cleaned])[0]

    def tag_many(self, items: Sequence[CleanedText]) -> list[TagResult]:
        """Tag several articles; spaCy runs in one NER batch over all their candidate sentences
        (trigger sentences included) and one parser batch over their trigger clauses."""
        drafts = [self._rules(c) for c in items]
        entity_docs: dict[str, Any] | None = {} if self.with_ner else None
        for draft, candidates in zip(drafts, self._org_candidates(items, drafts, entity_docs)):
            # the queue offers names to curate as companies: media cited as sources, public
            # bodies, unions, places and groups of people ("les Beatles") are never companies
            candidates = [c for c in candidates if not is_non_company(c.name, c.sentence, c.start)]
            draft.result.org_candidates = candidates
            _add_unknown_companies(draft, candidates)
            if self.with_ner:
                _add_listed_companies(draft, self.matcher)
        self._layoffs(drafts, self._parse(drafts, entity_docs))
        return [d.result for d in drafts]

    def _parse(self, drafts: Sequence[_Draft], entity_docs: dict[str, Any] | None = None) -> dict[str, Any]:
        """Parsed trigger clauses (incises neutralized, other clauses blanked), keyed by that text,
        carrying the entities of their sentence (from ``entity_docs``, else from a NER batch)."""
        if not self.with_parser:
            return {}
        todo: dict[str, str] = {}  # clause text -> its sentence
        for draft in drafts:
            for k, triggers in draft.triggers.items():
                if k in draft.plain:
                    continue
                s, e = draft.spans[k]
                sentence = draft.cleaned.text[s:e]
                base = neutralize_incises(sentence)
                for ts, te, _ in triggers:
                    todo.setdefault(focus_clause(base, ts, te), sentence)
        if not todo:
            return {}
        nlp = load_parser(self.parser_model)
        entity_docs = entity_docs if entity_docs is not None else self._entity_docs(set(todo.values()))
        docs = dict(zip(todo, parse(nlp, list(todo))))
        for clause, doc in docs.items():
            if todo[clause] in entity_docs:
                copy_entities(entity_docs[todo[clause]], doc)
        return docs

    def _entity_docs(self, sentences: set[str]) -> dict[str, Any]:
        """NER docs of the sentences that hold a capitalized word no known company covers (the
        others' names are all known: NER would add nothing)."""
        todo = [s for s in sentences if needs_ner(s, self.matcher)]
        return dict(zip(todo, self._entity_recognizer().pipe(todo))) if todo else {}

    def _org_candidates(self, items: Sequence[CleanedText], drafts: Sequence[_Draft],
                        entity_docs: dict[str, Any] | None) -> list[list[OrgCandidate]]:
        """NER candidates of each article, one NER batch over the sentences that need it and the
        trigger sentences (their entity docs are kept in ``entity_docs`` for the parser)."""
        found: list[list[OrgCandidate]] = [[] for _ in items]
        if not self.with_ner:
            return found
        by_sentence = _sentence_owners(items)
        triggers = {d.cleaned.text[d.spans[k][0]:d.spans[k][1]] for d in drafts for k in d.triggers} \
            if self.with_parser else set()
        todo = [s for s in by_sentence if needs_ner(s, self.matcher)]
        if not todo:
            return found
        recognizer = _KeepingDocs(self._entity_recognizer(), triggers, entity_docs if entity_docs is not None else {})
        for cand in find_org_candidates(todo, matcher=self.matcher, prefiltered=True, nlp=recognizer):
            for owner in dict.fromkeys(by_sentence.get(cand.sentence, [])):
                found[owner].append(cand)
        return found

    def _layoffs(self, drafts: Sequence[_Draft], docs: dict[str, Any]) -> None:
        self._context_docs: dict[str, Any] = {}  # context parses of this batch (see _parse_one)
        for draft in drafts:
            if not self.with_parser:
                self._regex_layoffs(draft)
                continue
            for k in sorted(draft.triggers):
                s, e = draft.spans[k]
                sentence = draft.cleaned.text[s:e]
                if k in draft.plain:
                    found = self._plain_layoffs(draft, k)
                else:
                    found = self._parsed_layoffs(draft, k, sentence, docs)
                draft.result.layoffs.extend(_reversed_by_next_sentence(draft, k, found))

    def _plain_layoffs(self, draft: _Draft, k: int) -> list[LayoffMention]:
        s, e = draft.spans[k]
        sentence = draft.cleaned.text[s:e]
        in_sentence = [m for m in draft.result.companies if s <= m.start < e]
        found = find_layoffs(sentence, s, in_sentence, self.lexicon, sentence_metrics=draft.metrics[k])
        (ts, te, _), = draft.triggers[k]
        head = headcount_near(sentence, (ts, te), draft.metrics[k], s)
        return [replace(l, headcount=head.value, headcount_percent=head.percent, headcount_low=head.low,
                        headcount_high=head.high, headcount_qualifier=head.qualifier,
                        trigger_start=s + ts, trigger_end=s + te, rule="rules:plain-sentence")
                for l in _named(found, draft.result.companies)]

    def _parsed_layoffs(self, draft: _Draft, k: int, sentence: str, docs: dict[str, Any]) -> list[LayoffMention]:
        s, e = draft.spans[k]
        result = draft.result
        in_sentence = [m for m in result.companies if s <= m.start < e]
        found: dict[str | None, LayoffMention] = {}
        base_text = neutralize_incises(sentence)
        for ts, te, _name in draft.triggers[k]:
            doc = docs[focus_clause(base_text, ts, te)]
            reading = read_trigger(doc, ts, te, sentence,
                                   [(m.start - s, m.end - s) for m in in_sentence if m.via != "product"])
            if reading.person_only:
                continue
            status, status_path = reading.status, reading.status_path
            if status != "denied" and any(p.search(sentence) for p in self.lexicon.cues.get("denial", [])):
                status, status_path = "denied", "cue:denial"
            elif status_path == "default":
                # the parse found no word governing the trigger (a sentence split into fragments:
                # "Le projet de X de supprimer … a été retoqué", "X compte supprimer …" with "compte" read
                # as a noun): the lexicon's cues around it decide its status
                cued = regex_status(sentence, (ts, te), self.lexicon)
                if cued != status:
                    status, status_path = cued, "cue-without-governor"
            targets: list[tuple[CompanyMention, tuple[int, int] | None, str]] = []
            agents = respectively(sentence, ts, te) or reading.agents
            own_status: dict[str, str] = {}
            contrast = find_contrast(sentence, ts, te)
            if contrast is not None:
                # the layoff is Y's, with the status of its own words; X's mentions are negated
                masked = sentence[:contrast.start] + " " * (contrast.end - contrast.start) + sentence[contrast.end:]
                agents = [Agent(a, b, "contrast:denied") for a, b in contrast.negated]
                if contrast.positive is not None:
                    agents.insert(0, Agent(*contrast.positive, "contrast"))
                    status, status_path = regex_status(masked, (ts, te), self.lexicon), "contrast"
                reading.anaphor, reading.path = False, "contrast"
            if not agents:  # lists the parse does not attach to the trigger (see core.tagging.enumerations)
                agents = list_after_colon(sentence, te) or list_between_dashes(sentence, ts) \
                    or inverted_list(sentence, ts) or headline_list(sentence, ts)
                if agents:
                    reading.anaphor, reading.path = False, agents[0].path
            for agent in agents:
                if agent.segment is None:  # "Generali (300 postes), Covéa (250)": each name's own count
                    agent = replace(agent, segment=parenthesized_count(sentence, agent.end))
                # a name an enumeration pattern matched ends there: "Editis environ 90" is Editis
                exact = agent.path.startswith(("enumeration", "list", "clitic", "contrast"))
                company = self._company_for(draft, sentence, s, agent.start, agent.end, doc, in_sentence, exact)
                if company is not None and agent.path == "contrast:denied":
                    own_status[company.company_id] = "negated"
                if company is not None and all(company.company_id != t[0].company_id for t in targets):
                    targets.append((company, agent.segment, agent.path))
            path = reading.path
            if not targets and reading.latest:
                company = self._latest_name(draft, k, sentence, ts, in_sentence)
                if company is not None:
                    targets.append((company, None, "ce-dernier"))
                    path = "ce-dernier"
            if not targets and reading.first and k > 0:
                ps, pe = draft.spans[k - 1]
                named = sorted((m for m in result.companies if ps <= m.start < pe and m.via != "product"),
                               key=lambda m: m.start)
                if len(named) >= 2:  # "X et Y … Le premier …": only when there is a second
                    targets.append((named[0], None, "le-premier"))
                    path = "le-premier"
            if not targets and reading.anaphor:
                # a company earlier in the same sentence first, then the previous sentence's subject
                company = (_antecedent(draft, k, ts + s) if any(s <= m.start < s + ts for m in in_sentence) else None) \
                    or self._earlier_clause_subject(draft, k, sentence, ts, in_sentence) \
                    or self._previous_subject(draft, k) or _antecedent(draft, k, ts + s)
                company = company or self._role_company(draft, sentence, s, ts, doc, in_sentence)
                if company is not None:
                    company = self._matching_nationality(draft, k, sentence, ts, company)
                    targets.append((company, None, "anaphor"))
                    path = "anaphor"
            if not targets and status in ("denied", "negated"):
                for agent in speaker_agents(doc, status):
                    company = self._company_for(draft, sentence, s, agent.start, agent.end, doc, in_sentence)
                    if company is not None:
                        targets.append((company, None, "speaker"))
                        path = "speaker"
                        break
            if not targets and status in ("denied", "negated"):
                company = self._role_company(draft, sentence, s, len(sentence), doc, in_sentence)
                if company is not None:
                    targets.append((company, None, "speaker-role"))
                    path = "speaker-role"
            if not targets and status in ("denied", "negated"):
                by_id = {m.company_id: m for m in in_sentence}
                targets.extend((by_id[i], None, "speaker-cue") for i in
                               regex_speaker(sentence, list(in_sentence), s, self.lexicon) if i in by_id)
            if not targets and not reading.anaphor and _AFTER_COLON.search(sentence[:ts]):
                # "Vallourec l'a confirmé : 600 emplois vont disparaître", "Geopost : 1.200 postes
                # supprimés": a company-less clause after a colon details the clause before it
                company = self._earlier_clause_subject(draft, k, sentence, ts, in_sentence)
                if company is not None:
                    targets.append((company, None, "before-colon"))
                    path = "before-colon"
            if not targets and not reading.anaphor:
                # "Un plan social a été présenté aux syndicats de X": the staff's company
                staff = _STAFF_OF.search(sentence, te)
                company = self._company_for(draft, sentence, s, staff.start("name"), staff.end("name"), doc, in_sentence,
                                            True) if staff else None
                if company is not None:
                    targets.append((company, None, "staff-of"))
                    path = "staff-of"
            if not targets and reading.path == "none":
                ids = _regex_attribution(sentence, (ts, te), in_sentence, s)
                targets.extend((m, None, "regex-fallback") for m in ids)
            if targets:  # "Comme X et Y avant lui, Z licencie": X and Y did it too
                for agent in leading_comparison(sentence, ts):
                    company = self._company_for(draft, sentence, s, agent.start, agent.end, doc, in_sentence, True)
                    if company is not None and all(company.company_id != t[0].company_id for t in targets):
                        targets.append((company, None, agent.path))
            if targets:  # "…, tandis que Y en prévoit 300": Y with its own verb's status
                for agent, own in clitic_en_clauses(sentence, te):
                    company = self._company_for(draft, sentence, s, agent.start, agent.end, doc, in_sentence, True)
                    if company is not None and all(company.company_id != t[0].company_id for t in targets):
                        targets.append((company, agent.segment, agent.path))
                        own_status[company.company_id] = own
            head = headcount_near(sentence, (ts, te), draft.metrics[k], s)
            if head.value is None and head.percent is None:
                # "Un PSE a été présenté … ; il concerne 140 salariés": the plan's number in the next clause
                restated = _PLAN_RESTATED.match(sentence, te)
                if restated:
                    head = headcount_near(sentence, restated.span(), draft.metrics[k], s, within=True)
            if len(targets) > 1 and _SHARED_FIGURE.search(sentence, te):
                head = Headcount()  # "… licencié 1 500 personnes à eux trois": no company's own number
            evidence = f"parse:{path};status:{status_path}"
            for company, segment, agent_path in targets or [(None, None, "generic")]:
                st = status
                h = head
                if company is not None and company.company_id in own_status and (
                        status in COUNTED_STATUSES or own_status[company.company_id] == "negated"):
                    st = own_status[company.company_id]
                    if st == "negated":
                        h = Headcount()  # "ni X ni Y ne licencient": no number is X's
                if company is None and (st in COUNTED_STATUSES or st == "hypothetical" and h.value is not None
                                        and status_path.startswith("conditional")):
                    st = "generic"  # "le secteur pourrait perdre 75 000 emplois": no company, a generic statement
                if segment is not None:
                    h = headcount_near(sentence, segment, draft.metrics[k], s, within=True)
                cid = company.company_id if company is not None else None
                prev = found.get(cid)
                if prev is not None:
                    if prev.headcount is None and prev.headcount_percent is None and (h.value is not None or h.percent is not None):
                        found[cid] = replace(prev, headcount=h.value, headcount_percent=h.percent,
                                             headcount_low=h.low, headcount_high=h.high,
                                             headcount_qualifier=h.qualifier)
                    continue
                found[cid] = LayoffMention(
                    cid, st, h.value, h.percent, sentence[ts:te], sentence, s, e,
                    company_name=company.name if company is not None else None,
                    headcount_low=h.low, headcount_high=h.high, headcount_qualifier=h.qualifier,
                    trigger_start=s + ts, trigger_end=s + te, rule=f"{evidence};agent:{agent_path}",
                    known=company.known if company is not None else True)
        if len(found) > 1:
            found.pop(None, None)
        return list(found.values())

    def _role_company(self, draft: _Draft, sentence: str, base: int, trigger_at: int, doc: Any,
                      in_sentence: Sequence[CompanyMention]) -> CompanyMention | None:
        """"Le directeur général de X a affirmé que le groupe …": the company whose head speaks
        (named before ``trigger_at``), for an anaphor or a denial without a company of its own."""
        found = None
        for m in _ROLE_COMPANY.finditer(sentence, 0, trigger_at):
            found = m
        if found is None:
            return None
        return self._company_for(draft, sentence, base, found.start("name"), found.end("name"), doc, in_sentence, True)

    def _matching_nationality(self, draft: _Draft, k: int, sentence: str, trigger_at: int,
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

    def _earlier_clause_subject(self, draft: _Draft, k: int, sentence: str, trigger_at: int,
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

    def _latest_name(self, draft: _Draft, k: int, sentence: str, trigger_at: int,
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

    def _previous_subject(self, draft: _Draft, k: int) -> CompanyMention | None:
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

    def _company_for(self, draft: _Draft, sentence: str, base: int, start: int, end: int, doc: Any,
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
            _insert_company(draft.result, mention)
            return mention
        if label == "PER" and not any(m.via != "product" for m in in_sentence) \
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
        _insert_company(draft.result, mention)
        return mention

    # ------------------------------------------------------------------ NER
    def _entity_recognizer(self) -> Any:
        """spaCy's NER: the parser pipeline's own (``NER_MODEL = "parser"``, default: one model in
        memory, fewer misses on the dev sets) or the small model's (``"small"``, same speed)."""
        if NER_MODEL == "parser":
            return EntityRecognizer(load_parser(self.parser_model))
        return load_ner()

    def org_candidates_many(self, items: Sequence[CleanedText],
                            ner_sentences: Sequence[str] | None = None) -> list[list[OrgCandidate]]:
        """Each article's unknown organisations (empty lists without NER), one NER batch for all.

        ``ner_sentences``: the result of :meth:`ner_sentences` for these items, when already
        computed elsewhere (a worker process); the prefilter is then not run again."""
        found: list[list[OrgCandidate]] = [[] for _ in items]
        if not self.with_ner:
            return found
        by_sentence = _sentence_owners(items)
        if ner_sentences is None:
            ner_sentences = [s for s in by_sentence if needs_ner(s, self.matcher)]
        if not ner_sentences:
            return found
        for cand in find_org_candidates(ner_sentences, matcher=self.matcher, prefiltered=True,
                                        nlp=self._entity_recognizer()):
            for owner in dict.fromkeys(by_sentence.get(cand.sentence, [])):
                found[owner].append(cand)
        return found

    def ner_sentences(self, items: Sequence[CleanedText]) -> list[str]:
        """The items' distinct sentences that pass NER's prefilter (a capitalized word that is
        not a known company), in order of first appearance."""
        return [s for s in _sentence_owners(items) if needs_ner(s, self.matcher)]


class _KeepingDocs:
    """An entity recognizer that keeps the docs of some texts (the trigger sentences, for the parser)."""

    def __init__(self, recognizer: Any, keep: set[str], into: dict[str, Any]) -> None:
        self.recognizer, self.keep, self.into = recognizer, keep, into

    def pipe(self, texts: Sequence[str], batch_size: int = 256) -> Any:
        texts = list(texts)
        for text, doc in zip(texts, self.recognizer.pipe(texts, batch_size=batch_size)):
            if text in self.keep:
                self.into[text] = doc
            yield doc


@dataclass
class _Draft:
    """One article being tagged."""

    cleaned: CleanedText
    spans: list[tuple[int, int]]
    result: TagResult
    metrics: list[list[Metric]] = field(default_factory=list)
    triggers: dict[int, list[tuple[int, int, str]]] = field(default_factory=dict)
    #: trigger sentences read by the lexical rules alone (see ``Tagger._plain``)
    plain: set[int] = field(default_factory=set)


def _per_sentence(companies: Sequence[CompanyMention], spans: Sequence[tuple[int, int]]) -> list[list[CompanyMention]]:
    ordered = sorted(companies, key=lambda m: m.start)
    out: list[list[CompanyMention]] = []
    for s, e in spans:
        out.append([m for m in ordered if s <= m.start < e])
    return out


def _insert_company(result: TagResult, mention: CompanyMention) -> None:
    """Add ``mention`` to the result's companies (in text order) unless a mention covers it."""
    if any(m.start < mention.end and mention.start < m.end for m in result.companies):
        return
    result.companies.append(mention)
    result.companies.sort(key=lambda m: m.start)


def _add_unknown_companies(draft: _Draft, candidates: Sequence[OrgCandidate]) -> None:
    """NER organisations that pass the precision guards become companies outside the knowledge base."""
    text = draft.cleaned.text
    for cand in candidates:
        if cand.start < 0:
            continue
        for s, e in draft.spans:
            if text[s:e] != cand.sentence:
                continue
            if is_non_company(cand.name, cand.sentence, cand.start, cand.label):
                continue
            if _listed_with_a_product(draft, s + cand.start, s + cand.end):
                continue  # "Gmail et Docs": a product of a known company, not a company
            cid = company_slug(cand.name)
            if cid:
                _insert_company(draft.result, CompanyMention(cid, cand.name, cand.name, s + cand.start, s + cand.end,
                                                             "ner", known=False))


_LIST_NAME = r"[A-ZÀ-ÖØ-Þ][\w&'’.-]*(?:\s+(?:[A-ZÀ-ÖØ-Þ][\w&'’.-]*|&)){0,3}"
_LIST_SEP = r"\s*,\s*(?:et\s+|ou\s+)?|\s+(?:et|ou)\s+"
_NEXT_IN_LIST = re.compile(rf"(?:{_LIST_SEP}|\s*,?\s*(?:ou|et)\s+encore\s+|\s*,?\s*ainsi\s+que\s+)(?P<name>{_LIST_NAME})(?![\w'’])")
_FIRST_IN_LIST = re.compile(rf"(?P<name>{_LIST_NAME})(?![\w'’])")
# words announcing a list of companies: "des clients comme", "parmi ses clients figurent"
_LIST_INTRO = re.compile(
    r"\b(?:clients?|entreprises|sociétés|groupes|marques|partenaires|noms|acteurs|géants|éditeurs|banques|"
    r"start-up|startups|enseignes|laboratoires|industriels|constructeurs|fabricants|opérateurs|plateformes)"
    r"(?:\s+\w+){0,2}?\s+(?:comme|tels?\s+que|telles\s+que|dont|à\s+l'instar\s+d[e']|notamment|"
    r"figurent|incluent|comptent|sont|citées?|cités)\s+(?:(?:aussi|notamment|par\s+exemple|entre\s+autres)\s+)?",
    re.IGNORECASE)
_PREV_IN_LIST = re.compile(rf"(?<![\w'’])(?P<name>{_LIST_NAME})(?:{_LIST_SEP})$")


def _add_listed_companies(draft: _Draft, matcher: CompanyMatcher) -> None:
    """Names listed with a known company ("Canva, Santander, Morgan Stanley et Amazon"), or after a
    words announcing companies ("des clients comme A, B ou C", "parmi ses clients figurent A, B et
    C") are companies too, unless a precision guard says otherwise (place, person, union, medium…)."""
    text = draft.cleaned.text
    anchors = [m for m in draft.result.companies if m.via != "product"]
    for s, e in draft.spans:
        sentence = text[s:e]
        for intro in _LIST_INTRO.finditer(sentence):
            run = [(m.start("name"), m.end("name")) for m in _list_run(sentence, intro.end())]
            if len(run) >= 2:
                for ns, ne in run:
                    _add_listed(draft, matcher, sentence, s, ns, ne)
        inside = [m for m in anchors if s <= m.start < e]
        if not inside:
            continue
        for m in inside:
            run: list[tuple[int, int]] = []
            coordinated = False
            pos = m.end - s
            while True:
                nxt = _NEXT_IN_LIST.match(sentence, pos)
                if not nxt:
                    break
                run.append((nxt.start("name"), nxt.end("name")))
                coordinated = coordinated or bool(re.search(r"\b(?:et|ou)\s*$", sentence[pos:nxt.start("name")]))
                pos = nxt.end("name")
            end = m.start - s
            while end > 0:
                offset = max(0, end - 80)
                prev = _PREV_IN_LIST.search(sentence[offset:end])
                if not prev:
                    break
                ns, ne = offset + prev.start("name"), offset + prev.end("name")
                if ns == 0 or not sentence[:ns].strip():
                    break  # the sentence's first word: its capital proves nothing
                run.append((ns, ne))
                coordinated = coordinated or bool(re.search(r"\b(?:et|ou)\s*$", sentence[ne:end]))
                end = ns
            if coordinated:  # a real enumeration ("A, B et C"), not an apposition ("Intuit, Sasan Goodarzi, a …")
                for ns, ne in run:
                    _add_listed(draft, matcher, sentence, s, ns, ne)


def _list_run(sentence: str, pos: int) -> list[re.Match[str]]:
    """The names listed from ``pos`` ("Canva, Santander, Morgan Stanley ou encore Moderna"), if the
    list is closed by a coordinator."""
    first = _FIRST_IN_LIST.match(sentence, pos)
    if not first:
        return []
    run = [first]
    coordinated = False
    while True:
        nxt = _NEXT_IN_LIST.match(sentence, run[-1].end("name"))
        if not nxt:
            break
        coordinated = coordinated or bool(re.search(r"\b(?:et|ou|encore|que)\s*$", sentence[run[-1].end("name"):nxt.start("name")]))
        run.append(nxt)
    return run if coordinated else []


def _add_listed(draft: _Draft, matcher: CompanyMatcher, sentence: str, base: int, ns: int, ne: int) -> None:
    name = normalize_org_name(sentence[ns:ne])
    if len(name) < 2:
        return
    raw = matcher.find_raw(name)
    if raw:
        form, fs, fe = raw[0]
        if (fs, fe) == (0, len(name)):  # a known form held back for lack of evidence: the list is evidence
            at = sentence.find(name, ns)
            _insert_company(draft.result, CompanyMention(form.company_id, form.name, name, base + at,
                                                         base + at + len(name), "list"))
        return
    if is_non_company(name, sentence, ns):
        return
    ns = sentence.find(name, ns)
    cid = company_slug(name)
    if cid:
        _insert_company(draft.result, CompanyMention(cid, name, name, base + ns, base + ns + len(name), "list", known=False))


_PRODUCT_LIST_GAP = re.compile(r"\s*(?:,|et|ou)\s*(?:à\s+|au\s+|de\s+|d')?")


def _listed_with_a_product(draft: _Draft, start: int, end: int) -> bool:
    text = draft.cleaned.text
    for m in draft.result.companies:
        if m.via != "product":
            continue
        if m.end <= start and _PRODUCT_LIST_GAP.fullmatch(text[m.end:start]):
            return True
        if end <= m.start and _PRODUCT_LIST_GAP.fullmatch(text[end:m.start]):
            return True
    return False


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


def _reversed_by_next_sentence(draft: _Draft, k: int, found: list[LayoffMention]) -> list[LayoffMention]:
    """A plan stated in sentence ``k`` and given up, postponed or annulled by the next sentence
    ("X avait évoqué une réduction d'effectifs. La société a finalement abandonné ce projet.")
    takes the next sentence's status. A next sentence with its own trigger speaks for itself."""
    if k + 1 >= len(draft.spans) or k + 1 in draft.triggers:
        return found
    ns, ne = draft.spans[k + 1]
    reversal = next_sentence_reversal(draft.cleaned.text[ns:ne])
    if reversal is None:
        return found
    status, path = reversal
    # a hypothetical plan ("avait évoqué") given up next is given up, like a stated one
    return [replace(l, status=status, rule=f"{l.rule};status:{path}")
            if l.counted or l.company_id is not None and l.status == "hypothetical" else l for l in found]


def _antecedent(draft: _Draft, k: int, trigger_at: int) -> CompanyMention | None:
    """The company a pronoun or a definite description stands for: the first company of the same
    sentence before the trigger, else of the nearest previous sentence (within two)."""
    companies = [m for m in draft.result.companies if m.via != "product"]
    s, _ = draft.spans[k]
    before = [m for m in companies if s <= m.start < trigger_at]
    if before:
        return before[0]
    for j in range(k - 1, max(-1, k - 1 - _CONTEXT_SENTENCES), -1):
        ps, pe = draft.spans[j]
        inside = [m for m in companies if ps <= m.start < pe]
        if inside:
            return inside[0]
    return None


def _regex_attribution(sentence: str, trig: tuple[int, int], mentions: Sequence[CompanyMention],
                       base: int) -> list[CompanyMention]:
    ids = regex_attribute(sentence, trig, list(mentions), base)
    by_id = {m.company_id: m for m in mentions}
    return [by_id[i] for i in ids if i in by_id]


def _named(layoffs: Sequence[LayoffMention], companies: Sequence[CompanyMention]) -> list[LayoffMention]:
    names = {m.company_id: (m.name, m.known) for m in companies}
    return [replace(l, company_name=names[l.company_id][0], known=names[l.company_id][1])
            if l.company_id in names else l for l in layoffs]


def _sentence_owners(items: Sequence[CleanedText]) -> dict[str, list[int]]:
    """Each distinct non-empty sentence of the items, with the indexes of the items holding it."""
    by_sentence: dict[str, list[int]] = {}
    for i, c in enumerate(items):
        spans = list(c.sentences) or simple_sentence_spans(c.text)
        for s, e in spans:
            if e > s:
                by_sentence.setdefault(c.text[s:e], []).append(i)
    return by_sentence


_RULES_TAGGER: Tagger | None = None


def rules_tagger() -> Tagger:
    """This process's worker tagger (parser and NER included): the knowledge base, the lexicon and
    the spaCy models load once per process (in the warm forkserver, once for all workers)."""
    global _RULES_TAGGER
    if _RULES_TAGGER is None:
        _RULES_TAGGER = Tagger(with_ner=True)
    return _RULES_TAGGER


def tag_for_ner_in_parent(items: Sequence[CleanedText]) -> tuple[list[TagResult], list[str]]:
    """Worker task: the complete tags of a chunk of articles (parser and NER ran here), and the
    sentences left for the parent's NER: none (see :meth:`Tagger.org_candidates_many`)."""
    return rules_tagger().tag_many(items), []


if in_warm_forkserver(__name__):
    try:  # imported as the worker forkserver's preload: knowledge base and spaCy load once for all workers
        load_parser(rules_tagger().parser_model)
        if NER_MODEL != "parser":
            load_ner()
    except Exception:  # noqa: BLE001 - a broken knowledge base or model fails in the worker, with its message
        pass
    freeze_warm_state()

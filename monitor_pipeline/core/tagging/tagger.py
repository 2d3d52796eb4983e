"""Tag a cleaned article: company mentions, metrics, layoff mentions and NER org candidates.

``Tagger`` wires the knowledge-base matcher, the metric finder, the layoff lexicon and spaCy:

* layoff triggers are found by the lexicon's regexes (cheap literal gates first), and in the sentences
  they miss by verb lemma families and the lexicon's job nouns read from the parse
  (``core.tagging.lemma_triggers``, tagger-2.6); the sentences
  holding one are parsed (``core.tagging.syntax``: agent, status and evidence from the dependency
  parse), except plain ones (one known company named first, no status cue, no clause) that the
  lexical rules read as well; in a sentence with layoff mentions, a learned classifier
  (``core.tagging.learned_trigger``, tagger-2.7, trained on the dev split) adds the companies named
  there that no rule attached (list members the parse left out);
* spaCy NER runs once over the sentences holding an unknown capitalized word; the organisations it
  finds, the agents of triggers and the names listed with a known company become companies
  outside the knowledge base (``known=False``, id = slug of the name) unless a precision guard
  (person, place, union, court, public body, medium cited as a source) rules them out; of the names
  it labels LOC, PER or MISC, a learned classifier (``core.tagging.learned_orgs``, tagger-2.15,
  trained on the dev split) keeps those it scores as companies, in the sentences that hold or precede
  a layoff trigger (tagger-2.16).

All offsets are character offsets into ``CleanedText.text``. ``tag_many`` batches spaCy across
articles.

Modules: this one (the tagger, its rules pass, spaCy batches, the plain-sentence test);
``draft`` (:class:`~monitor_pipeline.core.tagging.draft.TagResult` and the article being tagged);
``listed_companies`` (NER and listed names as unknown companies); ``lemma_triggers`` (triggers from the
parse for sentences the lexicon misses); ``parsed_layoffs`` (mentions
from a parse reading); ``agent_resolution`` (agent spans and anaphors to company mentions);
``syntax/`` (the parse reading itself).
"""
from __future__ import annotations

import os
import re
from dataclasses import replace
from typing import Any, Sequence

from monitor_pipeline.core.tagging.companies import CompanyMatcher, CompanyMention, KnowledgeBase, simple_sentence_spans
from monitor_pipeline.core.tagging.described_names import described_names
from monitor_pipeline.core.tagging.draft import (
    ArticleDraft,
    CONTEXT_SENTENCES,
    insert_company,
    mentions_per_sentence,
    named_layoffs,
    sentence_owners,
    TagResult,
)
from monitor_pipeline.core.tagging.gates import fold_case, may_match
from monitor_pipeline.core.tagging.layoffs import (
    find_layoffs,
    find_triggers,
    headcount_near,
    is_excluded_context,
    LayoffLexicon,
    LayoffMention,
    mask_relative_clauses,
)
from monitor_pipeline.core.tagging.learned_orgs import load_learned_orgs
from monitor_pipeline.core.tagging.lemma_triggers import LemmaTriggers
from monitor_pipeline.core.tagging.listed_companies import add_listed_companies, add_unknown_companies
from monitor_pipeline.core.tagging.numeric_facts import find_metrics, Metric
from monitor_pipeline.core.tagging.org_candidates import (
    find_org_candidates,
    is_non_company,
    load_ner,
    needs_ner,
    OrgCandidate,
)
from monitor_pipeline.core.tagging.parsed_layoffs import ParsedLayoffReader, reversed_by_next_sentence
from monitor_pipeline.core.tagging.syntax.parsing import (
    copy_entities,
    EntityRecognizer,
    focus_clause,
    load_parser,
    neutralize_incises,
    parse,
)
from monitor_pipeline.core.text.clean import CleanedText
from monitor_pipeline.core.text.workers import freeze_warm_state, in_warm_forkserver

__all__ = ["TAGGER_VERSION", "Tagger", "attribute_metric", "rules_tagger", "tag_for_ner_in_parent"]

#: Bump when matching rules, lexicon semantics or outputs change (stored with tags).
TAGGER_VERSION = "tagger-2.19"


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
#: the end of one list member's segment ("Forvia 580, et Stellantis encore 400 à Poissy")
_SEGMENT_END = re.compile(r"[,;:.()]|\s(?:et|ou)\s")
#: relations of a name to the verb after it that make it that verb's subject (or a mislabelled one)
_SUBJECT_LIKE = ("nsubj", "aux", "expl")
NER_MODEL = os.environ.get("MONITOR_PIPELINE_NER", "parser")  # previous sentences searched for an anaphora's antecedent


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


class Tagger(ParsedLayoffReader):
    """Company/metric/layoff tagger.

    ``with_parser``: layoff attribution and status come from spaCy's dependency parse of the
    sentences holding a trigger (else from the lexicon's regex rules alone). ``with_ner``: spaCy
    NER also runs on the sentences holding an unknown capitalized word, and the organisations it
    finds become companies outside the knowledge base (``known=False``)."""

    def __init__(self, kb: KnowledgeBase | None = None, lexicon: LayoffLexicon | None = None,
                 with_ner: bool = True, with_parser: bool = True, parser_model: str | None = None,
                 learned: bool | None = None, learned_model: dict[str, Any] | None = None) -> None:
        self.kb = kb if kb is not None else KnowledgeBase.load()
        self.lexicon = lexicon if lexicon is not None else LayoffLexicon.load()
        self.matcher = CompanyMatcher(self.kb)
        self.with_ner = with_ner
        self.with_parser = with_parser
        self.parser_model = parser_model
        self.lemma_triggers = LemmaTriggers(self.lexicon)
        # the learned components (core.tagging.learned_trigger): on unless MONITOR_PIPELINE_LEARNED=0
        if learned is None:
            learned = os.environ.get("MONITOR_PIPELINE_LEARNED", "1") != "0"
        self.learned = self.learned_agents = None
        if learned and with_parser:
            self.set_learned_model(learned_model)
        # names the recognizer labels LOC/PER/MISC that a classifier scores as companies (core.tagging.learned_orgs)
        self.learned_orgs = load_learned_orgs() if learned and with_ner else None

    # ------------------------------------------------------------------ rules
    def _rules(self, cleaned: CleanedText) -> ArticleDraft:
        """Knowledge-base companies, metrics and layoff triggers of one article (no spaCy)."""
        text = cleaned.text
        spans = list(cleaned.sentences) or simple_sentence_spans(text)
        companies = self.matcher.find(text, spans)
        draft = ArticleDraft(cleaned, spans, TagResult(companies=companies))
        per_sentence = mentions_per_sentence(companies, spans)
        for k, (s, e) in enumerate(spans):
            sentence = text[s:e]
            metrics = find_metrics(sentence, base_offset=s)
            draft.metrics.append(metrics)
            for metric in metrics:
                cid = attribute_metric(sentence, s, metric, per_sentence[k])
                draft.result.metrics.append(replace(metric, company_id=cid) if cid else metric)
            triggers = find_triggers(sentence, self.lexicon)
            if not triggers and self.with_parser and self.lemma_triggers.may_hold(sentence):
                draft.lemma_candidates.add(k)
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
        folded = fold_case(sentence)  # (each cue regex runs only where its required strings are)
        if any(may_match(p, sentence, folded) and p.search(sentence)
               for key in ("postponed", "contested") for p in self.lexicon.cues.get(key, [])):
            return False
        lo, hi = first.end - base, triggers[0][0]
        if not all(lo <= m.start() and m.end() <= hi for key in ("denial", "negation", "hypothetical")
                   for p in self.lexicon.cues.get(key, []) if may_match(p, sentence, folded)
                   for m in p.finditer(sentence)):
            return False
        others = [w for w in _PLAIN_WORD.finditer(sentence, lo, hi)
                  if w.group(0).lower() not in _PLAIN_BETWEEN and not w.group(0)[:1].isdigit()]
        if not others:
            return True
        cued = [m.span() for ps in self.lexicon.cues.values() for p in ps if may_match(p, sentence, folded)
                for m in p.finditer(sentence, lo, hi)]
        return all(any(cs <= w.start() and w.end() <= ce for cs, ce in cued) for w in others)

    def _regex_layoffs(self, draft: ArticleDraft) -> None:
        text = draft.cleaned.text
        per_sentence = mentions_per_sentence(draft.result.companies, draft.spans)
        for k in sorted(draft.triggers):
            s, e = draft.spans[k]
            context = [m for prev in per_sentence[max(0, k - CONTEXT_SENTENCES):k] for m in prev]
            found = find_layoffs(text[s:e], s, per_sentence[k], self.lexicon, context_companies=context,
                                 sentence_metrics=draft.metrics[k])
            draft.result.layoffs.extend(named_layoffs(found, draft.result.companies))

    def _tag_without_ner(self, cleaned: CleanedText) -> TagResult:
        """Tag one article without NER discovery (the parser still reads trigger sentences)."""
        draft = self._rules(cleaned)
        self._add_lemma_triggers([draft])
        self._add_learned_triggers([draft])
        self._layoffs([draft], self._parse([draft]))
        self._add_learned_agents([draft])
        return draft.result

    def tag(self, cleaned: CleanedText) -> TagResult:
        """Tag one cleaned article."""
        return self.tag_many([cleaned])[0]

    def tag_many(self, items: Sequence[CleanedText]) -> list[TagResult]:
        """Tag several articles; spaCy runs in one NER batch over all their candidate sentences
        (trigger sentences included) and one parser batch over their trigger clauses."""
        drafts = [self._rules(c) for c in items]
        self._add_lemma_triggers(drafts)
        self._add_learned_triggers(drafts)
        entity_docs: dict[str, Any] | None = {} if self.with_ner else None
        for draft, candidates in zip(drafts, self._org_candidates(items, drafts, entity_docs)):
            # the queue offers names to curate as companies: media cited as sources, public
            # bodies, unions, places and groups of people ("les Beatles") are never companies
            candidates = [c for c in candidates if not is_non_company(c.name, c.sentence, c.start)]
            draft.result.org_candidates = candidates
            add_unknown_companies(draft, candidates)
            if self.with_ner:
                add_listed_companies(draft, self.matcher)
        self._layoffs(drafts, self._parse(drafts, entity_docs))
        self._add_learned_agents(drafts)
        return [d.result for d in drafts]

    def _add_lemma_triggers(self, drafts: Sequence[ArticleDraft]) -> None:
        """Parse the sentences without a lexicon trigger that may hold a lemma-family one (one batch)
        and add the triggers found there (see :mod:`~monitor_pipeline.core.tagging.lemma_triggers`)."""
        todo = {draft.cleaned.text[draft.spans[k][0]:draft.spans[k][1]]: None
                for draft in drafts for k in draft.lemma_candidates}
        if not todo:
            return
        texts = list(todo)
        for text, doc in zip(texts, parse(load_parser(self.parser_model), [neutralize_incises(t) for t in texts])):
            todo[text] = self.lemma_triggers.find(doc)
        for draft in drafts:
            for k in sorted(draft.lemma_candidates):
                s, e = draft.spans[k]
                found = todo.get(draft.cleaned.text[s:e])
                if found:
                    draft.triggers[k] = found

    def set_learned_model(self, model: dict[str, Any] | None = None) -> None:
        """Use the learned sentence classifier and agent classifier of ``model`` (``{"sentence":
        …, "agents": …}``, either may be missing; default: ``data/learned_trigger.json``)."""
        import json

        from monitor_pipeline.core.tagging.learned_trigger import DEFAULT_MODEL, LearnedAgents, LearnedTriggers
        if model is None:
            model = json.loads(DEFAULT_MODEL.read_text(encoding="utf-8"))
        self.learned = LearnedTriggers(self.lemma_triggers, model=model["sentence"]) if model.get("sentence") else None
        self.learned_agents = LearnedAgents(model["agents"]) if model.get("agents") else None

    def _add_learned_agents(self, drafts: Sequence[ArticleDraft]) -> None:
        """The companies named in a sentence with layoff mentions but with none of their own that
        the learned agent classifier flags get a mention like the nearest one of the sentence, with the
        number of their own list segment as headcount ("Valeo supprime 1 320 postes, Forvia 580")."""
        if self.learned_agents is None:
            return
        from monitor_pipeline.core.tagging.learned_trigger import agent_candidates, agent_features
        for draft in drafts:
            text = draft.cleaned.text
            added = []
            for k, cand, mentions, names in agent_candidates(text, draft.spans, draft.result.companies,
                                                             draft.result.layoffs):
                s, e = draft.spans[k]
                if self.learned_agents.score(agent_features(text[s:e], s, cand, mentions, names)) \
                        < self.learned_agents.threshold:
                    continue
                if self._has_own_predicate(text[s:e], cand.start - s, cand.end - s,
                                           [(m.trigger_start - s, m.trigger_end - s) for m in mentions]):
                    continue  # "…, selon la direction, Cisco recrute": its own clause, not a list member
                near = min(mentions, key=lambda m: abs(m.trigger_start - cand.start))
                # its own segment of the list: from its name to the next comma, semicolon, "et" or the end
                lo = cand.end - s
                stop = _SEGMENT_END.search(text[s:e], lo)
                head = headcount_near(text[s:e], (lo, stop.start() if stop else e - s), draft.metrics[k], s,
                                      within=True)
                if not cand.known and cand.via == "learned":
                    insert_company(draft.result, cand)
                added.append(replace(near, company_id=cand.company_id, company_name=cand.name, known=cand.known,
                                     headcount=head.value, headcount_percent=head.percent, headcount_low=head.low,
                                     headcount_high=head.high, headcount_qualifier=head.qualifier,
                                     rule="learned:agent"))
            draft.result.layoffs.extend(added)

    def _has_own_predicate(self, sentence: str, start: int, end: int, triggers: list[tuple[int, int]]) -> bool:
        """Whether the name at ``start:end`` stands in subject position of a verb after it that is none of
        the sentence's triggers (parsed only for the few names the classifier flags). A name right before
        its verb is often mislabelled (``aux`` for "Cisco recrute"): any subject-like relation counts."""
        doc = parse(load_parser(self.parser_model), [sentence])[0]
        for token in doc:
            head = token.head
            if (start <= token.idx < end and token.dep_.startswith(_SUBJECT_LIKE) and head.pos_ in ("VERB", "AUX")
                    and head.idx >= end and not any(lo <= head.idx < hi for lo, hi in triggers)):
                return True
        return False

    def _add_learned_triggers(self, drafts: Sequence[ArticleDraft]) -> None:
        """The sentences still without a trigger that the learned classifier flags are parsed
        (one batch) and given the trigger it builds from their parse (see ``core.tagging.learned_trigger``)."""
        if self.learned is None:
            return
        todo: dict[str, list[tuple[int, int, str]]] = {}
        for draft in drafts:
            for k, (s, e) in enumerate(draft.spans):
                if k not in draft.triggers and e > s:
                    todo.setdefault(draft.cleaned.text[s:e], [])
        texts = self.learned.flagged(todo)
        if not texts:
            return
        for text, doc in zip(texts, parse(load_parser(self.parser_model), [neutralize_incises(t) for t in texts])):
            todo[text] = self.learned.find(doc)
        for draft in drafts:
            for k, (s, e) in enumerate(draft.spans):
                if k not in draft.triggers:
                    found = todo.get(draft.cleaned.text[s:e])
                    if found:
                        draft.triggers[k] = found

    def _parse(self, drafts: Sequence[ArticleDraft], entity_docs: dict[str, Any] | None = None) -> dict[str, Any]:
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

    def _org_candidates(self, items: Sequence[CleanedText], drafts: Sequence[ArticleDraft],
                        entity_docs: dict[str, Any] | None) -> list[list[OrgCandidate]]:
        """NER candidates of each article, one NER batch over the sentences that need it and the
        trigger sentences (their entity docs are kept in ``entity_docs`` for the parser), plus the
        names every sentence describes by their trade (:mod:`~monitor_pipeline.core.tagging.described_names`)."""
        found: list[list[OrgCandidate]] = [[] for _ in items]
        if not self.with_ner:
            return found
        by_sentence = sentence_owners(items)
        triggers = {d.cleaned.text[d.spans[k][0]:d.spans[k][1]] for d in drafts for k in d.triggers} \
            if self.with_parser else set()
        todo = [s for s in by_sentence if needs_ner(s, self.matcher)]
        recognizer = _KeepingDocs(self._entity_recognizer(), triggers, entity_docs if entity_docs is not None else {})
        by_ner = find_org_candidates(todo, matcher=self.matcher, prefiltered=True, nlp=recognizer,
                                     learned=self.learned_orgs, learned_sentences=_near_triggers(drafts)) if todo else []
        # names the recognizer missed that the sentence describes by their trade ("la papeterie Vosgipap")
        named = {(c.sentence, c.name.lower()) for c in by_ner}
        described = [c for sentence in by_sentence for c in described_names(sentence, self.matcher)
                     if (sentence, c.name.lower()) not in named]
        # a described name is the whole name: the recognizer's pieces of it go ("Aciéries" + "Moselle-Sarre")
        by_ner = [c for c in by_ner if not any(d.sentence == c.sentence and d.start <= c.start and c.end <= d.end
                                               and c.start >= 0 for d in described)]
        for cand in by_ner + described:
            for owner in dict.fromkeys(by_sentence.get(cand.sentence, [])):
                found[owner].append(cand)
        return found

    def _layoffs(self, drafts: Sequence[ArticleDraft], docs: dict[str, Any]) -> None:
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
                draft.result.layoffs.extend(reversed_by_next_sentence(draft, k, found))

    def _plain_layoffs(self, draft: ArticleDraft, k: int) -> list[LayoffMention]:
        s, e = draft.spans[k]
        sentence = draft.cleaned.text[s:e]
        in_sentence = [m for m in draft.result.companies if s <= m.start < e]
        # (the sentence's triggers are the lexicon's, found by _rules: not looked for again)
        found = find_layoffs(sentence, s, in_sentence, self.lexicon, sentence_metrics=draft.metrics[k],
                             triggers=draft.triggers[k])
        (ts, te, _), = draft.triggers[k]
        head = headcount_near(sentence, (ts, te), draft.metrics[k], s)
        return [replace(l, headcount=head.value, headcount_percent=head.percent, headcount_low=head.low,
                        headcount_high=head.high, headcount_qualifier=head.qualifier,
                        trigger_start=s + ts, trigger_end=s + te, rule="rules:plain-sentence")
                for l in named_layoffs(found, draft.result.companies)]


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
        by_sentence = sentence_owners(items)
        if ner_sentences is None:
            ner_sentences = [s for s in by_sentence if needs_ner(s, self.matcher)]
        if not ner_sentences:
            return found
        near = _near_triggers([self._rules(item) for item in items]) if self.learned_orgs is not None else None
        for cand in find_org_candidates(ner_sentences, matcher=self.matcher, prefiltered=True,
                                        nlp=self._entity_recognizer(), learned=self.learned_orgs,
                                        learned_sentences=near):
            for owner in dict.fromkeys(by_sentence.get(cand.sentence, [])):
                found[owner].append(cand)
        return found

    def ner_sentences(self, items: Sequence[CleanedText]) -> list[str]:
        """The items' distinct sentences that pass NER's prefilter (a capitalized word that is
        not a known company), in order of first appearance."""
        return [s for s in sentence_owners(items) if needs_ner(s, self.matcher)]


def _near_triggers(drafts: Sequence[ArticleDraft]) -> set[str]:
    """The sentences that hold a layoff trigger (lexicon or lemma family) or come right before one: where
    the learned organisation classifier decides (its examples are layoff passages)."""
    return {d.cleaned.text[d.spans[j][0]:d.spans[j][1]] for d in drafts
            for k in (*d.triggers, *d.lemma_candidates) for j in (k - 1, k) if j >= 0}


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

"""The layoff mentions of a parsed trigger sentence: :class:`ParsedLayoffReader` (a mixin of
:class:`~monitor_pipeline.core.tagging.tagger.Tagger`) turns each trigger's parse reading into
mentions (contrasts, lists the parse misses, anaphors, speakers, "before a colon", a plan presented
to a company's staff, leading comparisons, "Y en prévoit N"), with their status and headcount; a
next sentence may reverse the plan."""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Sequence

from monitor_pipeline.core.tagging.agent_resolution import AgentResolver, antecedent
from monitor_pipeline.core.tagging.companies import CompanyMatcher, CompanyMention, KnowledgeBase
from monitor_pipeline.core.tagging.contrasts import find_contrast
from monitor_pipeline.core.tagging.draft import ArticleDraft
from monitor_pipeline.core.tagging.enumerations import (
    class_such_as,
    clitic_en_clauses,
    examples_of_class,
    followed_companies,
    followers_after,
    from_to_list,
    headline_list,
    inverted_list,
    leading_comparison,
    list_after_colon,
    list_between_dashes,
    parenthesized_count,
    respectively,
)
from monitor_pipeline.core.tagging.fallback_agent import opening_description
from monitor_pipeline.core.tagging.layoffs import (
    COUNTED_STATUSES,
    Headcount,
    headcount_near,
    LayoffLexicon,
    LayoffMention,
    regex_attribute,
    regex_speaker,
    regex_status,
)
from monitor_pipeline.core.tagging.status_cues import denial_applies, non_replacement_status
from monitor_pipeline.core.tagging.syntax.parsing import focus_clause, neutralize_incises
from monitor_pipeline.core.tagging.syntax.reading import read_trigger, speaker_agents
from monitor_pipeline.core.tagging.syntax.status import next_sentence_reversal
from monitor_pipeline.core.tagging.syntax.tokens import Agent


#: "; il concerne 140 salariés" right after a plan: the plan's headcount
_PLAN_RESTATED = re.compile(r"[^.;]{0,100}?[;,]\s*(?:il|elle|celui-ci|celle-ci|ce\s+plan|le\s+plan)\s+(?:concerne|vise|touche|porte\s+sur)"
                            r"\s+(?:près\s+de\s+|environ\s+|plus\s+de\s+|quelque\s+)?\d[\d\s\u00a0.]*\s*[\wé]+", re.IGNORECASE)
#: a figure shared by a list: "à eux trois", "à elles deux", "au total pour les trois"
_SHARED_FIGURE = re.compile(r"\bà\s+(?:eux|elles)\s+(?:deux|trois|quatre|cinq|six|\w+)\b|\bà\s+(?:eux|elles)\s+tous\b", re.IGNORECASE)


#: a plan presented or notified to a company's staff: "aux syndicats de X", "au CSE de X", "aux salariés de X"
_STAFF_OF = re.compile(r"\b(?:présenté|présentée|notifié|notifiée|notifiés|annoncé|annoncée|dévoilé|dévoilée)e?s?\s+"
                       r"(?:[\w']+\s+){0,3}?(?:aux|au)\s+(?:syndicats|salariés|employés|représentants\s+du\s+personnel|CSE|élus)"
                       r"\s+(?:de\s+|d'|du\s+)(?P<name>(?-i:[A-ZÀ-ÖØ-Þ][\w&'+.-]*(?:\s+[A-ZÀ-ÖØ-Þ][\w&'+.-]*){0,2}))",
                       re.IGNORECASE)
_NAME = r"(?P<name>(?-i:[A-ZÀ-ÖØ-Þ][\w&'+.-]*(?:\s+[A-ZÀ-ÖØ-Þ][\w&'+.-]*){0,2}))"
_DESCRIBED = r"(?:(?:l'|le\s+|la\s+)?(?:(?-i:[a-zà-ÿ-]+)\s+){0,3}?)?"
#: the jobs cut from a company's workforce: "N postes seront rayés des effectifs du transporteur X"
_WORKFORCE_OF = re.compile(r"\b(?:des|les|ses)\s+effectifs\s+(?:de\s+|d'|du\s+)" + _DESCRIBED + _NAME, re.IGNORECASE)
#: a later cleft naming who asked for or announced the cuts: "… ; c'est le logisticien X qui les avait demandés"
_CLEFT_AFTER = re.compile(r"\bc'est\s+" + _DESCRIBED + _NAME + r"\s+qui\s+(?:les|l'|en)\s*(?:(?:a|ont|avait|avaient)\s+)?"
                          r"(?:demandé|annoncé|décidé|voulu|engagé|lancé|présenté|porté|initié|prévu)\w*", re.IGNORECASE)
#: a non-renewal trigger and the negation words inside it
_NON_RENEWAL_WORD = re.compile(r"renouvel|reconduit|reconduir|prolong", re.IGNORECASE)
_NON_RENEWAL_NEGATION = re.compile(r"\b(?:ne|pas)\b|\bn'", re.IGNORECASE)
#: the trigger's clause follows a colon (and no other clause break after it)
_AFTER_COLON = re.compile(r":[^:;]*$")
#: lists of a class's members that all did it: none has the figure of the sentence as its own
_EXAMPLE_LISTS = ("list:from-to", "list:examples", "list:inverted", "list:such-as")


def reversed_by_next_sentence(draft: ArticleDraft, k: int, found: list[LayoffMention]) -> list[LayoffMention]:
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


def _regex_attribution(sentence: str, trig: tuple[int, int], mentions: Sequence[CompanyMention],
                       base: int) -> list[CompanyMention]:
    ids = regex_attribute(sentence, trig, list(mentions), base)
    by_id = {m.company_id: m for m in mentions}
    return [by_id[i] for i in ids if i in by_id]


class ParsedLayoffReader(AgentResolver):
    """Layoff mentions from the parse of trigger sentences (mixed into the tagger)."""

    kb: KnowledgeBase
    lexicon: LayoffLexicon
    matcher: CompanyMatcher
    parser_model: str | None
    _context_docs: dict[str, Any]

    def _parsed_layoffs(self, draft: ArticleDraft, k: int, sentence: str, docs: dict[str, Any]) -> list[LayoffMention]:
        s, e = draft.spans[k]
        result = draft.result
        in_sentence = [m for m in result.companies if s <= m.start < e]
        found: dict[str | None, LayoffMention] = {}
        reassured: dict[tuple[str, str], LayoffMention] = {}  # second mentions, by company and status
        base_text = neutralize_incises(sentence)
        for ts, te, _name in draft.triggers[k]:
            doc = docs[focus_clause(base_text, ts, te)]
            reading = read_trigger(doc, ts, te, sentence,
                                   [(m.start - s, m.end - s) for m in in_sentence if m.via != "product"])
            if reading.person_only:
                continue
            status, status_path = reading.status, reading.status_path
            if status != "denied" and denial_applies(sentence, ts, te, self.lexicon.cues.get("denial", []),
                                                     [(m.company_id, m.start - s) for m in in_sentence]):
                status, status_path = "denied", "cue:denial"
            elif status_path == "default":
                # the parse found no word governing the trigger (a sentence split into fragments:
                # "Le projet de X de supprimer … a été retoqué", "X compte supprimer …" with "compte" read
                # as a noun): the lexicon's cues around it decide its status
                # (a non-renewal's own negation is its meaning, not a status: "150 CDD ne seront pas renouvelés")
                cued = regex_status(sentence[:ts] + _NON_RENEWAL_NEGATION.sub(lambda m: " " * len(m.group(0)), sentence[ts:te]) + sentence[te:]
                                    if _NON_RENEWAL_WORD.search(sentence, ts, te) else sentence, (ts, te), self.lexicon)
                if cued != status:
                    status, status_path = cued, "cue-without-governor"
            if _name == "non_remplacement" and status == "negated":
                # "ne seront pas remplacés": the negation is the cut itself; its tense decides
                status, status_path = non_replacement_status(sentence[ts:te]), "non-replacement"
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
                if company is not None and agent.path in ("contrast:denied", "enumeration:none"):
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
                company = (antecedent(draft, k, ts + s) if any(s <= m.start < s + ts for m in in_sentence) else None) \
                    or self._earlier_clause_subject(draft, k, sentence, ts, in_sentence) \
                    or self._previous_subject(draft, k) or antecedent(draft, k, ts + s)
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
                staff = _STAFF_OF.search(sentence, te) or _WORKFORCE_OF.search(sentence, ts, min(len(sentence), te + 40)) \
                    or _CLEFT_AFTER.search(sentence, te)
                company = self._company_for(draft, sentence, s, staff.start("name"), staff.end("name"), doc, in_sentence,
                                            True) if staff else None
                if company is not None:
                    targets.append((company, None, "staff-of"))
                    path = "staff-of"
            if not targets and reading.path == "none":
                ids = _regex_attribution(sentence, (ts, te), in_sentence, s)
                targets.extend((m, None, "regex-fallback") for m in ids)
            # "De X à Y en passant par Z, les enseignes ont toutes réduit …": every example, whatever else named one
            for agent in from_to_list(sentence, ts) + examples_of_class(sentence, ts) + inverted_list(sentence, ts) \
                    + list_between_dashes(sentence, ts) + class_such_as(sentence, ts):
                company = self._company_for(draft, sentence, s, agent.start, agent.end, doc, in_sentence, True)
                if company is not None:
                    targets = [t for t in targets if t[0].company_id != company.company_id] + [(company, agent.segment, agent.path)]
                    path = agent.path
            if not targets and k > 0 and opening_description(sentence) and not any(m.start < s + ts for m in in_sentence):
                # "Workday a racheté Paradox. Le géant des logiciels RH annonce …": the description opening
                # the sentence stands for the previous sentence's subject, whatever the parse made of it
                company = self._previous_subject(draft, k)
                if company is not None:
                    targets.append((company, None, "opening-description"))
                    path = "opening-description"
            if not targets and not reading.anaphor:
                # nothing above named the agent: the sentence's own subject or its one company, unless
                # a class of companies is the agent ("les start-up ont licencié"): see core.tagging.fallback_agent
                company, fallback_path = self._fallback_company(draft, k, sentence, ts, te, in_sentence)
                if company is not None:
                    targets.append((company, None, fallback_path))
                    path = fallback_path
            if targets:  # "Comme X et Y avant lui, Z licencie": X and Y did it too
                for agent in leading_comparison(sentence, ts) + followed_companies(sentence, ts) \
                        + followers_after(sentence, te):
                    if agent.path == "list:in-turn" and not any(
                            m.start - s < agent.end and agent.start < m.end - s for m in in_sentence):
                        continue  # "Après X et Y, Z … à son tour": X and Y only when they are companies
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
            if len(targets) > 1 and _SHARED_FIGURE.search(sentence, te) or any(t[2] in _EXAMPLE_LISTS for t in targets):
                head = Headcount()  # "… licencié 1 500 personnes à eux trois": no company's own number
            evidence = f"parse:{path};status:{status_path}"
            last_segment = head
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
                if agent_path in ("list:comparison", "list:followed", "list:in-turn"):
                    h = Headcount()  # "Comme X avant lui, Z licencie 300": X did it too, not with Z's number
                elif segment is not None and sentence[segment[0]:segment[1]].strip(" ,;").lower() == "autant":
                    h = last_segment  # "35 chez X, autant chez Y": the number before
                elif segment is not None:
                    h = headcount_near(sentence, segment, draft.metrics[k], s, within=True)
                    last_segment = h
                cid = company.company_id if company is not None else None
                prev = found.get(cid)
                if prev is not None and cid is not None and st in ("negated", "hypothetical") and prev.counted \
                        and (cid, st) not in reassured and not (prev.trigger_start < s + te and s + ts < prev.trigger_end):
                    # "supprimera 700 postes, sans départs contraints", "… ; aucun licenciement sec": the
                    # cut and, apart, the promise that no one is forced out (a second mention, negated);
                    # "Après avoir supprimé 90 postes, X n'exclut pas une nouvelle vague": a possible next one
                    reassured[cid, st] = LayoffMention(
                        cid, st, None, None, sentence[ts:te], sentence, s, e, company_name=prev.company_name,
                        trigger_start=s + ts, trigger_end=s + te, rule=f"{evidence};agent:{agent_path};second:{st}",
                        known=prev.known)
                    continue
                if prev is not None and cid is not None and prev.status == "negated" and st in COUNTED_STATUSES \
                        and (cid, "negated") not in reassured and not (prev.trigger_start < s + te and s + ts < prev.trigger_end):
                    # "X, qui n'a procédé à aucun licenciement, … le non-remplacement de 60 départs": the same pair,
                    # the negated mention first
                    reassured[cid, "negated"] = replace(prev, headcount=None, headcount_percent=None, headcount_low=None,
                                             headcount_high=None, headcount_qualifier=None, rule=prev.rule + ";second:negated")
                    prev = None
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
        return list(found.values()) + [m for (cid, _), m in reassured.items() if cid in found and found[cid].counted]

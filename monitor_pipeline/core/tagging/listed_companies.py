"""Companies outside the knowledge base found without a trigger: NER organisations that pass
the precision guards, and names listed with a known company or after words announcing companies
("des clients comme A, B ou C")."""
from __future__ import annotations

import re
from typing import Sequence

from monitor_pipeline.core.tagging.companies import CompanyMatcher, CompanyMention
from monitor_pipeline.core.tagging.draft import ArticleDraft, insert_company
from monitor_pipeline.core.tagging.gates import fold_case, may_match
from monitor_pipeline.core.tagging.org_candidates import company_slug, is_non_company, normalize_org_name, OrgCandidate


def add_unknown_companies(draft: ArticleDraft, candidates: Sequence[OrgCandidate]) -> None:
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
                insert_company(draft.result, CompanyMention(cid, cand.name, cand.name, s + cand.start, s + cand.end,
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


def add_listed_companies(draft: ArticleDraft, matcher: CompanyMatcher) -> None:
    """Names listed with a known company ("Canva, Santander, Morgan Stanley et Amazon"), or after a
    words announcing companies ("des clients comme A, B ou C", "parmi ses clients figurent A, B et
    C") are companies too, unless a precision guard says otherwise (place, person, union, medium…)."""
    text = draft.cleaned.text
    anchors = [m for m in draft.result.companies if m.via != "product"]
    for s, e in draft.spans:
        sentence = text[s:e]
        # (the intro regex scans every word case-insensitively: its required strings first)
        for intro in _LIST_INTRO.finditer(sentence) if may_match(_LIST_INTRO, sentence, fold_case(sentence)) else ():
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


def _add_listed(draft: ArticleDraft, matcher: CompanyMatcher, sentence: str, base: int, ns: int, ne: int) -> None:
    name = normalize_org_name(sentence[ns:ne])
    if len(name) < 2:
        return
    raw = matcher.find_raw(name)
    if raw:
        form, fs, fe = raw[0]
        if (fs, fe) == (0, len(name)):  # a known form held back for lack of evidence: the list is evidence
            at = sentence.find(name, ns)
            insert_company(draft.result, CompanyMention(form.company_id, form.name, name, base + at,
                                                         base + at + len(name), "list"))
        return
    if is_non_company(name, sentence, ns):
        return
    ns = sentence.find(name, ns)
    cid = company_slug(name)
    if cid:
        insert_company(draft.result, CompanyMention(cid, name, name, base + ns, base + ns + len(name), "list", known=False))


_PRODUCT_LIST_GAP = re.compile(r"\s*(?:,|et|ou)\s*(?:à\s+|au\s+|de\s+|d')?")


def _listed_with_a_product(draft: ArticleDraft, start: int, end: int) -> bool:
    text = draft.cleaned.text
    for m in draft.result.companies:
        if m.via != "product":
            continue
        if m.end <= start and _PRODUCT_LIST_GAP.fullmatch(text[m.end:start]):
            return True
        if end <= m.start and _PRODUCT_LIST_GAP.fullmatch(text[end:m.start]):
            return True
    return False

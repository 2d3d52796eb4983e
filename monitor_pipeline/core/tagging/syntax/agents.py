"""Who cuts jobs: :func:`_find_agents` walks from the trigger to its complements, its governors'
"chez X", passive agents and subjects, then falls back on patterns the parser misses (framing "Chez
X,", reporting verbs, "au tour de", "licenciés par X", inverted questions, a name split from its
verb, a name right before the verb, a name opening the clause after a colon, a described name)."""
from __future__ import annotations

import re
from typing import Any, Sequence

from monitor_pipeline.core.tagging.syntax.subjects import _agent_from_nominal, _chez_agents, _cost_bearer_agents, _subject_agents
from monitor_pipeline.core.tagging.syntax.tokens import Agent, _case, _children
from monitor_pipeline.core.tagging.syntax.tree import (
    _bare_capitalized,
    _chain,
    _described_name,
    _is_description,
    _is_namey,
    _place_of_site,
)
from monitor_pipeline.core.tagging.syntax.words import governor_status, RELATIVES, REPORTING, TAKEOVER_NOUNS


def _find_agents(trig: Any, first: Any | None = None, span: tuple[int, int] = (0, 0)) -> tuple[list[Agent], bool, str]:
    """(agents, anaphor, path) for the trigger token (``span``: the trigger's character span)."""
    skip = {trig.i}
    # 1. complements of the trigger: "le plan social d'Atos", "licenciements chez X", "le PSE présenté par X"
    # "le projet de fermeture du centre d'appels de Webhelp": down a chain of common-noun complements
    inner, level = [], [c for c in trig.children if c.dep_.startswith("nmod") and not c.text[:1].isupper()]
    for _ in range(3):
        level = [g for c in level for g in c.children]
        inner.extend(level)
        level = [g for g in level if g.dep_.startswith("nmod") and not g.text[:1].isupper() and g.pos_ == "NOUN"]
    for c in list(trig.children) + inner:
        if _place_of_site(c):
            continue  # "la fermeture de son studio de Leamington": a place, not the company
        if c.dep_.startswith("nmod") and _case(c) in ("de", "d'", "du", "chez", "des") and _is_namey(c):
            agents, _ = _agent_from_nominal(c, "complement:" + _case(c), ())
            if agents:
                return agents, False, "complement"
    # "les 600 suppressions de postes annoncées par Nokia": a participle of the trigger's phrase
    for c in trig.subtree:
        if c.dep_ == "acl" and c.i != trig.i and governor_status(c) in ("announced", "planned", "executed") \
                and not any(a.dep_ == "acl:relcl" for a in c.ancestors if a.i != trig.i
                            and not span[0] <= a.idx < span[1]):  # a relative inside the trigger's own words counts
            for a in _children(c, "obl:agent"):
                agents, _ = _agent_from_nominal(a, "passive-agent", ())
                if agents:
                    return agents, False, f"participle-agent@{c.lemma_}"
    for x in _children(trig, "xcomp"):
        for a in _children(x, "obl:agent"):
            agents, _ = _agent_from_nominal(a, "passive-agent", ())
            if agents:
                return agents, False, f"passive-agent@{x.lemma_}"
    # (not past a comma after the trigger: "…, et 95 chez sa filiale Y" is an elided segment of its own)
    chez = [a for t in trig.subtree if t.i != trig.i for a in _chez_agents(t, ())
            if not (t.i > trig.i and "," in trig.doc.text[trig.idx:t.idx])]
    if chez:
        return chez, False, "chez-in-trigger"
    anaphor = other = False
    chain = _chain(trig)
    for k, gov in enumerate(chain):
        chez = _chez_agents(gov, skip)
        if chez:
            return chez, False, f"chez@{gov.lemma_}"
        for a in _children(gov, "obl:agent"):
            found, _ = _agent_from_nominal(a, "passive-agent", skip)
            if found:
                return found, False, f"passive-agent@{gov.lemma_}"
        found = _cost_bearer_agents(gov, skip)
        if found:
            return found, False, "cost-to@coûter"
        found, ana, not_company = _subject_agents(gov, skip, chain, k)
        if found:
            return found, False, f"subject@{gov.lemma_}"
        anaphor = anaphor or ana
        if not_company and gov.i != trig.i:
            other = True
            break  # "le ministère a validé …": a subject that is no company ends the search
        skip.add(gov.i)
    # 2. fallbacks. "… a validé la reprise de X, sans aucun licenciement": the layoffs (or their
    # absence) of a takeover are those of the company taken over
    for gov in chain[1:2]:
        for obj in _children(gov, "obj"):
            if obj.lemma_.lower() in TAKEOVER_NOUNS and trig.dep_.startswith("obl"):
                buyers = {c.i for c in obj.subtree if _case(c) == "par"}  # "la reprise de X par Y": not Y
                found, _ = _agent_from_nominal(obj, "takeover", {trig.i} | buyers)
                if found:
                    return found, False, f"takeover@{obj.lemma_}"
    # "La néobanque X licencie …" misparsed as a noun phrase whose participle-like
    # modifier is the trigger verb: the description with its name is the subject
    head = trig.head
    if trig.dep_ == "acl" and trig.pos_ == "VERB" and head.i < trig.i and _is_description(head) \
            and not _children(trig, "nsubj", "nsubj:pass"):
        found, _ = _agent_from_nominal(head, "description-subject", {trig.i})
        if found:
            return found, False, "description-subject"
    # "Chez X, …" framing the sentence; "…, a confirmé X" (reporting verb)
    doc = trig.doc
    # "Au sein d'Alten, …" frames the sentence like "Chez Alten, …"
    framing = [t for t in doc if t.i < trig.i and (t.lower_ == "chez" or t.lower_ == "sein" and t.i >= 1
                                                    and doc[t.i - 1].lower_ == "au")]
    frame = [a for t in framing for a in _agent_from_nominal(
        t.head if t.lower_ == "chez" else next((c for c in doc[t.i + 1:t.i + 4] if _is_namey(c)), t), "chez-frame", ())[0]]
    if frame and not anaphor:
        return frame, False, "chez-frame"
    for gov in chain:
        for c in gov.children:
            if c.dep_ in ("parataxis", "conj") and c.i > trig.i and c.lemma_.lower() in REPORTING:
                speakers = _children(c, "nsubj") + [o for o in _children(c, "obj") if o.i > c.i]
                for speaker in speakers:
                    found, _ = _agent_from_nominal(speaker, "reported-by", ())
                    if found:
                        return found, False, f"reported-by@{c.lemma_}"
    # 3. "c'est au tour de X d'annoncer …"
    # (doc.text rebuilds the whole text: only when a "tour" token is there at all)
    turn = re.search(r"\bau\s+tour\s+d(?:e\s+|')(?:l'|la\s+|le\s+)?", doc.text[:trig.idx], re.IGNORECASE) \
        if any(t.lower_ == "tour" for t in doc[:trig.i]) else None
    if turn:
        name = next((t for t in doc if t.idx >= turn.end() and not t.is_space), None)
        if name is not None and _is_namey(name):
            return [Agent(name.idx, name.idx + len(name.text), "au-tour-de")], False, "au-tour-de"
    # "les 34 salariés licenciés par Everial", "80 postes seront supprimés d'ici juin par X", "la
    # suppression de 80 postes, annoncée mardi par X,": a participle of the trigger's clause and its "par X"
    text = doc.text
    by = _PARTICIPLE_BY.search(text, trig.idx) if " par " in text else None
    if by is not None and not re.search(r"[.;:!?]", text[trig.idx:by.start()]):
        return [Agent(by.start("name"), by.end("name"), "participle-par")], False, "participle-par"
    # "Combien de postes X supprimera-t-il ?": the name before a verb with an inverted pronoun
    for j in range(1, len(doc) - 1) if "-il" in text or "-elle" in text else ():
        if doc[j].pos_ in ("VERB", "AUX") and doc[j + 1].lower_ in ("-t", "-il", "-elle", "-t-il", "-t-elle") \
                and _is_namey(doc[j - 1]) and doc[j - 1].text[:1].isupper() and doc[j - 1].i > 0:
            name = doc[j - 1]
            return [Agent(name.idx, name.idx + len(name.text), "inverted-question")], False, "inverted-question"
    # "Lactalis a renoncé à fermer …": an unknown name opening the sentence, which the parser made a
    # root of its own, is the subject of the subjectless verb that follows it
    split = _split_root_name(chain) if not other and not anaphor else None
    if split is not None:
        return [Agent(split[0].idx, split[-1].idx + len(split[-1].text), "split-root-subject")], False, \
            "split-root-subject"
    # 4. "Northvolt licencie …" parsed without a subject: the name right before the trigger verb
    # a trigger word without a determiner, right after the name, is a verb whatever its tag ("Ornikar taille …")
    verb_like = trig.pos_ in ("VERB", "AUX", "ADJ") or trig.pos_ == "NOUN" and first is None \
        and not _children(trig, "det") and trig.text[:1].islower()
    if verb_like and not other:
        i = trig.i - 1
        while i >= 0 and (doc[i].pos_ in ("AUX", "ADV") or doc[i].is_space or doc[i].lower_ in ("ne", "n'")):
            i -= 1
        if i >= 0 and (_is_namey(doc[i]) or i == 0 and _bare_capitalized(doc[i])) \
                and (i == 0 or not doc[i - 1].is_alpha or doc[i - 1].is_punct or doc[i - 1].lower_ in ("que", "qu'")):
            return [Agent(doc[i].idx, doc[i].idx + len(doc[i].text), "adjacent-subject")], False, "adjacent-subject"
        # "Le fabricant de batteries Northvolt supprimera …" split by the parser: a name right after
        # a description phrase that opens the clause is its subject
    # "L'enseigne de mobilier ferme … et se sépare de …" parsed with the description as root noun
    top = chain[-1]
    if trig.pos_ in ("VERB", "ADJ") and top.i != trig.i and top.pos_ == "NOUN" and top.dep_ == "ROOT" \
            and top.i < trig.i and _is_description(top):
        found, _ = _agent_from_nominal(top, "description-root", {trig.i} | {c.i for c in top.children if c.i > top.i + 3})
        if found:
            return found, False, "description-root"
        anaphor = True
    # "… : Kylotonn, filiale de Nacon, va réduire …": a name opening the trigger's clause after a colon
    opener = _clause_opening_name(trig, chain)
    if opener is not None and not anaphor:
        return [Agent(opener.idx, opener.idx + len(opener.text), "clause-opener")], False, "clause-opener"
    if not other:
        i = (first if first is not None else trig).i - 1
        while i >= 0 and (doc[i].pos_ in ("AUX", "ADV") or doc[i].is_space or doc[i].lower_ in ("ne", "n'")):
            i -= 1
        if i >= 1 and _is_namey(doc[i]) and _described_name(doc, i):
            first = i
            while first > 1 and _is_namey(doc[first - 1]) and doc[first - 1].text[:1].isupper():
                first -= 1
            return [Agent(doc[first].idx, doc[i].idx + len(doc[i].text), "described-subject")], False, "described-subject"
    return [], anaphor, "subject-not-company" if other else "none"


#: a participle of cutting or announcing, then "par X" within a few words
_PARTICIPLE_BY = re.compile(
    r"\b(?:licenci|supprim|annonc|présent|engag|décid|dévoil|prononc|confirm|remerci|lanc|acté|officialis)\w*"
    # (a description before the name: "par le fabricant (de jouets) X")
    r"\s+(?:[\w']+\s+){0,3}?par\s+(?:la\s+direction\s+(?:de\s+|d'|du\s+)|le\s+groupe\s+|(?:l'|le\s+|la\s+)(?:(?-i:[a-zà-ÿ-]+)\s+){0,3}?)?"
    r"(?P<name>(?-i:[A-ZÀ-ÖØ-Þ][\w&'+.-]*(?:\s+[A-ZÀ-ÖØ-Þ][\w&'+.-]*){0,2}))", re.IGNORECASE)


def _clause_opening_name(trig: Any, chain: Sequence[Any]) -> Any | None:
    """The name that opens the trigger's clause right after a colon or semicolon, when only the
    trigger's own governors (and an apposition between commas) stand between it and the trigger."""
    doc = trig.doc
    cut = max((t.i for t in doc[:trig.i] if t.text in (":", ";")), default=None)
    if cut is None or cut + 1 >= trig.i:
        return None
    name = doc[cut + 1]
    if not (_is_namey(name) and name.text[:1].isupper()):
        return None
    governors = {g.i for g in chain}
    in_apposition = False
    for t in doc[cut + 2:trig.i]:
        if t.text == ",":
            in_apposition = not in_apposition
            continue
        if in_apposition:
            continue
        if t.pos_ in ("VERB", "AUX") and t.i not in governors and t.dep_ not in ("aux", "aux:tense", "aux:pass", "cop"):
            return None
        if t.dep_.startswith("nsubj") and t.i not in governors:
            return None  # another subject: another statement
    return None if in_apposition else name


def _split_root_name(chain: Sequence[Any]) -> list[Any] | None:
    """The capitalized words opening the sentence when the parser made them a root apart and the
    trigger's top governor, right after them (auxiliaries and adverbs aside), has no subject."""
    top = chain[-1]
    doc = top.doc
    # (the top may be a clause the parser hung on a later verb: "X n'a jamais envisagé de …, répond son patron")
    if top.dep_ not in ("ROOT", "advcl", "parataxis") or _children(top, "nsubj", "nsubj:pass", "expl"):
        return None
    i = 0
    while i < len(doc) and doc[i].is_space:
        i += 1
    names = []
    while i < top.i and doc[i].text[:1].isupper() and doc[i].is_alpha or names and i < top.i and doc[i].lower_ in ("de", "d'") \
            and i + 1 < top.i and doc[i + 1].text[:1].isupper():
        names.append(doc[i])
        i += 1
    # "Cowboy, qui assemble des vélos, a remercié …": a relative or an apposition between commas
    incise = False
    if names and i < top.i and doc[i].text == ",":
        close = next((j for j in range(i + 1, min(top.i, i + 14)) if doc[j].text == ","), None)
        if close is not None and (doc[i + 1].lower_ in RELATIVES or doc[i + 1].pos_ == "DET"):
            i, incise = close + 1, True
    # a capitalized "verb" with no dependent of its own is a name the tagger did not know ("Verallia l'a confirmé")
    if names and names[0].pos_ == "VERB" and list(names[0].children):
        return None
    if not names or any(t.pos_ in ("DET", "PRON", "ADV", "ADP", "CCONJ", "SCONJ", "AUX") for t in names[:1]) \
            or _children(names[0], "det") or any(t.dep_.startswith("nsubj") for t in names) \
            or not incise and names[0].pos_ != "VERB" and not any(t.dep_ == "ROOT" and t.head.i == t.i for t in names):
        return None
    while i < top.i and (doc[i].pos_ in ("AUX", "ADV") or doc[i].is_space or doc[i].lower_ in _CLITICS):
        i += 1
    return names if i == top.i else None


#: negation and object clitics between a subject and its verb ("X l'a confirmé", "X ne les a pas")
_CLITICS = frozenset({"ne", "n'", "l'", "le", "la", "les", "lui", "leur", "y", "en", "se", "s'"})


def clause_opening_name(doc: Any) -> list[Any] | None:
    """The name opening ``doc`` (a clause before a colon) that the parser split from its verb."""
    root = next((t for t in doc if t.dep_ == "ROOT" and t.pos_ in ("VERB", "AUX")), None)
    return _split_root_name([root]) if root is not None else None

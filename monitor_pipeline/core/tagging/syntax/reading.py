"""Entry points of the parse reading: :func:`read_trigger` (agents, anaphor, status of one
trigger), :func:`speaker_agents` and :func:`main_subject_agents` (context sentences)."""
from __future__ import annotations

import re
from typing import Any, Iterable

from monitor_pipeline.core.tagging.status_cues import REVERSAL_STATUS as _REVERSAL_STATUS, sentence_status
from monitor_pipeline.core.tagging.syntax.agents import _find_agents
from monitor_pipeline.core.tagging.syntax.elided import _elided_name_number, _enumerated_chez
from monitor_pipeline.core.tagging.syntax.status import _clause_end, _LATER_REVERSAL, _negated, _status
from monitor_pipeline.core.tagging.syntax.subjects import _agent_from_nominal, _STAFF_BODIES, FIRST_WANTED, LATEST_WANTED
from monitor_pipeline.core.tagging.syntax.tokens import Agent, _children, TriggerReading
from monitor_pipeline.core.tagging.syntax.tree import _KNOWN_STARTS, trigger_token
from monitor_pipeline.core.tagging.syntax.words import COURTS, _DISMISSING, governor_status, PERSON_ROLES, PLAN_NOUNS, REPORTING


def _person_only(trig: Any) -> bool:
    """"le licenciement du directeur technique", "licencier son PDG": one person, no layoff."""
    for c in list(trig.children):
        if c.dep_.startswith(("nmod", "obj", "nsubj:pass")):  # "un cadre de X a été licencié"
            lem = c.lemma_.lower()
            number = c.morph.get("Number")
            # a number word as a determiner ("un cadre") is one person; a numeral modifier counts
            counted_ = any(n.like_num and n.dep_ != "det" for n in c.children)
            # ("un salarié sur cinq" is a share of the staff, not one person)
            share = any(n.dep_.startswith(("nmod", "obl")) and any(m.lower_ == "sur" for m in n.children) for n in c.children) \
                or c.i + 1 < len(c.doc) and c.doc[c.i + 1].lower_ == "sur"
            if lem in PERSON_ROLES and number != ["Plur"] and not counted_ and not share:
                return True
            # a plan (PSE, plan social, restructuration) is never one person's: "le PSE de X" names
            # a company even when the recognizer calls X a person
            collective = trig.lemma_.lower() in PLAN_NOUNS or trig.text in ("PSE", "RCC")
            dismissing = trig.lemma_.lower() in _DISMISSING
            if c.ent_type_ == "PER" and not counted_ and not collective and dismissing:
                return True
    return False


def _know_names(doc: Any, names: Iterable[tuple[int, int]]) -> None:
    """Mark the tokens of the known company names (sentence-relative spans) as names for this reading."""
    _KNOWN_STARTS.clear()
    for ns, ne in names:
        _KNOWN_STARTS.update(t.idx for t in doc if ns <= t.idx < ne)


def read_trigger(doc: Any, start: int, end: int, sentence: str, names: Iterable[tuple[int, int]] = ()) -> TriggerReading:
    """Read the trigger at ``[start, end)`` of the parsed ``doc`` (of ``neutralize_incises(sentence)``).

    ``names``: sentence-relative spans of known company names (their tokens count as names
    whatever their part-of-speech tag)."""
    LATEST_WANTED.clear()
    FIRST_WANTED.clear()
    _know_names(doc, names)
    trig = trigger_token(doc, start, end)
    if trig is None:
        return TriggerReading()
    first = next((t for t in doc if t.idx >= start and not t.is_space), None)
    agents, anaphor, path = _find_agents(trig, first if first is not None and first.i < trig.i else None, (start, end))
    clause_end = _clause_end(sentence, end)
    enum = _enumerated_chez(sentence, start, end, clause_end)
    if enum:
        agents, path = enum, "enumeration:chez"
    elided = _elided_name_number(sentence, end)
    if agents and elided:
        agents = agents + [a for a in elided if all(a.start != b.start for b in agents)]
        path += "+elided"
    status, status_path = _status(doc, trig, sentence)
    status, status_path = sentence_status(sentence, start, status, status_path)
    if status in ("announced", "planned", "executed", "hypothetical"):
        later = _LATER_REVERSAL.search(sentence, end)
        if later:
            status, status_path = _REVERSAL_STATUS[later.group("verb")[:4].lower()], f"later-clause:{later.group('verb')}"
    return TriggerReading(agents=agents, anaphor=anaphor and not agents, status=status, status_path=status_path,
                          person_only=_person_only(trig), path=path, latest=bool(LATEST_WANTED) and not agents,
                          first=bool(FIRST_WANTED) and not agents)


def speaker_agents(doc: Any, status: str) -> list[Agent]:
    """"Interrogé sur un éventuel plan social, CGI dément …": the subject of the word that gave a
    denial or negation, when the trigger itself has no agent."""
    for tok in doc:
        word_status = governor_status(tok)
        negated = status == "negated" and tok.pos_ in ("VERB", "AUX") and _negated(tok)
        if word_status == status or negated:
            # "Thales y oppose un démenti": the denial noun's verb has the speaker as subject
            holder = tok.head if tok.pos_ == "NOUN" and tok.dep_ == "obj" else tok
            for subj in _children(holder, "nsubj"):
                found, _ = _agent_from_nominal(subj, "speaker", ())
                if found:
                    return found
    # "…, le patron de X a assuré qu'elle n'était plus à l'ordre du jour": the reporting subject
    for root in (t for t in doc if t.dep_ == "ROOT" and t.lemma_.lower() in REPORTING):
        for subj in _children(root, "nsubj"):
            found, _ = _agent_from_nominal(subj, "speaker", ())
            if found:
                return found
    return []


def main_subject_agents(doc: Any, names: Iterable[tuple[int, int]] = ()) -> list[Agent]:
    """The company-like agents of the main clause's subject of ``doc`` (a sentence before an
    anaphor: "Udacity a été racheté par X. La plateforme …" → Udacity, not X). ``names`` as in
    :func:`read_trigger`."""
    _know_names(doc, names)
    for root in (t for t in doc if t.dep_ == "ROOT"):
        for subj in _children(root, "nsubj", "nsubj:pass"):
            found, _ = _agent_from_nominal(subj, "previous-subject", ())
            if found:
                return found[:1]
    return []


_YEAR = re.compile(r"(?:19|20)\d\d")


def governing_subject_agents(trig: Any, names: Iterable[tuple[int, int]] = ()) -> list[Agent]:
    """The company-like agents of the subject of the nearest verb above the trigger token ``trig``
    (the trigger itself when it is a verb), up to the root: "Cyclantis, jeune marque de vélos,
    programme le départ de 145 salariés" → Cyclantis. A passive subject is the jobs, never the agent."""
    _know_names(trig.doc, names)
    cur = trig
    for _ in range(5):
        for subj in _children(cur, "nsubj"):
            if subj.dep_ == "nsubj:pass":
                continue
            if subj.lemma_.lower() in COURTS or subj.lower_ in _STAFF_BODIES or subj.lower_.startswith(("syndicat", "cfe")):
                return []  # "le juge des référés de Créteil a suspendu …": a court or a union is never the one cutting
            found, _ = _agent_from_nominal(subj, "governing-subject", ())
            return found
        if cur.head.i == cur.i:
            break
        cur = cur.head
    return []


def one_person(trig: Any) -> bool:
    """A trigger that is no layoff of staff: one person's dismissal ("le licenciement du directeur", see
    _person_only; a singular participle with no count, "Licenciée par son employeur, l'ingénieure …"), or a
    federation's counted members ("avec 560 000 licenciés")."""
    if _person_only(trig):
        return True
    if trig.lower_ in ("licenciés", "licenciées") and trig.pos_ == "NOUN" and any(c.like_num for c in trig.children):
        return True  # "avec 560 000 licenciés, le handball …": a federation's members, no job
    return "Part" in trig.morph.get("VerbForm") and "Sing" in trig.morph.get("Number") \
        and not any(c.dep_.startswith("aux") for c in trig.children) and not any(c.like_num and not _YEAR.fullmatch(c.text) for c in trig.subtree)

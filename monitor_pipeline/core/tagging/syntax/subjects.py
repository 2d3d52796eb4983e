"""Agents from a nominal or a subject: names in a subject's subtree, relative pronouns and their
antecedent, "chez X", "ce dernier" / "le premier" / "celui-ci", names coordinated or in apposition
before a subject."""
from __future__ import annotations

from typing import Any, Iterable, Sequence

from monitor_pipeline.core.tagging.syntax.tokens import Agent, _case, _children
from monitor_pipeline.core.tagging.syntax.tree import (
    _board,
    _first_token,
    _headline_word,
    _is_description,
    _is_namey,
    _KNOWN_STARTS,
    _latest_name_before,
    _place_of_site,
    _span_of_subtree,
)
from monitor_pipeline.core.tagging.syntax.words import (
    _CITING_CASES,
    COURTS,
    HOME_TOWN_OF,
    _IMPERSONAL,
    PARENT_RELATIONS,
    PERSON_ROLES,
    PRONOUNS,
    RELATIVES,
)


#: unions and staff bodies, whose "de X" complement names the company
_STAFF_BODIES = frozenset({"cgt", "cfdt", "fo", "cfe-cgc", "cftc", "unsa", "sud", "solidaires", "cse", "ces", "intersyndicale"})


def _agent_from_nominal(tok: Any, path: str, skip: Iterable[int]) -> tuple[list[Agent], bool]:
    """Company-like spans in the nominal ``tok`` (a subject, agent or complement): the name itself,
    its conjuncts, "comme X, Y", "la direction de X". Returns (agents, is_anaphor)."""
    lemma = tok.lemma_.lower()
    if tok.pos_ == "PRON" and tok.lower_ in RELATIVES:
        return [], False  # resolved by the caller (antecedent)
    if tok.pos_ == "PRON" and (tok.lower_ in PRONOUNS or lemma in PRONOUNS):
        return [], True
    tokens = _span_of_subtree(tok, skip)
    # (not the place of a site: "son studio d'Halifax")
    names = [t for t in tokens if _is_namey(t) and _case(t) not in _CITING_CASES and not _place_of_site(t)]
    if len(names) > 1:  # "la CGT de X", "les élus du CSE de X": a union or staff body names its company
        names = [t for t in names if t.lower_ not in _STAFF_BODIES] or names
    if len(names) > 1:  # "les salariés de l'usine Bridgestone de Béthune": the place is no agent
        names = [t for t in names if not (t.ent_type_ == "LOC" and _case(t) in ("de", "d'", "à")
                                          and t.idx not in _KNOWN_STARTS)] or names
    if names and _is_description(tok) and lemma in HOME_TOWN_OF:
        # "le géant de Redmond", "la PME de Bonneuil": the home town of a company named earlier, not a name
        names = [t for t in names if not (t.head.i == tok.i and _case(t) in ("de", "d'") and t.ent_type_ != "ORG"
                                          and t.idx not in _KNOWN_STARTS and not _children(t, "flat", "appos"))]
    if names and _is_description(tok):
        # "le groupe d'Elon Musk", "la holding de Xavier Niel": a person owns the company named earlier
        owners = {t.i for t in names if t.head.i == tok.i and _case(t) in ("de", "d'") and _full_person_name(t)
                  and t.idx not in _KNOWN_STARTS}
        names = [t for t in names if t.i not in owners and not (t.dep_ == "flat:name" and t.head.i in owners)]
    agents = [Agent(t.idx, t.idx + len(t.text), path) for t in names]
    if agents:
        return agents, False
    if _is_description(tok):
        # "par le fabricant Solveo" with the name hung elsewhere: the name right after the description
        named = _name_after_description(tok)
        return ([Agent(named.idx, named.idx + len(named.text), path)], False) if named is not None else ([], True)
    # "son directeur général a confirmé …", "sa direction a annoncé …": the company of an earlier clause
    if (lemma in PERSON_ROLES or lemma in ("direction", "patron", "pdg", "management")) \
            and any(c.dep_ == "det" and c.lower_ in ("son", "sa", "ses", "leur", "leurs") for c in tok.children):
        return [], True
    # "les syndicats de l'entreprise de veille": the company is the described complement
    if any(_is_description(c) for c in tok.children if c.dep_.startswith("nmod") and _case(c) in ("de", "d'", "du")):
        return [], True
    return [], False


def _relative_antecedent(verb: Any) -> Any | None:
    """For a verb whose subject is a relative pronoun: the noun the relative clause hangs on."""
    cur = verb
    for _ in range(3):
        if cur.dep_ in ("acl:relcl", "acl", "dep") or cur.dep_.startswith("acl"):
            return cur.head
        if cur.dep_ in ("conj", "xcomp") and cur.head.i != cur.i:
            cur = cur.head
            continue
        break
    return verb.head if verb.head.i != verb.i else None


def _chez_agents(tok: Any, skip: Iterable[int]) -> list[Agent]:
    out = []
    for c in tok.children:
        if c.dep_.startswith(("obl", "nmod")) and _case(c) == "chez":
            out.extend(_agent_from_nominal(c, "chez", skip)[0])
    return out


def _cost_bearer_agents(gov: Any, skip: Iterable[int]) -> list[Agent]:
    """"La crise a coûté 320 emplois au négociant X", "pourrait coûter 1 200 postes à Y": the jobs are those of
    the company the cost falls on, not the subject's (a crisis, a failed merger). The parser may hang "au négociant
    X" on the jobs rather than on the verb."""
    if gov.lemma_.lower() != "coûter":
        return []
    for c in list(gov.children) + [g for o in _children(gov, "obj") for g in o.children]:
        if c.dep_.startswith(("obl", "iobj", "nmod")) and _case(c) in ("à", "au", "aux"):
            found = _agent_from_nominal(c, "cost-to", skip)[0]
            if found:
                return found
    return []


def _subject_agents(gov: Any, skip: set[int], chain: Sequence[Any], k: int) -> tuple[list[Agent], bool, bool]:
    """Agents named by ``gov``'s subjects: (agents, anaphor, a non-company subject was seen)."""
    agents: list[Agent] = []
    anaphor = other = False
    subjects = _children(gov, "nsubj", "nsubj:pass")
    # "Il va supprimer 200 postes": the parser reads a personal "il" as an impersonal subject
    if not subjects and gov.lemma_.lower() not in _IMPERSONAL and any(
            c.dep_.startswith("expl") and c.lower_ == "il" for c in gov.children):
        return [], True, False
    if not subjects and gov.pos_ in ("VERB", "AUX"):
        opener = _opening_name_child(gov)
        if opener is not None:  # "X n'a jamais envisagé …" with X hung on the verb as a modifier
            return [Agent(opener.idx, opener.idx + len(opener.text), "opening-name")], False, False
    # "Côté télécoms, SFR supprimera …": a headline word opening the sentence is no second subject
    if len(subjects) > 1:
        subjects = [x for x in subjects if not _headline_word(x)] or subjects
    # "Coupes chez les assureurs : AXA réduit …": a lead-in before a colon is no second subject
    colons = [c.i for c in gov.children if c.text == ":" and c.i < gov.i]
    if colons and any(x.i > max(colons) for x in subjects):
        subjects = [x for x in subjects if x.i > max(colons)]
    for subj in subjects:
        if subj.i in skip:
            continue
        if subj.pos_ == "PRON" and subj.lower_ in RELATIVES:
            ante = _relative_antecedent(gov)
            found: list[Agent] = []
            if ante is not None and ante.pos_ in ("VERB", "AUX"):
                found = _name_before(subj)  # a verb is no antecedent ("Mauvaise passe pour X, qui supprime …")
            if ante is not None and not found:
                found, ana = _agent_from_nominal(ante, "relative", {gov.i})
                if not found and ante.pos_ == "NOUN":  # "C'est X, la coopérative laitière, qui …": the name before
                    found = _name_in_apposition_before(ante)
                    ana = ana and not found
                anaphor = anaphor or ana
            if not found:
                found = _name_before(subj)
            agents.extend(found)
            continue
        if subj.lower_ in ("premier", "première") and any(c.lower_ in ("le", "la") for c in subj.children) \
                and not _children(subj, "nmod"):
            anaphor = True  # "Deezer et Spotify … Le premier supprime …": the first name before it
            FIRST_WANTED.add(subj.idx)
            continue
        demonstrative = subj.lower_ in ("celui", "celle") and subj.i + 2 < len(subj.doc) \
            and subj.doc[subj.i + 1].text in ("-", "-ci") and subj.doc[subj.i + 2].lower_ in ("ci", "là") \
            or subj.lower_ in ("celui-ci", "celle-ci")
        ordinal = subj.lower_ in ("second", "seconde", "deuxième") and any(c.lower_ in ("le", "la") for c in subj.children) \
            and not _children(subj, "nmod")
        if demonstrative or ordinal or subj.lower_ in ("dernier", "dernière") and any(c.lower_ in ("ce", "cette") for c in subj.children):
            # "celui-ci", "le second", "ce dernier": the last name before it
            latest = _latest_name_before(subj)  # "… à Ampere ; ce dernier y supprimera …"
            if latest is not None:
                agents.append(Agent(latest.idx, latest.idx + len(latest.text), "ce-dernier"))
            else:
                anaphor = True
                LATEST_WANTED.add(subj.idx)
            continue
        if subj.lower_ in ("c'", "ce") and _children(gov, "cop") and gov.pos_ in ("NOUN", "PROPN"):
            # the cleft "C'est la filiale belge de X qui …, avec 80 postes supprimés": the focused phrase
            found, ana = _agent_from_nominal(gov, "cleft", skip | {c.i for c in chain[:k]})
            agents.extend(found)
            anaphor = anaphor or ana
            continue
        if subj.lemma_.lower() in COURTS and not _board(subj):  # "le tribunal de commerce de Lyon": a court, never the company
            other = True
            continue
        found, ana = _agent_from_nominal(subj, "subject", skip | {c.i for c in chain[:k]})
        if found:
            found = _names_coordinated_before(subj) + found
        elif ana or subj.doc[max(t.i for t in _span_of_subtree(subj)) + 1:gov.i][:1].text == ",":
            # "X, l'éditeur du moteur, supprime", "X, son voisin parisien, taillait": the subject
            # between commas is an apposition to the name before it
            found = _name_in_apposition_before(subj)
            ana = ana and not found
        agents.extend(found)
        anaphor = anaphor or ana
        other = other or (not found and not ana)
    return agents, anaphor, other


#: "ce dernier" subjects with no name before them in the parsed clause (read by :func:`read_trigger`)
LATEST_WANTED: set[int] = set()
#: "le premier" subjects: the first name of the sentence before (read by :func:`read_trigger`)
FIRST_WANTED: set[int] = set()


def latest_name_agents(doc: Any) -> list[Agent]:
    """The last name-like token of ``doc`` (the text before "ce dernier"), as an agent."""
    if len(doc) == 0:
        return []
    t = _latest_name_before(doc[len(doc) - 1]) if not doc[len(doc) - 1].text[:1].isupper() else doc[len(doc) - 1]
    return [Agent(t.idx, t.idx + len(t.text), "ce-dernier")] if t is not None else []


def _names_coordinated_before(subj: Any) -> list[Agent]:
    """"Indeed et Glassdoor vont …" parsed with Glassdoor alone as subject: the names coordinated
    right before the subject phrase are subjects too."""
    doc = subj.doc
    out: list[Agent] = []
    i = _first_token(subj).i - 1
    while i >= 1 and doc[i].lower_ in ("et", "ou", ",") and _is_namey(doc[i - 1]) and doc[i - 1].dep_ != "nsubj":
        name = doc[i - 1]
        out.insert(0, Agent(name.idx, name.idx + len(name.text), "coordinated-before"))
        i -= 2
    return out


def _name_in_apposition_before(subj: Any) -> list[Agent]:
    """"Unity, l'éditeur du moteur de jeu, supprime …": the description subject is an apposition
    to the name right before it."""
    doc = subj.doc
    i = _first_token(subj).i - 1
    while i >= 0 and doc[i].is_space:
        i -= 1
    if i >= 1 and doc[i].text == "," and _is_namey(doc[i - 1]):
        name = doc[i - 1]
        return [Agent(name.idx, name.idx + len(name.text), "apposition")]
    return []


def _name_before(relative: Any) -> list[Agent]:
    """"…, présenté par Vencorex, qui supprime …": the name right before a relative pronoun (the
    parser often hangs the clause on a farther noun)."""
    doc = relative.doc
    i = relative.i - 1
    while i >= 0 and (doc[i].is_punct or doc[i].is_space):
        i -= 1
    if i >= 0 and _is_namey(doc[i]):
        return [Agent(doc[i].idx, doc[i].idx + len(doc[i].text), "relative-adjacent")]
    return []


def _name_after_description(tok: Any) -> Any | None:
    """The capitalized name right after a description ("le fabricant (lyonnais) (de jouets) X"), when
    the parser hung it elsewhere."""
    doc = tok.doc
    for t in doc[tok.i + 1:tok.i + 5]:
        if t.text[:1].isupper():
            if t.i == tok.i + 2 and doc[tok.i + 1].lower_ in ("de", "d'") and t.ent_type_ != "ORG" and t.idx not in _KNOWN_STARTS \
                    and tok.lemma_.lower() in HOME_TOWN_OF:
                return None  # "le géant de Redmond": a home town
            if doc[t.i - 1].lower_ in ("de", "d'") and _full_person_name(t) and t.idx not in _KNOWN_STARTS:
                return None  # "le groupe d'Elon Musk": its owner
            return t if _is_namey(t) and t.pos_ in ("PROPN", "X", "NOUN") else None
        if not (t.pos_ in ("ADJ", "NOUN") or t.lower_ in ("de", "d'", "des", "du")):
            return None
    return None


#: words that may stand between a subject and its verb
_BETWEEN_SUBJECT_AND_VERB = frozenset({"ne", "n'", "l'", "le", "la", "les", "lui", "leur", "y", "en", "se", "s'"})


def _opening_name_child(gov: Any) -> Any | None:
    """The capitalized name opening the sentence that the parser hung on ``gov`` as a modifier
    ("Kaporal n'a jamais envisagé …": advmod), when only auxiliaries, adverbs and clitics stand
    between it and the verb."""
    doc = gov.doc
    first = next((t for t in doc if not t.is_space), None)
    if first is None or first.head.i != gov.i or first.i >= gov.i or first.dep_ not in ("advmod", "dep", "obl", "obl:mod", "nmod", "appos"):
        return None
    if not (first.text[:1].isupper() and first.pos_ in ("PROPN", "X", "NOUN") and _is_namey(first)) or _children(first, "det"):
        return None
    if any(not (t.pos_ in ("AUX", "ADV") or t.lower_ in _BETWEEN_SUBJECT_AND_VERB or t.is_space) for t in doc[first.i + 1:gov.i]):
        return None
    return first


def _full_person_name(tok: Any) -> bool:
    """A first and last name the recognizer calls a person ("Elon Musk"): a one-word PER is often a
    company the recognizer mislabels, a two-word one seldom is."""
    return tok.ent_type_ == "PER" and (tok.i + 1 < len(tok.doc) and tok.doc[tok.i + 1].ent_type_ == "PER"
                                       and tok.doc[tok.i + 1].ent_iob_ == "I")

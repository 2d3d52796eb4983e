"""Walking the parse: the trigger's head and its governors, name-like tokens, subtrees without
relative clauses, definite descriptions, places of a site, names after a description."""
from __future__ import annotations

from typing import Any, Iterable

from monitor_pipeline.core.tagging.syntax.tokens import _camel_case, _case, _children, _colon_between
from monitor_pipeline.core.tagging.syntax.words import (
    BOARD_WORDS,
    COURTS,
    JUDGES,
    STAFF_AND_AUTHORITIES,
    _CLIMB_DEPS,
    DESCRIPTIONS,
    HOME_TOWN_OF,
    PARENT_RELATIONS,
    PERSON_ROLES,
    PERSONAL_PRONOUNS,
    PLAN_NOUNS,
    SITE_NOUNS,
)


def trigger_token(doc: Any, start: int, end: int) -> Any | None:
    """The syntactic head of the trigger span ``[start, end)`` (its token whose head is outside)."""
    tokens = [t for t in doc if t.idx < end and t.idx + len(t.text) > start and not t.is_space]
    if not tokens:
        return None
    inside = {t.i for t in tokens}
    heads = [t for t in tokens if t.head.i not in inside or t.head.i == t.i]
    # a span the parser split ("300 postes, dont …, seront supprimés" with "postes" hung on an
    # adverb before it): its verb heads the statement
    # (not across a colon: "une réorganisation … : 260 collaborateurs sont concernés" is the plan's)
    head = heads[0] if heads else tokens[0]
    # (not the verb of a relative inside the span: "la fermeture de 12 magasins, qui menaçait 180 emplois")
    head = next((t for t in heads if t.pos_ == "VERB" and not _colon_between(head, t)
                 and not (t.i > head.i and any(c.lower_ == "qui" and c.dep_.startswith("nsubj") for c in t.children))), head)
    # "Ce sont 310 postes que X va supprimer": the relative's verb states the cut
    relative = next((c for c in head.children if c.dep_ == "acl:relcl" and c.i in inside and c.pos_ in ("VERB", "AUX")
                     and any(r.lower_ in ("que", "qu'") for r in c.subtree)), None) if head.pos_ == "NOUN" else None
    head = relative if relative is not None else head
    if head.pos_ == "VERB" and head.lemma_.lower() not in _CUTTING_VERBS | {"aller", "être", "avoir"}:
        # "… que X a décidé de supprimer": the cutting verb the governor heads
        return next((t for t in head.subtree if t.i in inside and t.lemma_.lower() in _CUTTING_VERBS), head)
    return head


_CUTTING_VERBS = frozenset({"supprimer", "licencier"})


def _chain(token: Any, limit: int = 6) -> list[Any]:
    """The trigger and its governors up to the clause that states it."""
    out = [token]
    cur = token
    for _ in range(limit):
        if cur.head.i == cur.i or cur.dep_ not in _CLIMB_DEPS and not cur.dep_.startswith(("obl", "nmod", "acl")):
            break
        if cur.dep_ in ("advcl", "parataxis"):
            break
        # (a relative hung on the plan's company describes the plan: "la réorganisation du Printemps, qui devait …")
        if cur.dep_ == "acl:relcl" and cur.head.lemma_.lower() not in PLAN_NOUNS \
                and not (cur.head.dep_.startswith("nmod") and cur.head.head.lemma_.lower() in PLAN_NOUNS
                         and cur.head.text[:1].isupper()):
            plan = _plan_above(cur.head)
            antecedent = _written_antecedent(cur)
            if antecedent is not None and antecedent.i != cur.head.i:
                # the parser hung the relative on the verb: "a renoncé au projet qui aurait supprimé …"
                plan = antecedent if antecedent.lemma_.lower() in _PLANNED_OPERATIONS else _plan_above(antecedent) or plan
            if plan is None:
                break  # "les entreprises qui licencient … risquent": the relative clause is its own statement
            # "la réorganisation de ses activités de conseil, qui devait s'accompagner de 350 suppressions",
            # "son projet de passer 24 magasins en location-gérance, qui devait entraîner 700 départs": the
            # relative, hung on the plan's last complement, describes the plan
            out.append(cur.head)
            cur = plan
            out.append(cur)
            continue
        if cur.dep_ == "conj" and _colon_between(cur.head, cur):
            break  # "Les ventes ont déçu : X va réduire …": a clause after a colon is its own statement
        if cur.dep_ == "conj" and cur.pos_ in ("VERB", "AUX") and _children(cur, "nsubj", "nsubj:pass") \
                and cur.head.pos_ in ("VERB", "AUX") and _children(cur.head, "nsubj", "nsubj:pass"):
            break  # "Y gèle ses embauches, et X prépare un plan": each clause has its own subject
        cur = cur.head
        out.append(cur)
        if cur.dep_ in ("advcl", "parataxis", "ROOT"):
            break
    return out


#: nouns of a plan or of the operation it carries, that a relative clause on their complement may describe
_PLANNED_OPERATIONS = PLAN_NOUNS | {"fermeture", "arrêt", "transfert", "délocalisation", "externalisation", "cession"}


def _written_antecedent(relative: Any) -> Any | None:
    """The noun written right before the relative pronoun of the clause ``relative`` (a comma between
    allowed), whatever the parser hung the clause on."""
    pronoun = next((c for c in relative.children if c.lower_ in ("qui", "que", "qu'", "dont") and c.i < relative.i), None)
    if pronoun is None or pronoun.i == 0:
        return None
    before = pronoun.doc[pronoun.i - 1]
    if before.text == "," and before.i > 0:
        before = before.doc[before.i - 1]
    return before if before.pos_ == "NOUN" else None


def _plan_above(noun: Any, limit: int = 4) -> Any | None:
    """The plan noun that ``noun`` completes, through complements and an infinitive ("la réorganisation de
    ses activités de conseil", "son projet de passer 24 magasins en location-gérance"), else None."""
    cur = noun
    for _ in range(limit):
        if cur.dep_ not in ("nmod", "obj", "obl", "obl:arg", "acl", "xcomp") or cur.head.i == cur.i:
            return None
        cur = cur.head
        if cur.pos_ == "NOUN" and cur.lemma_.lower() in _PLANNED_OPERATIONS:
            return cur
        if cur.pos_ in ("VERB", "AUX") and "Fin" in cur.morph.get("VerbForm"):
            return None  # a finite verb: another statement
    return None


#: character offsets of the tokens the caller knows to be company names (set per sentence)
_KNOWN_STARTS: set[int] = set()


def _is_namey(tok: Any) -> bool:
    """Could ``tok`` be (part of) a company name? Known names always; else a capitalized token that
    is a proper noun, or that the entity recognizer or the vocabulary sets apart (the tagger calls
    "Voltaris" an auxiliary in the future tense)."""
    if tok.idx in _KNOWN_STARTS:
        return True
    if tok.lower_ in PERSONAL_PRONOUNS:
        return False  # "« Nous ne supprimerons aucun poste »"
    if tok.lower_ in PERSON_ROLES and tok.text.isupper() or tok.lower_ in ("cdd", "cdi", "pse", "rcc"):
        return False  # "Le PDG d'Arvalis", "le DG": a role, whose complement names the company
    if tok.text.isupper() and tok.lower_ in DESCRIPTIONS and _children(tok, "det"):
        return False  # "la PME lyonnaise", "l'ESN": a description, not a name
    if tok.text[:1].islower() and len(tok.text) > 2 and tok.text[1:2].isupper() and tok.is_alpha:
        return True  # "iAdvize", "eBay": an inner capital is a name's mark
    if _camel_case(tok.text):
        return True  # "BforBank", "JobTeaser", wherever they stand and whatever their tag
    if not tok.text[:1].isupper() or tok.pos_ in ("PUNCT", "DET", "ADP", "CCONJ", "SCONJ", "NUM", "SPACE"):
        return False
    if tok.i == 0:  # a capital is no evidence at the start: the entity recognizer or the vocabulary must agree
        # a verb has no subject function: "Meta a supprimé", tagged VERB but parsed nsubj, is a name
        # (a word out of the vocabulary tagged as a pronoun is no French pronoun: "Dalmor annonce …")
        if tok.pos_ == "ADV" or tok.pos_ == "PRON" and not (tok.is_oov and tok.is_alpha and len(tok.text) > 3) \
                or tok.pos_ == "VERB" and not tok.dep_.startswith("nsubj"):
            return False
        # a French common noun needs a determiner: "Block a licencié", without one, is a name
        bare = tok.pos_ in ("PROPN", "NOUN", "X", "ADJ", "VERB") and not _children(tok, "det") and "Plur" not in tok.morph.get("Number")
        return tok.ent_type_ in ("ORG", "MISC", "PER") or tok.is_oov or bare and (
            tok.pos_ in ("PROPN", "X") or tok.dep_.startswith("nsubj"))
    if tok.pos_ in ("PROPN", "X") or tok.ent_type_ in ("ORG", "MISC", "PER") or tok.is_oov:
        return True
    return tok.pos_ in ("NOUN", "ADJ", "PRON")


def _span_of_subtree(tok: Any, skip: Iterable[int] = ()) -> list[Any]:
    """Tokens of ``tok``'s subtree, without relative clauses and the ``skip`` subtrees."""
    skip = set(skip)
    out = []
    stack = [tok]
    while stack:
        t = stack.pop()
        if t.i in skip:
            continue
        out.append(t)
        for c in t.children:
            if c.dep_ in ("acl:relcl", "acl", "advcl", "parataxis", "punct") and c.i != tok.i:
                continue
            if (c.dep_ == "appos" or c.dep_.startswith("nmod") and _case(c) == "") and c.lemma_.lower() in PARENT_RELATIONS:
                continue  # "Leasecom, filiale du Crédit Mutuel Arkéa": the parent is not the one cutting
            # (a "de X" complement of a role names an employer: "les salariés de X")
            if c.dep_ in ("appos", "flat:name", "nmod") and t.lemma_.lower() in PERSON_ROLES and c.ent_type_ == "PER" \
                    and not (c.dep_ == "nmod" and _case(c) in ("de", "d'", "du", "chez")) \
                    or c.dep_ == "appos" and t.lemma_.lower() in PERSON_ROLES and _case(c) == "":
                continue  # "le PDG d'Intuit, Sasan Goodarzi": the person in apposition is not a company
            stack.append(c)
    return sorted(out, key=lambda x: x.i)


def _headline_word(tok: Any) -> bool:
    """A common word opening the sentence and followed by a small word ("Côté télécoms,", "Coupes dans …")."""
    doc = tok.doc
    first = next((t for t in doc if not t.is_space), doc[0])
    return tok.i == first.i and tok.pos_ in ("NOUN", "ADP", "ADV", "ADJ") and tok.idx not in _KNOWN_STARTS \
        and tok.ent_type_ != "ORG" and tok.i + 1 < len(doc) and doc[tok.i + 1].text[:1].islower() \
        and doc[tok.i + 1].pos_ not in ("AUX", "VERB")


def _is_description(tok: Any) -> bool:
    """A definite noun phrase standing for a company named earlier ("le groupe", "la plateforme")."""
    det = [c for c in tok.children if c.dep_ == "det"]
    definite = any(c.lower_ in ("le", "la", "l'", "les", "ce", "cette", "ces", "du", "des") for c in det) or \
        any(c.lower_ in ("du", "au") for c in tok.children if c.dep_ == "case")
    # a plural ("les banques européennes") is a class of companies, not one named earlier
    return definite and "Plur" not in tok.morph.get("Number") and (tok.lemma_.lower() in DESCRIPTIONS
                                                                   or tok.lower_ in DESCRIPTIONS)


def _latest_name_before(tok: Any) -> Any | None:
    """The last name-like token before ``tok`` (not sentence-initial): what "ce dernier" points at."""
    doc = tok.doc
    for i in range(tok.i - 1, 0, -1):
        t = doc[i]
        if t.text[:1].isupper() and _is_namey(t) and not _place_of_site(t) and not t.is_sent_start:
            return t
    return None


def _first_token(tok: Any) -> Any:
    return tok.doc[min(t.i for t in _span_of_subtree(tok))]


def _place_of_site(tok: Any) -> bool:
    return tok.head.lemma_.lower() in SITE_NOUNS and _case(tok) in ("de", "d'") and tok.idx not in _KNOWN_STARTS \
        and tok.ent_type_ == "LOC"


def _bare_capitalized(tok: Any) -> bool:
    """A sentence-initial singular noun without a determiner: in French, a name ("Ornikar taille …")."""
    if _camel_case(tok.text):
        return True
    return tok.text[:1].isupper() and tok.pos_ in ("NOUN", "PROPN", "X") and not _children(tok, "det") \
        and "Plur" not in tok.morph.get("Number") and tok.is_alpha


def _described_name(doc: Any, i: int) -> bool:
    """Is the name ending at token ``i`` preceded by a description that opens its clause ("Le
    fabricant de batteries", "La plateforme de traduction", "Le spécialiste des objets connectés")?"""
    j = i
    while j > 0 and doc[j - 1].text[:1].isupper() and _is_namey(doc[j - 1]) and not doc[j - 1].is_sent_start:
        j -= 1
    for k in range(j - 1, max(-1, j - 8), -1):
        t = doc[k]
        if t.is_punct or not t.is_alpha and t.text not in ("-",) and "-" not in t.text:
            return False
        if t.lemma_.lower() in DESCRIPTIONS or t.lower_ in DESCRIPTIONS:
            if k == j - 2 and j == i and doc[j - 1].lower_ in ("de", "d'") and t.lemma_.lower() in HOME_TOWN_OF \
                    and doc[i].idx not in _KNOWN_STARTS and doc[i].ent_type_ != "ORG":
                return False  # "Le géant de Redmond supprime …": a home town, the company is named before
            before = doc[k - 1] if k >= 1 else None
            if before is None or before.pos_ != "DET" and before.lower_ not in ("l'", "le", "la", "les"):
                return False
            opener = doc[k - 2] if k >= 2 else None
            return opener is None or opener.is_punct or opener.is_space
        if t.text[:1].isupper() or t.pos_ in ("VERB", "AUX"):
            return False
    return False


def _board(tok: Any) -> bool:
    """"le conseil d'administration / de surveillance": a company's board, not a court."""
    return tok.lemma_.lower() == "conseil" and any(c.lemma_.lower() in ("administration", "surveillance")
                                                   for c in tok.children if c.dep_.startswith("nmod"))


def _own_decision(gov: Any) -> bool:
    """Is the subject (or passive agent) of ``gov`` the company itself or its own board ("X a
    annulé", "le groupe a retiré", "les administrateurs ont rejeté"), not a court, a union, the
    staff or an authority?"""
    deciders = _children(gov, "nsubj") or [a for a in _children(gov, "obl:agent")]
    if not deciders or any(s.lower_ == "qui" for s in deciders):
        return False
    s = deciders[0]
    lem = s.lemma_.lower()
    if _board(s) or lem in BOARD_WORDS:
        return True
    if lem in JUDGES or lem in COURTS or lem in STAFF_AND_AUTHORITIES or s.lower_ in STAFF_AND_AUTHORITIES:
        return False
    return _is_description(s) or s.lower_ in ("il", "elle") or _is_namey(s) and s.text[:1].isupper()

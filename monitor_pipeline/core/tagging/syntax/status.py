"""The status of a trigger from its governors: denial, negation, question, conditional, "si",
courts, "contre", postponing / contesting / abandoning / planning / announcing governors, future,
past; reversals in a later clause or in the next sentence."""
from __future__ import annotations

import re
from typing import Any, Sequence

from monitor_pipeline.core.tagging.status_cues import NEXT_SENTENCE_DENIAL, REVERSAL_STATUS as _REVERSAL_STATUS
from monitor_pipeline.core.tagging.syntax.tokens import _case, _children
from monitor_pipeline.core.tagging.syntax.tree import _chain, _own_decision
from monitor_pipeline.core.tagging.syntax.words import (
    OWN_CANCELLING,
    COURTS,
    governor_status,
    JUDGES,
    NEGATORS,
    NON_RENEWAL,
    _POSSIBILITY_MODIFIERS,
    REPORTING,
)


#: negators that negate only beside "ne": "plus de 10 %" is a quantity, "ne … plus" a negation
_NE_BOUND_NEGATORS = frozenset({"plus", "point", "guère"})
#: pronouns that negate beside "ne" whatever their function: "ne licenciera personne", "ne change rien"
_NE_BOUND_PRONOUNS = frozenset({"personne", "rien"})


def _negated(tok: Any) -> bool:
    has_ne = any(c.lower_ in ("ne", "n'") for c in tok.children)
    for c in tok.children:
        if c.lower_ in _NE_BOUND_NEGATORS and not has_ne:
            continue
        if c.lower_ in _NE_BOUND_PRONOUNS and has_ne and c.i > tok.i:
            return True
        if c.dep_ in ("advmod", "det", "case", "cc") and c.lower_ in NEGATORS | {"sans", "ni"} \
                or c.dep_ == "mark" and c.lower_ == "sans":  # "…, sans pour autant engager de plan social"
            if c.lower_ == "pas" and c.i + 1 < len(c.doc) and c.doc[c.i + 1].lower_ == "moins":
                continue  # "n'en a pas moins licencié", "ne supprime pas moins de 300 postes": affirmative
            if c.lower_ == "pas" and c.i > 0 and c.doc[c.i - 1].lower_ in ("le", "un", "ce", "du", "son", "premier"):
                continue  # "emboîte le pas à", "franchit le pas": the noun, a step
            return True
        if c.dep_ == "det" and c.lemma_.lower() in ("aucun", "aucune", "nul"):
            return True
        if c.dep_.startswith("nsubj") and c.lower_ in ("aucun", "aucune", "personne", "nul") and has_ne:
            return True  # "Aucun des 320 téléconseillers ne sera licencié"
    return False


def _restrictive(tok: Any) -> bool:
    """"ne … que" is a restriction, not a negation. Its "que" follows the verb; a "que" before it
    is the complementizer of a reported clause ("assure que le groupe ne prévoit pas …")."""
    return any(c.lower_ in ("que", "qu'") and c.dep_ in ("advmod", "mark", "fixed") and c.i > tok.i
               for c in tok.children)


def _status(doc: Any, trig: Any, sentence: str) -> tuple[str, str]:
    chain = _chain(trig)
    # "X gèle ses embauches et supprime 70 postes": a finite verb coordinated with the one before shares
    # its subject, not its status (an infinitive conjunct does: "va réduire … et supprimer")
    for idx, c in enumerate(chain):
        if c.dep_ == "conj" and c.pos_ in ("VERB", "AUX") and c.head.pos_ in ("VERB", "AUX") \
                and ("Fin" in c.morph.get("VerbForm") or _children(c, "aux", "aux:tense")) \
                and any(x.dep_ == "cc" and x.lower_ in ("et", "puis") for x in c.children) \
                and not _children(c, "nsubj", "nsubj:pass") and not _children(c.head, "mark"):
            chain = chain[:idx + 1]
            break
    # "Le PSE de X visant 210 salariés a été annulé …" parsed with the participle as the root and the
    # real predicate as its conjunct: the conjunct governs, the participle only describes
    chain = [c for g in chain for c in ([x for x in _children(g, "conj") if x.pos_ == "VERB"] or [g]
                                        if g.i != trig.i and _present_participle(g) else [g])]
    text = sentence.rstrip()
    # the whole chain, plus the objects/auxiliaries hanging on it
    for gov in chain:
        lem = gov.lemma_.lower()
        if governor_status(gov) == "denied":
            return "denied", f"governor:{lem}"
        # "rejette / balaie / conteste les informations (de presse) évoquant …": the company denies the report
        if lem in _DENYING_REPORTS and any(o.lemma_.lower() in _REPORTS for o in _children(gov, "obj")) \
                and not any(s.lemma_.lower() in JUDGES | COURTS for s in _children(gov, "nsubj")):
            return "denied", f"denies-report:{lem}"
    for gov in chain:
        lem = gov.lemma_.lower()
        if lem.startswith(NON_RENEWAL) or gov.lower_.startswith(NON_RENEWAL):
            continue  # "ne renouvellera pas les contrats de 25 pigistes": the negation is the trigger
        if _negated(gov) and not _restrictive(gov):
            # "n'exclut pas", "n'écarte pas", "ne ferme pas la porte à": a possibility left open
            if lem in ("exclure", "écarter") or gov.lower_.startswith("ferm") and any(c.lemma_.lower() == "porte" for c in gov.children):
                return "hypothetical", f"n'exclut pas@{lem}"
            if lem in ("cacher",):
                continue
            return "negated", f"negation@{gov.lemma_}"
    if not trig.lower_.startswith(NON_RENEWAL) and (
            _negated(trig) or any(_negated(c) for c in _children(trig, "obj", "obl:arg", "nsubj:pass"))):
        return "negated", "negation@trigger"
    if _NEGATED_BEFORE.search(sentence[max(0, trig.idx - 30):_first_of(trig).idx]) and not trig.lower_.startswith(NON_RENEWAL):
        return "negated", "negation-before-trigger"
    if text.endswith("?"):
        return "hypothetical", "question"
    if re.match(r"\s*ou\s+non\b", sentence[trig.idx + len(trig.text):]) or re.search(r"\bou\s+non\s*$", sentence[:trig.idx]):
        return "hypothetical", "ou-non"  # "décider de supprimer ou non 500 postes": undecided
    # reported future: "a annoncé que X licencierait 500 personnes" is a plan, not a hypothesis
    if trig.pos_ == "VERB" and trig.lower_.endswith(("rait", "raient")) and (
            trig.dep_ == "ccomp" and trig.head.lemma_.lower() in REPORTING
            and _past(trig.head, _children(trig.head, "aux", "aux:tense"))
            or _REPORTED_PAST_BEFORE.search(sentence[max(0, trig.idx - 60):trig.idx])):
        return "planned", "reported-future"
    # "Les 210 postes que X comptait supprimer sont finalement maintenus / sauvés": the jobs themselves are kept
    # (read from the words: the parser often makes the jobs the subject of the relative's verb)
    if any(m.start() <= trig.idx < m.end() for m in _KEPT_RELATIVE.finditer(sentence)):
        return "negated", "jobs-kept"
    # "a repoussé / suspendu / renoncé à la réorganisation …, qui devait (aurait) supprimer …": the verb above the
    # plan a relative clause describes decides, not the relative's own mood
    above = next((i for i, c in enumerate(chain) if c.dep_ == "acl:relcl"), None)
    for gov in chain[above + 1:] if above is not None else []:
        st = governor_status(gov)
        if st in ("postponed", "contested", "negated"):
            if _court_decides(gov):
                return "contested", f"court-above-relative@{gov.lemma_}"
            return st, f"above-relative:{gov.lemma_.lower()}"
    for gov in chain:
        if _conditional(gov) or any(_conditional(a) for a in _children(gov, "aux")):
            return "hypothetical", f"conditional@{gov.lemma_}"
        if any(c.lower_ == "si" and c.dep_ == "mark" for c in gov.children):
            return "hypothetical", f"si@{gov.lemma_}"
        # a condition clause hanging on the governor: "Si la vente échoue, X devra licencier"
        if any(c.dep_ == "advcl" and any(m.lower_ == "si" and m.dep_ == "mark" for m in c.children)
               for c in gov.children):
            return "hypothetical", f"si-clause@{gov.lemma_}"
        if gov.pos_ in ("NOUN", "PROPN") and any(c.dep_ == "amod" and c.lower_ in _POSSIBILITY_MODIFIERS
                                                 for c in gov.children):
            return "hypothetical", f"possibility@{gov.lemma_}"
    # "les prud'hommes ont estimé que X avait licencié …": a court judging the layoff
    for gov in chain[1:]:
        # "le conseil de prud'hommes", "la cour d'appel": the court may be the subject's complement,
        # or the passive agent ("… a été annulé par le tribunal")
        if any(s.lemma_.lower() in JUDGES or s.lower_ in JUDGES
               or s.lemma_.lower() in COURTS and any(c.lower_ in JUDGES for c in _children(s, "nmod"))
               for s in _children(gov, "nsubj", "obl:agent")) \
                and governor_status(gov) not in ("planned", "announced"):
            return "contested", f"court@{gov.lemma_}"
    # "en grève contre le plan", "une pétition contre les suppressions"
    if any(_case(g) == "contre" for g in chain[:2]):
        return "contested", "contre"
    for gov in chain[1:] + [trig]:
        lem = gov.lemma_.lower()
        st = governor_status(gov)
        if st in ("postponed", "contested", "negated", "hypothetical"):
            if st == "postponed" and _court_decides(gov):
                return "contested", f"court@{lem}"
            if st == "contested" and lem in OWN_CANCELLING and _own_decision(gov):
                return "negated", f"own-decision:{lem}"  # "X a annulé son plan", "le conseil d'administration a rejeté"
            if st == "hypothetical" and lem == "pouvoir" and "Cnd" not in gov.morph.get("Mood"):
                continue  # "peut" in the indicative: keep looking
            return st, f"governor:{lem}"
    for gov in chain:
        lem = gov.lemma_.lower()
        auxes = _children(gov, "aux")
        if gov.i != trig.i:
            st = governor_status(gov)
            if lem == "aller" and gov.pos_ in ("VERB", "AUX"):
                return "planned", "aller+inf"
            if st in ("planned", "announced"):
                return st, f"governor:{lem}"
            if st == "executed" and _past(gov, auxes):
                return "executed", f"governor-past:{lem}"
        elif lem == "aller" and _children(gov, "xcomp"):
            return "planned", "aller+inf"  # "300 postes vont être supprimés": the trigger span's head is "vont"
        if any(a.lemma_ == "aller" for a in auxes) or _future(gov) and gov.pos_ in ("VERB", "AUX") \
                or any(_future(a) for a in auxes):
            return "planned", f"future@{gov.lemma_}"
        if gov.pos_ in ("VERB", "AUX") and _past(gov, auxes):
            return "executed", f"past@{gov.lemma_}"
        if gov.pos_ == "VERB" and "Pres" in gov.morph.get("Tense") and gov.i == trig.i:
            if _PERFECT_AUX_BEFORE.search(sentence, max(0, trig.idx - 40), trig.idx):
                return "executed", "perfect-aux-before"  # "ont toutes réduit", read as a present
            return "announced", "present@trigger"
    if _PERFECT_AUX_BEFORE.search(sentence, max(0, trig.idx - 40), trig.idx):
        return "executed", "perfect-aux-before"
    return "announced", "default"


#: a perfect auxiliary a quantifier or an adverb parts from its participle: "ont tous sabré", "a déjà licencié"
_PERFECT_AUX_BEFORE = re.compile(
    r"\b(?:a|ont|avait|avaient|eut|eurent)\s+(?:(?:tous|toutes|tout|déjà|aussi|également|encore|ainsi|donc|bien|"
    r"discrètement|massivement|largement|fortement|elles-mêmes|eux-mêmes|eux\s+aussi|elles\s+aussi)\s+){1,2}$",
    re.IGNORECASE)


#: "a annoncé que X licencierait": a past reporting verb and its "que" right before the trigger's clause
_REPORTED_PAST_BEFORE = re.compile(
    r"\b(?:a|ont|avait|avaient)\s+(?:annoncé|indiqué|confirmé|précisé|affirmé|déclaré|expliqué|assuré|fait\s+savoir)"
    r"\s+qu(?:e\s+|')[^,;:.]{0,40}$", re.IGNORECASE)
#: "Pas de licenciements", "aucune suppression", "zéro départ", "Pas question de supprimer" before the trigger
#: (not "ont le plus licencié", "de plus": a superlative, an addition)
_NEGATED_BEFORE = re.compile(r"(?:^|[\s«(,;:])(?:pas|(?<!\ble\s)(?<!\bla\s)(?<!\bles\s)(?<!\bau\s)(?<!\bde\s)plus|"
                             r"aucune?|zéro|jamais|ni)\s+(?:question\s+(?:pour\s+[^,;:]{1,40}?\s+)?)?(?:de\s+|d')?"
                             r"(?:nouveaux?\s+|nouvelles?\s+)?$", re.IGNORECASE)


#: jobs kept after all: "les 92 postes que X comptait supprimer sont finalement maintenus"
_KEPT_RELATIVE = re.compile(
    r"\b(?:postes|emplois|licenciements|suppressions(?:\s+de\s+postes)?|départs)\s+(?:que|qu')[^.;:!?]{0,90}?\s"
    r"(?:sont|seront|ont\s+été|ont\s+finalement\s+été)\s+(?:finalement\s+|donc\s+|bel\s+et\s+bien\s+|tous\s+)?"
    r"(?:maintenus|sauvés|préservés|épargnés|sauvegardés|abandonnés|annulés)\b", re.IGNORECASE)
#: verbs that deny a report when their object is the report itself
_DENYING_REPORTS = frozenset({"rejeter", "balayer", "contester", "démentir", "réfuter", "récuser", "nier"})
_REPORTS = frozenset({"information", "rumeur", "article", "chiffre", "spéculation", "allégation", "révélation", "affirmation"})


def _present_participle(tok: Any) -> bool:
    return tok.pos_ == "VERB" and "Part" in tok.morph.get("VerbForm") and "Pres" in tok.morph.get("Tense")


def _first_of(trig: Any) -> Any:
    """The first token of the trigger's own phrase (its determiner and modifiers excluded)."""
    return trig


def _future(verb: Any) -> bool:
    """Future tense, from the morphology when the form agrees (the tagger calls "supprime" a future
    after an unknown name)."""
    return "Fut" in verb.morph.get("Tense") and verb.lower_.endswith(("ra", "ras", "rai", "rons", "rez", "ront"))


def _conditional(verb: Any) -> bool:
    """Conditional mood, from the morphology or from the form (the tagger reads "s'apprêterait"
    or "licencierait" as an imperfect)."""
    if "Cnd" in verb.morph.get("Mood"):
        return True
    return verb.pos_ in ("VERB", "AUX") and verb.lower_.endswith(("rait", "raient")) and len(verb.text) > 6


#: participles that describe a state after "être" in the present ("sont concernés"), not a past event
_STATE_PARTICIPLES = frozenset({"concerner", "toucher", "viser", "affecter", "impacter", "menacer",
                                # "X est contraint / obligé / forcé de licencier": a present constraint
                                "contraindre", "obliger", "forcer"})


def _past(verb: Any, auxes: Sequence[Any]) -> bool:
    if verb.lemma_.lower() in _STATE_PARTICIPLES and all(a.lemma_ == "être" and "Pres" in a.morph.get("Tense")
                                                         for a in auxes):
        return False
    if verb.morph.get("VerbForm") == ["Part"] and "Past" in verb.morph.get("Tense"):
        if any(a.lemma_ in ("avoir", "être") and "Fut" not in a.morph.get("Tense") and "Cnd" not in a.morph.get("Mood")
               for a in auxes):
            return True
    if "Past" in verb.morph.get("Tense") and verb.morph.get("VerbForm") == ["Fin"]:
        return True  # passé simple
    return False


#: ", mais l'éditeur a repoussé sa décision": a following "mais" clause that reverses the plan
_LATER_REVERSAL = re.compile(
    r"(?:,\s*mais|;)\s+(?:[\w'-]+,?\s+){0,7}?(?P<verb>(?:report|repouss|suspend|ajourn|différ|décal|renon[cç]|abandonn|annul"
    r"|revenu\s+sur\s+(?:sa|son|cette|ce)\s+(?:décision|projet|plan)|fait\s+machine\s+arrière|recul[ée])\w*)",
    re.IGNORECASE)


#: a next sentence that reverses the plan just stated: "La société a finalement abandonné ce projet."
_NEXT_SENTENCE_REVERSAL = re.compile(
    r"^(?:[\w'’-]+\s+){0,6}?(?:(?:a|ont|avait|avaient)\s+)?(?:finalement\s+|depuis\s+|aussitôt\s+|ensuite\s+)?"
    r"(?:(?:(?:a|ont)\s+)?(?:finalement\s+)?décidé\s+de\s+(?:le|la|les)\s+|(?:l'|le\s+|la\s+|les\s+))?"
    r"(?P<verb>(?:report|repouss|suspend|ajourn|différ|décal|renon[cç]|abandonn|annul|retir|gel)\w*)"
    r"(?:(?:\s+(?:à\s+|au\s+|aux\s+)?"
    r"(?:ce|cet|cette|ces|son|sa|ses|leur|leurs)\s+(?:\w+\s+)?(?:projet|plan|décision|suppressions?|réduction|licenciements?"
    r"|restructuration|programme)\b)|(?<=\w)(?=\s+(?:à|au|jusqu|sine|en|d'un|de\s+\w+\s+mois)\b))", re.IGNORECASE)


def next_sentence_reversal(sentence: str) -> tuple[str, str] | None:
    """(status, evidence) when ``sentence`` reverses the plan of the sentence before it, else None."""
    m = _NEXT_SENTENCE_REVERSAL.match(sentence.strip())
    if not m:
        denial = NEXT_SENTENCE_DENIAL.search(sentence)
        return ("denied", f"next-sentence:{denial.group(0)}") if denial else None
    return _REVERSAL_STATUS.get(m.group("verb")[:4].lower(), "postponed" if m.group("verb")[:3].lower() == "gel"
                                else "negated"), f"next-sentence:{m.group('verb')}"


def _clause_end(sentence: str, after: int) -> int:
    m = re.search(r";|\s[—–]\s|,\s*(?:mais|alors\s+qu|tandis\s+qu|quand|lorsque)\b", sentence[after:])
    return after + m.start() if m else len(sentence)


def _court_decides(gov: Any) -> bool:
    """Is a court the one suspending or annulling: the subject of ``gov``, or the noun the parser hung
    the verb on ("Le tribunal de Nanterre, saisi par le CSE, suspend le plan": ``suspend`` read as a
    clause of ``tribunal``)?"""
    def court(tok: Any) -> bool:
        return tok.lemma_.lower() in COURTS | JUDGES or tok.lower_ in JUDGES
    return any(court(s) for s in _children(gov, "nsubj")) or gov.dep_ == "acl" and court(gov.head)

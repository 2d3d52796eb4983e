"""Layoff triggers read from the dependency parse, by verb lemma families and the lexicon's job nouns.

The lexicon's triggers (``data/layoff_lexicon.yaml``) are surface patterns: each fixes a verb form,
the words that may stand between the verb and its object, and the object's shape. A sentence that
words the same cut another way ("se passe désormais de 70 traducteurs", "640 postes seront rayés de
l'organigramme", "remercie 25 de ses 60 salariés", "ne reconduira pas les CDD de ses saisonniers",
"75 emplois que l'entrepôt va perdre") escapes them all. This module reads such sentences from their
parse instead: a **verb of a cutting family** (by lemma, whatever its form, tense or voice) whose
**argument** (object, oblique or passive subject, followed down its noun complements, coordinations
and a relative pronoun's antecedent) is a **job noun** of the lexicon's ``jobs`` or ``workforce``
classes that is **quantified** (a number, a possessive, a share or an amount word). The trigger span
runs from the verb to the job noun's phrase, so the headcount rules read the number inside it.

Families (``FAMILIES``): verbs that cut or dismiss (supprimer, licencier, perdre …); pronominal
verbs of parting (se séparer, se passer de …: only with their reflexive); verbs of leaving whose
subject is the job noun (quitter, partir, disparaître); renewal verbs under a negation, with a contract
noun (the negation is the trigger's meaning, see ``syntax.words.NON_RENEWAL``); and "mettre fin /
un terme à", "tirer un trait sur" with a job or contract noun in their complement.

Only sentences with no lexicon trigger and with a job noun and a family stem (:func:`may_hold`, a
cheap gate) are parsed for this; the triggers found then go through the same parse reading
(agent, status, headcount) as the lexicon's.
"""
from __future__ import annotations

import re
from typing import Any, Iterator

from monitor_pipeline.core.tagging.gates import fold_case
from monitor_pipeline.core.tagging.layoffs import LayoffLexicon
from monitor_pipeline.core.tagging.syntax.status import _negated as negated_by_its_words
from monitor_pipeline.core.tagging.syntax.words import PLAN_NOUNS

__all__ = ["FAMILIES", "LemmaTriggers"]

#: verb lemma → family. ``cut``: the job noun is its object (or passive subject); ``part``: a
#: pronominal verb whose "de" complement is the job noun; ``leave``: the job noun is its subject;
#: ``renew``: negated, with a contract or job noun as object; ``end``: "mettre fin / un terme à",
#: "tirer un trait sur" (the job or contract noun in the complement); ``affect``: a plan (``PLAN_NOUNS``)
#: as subject, the job noun as object ("le plan de X en Afrique concerne 200 salariés").
FAMILIES: dict[str, str] = {
    **dict.fromkeys(("supprimer", "couper", "sabrer", "tailler", "rayer", "éliminer", "sacrifier", "détruire",
                     "amputer", "raboter", "retrancher", "biffer", "trancher", "rogner", "réduire", "diminuer",
                     "alléger", "comprimer", "dégraisser", "perdre", "licencier", "congédier", "remercier",
                     "renvoyer", "limoger", "débarquer", "filer", "fermer"), "cut"),
    **dict.fromkeys(("séparer", "passer", "défaire", "délester", "débarrasser", "priver"), "part"),
    **dict.fromkeys(("quitter", "partir", "disparaître"), "leave"),
    **dict.fromkeys(("renouveler", "reconduire", "prolonger"), "renew"),
    **dict.fromkeys(("mettre", "tirer"), "end"),
    **dict.fromkeys(("concerner", "toucher", "viser", "affecter", "impacter"), "affect"),
}
#: verbs with no other sense than parting with people, for which a possessive quantifies enough ("réduit ses
#: équipes"); the others need a number or an amount ("remercie ses journalistes" thanks them, "ses salariés
#: quittent le site à 18 h" go home)
_UNAMBIGUOUS = frozenset({"supprimer", "licencier", "congédier", "sabrer", "réduire", "diminuer", "dégraisser", "alléger",
                          "comprimer", "amputer", "raboter", "limoger", "séparer", "délester", "débarrasser", "défaire",
                          "renouveler", "reconduire", "prolonger", "mettre", "tirer"})
#: the noun objects that make "mettre" and "tirer" verbs of ending ("mettre fin / un terme à", "tirer un trait sur")
_ENDING_OBJECTS = frozenset({"fin", "terme", "trait", "croix"})
#: contracts whose end or non-renewal is a layoff (with the lexicon's job nouns)
_CONTRACTS = frozenset({"contrat", "contrats", "cdd", "cdi", "mission", "missions", "intérim"})
#: heads that quantify a job noun: "une centaine de", "la moitié de", "le plus d'emplois", "un quart de"
_AMOUNTS = frozenset({"centaine", "dizaine", "millier", "milliers", "centaines", "dizaines", "moitié", "quart", "tiers",
                      "dixième", "cinquième", "partie", "plus", "moins", "nombre", "%", "pourcent", "vingtaine",
                      "trentaine", "quarantaine", "cinquantaine", "soixantaine", "quinzaine", "douzaine"})
_POSSESSIVES = frozenset({"son", "sa", "ses", "leur", "leurs"})
#: argument relations followed from the verb, per family
_ARGUMENTS = {"cut": ("obj", "nsubj:pass", "obl:arg"), "part": ("obl:arg", "obl", "obl:mod"),
              "leave": ("nsubj",), "renew": ("obj", "nsubj:pass"), "end": ("obj", "obl", "obl:arg", "obl:mod", "iobj"),
              "affect": ("obj",)}
#: relations followed down from an argument to the job noun ("le travail de 1 500 conseillers",
#: "son usine et ses 134 emplois", "60 de ses 240 développeurs")
_DOWN = frozenset({"nmod", "conj", "obl", "obl:arg", "nummod", "det"})
#: closures that, like a plan, may be the subject of "concerner / toucher" 200 jobs
_CLOSURES = frozenset({"fermeture", "réduction", "cession", "délocalisation"})
#: verbs stating a workforce: "un site employant / qui compte 85 personnes"
_WORKFORCE_VERBS = frozenset({"employer", "compter", "occuper", "réunir", "regrouper"})
#: a cheap gate, searched in the case-folded sentence (a case-sensitive search is several times faster
#: than an ``re.IGNORECASE`` one): a form of a family verb, at a word start (short or common stems with the word that
#: makes them a family verb: "se passe", "met fin / un terme", "tire un trait")
_STEMS = re.compile(
    r"\b(?:suppr|coup|sabr|taill|ray[ée]|élimin|sacrifi|détrui|amput|rabot|retranch|biff|tranch|rogn|r[ée]dui|diminu|"
    r"allég|allèg|compri|dégraiss|perd|licenci|congédi|remerci|renvo|limog|débarqu|fil(?:er|e|ent|era|eront|é)\b|"
    r"ferm|sépar|défai|défer|défont|délest|débarrass|priv|quitt|part(?:ir|ira|iront|ent|is|ie|ies|i)\b|dispar|"
    r"renouvel|recondui|prolong)|\b(?:se|s['’])\s*pass|"
    # (verbs of a plan affecting jobs only after a plan or closure noun: "vise une introduction en Bourse" is no cut)
    r"\b(?:plans?|pse|projets?|restructurations?|réorganisations?|fermetures?|réductions?|cessions?|délocalisations?)\b"
    r"[^.;!?]{0,80}?\b(?:concern|touch|vis[eé]|affect|impact)|"
    r"\b(?:met|mis|mett)\w*\s+(?:un\s+)?(?:fin|terme)\b|\btir\w*\s+(?:un\s+)?(?:trait|croix)\b|"
    r"\b(?:met|mis|mett)\w*\s+une\s+croix\b")
#: a number, a possessive or an amount a few words before the job noun (see :func:`_quantified`)
_QUANTITY = r"(?:\d|\b(?:ses|leurs?|son|sa|centaines?|dizaines?|milliers?|moitié|quart|tiers|plus|\w+aine))\W+(?:[\w'’-]+\W+){0,3}?"


class LemmaTriggers:
    """The lemma-family trigger reader of one lexicon (its job-noun classes)."""

    def __init__(self, lexicon: LayoffLexicon) -> None:
        classes = lexicon.noun_classes
        nouns = "|".join(c for c in (classes.get("jobs"), classes.get("workforce")) if c)
        self._job = re.compile(rf"(?:{nouns})", re.IGNORECASE) if nouns else None
        # (searched in the case-folded sentence, like ``_STEMS``: the noun alternatives are lowercased)
        self._job_in_text = re.compile(rf"{_QUANTITY}(?:{nouns.lower()}|contrats|cdd|missions)\b") if nouns else None

    def may_hold(self, sentence: str) -> bool:
        """Cheap gate: the sentence names a quantified job (or contract) noun and a form of a family verb."""
        # (the verb stems first: most sentences have none, and the quantified job noun costs more to look for)
        if self._job_in_text is None:
            return False
        folded = fold_case(sentence)
        return _STEMS.search(folded) is not None and self._job_in_text.search(folded) is not None

    def find(self, doc: Any) -> list[tuple[int, int, str]]:
        """The lemma-family triggers of a parsed sentence: (start, end, "lemma:<family>:<lemma>")."""
        found: list[tuple[int, int, str]] = []
        for verb in doc:
            family = _family(verb)
            if family is None:
                continue
            job = self._argument_job(verb, family)
            if job is None:
                continue
            # the verb and the job noun's phrase after it; a job noun before the verb (a passive subject,
            # a relative's antecedent) is left out, so the parse reading starts from the verb
            tokens = [verb, *_phrase(job)] if job.i > verb.i else [verb]
            start = min(t.idx for t in tokens)
            end = max(t.idx + len(t.text) for t in tokens)
            if all(end <= s or e <= start for s, e, _ in found):
                found.append((start, end, f"lemma:{family}:{verb.lemma_.lower()}"))
        return sorted(found)

    def _argument_job(self, verb: Any, family: str) -> Any | None:
        """The quantified job noun among ``verb``'s arguments for its family, or None."""
        if family == "part" and not any(c.lower_ in ("se", "s'", "s’") for c in verb.children):
            return None  # "passer", "séparer" alone are no parting with people
        if family == "renew" and not _negated(verb):
            return None  # renewing contracts is no layoff; not renewing them is
        if family == "end" and not any(c.lemma_.lower() in _ENDING_OBJECTS for c in verb.children if c.dep_ == "obj"):
            return None
        if family == "affect" and not any(_layoff_plan(c) for c in verb.children if c.dep_ == "nsubj"):
            return None  # "le plan de X / la fermeture concerne 200 salariés"; not "le plan de formation concerne …"
        for arg in _arguments(verb, family):
            for tok in _down(arg):
                if self._is_job(tok, family) and _quantified(tok, verb.lemma_.lower() not in _UNAMBIGUOUS):
                    return tok
        return None

    def _is_job(self, tok: Any, family: str) -> bool:
        if tok.pos_ not in ("NOUN", "PROPN", "X"):
            return False
        if family in ("renew", "end") and tok.lower_ in _CONTRACTS:
            return True
        return self._job is not None and self._job.fullmatch(tok.text) is not None


#: stems of the families' verbs (infinitive ending cut), for forms the lemmatizer leaves unlemmatized
_FAMILY_STEMS = sorted(((lemma[:-2], family) for lemma, family in FAMILIES.items()), key=lambda kv: -len(kv[0]))


def _family(verb: Any) -> str | None:
    """The family of a verb (or participle) by its lemma; a form the lemmatizer left as it is ("tire"
    for "tirer", "touche" read as a noun) by its stem."""
    # (a noun with a subject and an object is a verb the tagger mistook: "Le plan … touche 150 salariés")
    if verb.pos_ not in ("VERB", "AUX", "ADJ") and not (
            verb.pos_ == "NOUN" and {c.dep_ for c in verb.children} >= {"nsubj", "obj"}):
        return None
    lemma = verb.lemma_.lower()
    family = FAMILIES.get(lemma)
    if family is not None or lemma != verb.lower_ or "Inf" in verb.morph.get("VerbForm"):
        return family
    return next((f for stem, f in _FAMILY_STEMS if lemma.startswith(stem)), None)


def _arguments(verb: Any, family: str) -> list[Any]:
    """The arguments of ``verb`` where its family's job noun may stand: the family's relations; for a
    passive participle (with "être") its subject, also when the parser hung it as a modifier before the
    verb ("320 postes seront rayés"); the antecedent of a relative "que" ("60 emplois que X va perdre")."""
    # (an oblique of a cutting verb states what is cut only with "de": "réduit à 74" is the result)
    args = [c for c in verb.children if c.dep_ in _ARGUMENTS[family]
            and not (family == "cut" and c.dep_ == "obl:arg" and not _case_in(c, ("de", "d'", "du", "des")))]
    if family == "cut":  # "… va fermer, avec 230 emplois à la clé"
        args += [c for c in verb.children if c.dep_.startswith("obl") and any(x.lower_ == "avec" for x in c.children)]
    if family == "cut" and any(c.dep_ in ("aux:pass", "cop") for c in verb.children):
        args += [c for c in verb.children if c.i < verb.i and c.dep_ in ("nsubj", "obl:mod") and c.pos_ == "NOUN"]
    if family == "leave" and any(c.lemma_.lower() == "retraite" for c in verb.subtree):
        return []  # "partir à la retraite": no layoff
    cur = verb
    for _ in range(3):  # up the infinitive's governors ("va perdre", "appelés à quitter") to a noun's clause
        if cur.dep_.startswith(("acl", "ccomp")) and cur.head.pos_ == "NOUN" and cur.head.i < cur.i:
            relative_object = any(c.lower_ in ("que", "qu'") and c.dep_ in ("obj", "mark") for c in cur.children)
            # the noun is the relative's object ("60 emplois que X va perdre"), the subject of a leaving verb
            # ("1 500 conseillers, appelés à quitter le groupe"), the object of a cutting participle
            # ("les 45 techniciens remerciés en mars")
            if relative_object or family == "leave" or family == "cut" and cur.i == verb.i \
                    and "Part" in verb.morph.get("VerbForm"):
                args.append(cur.head)
            break
        if cur.dep_ != "xcomp":
            break
        cur = cur.head
    return args


def _down(tok: Any, depth: int = 3) -> Iterator[Any]:
    """``tok`` and the tokens below it through noun complements, coordinations and numbers, and
    through a clause stating a site's workforce ("un site employant 85 personnes")."""
    yield tok
    if depth:
        for c in tok.children:
            if c.dep_.partition(":")[0] in _DOWN or c.dep_ in _DOWN:
                yield from _down(c, depth - 1)
            elif c.dep_.startswith("acl") and c.lemma_.lower() in _WORKFORCE_VERBS:
                for x in c.children:
                    if x.dep_ == "obj":
                        yield from _down(x, depth - 1)


def _quantified(tok: Any, number_only: bool = False) -> bool:
    """A job noun with a number, a possessive, or an amount ("centaine de", "la moitié de", "60 de ses").
    ``number_only``: a possessive is not enough (a verb with another sense: "remercie ses journalistes")."""
    for c in tok.children:
        if c.like_num or c.dep_ == "nummod" or c.lower_ in _AMOUNTS or c.lower_ in _POSSESSIVES and not number_only:
            return True
    head = tok.head
    return head.i != tok.i and (head.like_num or head.lower_ in _AMOUNTS) and head.i < tok.i


def _layoff_plan(subj: Any) -> bool:
    """A plan of job cuts as the subject of "concerner / toucher / viser": a closure or restructuring
    noun, or a plan noun whose complements are only a company's name, "social" or a layoff noun ("le
    plan de X", "le plan social", "le projet de départs"), not another plan ("le plan de formation")."""
    lemma = subj.lemma_.lower()
    if lemma in _CLOSURES or lemma in ("restructuration", "réorganisation", "pse", "suppression", "licenciement"):
        return True
    if lemma not in PLAN_NOUNS:
        return False
    for c in subj.children:
        if c.dep_.startswith("nmod") and not (c.text[:1].isupper() or c.lemma_.lower() in _LAYOFF_NOUNS):
            return False
        if c.dep_ == "amod" and c.lemma_.lower() not in ("social", "nouveau", "vaste", "large"):
            return False
    return True


#: complements that make a plan one of job cuts ("plan de départs / de sauvegarde / de licenciement")
_LAYOFF_NOUNS = frozenset({"départ", "sauvegarde", "licenciement", "suppression", "réduction", "restructuration",
                           "réorganisation", "fermeture", "économie", "transformation"})


def _case_in(tok: Any, cases: tuple[str, ...]) -> bool:
    return any(c.dep_ == "case" and c.lower_ in cases for c in tok.children)


def _negated(verb: Any) -> bool:
    """The parse reading's negation test (``syntax.status``), plus "non" ("contrats non renouvelés")."""
    return negated_by_its_words(verb) or any(c.lower_ == "non" for c in verb.children)


def _phrase(tok: Any) -> list[Any]:
    """The job noun with its numbers and amounts (left of it) and the amount it hangs on."""
    out = [tok]
    out.extend(c for c in tok.children if c.i < tok.i and c.dep_ in ("nummod", "det", "amod", "nmod"))
    if tok.head.i < tok.i and (tok.head.like_num or tok.head.lower_ in _AMOUNTS):
        out.append(tok.head)
    return out

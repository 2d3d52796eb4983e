"""Sentence-level status cues: words anywhere in the sentence (not on the trigger's governor chain)
that change what a layoff mention is. The parse reads governors (``core.tagging.syntax``); these
regexes read the constructions that a parser splits or attaches elsewhere: a leading "Avant de
reculer …,", a union judging the cuts "inacceptables", "n'a pas encore décidé", "n'est plus à l'ordre
du jour", the legal words of an unfair-dismissal ruling, and a next sentence's denial.
"""
from __future__ import annotations

import re
from typing import Sequence

__all__ = ["NEXT_SENTENCE_DENIAL", "REVERSAL_STATUS", "denial_applies", "non_replacement_status", "sentence_status"]

#: the status a reversing verb gives, by its first four letters ("repo"rter, "aban"donner …)
REVERSAL_STATUS = {**dict.fromkeys(("repo", "susp", "ajou", "diff", "déca"), "postponed"),
                   **dict.fromkeys(("reve", "fait", "recu"), "negated"),
                   **dict.fromkeys(("reno", "aban", "reti"), "negated"), "annu": "contested"}
#: "Avant de reculer / renoncer / reporter …, X voulait …" opening the sentence
_LEADING_REVERSAL = re.compile(r"^\s*avant\s+d(?:e\s+|')(?:finalement\s+)?(?P<verb>renon[cç]|recul|abandonn|report|repouss"
                               r"|suspend|fai\w*\s+machine\s+arrière)\w*[^,;]*,", re.IGNORECASE)
#: a plan no longer on the agenda is given up (a plan never on it, "pas à l'ordre du jour", is a denial cue)
_OFF_THE_AGENDA = re.compile(r"\bn'(?:est|était|sont|étaient)\s+(?:«\s*)?plus\s+(?:«\s*)?à\s+l'ordre\s+du\s+jour\b",
                             re.IGNORECASE)
#: an undecided plan: "n'a pas encore décidé / tranché de …"
_NOT_YET_DECIDED = re.compile(r"\bn'(?:a|ont|est|sont)\s+pas\s+encore\s+(?:décidé|tranché|arrêté|validé|acté)", re.IGNORECASE)
#: a union judging the cuts: "Pour SUD, les suppressions … sont « inacceptables »"
_UNION_JUDGES = re.compile(r"\b(?:syndicats?|intersyndicale|CGT|CFDT|FO|SUD[\w-]*|CFE-CGC|CFTC|Unsa|Solidaires)\b"
                           r"[^.;]{0,120}?\b(?:inacceptables?|inadmissibles?|scandaleu(?:x|se|ses)|injustifiée?s?|brutale?s?)\b",
                           re.IGNORECASE)
#: "sans cause réelle et sérieuse": the legal words of a ruling against dismissals
_NO_REAL_CAUSE = re.compile(r"\bcause\s+réelle\s+et\s+sérieuse\b", re.IGNORECASE)
#: a next sentence that denies what the one before reported or asked: "Un plan social chez X ? La
#: direction dément.", "« Une rumeur sans fondement », a répondu la direction"
NEXT_SENTENCE_DENIAL = re.compile(r"\bdém(?:ent|entent|enti|entie)\b|\bsans\s+fondement\b|\binfondée?s?\b", re.IGNORECASE)
_COUNTED = ("announced", "planned", "executed")
#: a court's judgment framing the sentence: "Pour la cour d'appel, X n'avait pas de motif …", "Selon le tribunal, …"
_COURT_FRAME = re.compile(r"^\s*(?:pour|selon|d'après|aux\s+yeux\s+d[eu])\s+(?:le\s+|la\s+|les\s+|l')?(?:tribunal|cour|juges?|justice|"
                          r"conseil\s+de\s+prud'hommes|prud'hommes|magistrats?)\b[^,;]{0,80},", re.IGNORECASE)


def sentence_status(sentence: str, trig_start: int, status: str, path: str) -> tuple[str, str]:
    """(status, evidence) of the trigger starting at ``trig_start`` once the sentence's own cues are read
    over the status the parse gave (``status``, ``path``)."""
    lead = _LEADING_REVERSAL.match(sentence)
    if lead and lead.end() <= trig_start and status in _COUNTED + ("hypothetical",):
        # "Avant de reculer face à la grève, la RATP voulait supprimer …": the plan was given up
        status, path = REVERSAL_STATUS[lead.group("verb")[:4].lower()], f"leading-clause:{lead.group('verb')}"
    if _UNION_JUDGES.search(sentence) and status in _COUNTED:
        status, path = "contested", "union-judges"  # "Pour la CGT, les 150 suppressions sont inacceptables"
    if _NOT_YET_DECIDED.search(sentence, 0, trig_start) and status in ("announced", "planned", "negated"):
        status, path = "hypothetical", "not-yet-decided"  # "n'a pas encore décidé de supprimer …"
    court = _COURT_FRAME.match(sentence)
    if court and court.end() <= trig_start and status in _COUNTED + ("negated",):
        status, path = "contested", "court-frame"  # the court's reading of the layoffs
    if _OFF_THE_AGENDA.search(sentence):
        status, path = "negated", "off-the-agenda"  # "… n'est plus à l'ordre du jour"
    elif _NO_REAL_CAUSE.search(sentence) and status in ("announced", "executed"):
        status, path = "contested", "no-real-cause"  # the unfair-dismissal ruling
    return status, path


#: a capitalized word that may be a name, and the capitalized words that are not
_NAME_WORD = re.compile(r"(?<![\w'’])[A-ZÀ-ÖØ-Þ][\w&.-]+")
_FUNCTION_WORDS = frozenset({"Un", "Une", "Le", "La", "Les", "Des", "Selon", "Chez", "En", "Pour", "Dans", "Après", "Avant",
                             "Depuis", "Si", "Mais", "Et", "Ce", "Cette", "Ces", "Son", "Sa", "Ses", "Leur", "Leurs", "Il",
                             "Elle", "Ils", "Elles", "On", "Officiellement", "Interrogé", "Interrogée", "Face", "Faute"})
#: a clause that opens on the company of the clause before: "le groupe", "l'entreprise de Denver", "il", "celle-ci"
_ANAPHOR_OPENING = re.compile(r"(?:(?:le|la|l['’]|les)\s*(?:[a-zà-ÿ-]+\s+)?(?:groupe|entreprise|société|firme|compagnie|"
                              r"constructeur|éditeur|opérateur|enseigne|banque|direction|start-up|startup|industriel|"
                              r"fabricant|équipementier|laboratoire|assureur|distributeur|plateforme)\b|(?:il|elle|celui-ci|celle-ci)\b)",
                              re.IGNORECASE)


def denial_applies(sentence: str, trig_start: int, trig_end: int, cues: Sequence[re.Pattern[str]],
                   companies: Sequence[tuple[str, int]]) -> bool:
    """Does a denial cue of ``sentence`` deny the trigger at ``[trig_start, trig_end)``? Yes when the cue is in the
    trigger's clause (between semicolons). Beyond a semicolon, when the other clause opens on an anaphor ("… ; le
    groupe a démenti"), or names no other company than the trigger's clause ("Un syndicat évoque 400 postes menacés ;
    X dément"); not "X a licencié 40 salariés ; Y, lui, dément". ``companies``: (id, sentence-relative start)."""
    lo, hi = _clause_bounds(sentence, trig_start, trig_end)
    if any(p.search(sentence, lo, hi) for p in cues):
        return True
    if not any(p.search(sentence) for p in cues):
        return False
    other = sentence[hi:] if any(p.search(sentence, hi) for p in cues) else sentence[:lo]
    if _ANAPHOR_OPENING.match(other.lstrip(" ;")):
        return True
    own = {cid for cid, at in companies if lo <= at < hi}
    if own and any(cid not in own for cid, at in companies if not lo <= at < hi):
        return False
    # names the recognizer may have missed: a capitalized word of the other clause that the trigger's lacks
    clause_names = [w.group(0) for w in _NAME_WORD.finditer(sentence, lo, hi) if w.group(0) not in _FUNCTION_WORDS]
    other_names = [w.group(0) for w in _NAME_WORD.finditer(other) if w.group(0) not in _FUNCTION_WORDS]
    return not clause_names or not other_names or any(n in clause_names for n in other_names)


#: where a clause of its own ends: a semicolon; the comma closing a leading "Si …", "Alors que …" clause; the
#: comma before a contrasting "tandis que", "alors que", "mais"
_LEADING_CLAUSE = re.compile(r"\s*(?:Si|S'il|S'ils|Alors\s+qu|Tandis\s+qu|Bien\s+qu|Même\s+si|Quand|Lorsqu)\b[^,;]*,")
_CONTRAST_COMMA = re.compile(r",\s+(?:tandis\s+qu|alors\s+qu|mais)\b|;")


def _clause_bounds(sentence: str, trig_start: int, trig_end: int) -> tuple[int, int]:
    """The [lo, hi) of the clause holding the trigger: "Si X dément tout plan social, Y a confirmé la suppression
    de 130 emplois" holds two clauses, and X's denial is not Y's."""
    cuts = [m.start() for m in _CONTRAST_COMMA.finditer(sentence)]
    lead = _LEADING_CLAUSE.match(sentence)
    if lead:
        cuts.append(lead.end() - 1)
    lo = max((c + 1 for c in cuts if c < trig_start), default=0)
    hi = min((c for c in cuts if c >= trig_end), default=len(sentence))
    return lo, hi


_FUTURE_WORDS = re.compile(r"\b(?:sera|seront|va|vont|remplacera|remplaceront)\b", re.IGNORECASE)
_PAST_WORDS = re.compile(r"\b(?:a|ont|avait|avaient|a\s+été|ont\s+été|non\s+remplacés)\b", re.IGNORECASE)


def non_replacement_status(span: str) -> str:
    """The status of departures not replaced, whose negation is the cut itself: planned for "ne seront pas
    remplacés", executed for "n'a remplacé aucun des 260 départs", else announced."""
    if _FUTURE_WORDS.search(span):
        return "planned"
    return "executed" if _PAST_WORDS.search(span) else "announced"

"""Sentence-level status cues: words anywhere in the sentence (not on the trigger's governor chain)
that change what a layoff mention is. The parse reads governors (``core.tagging.syntax``); these
regexes read the constructions that a parser splits or attaches elsewhere: a leading "Avant de
reculer …,", a union judging the cuts "inacceptables", "n'a pas encore décidé", "n'est plus à l'ordre
du jour", the legal words of an unfair-dismissal ruling, and a next sentence's denial.
"""
from __future__ import annotations

import re

__all__ = ["NEXT_SENTENCE_DENIAL", "REVERSAL_STATUS", "sentence_status"]

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

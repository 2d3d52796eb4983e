"""Elided triggers after the parsed one: "… chez X, 1 000 chez Y" and "X a licencié 1 000
salariés, Y 2 000 et Z 3 600" (each name with its own segment and number)."""
from __future__ import annotations

import re

from monitor_pipeline.core.tagging.syntax.tokens import Agent


def _enumerated_chez(sentence: str, trig_start: int, trig_end: int, clause_end: int) -> list[Agent]:
    """"… chez X, 1 000 chez Y, 5 % des effectifs chez Z": each "chez" after the trigger is an agent
    of its own segment (elided trigger). The scan starts at the trigger itself: overlapping trigger
    patterns may have merged into a span that already covers the enumeration."""
    out: list[Agent] = []
    lead = max(sentence.rfind(":", 0, trig_start), sentence.rfind(";", 0, trig_start)) + 1
    seg_start = lead
    trig_end = trig_start
    for m in re.finditer(r"\bchez\s+" + _DESCRIBED_AFTER_CHEZ + r"(?=[A-ZÀ-Ö0-9])", sentence[trig_end:clause_end]):
        s = trig_end + m.end()
        name = re.match(r"[\w&.'’-]+(?:\s+[A-Z][\w&.-]*){0,3}", sentence[s:clause_end])
        if not name:
            continue
        e = s + len(name.group(0).rstrip(".,;"))
        out.append(Agent(s, e, "enumeration:chez", (seg_start, trig_end + m.start())))
        nxt = re.search(r"[,;]|\bet\b|\bainsi\s+que\b", sentence[e:clause_end])
        seg_start = e + (nxt.end() if nxt else 0)
    return out if len(out) >= 2 else []


_ELIDED_NAME = r"[A-ZÀ-ÖØ-Þ][\w&'+.-]*(?:\s+[A-ZÀ-ÖØ-Þ][\w&'+.-]*){0,2}"
#: after "chez", an article and a short description before the name: "chez le français Novasil", "chez la
#: banque d'affaires Ferrand Frères", "chez sa filiale TuneCore"
_DESCRIBED_AFTER_CHEZ = r"(?:(?:l'|l’|le\s+|la\s+|les\s+|sa\s+|son\s+|ses\s+|leur\s+)(?:[a-zà-ÿœ'’-]+\s+){0,3}?)?"
#: "…, Y 150 en Allemagne", "…, ZF 7 200 d'ici 2030", "…, Y 300 dans sa division auto": a short place, date or
#: division after the elided number
_PLACE_TAIL = (r"(?:\s+(?:en|au|aux|à|dans\s+(?:le|la|les|l'))\s*[A-ZÀ-ÖØ-Þ][\w'-]+"
               r"|\s+(?:d'ici\s+(?:à\s+)?|en\s+|fin\s+)\d{4}"
               r"|\s+dans\s+(?:sa|son|ses|leur|leurs)\s+[\w'’-]+(?:\s+[\w'’-]+){0,2}?){0,2}")
_ELIDED_NUMBER = (r"(?:(?:environ|près\s+de|plus\s+de|moins\s+de|au\s+moins|jusqu'à|quelque)\s+|entre\s+\d[\d\s\u00a0.,]*?\s+et\s+)?"
                  r"(?:\d[\d\s\u00a0.,]*?\s+à\s+)?\d[\d\s\u00a0.,]*?\d?(?:\s*%)?"
                  # "et Indosuez une centaine", "Spiders d'une vingtaine" (layoffs.ABOUT_WORDS)
                  r"|(?:un|une)\s+(?:millier|centaine|dizaine|quinzaine|vingtaine|trentaine|quarantaine|cinquantaine|soixantaine)"
                  # "…, Y aucun" (no cut: negated), "…, autant chez Y" (the number before)
                  r"|aucun|aucune|zéro|autant")
#: one segment of an enumeration whose trigger is elided: ", Amazon 2 000", "; chez X, environ 1 100",
#: ", Y de 250" (after "réduit ses équipes de 400 postes"); it must end the clause or the list item
_ELIDED_SEGMENT = re.compile(
    # ("…, celui de Y environ 180": the plan of Y)
    rf"\s*(?:[,;]\s*(?:et\s+|puis\s+)?|\s+et\s+)(?:chez\s+(?:l'|le\s+|la\s+|les\s+)?|(?:celui|celle|ceux|celles)\s+(?:de\s+|d'|du\s+))?"
    rf"(?P<name>{_ELIDED_NAME})"
    rf"\s*,?\s*(?:de\s+|d')?(?P<number>{_ELIDED_NUMBER}){_PLACE_TAIL}(?=\s*(?:[,;.]|\bet\b|$))")


#: the number first: "…, et 95 chez sa filiale TuneCore", "…, 40 chez Y"
_ELIDED_CHEZ_SEGMENT = re.compile(
    rf"\s*(?:[,;]\s*(?:et\s+|puis\s+|contre\s+)?|\s+et\s+)(?P<number>{_ELIDED_NUMBER})\s+chez\s+"
    rf"{_DESCRIBED_AFTER_CHEZ}(?P<name>{_ELIDED_NAME})(?=\s*(?:[,;.]|\bet\b|$))")


def _elided_name_number(sentence: str, after: int) -> list[Agent]:
    """"X a licencié 1 000 salariés, Y 2 000 et Z 3 600": the name-number pairs that follow the
    trigger's clause are events of the same trigger, each with its own number. The first pair must
    start within a short window after the trigger, and each pair must follow the previous one."""
    out: list[Agent] = []
    first = None
    for m in sorted([*_ELIDED_SEGMENT.finditer(sentence, after), *_ELIDED_CHEZ_SEGMENT.finditer(sentence, after)],
                    key=lambda m: m.start()):
        if first is None:
            if m.start() - after > 60:
                break
            first = m
        elif m.start() != pos:
            break
        segment = (min(m.end("name"), m.start("number")), m.end("number"))  # the number, after or before the name
        none = re.match(r"aucune?\b|zéro\b", m.group("number"), re.IGNORECASE)
        out.append(Agent(m.start("name"), m.end("name"), "enumeration:none" if none else "enumeration:elided", segment))
        pos = m.end()
    return out

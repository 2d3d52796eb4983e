"""The parse reading's data (:class:`Agent`, :class:`TriggerReading`) and small token helpers.

Names starting with "_" are private to the ``syntax`` package (shared by its modules)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Agent:
    """A span (sentence-relative character offsets) the parse names as the one cutting jobs."""

    start: int
    end: int
    path: str
    #: headcount stated in this agent's own segment of an enumeration ("1 000 chez X")
    segment: tuple[int, int] | None = None


@dataclass
class TriggerReading:
    """What the parse says about one trigger."""

    agents: list[Agent] = field(default_factory=list)
    anaphor: bool = False  # the subject is a pronoun / definite description: resolve with context
    status: str = "announced"
    status_path: str = "default"
    person_only: bool = False  # one person's dismissal, not a layoff
    latest: bool = False  # the anaphor is "ce dernier": the last name before it, not a subject
    first: bool = False  # the anaphor is "le premier": the first name of the sentence before
    path: str = "none"  # how the agents were found


def _colon_between(a: Any, b: Any) -> bool:
    lo, hi = sorted((a.i, b.i))
    return any(t.text in (":", ";") for t in a.doc[lo + 1:hi])


def _children(tok: Any, *deps: str) -> list[Any]:
    """Children whose relation is one of ``deps`` or a subtype of one ("nsubj" takes "nsubj:pass")."""
    return [c for c in tok.children if c.dep_ in deps or c.dep_.partition(":")[0] in deps]


def _case(tok: Any) -> str:
    for c in tok.children:
        if c.dep_ in ("case", "mark") or c.dep_ == "fixed":
            return c.lower_
    # "chez" may be parsed as the head's left neighbour without a case arc
    return ""


def _camel_case(word: str) -> bool:
    """A capital inside a word that also has small letters ("BforBank"; not "PSE", not "Paris")."""
    return len(word) > 3 and word.isalpha() and word[:1].isupper() and any(c.isupper() for c in word[1:]) \
        and any(c.islower() for c in word[1:])

"""Cross-source layoff events: one event per real-world layoff, whatever the outlets.

Input: counted layoff mentions (:class:`EventMention`, one per company and sentence, as
``stg_layoff_mentions`` holds them). Output: :class:`ResolvedEvent` items from
:func:`resolve_events`. Pure domain code: no Dagster, no I/O.

Rules (per company; known companies by knowledge-base id, unknown ones by slug, alike)
------------------------------------------------------------------------------------
Mentions are swept in one canonical order — publication time (else the article's day at
00:00 UTC), article id, mention index — so the input order never matters, and a mention's
event depends only on mentions before it: adding later days never moves earlier ones.

1. **Syndicated copies** join the event of their syndication cluster (another article of
   the same ``cluster_id`` already in an event), whatever the window or the figure.
2. An event is **open** while the new mention comes at most ``window_days`` (default 30)
   after the event's latest mention. No open event → the mention founds a new one (wave 1).
   Same company 40 days after the last article → a new event.
3. A sentence with a **new-wave marker** (``waves.WAVE_MARKERS``: "nouvelle vague",
   "deuxième vague", "postes supplémentaires", "nouveau plan", "à nouveau"…) founds a new
   event, numbered ``wave = 1 + the highest wave still open``, unless an open event itself
   founded by a new-wave sentence has a compatible headcount (another outlet covering the
   same new wave), which it joins.
4. Any other mention joins the closest open event: a **compatible** headcount first (equal
   within ``headcount_tolerance`` = 10 % of the larger, overlapping ranges, or one figure
   missing), then the smallest gap, then the most recent. A materially different figure
   there is an **update** of that event (recorded in ``changes``), not a new event.

Event fields
------------
* ``status``: the strongest status of its mentions, executed > announced > planned (it
  never goes down: a later "prévu" recap does not undo "effectué").
* ``headcount`` (with ``headcount_low``/``headcount_high`` of the same mention): the
  figure of the LATEST article stating one; within one article, its largest figure (the
  total, not a "dont 300 en France" part). ``headcount_percent``: likewise, latest stated.
* ``changes``: article by article, a stronger status, a first figure, or a figure
  differing beyond the tolerance (:class:`EventChange`), what a follow-up alert says.
* ``first_seen``/``last_seen``, ``mentions`` (→ ``article_ids``, ``source_ids``), ``wave``.

Stable ids
----------
``event_id`` = ``"evt-"`` + hash(company_id, article id, mention index of the founding
mention). A re-run gives the same events and ids; later days never change the founder of
an earlier event. A backfill that adds a mention EARLIER than a founder would change it,
so :func:`resolve_events` takes ``previous_event_ids`` (:func:`event_ids_by_mention` of
the last resolution): an event keeps the previous id of its earliest previously-assigned
mention; when a regrouping hands two previous ids to one event, the other event holding
the second one inherits it. A re-run or backfill never turns an alerted event into a
"new" one, nor makes an id vanish while another event still holds its mentions.
"""
from monitor_pipeline.core.events.resolution import (
    COUNTED_STATUSES,
    STATUS_STRENGTH,
    EventChange,
    EventMention,
    MentionKey,
    ResolutionSettings,
    ResolvedEvent,
    event_ids_by_mention,
    event_mention_rows,
    event_row,
    headcounts_compatible,
    mention_from_row,
    resolve_events,
)
from monitor_pipeline.core.events.waves import WAVE_MARKERS, wave_markers_in

__all__ = [
    "COUNTED_STATUSES",
    "STATUS_STRENGTH",
    "WAVE_MARKERS",
    "EventChange",
    "EventMention",
    "MentionKey",
    "ResolutionSettings",
    "ResolvedEvent",
    "event_ids_by_mention",
    "event_mention_rows",
    "event_row",
    "headcounts_compatible",
    "mention_from_row",
    "resolve_events",
    "wave_markers_in",
]

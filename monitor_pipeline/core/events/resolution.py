"""Cross-source event resolution: counted layoff mentions → real-world layoff events.

See the package docstring (:mod:`monitor_pipeline.core.events`) for the rules. Pure
domain code: no Dagster, no I/O.
"""
from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from monitor_pipeline.core.events.waves import WAVE_MARKERS, compile_wave_markers, wave_markers_in

__all__ = [
    "COUNTED_STATUSES",
    "STATUS_STRENGTH",
    "MentionKey",
    "EventMention",
    "EventChange",
    "ResolvedEvent",
    "ResolutionSettings",
    "resolve_events",
    "event_ids_by_mention",
    "headcounts_compatible",
    "mention_from_row",
    "event_row",
    "event_mention_rows",
]

COUNTED_STATUSES = ("announced", "planned", "executed")
# Higher is stronger: a layoff carried out says more than one announced, which says more
# than one merely planned. An event's status never goes down.
STATUS_STRENGTH = {"planned": 1, "announced": 2, "executed": 3}

MentionKey = tuple[str, int]  # (article_id, mention_index)


@dataclass(frozen=True)
class EventMention:
    """One counted layoff mention, as the warehouse stores it (``stg_layoff_mentions``).

    ``company_id`` is the knowledge-base id of a known company or the slug of an unknown
    one (``known=False``). ``cluster_id`` groups syndicated copies of one story.
    ``published_at`` may be missing: the article's partition ``day`` then dates it."""

    article_id: str
    mention_index: int
    company_id: str
    company_name: str
    known: bool
    status: str
    headcount: int | None
    headcount_low: int | None
    headcount_high: int | None
    headcount_percent: float | None
    day: date
    published_at: datetime | None
    source_id: str
    cluster_id: str | None
    sentence: str
    url: str | None = None
    article_title: str | None = None
    source_name: str | None = None

    @property
    def key(self) -> MentionKey:
        return (self.article_id, self.mention_index)

    @property
    def moment(self) -> datetime:
        """When the article appeared (UTC): ``published_at``, else midnight UTC of ``day``."""
        if self.published_at is None:
            return datetime.combine(self.day, time.min, tzinfo=timezone.utc)
        if self.published_at.tzinfo is None:
            return self.published_at.replace(tzinfo=timezone.utc)
        return self.published_at.astimezone(timezone.utc)

    @property
    def sort_key(self) -> tuple[datetime, str, int]:
        """The canonical order of resolution: time, then article id, then mention index."""
        return (self.moment, self.article_id, self.mention_index)

    @property
    def headcount_interval(self) -> tuple[int, int] | None:
        """``(low, high)`` of the stated headcount, or ``None`` when no figure is stated."""
        if self.headcount_low is not None and self.headcount_high is not None:
            return (min(self.headcount_low, self.headcount_high), max(self.headcount_low, self.headcount_high))
        if self.headcount is not None:
            return (self.headcount, self.headcount)
        if self.headcount_high is not None:
            return (self.headcount_high, self.headcount_high)
        if self.headcount_low is not None:
            return (self.headcount_low, self.headcount_low)
        return None

    @property
    def stated_headcount(self) -> int | None:
        """The single figure of the mention: ``headcount``, else the top of its range."""
        interval = self.headcount_interval
        if self.headcount is not None:
            return self.headcount
        return interval[1] if interval else None


@dataclass(frozen=True)
class EventChange:
    """A material change of an event brought by one article (kept for follow-up alerts).

    ``field`` is ``"headcount"`` (a first figure, or one differing beyond the tolerance)
    or ``"status"`` (a stronger status)."""

    field: str
    before: Any
    after: Any
    article_id: str
    at: datetime


@dataclass(frozen=True)
class ResolvedEvent:
    """One real-world layoff event of one company, supported by one or more mentions."""

    event_id: str
    company_id: str
    company_name: str
    known: bool
    wave: int
    first_seen: datetime
    last_seen: datetime
    status: str
    headcount: int | None
    headcount_low: int | None
    headcount_high: int | None
    headcount_percent: float | None
    founding_mention: MentionKey
    mentions: tuple[EventMention, ...]
    changes: tuple[EventChange, ...] = field(default_factory=tuple)
    wave_markers: tuple[str, ...] = field(default_factory=tuple)

    @property
    def article_ids(self) -> tuple[str, ...]:
        """Supporting articles, first appearance order."""
        return tuple(dict.fromkeys(m.article_id for m in self.mentions))

    @property
    def source_ids(self) -> tuple[str, ...]:
        """Supporting sources (outlets), first appearance order."""
        return tuple(dict.fromkeys(m.source_id for m in self.mentions))

    @property
    def first_day(self) -> date:
        return min(m.day for m in self.mentions)

    @property
    def last_day(self) -> date:
        return max(m.day for m in self.mentions)

    @property
    def representative(self) -> EventMention:
        """The mention that states the current headcount, else the founding mention.

        Its sentence, article and source are what an alert quotes."""
        for mention in reversed(self.mentions):
            if mention.stated_headcount is not None and mention.stated_headcount == self.headcount:
                return mention
        return self.mentions[0]


@dataclass(frozen=True)
class ResolutionSettings:
    """Tunable rules. ``window_days``: how long after its last mention an event stays open;
    ``headcount_tolerance``: relative difference under which two figures are the same
    layoff (0.10 = 10 %); ``wave_markers``: ``(name, pattern)`` pairs (see ``waves.py``)."""

    window_days: int = 30
    headcount_tolerance: float = 0.10
    wave_markers: tuple[tuple[str, str], ...] = WAVE_MARKERS

    def __post_init__(self) -> None:
        if not isinstance(self.window_days, int) or self.window_days < 0:
            raise ValueError(f"window_days must be a non-negative integer, got {self.window_days!r}")
        if not (0 <= self.headcount_tolerance < 1):
            raise ValueError(f"headcount_tolerance must be in [0, 1), got {self.headcount_tolerance!r}")
        compile_wave_markers(self.wave_markers)  # fail now on a bad pattern


# --------------------------------------------------------------------------- rows in


def _missing(value: Any) -> bool:
    """None, NaN, pandas NA/NaT: a warehouse NULL whatever the driver made of it."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return True
    return isinstance(value, float) and math.isnan(value)


def _optional_int(value: Any) -> int | None:
    return None if _missing(value) else int(value)


def _optional_float(value: Any) -> float | None:
    return None if _missing(value) else float(value)


def _optional_text(value: Any) -> str | None:
    return None if _missing(value) or value == "" else str(value)


def _as_day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def mention_from_row(row: Mapping[str, Any]) -> EventMention:
    """An :class:`EventMention` from a warehouse row (dict, DuckDB/pandas record).

    Columns of ``stg_layoff_mentions`` (``article_id``, ``mention_index``, ``company_id``,
    ``status``, ``headcount``, ``headcount_percent``, ``day``, ``published_at``,
    ``source_id``, ``cluster_id``, ``sentence``, optionally ``url``, ``title``) plus
    ``known`` (REQUIRED: join the companies table; a wrong default would mislabel unknown
    companies), optionally ``company_name``, ``source_name``, ``headcount_low``,
    ``headcount_high``. NULLs may be None, NaN or pandas NA/NaT."""
    if "known" not in row or _missing(row["known"]):
        raise KeyError(
            f"layoff mention {row.get('article_id')!r}#{row.get('mention_index')!r}: column 'known' is required"
        )
    published = row.get("published_at")
    company_id = str(row["company_id"])
    return EventMention(
        article_id=str(row["article_id"]),
        mention_index=int(row["mention_index"]),
        company_id=company_id,
        company_name=_optional_text(row.get("company_name")) or company_id,
        known=bool(row["known"]),
        status=str(row["status"]),
        headcount=_optional_int(row.get("headcount")),
        headcount_low=_optional_int(row.get("headcount_low")),
        headcount_high=_optional_int(row.get("headcount_high")),
        headcount_percent=_optional_float(row.get("headcount_percent")),
        day=_as_day(row["day"]),
        published_at=None if _missing(published) else published,
        source_id=str(row["source_id"]),
        cluster_id=_optional_text(row.get("cluster_id")),
        sentence=str(row.get("sentence") or ""),
        url=_optional_text(row.get("url")),
        article_title=_optional_text(row.get("title", row.get("article_title"))),
        source_name=_optional_text(row.get("source_name")),
    )


# --------------------------------------------------------------------------- headcounts


def _relative_gap(a: tuple[int, int] | None, b: tuple[int, int] | None) -> float | None:
    """Distance between two headcount intervals relative to the larger one; None if one is unknown."""
    if a is None or b is None:
        return None
    low, high = max(a[0], b[0]), min(a[1], b[1])
    if low <= high:
        return 0.0
    scale = max(a[1], b[1])
    return (low - high) / scale if scale > 0 else 0.0


def headcounts_compatible(
    a: tuple[int, int] | int | None, b: tuple[int, int] | int | None, tolerance: float = 0.10
) -> bool:
    """True when two headcounts (figures or ``(low, high)`` ranges) can be the same layoff:
    one is missing, the ranges overlap, or they differ by at most ``tolerance`` of the larger."""
    a = (a, a) if isinstance(a, int) else a
    b = (b, b) if isinstance(b, int) else b
    gap = _relative_gap(a, b)
    return gap is None or gap <= tolerance + 1e-12


# --------------------------------------------------------------------------- resolution


class _Draft:
    """An event under construction during the chronological sweep."""

    def __init__(self, founder: EventMention, wave: int, markers: tuple[str, ...]) -> None:
        self.founder = founder
        self.wave = wave
        self.founded_by_wave = bool(markers)
        self.wave_markers = markers
        self.mentions: list[EventMention] = []
        self.last_seen = founder.moment
        # the headcount currently stated: the latest article stating one, its largest figure
        self.headcount_mention: EventMention | None = None

    def add(self, mention: EventMention) -> None:
        self.mentions.append(mention)
        self.last_seen = max(self.last_seen, mention.moment)
        if mention.headcount_interval is not None:
            current = self.headcount_mention
            if current is None or current.article_id != mention.article_id:
                self.headcount_mention = mention  # sweep order: a different article is later
            elif (mention.stated_headcount or 0) > (current.stated_headcount or 0):
                self.headcount_mention = mention  # same article: the total, not a "dont" part

    @property
    def headcount_interval(self) -> tuple[int, int] | None:
        return self.headcount_mention.headcount_interval if self.headcount_mention else None


def _choose(candidates: Sequence[_Draft], mention: EventMention, tolerance: float) -> _Draft:
    """The closest candidate: compatible headcount first, then the smallest headcount gap,
    then the most recently seen, then the earliest founded (fully deterministic)."""

    def key(draft: _Draft) -> tuple:
        gap = _relative_gap(draft.headcount_interval, mention.headcount_interval)
        compatible = gap is None or gap <= tolerance + 1e-12
        return (
            not compatible,
            0.0 if gap is None else gap,
            -draft.last_seen.timestamp(),
            draft.founder.sort_key,
        )

    return min(candidates, key=key)


def _sweep_company(
    mentions: Sequence[EventMention], settings: ResolutionSettings, markers
) -> list[_Draft]:
    """Assign the mentions of ONE company (in canonical order) to drafts."""
    window = timedelta(days=settings.window_days)
    tolerance = settings.headcount_tolerance
    drafts: list[_Draft] = []
    # syndication cluster → (draft, article id, wave flag) of the mentions already placed
    cluster_members: dict[str, list[tuple[_Draft, str, bool]]] = defaultdict(list)

    def place(draft: _Draft, mention: EventMention, is_wave: bool) -> None:
        draft.add(mention)
        if mention.cluster_id:
            cluster_members[mention.cluster_id].append((draft, mention.article_id, is_wave))

    for mention in mentions:
        found = wave_markers_in(mention.sentence, markers)
        is_wave = bool(found)
        # 1. a syndicated copy joins the event of its cluster (another article of the same
        # cluster already placed), whatever the window or the figure; among several, one
        # whose cluster copy has the same new-wave flag first
        members = [
            (draft, flag) for draft, article_id, flag in cluster_members.get(mention.cluster_id or "", ())
            if article_id != mention.article_id
        ]
        if members:
            same_flag = [draft for draft, flag in members if flag == is_wave]
            pool = list({id(d): d for d in (same_flag or [draft for draft, _ in members])}.values())
            place(_choose(pool, mention, tolerance), mention, is_wave)
            continue
        open_drafts = [d for d in drafts if mention.moment - d.last_seen <= window]
        if is_wave:
            # 2. a new-wave sentence joins an open event founded by a new-wave sentence with a
            # compatible figure (another outlet on the same new wave); otherwise it founds one
            same_wave = [
                d for d in open_drafts
                if d.founded_by_wave
                and headcounts_compatible(d.headcount_interval, mention.headcount_interval, tolerance)
            ]
            if same_wave:
                place(_choose(same_wave, mention, tolerance), mention, is_wave)
                continue
            wave = 1 + max((d.wave for d in open_drafts), default=0)
            draft = _Draft(mention, wave, found)
            place(draft, mention, is_wave)
            drafts.append(draft)
            continue
        # 3. any other mention joins the closest open event (an update when its figure differs)
        if open_drafts:
            place(_choose(open_drafts, mention, tolerance), mention, is_wave)
            continue
        draft = _Draft(mention, 1, ())
        place(draft, mention, is_wave)
        drafts.append(draft)
    return drafts


def _derived_event_id(founder: EventMention, salt: int = 0) -> str:
    material = f"{founder.company_id}\x1f{founder.article_id}\x1f{founder.mention_index}"
    if salt:
        material += f"\x1f{salt}"
    return "evt-" + hashlib.sha256(material.encode("utf-8")).hexdigest()[:20]


def _assign_ids(drafts: Sequence[_Draft], previous: Mapping[MentionKey, str]) -> list[str]:
    """Event ids: previously given ids are kept, each by one event; any other event gets the
    id derived from its founding mention.

    The (mention, previous id) pairs are taken in mention order; a pair gives its id to its
    event when neither the id nor the event is taken yet. So an id goes to the event holding
    the earliest mention that carried it, unless that event already kept an earlier id; then
    the next event holding it inherits it. An event that held previous ids ends with a fresh
    id only when every one of them went to another event: a regrouping (a backfilled day, a
    new-wave sentence) never makes an alerted id vanish while its mentions are still there."""
    pairs = sorted((mention.sort_key, previous[mention.key], index)
                   for index, draft in enumerate(drafts) for mention in draft.mentions
                   if previous.get(mention.key))
    kept: dict[int, str] = {}
    used: set[str] = set()
    for _, prior, index in pairs:
        if prior not in used and index not in kept:
            kept[index] = prior
            used.add(prior)
    ids: list[str] = []
    for index, draft in enumerate(drafts):
        if index in kept:
            ids.append(kept[index])
            continue
        salt, event_id = 0, _derived_event_id(draft.founder)
        while event_id in used:
            salt += 1
            event_id = _derived_event_id(draft.founder, salt)
        used.add(event_id)
        ids.append(event_id)
    return ids


def _finish(draft: _Draft, event_id: str, tolerance: float) -> ResolvedEvent:
    """Status, headcount and the list of material changes, article by article."""
    mentions = sorted(draft.mentions, key=lambda m: m.sort_key)
    by_article: dict[str, list[EventMention]] = defaultdict(list)
    for mention in mentions:
        by_article[mention.article_id].append(mention)
    status: str | None = None
    headcount_mention: EventMention | None = None
    percent: float | None = None
    changes: list[EventChange] = []
    for article_id, group in by_article.items():
        at = group[0].moment
        strongest = max(group, key=lambda m: STATUS_STRENGTH[m.status]).status
        if status is None:
            status = strongest
        elif STATUS_STRENGTH[strongest] > STATUS_STRENGTH[status]:
            changes.append(EventChange("status", status, strongest, article_id, at))
            status = strongest
        stated = [m for m in group if m.headcount_interval is not None]
        if stated:
            largest = max(stated, key=lambda m: (m.stated_headcount or 0, -m.mention_index))
            if headcount_mention is None:
                if article_id != mentions[0].article_id:
                    changes.append(EventChange("headcount", None, largest.stated_headcount, article_id, at))
            elif not headcounts_compatible(
                headcount_mention.headcount_interval, largest.headcount_interval, tolerance
            ):
                changes.append(
                    EventChange("headcount", headcount_mention.stated_headcount, largest.stated_headcount, article_id, at)
                )
            headcount_mention = largest
        percents = [m.headcount_percent for m in group if m.headcount_percent is not None]
        if percents:
            percent = max(percents)
    founder = draft.founder
    return ResolvedEvent(
        event_id=event_id,
        company_id=founder.company_id,
        company_name=founder.company_name,
        known=founder.known,
        wave=draft.wave,
        first_seen=mentions[0].moment,
        last_seen=mentions[-1].moment,
        status=status or founder.status,
        headcount=headcount_mention.stated_headcount if headcount_mention else None,
        headcount_low=headcount_mention.headcount_low if headcount_mention else None,
        headcount_high=headcount_mention.headcount_high if headcount_mention else None,
        headcount_percent=percent,
        founding_mention=founder.key,
        mentions=tuple(mentions),
        changes=tuple(changes),
        wave_markers=draft.wave_markers,
    )


def _unique_counted(mentions: Iterable[EventMention]) -> list[EventMention]:
    by_key: dict[MentionKey, EventMention] = {}
    for mention in mentions:
        if not isinstance(mention, EventMention):
            raise TypeError(f"resolve_events expects EventMention items, got {type(mention).__name__}")
        if mention.status not in COUNTED_STATUSES:
            continue
        if not mention.company_id:
            raise ValueError(f"counted mention {mention.key!r} has no company_id")
        known = by_key.get(mention.key)
        if known is not None and known != mention:
            raise ValueError(
                f"two different mentions share the key {mention.key!r} (article_id, mention_index); "
                "pass one version of each article's mentions"
            )
        by_key[mention.key] = mention
    return sorted(by_key.values(), key=lambda m: m.sort_key)


def resolve_events(
    mentions: Iterable[EventMention],
    settings: ResolutionSettings | None = None,
    previous_event_ids: Mapping[MentionKey, str] | None = None,
) -> list[ResolvedEvent]:
    """Group counted layoff mentions into real-world events (see the package docstring).

    Mentions whose status is not counted (announced, planned, executed) are ignored; the
    same mention given twice counts once; two DIFFERENT mentions with one key raise
    ``ValueError``. ``previous_event_ids`` (mention key → event id, from the last
    resolution, e.g. :func:`event_ids_by_mention`) keeps ids stable when a backfill adds
    mentions EARLIER than an event's founding mention. The result does not depend on the
    input order; events come sorted by ``first_seen`` then ``event_id``."""
    settings = settings or ResolutionSettings()
    markers = compile_wave_markers(settings.wave_markers)
    by_company: dict[str, list[EventMention]] = defaultdict(list)
    for mention in _unique_counted(mentions):
        by_company[mention.company_id].append(mention)
    drafts: list[_Draft] = []
    for company_id in sorted(by_company):
        drafts.extend(_sweep_company(by_company[company_id], settings, markers))
    ids = _assign_ids(drafts, previous_event_ids or {})
    events = [_finish(draft, event_id, settings.headcount_tolerance) for draft, event_id in zip(drafts, ids)]
    events.sort(key=lambda e: (e.first_seen, e.event_id))
    return events


def event_ids_by_mention(events: Iterable[ResolvedEvent]) -> dict[MentionKey, str]:
    """Mention key → event id: what to pass as ``previous_event_ids`` next time."""
    return {mention.key: event.event_id for event in events for mention in event.mentions}


# --------------------------------------------------------------------------- rows for the marts


def _percent_or_none(value: float | None) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def event_row(event: ResolvedEvent) -> dict[str, Any]:
    """One row of ``layoff_events`` (one real-world event)."""
    representative = event.representative
    return {
        "event_id": event.event_id,
        "company_id": event.company_id,
        "company_name": event.company_name,
        "known": event.known,
        "wave": event.wave,
        "status": event.status,
        "headcount": event.headcount,
        "headcount_low": event.headcount_low,
        "headcount_high": event.headcount_high,
        "headcount_percent": _percent_or_none(event.headcount_percent),
        "first_seen": event.first_seen,
        "last_seen": event.last_seen,
        "first_day": event.first_day,
        "last_day": event.last_day,
        "articles": len(event.article_ids),
        "sources": len(event.source_ids),
        "mentions": len(event.mentions),
        "changes": len(event.changes),
        "founding_article_id": event.founding_mention[0],
        "founding_mention_index": event.founding_mention[1],
        "sentence": representative.sentence,
        "article_id": representative.article_id,
        "url": representative.url,
        "source_id": representative.source_id,
    }


def event_mention_rows(event: ResolvedEvent) -> list[dict[str, Any]]:
    """Rows of ``layoff_event_mentions``: which article, source and sentence support the event."""
    return [
        {
            "event_id": event.event_id,
            "article_id": m.article_id,
            "mention_index": m.mention_index,
            "company_id": m.company_id,
            "source_id": m.source_id,
            "cluster_id": m.cluster_id,
            "day": m.day,
            "published_at": m.published_at,
            "status": m.status,
            "headcount": m.stated_headcount,
            "sentence": m.sentence,
            "is_founding": m.key == event.founding_mention,
        }
        for m in event.mentions
    ]

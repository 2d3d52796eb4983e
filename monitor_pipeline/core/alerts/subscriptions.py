"""Alert subscriptions: who receives which layoff events, through which channels.

The subscriptions file (YAML, path given by the caller; the Dagster side reads it from
``MONITOR_SUBSCRIPTIONS``)::

    subscriptions:
      - name: rh-industrie                  # unique; letters, digits, . _ -
        channels:                           # Apprise URLs, env:VAR references, or file[:PATH]
          - env:MONITOR_HOOK_RH             # the variable holds one or more Apprise URLs
          - mailto://smtp.example.org?from=veille@example.org&to=rh@example.org
        filters:                            # all optional
          companies: [valdor, norvia]       # knowledge-base ids / unknown-company slugs, or: all
          known: any                        # true (known companies) | false (unknown) | any
          min_headcount: 100                # events without a figure do not match
          statuses: [announced, executed]   # among planned, announced, executed
        mode: immediate                     # immediate | daily_digest
        events: true                        # layoff event alerts (default true)
        operators: false                    # run failures and failed checks (default false)
        spikes: false                       # company mention spikes (default false)

An invalid file raises :class:`SubscriptionsError` naming the file, the line and the
reason: YAML syntax, unknown or duplicate keys, wrong types, unknown modes or statuses,
duplicate names, unusable channel URLs. Messages never contain a channel URL or any
secret-looking part of one (the redaction helpers of :mod:`.channels`); a channel shows
as its redacted label (``json://127.0.0.1:8080/…``, ``slack://***``) or ``env:NAME``.

No file (``path=None``): :func:`default_subscriptions` — one subscription, every
company, immediate, channels from ``MONITOR_ALERT_URLS`` else the JSON-lines file:
exactly the behaviour before subscriptions existed. :func:`resolve_channels` turns a
subscription's channel references into channels, looking ``env:`` references up in
the environment MAPPING it is given (this module never reads ``os.environ``).
:func:`matches` decides whether an event is delivered to a subscription.

Pure domain code: no Dagster; the only I/O is reading the file named by the caller.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

from monitor_pipeline.core.alerts.channels import (
    DEFAULT_TIMEOUT_S,
    ENV_ALERT_TIMEOUT,
    AppriseChannel,
    Channel,
    ChannelConfigError,
    FileChannel,
    channels_from_env,
    distinct_channels,
    redact,
    redact_url,
    split_alert_urls,
    url_secrets,
)

__all__ = [
    "ENV_SUBSCRIPTIONS",
    "MODES",
    "SubscriptionsError",
    "ChannelRef",
    "SubscriptionFilters",
    "Subscription",
    "load_subscriptions",
    "parse_subscriptions",
    "default_subscriptions",
    "resolve_channels",
    "matches",
    "operator_subscriptions",
    "spike_subscriptions",
    "wants_spike",
]

ENV_SUBSCRIPTIONS = "MONITOR_SUBSCRIPTIONS"
MODES = ("immediate", "daily_digest")
EVENT_STATUSES = ("planned", "announced", "executed")
DEFAULT_FILE_NAME = "alerts.jsonl"

_TOP_KEYS = ("version", "subscriptions")
_SUBSCRIPTION_KEYS = ("name", "channels", "filters", "mode", "events", "operators", "spikes")
_FILTER_KEYS = ("companies", "known", "min_headcount", "statuses")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
_ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


class SubscriptionsError(ValueError):
    """The subscriptions file is unusable. ``str()`` is ``"<file>:<line>: <reason>"``;
    neither part ever contains a channel URL or a secret."""

    def __init__(self, path: str, line: int | None, reason: str) -> None:
        self.path, self.line, self.reason = path, line, reason
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class ChannelRef:
    """One entry of a subscription's ``channels``, not yet resolved.

    ``kind``: ``"url"`` (an Apprise URL written in the file), ``"env"`` (``value`` is the
    NAME of an environment variable holding Apprise URLs), ``"file"`` (``value`` is a
    JSON-lines path, relative to the data directory; empty = ``alerts.jsonl``) or
    ``"default"`` (``MONITOR_ALERT_URLS``, else the file: the no-subscriptions behaviour).
    The URL never appears in ``repr``; ``label`` is safe to show."""

    kind: str
    value: str = field(repr=False)
    line: int | None = None
    label: str = ""

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", _label(self.kind, self.value))


def _label(kind: str, value: str) -> str:
    if kind == "url":
        return redact_url(value)
    if kind == "env":
        return f"env:{value}"
    if kind == "file":
        return f"file:{value or DEFAULT_FILE_NAME}"
    return kind


@dataclass(frozen=True)
class SubscriptionFilters:
    """Which events a subscription wants. ``None`` means "no restriction"."""

    companies: frozenset[str] | None = None
    known: bool | None = None
    min_headcount: int | None = None
    statuses: frozenset[str] = frozenset(EVENT_STATUSES)


@dataclass(frozen=True)
class Subscription:
    """One recipient: channels, filters and what kinds of alerts it receives."""

    name: str
    channels: tuple[ChannelRef, ...]
    filters: SubscriptionFilters = field(default_factory=SubscriptionFilters)
    mode: str = "immediate"
    events: bool = True
    operators: bool = False
    spikes: bool = False
    source: str = "(default)"
    line: int | None = None


class _EventLike(Protocol):
    company_id: str
    status: str
    headcount: int | None


def default_subscriptions() -> list[Subscription]:
    """The behaviour without a subscriptions file: every company, immediately, to the
    ``MONITOR_ALERT_URLS`` channels or else the JSON-lines file. No operator or spike alerts."""
    return [Subscription(name="default", channels=(ChannelRef("default", ""),))]


# --------------------------------------------------------------------------- loading


class _Parser:
    """Walks the composed YAML node tree, so every error knows its line."""

    def __init__(self, source: str, secrets: Sequence[str]) -> None:
        self.source = source
        self.secrets = list(secrets)
        self._constructor = yaml.SafeLoader("")

    def fail(self, node: yaml.Node | None, reason: str) -> SubscriptionsError:
        line = node.start_mark.line + 1 if node is not None else None
        return SubscriptionsError(self.source, line, redact(reason, self.secrets))

    def scalar(self, node: yaml.Node, what: str) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, f"{what} must be a single value, not a {_kind(node)}")
        try:
            return self._constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise self.fail(node, f"{what}: unreadable value ({getattr(exc, 'problem', None) or 'bad scalar'})") from None

    def mapping(self, node: yaml.Node, what: str, allowed: Sequence[str]) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} must be a mapping (key: value lines), not a {_kind(node)}")
        entries: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = self.scalar(key_node, f"a key of {what}")
            if not isinstance(key, str):
                raise self.fail(key_node, f"{what}: keys must be text, got {key!r}")
            if key in entries:
                first = entries[key][0].start_mark.line + 1
                raise self.fail(key_node, f"{what}: duplicate key {key!r} (first on line {first})")
            if key not in allowed:
                raise self.fail(key_node, f"{what}: unknown key {key!r} (allowed: {', '.join(allowed)})")
            entries[key] = (key_node, value_node)
        return entries

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, f"{what} must be a list, not a {_kind(node)}")
        return list(node.value)

    def boolean(self, node: yaml.Node, what: str) -> bool:
        value = self.scalar(node, what)
        if not isinstance(value, bool):
            raise self.fail(node, f"{what} must be true or false, got {value!r}")
        return value


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "mapping"
    if isinstance(node, yaml.SequenceNode):
        return "list"
    return "single value"


def _scalar_texts(node: yaml.Node) -> Iterable[str]:
    if isinstance(node, yaml.ScalarNode):
        yield str(node.value)
    elif isinstance(node, yaml.SequenceNode):
        for child in node.value:
            yield from _scalar_texts(child)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _scalar_texts(key)
            yield from _scalar_texts(value)


def _refuse_aliases(root: yaml.Node, source: str) -> None:
    """A node reached twice comes from an anchor/alias (``&a`` … ``*a``): refused, since a
    subscription is short and aliases allow self-references and exponential expansions."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise SubscriptionsError(
                source, node.start_mark.line + 1, "YAML anchors and aliases (&name, *name) are not supported"
            )
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))


def _document_secrets(node: yaml.Node) -> list[str]:
    """Every secret-looking part of every URL written anywhere in the file."""
    secrets: list[str] = []
    for text in _scalar_texts(node):
        for token in text.split():
            if "://" in token:
                secrets.extend(url_secrets(token))
    return secrets


def _parse_channel(parser: _Parser, node: yaml.Node, where: str, number: int) -> ChannelRef:
    what = f"{where}: channel #{number}"
    value = parser.scalar(node, what)
    line = node.start_mark.line + 1
    if not isinstance(value, str) or not value.strip():
        raise parser.fail(node, f"{what} must be an Apprise URL, env:VARIABLE or file[:PATH]")
    value = value.strip()
    if value.startswith("env:"):
        name = value[4:].strip()
        if not _ENV_NAME_RE.match(name):
            raise parser.fail(node, f"{what}: env: must be followed by an environment variable name")
        return ChannelRef("env", name, line)
    if value == "file" or value.startswith("file:") and not value.startswith("file://"):
        return ChannelRef("file", value[5:].strip(), line)
    if not _SCHEME_RE.match(value):
        raise parser.fail(node, f"{what} is neither an Apprise URL (scheme://…), env:VARIABLE nor file[:PATH]")
    try:
        AppriseChannel(value)  # validates the scheme and the URL format; no network
    except ChannelConfigError as exc:  # already redacted
        raise parser.fail(node, f"{what}: {exc}") from None
    return ChannelRef("url", value, line)


def _parse_filters(parser: _Parser, node: yaml.Node, where: str) -> SubscriptionFilters:
    entries = parser.mapping(node, f"{where}: filters", _FILTER_KEYS)
    companies: frozenset[str] | None = None
    known: bool | None = None
    min_headcount: int | None = None
    statuses = frozenset(EVENT_STATUSES)
    if "companies" in entries:
        value_node = entries["companies"][1]
        if isinstance(value_node, yaml.ScalarNode):
            if parser.scalar(value_node, f"{where}: companies") != "all":
                raise parser.fail(value_node, f"{where}: companies must be 'all' or a list of company ids")
        else:
            ids: list[str] = []
            for item in parser.sequence(value_node, f"{where}: companies"):
                company = parser.scalar(item, f"{where}: a company id")
                if not isinstance(company, str) or not company.strip():
                    raise parser.fail(item, f"{where}: company ids must be non-empty text, got {company!r}")
                ids.append(company.strip())
            if not ids:
                raise parser.fail(value_node, f"{where}: companies is an empty list (use 'all' for every company)")
            companies = frozenset(ids)
    if "known" in entries:
        value_node = entries["known"][1]
        value = parser.scalar(value_node, f"{where}: known")
        if value == "any":
            known = None
        elif isinstance(value, bool):
            known = value
        else:
            raise parser.fail(value_node, f"{where}: known must be true, false or any, got {value!r}")
    if "min_headcount" in entries:
        value_node = entries["min_headcount"][1]
        value = parser.scalar(value_node, f"{where}: min_headcount")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise parser.fail(value_node, f"{where}: min_headcount must be a whole number >= 0, got {value!r}")
        min_headcount = value
    if "statuses" in entries:
        value_node = entries["statuses"][1]
        chosen: list[str] = []
        for item in parser.sequence(value_node, f"{where}: statuses"):
            status = parser.scalar(item, f"{where}: a status")
            if status not in EVENT_STATUSES:
                raise parser.fail(item, f"{where}: unknown status {status!r} (allowed: {', '.join(EVENT_STATUSES)})")
            chosen.append(status)
        if not chosen:
            raise parser.fail(value_node, f"{where}: statuses is an empty list")
        statuses = frozenset(chosen)
    return SubscriptionFilters(companies=companies, known=known, min_headcount=min_headcount, statuses=statuses)


def _parse_subscription(parser: _Parser, node: yaml.Node, number: int) -> Subscription:
    entries = parser.mapping(node, f"subscription #{number}", _SUBSCRIPTION_KEYS)
    for required in ("name", "channels"):
        if required not in entries:
            raise parser.fail(node, f"subscription #{number}: missing key {required!r}")
    name_node = entries["name"][1]
    name = parser.scalar(name_node, f"subscription #{number}: name")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise parser.fail(
            name_node, f"subscription #{number}: name must be 1-64 letters, digits, '.', '_' or '-', got {name!r}"
        )
    where = f"subscription {name!r}"
    channel_nodes = parser.sequence(entries["channels"][1], f"{where}: channels")
    if not channel_nodes:
        raise parser.fail(entries["channels"][1], f"{where}: channels is an empty list")
    channels = tuple(_parse_channel(parser, item, where, i) for i, item in enumerate(channel_nodes, start=1))
    filters = _parse_filters(parser, entries["filters"][1], where) if "filters" in entries else SubscriptionFilters()
    mode = "immediate"
    if "mode" in entries:
        mode_node = entries["mode"][1]
        mode = parser.scalar(mode_node, f"{where}: mode")
        if mode not in MODES:
            raise parser.fail(mode_node, f"{where}: unknown mode {mode!r} (allowed: {', '.join(MODES)})")
    flags = {
        key: parser.boolean(entries[key][1], f"{where}: {key}") if key in entries else default
        for key, default in (("events", True), ("operators", False), ("spikes", False))
    }
    if not any(flags.values()):
        raise parser.fail(node, f"{where}: events, operators and spikes are all false: it would receive nothing")
    return Subscription(
        name=name,
        channels=channels,
        filters=filters,
        mode=mode,
        source=parser.source,
        line=node.start_mark.line + 1,
        **flags,
    )


def parse_subscriptions(text: str, source: str = "<subscriptions>") -> list[Subscription]:
    """Subscriptions from YAML ``text``; ``source`` names the file in error messages."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        # the problem phrase only: PyYAML's snippet would quote the line (maybe a URL)
        problem = exc.problem or exc.context or "malformed YAML"
        if exc.context and exc.context_mark is not None and exc.problem_mark is not None \
                and exc.context_mark.line != exc.problem_mark.line:
            problem += f" ({exc.context} started on line {exc.context_mark.line + 1})"
        raise SubscriptionsError(source, line, f"invalid YAML: {redact(problem, [])}") from None
    except yaml.YAMLError as exc:
        raise SubscriptionsError(source, None, f"invalid YAML ({type(exc).__name__})") from None
    if root is None:
        raise SubscriptionsError(source, None, "the file is empty: list at least one subscription under 'subscriptions:'")
    _refuse_aliases(root, source)
    parser = _Parser(source, _document_secrets(root))
    entries = parser.mapping(root, "the file", _TOP_KEYS)
    if "version" in entries:
        version_node = entries["version"][1]
        if parser.scalar(version_node, "version") != 1:
            raise parser.fail(version_node, "version must be 1")
    if "subscriptions" not in entries:
        raise parser.fail(root, "missing key 'subscriptions' (a list of subscriptions)")
    list_node = entries["subscriptions"][1]
    items = parser.sequence(list_node, "subscriptions")
    if not items:
        raise parser.fail(list_node, "subscriptions is an empty list")
    subscriptions: list[Subscription] = []
    first_line: dict[str, int | None] = {}
    for number, item in enumerate(items, start=1):
        subscription = _parse_subscription(parser, item, number)
        if subscription.name in first_line:
            raise parser.fail(
                item, f"duplicate subscription name {subscription.name!r} (first on line {first_line[subscription.name]})"
            )
        first_line[subscription.name] = subscription.line
        subscriptions.append(subscription)
    return subscriptions


def load_subscriptions(
    path: str | os.PathLike[str] | None, env: Mapping[str, str] | None = None
) -> list[Subscription]:
    """Subscriptions of the file at ``path``; ``None`` → :func:`default_subscriptions`.

    A path that does not exist is an error (a mistyped path must not silently fall back to
    the default). With ``env`` given, every channel is also resolved now, so a missing
    ``env:`` variable or a bad URL inside one fails at load, with its line."""
    if path is None or str(path).strip() == "":
        subscriptions = default_subscriptions()
    else:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise SubscriptionsError(source, None, "subscriptions file not found") from None
        except UnicodeDecodeError:
            raise SubscriptionsError(source, None, "subscriptions file is not UTF-8 text") from None
        except OSError as exc:
            raise SubscriptionsError(source, None, f"cannot read the subscriptions file: {exc.strerror}") from None
        subscriptions = parse_subscriptions(text, source)
    if env is not None:
        for subscription in subscriptions:
            resolve_channels(subscription, env)
    return subscriptions


# --------------------------------------------------------------------------- channels


def _timeout(env: Mapping[str, str], subscription: Subscription) -> float:
    raw = (env.get(ENV_ALERT_TIMEOUT) or "").strip()
    if not raw:
        return DEFAULT_TIMEOUT_S
    try:
        return float(raw)
    except ValueError:
        raise SubscriptionsError(
            subscription.source, None, f"{ENV_ALERT_TIMEOUT} must be a number of seconds, got {raw!r}"
        ) from None


def resolve_channels(
    subscription: Subscription, env: Mapping[str, str], data_dir: str | os.PathLike[str] = "data"
) -> list[Channel]:
    """The channels of ``subscription``: URLs as written, ``env:NAME`` looked up in ``env``
    (one or more Apprise URLs, space- or comma-separated), ``file[:PATH]`` under ``data_dir``.

    Raises :class:`SubscriptionsError` (file, line of the entry, redacted reason) for an unset
    variable or an unusable URL. Channel names are redacted labels, unique within the
    subscription (a fingerprint suffix tells apart two URLs with the same label)."""
    where = f"subscription {subscription.name!r}"
    timeout_s = _timeout(env, subscription)
    channels: list[Channel] = []
    for ref in subscription.channels:
        if ref.kind == "default":
            try:
                channels.extend(channels_from_env(env, data_dir))
            except ChannelConfigError as exc:
                raise SubscriptionsError(subscription.source, ref.line, f"{where}: {exc}") from None
        elif ref.kind == "file":
            target = Path(ref.value or DEFAULT_FILE_NAME)
            channels.append(FileChannel(target if target.is_absolute() else Path(data_dir) / target))
        elif ref.kind == "url":
            try:
                channels.append(AppriseChannel(ref.value, timeout_s=timeout_s))
            except ChannelConfigError as exc:
                raise SubscriptionsError(subscription.source, ref.line, f"{where}: {ref.label}: {exc}") from None
        elif ref.kind == "env":
            urls = split_alert_urls(env.get(ref.value, ""))
            if not urls:
                raise SubscriptionsError(
                    subscription.source, ref.line,
                    f"{where}: environment variable {ref.value} is not set or empty (channel {ref.label})",
                )
            for number, url in enumerate(urls, start=1):
                try:
                    channels.append(AppriseChannel(url, timeout_s=timeout_s))
                except ChannelConfigError as exc:
                    raise SubscriptionsError(
                        subscription.source, ref.line, f"{where}: {ref.label} entry #{number}: {exc}"
                    ) from None
        else:  # pragma: no cover - ChannelRef kinds are produced by this module only
            raise ValueError(f"unknown channel kind {ref.kind!r}")
    return distinct_channels(channels)


# --------------------------------------------------------------------------- matching


def matches(subscription: Subscription, event: _EventLike) -> bool:
    """True when ``event`` (anything with ``company_id``, ``status``, ``headcount`` and
    optionally ``known``, e.g. a ``ResolvedEvent``) is delivered to ``subscription``.

    A subscription with ``events: false`` receives no layoff events. ``min_headcount``
    excludes events whose headcount is unknown."""
    if not subscription.events:
        return False
    filters = subscription.filters
    if filters.companies is not None and event.company_id not in filters.companies:
        return False
    if filters.known is not None and bool(getattr(event, "known", True)) != filters.known:
        return False
    if filters.min_headcount is not None and (event.headcount is None or event.headcount < filters.min_headcount):
        return False
    return event.status in filters.statuses


def operator_subscriptions(subscriptions: Iterable[Subscription]) -> list[Subscription]:
    """Subscriptions that receive run-failure and failed-check alerts."""
    return [s for s in subscriptions if s.operators]


def spike_subscriptions(subscriptions: Iterable[Subscription]) -> list[Subscription]:
    """Subscriptions that receive company mention spike alerts."""
    return [s for s in subscriptions if s.spikes]


def wants_spike(subscription: Subscription, company_id: str) -> bool:
    """True when ``subscription`` asks for spikes and its ``companies`` filter (if any) lists the company;
    the other filters are about layoff events and do not apply to spikes."""
    companies = subscription.filters.companies
    return subscription.spikes and (companies is None or company_id in companies)

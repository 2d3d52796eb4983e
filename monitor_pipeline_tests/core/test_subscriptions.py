"""Subscriptions file: loading with line-precise errors, channel resolution, matching."""
from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest

from monitor_pipeline.core.alerts.channels import AppriseChannel, FileChannel
from monitor_pipeline.core.alerts.subscriptions import (
    Subscription,
    SubscriptionFilters,
    SubscriptionsError,
    load_subscriptions,
    matches,
    operator_subscriptions,
    parse_subscriptions,
    resolve_channels,
    spike_subscriptions,
)
from monitor_pipeline.core.events import EventMention, resolve_events

SECRET = "Zq8tokenXw31"
HOOK_WITH_SECRET = f"json://alerts:{SECRET}@127.0.0.1:9/hook?token={SECRET}"

EXAMPLE = f"""\
version: 1
subscriptions:
  - name: rh-industrie
    channels:
      - env:MONITOR_HOOK_RH
      - {HOOK_WITH_SECRET}
    filters:
      companies: [valdor, norvia]
      known: true
      min_headcount: 100
      statuses: [announced, executed]
    mode: immediate
  - name: veille-pme
    channels: [file:pme.jsonl]
    filters:
      known: false
    mode: daily_digest
  - name: astreinte
    channels: [file]
    events: false
    operators: true
    spikes: true
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "subscriptions.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> SubscriptionsError:
    path = write(tmp_path, text)
    with pytest.raises(SubscriptionsError) as info:
        load_subscriptions(path)
    return info.value


class Event:
    """The fields ``matches`` reads, nothing else."""

    def __init__(self, company_id="valdor", status="announced", headcount=500, known=True):
        self.company_id, self.status, self.headcount, self.known = company_id, status, headcount, known


# --------------------------------------------------------------------------- loading


def test_example_file_loads_with_every_field(tmp_path):
    subs = load_subscriptions(write(tmp_path, EXAMPLE))
    assert [s.name for s in subs] == ["rh-industrie", "veille-pme", "astreinte"]
    rh, pme, ops = subs
    assert [(c.kind, c.label) for c in rh.channels] == [
        ("env", "env:MONITOR_HOOK_RH"), ("url", "json://127.0.0.1:9/…")
    ]
    assert rh.filters == SubscriptionFilters(
        companies=frozenset({"valdor", "norvia"}), known=True, min_headcount=100,
        statuses=frozenset({"announced", "executed"}),
    )
    assert (rh.mode, rh.events, rh.operators, rh.spikes, rh.line) == ("immediate", True, False, False, 3)
    assert (pme.mode, pme.filters.known, pme.filters.companies) == ("daily_digest", False, None)
    assert (ops.events, ops.operators, ops.spikes) == (False, True, True)
    assert operator_subscriptions(subs) == [ops] and spike_subscriptions(subs) == [ops]
    assert SECRET not in repr(subs)  # URLs stay out of reprs (logs, Dagster metadata)


def test_no_file_is_the_default_subscription_with_todays_channels(tmp_path):
    (default,) = load_subscriptions(None)
    assert (default.name, default.mode, default.events, default.operators) == ("default", "immediate", True, False)
    assert matches(default, Event(company_id="anyone", headcount=None, known=False))
    (channel,) = resolve_channels(default, {}, data_dir=tmp_path)
    assert isinstance(channel, FileChannel) and channel.path == tmp_path / "alerts.jsonl"
    (hook,) = resolve_channels(default, {"MONITOR_ALERT_URLS": "json://127.0.0.1:9/x"}, data_dir=tmp_path)
    assert isinstance(hook, AppriseChannel)


def test_missing_file_is_an_error_not_a_silent_default(tmp_path):
    error = str(pytest.raises(SubscriptionsError, load_subscriptions, tmp_path / "nope.yaml").value)
    assert "nope.yaml" in error and "not found" in error


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("subscriptions:\n  - name: a\n    channels: [file]\n    colour: blue\n", 4, "unknown key 'colour'"),
        ("subscriptions:\n  - name: a\n    channels: [file]\n    filters:\n      sector: auto\n", 5,
         "unknown key 'sector'"),
        ("subscriptions:\n  - name: a\n    channels: [file]\n    mode: weekly\n", 4, "unknown mode 'weekly'"),
        ("subscriptions:\n  - name: a\n    channels: [file]\n    filters:\n      statuses: [announced, rumour]\n",
         5, "unknown status 'rumour'"),
        ("subscriptions:\n  - name: a\n    channels: [file]\n    filters: {min_headcount: -5}\n", 4,
         "min_headcount must be a whole number"),
        ("subscriptions:\n  - name: a\n    channels: [file]\n    filters: {known: maybe}\n", 4,
         "known must be true, false or any"),
        ("subscriptions:\n  - name: a\n    channels: []\n", 3, "channels is an empty list"),
        ("subscriptions:\n  - name: a\n    channels: [file]\n  - name: a\n    channels: [file]\n", 4,
         "duplicate subscription name 'a' (first on line 2)"),
        ("subscriptions:\n  - name: a\n    name: b\n    channels: [file]\n", 3, "duplicate key 'name'"),
        ("subscriptions:\n  - channels: [file]\n", 2, "missing key 'name'"),
        ("subscriptions:\n  - name: a b\n    channels: [file]\n", 2, "name must be"),
        ("subscriptions:\n  - name: a\n    channels: [file]\n    operators: yes please\n", 4,
         "operators must be true or false"),
        ("subscriptions:\n  - name: a\n    channels: [file]\n    events: false\n", 2, "would receive nothing"),
        ("subscriptions:\n  - name: a\n    channels: [file]\n    filters:\n      companies: some\n", 5,
         "companies must be 'all' or a list"),
        ("subscriptions:\n  - name: a\n    channels: [env:1BAD]\n", 3, "environment variable name"),
        ("subscriptions:\n  - name: a\n    channels: [hooks.example.org]\n", 3, "neither an Apprise URL"),
        ("subscriptions:\n  - name: a\n    channels: [nosuchservice://abc/def]\n", 3,
         "unsupported alert channel scheme 'nosuchservice'"),
        ("subscriptions: {}\n", 1, "subscriptions must be a list"),
        ("version: 2\nsubscriptions: []\n", 1, "version must be 1"),
        ("subscribers:\n  - name: a\n", 1, "unknown key 'subscribers'"),
        ("subscriptions: &loop\n  - *loop\n", 1, "anchors and aliases"),
        ("x: &c [file]\nsubscriptions:\n  - name: a\n    channels: *c\n", 1, "anchors and aliases"),
        ("subscriptions:\n  - name: a\n    channels: [file\n  - name: b\n", 4,
         "invalid YAML: expected ',' or ']', but got ':' (while parsing a flow sequence started on line 3)"),
    ],
)
def test_invalid_files_name_the_file_the_line_and_the_reason(tmp_path, text, line, reason):
    error = error_of(tmp_path, text)
    assert error.line == line, str(error)
    assert reason in error.reason
    assert str(error).startswith(f"{tmp_path / 'subscriptions.yaml'}:{line}: ")


def test_empty_file_is_refused(tmp_path):
    assert "empty" in error_of(tmp_path, "# nothing yet\n").reason


def test_secrets_never_reach_error_messages(tmp_path):
    # a YAML syntax error on the very line holding a secret URL: PyYAML would quote it
    broken = f"subscriptions:\n  - name: a\n    channels: [{HOOK_WITH_SECRET}\n    mode: : x\n"
    assert SECRET not in str(error_of(tmp_path, broken))
    # a URL Apprise cannot parse, whose "host" is itself a token
    bad_slack = f"subscriptions:\n  - name: a\n    channels: ['slack://{SECRET}']\n"
    error = error_of(tmp_path, bad_slack)
    assert error.line == 3 and SECRET not in str(error) and "slack://***" in str(error)
    # a secret URL pasted as a key by mistake
    as_key = f"subscriptions:\n  - name: a\n    channels: [file]\n    {HOOK_WITH_SECRET}: 1\n"
    error = error_of(tmp_path, as_key)
    assert error.line == 4 and SECRET not in str(error)


# --------------------------------------------------------------------------- channels


def test_env_references_resolve_from_the_given_mapping_only(tmp_path):
    rh = load_subscriptions(write(tmp_path, EXAMPLE))[0]
    env = {"MONITOR_HOOK_RH": "json://127.0.0.1:9/a, json://127.0.0.1:9/b"}
    channels = resolve_channels(rh, env, data_dir=tmp_path)
    assert len(channels) == 3 and all(isinstance(c, AppriseChannel) for c in channels)
    names = [c.name for c in channels]
    assert len(set(names)) == 3  # same label, told apart by a fingerprint
    assert all(SECRET not in n for n in names)


def test_unset_env_variable_fails_with_the_line_of_the_entry(tmp_path):
    path = write(tmp_path, EXAMPLE)
    with pytest.raises(SubscriptionsError) as info:
        load_subscriptions(path, env={})
    assert (info.value.line, "MONITOR_HOOK_RH" in info.value.reason) == (5, True)


def test_bad_url_inside_an_env_variable_is_redacted(tmp_path):
    rh = load_subscriptions(write(tmp_path, EXAMPLE))[0]
    with pytest.raises(SubscriptionsError) as info:
        resolve_channels(rh, {"MONITOR_HOOK_RH": f"slack://{SECRET}"})
    assert SECRET not in str(info.value) and "env:MONITOR_HOOK_RH entry #1" in str(info.value)


def test_file_channels_live_under_the_data_dir(tmp_path):
    pme = load_subscriptions(write(tmp_path, EXAMPLE))[1]
    (channel,) = resolve_channels(pme, {}, data_dir=tmp_path)
    assert isinstance(channel, FileChannel) and channel.path == tmp_path / "pme.jsonl"


# --------------------------------------------------------------------------- matching


def test_matching_applies_every_filter(tmp_path):
    rh, pme, ops = load_subscriptions(write(tmp_path, EXAMPLE))
    assert matches(rh, Event())
    assert not matches(rh, Event(company_id="autre"))
    assert not matches(rh, Event(headcount=99))
    assert matches(rh, Event(headcount=100))
    assert not matches(rh, Event(headcount=None))  # min_headcount needs a figure
    assert not matches(rh, Event(status="planned"))
    assert not matches(rh, Event(known=False))
    assert matches(pme, Event(company_id="brasserie-du-vexin", known=False, headcount=None, status="planned"))
    assert not matches(pme, Event(known=True))
    assert not matches(ops, Event())  # events: false


def test_matching_a_resolved_event_of_an_unknown_company():
    mention = EventMention(
        article_id="a1", mention_index=0, company_id="brasserie-du-vexin", company_name="Brasserie du Vexin",
        known=False, status="executed", headcount=35, headcount_low=None, headcount_high=None,
        headcount_percent=None, day=date(2026, 3, 2), published_at=None, source_id="actu", cluster_id="a1",
        sentence="La Brasserie du Vexin a licencié 35 salariés.",
    )
    (event,) = resolve_events([mention])
    only_unknown = Subscription(name="pme", channels=(), filters=SubscriptionFilters(known=False, min_headcount=30))
    only_known = Subscription(name="cac", channels=(), filters=SubscriptionFilters(known=True))
    assert matches(only_unknown, event) and not matches(only_known, event)


def test_the_documented_example_is_a_valid_file():
    import monitor_pipeline.core.alerts.subscriptions as module

    doc = module.__doc__
    block = doc.split("::\n\n", 1)[1].split("\n\n", 1)[0]
    subs = parse_subscriptions(textwrap.dedent(block), "docstring")
    assert [(s.name, s.mode, [c.label for c in s.channels]) for s in subs] == [
        ("rh-industrie", "immediate", ["env:MONITOR_HOOK_RH", "mailto://smtp.example.org/…"])
    ]

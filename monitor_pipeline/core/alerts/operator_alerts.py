"""Operators' alerts: a failed run, a failed asset check, as one message per operator subscription.

The Dagster layer (``defs/alerts/operators.py``) turns what the instance recorded into a
:class:`RunFailure` or a :class:`CheckFailure`; this module words the message (French, like the
other alerts) and keys it so the ledger sends it once: ``run-failure:<run id>`` and
``check-failure:<run id or evaluation id>:<asset>:<check>``. Error texts are cut to their first line
and redacted (every secret of every channel of this process, and any ``user:password@`` in a URL).

Pure domain code: no Dagster, no I/O.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from monitor_pipeline.core.alerts.channels import redact_known_secrets
from monitor_pipeline.core.alerts.ledger import OutgoingMessage
from monitor_pipeline.core.alerts.subscriptions import Subscription, operator_subscriptions

__all__ = ["OPERATOR_KIND", "RunFailure", "CheckFailure", "first_line", "run_link",
           "run_failure_messages", "check_failure_messages"]

OPERATOR_KIND = "operator"
MAX_ERROR_CHARS = 300


@dataclass(frozen=True)
class RunFailure:
    """A run that ended in failure: which job, which partition, which steps failed and why."""

    run_id: str
    job_name: str
    partition: str | None
    failed_steps: tuple[str, ...]
    error: str | None


@dataclass(frozen=True)
class CheckFailure:
    """One asset check evaluation that did not pass. ``evaluation_id`` identifies it when it has no run."""

    asset: str
    check_name: str
    severity: str
    run_id: str | None
    evaluation_id: str
    job_name: str | None = None
    partition: str | None = None
    description: str | None = None

    @property
    def key(self) -> str:
        return f"check-failure:{self.run_id or self.evaluation_id}:{self.asset}:{self.check_name}"


def first_line(text: str | None) -> str:
    """The first non-blank line of ``text``, redacted and cut to a readable length."""
    for line in (text or "").splitlines():
        if line.strip():
            line = redact_known_secrets(line.strip())
            return line if len(line) <= MAX_ERROR_CHARS else line[: MAX_ERROR_CHARS - 1] + "…"
    return "(pas de message d'erreur)"


def run_link(run_id: str, ui_base_url: str | None = None) -> str:
    """Where the run is in the UI: the full URL when the UI's base is known, else its path."""
    return f"{(ui_base_url or '').rstrip('/')}/runs/{run_id}"


def _messages(key: str, title: str, body: str, subscriptions: Sequence[Subscription]) -> list[OutgoingMessage]:
    return [OutgoingMessage(key, OPERATOR_KIND, s.name, title, body) for s in operator_subscriptions(subscriptions)]


def run_failure_messages(failure: RunFailure, subscriptions: Sequence[Subscription],
                         ui_base_url: str | None = None) -> list[OutgoingMessage]:
    """One message per operator subscription about a failed run."""
    partition = f" ({failure.partition})" if failure.partition else ""
    title = f"Échec du run {failure.job_name}{partition}"
    lines = [
        f"Job : {failure.job_name}",
        f"Partition : {failure.partition or '—'}",
        "Étape(s) en échec : " + (", ".join(failure.failed_steps) if failure.failed_steps else "—"),
        f"Erreur : {first_line(failure.error)}",
        f"Run : {run_link(failure.run_id, ui_base_url)}",
    ]
    return _messages(f"run-failure:{failure.run_id}", title, "\n".join(lines), subscriptions)


def check_failure_messages(failure: CheckFailure, subscriptions: Sequence[Subscription],
                           ui_base_url: str | None = None) -> list[OutgoingMessage]:
    """One message per operator subscription about a failed asset check."""
    title = f"Contrôle en échec : {failure.asset} / {failure.check_name} ({failure.severity})"
    lines = [
        f"Asset : {failure.asset}",
        f"Contrôle : {failure.check_name} (sévérité {failure.severity})",
        f"Job : {failure.job_name or '—'}",
        f"Partition : {failure.partition or '—'}",
        f"Détail : {first_line(failure.description)}",
    ]
    if failure.run_id:
        lines.append(f"Run : {run_link(failure.run_id, ui_base_url)}")
    return _messages(failure.key, title, "\n".join(lines), subscriptions)

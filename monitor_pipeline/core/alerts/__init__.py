"""Layoff alerts: which events deserve an alert, their text, who receives them and how.

* ``subscriptions``: the subscriptions file (who receives what, through which channels).
* ``event_alerts``: ``plan_event_alerts`` for cross-source ``ResolvedEvent`` items, per
  subscription (``monitor_pipeline.core.events``), and their French text.
* ``ledger``: the exactly-once delivery ledger and one alerting tick.
* ``channels``: Apprise and file channels, secret redaction.
"""

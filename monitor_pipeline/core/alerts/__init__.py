"""Layoff alerts: which events deserve an alert, their text, and the delivery channels.

* ``planner``: ``plan_alerts`` for the per-cluster ``LayoffEvent`` rows (one channel list).
* ``subscriptions``: the subscriptions file (who receives what, through which channels).
* ``event_alerts``: ``plan_event_alerts`` for cross-source ``ResolvedEvent`` items, per
  subscription (``monitor_pipeline.core.events``).
* ``channels``: Apprise and file channels, secret redaction.
"""

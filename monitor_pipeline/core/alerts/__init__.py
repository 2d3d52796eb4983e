"""Layoff alerts: which events deserve an alert, their text, and the delivery channels."""

"""Reliability tests: injected faults, bad input, load and security checks (docs/RELIABILITY.md)."""

"""Gradebook domain: scores, rule sets, locks (pure functions and dataclasses, no I/O)."""

"""Signing domain: ordered multi-party signing workflows, certificates (pure functions and dataclasses, no I/O)."""

"""Notifications domain: the parent contact book, messages and delivery channels (pure functions and dataclasses, no I/O)."""

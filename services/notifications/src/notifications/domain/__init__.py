"""Notifications domain: the parent contact book, messages and delivery channels; pure, no I/O."""

"""Transcript use cases."""

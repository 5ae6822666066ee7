"""Gradebook use cases."""

"""Gradebook entrypoints: HTTP routes and event consumers."""

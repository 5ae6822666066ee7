"""Transcript entrypoints: HTTP routes and event consumers."""

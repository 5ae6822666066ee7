"""Reporting entrypoints: HTTP routes and event consumers."""

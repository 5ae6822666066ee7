"""Signing entrypoints: HTTP routes and event consumers."""

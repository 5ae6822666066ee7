"""Notifications entrypoints: HTTP routes and event consumers."""

"""Signing use cases."""

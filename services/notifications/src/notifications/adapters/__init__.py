"""Notifications adapters: SQLAlchemy tables and repositories."""

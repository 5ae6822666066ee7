"""Reporting adapters: SQLAlchemy tables and repositories."""

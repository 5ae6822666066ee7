"""Transcript adapters: SQLAlchemy tables and repositories."""

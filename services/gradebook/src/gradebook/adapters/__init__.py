"""Gradebook adapters: SQLAlchemy tables and repositories."""

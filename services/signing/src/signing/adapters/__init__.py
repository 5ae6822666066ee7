"""Signing adapters: SQLAlchemy tables and repositories."""

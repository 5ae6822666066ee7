"""Identity adapters: SQLAlchemy tables and repositories."""

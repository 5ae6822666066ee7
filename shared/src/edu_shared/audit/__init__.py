"""A hash-chained, append-only audit trail (lưu vết) a service keeps in its own database, one chain per school."""

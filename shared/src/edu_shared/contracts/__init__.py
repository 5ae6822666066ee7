"""Versioned event payloads each service publishes: the wire contracts between services."""

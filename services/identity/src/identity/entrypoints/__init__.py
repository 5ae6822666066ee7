"""Identity entrypoints: HTTP routes."""

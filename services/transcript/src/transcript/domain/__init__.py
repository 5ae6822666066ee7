"""Transcript domain: transcripts assembled from the gradebook, versions, issuance (pure functions and dataclasses, no I/O)."""

"""Transcript domain: transcripts assembled from the gradebook, versions, issuance; pure, no I/O."""

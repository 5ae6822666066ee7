"""Versioned event payloads each service publishes: the wire contracts between services.

Importing this package registers every payload model (the AsyncAPI catalogue is generated from them).
"""

from edu_shared.contracts import (
    gradebook,
    gradebook_calendar,
    gradebook_records,
    gradebook_results,
    identity,
    identity_accounts,
    identity_people,
    notifications,
    signing,
    transcript,
)

__all__ = [
    "gradebook",
    "gradebook_calendar",
    "gradebook_records",
    "gradebook_results",
    "identity",
    "identity_accounts",
    "identity_people",
    "notifications",
    "signing",
    "transcript",
]

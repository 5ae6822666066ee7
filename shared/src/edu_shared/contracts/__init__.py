"""Versioned event payloads each service publishes: the wire contracts between services.

Importing this package registers every payload model (the AsyncAPI catalogue is generated from them).
"""

from edu_shared.contracts import gradebook, gradebook_records, identity, identity_accounts, identity_people
from edu_shared.contracts import gradebook_calendar as gradebook_calendar

__all__ = ["gradebook", "gradebook_records", "identity", "identity_accounts", "identity_people"]
from edu_shared.contracts import gradebook_results as gradebook_results  # noqa: E402

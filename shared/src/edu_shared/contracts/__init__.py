"""Versioned event payloads each service publishes: the wire contracts between services.

Importing this package registers every payload model (the AsyncAPI catalogue is generated from them).
"""

from edu_shared.contracts import gradebook, identity, identity_accounts, identity_people

__all__ = ["gradebook", "identity", "identity_accounts", "identity_people"]

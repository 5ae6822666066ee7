"""Events of the identity service about accounts and role grants (topic `edu.identity`)."""

from __future__ import annotations

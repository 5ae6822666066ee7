"""Events of the identity service about school structure and people (topic `edu.identity`)."""

from __future__ import annotations

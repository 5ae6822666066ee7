"""Test support shared by every service: real-server locations, fakes, token issuer, builders."""

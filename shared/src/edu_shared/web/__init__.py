"""HTTP plumbing shared by every service: problem+json errors, the app factory, health checks."""

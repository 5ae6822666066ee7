"""Authentication and authorization shared by every service: tokens, JWKS, the current user, permissions."""

from edu_shared.auth.principal import CurrentUserClaims, RoleGrant

__all__ = ["CurrentUserClaims", "RoleGrant"]

"""Domain errors: raised by handlers, mapped once to RFC 9457 problem+json (Vietnamese `detail`)."""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every error a user can cause; `slug` is the stable machine-readable problem type."""

    slug: ClassVar[str] = "domain-error"
    title: ClassVar[str] = "Yêu cầu không hợp lệ"
    status: ClassVar[int] = 400

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class NotFound(DomainError):
    slug = "not-found"
    title = "Không tìm thấy"
    status = 404


class Conflict(DomainError):
    slug = "conflict"
    title = "Xung đột dữ liệu"
    status = 409


class InvalidInput(DomainError):
    slug = "invalid-input"
    title = "Dữ liệu không hợp lệ"
    status = 422


class Unauthenticated(DomainError):
    slug = "unauthenticated"
    title = "Chưa đăng nhập"
    status = 401


class PermissionDenied(DomainError):
    slug = "permission-denied"
    title = "Không có quyền"
    status = 403


class ServiceUnavailable(DomainError):
    """A dependency (e.g. identity's key set) cannot be reached and nothing cached can stand in for it."""

    slug = "service-unavailable"
    title = "Dịch vụ tạm thời không sẵn sàng"
    status = 503

"""RFC 9457 problem details: the one mapping from errors to HTTP responses, for every service.

Every body names what was wrong: validation problems list each field (`loc` joined with dots), the value that
was sent and a Vietnamese message; domain errors carry their own extension members.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from edu_shared.errors import DomainError

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://edurecords.github.io/problems/"

_VI_MESSAGES = {
    "missing": "Thiếu trường bắt buộc",
    "json_invalid": "Nội dung JSON không hợp lệ",
    "json_type": "Nội dung phải là một đối tượng JSON",
    "string_type": "Phải là chuỗi ký tự",
    "string_too_short": "Chuỗi quá ngắn",
    "string_too_long": "Chuỗi quá dài",
    "string_pattern_mismatch": "Không đúng định dạng",
    "int_parsing": "Phải là số nguyên",
    "int_type": "Phải là số nguyên",
    "float_parsing": "Phải là số",
    "decimal_parsing": "Phải là số",
    "bool_parsing": "Phải là true hoặc false",
    "uuid_parsing": "Mã định danh (UUID) không hợp lệ",
    "date_from_datetime_parsing": "Ngày không hợp lệ (định dạng YYYY-MM-DD)",
    "date_parsing": "Ngày không hợp lệ (định dạng YYYY-MM-DD)",
    "datetime_parsing": "Thời điểm không hợp lệ (ISO 8601)",
    "enum": "Giá trị không thuộc danh sách cho phép",
    "literal_error": "Giá trị không thuộc danh sách cho phép",
    "greater_than_equal": "Giá trị quá nhỏ",
    "less_than_equal": "Giá trị quá lớn",
    "extra_forbidden": "Trường không được phép",
    "value_error": "Giá trị không hợp lệ",
    "list_type": "Phải là một danh sách",
    "dict_type": "Phải là một đối tượng",
}


def problem(
    status: int, *, slug: str, title: str, detail: str, instance: str | None = None, **extensions: Any
) -> JSONResponse:
    body: dict[str, Any] = {"type": TYPE_BASE + slug, "title": title, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    body.update(extensions)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")[:200]
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value][:20]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in list(value.items())[:20]}
    return str(value)[:200]


def validation_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """pydantic errors → [{field, value, message, code}] with Vietnamese messages."""
    out = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ())]
        kind = str(err.get("type", "value_error"))
        message = _VI_MESSAGES.get(kind, "Giá trị không hợp lệ")
        ctx = err.get("ctx") or {}
        if kind in {"greater_than_equal", "less_than_equal"} and ctx:
            bound = ctx.get("ge", ctx.get("le"))
            if isinstance(bound, float) and bound.is_integer():
                bound = int(bound)
            message = f"{message} (giới hạn {bound})"
        if kind == "value_error" and ctx.get("error"):
            message = str(ctx["error"])
        out.append({"field": ".".join(loc), "value": _jsonable(err.get("input")), "message": message, "code": kind})
    return out


def install_problem_handlers(app: FastAPI) -> None:
    """Map every error a request can raise to problem+json; user input never yields a 500."""

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return problem(
            exc.status,
            slug=exc.slug,
            title=exc.title,
            detail=exc.detail,
            instance=request.url.path,
            **_jsonable(exc.extensions),
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(list(exc.errors()))
        first = errors[0] if errors else {"field": "", "value": None, "message": "Dữ liệu không hợp lệ"}
        detail = f"Trường '{first['field']}' với giá trị {first['value']!r}: {first['message']}."
        if len(errors) > 1:
            detail += f" (và {len(errors) - 1} lỗi khác)"
        return problem(
            422,
            slug="validation-error",
            title="Dữ liệu không hợp lệ",
            detail=detail,
            instance=request.url.path,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {
            404: "Không tìm thấy",
            405: "Phương thức không được hỗ trợ",
            401: "Chưa đăng nhập",
            403: "Không có quyền",
        }
        detail = exc.detail if isinstance(exc.detail, str) else "Yêu cầu không hợp lệ"
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"Không có tài nguyên tại đường dẫn {request.url.path}."
        if exc.status_code == 405:
            detail = f"Phương thức {request.method} không được hỗ trợ tại {request.url.path}."
        return problem(
            exc.status_code,
            slug=f"http-{exc.status_code}",
            title=titles.get(exc.status_code, "Lỗi yêu cầu"),
            detail=detail,
            instance=request.url.path,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return problem(
            500,
            slug="internal-error",
            title="Lỗi hệ thống",
            detail="Đã xảy ra lỗi hệ thống; dữ liệu đã gửi chưa được ghi. Vui lòng thử lại sau.",
            instance=request.url.path,
        )

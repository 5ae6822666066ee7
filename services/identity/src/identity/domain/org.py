"""The org tree: a department at the root, intermediate units of any depth, schools at the leaves."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from edu_shared.contracts.identity import OrgUnitKind, SchoolLevel
from edu_shared.errors import Conflict, InvalidInput

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_\-]{1,63}$")


def check_code(code: str, *, field_name: str) -> str:
    """Codes become parts of account names (seed 002): lower-case ASCII, digits, '_' or '-'."""
    if not CODE_PATTERN.fullmatch(code):
        raise InvalidInput(
            f"Mã '{code}' không hợp lệ: chỉ gồm chữ thường không dấu, chữ số, '_' hoặc '-', dài 2–64 ký tự.",
            field=field_name,
            value=code,
        )
    return code


@dataclass(frozen=True)
class OrgUnit:
    id: str
    parent_id: str | None
    code: str
    name: str
    kind: OrgUnitKind

    def __post_init__(self) -> None:
        check_code(self.code, field_name="code")
        if self.kind == OrgUnitKind.DEPARTMENT and self.parent_id is not None:
            raise InvalidInput(
                "Sở GDĐT là gốc của cây tổ chức, không có đơn vị cấp trên.", field="parent_id", value=self.parent_id
            )
        if self.kind != OrgUnitKind.DEPARTMENT and self.parent_id is None:
            raise InvalidInput("Đơn vị này cần có đơn vị cấp trên (parent_id).", field="parent_id", value=None)


@dataclass(frozen=True)
class School:
    id: str
    org_unit_id: str
    moet_code: str
    name: str
    levels: tuple[SchoolLevel, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        check_code(self.moet_code, field_name="moet_code")
        if not self.levels:
            raise InvalidInput("Trường phải có ít nhất một cấp học.", field="levels", value=[])
        if not self.name.strip():
            raise InvalidInput("Tên trường không được để trống.", field="name", value=self.name)


class DuplicateCode(Conflict):
    slug = "duplicate-code"
    title = "Mã đã tồn tại"

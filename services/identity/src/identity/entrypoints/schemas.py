"""Wire models of the identity API (pydantic v2)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from edu_shared.contracts.identity import OrgUnitKind, SchoolLevel


class OrgUnitCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=2, max_length=64, examples=["xa-hoa-lac"])
    name: str = Field(min_length=1, max_length=255, examples=["UBND xã Hòa Lạc"])
    kind: OrgUnitKind
    parent_id: str | None = None


class OrgUnitRead(BaseModel):
    id: str
    code: str
    name: str
    kind: OrgUnitKind
    parent_id: str | None


class SchoolCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org_unit_id: str
    moet_code: str = Field(min_length=2, max_length=64, examples=["thcshoalac"])
    name: str = Field(min_length=1, max_length=255, examples=["Trường THCS Hòa Lạc"])
    levels: list[SchoolLevel] = Field(min_length=1)


class SchoolRead(BaseModel):
    id: str
    org_unit_id: str
    moet_code: str
    name: str
    levels: list[SchoolLevel]

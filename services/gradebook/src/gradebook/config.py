"""Settings of the gradebook service (env prefix GRADEBOOK_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from edu_shared.settings import ServiceSettings


class GradebookSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GRADEBOOK_", env_nested_delimiter="__", extra="ignore")

    # Evidence files of correction requests go to the shared object store (`object_store`; None: the folder
    # `<data_dir>/objects`), write-once and retained this long: they back a legal correction record.
    evidence_retention_days: int = Field(default=3653, ge=1)

"""Settings of the notifications service (env prefix NOTIFICATIONS_); a gateway left unset is a channel not offered."""

from __future__ import annotations

from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict

from edu_shared.settings import ServiceSettings


class _Gateway(BaseModel):
    rate_per_s: float = 50.0
    burst: float = 100.0
    timeout_s: float = 10.0


class KannelSettings(_Gateway):
    sendsms_url: str = Field(examples=["http://127.0.0.1:13013/cgi-bin/sendsms"])
    username: str
    password: str
    sender: str = "EduRecords"
    # Where Kannel reaches this service for delivery reports, and the token it must present.
    dlr_base_url: str = "http://127.0.0.1:8000/api/notifications"
    dlr_token: str = "change-me"


class BrandnameSettings(_Gateway):
    url: str
    api_key: str
    secret_key: str
    brandname: str
    dlr_base_url: str = "http://127.0.0.1:8000/api/notifications"
    dlr_token: str = "change-me"


class ZnsSettings(_Gateway):
    base_url: str = "https://business.openapi.zalo.me"
    access_token: str
    templates: dict[str, str] = Field(default_factory=dict, description="kind of message → ZNS template id")


class SmtpSettings(_Gateway):
    host: str = "127.0.0.1"
    port: int = 25
    sender: str = "So lien lac <no-reply@edurecords.local>"
    domain: str = "edurecords.local"
    starttls: bool = False
    username: str | None = None
    password: str = ""


class NotificationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", env_nested_delimiter="__", extra="ignore")

    kannel: KannelSettings | None = None
    brandname: BrandnameSettings | None = None
    zns: ZnsSettings | None = None
    smtp: SmtpSettings | None = None
    # Prices (VND) per SMS segment and per ZNS message; app and e-mail cost nothing.
    sms_price_vnd: int = 800
    zns_price_vnd: int = 300
    dispatch_every_s: float = 2.0
    dispatch_batch: int = 500
    digest_every_s: float = 300.0
    default_digest_hour: int = Field(default=18, ge=0, le=23)

"""The channel port and its gateways: Kannel (SMS), an SMS-brandname HTTP API, Zalo ZNS, SMTP e-mail.

Every adapter answers the same way: the provider's reference for the message, or a `SendError` saying whether
trying again on the same channel can help (a gateway down or answering garbage) or not (a number it refuses).
"""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Protocol
from urllib.parse import urlencode

import httpx

from notifications.config import BrandnameSettings, KannelSettings, SmtpSettings, ZnsSettings
from notifications.domain.delivery import SendError


@dataclass(frozen=True)
class Outgoing:
    """One message as a gateway needs it."""

    message_id: str
    kind: str
    address: str
    title: str
    body: str
    sms_text: str | None = None
    unicode: bool = False
    template_data: Mapping[str, str] = field(default_factory=dict)


class ChannelGateway(Protocol):
    channel: str
    # Messages a second this provider accepts from us, and the burst it tolerates.
    rate: float
    burst: float

    async def send(self, message: Outgoing) -> str | None: ...

    async def close(self) -> None: ...


def international(phone: str) -> str:
    """0912345678 → 84912345678, the form SMS gateways and Zalo take."""
    digits = phone.lstrip("+")
    return "84" + digits[1:] if digits.startswith("0") else digits


def national(phone: str) -> str:
    """+84912345678 → 0912345678, the form Vietnamese brandname APIs take."""
    digits = phone.lstrip("+")
    return "0" + digits[2:] if digits.startswith("84") and len(digits) == 11 else digits


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError as exc:
        raise SendError(f"gateway answered HTTP {response.status_code} with non-JSON: {response.text[:80]!r}") from exc
    if not isinstance(data, dict):
        raise SendError(f"gateway answered HTTP {response.status_code} with unexpected JSON: {response.text[:80]!r}")
    return data


class KannelSms:
    """SMS through Kannel's smsbox `sendsms`; the delivery report comes back to our `dlr-url`."""

    channel = "sms"

    def __init__(self, settings: KannelSettings, *, client: httpx.AsyncClient | None = None) -> None:
        self._s = settings
        self.rate, self.burst = settings.rate_per_s, settings.burst
        self._client = client or httpx.AsyncClient(timeout=settings.timeout_s)

    async def send(self, message: Outgoing) -> str | None:
        text = message.sms_text or message.body
        dlr = f"{self._s.dlr_base_url}/dlr/kannel?" + urlencode(
            {"message_id": message.message_id, "token": self._s.dlr_token}
        )
        params = {
            "username": self._s.username,
            "password": self._s.password,
            "from": self._s.sender,
            "to": international(message.address),
            "text": text,
            "charset": "UTF-8",
            "coding": "2" if message.unicode else "0",
            "dlr-mask": "3",
            # Kannel replaces %d by the report's type (1 delivered, 2 failed) when it calls back.
            "dlr-url": dlr + "&status=%d",
        }
        try:
            response = await self._client.get(self._s.sendsms_url, params=params)
        except httpx.HTTPError as exc:
            raise SendError(f"Kannel unreachable: {exc!r}") from exc
        if response.status_code in (200, 202) and (
            "Accepted" in response.text or "Queued" in response.text or response.text.startswith("0:")
        ):
            return message.message_id
        permanent = response.status_code in (400, 403)
        raise SendError(f"Kannel HTTP {response.status_code}: {response.text[:120]!r}", permanent=permanent)

    async def close(self) -> None:
        await self._client.aclose()


class BrandnameSms:
    """SMS through a Vietnamese brandname provider's JSON API (eSMS style: ApiKey, SecretKey, CodeResult 100)."""

    channel = "sms"
    _RETRY_CODES = frozenset({"99", "-1"})

    def __init__(self, settings: BrandnameSettings, *, client: httpx.AsyncClient | None = None) -> None:
        self._s = settings
        self.rate, self.burst = settings.rate_per_s, settings.burst
        self._client = client or httpx.AsyncClient(timeout=settings.timeout_s)

    async def send(self, message: Outgoing) -> str | None:
        payload = {
            "ApiKey": self._s.api_key,
            "SecretKey": self._s.secret_key,
            "Phone": national(message.address),
            "Content": message.sms_text or message.body,
            "Brandname": self._s.brandname,
            "SmsType": "2",  # customer care (chăm sóc khách hàng), the type schools register
            "IsUnicode": "1" if message.unicode else "0",
            # The provider refuses a RequestId it has seen: a retry after a lost answer is never sent twice.
            "RequestId": message.message_id,
            "CallbackUrl": f"{self._s.dlr_base_url}/dlr/brandname?token={self._s.dlr_token}",
        }
        try:
            response = await self._client.post(self._s.url, json=payload)
        except httpx.HTTPError as exc:
            raise SendError(f"brandname gateway unreachable: {exc!r}") from exc
        if response.status_code >= 500:
            raise SendError(f"brandname gateway HTTP {response.status_code}")
        data = _json(response)
        code = str(data.get("CodeResult", ""))
        if code == "100":
            ref = data.get("SMSID")
            return str(ref) if ref is not None else None
        if code == "" or code in self._RETRY_CODES:
            raise SendError(f"brandname gateway error {code or 'unknown'}: {data.get('ErrorMessage', '')}")
        raise SendError(f"brandname gateway refused ({code}): {data.get('ErrorMessage', '')}", permanent=True)

    async def close(self) -> None:
        await self._client.aclose()


class ZaloZns:
    """Zalo Notification Service: a template registered with Zalo, filled with the message's values."""

    channel = "zalo"
    _RETRY_ERRORS = frozenset({-32, -124})  # rate limit exceeded, access token expired (refreshed elsewhere)

    def __init__(self, settings: ZnsSettings, *, client: httpx.AsyncClient | None = None) -> None:
        self._s = settings
        self.rate, self.burst = settings.rate_per_s, settings.burst
        self._client = client or httpx.AsyncClient(timeout=settings.timeout_s)

    async def send(self, message: Outgoing) -> str | None:
        template_id = self._s.templates.get(message.kind)
        if template_id is None:
            raise SendError(f"no ZNS template registered for '{message.kind}'", permanent=True)
        payload = {
            "phone": international(message.address),
            "template_id": template_id,
            "template_data": dict(message.template_data),
            "tracking_id": message.message_id,
        }
        try:
            response = await self._client.post(
                f"{self._s.base_url}/message/template", json=payload, headers={"access_token": self._s.access_token}
            )
        except httpx.HTTPError as exc:
            raise SendError(f"Zalo ZNS unreachable: {exc!r}") from exc
        if response.status_code >= 500:
            raise SendError(f"Zalo ZNS HTTP {response.status_code}")
        data = _json(response)
        error = data.get("error")
        if error == 0:
            msg_id = (data.get("data") or {}).get("msg_id")
            return str(msg_id) if msg_id is not None else None
        if not isinstance(error, int) or error in self._RETRY_ERRORS:
            raise SendError(f"Zalo ZNS error {error}: {data.get('message', '')}")
        raise SendError(f"Zalo ZNS refused ({error}): {data.get('message', '')}", permanent=True)

    async def close(self) -> None:
        await self._client.aclose()


class SmtpEmail:
    """E-mail over SMTP (STARTTLS when configured); the message id makes a resent mail recognisable."""

    channel = "email"

    def __init__(self, settings: SmtpSettings) -> None:
        self._s = settings
        self.rate, self.burst = settings.rate_per_s, settings.burst

    def _send_blocking(self, mail: EmailMessage, to: str) -> None:
        with smtplib.SMTP(self._s.host, self._s.port, timeout=self._s.timeout_s) as smtp:
            if self._s.starttls:
                smtp.starttls()
            if self._s.username:
                smtp.login(self._s.username, self._s.password)
            smtp.send_message(mail, to_addrs=[to])

    async def send(self, message: Outgoing) -> str | None:
        mail = EmailMessage()
        mail["From"] = self._s.sender
        mail["To"] = message.address
        mail["Subject"] = message.title
        mail["Message-ID"] = f"<{message.message_id}@{self._s.domain}>"
        mail.set_content(message.body)
        try:
            await asyncio.to_thread(self._send_blocking, mail, message.address)
        except smtplib.SMTPRecipientsRefused as exc:
            raise SendError(f"mail server refused the address: {exc.recipients!r}", permanent=True) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise SendError(f"mail server error: {exc!r}") from exc
        return str(mail["Message-ID"])

    async def close(self) -> None:
        return None

"""Identity HTTP API: sign-in, sessions, accounts and second factors. Thin: parse, call a handler, return.

Sign-in flow (each step answers with a session or with the next step's challenge, see `SignInResponse`):

1. `POST /auth/login` with user name and password.
2. `status = password_change_required` → `POST /auth/password` with the challenge and a new password.
3. `status = totp_enrollment_required` → `POST /auth/totp/enroll` (secret + otpauth URI for a QR code), then
   `POST /auth/totp/confirm` with the challenge and the first code.
4. `status = totp_required` → `POST /auth/login/totp` with the challenge and the authenticator's code.
5. `status = signed_in` → `access_token` (ES256 JWT, 15 min) and `refresh_token` (opaque, rotated by
   `POST /auth/refresh`; a refresh token presented twice ends the whole session).

Guardians sign in with `POST /auth/otp/request` then `POST /auth/otp/verify` (phone number + 6-digit code).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from edu_shared.auth.permissions import Permission, Scope
from edu_shared.auth.principal import CurrentUserClaims, RoleGrant, ScopeType
from edu_shared.contracts.identity_accounts import PersonKind
from edu_shared.errors import NotFound
from edu_shared.web.app import CurrentUser, current_user
from identity.bootstrap import IdentityService
from identity.domain.accounts import Account
from identity.entrypoints.api import ServiceDep
from identity.service_layer import accounts as handlers
from identity.service_layer.accounts import ChallengeIssued, Client, SignedIn, SignInResult

router = APIRouter()

# ---------------------------------------------------------------------------------------------------------------
# Wire models
# ---------------------------------------------------------------------------------------------------------------


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=128, examples=["anvn.thcshoalac"])
    password: str = Field(min_length=1)


class SignedInRead(BaseModel):
    """Signed in: an access token for every service and a refresh token for identity only."""

    status: Literal["signed_in"] = "signed_in"
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="Seconds the access token is valid")
    refresh_token: str = Field(description="Opaque; single use: exchange it at /auth/refresh for a new pair")
    refresh_expires_in: int


class ChallengeRead(BaseModel):
    """Not signed in yet: `status` names the next step, `challenge` proves the steps done so far (a few minutes)."""

    status: Literal["password_change_required", "totp_enrollment_required", "totp_required"]
    challenge: str
    expires_in: int
    next: str = Field(description="The endpoint of the next step", examples=["/auth/login/totp"])


SignInResponse = Annotated[SignedInRead | ChallengeRead, Field(discriminator="status")]


class TotpLoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    challenge: str
    code: str = Field(min_length=6, max_length=8, examples=["123456"])


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=1, max_length=256)


class PasswordChangeRequest(BaseModel):
    """With `challenge` (first sign-in, after a reset), or signed in with `current_password`."""

    model_config = ConfigDict(extra="forbid")

    new_password: str
    challenge: str | None = None
    current_password: str | None = None


class TotpEnrollRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    challenge: str | None = Field(default=None, description="From a totp_enrollment_required answer; else Bearer")


class TotpEnrolmentRead(BaseModel):
    secret: str = Field(description="Base32; shown once. Type it into the app or scan `otpauth_uri` as a QR code")
    otpauth_uri: str


class TotpConfirmRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=6, max_length=8)
    challenge: str | None = None


class TotpEnabledRead(BaseModel):
    status: Literal["totp_enabled"] = "totp_enabled"


TotpConfirmResponse = Annotated[SignedInRead | TotpEnabledRead, Field(discriminator="status")]


class OtpRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: str = Field(min_length=9, max_length=20, examples=["0912345678"])


class OtpRequestedRead(BaseModel):
    detail: str
    expires_in: int


class OtpVerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: str = Field(min_length=9, max_length=20, examples=["0912345678"])
    code: str = Field(min_length=6, max_length=6, examples=["123456"])


class AccountRead(BaseModel):
    id: str
    username: str
    person_kind: PersonKind
    display_name: str
    person_id: str | None
    school_id: str | None
    org_unit_id: str | None
    phone: str | None
    must_change_password: bool
    totp_enabled: bool
    locked_until: datetime | None
    disabled_at: datetime | None
    created_at: datetime | None


class MeRead(AccountRead):
    grants: list[RoleGrant]


class AccountCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_kind: PersonKind
    display_name: str = Field(min_length=1, max_length=255, examples=["Nguyễn Văn An"])
    school_id: str | None = None
    org_unit_id: str | None = Field(default=None, description="For accounts of a unit (Sở, commune) with no school")
    person_id: str | None = Field(default=None, description="The staff, student or guardian record")
    phone: str | None = Field(default=None, max_length=20, description="Required for guardians (their sign-in)")


class AccountCreatedRead(BaseModel):
    account: AccountRead
    temporary_password: str | None = Field(
        description="Shown this once; the owner must change it at the first sign-in (None for guardians)"
    )


class PasswordResetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reset_totp: bool = Field(default=False, description="Also remove the second factor (lost phone)")


class TemporaryPasswordRead(BaseModel):
    temporary_password: str


class DisableRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=500)


# ---------------------------------------------------------------------------------------------------------------
# Mapping
# ---------------------------------------------------------------------------------------------------------------

_PROBLEM: dict[str, Any] = {"application/problem+json": {}}
_REFUSED: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in (same answer for a wrong user name and a wrong password)", "content": _PROBLEM},
    429: {"description": "Temporarily locked or rate-limited; `retry_after_s` says for how long", "content": _PROBLEM},
}

_NEXT = {
    handlers.SignInStage.PASSWORD_CHANGE: "/auth/password",
    handlers.SignInStage.TOTP_ENROLLMENT: "/auth/totp/enroll",
    handlers.SignInStage.TOTP: "/auth/login/totp",
}


def client_of(request: Request) -> Client:
    return Client(ip=request.client.host if request.client else None, user_agent=request.headers.get("user-agent"))


ClientDep = Annotated[Client, Depends(client_of)]


async def optional_user(request: Request) -> CurrentUserClaims | None:
    """The caller when a bearer token is sent; None when not (steps of the sign-in flow use a challenge)."""
    if not request.headers.get("authorization"):
        return None
    return await current_user(request, request.app.state.runtime)


OptionalUser = Annotated[CurrentUserClaims | None, Depends(optional_user)]


def _signed_in(result: SignedIn) -> SignedInRead:
    return SignedInRead(
        access_token=result.access_token,
        expires_in=result.expires_in,
        refresh_token=result.refresh_token,
        refresh_expires_in=result.refresh_expires_in,
    )


def _sign_in(result: SignInResult) -> SignedInRead | ChallengeRead:
    if isinstance(result, ChallengeIssued):
        return ChallengeRead(
            status=result.stage.value,
            challenge=result.challenge,
            expires_in=result.expires_in,
            next=_NEXT[result.stage],
        )
    return _signed_in(result)


def _account(account: Account) -> AccountRead:
    return AccountRead(
        id=account.id,
        username=account.username,
        person_kind=account.person_kind,
        display_name=account.display_name,
        person_id=account.person_id,
        school_id=account.school_id,
        org_unit_id=account.org_unit_id,
        phone=account.phone,
        must_change_password=account.must_change_password,
        totp_enabled=account.totp_enabled,
        locked_until=account.locked_until,
        disabled_at=account.disabled_at,
        created_at=account.created_at,
    )


def account_scope(*, school_id: str | None, org_unit_id: str | None) -> Scope:
    """Where an account sits in the org tree: its school, else its unit, else the whole province."""
    if school_id is not None:
        return (ScopeType.SCHOOL, school_id)
    if org_unit_id is not None:
        return (ScopeType.ORG_UNIT, org_unit_id)
    return (ScopeType.PROVINCE, "province")


async def _managed_account(service: IdentityService, user: CurrentUserClaims, account_id: str) -> Account:
    account = await handlers.get_account(account_id, service.uow())
    scope = account_scope(school_id=account.school_id, org_unit_id=account.org_unit_id)
    await service.authorize(user, Permission.ACCOUNT_MANAGE, scope)
    return account


# ---------------------------------------------------------------------------------------------------------------
# Sign-in
# ---------------------------------------------------------------------------------------------------------------


@router.post("/auth/login", tags=["auth"], responses=_REFUSED, summary="Đăng nhập bằng tên đăng nhập và mật khẩu")
async def login(body: LoginRequest, service: ServiceDep, client: ClientDep) -> SignInResponse:
    """Step 1 of sign-in. Answers `signed_in` with tokens, or the next step: `password_change_required` (first
    sign-in or after an admin reset), `totp_enrollment_required` (principals and admins without a second factor
    yet) or `totp_required`. A wrong user name and a wrong password get the same 401; after repeated failures
    the name is locked for a while (429, `retry_after_s`), doubling up to an hour."""
    result = await handlers.login_password(
        handlers.LoginPassword(username=body.username, password=body.password, client=client),
        service.uow(),
        service.auth,
    )
    return _sign_in(result)


@router.post(
    "/auth/login/totp", tags=["auth"], responses=_REFUSED, summary="Đăng nhập bước 2: mã xác thực hai lớp (TOTP)"
)
async def login_totp(body: TotpLoginRequest, service: ServiceDep, client: ClientDep) -> SignedInRead:
    """Step for accounts with a second factor: the challenge from /auth/login and the authenticator's 6-digit code.
    Each code is accepted once; wrong codes count toward the lockout."""
    result = await handlers.login_totp(
        handlers.LoginTotp(challenge=body.challenge, code=body.code, client=client), service.uow(), service.auth
    )
    return _signed_in(result)


@router.post("/auth/password", tags=["auth"], summary="Đổi mật khẩu")
async def change_password(
    body: PasswordChangeRequest, service: ServiceDep, client: ClientDep, user: OptionalUser
) -> SignInResponse:
    """Change the password, either with a `password_change_required` challenge or signed in (Bearer) with the
    current password. Policy: at least 10 characters, not containing the user name, not a common password. Every
    other session of the account ends; the answer is the next sign-in step or a new session."""
    result = await handlers.change_password(
        handlers.ChangePassword(
            new_password=body.new_password,
            challenge=body.challenge,
            account_id=user.sub if user and body.challenge is None else None,
            current_password=body.current_password,
            client=client,
        ),
        service.uow(),
        service.auth,
    )
    return _sign_in(result)


@router.post("/auth/totp/enroll", tags=["auth"], summary="Đăng ký ứng dụng xác thực hai lớp (TOTP)")
async def totp_enroll(
    body: TotpEnrollRequest, service: ServiceDep, client: ClientDep, user: OptionalUser
) -> TotpEnrolmentRead:
    """Start adding an authenticator app: returns a new secret and its otpauth:// URI (show it as a QR code).
    Authenticated by a `totp_enrollment_required` challenge, or by a Bearer token for a voluntary second factor.
    Nothing changes at sign-in until /auth/totp/confirm succeeds."""
    enrolment = await handlers.enroll_totp(
        handlers.EnrollTotp(
            challenge=body.challenge, account_id=user.sub if user and body.challenge is None else None, client=client
        ),
        service.uow(),
        service.auth,
    )
    return TotpEnrolmentRead(secret=enrolment.secret, otpauth_uri=enrolment.otpauth_uri)


@router.post("/auth/totp/confirm", tags=["auth"], summary="Xác nhận ứng dụng xác thực hai lớp")
async def totp_confirm(
    body: TotpConfirmRequest, service: ServiceDep, client: ClientDep, user: OptionalUser
) -> TotpConfirmResponse:
    """Finish enrolment with the first code from the app. With a challenge (sign-in flow) the answer is the
    session (`signed_in`); signed in with a Bearer token it is `totp_enabled`."""
    result = await handlers.confirm_totp(
        handlers.ConfirmTotp(
            code=body.code,
            challenge=body.challenge,
            account_id=user.sub if user and body.challenge is None else None,
            client=client,
        ),
        service.uow(),
        service.auth,
    )
    return _signed_in(result) if result is not None else TotpEnabledRead()


@router.post(
    "/auth/otp/request",
    tags=["auth"],
    status_code=status.HTTP_202_ACCEPTED,
    responses={429: _REFUSED[429]},
    summary="Phụ huynh: yêu cầu mã đăng nhập gửi qua điện thoại",
)
async def otp_request(body: OtpRequest, service: ServiceDep, client: ClientDep) -> OtpRequestedRead:
    """Send a 6-digit sign-in code (valid 5 minutes) to a guardian's phone through the notifications service.
    The answer is the same whether or not the number belongs to an account; at most 3 codes per 15 minutes and
    one a minute per number (429 otherwise)."""
    ttl = await handlers.request_parent_otp(
        handlers.RequestParentOtp(phone=body.phone, client=client), service.uow(), service.auth
    )
    return OtpRequestedRead(
        detail="Nếu số điện thoại đã đăng ký với nhà trường, mã đăng nhập sẽ được gửi tới trong ít phút.",
        expires_in=ttl,
    )


@router.post(
    "/auth/otp/verify", tags=["auth"], responses=_REFUSED, summary="Phụ huynh: đăng nhập bằng mã gửi qua điện thoại"
)
async def otp_verify(body: OtpVerifyRequest, service: ServiceDep, client: ClientDep) -> SignedInRead:
    """Exchange the phone number and the code for a session; each code allows 5 tries and one success."""
    result = await handlers.verify_parent_otp(
        handlers.VerifyParentOtp(phone=body.phone, code=body.code, client=client), service.uow(), service.auth
    )
    return _signed_in(result)


# ---------------------------------------------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------------------------------------------


@router.post("/auth/refresh", tags=["auth"], responses=_REFUSED, summary="Gia hạn phiên đăng nhập (đổi mã làm mới)")
async def refresh(body: RefreshRequest, service: ServiceDep, client: ClientDep) -> SignedInRead:
    """Exchange a refresh token for a new access token and a new refresh token (rotation). The old one is spent:
    presenting it again is treated as theft and ends the whole session (401 `refresh-token-reused`)."""
    result = await handlers.refresh(
        handlers.RefreshSession(refresh_token=body.refresh_token, client=client), service.uow(), service.auth
    )
    return _signed_in(result)


@router.post("/auth/logout", tags=["auth"], status_code=status.HTTP_204_NO_CONTENT, summary="Đăng xuất phiên hiện tại")
async def logout(body: RefreshRequest, service: ServiceDep, client: ClientDep) -> Response:
    """End the session of this refresh token (access tokens already issued expire within minutes)."""
    await handlers.logout(handlers.Logout(refresh_token=body.refresh_token, client=client), service.uow(), service.auth)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/auth/logout-all", tags=["auth"], status_code=status.HTTP_204_NO_CONTENT, summary="Đăng xuất khỏi mọi thiết bị"
)
async def logout_all(user: CurrentUser, service: ServiceDep, client: ClientDep) -> Response:
    """End every session of the signed-in account."""
    await handlers.logout_all(handlers.LogoutAll(account_id=user.sub, client=client), service.uow(), service.auth)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/auth/me", tags=["auth"], summary="Tài khoản đang đăng nhập")
async def me(user: CurrentUser, service: ServiceDep) -> MeRead:
    """The signed-in account and the grants its access token carries."""
    try:
        account = await handlers.get_account(user.sub, service.uow())
    except NotFound:
        raise NotFound(
            "Mã xác thực không gắn với tài khoản nào (mã thử nghiệm?).", field="sub", value=user.sub
        ) from None
    return MeRead(**_account(account).model_dump(), grants=list(user.grants))


# ---------------------------------------------------------------------------------------------------------------
# Accounts (administration)
# ---------------------------------------------------------------------------------------------------------------


@router.post("/accounts", tags=["accounts"], status_code=status.HTTP_201_CREATED, summary="Tạo tài khoản")
async def create_account(body: AccountCreate, user: CurrentUser, service: ServiceDep) -> AccountCreatedRead:
    """Create an account for a person of a school or unit the caller manages (principal, school admin board, or
    an admin above). The user name follows seed 002 (`anvn.thcshoalac`, a clash gets `anvn2.…`; admin accounts
    `<unit code>_<school code>`); the temporary password is returned once and must be changed at first sign-in."""
    await service.authorize(
        user, Permission.ACCOUNT_MANAGE, account_scope(school_id=body.school_id, org_unit_id=body.org_unit_id)
    )
    created = await handlers.create_account(
        handlers.CreateAccount(
            person_kind=body.person_kind,
            display_name=body.display_name,
            actor=user.sub,
            school_id=body.school_id,
            org_unit_id=body.org_unit_id,
            person_id=body.person_id,
            phone=body.phone,
        ),
        service.uow(),
        service.auth,
    )
    return AccountCreatedRead(account=_account(created.account), temporary_password=created.temporary_password)


@router.get("/accounts", tags=["accounts"], summary="Danh sách tài khoản")
async def list_accounts(
    user: CurrentUser,
    service: ServiceDep,
    school_id: Annotated[str | None, Query(description="Accounts of this school")] = None,
    org_unit_id: Annotated[str | None, Query(description="Accounts of this unit (not of its schools)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[AccountRead]:
    """Accounts of a school or unit the caller manages, by user name (no credentials are ever returned)."""
    await service.authorize(
        user, Permission.ACCOUNT_MANAGE, account_scope(school_id=school_id, org_unit_id=org_unit_id)
    )
    found = await handlers.list_accounts(
        service.uow(), school_id=school_id, org_unit_id=org_unit_id, limit=limit, offset=offset
    )
    return [_account(a) for a in found]


@router.post("/accounts/{account_id}/reset-password", tags=["accounts"], summary="Đặt lại mật khẩu tài khoản")
async def reset_password(
    account_id: str, body: PasswordResetRequest, user: CurrentUser, service: ServiceDep, client: ClientDep
) -> TemporaryPasswordRead:
    """Give the account a new temporary password (returned once, to change at next sign-in), unlock it and end
    its sessions; `reset_totp` also removes its second factor so that it enrols again."""
    await _managed_account(service, user, account_id)
    password = await handlers.admin_reset_password(
        handlers.AdminResetPassword(account_id=account_id, actor=user.sub, reset_totp=body.reset_totp, client=client),
        service.uow(),
        service.auth,
    )
    return TemporaryPasswordRead(temporary_password=password)


@router.post("/accounts/{account_id}/disable", tags=["accounts"], summary="Vô hiệu hóa tài khoản")
async def disable_account(
    account_id: str, body: DisableRequest, user: CurrentUser, service: ServiceDep, client: ClientDep
) -> AccountRead:
    """Stop the account from signing in and end its sessions (accounts are never deleted: the audit trail needs
    them). Other services learn it from `AccountDisabled`."""
    await _managed_account(service, user, account_id)
    account = await handlers.disable_account(
        handlers.DisableAccount(account_id=account_id, actor=user.sub, reason=body.reason, client=client),
        service.uow(),
        service.auth,
    )
    return _account(account)

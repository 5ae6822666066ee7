"""Account and sign-in use cases: accounts, passwords, second factor, guardians' codes, sessions.

Sign-in is a short sequence of steps; every step answers either with a session (access + refresh token) or
with a *challenge* naming the next step:

    password ──► [password_change_required] ──► [totp_enrollment_required | totp_required] ──► session

A challenge is a short-lived ES256 JWT with its own audience (no other service accepts it), bound to the
account, the step and the current password hash. Every attempt is audited in the transaction that updates
the failure counter; a failure commits both before the 401 is raised. Password hashing (argon2id, tens of
milliseconds of CPU) runs in a worker thread and outside any database transaction.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.exc import IntegrityError

from edu_shared.auth.keys import ALGORITHM, KeySet
from edu_shared.auth.principal import CurrentUserClaims, Role, RoleGrant, ScopeType
from edu_shared.auth.verify import ISSUER, access_token_claims
from edu_shared.contracts.identity_accounts import AccountCreated, AccountDisabled, ParentOtpRequested, PersonKind
from edu_shared.errors import Conflict, InvalidInput, NotFound
from identity.adapters.audit import AuditEntry
from identity.adapters.people_repo import assignment_grants, guardian_grants
from identity.config import IdentitySettings
from identity.domain import totp
from identity.domain.accounts import (
    BAD_CREDENTIALS,
    Account,
    AccountStateConflict,
    InvalidCredentials,
    InvalidSession,
    LockoutPolicy,
    PasswordHashing,
    PasswordPolicy,
    RefreshVerdict,
    SignInLocked,
    TooManyRequests,
    admin_username,
    classify_refresh,
    code_digest,
    code_matches,
    derive_key,
    guardian_username,
    name_stem,
    needs_second_factor,
    new_refresh_token,
    normalize_phone,
    normalize_username,
    one_time_code,
    person_username,
    refresh_token_digest,
    seconds_left,
    temporary_password,
)
from identity.service_layer.uow import IdentityUnitOfWork

log = logging.getLogger(__name__)

CHALLENGE_AUDIENCE = "edurecords-identity-sign-in"
VIETNAM = timezone(timedelta(hours=7))  # role-grant validity dates are local school dates (no DST in Vietnam)
ANONYMOUS = "anonymous"
UNKNOWN_NAME_MEMORY = timedelta(days=1)  # counters of non-existent user names are forgotten after a quiet day


# ---------------------------------------------------------------------------------------------------------------
# Context and results
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OtpPolicy:
    ttl: timedelta = timedelta(minutes=5)
    max_attempts: int = 5
    max_per_window: int = 3
    window: timedelta = timedelta(minutes=15)
    min_interval: timedelta = timedelta(minutes=1)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class AuthContext:
    """What sign-in handlers need besides a unit of work: the signing keys, the policies, a clock."""

    keys: KeySet
    hashing: PasswordHashing
    password_policy: PasswordPolicy = field(default_factory=PasswordPolicy)
    lockout: LockoutPolicy = field(default_factory=LockoutPolicy)
    otp: OtpPolicy = field(default_factory=OtpPolicy)
    access_ttl_s: int = 900
    refresh_ttl: timedelta = timedelta(days=30)
    challenge_ttl_s: int = 300
    totp_issuer: str = "EduRecords"
    totp_required_for_admins: bool = True
    totp_key: bytes = b"\0" * 32
    otp_key: bytes = b"\0" * 32
    dev_otp_log: Path | None = None  # development only: one-time codes are also appended here
    now: Callable[[], datetime] = _utc_now

    @classmethod
    def from_settings(cls, settings: IdentitySettings, *, keys: KeySet) -> AuthContext:
        master = settings.credentials_key.get_secret_value()
        return cls(
            keys=keys,
            hashing=PasswordHashing(
                time_cost=settings.argon2_time_cost,
                memory_kib=settings.argon2_memory_kib,
                parallelism=settings.argon2_parallelism,
            ),
            password_policy=PasswordPolicy(min_length=settings.password_min_length),
            lockout=LockoutPolicy(
                threshold=settings.lockout_threshold,
                base=timedelta(seconds=settings.lockout_base_s),
                maximum=timedelta(seconds=settings.lockout_max_s),
            ),
            otp=OtpPolicy(
                ttl=timedelta(seconds=settings.otp_ttl_s),
                max_attempts=settings.otp_max_attempts,
                max_per_window=settings.otp_max_per_window,
                window=timedelta(seconds=settings.otp_window_s),
                min_interval=timedelta(seconds=settings.otp_min_interval_s),
            ),
            access_ttl_s=settings.access_token_ttl_s,
            refresh_ttl=timedelta(days=settings.refresh_token_ttl_days),
            challenge_ttl_s=settings.sign_in_challenge_ttl_s,
            totp_issuer=settings.totp_issuer,
            totp_required_for_admins=settings.totp_required_for_admins,
            totp_key=derive_key(master, "edurecords/identity/totp-secret"),
            otp_key=derive_key(master, "edurecords/identity/one-time-code"),
            dev_otp_log=(settings.data_dir / "dev-otp.log") if settings.environment == "development" else None,
        )


@dataclass(frozen=True)
class Client:
    """Where a request came from, for the audit trail."""

    ip: str | None = None
    user_agent: str | None = None


class SignInStage(StrEnum):
    PASSWORD_CHANGE = "password_change_required"
    TOTP_ENROLLMENT = "totp_enrollment_required"
    TOTP = "totp_required"


@dataclass(frozen=True)
class SignedIn:
    account_id: str
    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int


@dataclass(frozen=True)
class ChallengeIssued:
    stage: SignInStage
    challenge: str
    expires_in: int


SignInResult = SignedIn | ChallengeIssued


@dataclass(frozen=True)
class CreatedAccount:
    account: Account
    temporary_password: str | None  # shown once to the creator; None for guardians (they use one-time codes)


@dataclass(frozen=True)
class TotpEnrolment:
    secret: str
    otpauth_uri: str


# ---------------------------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateAccount:
    person_kind: PersonKind
    display_name: str
    actor: str
    school_id: str | None = None
    org_unit_id: str | None = None
    person_id: str | None = None
    phone: str | None = None
    account_id: str | None = None
    # Seeding only: a known password that need not be changed. The API always issues a temporary one.
    password: str | None = None
    must_change_password: bool = True


@dataclass(frozen=True)
class LoginPassword:
    username: str
    password: str
    client: Client = Client()


@dataclass(frozen=True)
class LoginTotp:
    challenge: str
    code: str
    client: Client = Client()


@dataclass(frozen=True)
class ChangePassword:
    """Either with a `password_change_required` challenge, or signed in (`account_id`) with `current_password`."""

    new_password: str
    challenge: str | None = None
    account_id: str | None = None
    current_password: str | None = None
    client: Client = Client()


@dataclass(frozen=True)
class AdminResetPassword:
    account_id: str
    actor: str
    reset_totp: bool = False
    client: Client = Client()


@dataclass(frozen=True)
class RefreshSession:
    refresh_token: str
    client: Client = Client()


@dataclass(frozen=True)
class Logout:
    refresh_token: str
    client: Client = Client()


@dataclass(frozen=True)
class LogoutAll:
    account_id: str
    client: Client = Client()


@dataclass(frozen=True)
class EnrollTotp:
    """With a `totp_enrollment_required` challenge, or signed in (`account_id`) to add a second factor."""

    challenge: str | None = None
    account_id: str | None = None
    client: Client = Client()


@dataclass(frozen=True)
class ConfirmTotp:
    code: str
    challenge: str | None = None
    account_id: str | None = None
    client: Client = Client()


@dataclass(frozen=True)
class RequestParentOtp:
    phone: str
    client: Client = Client()


@dataclass(frozen=True)
class VerifyParentOtp:
    phone: str
    code: str
    client: Client = Client()


@dataclass(frozen=True)
class DisableAccount:
    account_id: str
    actor: str
    reason: str | None = None
    client: Client = Client()


# ---------------------------------------------------------------------------------------------------------------
# Helpers: audit, challenges, sessions
# ---------------------------------------------------------------------------------------------------------------


def _audit(
    account: Account | None,
    *,
    action: str,
    outcome: str,
    client: Client,
    actor: str | None = None,
    **details: Any,
) -> AuditEntry:
    return AuditEntry(
        actor=actor or (account.id if account else ANONYMOUS),
        action=action,
        outcome=outcome,
        target_type="account" if account else None,
        target_id=account.id if account else None,
        school_id=account.school_id if account else None,
        org_unit_id=account.org_unit_id if account else None,
        ip=client.ip,
        user_agent=client.user_agent,
        details={k: v for k, v in details.items() if v is not None},
    )


def mask_phone(phone: str) -> str:
    """+84912345678 → +84912***678: enough to tell numbers apart in the audit trail, not to call them."""
    return phone[:6] + "***" + phone[-3:] if len(phone) > 9 else "***"


def _issue_challenge(ctx: AuthContext, account: Account, stage: SignInStage, *, now: datetime) -> ChallengeIssued:
    issued = int(now.timestamp())
    token = ctx.keys.sign(
        {
            "iss": ISSUER,
            "aud": CHALLENGE_AUDIENCE,
            "sub": account.id,
            "stage": stage.value,
            "pv": account.password_version(),
            "iat": issued,
            "exp": issued + ctx.challenge_ttl_s,
            "jti": uuid.uuid4().hex,
        }
    )
    return ChallengeIssued(stage=stage, challenge=token, expires_in=ctx.challenge_ttl_s)


_EXPIRED_CHALLENGE = "Phiên đăng nhập tạm đã hết hạn hoặc không hợp lệ; vui lòng đăng nhập lại từ đầu."


def _challenge_claims(ctx: AuthContext, token: str, stage: SignInStage, *, now: datetime) -> dict[str, Any]:
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        pem = next(k.private_pem for k in ctx.keys.keys if k.kid == kid)
        private = serialization.load_pem_private_key(pem, password=None)
        assert isinstance(private, ec.EllipticCurvePrivateKey)
        claims: dict[str, Any] = jwt.decode(
            token,
            private.public_key(),
            algorithms=[ALGORITHM],
            audience=CHALLENGE_AUDIENCE,
            issuer=ISSUER,
            # Times are checked below against the context's clock.
            options={"require": ["exp", "sub", "stage", "pv"], "verify_exp": False, "verify_iat": False},
        )
    except (jwt.InvalidTokenError, StopIteration):
        raise InvalidSession(_EXPIRED_CHALLENGE, field="challenge", reason="invalid-challenge") from None
    if int(claims["exp"]) <= int(now.timestamp()):
        raise InvalidSession(_EXPIRED_CHALLENGE, field="challenge", reason="expired-challenge")
    if claims["stage"] != stage.value:
        raise InvalidSession(
            f"Bước đăng nhập này cần mã của bước '{stage.value}', không phải '{claims['stage']}'.",
            field="challenge",
            reason="wrong-stage",
        )
    return claims


async def _challenged_account(
    ctx: AuthContext, uow: IdentityUnitOfWork, token: str, stage: SignInStage, *, now: datetime
) -> Account:
    claims = _challenge_claims(ctx, token, stage, now=now)
    account = await uow.accounts.get(str(claims["sub"]))
    if account is None or account.disabled or account.password_version() != claims["pv"]:
        raise InvalidSession(_EXPIRED_CHALLENGE, field="challenge", reason="stale-challenge")
    return account


def _needs_totp(ctx: AuthContext, account: Account, grants: list[RoleGrant]) -> bool:
    if account.totp_enabled:
        return True
    return ctx.totp_required_for_admins and needs_second_factor(account.person_kind, grants)


async def _token_grants(uow: IdentityUnitOfWork, account: Account, *, today: date) -> list[RoleGrant]:
    """What goes into the access token: explicit grants plus those that follow from the person's records.

    A teacher's teaching and homeroom assignments, a guardian's links to their children and a student's own
    record are the source of truth for those scopes, so they are derived here rather than copied into grants.
    """
    grants = await uow.accounts.active_grants(account.id, today=today)
    if account.person_id:
        if account.person_kind == PersonKind.STAFF:
            grants += await assignment_grants(uow.session, staff_id=account.person_id, on=today)
        elif account.person_kind == PersonKind.GUARDIAN:
            grants += await guardian_grants(uow.session, guardian_id=account.person_id)
        elif account.person_kind == PersonKind.STUDENT:
            grants.append(RoleGrant(role=Role.STUDENT, scope_type=ScopeType.STUDENT, scope_id=account.person_id))
    return sorted(set(grants), key=lambda g: (g.role.value, g.scope_type.value, g.scope_id))


async def _start_session(
    ctx: AuthContext,
    uow: IdentityUnitOfWork,
    account: Account,
    *,
    now: datetime,
    family_id: str | None = None,
    token_id: str | None = None,
    grants: list[RoleGrant] | None = None,
) -> SignedIn:
    """A fresh access token with the account's current grants, and a refresh token in a (new) family."""
    if grants is None:
        grants = await _token_grants(uow, account, today=now.astimezone(VIETNAM).date())
    claims = CurrentUserClaims(
        sub=account.id, username=account.username, name=account.display_name, grants=tuple(grants)
    )
    access = ctx.keys.sign(access_token_claims(claims, ttl_s=ctx.access_ttl_s))
    refresh = new_refresh_token()
    await uow.accounts.tokens.add(
        token_id=token_id or str(uuid.uuid4()),
        account_id=account.id,
        family_id=family_id or str(uuid.uuid4()),
        token_hash=refresh_token_digest(refresh),
        issued_at=now,
        expires_at=now + ctx.refresh_ttl,
    )
    if family_id is None:
        await uow.accounts.signed_in(account.id, now=now)
    return SignedIn(
        account_id=account.id,
        access_token=access,
        expires_in=ctx.access_ttl_s,
        refresh_token=refresh,
        refresh_expires_in=int(ctx.refresh_ttl.total_seconds()),
    )


async def _next_step(
    ctx: AuthContext,
    uow: IdentityUnitOfWork,
    account: Account,
    *,
    now: datetime,
    second_factor_done: bool = False,
) -> SignInResult:
    """After a successful step: the next challenge, or the session when nothing is left."""
    if account.must_change_password:
        return _issue_challenge(ctx, account, SignInStage.PASSWORD_CHANGE, now=now)
    grants = await _token_grants(uow, account, today=now.astimezone(VIETNAM).date())
    if not second_factor_done and _needs_totp(ctx, account, grants):
        stage = SignInStage.TOTP if account.totp_enabled else SignInStage.TOTP_ENROLLMENT
        return _issue_challenge(ctx, account, stage, now=now)
    return await _start_session(ctx, uow, account, now=now, grants=grants)


def _status(result: SignInResult) -> str:
    return "signed_in" if isinstance(result, SignedIn) else result.stage.value


async def _refuse_if_locked(
    uow: IdentityUnitOfWork,
    account: Account | None,
    *,
    locked_until: datetime | None,
    action: str,
    client: Client,
    now: datetime,
    username: str | None = None,
) -> None:
    """A locked name is refused before any password is checked; the refusal is audited (and committed)."""
    wait = seconds_left(locked_until, now=now)
    if not wait:
        return
    async with uow:
        await uow.audit.record(
            _audit(account, action=action, outcome="locked", client=client, username=username, retry_after_s=wait)
        )
        await uow.commit()
    minutes = -(-wait // 60)
    raise SignInLocked(
        f"Đăng nhập sai quá nhiều lần; tài khoản tạm khóa, vui lòng thử lại sau {minutes} phút.", retry_after_s=wait
    )


async def _count_failure(
    ctx: AuthContext, uow: IdentityUnitOfWork, account: Account, *, now: datetime
) -> tuple[int, datetime | None]:
    count = await uow.accounts.count_failure(account.id, now=now)
    until = ctx.lockout.locked_until(count, now=now)
    if until is not None:
        await uow.accounts.lock(account.id, until=until)
    return count, until


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# ---------------------------------------------------------------------------------------------------------------
# Accounts
# ---------------------------------------------------------------------------------------------------------------


async def create_account(cmd: CreateAccount, uow: IdentityUnitOfWork, ctx: AuthContext) -> CreatedAccount:
    """Create an account named by seed 002; staff and students get a temporary password to change at first use."""
    display_name = " ".join(cmd.display_name.split())
    if not display_name:
        raise InvalidInput("Họ và tên không được để trống.", field="display_name", value=cmd.display_name)
    phone = normalize_phone(cmd.phone) if cmd.phone else None
    if cmd.person_kind == PersonKind.GUARDIAN and phone is None:
        raise InvalidInput("Tài khoản phụ huynh cần số điện thoại để đăng nhập.", field="phone", value=None)
    if cmd.person_kind != PersonKind.GUARDIAN and cmd.school_id is None and cmd.org_unit_id is None:
        raise InvalidInput(
            "Cần trường (school_id) hoặc đơn vị (org_unit_id) của tài khoản: mã của nó là phần sau của tên đăng nhập.",
            field="school_id",
            value=None,
        )
    if cmd.person_kind == PersonKind.STUDENT and cmd.school_id is None:
        raise InvalidInput("Tài khoản học sinh cần trường (school_id).", field="school_id", value=None)

    password: str | None = None
    password_hash: str | None = None
    if cmd.person_kind != PersonKind.GUARDIAN:
        password = cmd.password or temporary_password()
        password_hash = await asyncio.to_thread(ctx.hashing.hash, password)

    for attempt in range(3):
        try:
            account = await _insert_account(
                cmd, uow, ctx, display_name=display_name, phone=phone, password_hash=password_hash
            )
        except IntegrityError:
            # Two accounts of the same name created at once got the same user name: number again.
            if attempt == 2:
                raise Conflict(
                    "Không tạo được tên đăng nhập duy nhất do nhiều yêu cầu cùng lúc; vui lòng thử lại.",
                    field="display_name",
                    value=display_name,
                ) from None
            continue
        return CreatedAccount(account=account, temporary_password=password if cmd.password is None else None)
    raise AssertionError("unreachable")


async def _insert_account(
    cmd: CreateAccount,
    uow: IdentityUnitOfWork,
    ctx: AuthContext,
    *,
    display_name: str,
    phone: str | None,
    password_hash: str | None,
) -> Account:
    now = ctx.now()
    async with uow:
        school = None
        if cmd.school_id is not None:
            school = await uow.org.get_school(cmd.school_id)
            if school is None:
                raise NotFound(
                    f"Không có trường với mã định danh {cmd.school_id}.", field="school_id", value=cmd.school_id
                )
        unit_id = cmd.org_unit_id or (school.org_unit_id if school else None)
        unit = await uow.org.get_unit(unit_id) if unit_id else None
        if unit_id is not None and unit is None:
            raise NotFound(f"Không có đơn vị với mã định danh {unit_id}.", field="org_unit_id", value=unit_id)
        if school is not None and cmd.org_unit_id is not None and school.org_unit_id != cmd.org_unit_id:
            raise InvalidInput("Trường không thuộc đơn vị đã chọn.", field="org_unit_id", value=cmd.org_unit_id)
        if phone is not None and await uow.accounts.by_phone(phone) is not None:
            raise Conflict(f"Số điện thoại {phone} đã gắn với một tài khoản khác.", field="phone", value=cmd.phone)

        if cmd.person_kind == PersonKind.GUARDIAN:
            assert phone is not None
            username = guardian_username(phone)
        elif cmd.person_kind == PersonKind.ADMIN:
            assert unit is not None
            if school is not None:
                prefix, code = unit.code, school.moet_code
            else:
                parent = await uow.org.get_unit(unit.parent_id) if unit.parent_id else None
                prefix, code = (parent.code, unit.code) if parent else (unit.code, "admin")
            taken = await uow.accounts.usernames_like(prefix=f"{prefix}_{code}", suffix="")
            username = admin_username(prefix, code, taken)
        else:
            code = school.moet_code if school else unit.code if unit else ""
            taken = await uow.accounts.usernames_like(prefix=name_stem(display_name), suffix=f".{code}")
            username = person_username(display_name, code, taken)

        if cmd.password is not None:
            ctx.password_policy.check(cmd.password, username=username, field="password")
        account = Account(
            id=cmd.account_id or str(uuid.uuid4()),
            username=username,
            person_kind=cmd.person_kind,
            display_name=display_name,
            person_id=cmd.person_id,
            school_id=cmd.school_id,
            org_unit_id=unit.id if unit and school is None else None,
            phone=phone,
            password_hash=password_hash,
            must_change_password=cmd.must_change_password and password_hash is not None,
            created_at=now,
        )
        await uow.accounts.add(account, actor=cmd.actor, now=now)
        await uow.audit.record(
            _audit(
                account,
                action="account.create",
                outcome="success",
                client=Client(),
                actor=cmd.actor,
                username=username,
                person_kind=cmd.person_kind.value,
            )
        )
        uow.emit(
            AccountCreated(
                account_id=account.id,
                username=username,
                person_kind=cmd.person_kind,
                person_id=cmd.person_id,
                school_id=account.school_id,
                org_unit_id=account.org_unit_id,
                display_name=display_name,
            ),
            partition_key=account.school_id or account.id,
            subject=f"accounts/{account.id}",
        )
        await uow.commit()
        return account


async def get_account(account_id: str, uow: IdentityUnitOfWork) -> Account:
    """One account (secrets are never part of what callers show)."""
    async with uow:
        account = await uow.accounts.get(account_id)
    if account is None:
        raise NotFound(f"Không có tài khoản với mã định danh {account_id}.", field="account_id", value=account_id)
    return account


async def list_accounts(
    uow: IdentityUnitOfWork, *, school_id: str | None, org_unit_id: str | None, limit: int, offset: int
) -> list[Account]:
    """Accounts of a school or unit, by user name."""
    async with uow:
        return await uow.accounts.find(school_id=school_id, org_unit_id=org_unit_id, limit=limit, offset=offset)


async def account_grants(account_id: str, uow: IdentityUnitOfWork, ctx: AuthContext) -> list[RoleGrant]:
    """The grants an access token for this account carries today."""
    async with uow:
        account = await uow.accounts.get(account_id)
        if account is None:
            return []
        return await _token_grants(uow, account, today=ctx.now().astimezone(VIETNAM).date())


async def disable_account(cmd: DisableAccount, uow: IdentityUnitOfWork, ctx: AuthContext) -> Account:
    """Stop an account from signing in and end its sessions (no account is ever deleted: the audit needs it)."""
    if cmd.account_id == cmd.actor:
        raise AccountStateConflict("Không thể tự vô hiệu hóa tài khoản của chính mình.", field="account_id")
    now = ctx.now()
    async with uow:
        account = await uow.accounts.get(cmd.account_id)
        if account is None:
            raise NotFound(
                f"Không có tài khoản với mã định danh {cmd.account_id}.", field="account_id", value=cmd.account_id
            )
        if account.disabled:
            return account
        await uow.accounts.disable(account.id, actor=cmd.actor, now=now)
        revoked = await uow.accounts.tokens.revoke_all(account.id, now=now)
        await uow.audit.record(
            _audit(
                account,
                action="account.disable",
                outcome="success",
                client=cmd.client,
                actor=cmd.actor,
                reason=cmd.reason,
                revoked_sessions=revoked,
            )
        )
        uow.emit(
            AccountDisabled(
                account_id=account.id,
                username=account.username,
                school_id=account.school_id,
                disabled_at=now,
                disabled_by=cmd.actor,
            ),
            partition_key=account.school_id or account.id,
            subject=f"accounts/{account.id}",
        )
        await uow.commit()
        return await uow.accounts.get(account.id) or account


async def admin_reset_password(cmd: AdminResetPassword, uow: IdentityUnitOfWork, ctx: AuthContext) -> str:
    """Give an account a new temporary password (to change at next sign-in) and end its sessions."""
    account = await get_account(cmd.account_id, uow)
    if account.person_kind == PersonKind.GUARDIAN:
        raise AccountStateConflict(
            "Tài khoản phụ huynh đăng nhập bằng mã gửi tới số điện thoại, không dùng mật khẩu.", field="account_id"
        )
    password = temporary_password()
    hashed = await asyncio.to_thread(ctx.hashing.hash, password)
    now = ctx.now()
    async with uow:
        await uow.accounts.set_password(account.id, password_hash=hashed, must_change=True, now=now)
        if cmd.reset_totp:
            await uow.accounts.clear_totp(account.id)
        revoked = await uow.accounts.tokens.revoke_all(account.id, now=now)
        await uow.audit.record(
            _audit(
                account,
                action="password.reset",
                outcome="success",
                client=cmd.client,
                actor=cmd.actor,
                reset_totp=cmd.reset_totp,
                revoked_sessions=revoked,
            )
        )
        await uow.commit()
    return password


# ---------------------------------------------------------------------------------------------------------------
# Sign-in
# ---------------------------------------------------------------------------------------------------------------


async def login_password(cmd: LoginPassword, uow: IdentityUnitOfWork, ctx: AuthContext) -> SignInResult:
    """First step: user name and password. Unknown names and wrong passwords look and cost the same."""
    username = normalize_username(cmd.username)[:128]
    now = ctx.now()
    async with uow:
        account = await uow.accounts.by_username(username)
        throttle = None if account else await uow.accounts.throttle(username)
    locked_until = account.locked_until if account else throttle.locked_until if throttle else None
    await _refuse_if_locked(
        uow,
        account,
        locked_until=locked_until,
        action="sign_in.password",
        client=cmd.client,
        now=now,
        username=username,
    )

    stored = account.password_hash if account else None
    ok = await asyncio.to_thread(ctx.hashing.verify, stored, cmd.password)
    rehashed = None
    if ok and stored and ctx.hashing.needs_rehash(stored):
        rehashed = await asyncio.to_thread(ctx.hashing.hash, cmd.password)

    async with uow:
        if not ok or account is None:
            if account is not None:
                count, until = await _count_failure(ctx, uow, account, now=now)
            else:
                count = await uow.accounts.count_unknown_failure(username, now=now)
                until = ctx.lockout.locked_until(count, now=now)
                if until is not None:
                    await uow.accounts.lock_unknown(username, until=until)
                await uow.accounts.forget_unknown_failures(before=now - UNKNOWN_NAME_MEMORY)
            await uow.audit.record(
                _audit(
                    account,
                    action="sign_in.password",
                    outcome="failure",
                    client=cmd.client,
                    username=username,
                    reason="bad-credentials" if account else "unknown-username",
                    failed_attempts=count,
                    locked_until=_iso(until),
                )
            )
            await uow.commit()
            raise InvalidCredentials(BAD_CREDENTIALS, reason="bad-credentials")

        if account.disabled:
            await uow.audit.record(
                _audit(account, action="sign_in.password", outcome="failure", client=cmd.client, reason="disabled")
            )
            await uow.commit()
            raise InvalidCredentials("Tài khoản đã bị vô hiệu hóa; liên hệ quản trị của trường.", reason="disabled")

        if rehashed:
            await uow.accounts.rehash_password(account.id, password_hash=rehashed)
            account = await uow.accounts.get(account.id) or account
        result = await _next_step(ctx, uow, account, now=now)
        await uow.audit.record(
            _audit(account, action="sign_in.password", outcome="success", client=cmd.client, next=_status(result))
        )
        await uow.commit()
        return result


async def login_totp(cmd: LoginTotp, uow: IdentityUnitOfWork, ctx: AuthContext) -> SignedIn:
    """Second step for accounts with a second factor: the 6-digit code of their authenticator app."""
    now = ctx.now()
    async with uow:
        account = await _challenged_account(ctx, uow, cmd.challenge, SignInStage.TOTP, now=now)
    await _refuse_if_locked(
        uow, account, locked_until=account.locked_until, action="sign_in.totp", client=cmd.client, now=now
    )
    async with uow:
        secret = (
            totp.decrypt_secret(account.totp_secret, key=ctx.totp_key, account_id=account.id)
            if account.totp_secret
            else None
        )
        step = (
            totp.matching_step(secret, cmd.code, timestamp=now.timestamp(), last_step=account.totp_last_step)
            if secret
            else None
        )
        if step is None or not await uow.accounts.spend_totp_step(account.id, step=step):
            count, until = await _count_failure(ctx, uow, account, now=now)
            await uow.audit.record(
                _audit(
                    account,
                    action="sign_in.totp",
                    outcome="failure",
                    client=cmd.client,
                    reason="bad-code" if secret else "unreadable-secret",
                    failed_attempts=count,
                    locked_until=_iso(until),
                )
            )
            await uow.commit()
            raise InvalidCredentials(
                "Mã xác thực hai lớp không đúng hoặc đã dùng; hãy nhập mã mới trong ứng dụng xác thực.",
                field="code",
                reason="bad-totp",
            )
        result = await _start_session(ctx, uow, account, now=now)
        await uow.audit.record(_audit(account, action="sign_in.totp", outcome="success", client=cmd.client))
        await uow.commit()
        return result


async def change_password(cmd: ChangePassword, uow: IdentityUnitOfWork, ctx: AuthContext) -> SignInResult:
    """Set a new password: at the first sign-in / after a reset (challenge), or signed in with the current one.

    Every other session of the account ends; the caller gets the next sign-in step or a new session.
    """
    now = ctx.now()
    async with uow:
        if cmd.challenge is not None:
            account = await _challenged_account(ctx, uow, cmd.challenge, SignInStage.PASSWORD_CHANGE, now=now)
        elif cmd.account_id is not None:
            found = await uow.accounts.get(cmd.account_id)
            if found is None or found.disabled or found.password_hash is None:
                raise InvalidSession("Tài khoản không đổi được mật khẩu.", reason="no-password")
            account = found
        else:
            raise InvalidInput(
                "Cần mã bước đăng nhập (challenge) hoặc đăng nhập (Authorization: Bearer …) để đổi mật khẩu.",
                field="challenge",
                value=None,
            )
    if cmd.challenge is None:
        await _refuse_if_locked(
            uow, account, locked_until=account.locked_until, action="password.change", client=cmd.client, now=now
        )
        if cmd.current_password is None:
            raise InvalidInput("Cần nhập mật khẩu hiện tại.", field="current_password", value=None)
        if not await asyncio.to_thread(ctx.hashing.verify, account.password_hash, cmd.current_password):
            async with uow:
                count, until = await _count_failure(ctx, uow, account, now=now)
                await uow.audit.record(
                    _audit(
                        account,
                        action="password.change",
                        outcome="failure",
                        client=cmd.client,
                        reason="bad-current-password",
                        failed_attempts=count,
                        locked_until=_iso(until),
                    )
                )
                await uow.commit()
            raise InvalidCredentials(
                "Mật khẩu hiện tại không đúng.", field="current_password", reason="bad-credentials"
            )

    ctx.password_policy.check(cmd.new_password, username=account.username)
    if await asyncio.to_thread(ctx.hashing.verify, account.password_hash, cmd.new_password):
        raise InvalidInput("Mật khẩu mới phải khác mật khẩu hiện tại.", field="new_password")
    hashed = await asyncio.to_thread(ctx.hashing.hash, cmd.new_password)

    async with uow:
        current = await uow.accounts.get(account.id)
        if current is None or current.password_version() != account.password_version():
            raise InvalidSession(_EXPIRED_CHALLENGE, field="challenge", reason="stale-challenge")
        await uow.accounts.set_password(account.id, password_hash=hashed, must_change=False, now=now)
        revoked = await uow.accounts.tokens.revoke_all(account.id, now=now)
        updated = await uow.accounts.get(account.id)
        assert updated is not None
        # Signed in already (bearer): the second factor was part of that sign-in.
        result = await _next_step(ctx, uow, updated, now=now, second_factor_done=cmd.challenge is None)
        await uow.audit.record(
            _audit(
                account,
                action="password.change",
                outcome="success",
                client=cmd.client,
                via="challenge" if cmd.challenge else "session",
                revoked_sessions=revoked,
                next=_status(result),
            )
        )
        await uow.commit()
        return result


async def enroll_totp(cmd: EnrollTotp, uow: IdentityUnitOfWork, ctx: AuthContext) -> TotpEnrolment:
    """Start adding an authenticator app: a new secret (shown once, as a QR code) waiting for confirmation."""
    now = ctx.now()
    async with uow:
        account = await _account_for_totp(ctx, uow, challenge=cmd.challenge, account_id=cmd.account_id, now=now)
        secret = totp.new_secret()
        encrypted = totp.encrypt_secret(secret, key=ctx.totp_key, account_id=account.id)
        await uow.accounts.set_pending_totp(account.id, encrypted_secret=encrypted)
        await uow.audit.record(_audit(account, action="totp.enroll", outcome="success", client=cmd.client))
        await uow.commit()
    return TotpEnrolment(
        secret=secret, otpauth_uri=totp.provisioning_uri(secret, username=account.username, issuer=ctx.totp_issuer)
    )


async def confirm_totp(cmd: ConfirmTotp, uow: IdentityUnitOfWork, ctx: AuthContext) -> SignedIn | None:
    """Finish adding an authenticator app with a first code; in the sign-in flow this also starts the session."""
    now = ctx.now()
    async with uow:
        account = await _account_for_totp(ctx, uow, challenge=cmd.challenge, account_id=cmd.account_id, now=now)
    await _refuse_if_locked(
        uow, account, locked_until=account.locked_until, action="totp.confirm", client=cmd.client, now=now
    )
    if account.totp_secret is None:
        raise AccountStateConflict(
            "Chưa có mã bí mật chờ xác nhận: gọi /auth/totp/enroll trước.", field="code", reason="not-enrolled"
        )
    secret = totp.decrypt_secret(account.totp_secret, key=ctx.totp_key, account_id=account.id)
    step = totp.matching_step(secret, cmd.code, timestamp=now.timestamp(), last_step=None) if secret else None
    async with uow:
        if step is None:
            count, until = (
                await _count_failure(ctx, uow, account, now=now) if cmd.challenge else (account.failed_attempts, None)
            )
            await uow.audit.record(
                _audit(
                    account,
                    action="totp.confirm",
                    outcome="failure",
                    client=cmd.client,
                    failed_attempts=count,
                    locked_until=_iso(until),
                )
            )
            await uow.commit()
            raise InvalidInput(
                "Mã xác thực không đúng: hãy nhập mã 6 chữ số đang hiện trong ứng dụng xác thực.", field="code"
            )
        await uow.accounts.enable_totp(account.id, step=step)
        await uow.audit.record(_audit(account, action="totp.enable", outcome="success", client=cmd.client))
        result = None
        if cmd.challenge is not None:
            result = await _start_session(ctx, uow, account, now=now)
            await uow.audit.record(
                _audit(account, action="sign_in.totp", outcome="success", client=cmd.client, enrolment=True)
            )
        await uow.commit()
        return result


async def _account_for_totp(
    ctx: AuthContext, uow: IdentityUnitOfWork, *, challenge: str | None, account_id: str | None, now: datetime
) -> Account:
    if challenge is not None:
        account = await _challenged_account(ctx, uow, challenge, SignInStage.TOTP_ENROLLMENT, now=now)
    elif account_id is not None:
        found = await uow.accounts.get(account_id)
        if found is None or found.disabled:
            raise InvalidSession("Tài khoản không còn hoạt động.", reason="no-account")
        account = found
    else:
        raise InvalidInput(
            "Cần mã bước đăng nhập (challenge) hoặc đăng nhập (Authorization: Bearer …).", field="challenge", value=None
        )
    if account.totp_enabled:
        raise AccountStateConflict(
            "Tài khoản đã bật xác thực hai lớp; muốn đổi thiết bị, nhờ quản trị đặt lại.", reason="already-enabled"
        )
    return account


# ---------------------------------------------------------------------------------------------------------------
# Guardians: one-time codes by phone
# ---------------------------------------------------------------------------------------------------------------


async def request_parent_otp(cmd: RequestParentOtp, uow: IdentityUnitOfWork, ctx: AuthContext) -> int:
    """Send a 6-digit code to a guardian's phone; the answer is the same whether or not the number has an account.

    Returns the code's lifetime in seconds.
    """
    phone = normalize_phone(cmd.phone)
    now = ctx.now()
    code = one_time_code()
    challenge_id = str(uuid.uuid4())
    async with uow:
        recent = await uow.accounts.otps.issued_since(phone, now - ctx.otp.window)
        wait = 0
        if recent and now - recent[0] < ctx.otp.min_interval:
            wait = seconds_left(recent[0] + ctx.otp.min_interval, now=now)
        elif len(recent) >= ctx.otp.max_per_window:
            wait = seconds_left(recent[ctx.otp.max_per_window - 1] + ctx.otp.window, now=now)
        if wait:
            await uow.audit.record(
                _audit(None, action="otp.request", outcome="denied", client=cmd.client, phone=mask_phone(phone))
            )
            await uow.commit()
            raise TooManyRequests(
                f"Đã gửi mã gần đây; vui lòng đợi {wait} giây rồi yêu cầu mã mới.", field="phone", retry_after_s=wait
            )
        account = await uow.accounts.by_phone(phone)
        if account is not None and (account.person_kind != PersonKind.GUARDIAN or account.disabled):
            account = None
        expires_at = now + ctx.otp.ttl
        await uow.accounts.otps.add(
            challenge_id=challenge_id,
            phone=phone,
            account_id=account.id if account else None,
            code_hash=code_digest(ctx.otp_key, challenge_id=challenge_id, code=code),
            created_at=now,
            expires_at=expires_at,
        )
        if account is not None:
            uow.emit(
                ParentOtpRequested(
                    account_id=account.id, phone=phone, code=code, expires_at=expires_at, school_id=account.school_id
                ),
                partition_key=account.school_id or account.id,
                subject=f"accounts/{account.id}",
            )
        await uow.audit.record(
            _audit(
                account,
                action="otp.request",
                outcome="success" if account else "failure",
                client=cmd.client,
                phone=mask_phone(phone),
                reason=None if account else "unknown-phone",
            )
        )
        await uow.commit()
    if account is not None and ctx.dev_otp_log is not None:
        _write_dev_otp(ctx.dev_otp_log, phone=phone, code=code, now=now)
    return int(ctx.otp.ttl.total_seconds())


def _write_dev_otp(path: Path, *, phone: str, code: str, now: datetime) -> None:
    """Development only (no SMS gateway on a laptop): the code goes to a local file instead of a phone."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(f"{now.isoformat()} {phone} {code}\n")


async def verify_parent_otp(cmd: VerifyParentOtp, uow: IdentityUnitOfWork, ctx: AuthContext) -> SignedIn:
    """Sign a guardian in with the code sent to their phone (each code: one use, a few tries, a few minutes)."""
    phone = normalize_phone(cmd.phone)
    now = ctx.now()
    async with uow:
        challenge = await uow.accounts.otps.latest_open(phone, now=now)
        account = await uow.accounts.get(challenge.account_id) if challenge and challenge.account_id else None
        reason: str | None = None
        if challenge is None:
            reason = "no-open-code"
        elif challenge.attempts >= ctx.otp.max_attempts:
            reason = "too-many-attempts"
        else:
            await uow.accounts.otps.count_attempt(challenge.id)
            if not code_matches(
                ctx.otp_key, challenge_id=challenge.id, code=cmd.code.strip(), digest=challenge.code_hash
            ):
                reason = "bad-code"
            elif account is None or account.disabled:
                reason = "no-account"
            elif not await uow.accounts.otps.consume(challenge.id, now=now):
                reason = "already-used"
        if reason is not None or account is None:
            await uow.audit.record(
                _audit(
                    account,
                    action="sign_in.otp",
                    outcome="failure",
                    client=cmd.client,
                    phone=mask_phone(phone),
                    reason=reason,
                )
            )
            await uow.commit()
            raise InvalidCredentials(
                "Mã xác nhận không đúng hoặc đã hết hạn; hãy yêu cầu mã mới.", field="code", reason="bad-otp"
            )
        result = await _start_session(ctx, uow, account, now=now)
        await uow.audit.record(
            _audit(account, action="sign_in.otp", outcome="success", client=cmd.client, phone=mask_phone(phone))
        )
        await uow.commit()
        return result


# ---------------------------------------------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------------------------------------------


async def refresh(cmd: RefreshSession, uow: IdentityUnitOfWork, ctx: AuthContext) -> SignedIn:
    """Exchange a refresh token for a new pair; a token exchanged twice revokes its whole family (theft)."""
    now = ctx.now()
    async with uow:
        stored = await uow.accounts.tokens.by_hash(refresh_token_digest(cmd.refresh_token))
        if stored is None:
            raise InvalidSession("Mã làm mới không hợp lệ; vui lòng đăng nhập lại.", reason="unknown-refresh-token")
        verdict = classify_refresh(
            used_at=stored.used_at, revoked_at=stored.revoked_at, expires_at=stored.expires_at, now=now
        )
        account = await uow.accounts.get(stored.account_id)
        if verdict == RefreshVerdict.VALID and (account is None or account.disabled):
            verdict = RefreshVerdict.REVOKED
            await uow.accounts.tokens.revoke_family(stored.family_id, now=now)
            await uow.commit()
        if verdict == RefreshVerdict.VALID:
            assert account is not None
            new_id = str(uuid.uuid4())
            if await uow.accounts.tokens.mark_used(stored.id, replaced_by=new_id, now=now):
                result = await _start_session(ctx, uow, account, now=now, family_id=stored.family_id, token_id=new_id)
                await uow.commit()
                return result
            # A concurrent exchange of the same token won the race: two holders, the same as a reuse.
            verdict = RefreshVerdict.REUSED
        if verdict == RefreshVerdict.REUSED:
            revoked = await uow.accounts.tokens.revoke_family(stored.family_id, now=now)
            await uow.audit.record(
                _audit(
                    account,
                    action="session.reuse_detected",
                    outcome="denied",
                    client=cmd.client,
                    actor=stored.account_id,
                    family_id=stored.family_id,
                    revoked_tokens=revoked,
                )
            )
            await uow.commit()
            log.warning("refresh token reuse: family revoked", extra={"account": stored.account_id})
            raise InvalidSession(
                "Mã làm mới đã được dùng trước đó; để an toàn, phiên đăng nhập này đã bị thu hồi. "
                "Vui lòng đăng nhập lại.",
                reason="refresh-token-reused",
            )
    messages = {
        RefreshVerdict.REVOKED: ("Phiên đăng nhập đã kết thúc; vui lòng đăng nhập lại.", "refresh-token-revoked"),
        RefreshVerdict.EXPIRED: ("Phiên đăng nhập đã hết hạn; vui lòng đăng nhập lại.", "refresh-token-expired"),
    }
    detail, reason = messages[verdict]
    raise InvalidSession(detail, reason=reason)


async def logout(cmd: Logout, uow: IdentityUnitOfWork, ctx: AuthContext) -> None:
    """End the session the refresh token belongs to (its whole family); unknown tokens are ignored."""
    now = ctx.now()
    async with uow:
        stored = await uow.accounts.tokens.by_hash(refresh_token_digest(cmd.refresh_token))
        if stored is None:
            return
        revoked = await uow.accounts.tokens.revoke_family(stored.family_id, now=now)
        account = await uow.accounts.get(stored.account_id)
        await uow.audit.record(
            _audit(
                account,
                action="sign_out",
                outcome="success",
                client=cmd.client,
                actor=stored.account_id,
                revoked_tokens=revoked,
            )
        )
        await uow.commit()


async def logout_all(cmd: LogoutAll, uow: IdentityUnitOfWork, ctx: AuthContext) -> int:
    """End every session of the account (access tokens already issued still expire on their own)."""
    now = ctx.now()
    async with uow:
        account = await uow.accounts.get(cmd.account_id)
        revoked = await uow.accounts.tokens.revoke_all(cmd.account_id, now=now)
        await uow.audit.record(
            _audit(
                account,
                action="sign_out.all",
                outcome="success",
                client=cmd.client,
                actor=cmd.account_id,
                revoked_tokens=revoked,
            )
        )
        await uow.commit()
        return revoked

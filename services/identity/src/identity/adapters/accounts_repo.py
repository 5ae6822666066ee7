"""Reading and writing accounts, their role grants, refresh tokens, one-time codes and failure counters.

Counters are changed with relative updates (`failed_attempts = failed_attempts + 1`) and token rotation with a
conditional update, so that concurrent requests on the same account or token cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from edu_shared.auth.principal import Role, RoleGrant, ScopeType
from edu_shared.contracts.identity_accounts import PersonKind
from identity.adapters import orm
from identity.adapters.orm_accounts import accounts, otp_challenges, refresh_tokens, sign_in_throttle
from identity.domain.accounts import Account


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every time stored here is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _aware(value: datetime) -> datetime:
    result = aware(value)
    assert result is not None
    return result


def _account(row: Any) -> Account:
    return Account(
        id=row.id,
        username=row.username,
        person_kind=PersonKind(row.person_kind),
        display_name=row.display_name,
        person_id=row.person_id,
        school_id=row.school_id,
        org_unit_id=row.org_unit_id,
        phone=row.phone,
        password_hash=row.password_hash,
        must_change_password=bool(row.must_change_password),
        failed_attempts=int(row.failed_attempts),
        locked_until=aware(row.locked_until),
        totp_secret=row.totp_secret,
        totp_enabled=bool(row.totp_enabled),
        totp_last_step=row.totp_last_step,
        disabled_at=aware(row.disabled_at),
        created_at=aware(row.created_at),
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class StoredRefreshToken:
    id: str
    account_id: str
    family_id: str
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class StoredOtp:
    id: str
    phone: str
    account_id: str | None
    code_hash: str
    created_at: datetime
    expires_at: datetime
    attempts: int


@dataclass(frozen=True)
class Throttle:
    failed_attempts: int
    locked_until: datetime | None


class RefreshTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        *,
        token_id: str,
        account_id: str,
        family_id: str,
        token_hash: str,
        issued_at: datetime,
        expires_at: datetime,
    ) -> None:
        await self.session.execute(
            sa.insert(refresh_tokens).values(
                id=token_id,
                account_id=account_id,
                family_id=family_id,
                token_hash=token_hash,
                issued_at=issued_at,
                expires_at=expires_at,
            )
        )

    async def by_hash(self, token_hash: str) -> StoredRefreshToken | None:
        row = (
            await self.session.execute(sa.select(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash))
        ).first()
        if row is None:
            return None
        return StoredRefreshToken(
            id=row.id,
            account_id=row.account_id,
            family_id=row.family_id,
            issued_at=_aware(row.issued_at),
            expires_at=_aware(row.expires_at),
            used_at=aware(row.used_at),
            revoked_at=aware(row.revoked_at),
        )

    async def mark_used(self, token_id: str, *, replaced_by: str, now: datetime) -> bool:
        """Spend a token; False when it was spent or revoked meanwhile (a concurrent exchange won)."""
        result = await self.session.execute(
            sa.update(refresh_tokens)
            .where(
                refresh_tokens.c.id == token_id,
                refresh_tokens.c.used_at.is_(None),
                refresh_tokens.c.revoked_at.is_(None),
            )
            .values(used_at=now, replaced_by=replaced_by)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def revoke_family(self, family_id: str, *, now: datetime) -> int:
        result = await self.session.execute(
            sa.update(refresh_tokens)
            .where(refresh_tokens.c.family_id == family_id, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return int(getattr(result, "rowcount", 0))

    async def revoke_all(self, account_id: str, *, now: datetime) -> int:
        """Sign out everywhere: every live token of the account."""
        result = await self.session.execute(
            sa.update(refresh_tokens)
            .where(refresh_tokens.c.account_id == account_id, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return int(getattr(result, "rowcount", 0))


class OtpRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        *,
        challenge_id: str,
        phone: str,
        account_id: str | None,
        code_hash: str,
        created_at: datetime,
        expires_at: datetime,
    ) -> None:
        await self.session.execute(
            sa.insert(otp_challenges).values(
                id=challenge_id,
                phone=phone,
                account_id=account_id,
                code_hash=code_hash,
                created_at=created_at,
                expires_at=expires_at,
                attempts=0,
            )
        )

    async def issued_since(self, phone: str, since: datetime) -> list[datetime]:
        """When codes were sent to `phone` since `since`, newest first."""
        rows = await self.session.scalars(
            sa.select(otp_challenges.c.created_at)
            .where(otp_challenges.c.phone == phone, otp_challenges.c.created_at >= since)
            .order_by(otp_challenges.c.created_at.desc())
        )
        return [_aware(r) for r in rows]

    async def latest_open(self, phone: str, *, now: datetime) -> StoredOtp | None:
        """The newest unconsumed, unexpired code of `phone`; requesting a new code supersedes older ones."""
        row = (
            await self.session.execute(
                sa.select(otp_challenges)
                .where(otp_challenges.c.phone == phone)
                .order_by(otp_challenges.c.created_at.desc())
                .limit(1)
            )
        ).first()
        if row is None or row.consumed_at is not None or _aware(row.expires_at) <= now:
            return None
        return StoredOtp(
            id=row.id,
            phone=row.phone,
            account_id=row.account_id,
            code_hash=row.code_hash,
            created_at=_aware(row.created_at),
            expires_at=_aware(row.expires_at),
            attempts=int(row.attempts),
        )

    async def count_attempt(self, challenge_id: str) -> None:
        await self.session.execute(
            sa.update(otp_challenges)
            .where(otp_challenges.c.id == challenge_id)
            .values(attempts=otp_challenges.c.attempts + 1)
        )

    async def consume(self, challenge_id: str, *, now: datetime) -> bool:
        result = await self.session.execute(
            sa.update(otp_challenges)
            .where(otp_challenges.c.id == challenge_id, otp_challenges.c.consumed_at.is_(None))
            .values(consumed_at=now)
        )
        return bool(getattr(result, "rowcount", 0) == 1)


class AccountRepository:
    """Accounts, plus `tokens` (refresh tokens) and `otps` (guardians' one-time codes) on the same session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.tokens = RefreshTokenRepository(session)
        self.otps = OtpRepository(session)

    # -- accounts ----------------------------------------------------------------------------------------------

    async def add(self, account: Account, *, actor: str, now: datetime) -> None:
        await self.session.execute(
            sa.insert(accounts).values(
                id=account.id,
                username=account.username,
                person_kind=account.person_kind.value,
                person_id=account.person_id,
                school_id=account.school_id,
                org_unit_id=account.org_unit_id,
                display_name=account.display_name,
                phone=account.phone,
                password_hash=account.password_hash,
                password_changed_at=now if account.password_hash else None,
                must_change_password=account.must_change_password,
                failed_attempts=0,
                totp_enabled=False,
                created_at=now,
                created_by=actor,
            )
        )

    async def get(self, account_id: str) -> Account | None:
        row = (await self.session.execute(sa.select(accounts).where(accounts.c.id == account_id))).first()
        return None if row is None else _account(row)

    async def by_username(self, username: str) -> Account | None:
        row = (await self.session.execute(sa.select(accounts).where(accounts.c.username == username))).first()
        return None if row is None else _account(row)

    async def by_phone(self, phone: str) -> Account | None:
        row = (await self.session.execute(sa.select(accounts).where(accounts.c.phone == phone))).first()
        return None if row is None else _account(row)

    async def usernames_like(self, *, prefix: str, suffix: str) -> set[str]:
        """Taken user names `prefix…suffix`, to number a clash (anvn.x, anvn2.x, …)."""
        pattern = f"{_escape_like(prefix)}%{_escape_like(suffix)}"
        rows = await self.session.scalars(
            sa.select(accounts.c.username).where(accounts.c.username.like(pattern, escape="\\"))
        )
        return set(rows)

    async def find(
        self, *, school_id: str | None = None, org_unit_id: str | None = None, limit: int = 200, offset: int = 0
    ) -> list[Account]:
        query = sa.select(accounts).order_by(accounts.c.username).limit(limit).offset(offset)
        if school_id is not None:
            query = query.where(accounts.c.school_id == school_id)
        if org_unit_id is not None:
            query = query.where(accounts.c.org_unit_id == org_unit_id)
        return [_account(r) for r in await self.session.execute(query)]

    async def count_failure(self, account_id: str, *, now: datetime) -> int:
        """One more consecutive failure; returns the new count (the row stays locked until commit)."""
        await self.session.execute(
            sa.update(accounts)
            .where(accounts.c.id == account_id)
            .values(failed_attempts=accounts.c.failed_attempts + 1)
        )
        count = await self.session.scalar(sa.select(accounts.c.failed_attempts).where(accounts.c.id == account_id))
        return int(count or 0)

    async def lock(self, account_id: str, *, until: datetime) -> None:
        await self.session.execute(sa.update(accounts).where(accounts.c.id == account_id).values(locked_until=until))

    async def signed_in(self, account_id: str, *, now: datetime) -> None:
        await self.session.execute(
            sa.update(accounts)
            .where(accounts.c.id == account_id)
            .values(failed_attempts=0, locked_until=None, last_sign_in_at=now)
        )

    async def set_password(self, account_id: str, *, password_hash: str, must_change: bool, now: datetime) -> None:
        await self.session.execute(
            sa.update(accounts)
            .where(accounts.c.id == account_id)
            .values(
                password_hash=password_hash,
                password_changed_at=now,
                must_change_password=must_change,
                failed_attempts=0,
                locked_until=None,
            )
        )

    async def rehash_password(self, account_id: str, *, password_hash: str) -> None:
        """Same password, current argon2 parameters."""
        await self.session.execute(
            sa.update(accounts).where(accounts.c.id == account_id).values(password_hash=password_hash)
        )

    async def set_pending_totp(self, account_id: str, *, encrypted_secret: str) -> None:
        await self.session.execute(
            sa.update(accounts)
            .where(accounts.c.id == account_id, accounts.c.totp_enabled.is_(False))
            .values(totp_secret=encrypted_secret, totp_last_step=None)
        )

    async def enable_totp(self, account_id: str, *, step: int) -> None:
        await self.session.execute(
            sa.update(accounts).where(accounts.c.id == account_id).values(totp_enabled=True, totp_last_step=step)
        )

    async def spend_totp_step(self, account_id: str, *, step: int) -> bool:
        """Remember the step of an accepted code; False if that step (or a later one) was already spent."""
        result = await self.session.execute(
            sa.update(accounts)
            .where(
                accounts.c.id == account_id,
                sa.or_(accounts.c.totp_last_step.is_(None), accounts.c.totp_last_step < step),
            )
            .values(totp_last_step=step)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def clear_totp(self, account_id: str) -> None:
        await self.session.execute(
            sa.update(accounts)
            .where(accounts.c.id == account_id)
            .values(totp_secret=None, totp_enabled=False, totp_last_step=None)
        )

    async def disable(self, account_id: str, *, actor: str, now: datetime) -> None:
        await self.session.execute(
            sa.update(accounts).where(accounts.c.id == account_id).values(disabled_at=now, disabled_by=actor)
        )

    # -- failure counters of unknown user names --------------------------------------------------------------

    async def throttle(self, username: str) -> Throttle | None:
        row = (
            await self.session.execute(sa.select(sign_in_throttle).where(sign_in_throttle.c.username == username))
        ).first()
        return None if row is None else Throttle(int(row.failed_attempts), aware(row.locked_until))

    async def count_unknown_failure(self, username: str, *, now: datetime) -> int:
        t = sign_in_throttle
        insert = postgresql.insert if self.session.get_bind().dialect.name == "postgresql" else sqlite.insert
        await self.session.execute(
            insert(t)
            .values(username=username, failed_attempts=1, locked_until=None, last_failure_at=now)
            .on_conflict_do_update(
                index_elements=[t.c.username],
                set_={"failed_attempts": t.c.failed_attempts + 1, "last_failure_at": now},
            )
        )
        return int(await self.session.scalar(sa.select(t.c.failed_attempts).where(t.c.username == username)) or 0)

    async def lock_unknown(self, username: str, *, until: datetime) -> None:
        await self.session.execute(
            sa.update(sign_in_throttle).where(sign_in_throttle.c.username == username).values(locked_until=until)
        )

    async def forget_unknown_failures(self, *, before: datetime) -> None:
        """Drop counters of names nobody tried since `before` (keeps the table small under a spraying attack)."""
        await self.session.execute(sa.delete(sign_in_throttle).where(sign_in_throttle.c.last_failure_at < before))

    # -- role grants (the table belongs to the grants workflow; accounts read it and seed it) ----------------

    async def active_grants(self, account_id: str, *, today: date) -> list[RoleGrant]:
        """Grants not revoked whose validity covers `today`; these go into the access token."""
        g = orm.role_grants
        rows = await self.session.execute(
            sa.select(g.c.role, g.c.scope_type, g.c.scope_id)
            .where(
                g.c.account_id == account_id,
                g.c.revoked_at.is_(None),
                sa.or_(g.c.valid_from.is_(None), g.c.valid_from <= today),
                sa.or_(g.c.valid_to.is_(None), g.c.valid_to >= today),
            )
            .order_by(g.c.role, g.c.scope_type, g.c.scope_id)
        )
        grants: list[RoleGrant] = []
        for r in rows:
            try:
                grants.append(RoleGrant(role=Role(r.role), scope_type=ScopeType(r.scope_type), scope_id=r.scope_id))
            except ValueError:
                continue  # a role this version does not know grants nothing
        return grants

    async def add_grant(
        self,
        *,
        grant_id: str,
        account_id: str,
        grant: RoleGrant,
        school_id: str | None,
        actor: str,
        now: datetime,
        source: str = "manual",
    ) -> None:
        await self.session.execute(
            sa.insert(orm.role_grants).values(
                id=grant_id,
                account_id=account_id,
                role=grant.role.value,
                scope_type=grant.scope_type.value,
                scope_id=grant.scope_id,
                school_id=school_id,
                source=source,
                created_at=now,
                created_by=actor,
            )
        )

"""Users, their server-side sessions, API tokens and login throttling."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mla.core.access import ROLES, Role
from mla.core.clock import now, real_now
from mla.core.crypto import SealedBytes
from mla.core.db import StrEnumType, UTCDateTime
from mla.extensions import Model

_ROLE_LIST = ", ".join(f"'{r}'" for r in ROLES)


class User(UserMixin, Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN ({_ROLE_LIST})", name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), default="")
    role: Mapped[Role] = mapped_column(StrEnumType(Role, 20))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_enabled: Mapped[bool] = mapped_column(default=True)
    # Prosecutors and judges belong to a domestic authority; their requests are that authority's.
    authority_id: Mapped[int | None] = mapped_column(
        ForeignKey("authorities.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=real_now)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The interface language the user chose (a code of mla.settings.SUPPORTED_LOCALES);
    # None: the browser's Accept-Language, then the instance default. E-mails use it too.
    language: Mapped[str | None] = mapped_column(String(8))
    # The IANA time zone the user reads times in ("Europe/Paris"); None: the instance's
    # home zone (mla.core.zones). Deadlines keep their own state's zone whatever this says.
    time_zone: Mapped[str | None] = mapped_column(String(64))
    # Second factor (TOTP, RFC 6238): the secret encrypted under the key ring; set at the
    # start of enrolment, in force once ``totp_enabled_at`` is set (a code confirmed it).
    totp_secret_enc: Mapped[bytes | None] = mapped_column(
        SealedBytes("users.totp_secret_enc.{id}"))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last time step a code was accepted for: no code is accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column()

    authority = relationship("Authority", lazy="joined")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_enabled

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    @property
    def has_second_factor(self) -> bool:
        return self.totp_enabled_at is not None

    def __str__(self) -> str:
        return self.display_name or self.username


class UserSession(Model):
    """A signed-in browser. Logout or a password change revokes it for good."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=real_now)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=real_now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship(lazy="joined")


class ApiToken(Model):
    """A bearer token for integrators; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=real_now)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class RecoveryCode(Model):
    """A single-use code that stands in for the second factor; only its argon2 hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=real_now)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginThrottle(Model):
    """Failed sign-ins per account name (known or not: same answer for both) and client
    address. Keyed by both, so a stranger's failures lock the stranger out of the
    account, never its owner signing in from another address; the rate limits on
    sign-in (auth.throttle) bound how many addresses a guesser can use."""

    __tablename__ = "login_throttles"
    __table_args__ = (Index("ix_login_throttles_locked_until", "locked_until"),)

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_ip: Mapped[str] = mapped_column(String(45), primary_key=True, default="")
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

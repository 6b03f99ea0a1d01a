"""Accounts, sign-in, sessions and tokens. Services flush; the caller commits.

Security clocks (idle and absolute session limits, lockouts, token expiry) run on
real time, never the sandbox's simulated clock: moving a training scenario forward
by days must neither sign a class out nor keep a lockout or an expired token alive.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Update, select, update
from sqlalchemy.exc import OperationalError

from mla.audit.services import record_audit
from mla.auth import two_factor
from mla.auth.actors import Actor
from mla.auth.models import ApiToken, LoginThrottle, User, UserSession
from mla.auth.passwords import hash_password, needs_rehash, password_problems, verify_password
from mla.auth.signals import access_revoked, session_ended, user_created
from mla.auth.two_factor import note_failure
from mla.core import clock
from mla.core.access import ROLES
from mla.core.db import rows_matched
from mla.core.errors import ServiceError
from mla.core.transaction import commit_even_if_refused, write_after_read
from mla.core.zones import is_zone
from mla.extensions import db
from mla.settings import SUPPORTED_LOCALES, current_settings

TOKEN_PREFIX = "cmt_"  # noqa: S105 (a visible marker, not a secret)


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def normalise_username(username: str) -> str:
    return username.strip().casefold()


def get_user_by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == normalise_username(username)))


# -- accounts ---------------------------------------------------------------------------
def create_user(
    actor: Actor | None,
    *,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    email: str = "",
    authority_id: int | None = None,
) -> User:
    name = normalise_username(username)
    if not name or len(name) > 64 or not all(c.isalnum() or c in "._-@" for c in name):
        raise ServiceError(_("User names use letters, digits and . _ - @ (at most 64)."),
                           details={"field": "username"})
    if role not in ROLES:
        raise ServiceError(_("Unknown role %(role)r; roles are %(roles)s.", role=role,
                             roles=", ".join(ROLES)), details={"field": "role"})
    problems = password_problems(password, name)
    if problems:
        raise ServiceError(" ".join(problems), details={"field": "password"})
    if get_user_by_username(name) is not None:
        raise ServiceError(_("The user name %(name)r is taken.", name=name), code="conflict",
                           status=409, details={"field": "username"})
    user = User(
        username=name,
        display_name=display_name.strip() or name,
        email=email.strip(),
        role=role,
        password_hash=hash_password(password),
        authority_id=authority_id,
    )
    db.session.add(user)
    db.session.flush()
    record_audit(actor, "user.create", user, role=role)
    user_created.send(user, actor=actor)
    return user


def update_user(actor: User, user: User, *, display_name: str, email: str, role: str,
                is_enabled: bool, authority_id: int | None) -> User:
    if role not in ROLES:
        raise ServiceError(_("Unknown role %(role)r.", role=role), details={"field": "role"})
    if user.id == actor.id and (role != user.role or not is_enabled):
        raise ServiceError(_("You cannot change your own role or disable yourself."),
                           details={"field": "role"})
    changes = {}
    for attr, value in (("display_name", display_name.strip()), ("email", email.strip()),
                        ("role", role), ("is_enabled", is_enabled),
                        ("authority_id", authority_id)):
        if getattr(user, attr) != value:
            changes[attr] = value
            setattr(user, attr, value)
    if changes.get("is_enabled") is False:
        # Everything the account could still use goes; re-enabling brings none of it back.
        _revoke_everything(actor, user)
    elif "role" in changes:
        revoke_sessions(user)
    record_audit(actor, "user.update", user, fields=sorted(changes))
    db.session.flush()
    return user


def set_password(actor: Actor | None, user: User, new_password: str,
                 *, keep_session: UserSession | None = None) -> None:
    problems = password_problems(new_password, user.username)
    if problems:
        raise ServiceError(" ".join(problems), details={"field": "new_password"})
    user.password_hash = hash_password(new_password)
    user.password_changed_at = clock.real_now()
    revoke_sessions(user, except_session=keep_session)
    revoke_tokens(user)
    record_audit(actor, "user.password_change", user)
    db.session.flush()


def set_language(actor: User, user: User, language: str | None) -> User:
    """The user's interface language; None follows the browser (mla.core.locale)."""
    if language is not None and language not in SUPPORTED_LOCALES:
        raise ServiceError(_("Choose one of the languages offered."),
                           details={"field": "language"})
    if user.language != language:
        record_audit(actor, "user.language", user, before=user.language, after=language)
        user.language = language
        db.session.flush()
    return user


def set_time_zone(actor: User, user: User, time_zone: str | None) -> User:
    """The zone the user reads times in; None follows the instance's (mla.core.zones)."""
    if time_zone is not None and not is_zone(time_zone):
        raise ServiceError(_("Choose one of the time zones offered."),
                           details={"field": "time_zone"})
    if user.time_zone != time_zone:
        record_audit(actor, "user.time_zone", user, before=user.time_zone, after=time_zone)
        user.time_zone = time_zone
        db.session.flush()
    return user


def change_own_password(user: User, current_password: str, new_password: str,
                        session: UserSession | None) -> None:
    if not verify_password(user.password_hash, current_password):
        raise ServiceError(_("The current password is not correct."),
                           details={"field": "current_password"})
    set_password(user, user, new_password, keep_session=session)


# -- sign-in and throttling -------------------------------------------------------------
@dataclass(frozen=True)
class SignInResult:
    user: User | None
    session_token: str | None = None
    locked_until: datetime | None = None
    needs_second_factor: bool = False


def authenticate(username: str, password: str, *, user_agent: str = "",
                 client_ip: str = "") -> SignInResult:
    """Check a password with throttling; unknown and known names get the same answer.
    Failures lock this account for this client address only (LoginThrottle)."""
    name = normalise_username(username)[:64]
    address = client_ip[:45]
    current = clock.real_now()
    throttle = db.session.get(LoginThrottle, (name, address))
    if throttle and throttle.locked_until and throttle.locked_until > current:
        verify_password(None, password)  # same cost as a real attempt
        record_audit(None, "auth.login_locked", object_type="users", object_id=name)
        commit_even_if_refused()
        return SignInResult(None, locked_until=throttle.locked_until)

    user = get_user_by_username(name)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_enabled:
        note_failure(name, address)
        record_audit(None, "auth.login_failed", object_type="users", object_id=name)
        commit_even_if_refused()
        return SignInResult(None, locked_until=two_factor.locked_until(name, address))

    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if user.has_second_factor:
        # The password was right; the session starts once the code is (complete_sign_in).
        record_audit(user, "auth.password_accepted", user)
        db.session.flush()
        return SignInResult(user, needs_second_factor=True)
    if throttle is not None:
        db.session.delete(throttle)
    return SignInResult(user, session_token=start_session(user, user_agent=user_agent))


def complete_sign_in(user: User, code: str, *, user_agent: str = "",
                     client_ip: str = "") -> SignInResult:
    """The second step of signing in: a TOTP or recovery code after the password."""
    if not user.is_enabled or not two_factor.check_second_factor(user, code,
                                                                   client_ip=client_ip):
        commit_even_if_refused()
        return SignInResult(None, locked_until=two_factor.locked_until(user.username, client_ip))
    throttle = db.session.get(LoginThrottle, (user.username, client_ip[:45]))
    if throttle is not None:
        db.session.delete(throttle)
    return SignInResult(user, session_token=start_session(user, user_agent=user_agent))


def start_session(user: User, *, user_agent: str = "") -> str:
    """A new server-side session for a user who proved who they are; returns its token."""
    user.last_login_at = clock.real_now()
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(token_hash=_sha256(token), user=user, user_agent=user_agent[:200]))
    record_audit(user, "auth.login", user)
    db.session.flush()
    return token


def load_session(token: str | None) -> UserSession | None:
    """The live session for a browser's token, or None if revoked, idle or expired."""
    if not token:
        return None
    record = db.session.scalar(select(UserSession).where(UserSession.token_hash == _sha256(token)))
    if record is None or record.revoked_at is not None or not record.user.is_enabled:
        return None
    settings = current_settings()
    current = clock.real_now()
    if current - record.last_seen_at > timedelta(minutes=settings.session_idle_minutes):
        return None
    if current - record.created_at > timedelta(hours=settings.session_max_hours):
        return None
    # Touch at most once a minute so reading pages does not write on every request.
    if current - record.last_seen_at > timedelta(minutes=1):
        _touch(update(UserSession).where(UserSession.id == record.id).values(last_seen_at=current))
    return record


def _touch(statement: Update) -> None:
    """Best-effort bookkeeping write, never fails the request. A read request writes it
    at its end (``write_after_read``): taken earlier, SQLite's write lock would be held
    while the page renders."""
    write_after_read(lambda: _try(statement))


def _try(statement: Update) -> None:
    try:
        with db.session.begin_nested():
            db.session.execute(statement)
    except OperationalError:
        pass  # a busy database may skip one last-seen update


def end_session(record: UserSession) -> None:
    record.revoked_at = clock.real_now()
    session_ended.send(record)
    record_audit(record.user, "auth.logout", record.user)
    db.session.flush()


def revoke_everything(actor: User, user: User) -> dict[str, int]:
    """An admin's one action: every session, API token and calendar feed of ``user``."""
    counts = _revoke_everything(actor, user)
    details: dict[str, Any] = {**counts}
    record_audit(actor, "user.revoke_all", user, **details)
    db.session.flush()
    return counts


def _revoke_everything(actor: User, user: User) -> dict[str, int]:
    counts = {"sessions": revoke_sessions(user), "api_tokens": revoke_tokens(user)}
    for _receiver, result in access_revoked.send(user, actor=actor):
        if result:
            label, count = result
            counts[label] = counts.get(label, 0) + count
    return counts


def revoke_sessions(user: User, *, except_session: UserSession | None = None) -> int:
    stmt = (
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=clock.real_now())
    )
    if except_session is not None:
        stmt = stmt.where(UserSession.id != except_session.id)
    return rows_matched(db.session.execute(stmt))


# -- API tokens ----------------------------------------------------------------------------
def create_api_token(actor: Actor | None, user: User, *, label: str = "",
                     valid_days: int | None = 365) -> tuple[ApiToken, str]:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        token_hash=_sha256(secret),
        label=label[:100],
        prefix=secret[:12],
        expires_at=clock.real_now() + timedelta(days=valid_days) if valid_days else None,
    )
    db.session.add(token)
    db.session.flush()
    record_audit(actor, "token.create", user, token_id=token.id, token_prefix=token.prefix)
    return token, secret


def resolve_api_token(secret: str) -> User | None:
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _sha256(secret)))
    if token is None or token.revoked_at is not None or not token.user.is_enabled:
        return None
    current = clock.real_now()
    if token.expires_at is not None and token.expires_at <= current:
        return None
    if token.last_used_at is None or current - token.last_used_at > timedelta(minutes=1):
        _touch(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=current))
    return token.user


def revoke_api_token(actor: User, token: ApiToken) -> None:
    token.revoked_at = clock.real_now()
    record_audit(actor, "token.revoke", token.user, token_id=token.id)
    db.session.flush()


def revoke_tokens(user: User) -> int:
    return rows_matched(db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=clock.real_now())
    ))

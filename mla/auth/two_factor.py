"""The second factor: TOTP (RFC 6238) through pyotp, single-use recovery codes.

- The secret is sealed under the key ring (bound to the user's row), shown once at
  enrolment as a QR code (segno, inline SVG: no script, no outside service) and as text.
- A code is accepted for the current 30-second step or one step either side (clock
  drift), and never for a step at or before the last one accepted: a code seen over a
  shoulder or replayed from a proxy log is refused even within its window.
- Recovery codes (10, about 50 bits each) are hashed with argon2 like passwords and
  work once each.
- Wrong codes count against the same per-account-and-address lockout as wrong
  passwords (LoginThrottle), so guessing six digits is as slow as guessing a password.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

import pyotp
import segno
from markupsafe import Markup
from sqlalchemy import delete, select

from mla.audit.services import record_audit
from mla.auth.models import LoginThrottle, RecoveryCode, User
from mla.auth.passwords import hash_password, verify_password
from mla.core import clock
from mla.core.crypto import key_ring
from mla.extensions import db
from mla.settings import current_settings

ISSUER = "Comity"
RECOVERY_CODE_COUNT = 10
VALID_WINDOW = 1  # steps either side of now
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def _context(user: User) -> str:
    return f"users.totp_secret_enc.{user.id}"


def is_required(user: User) -> bool:
    """Whether this user's role must sign in with a second factor (MLA_REQUIRE_2FA_ROLES)."""
    return user.role in current_settings().require_2fa_roles


def must_enrol(user: User) -> bool:
    return is_required(user) and not user.has_second_factor


def secret_of(user: User) -> str | None:
    if user.totp_secret_enc is None:
        return None
    return key_ring().decrypt(user.totp_secret_enc, context=_context(user))


def new_secret() -> str:
    """A fresh secret for enrolment; the page keeps it in the signed session cookie (never
    in the database) until a code confirms it, so a GET writes nothing."""
    return pyotp.random_base32()


def is_valid_secret(secret: str) -> bool:
    return len(secret) == 32 and all(c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" for c in secret)


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_code_svg(uri: str) -> Markup:
    """The otpauth URI as an inline SVG (no XML declaration, no script)."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff")
    return Markup(svg)  # noqa: S704 (segno's own markup of a URI we built)


def _accepted_step(user: User, secret: str, code: str) -> int | None:
    """The time step ``code`` belongs to if it is valid now and newer than the last used."""
    digits = "".join(code.split())
    if len(digits) != 6 or not (digits.isascii() and digits.isdigit()):  # compare_digest
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(clock.real_now())
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if user.totp_last_step is not None and step <= user.totp_last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


def _normalise_recovery(code: str) -> str:
    return "".join(c for c in code.casefold() if c.isalnum())


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes; the clear codes exist only in the return value."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=hash_password(raw)))
    db.session.flush()
    return codes


def _use_recovery_code(user: User, code: str) -> bool:
    given = _normalise_recovery(code)
    if len(given) != 10:
        return False
    unused = db.session.scalars(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all()
    for record in unused:
        if verify_password(record.code_hash, given):
            record.used_at = clock.real_now()
            return True
    return False


def confirm_enrolment(actor: User, secret: str, code: str) -> list[str] | None:
    """Turn the second factor on once a code from the new secret checks out; stores the
    secret sealed and returns the recovery codes, or None if the code is wrong."""
    if actor.has_second_factor or not is_valid_secret(secret):
        return None
    step = _accepted_step(actor, secret, code)
    if step is None:
        record_audit(actor, "auth.2fa_enrol_failed", actor)
        return None
    actor.totp_secret_enc = key_ring().encrypt(secret, context=_context(actor))
    actor.totp_last_step = step
    actor.totp_enabled_at = clock.real_now()
    codes = new_recovery_codes(actor)
    record_audit(actor, "auth.2fa_enrolled", actor)
    db.session.flush()
    return codes


def regenerate_recovery_codes(actor: User, code: str) -> list[str] | None:
    """New recovery codes (the old ones stop working), against a current code."""
    secret = secret_of(actor)
    step = _accepted_step(actor, secret, code) if secret and actor.has_second_factor else None
    if step is None:
        return None
    actor.totp_last_step = step
    codes = new_recovery_codes(actor)
    record_audit(actor, "auth.2fa_recovery_codes", actor)
    return codes


def reset_second_factor(actor: User, user: User) -> None:
    """An administrator's answer to a lost device: the user enrols again at next sign-in."""
    user.totp_secret_enc = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    record_audit(actor, "auth.2fa_reset", user)
    db.session.flush()


def locked_until(username: str, client_ip: str) -> datetime | None:
    throttle = db.session.get(LoginThrottle, (username, client_ip[:45]))
    if throttle and throttle.locked_until and throttle.locked_until > clock.real_now():
        return throttle.locked_until
    return None


def check_second_factor(user: User, code: str, *, client_ip: str) -> bool:
    """A TOTP code or an unused recovery code for ``user``; wrong ones count towards
    the sign-in lockout of this account from this address."""
    if locked_until(user.username, client_ip) is not None:
        record_audit(None, "auth.login_locked", object_type="users", object_id=user.username)
        return False
    secret = secret_of(user)
    step = _accepted_step(user, secret, code) if secret else None
    if step is not None:
        user.totp_last_step = step
        return True
    if _use_recovery_code(user, code):
        record_audit(user, "auth.2fa_recovery_code_used", user)
        return True
    note_failure(user.username, client_ip)
    record_audit(None, "auth.2fa_failed", object_type="users", object_id=user.username)
    return False


def note_failure(username: str, client_ip: str) -> None:
    """One more failed attempt for this account from this address; locks it at the limit."""
    settings = current_settings()
    address = client_ip[:45]
    current = clock.real_now()
    throttle = db.session.get(LoginThrottle, (username, address))
    if throttle is None:
        throttle = LoginThrottle(username=username, client_ip=address, failures=0)
        db.session.add(throttle)
    throttle.failures += 1
    throttle.last_failure_at = current
    if throttle.failures >= settings.login_max_failures:
        throttle.locked_until = current + timedelta(minutes=settings.login_lockout_minutes)
        throttle.failures = 0
    db.session.flush()

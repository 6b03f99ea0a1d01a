"""argon2id password hashing (argon2-cffi's defaults, RFC 9106 low-memory profile)."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _

_hasher = PasswordHasher(type=Type.ID)
# Verified against when the account does not exist, so an unknown name costs the same.
_DUMMY_HASH = _hasher.hash("not-a-real-password-comity")

MIN_LENGTH = 12


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def password_problems(password: str, username: str = "") -> list[str]:
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_("Use at least %(n)d characters.", n=MIN_LENGTH))
    if username and username.casefold() in password.casefold():
        problems.append(_("The password may not contain the user name."))
    return problems

"""argon2id password hashing (argon2-cffi's defaults, RFC 9106 low-memory profile) and
the password policy (OWASP ASVS 4.0.3 V2.1): length over composition rules, at least
12 characters, up to 1,024, any printable Unicode, and never one of the 30,000 most
common leaked passwords (mla/data/common-passwords-SOURCES.md)."""

from __future__ import annotations

import gzip
import unicodedata
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _

_hasher = PasswordHasher(type=Type.ID)
# Verified against when the account does not exist, so an unknown name costs the same.
_DUMMY_HASH = _hasher.hash("not-a-real-password-comity")

MIN_LENGTH = 12
MAX_LENGTH = 1024
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt.gz"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip().casefold() for line in handle if line.strip())


def _is_printable(password: str) -> bool:
    # Spaces (any Unicode space) are welcome in passphrases; control characters are not.
    return all(c.isprintable() or unicodedata.category(c) == "Zs" for c in password)


def password_problems(password: str, username: str = "") -> list[str]:
    """What is wrong with a new password, in words for the person choosing it."""
    length = len(unicodedata.normalize("NFC", password))
    if length < MIN_LENGTH:
        return [_("Use at least %(n)d characters; a few words make a good password.",
                  n=MIN_LENGTH)]
    if length > MAX_LENGTH:
        return [_("Use at most %(n)d characters.", n=MAX_LENGTH)]
    problems = []
    if not _is_printable(password):
        problems.append(_("The password may not contain control characters."))
    if password.casefold() in common_passwords():
        problems.append(_("This password is among the most common leaked passwords; "
                          "choose another."))
    if username and username.casefold() in password.casefold():
        problems.append(_("The password may not contain the user name."))
    return problems

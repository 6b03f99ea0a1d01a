"""What a person is found by, without keeping it in clear: keyed blind-index tokens.

Rules (the tests hold them):

- **Name tokens**: the name is decomposed (Unicode NFKD), combining marks are dropped
  (accents), it is case-folded and split on everything that is not a letter or a digit
  (spaces, hyphens, apostrophes, commas, full stops: "PETROV, I." = "petrov i"). Each token
  is indexed on its own, so "Petrov" finds "Ivan Petrov" and "PETROV Ivan"; tokens are
  whole words, so "Petrov" does not find "Petrova" (no stemming, no prefixes).
- **Name key**: the sorted set of the name's tokens, indexed as one value: two names
  with the same words in any order ("Ivan PETROV", "Petrov Ivan") share it.
- **Date of birth**: the value as recorded (dates are ISO ``YYYY-MM-DD``).
- **Identifiers**: the field is split on commas, semicolons and line breaks; in each
  part a leading label ending in a colon ("Passport: ") and the words without a digit
  ("national ID") are dropped; what remains keeps letters and digits only, case-folded
  ("AB-123 456" = "ab123456"); fewer than 4 characters is not an identifier.

Every value is HMAC-SHA256'd under the ring's blind-index key with its own purpose, so
a token of one kind never equals a token of another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from mla.core.crypto import KeyRing, normalise_for_index


class TokenKind(StrEnum):
    NAME = "name"
    NAME_KEY = "name_key"
    DATE_OF_BIRTH = "dob"
    IDENTIFIER = "identifier"


PURPOSES = {
    TokenKind.NAME: "person.name_token",
    TokenKind.NAME_KEY: "person.name_key",
    TokenKind.DATE_OF_BIRTH: "person.date_of_birth",
    TokenKind.IDENTIFIER: "person.identifier",
}

_NAME_SPLIT = re.compile(r"[\W_]+")
_IDENTIFIER_SPLIT = re.compile(r"[,;\n\r]+")
_LABEL = re.compile(r"^[^:]{1,40}:\s*")
_NOT_ALNUM = re.compile(r"[\W_]+")


def name_tokens(name: str) -> list[str]:
    """The whole words of a name, normalised (see the module's rules), without repeats."""
    words = _NAME_SPLIT.split(normalise_for_index(name))
    return list(dict.fromkeys(w for w in words if w))


def identifier_values(identifiers: str) -> list[str]:
    found = []
    for part in _IDENTIFIER_SPLIT.split(identifiers or ""):
        words = normalise_for_index(_LABEL.sub("", part.strip())).split()
        value = _NOT_ALNUM.sub("", "".join(w for w in words if any(c.isdigit() for c in w)))
        if len(value) >= 4:
            found.append(value)
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    digest: str


def person_tokens(ring: KeyRing, *, full_name: str, date_of_birth: str = "",
                  identifiers: str = "") -> list[Token]:
    """Every token a person is indexed under, with the ring's current index key."""
    words = name_tokens(full_name)
    values: list[tuple[TokenKind, str]] = [(TokenKind.NAME, w) for w in words]
    if words:
        values.append((TokenKind.NAME_KEY, " ".join(sorted(words))))
    if date_of_birth.strip():
        values.append((TokenKind.DATE_OF_BIRTH, date_of_birth.strip()))
    values += [(TokenKind.IDENTIFIER, v) for v in identifier_values(identifiers)]
    return [Token(kind, ring.blind_index(value, purpose=PURPOSES[kind]))
            for kind, value in values]


def search_digests(ring: KeyRing, kind: TokenKind, value: str) -> list[str]:
    """What a search compares with: the current key's digest and, while the blind-index
    key is being rotated, the previous key's too."""
    return ring.blind_indexes(value, purpose=PURPOSES[kind])

"""This instance's exchange identity and the public keys of counterparts.

An instance (a central authority) signs with an Ed25519 key and receives packages
encrypted to an X25519 key. Both private keys live in a file next to the key ring
(``exchange-identity.json`` beside MLA_KEY_FILE, mode 0600), never in the database:
whoever holds the database alone can neither read packages nor sign in our name.

The *public identity document* is what a counterpart registers (``exchange trust``):
country, authority name and id, exchange address, the public keys as a JWK Set and
their RFC 7638 thumbprints (the fingerprints read out over the telephone before
trusting). After ``exchange identity --rotate`` the old public keys stay listed as
retired, so a counterpart still verifies packages signed before the rotation, and the
old private encryption key stays here, so packages already on their way still open.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from mla.core.clock import real_now
from mla.settings import Settings

IDENTITY_FILE = "exchange-identity.json"
DOCUMENT_FORMAT = "comity-exchange-identity/1"
FILE_FORMAT = 1
SIGNING_ALG = "Ed25519"          # RFC 9864 (the fully-specified name of EdDSA on Ed25519)
ENCRYPTION_ALG = "ECDH-ES+A256KW"
CONTENT_ENC = "A256GCM"
_AUTHORITY_ID = re.compile(r"^[A-Z]{2}:[a-z0-9][a-z0-9-]{0,62}$")


class IdentityError(ValueError):
    """An identity file or a public identity document that cannot be used."""


def authority_id_for(country: str, name: str) -> str:
    """``XA:ministry-of-justice``: the country and a slug of the authority's name."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:63] or "central-authority"
    return f"{country.upper()}:{slug}"


def is_authority_id(value: str) -> bool:
    return bool(_AUTHORITY_ID.match(value))


def fingerprint(key: OKPKey) -> str:
    """The RFC 7638 JWK thumbprint (SHA-256, base64url): also the key's ``kid``."""
    return key.thumbprint()


def readable_fingerprint(value: str) -> str:
    """A thumbprint in groups of four, for reading it out to a counterpart."""
    return " ".join(value[i:i + 4] for i in range(0, len(value), 4))


def _public_jwk(key: OKPKey, *, use: str, alg: str) -> dict[str, Any]:
    jwk = dict(key.as_dict(private=False))
    jwk.update(kid=fingerprint(key), use=use, alg=alg)
    return jwk


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds")


def _parse_time(value: Any) -> datetime:
    at = datetime.fromisoformat(str(value))
    return at if at.tzinfo else at.replace(tzinfo=UTC)


@dataclass(frozen=True)
class RetiredKey:
    """A key pair replaced by rotation (private part kept for decrypting only)."""

    use: str  # "sig" | "enc"
    key: OKPKey
    valid_from: datetime
    retired_at: datetime


@dataclass(frozen=True)
class LocalIdentity:
    authority_id: str
    country: str
    name: str
    address: str  # the exchange endpoint's URL ("" when only files are exchanged)
    signing_key: OKPKey = field(repr=False)
    encryption_key: OKPKey = field(repr=False)
    valid_from: datetime
    retired: tuple[RetiredKey, ...] = ()
    path: Path | None = field(default=None, compare=False, repr=False)

    @property
    def signing_kid(self) -> str:
        return fingerprint(self.signing_key)

    @property
    def encryption_kid(self) -> str:
        return fingerprint(self.encryption_key)

    def decryption_key(self, kid: str) -> OKPKey | None:
        """The private encryption key (current or retired) a package names."""
        if kid == self.encryption_kid:
            return self.encryption_key
        return next((r.key for r in self.retired if r.use == "enc" and fingerprint(r.key) == kid),
                    None)

    @property
    def public_document(self) -> dict[str, Any]:
        return public_identity_document(self)

    @property
    def as_counterpart(self) -> CounterpartKeys:
        """How a counterpart sees us (tests and loopback checks)."""
        return counterpart_from_document(self.public_document)

    # -- the file ------------------------------------------------------------------
    def to_json(self) -> str:
        def private(key: OKPKey) -> dict[str, Any]:
            return dict(key.as_dict(private=True))

        return json.dumps({
            "format": FILE_FORMAT,
            "authority_id": self.authority_id,
            "country": self.country,
            "name": self.name,
            "address": self.address,
            "valid_from": _iso(self.valid_from),
            "signing": private(self.signing_key),
            "encryption": private(self.encryption_key),
            "retired": [{"use": r.use, "key": private(r.key), "valid_from": _iso(r.valid_from),
                         "retired_at": _iso(r.retired_at)} for r in self.retired],
        }, indent=2)

    @classmethod
    def from_json(cls, text: str, path: Path | None = None) -> LocalIdentity:
        try:
            data = json.loads(text)
            if data.get("format") != FILE_FORMAT:
                raise IdentityError("unknown identity file format")
            identity = cls(
                authority_id=str(data["authority_id"]), country=str(data["country"]),
                name=str(data["name"]), address=str(data.get("address", "")),
                signing_key=OKPKey.import_key(data["signing"]),
                encryption_key=OKPKey.import_key(data["encryption"]),
                valid_from=_parse_time(data["valid_from"]),
                retired=tuple(RetiredKey(use=str(r["use"]), key=OKPKey.import_key(r["key"]),
                                         valid_from=_parse_time(r["valid_from"]),
                                         retired_at=_parse_time(r["retired_at"]))
                              for r in data.get("retired", ())),
                path=path,
            )
        except (KeyError, TypeError, ValueError, JoseError) as exc:
            raise IdentityError(f"the exchange identity is malformed: {exc.__class__.__name__}"
                                ) from None
        if identity.signing_key.curve_name != "Ed25519" \
                or identity.encryption_key.curve_name != "X25519":
            raise IdentityError("the exchange identity holds keys of the wrong curve")
        return identity

    def save(self, path: Path) -> None:
        """Write atomically, readable by the owner only (like the key ring)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(self.to_json())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)


@dataclass(frozen=True)
class CounterpartKeys:
    """A counterpart's public identity, as registered in our directory."""

    authority_id: str
    country: str
    name: str
    address: str
    encryption_key: OKPKey = field(repr=False)
    # Current signing key first, then retired ones (still accepted for verification).
    signing_keys: tuple[OKPKey, ...] = field(repr=False)
    valid_from: datetime

    @property
    def signing_fingerprint(self) -> str:
        return fingerprint(self.signing_keys[0])

    @property
    def encryption_fingerprint(self) -> str:
        return fingerprint(self.encryption_key)

    @property
    def fingerprints(self) -> dict[str, str]:
        return {"signing": self.signing_fingerprint, "encryption": self.encryption_fingerprint}

    def verification_key(self, kid: str) -> OKPKey | None:
        return next((k for k in self.signing_keys if fingerprint(k) == kid), None)


def identity_path(settings: Settings) -> Path:
    """Beside the key ring's file (the instance folder by default). With MLA_KEY_RING the
    ring has no file; the identity then sits where the default ring file would."""
    return settings.key_file.parent / IDENTITY_FILE


def load_local_identity(app: Flask) -> LocalIdentity | None:
    """This instance's identity, or None when `exchange identity` has not created it."""
    path = identity_path(app.extensions["mla.settings"])
    if not path.is_file():
        return None
    return LocalIdentity.from_json(path.read_text(encoding="utf-8"), path=path)


def new_identity(*, country: str, name: str, address: str = "",
                 authority_id: str | None = None, at: datetime | None = None) -> LocalIdentity:
    """A fresh identity in memory (nothing written)."""
    authority_id = authority_id or authority_id_for(country, name)
    if not is_authority_id(authority_id):
        raise IdentityError(f"not an authority id: {authority_id!r} (e.g. XA:ministry-of-justice)")
    return LocalIdentity(
        authority_id=authority_id, country=country.upper(), name=name.strip(),
        address=address.strip(),
        signing_key=OKPKey.generate_key("Ed25519"),
        encryption_key=OKPKey.generate_key("X25519"),
        valid_from=(at or real_now()).replace(microsecond=0),
    )


def create_local_identity(app: Flask, *, name: str, address: str = "",
                          country: str | None = None, authority_id: str | None = None,
                          ) -> tuple[LocalIdentity, bool]:
    """The identity, created and written when missing. Returns it and whether it is new.
    An existing identity keeps its keys; a new address or name given here (the address
    defaults to MLA_EXCHANGE_URL) updates it."""
    settings: Settings = app.extensions["mla.settings"]
    address = address.strip() or settings.exchange_url
    existing = load_local_identity(app)
    path = identity_path(settings)
    if existing is not None:
        updated = replace(existing, address=address.strip() or existing.address,
                          name=name.strip() or existing.name)
        if updated != existing:
            updated.save(path)
        return replace(updated, path=path), False
    identity = new_identity(country=country or settings.home_country,
                            name=name or "Central authority", address=address,
                            authority_id=authority_id)
    identity.save(path)
    return replace(identity, path=path), True


def rotated(identity: LocalIdentity, *, at: datetime | None = None) -> LocalIdentity:
    """New key pairs; the old ones kept as retired (see the module's docstring)."""
    at = (at or real_now()).replace(microsecond=0)
    old = (RetiredKey("sig", identity.signing_key, identity.valid_from, at),
           RetiredKey("enc", identity.encryption_key, identity.valid_from, at))
    return replace(identity, signing_key=OKPKey.generate_key("Ed25519"),
                   encryption_key=OKPKey.generate_key("X25519"), valid_from=at,
                   retired=old + identity.retired)


def rotate_local_identity(app: Flask) -> LocalIdentity:
    identity = load_local_identity(app)
    if identity is None:
        raise IdentityError("there is no exchange identity to rotate yet")
    new = rotated(identity)
    new.save(identity_path(app.extensions["mla.settings"]))
    return new


def public_identity_document(identity: LocalIdentity) -> dict[str, Any]:
    """What a counterpart registers with `exchange trust` (no private part)."""
    return {
        "format": DOCUMENT_FORMAT,
        "authority_id": identity.authority_id,
        "country": identity.country,
        "name": identity.name,
        "address": identity.address,
        "valid_from": _iso(identity.valid_from),
        "keys": [_public_jwk(identity.signing_key, use="sig", alg=SIGNING_ALG),
                 _public_jwk(identity.encryption_key, use="enc", alg=ENCRYPTION_ALG)],
        "retired_keys": [dict(_public_jwk(r.key, use=r.use,
                                          alg=SIGNING_ALG if r.use == "sig" else ENCRYPTION_ALG),
                              retired_at=_iso(r.retired_at))
                         for r in identity.retired],
        "fingerprints": {"signing": identity.signing_kid,
                         "encryption": identity.encryption_kid},
    }


def _import_public(jwk: Mapping[str, Any], *, curve: str) -> OKPKey:
    if not isinstance(jwk, Mapping) or "d" in jwk:
        raise IdentityError("a key in the document is not a public JWK")
    key = OKPKey.import_key({k: jwk[k] for k in ("kty", "crv", "x") if k in jwk})
    if key.curve_name != curve:
        raise IdentityError(f"expected a {curve} key, got {key.curve_name}")
    if jwk.get("kid") and jwk["kid"] != fingerprint(key):
        raise IdentityError("a key's kid is not its thumbprint")
    return key


def counterpart_from_document(document: Mapping[str, Any]) -> CounterpartKeys:
    """Check a public identity document and read its keys (raises IdentityError)."""
    try:
        if document.get("format") != DOCUMENT_FORMAT:
            raise IdentityError("not a Comity exchange identity document")
        authority_id = str(document["authority_id"])
        country = str(document["country"]).upper()
        if not is_authority_id(authority_id) or not authority_id.startswith(f"{country}:"):
            raise IdentityError(f"not an authority id of {country}: {authority_id!r}")
        current: Sequence[Mapping[str, Any]] = document["keys"]
        signing = [_import_public(k, curve="Ed25519") for k in current if k.get("use") == "sig"]
        encryption = [_import_public(k, curve="X25519") for k in current if k.get("use") == "enc"]
        if len(signing) != 1 or len(encryption) != 1:
            raise IdentityError("the document must hold one signing and one encryption key")
        retired = [_import_public(k, curve="Ed25519")
                   for k in document.get("retired_keys", ()) if k.get("use") == "sig"]
        prints = document.get("fingerprints", {})
        if prints and (prints.get("signing") != fingerprint(signing[0])
                       or prints.get("encryption") != fingerprint(encryption[0])):
            raise IdentityError("the fingerprints do not match the keys")
        return CounterpartKeys(
            authority_id=authority_id, country=country, name=str(document["name"]).strip(),
            address=str(document.get("address", "")).strip(),
            encryption_key=encryption[0], signing_keys=(signing[0], *retired),
            valid_from=_parse_time(document["valid_from"]))
    except IdentityError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, JoseError) as exc:
        raise IdentityError(f"the identity document is malformed: {exc.__class__.__name__}"
                            ) from None
